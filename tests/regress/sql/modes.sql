-- Every handling mode. Expected values: Debezium PostgreSQL connector documentation,
-- "Decimal types" (decimal.handling.mode precise/double/string), "Temporal types"
-- (time.precision.mode adaptive/adaptive_time_microseconds/connect), "Basic types"
-- (binary.handling.mode bytes/base64/base64-url-safe/hex) and interval.handling.mode
-- (numeric: MicroDuration, string: ISO-8601 "PnYnMnDTnHnMnS").
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('modes_slot', 'dbchangetracking');

CREATE TABLE modes (id integer PRIMARY KEY, n102 numeric(10,2), n numeric, m money,
    t time, t3 time(3), ts timestamp, ts3 timestamp(3), by bytea, i interval,
    na numeric(4,1)[]);
INSERT INTO modes VALUES
    (1, 12.34, 12.345, 12.34, '12:34:56.789012', '12:34:56.789', '2024-01-01 12:34:56.789012',
     '2024-01-01 12:34:56.789', '\x0102fe', '1 year 2 months 3 days 04:05:06.78', '{1.5}'),
    (2, -0.5, 1.25, -1.5, '00:00:00.000001', '00:00:00.001', '1970-01-01 00:00:00.000001',
     '1970-01-01 00:00:00.001', '\xfbff', '-1 day -00:00:01.5', '{}'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\x', '0', NULL),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '3 mons 00:00:00.000001', NULL);
-- numeric NaN and infinities: only double and string can carry them (SpecialValueDecimal)
CREATE TABLE specials (id integer PRIMARY KEY, n numeric, f float8);
INSERT INTO specials VALUES (1, 'NaN', 'NaN'), (2, 'Infinity', 'Infinity'),
    (3, '-Infinity', '-Infinity');

-- decimal.handling.mode
SELECT data::json->'after' AS precise
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'columnIncludeList', 'public\.modes\.(id|n102|n|m|na)', 'table.exclude.list', '.*specials');
-- precise mode cannot carry NaN: an ERROR naming the column, nothing consumed
\set VERBOSITY terse
SELECT data::json->'after' AS precise
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'table.include.list', 'public.specials');
\set VERBOSITY default
SELECT data::json->'after' AS double
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'decimal.handling.mode', 'double',
    'column.include.list', 'public\.modes\.(id|n102|n|m|na),public\.specials\..*');
SELECT data::json->'after' AS string
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'decimalHandlingMode', 'STRING',
    'column.include.list', 'public\.modes\.(id|n102|n|m|na),public\.specials\..*');

-- time.precision.mode
SELECT data::json->'after' AS adaptive
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'column.include.list', 'public\.modes\.(id|t|t3|ts|ts3)', 'table.exclude.list', '.*specials');
SELECT data::json->'after' AS adaptive_time_microseconds
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'time.precision.mode', 'adaptive_time_microseconds',
    'column.include.list', 'public\.modes\.(id|t|t3|ts|ts3)', 'table.exclude.list', '.*specials');
SELECT data::json->'after' AS connect
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'timePrecisionMode', 'connect', 'column.include.list', 'public\.modes\.(id|t|t3|ts|ts3)', 'table.exclude.list', '.*specials');

-- binary.handling.mode
SELECT data::json->'after' AS bytes
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'column.include.list', 'public\.modes\.(id|by)', 'table.exclude.list', '.*specials');
SELECT data::json->'after' AS base64
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'binary.handling.mode', 'base64', 'column.include.list', 'public\.modes\.(id|by)', 'table.exclude.list', '.*specials');
SELECT data::json->'after' AS base64_url_safe
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'binaryHandlingMode', 'base64-url-safe', 'column.include.list', 'public\.modes\.(id|by)', 'table.exclude.list', '.*specials');
SELECT data::json->'after' AS hex
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'binary.handling.mode', 'hex', 'column.include.list', 'public\.modes\.(id|by)', 'table.exclude.list', '.*specials');

-- interval.handling.mode
SELECT data::json->'after' AS numeric
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'column.include.list', 'public\.modes\.(id|i)', 'table.exclude.list', '.*specials');
SELECT data::json->'after' AS string
FROM pg_logical_slot_peek_changes('modes_slot', NULL, NULL, 'deterministic', 'true',
    'intervalHandlingMode', 'string', 'column.include.list', 'public\.modes\.(id|i)', 'table.exclude.list', '.*specials');

SELECT 'stop' FROM pg_drop_replication_slot('modes_slot');
DROP TABLE modes, specials;
