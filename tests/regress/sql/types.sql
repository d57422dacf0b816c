-- Values of every built-in type with Debezium's default handling modes
-- (decimal.handling.mode=precise, time.precision.mode=adaptive, binary.handling.mode=bytes,
-- interval.handling.mode=numeric). Expected values follow the Debezium PostgreSQL connector
-- documentation, "Data type mappings": tables "Mappings for PostgreSQL basic types",
-- "Mappings for PostgreSQL temporal types", "Decimal types", "Mappings for PostgreSQL
-- network address types", "Mappings for PostgreSQL range types", and the JSON converter's
-- rendering (Decimal and BYTES as base64 strings).
SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT 'init' FROM pg_create_logical_replication_slot('types_slot', 'dbchangetracking');

-- "Mappings for PostgreSQL basic types": integers, floats, bool, character types
CREATE TABLE basic (id serial PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, f4 real,
    f8 double precision, b boolean, t text, vc varchar(10), c char(5), n name, ch "char",
    o oid);
INSERT INTO basic (i2, i4, i8, f4, f8, b, t, vc, c, n, ch, o) VALUES
    (-32768, 2147483647, -9223372036854775808, 1.5, 3.141592653589793, true,
     'quote " backslash \ tab 	 é ✓', 'varchar', 'ab', 'a_name', 'x', 42),
    (0, 0, 0, 'NaN', 'Infinity', false, '', '', '', '', 'y', 0),
    (NULL, NULL, NULL, '-Infinity', 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (1, 1, 1, 0.1, 0.1, true, 'x', 'x', 'x', 'x', 'x', 4294967295);
SELECT data::json->'after' AS after
FROM pg_logical_slot_get_changes('types_slot', NULL, NULL, 'deterministic', 'true');

-- "Decimal types" (precise: base64 of the unscaled value; numeric without scale:
-- VariableScaleDecimal {"scale", "value"}; money: Decimal with money.fraction.digits = 2)
CREATE TABLE decimals (id serial PRIMARY KEY, n102 numeric(10,2), n numeric, n50 numeric(5,0),
    m money);
INSERT INTO decimals (n102, n, n50, m) VALUES
    (12.34, 12.345, 12345, 12.34),
    (-0.01, -1, 0, -0.01),
    (0, 0.000001, -99999, 0),
    (99999999.99, 123456789012345678901234567890.123, 1, 92233720368547758.07);
SELECT data::json->'after' AS after
FROM pg_logical_slot_get_changes('types_slot', NULL, NULL, 'deterministic', 'true');

-- "Mappings for PostgreSQL temporal types" (adaptive: time/timestamp with precision <= 3 in
-- milliseconds, otherwise microseconds; date in days; timestamptz and timetz as UTC strings)
CREATE TABLE temporal (id serial PRIMARY KEY, d date, t time, t3 time(3), t0 time(0),
    ttz timetz, ts timestamp, ts3 timestamp(3), ts0 timestamp(0), tstz timestamptz,
    tstz3 timestamptz(3), tstz0 timestamptz(0), i interval);
INSERT INTO temporal (d, t, t3, t0, ttz, ts, ts3, ts0, tstz, tstz3, tstz0, i) VALUES
    ('2024-01-01', '12:34:56.789012', '12:34:56.789', '12:34:56', '12:34:56.789+02',
     '2024-01-01 12:34:56.789012', '2024-01-01 12:34:56.789', '2024-01-01 12:34:56',
     '2024-01-01 12:34:56.789012+00', '2024-01-01 12:34:56.789+00', '2024-01-01 12:34:56+00',
     '1 year 2 months 3 days 04:05:06.78'),
    ('1969-12-31', '00:00:00', '00:00:00', '00:00:00', '00:00:00+00',
     '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00', '1900-01-01 00:00:00',
     '1970-01-01 00:00:00+00', '2024-06-30 23:00:00-05', '1999-12-31 23:59:59+00',
     '-1 days'),
    ('infinity', '24:00:00', '23:59:59.999', '23:59:59', '23:59:59.999999-11:30',
     'infinity', '-infinity', 'infinity', 'infinity', '-infinity', 'infinity',
     '1 month'),
    ('-infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '00:00:00.000001');
SELECT data::json->'after' AS after
FROM pg_logical_slot_get_changes('types_slot', NULL, NULL, 'deterministic', 'true');

-- bytea (BYTES, base64 in JSON), uuid (io.debezium.data.Uuid), json/jsonb
-- (io.debezium.data.Json, a string), xml (io.debezium.data.Xml), bit(1) (BOOLEAN),
-- bit(n)/varbit (io.debezium.data.Bits)
CREATE TABLE others (id serial PRIMARY KEY, by bytea, u uuid, j json, jb jsonb, x xml,
    b1 bit(1), b8 bit(8), vb varbit(16));
INSERT INTO others (by, u, j, jb, x, b1, b8, vb) VALUES
    ('\x0102fe', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1, "b" : [1, 2]}',
     '{"b": [1, 2], "a": 1}', '<a>x</a>', '1', '10101010', '101'),
    ('\x', '00000000-0000-0000-0000-000000000000', '"text"', 'null', '<b/>', '0', '00000001',
     '1111000011110000');
SELECT data::json->'after' AS after
FROM pg_logical_slot_get_changes('types_slot', NULL, NULL, 'deterministic', 'true');

-- "Mappings for PostgreSQL network address types", "Mappings for PostgreSQL range types",
-- enums (io.debezium.data.Enum), domains (their base type), point as the
-- io.debezium.data.geometry.Point struct {x, y, wkb, srid} (structured.sql has more), and the
-- text form of the rest
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE DOMAIN price AS numeric(8,2);
CREATE DOMAIN label AS varchar(20);
CREATE TABLE textual (id serial PRIMARY KEY, m mood, p positive, pr price, l label,
    ip inet, cidr cidr, mac macaddr, mac8 macaddr8, r int4range, tr tstzrange, nr numrange,
    dr daterange, tv tsvector, tq tsquery, pt point, ln line, bx box, pg polygon, ci circle,
    lseg lseg, path path, txid txid_snapshot, pl pg_lsn);
INSERT INTO textual (m, p, pr, l, ip, cidr, mac, mac8, r, tr, nr, dr, tv, tq, pt, ln, bx, pg, ci,
    lseg, path, txid, pl) VALUES
    ('happy', 7, 19.99, 'label', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',
     '08:00:2b:01:02:03:04:05', '[1,10)', '[2024-01-01 00:00+00,2024-02-01 00:00+00)',
     '(1.5,2.5]', '[2024-01-01,2024-01-31]', 'a fat cat', 'fat & cat', '(1,2)', '{1,2,3}',
     '((0,0),(1,1))', '((0,0),(1,0),(1,1))', '<(1,1),2>', '[(0,0),(1,1)]', '[(0,0),(1,1)]',
     '10:20:10,14,15', '16/B374D848');
SELECT data::json->'after' AS after
FROM pg_logical_slot_get_changes('types_slot', NULL, NULL, 'deterministic', 'true');

-- arrays: a JSON array of the elements, each converted as its element type; a
-- multi-dimensional array nests one JSON array per dimension (structured.sql has more)
CREATE TABLE arrays (id serial PRIMARY KEY, ia integer[], ba bigint[], ta text[],
    na numeric(6,2)[], ua uuid[], da date[], tsa timestamptz[], ja jsonb[], boa boolean[],
    fa float8[], ea mood[], pa positive[], va varchar[], by bytea[], ma int[][]);
INSERT INTO arrays (ia, ba, ta, na, ua, da, tsa, ja, boa, fa, ea, pa, va, by, ma) VALUES
    ('{1,2,NULL,4}', '{9223372036854775807}', '{"a","b c","\"q\"",NULL}', '{1.50,-2.25}',
     '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{2024-01-01,1970-01-01}',
     '{"2024-01-01 12:00:00+00"}', ARRAY['{"k": 1}'::jsonb, '[]'::jsonb], '{t,f}',
     '{1.5,NaN,-Infinity}', '{sad,happy}', '{1,2}', '{x,y}', '{"\\x01ff"}', '{{1,2},{3,4}}'),
    ('{}', NULL, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');
SELECT data::json->'after' AS after
FROM pg_logical_slot_get_changes('types_slot', NULL, NULL, 'deterministic', 'true');

-- the plugin's output settings (ISO dates, UTC) do not leak into the calling session
SET timezone = 'Europe/Helsinki';
SET datestyle = 'SQL, DMY';
INSERT INTO textual (dr) VALUES ('[2024-03-01,2024-03-05)');
SELECT data::json->'after'->'dr' AS dr
FROM pg_logical_slot_get_changes('types_slot', NULL, NULL, 'deterministic', 'true');
SHOW timezone;
SHOW datestyle;

SELECT 'stop' FROM pg_drop_replication_slot('types_slot');
DROP TABLE basic, decimals, temporal, others, textual, arrays;
DROP DOMAIN positive, price, label;
DROP TYPE mood;
