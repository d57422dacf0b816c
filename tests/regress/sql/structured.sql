-- Values Debezium writes as structures, multi-dimensional arrays, and the logical message
-- prefix filters.
--
-- point: Debezium PostgreSQL connector documentation, "Mappings for PostgreSQL basic types":
-- POINT -> STRUCT io.debezium.data.geometry.Point, two FLOAT64 fields x and y; the struct's
-- schema (io.debezium.data.geometry.Point.builder) also has the optional wkb (BYTES) and srid
-- (INT32) fields, and PostgresValueConverter.convertPoint fills them through
-- Point.createValue(schema, x, y): wkb = the little-endian OGC WKB of the point
-- (01, 01000000, x, y), base64 in JSON; srid null. A NOT NULL point missing from a key-only
-- before image is Point.createValue(schema, 0, 0).
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('structured_slot', 'dbchangetracking');
CREATE TABLE points (id int PRIMARY KEY, p point, q point NOT NULL);
INSERT INTO points VALUES (1, '(1,2)', '(0,0)'), (2, '(-1.5,1e300)', '(0.1,-2)'),
    (3, NULL, '(3,4)');
DELETE FROM points WHERE id = 1;
SELECT data::json->'op' AS op, data::json->'before' AS before, data::json->'after' AS after
FROM pg_logical_slot_get_changes('structured_slot', NULL, NULL, 'deterministic', 'true');

-- hstore: "Mappings for PostgreSQL basic types", HSTORE: hstore.handling.mode json (default)
-- -> STRING io.debezium.data.Json holding the map as a JSON object; map -> MAP of STRING.
-- Debezium reads the value with pgjdbc's HStoreConverter.fromString into a java.util.HashMap
-- and writes its entries in that map's iteration order: "z"=>"1", "aa"=>"2" (hstore's own
-- order) becomes {"aa":"2","z":"1"} ("aa".hashCode() = 3104 -> bucket 0; "z" = 122 ->
-- bucket 10 of 16). NULL values are JSON null. An unchanged TOASTed hstore is the
-- placeholder map {"<placeholder>":"<placeholder>"} (UnchangedToastedPlaceholder).
CREATE EXTENSION hstore;
CREATE TABLE stores (id int PRIMARY KEY, h hstore, hn hstore NOT NULL DEFAULT '', big hstore);
INSERT INTO stores VALUES
    (1, 'z=>1, aa=>2', 'a=>x', NULL),
    (2, '"k\"q"=>"v\\b", n=>NULL, "é"=>"✓"', '', NULL),
    (3, NULL, 'b=>1', (SELECT hstore(array_agg('key' || g), array_agg(md5(g::text)))
                       FROM generate_series(1, 300) g));
UPDATE stores SET h = 'x=>1' WHERE id = 3;
DELETE FROM stores WHERE id = 1;
SELECT data::json->'op' AS op, data::json->'before' AS before,
       data::json->'after'->'h' AS h, data::json->'after'->'hn' AS hn,
       data::json->'after'->'big' AS big
FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL, 'deterministic', 'true')
WHERE data::json->'source'->>'table' = 'stores' AND length(data) < 4000;
SELECT data::json->'after'->'h' AS h, data::json->'after'->'big' AS big
FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL, 'deterministic', 'true',
    'hstore.handling.mode', 'map')
WHERE data::json->>'op' = 'u';
SELECT data::json->'after'->'h' AS h
FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL, 'deterministic', 'true',
    'hstoreHandlingMode', 'map')
WHERE data::json->'after'->>'id' = '2';
SELECT 'bad' FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL,
    'hstore.handling.mode', 'array');
SELECT count(*) > 0 AS consumed FROM pg_logical_slot_get_changes('structured_slot', NULL, NULL);

-- multi-dimensional arrays: Debezium reads an array through pgjdbc's PgArray.getArray(),
-- which nests one Java array per dimension and drops lower bounds; the event keeps that
-- nesting, one JSON array per dimension, with the element conversion of a one-dimensional
-- array at the innermost level.
CREATE TABLE grids (id int PRIMARY KEY, i2 int[], t3 text[], n2 numeric(4,1)[], b2 bool[]);
INSERT INTO grids VALUES
    (1, '{{1,2,3},{4,5,6}}', '{{{a,b},{c,NULL}},{{"d e",f},{g,h}}}', '{{1.5},{NULL}}',
     '[0:1][5:5]={{t},{f}}'),
    (2, '{}', '{{x}}', '{{-0.1,0}}', '{{NULL}}');
SELECT data::json->'after' AS after
FROM pg_logical_slot_get_changes('structured_slot', NULL, NULL, 'deterministic', 'true');

-- message.prefix.include.list / message.prefix.exclude.list (messagePrefixIncludeList,
-- messagePrefixExcludeList): comma-separated regular expressions matched against the whole
-- prefix, ignoring case (Debezium's LogicalDecodingMessageFilter, Predicates.includes).
-- (the transactional message last: its commit flushes the WAL of all three)
SELECT 'msg' FROM pg_logical_emit_message(false, 'audit', 'a');
SELECT 'msg' FROM pg_logical_emit_message(false, 'other', 'c');
SELECT 'msg' FROM pg_logical_emit_message(true, 'Audit.v2', 'b');
SELECT data::json->'message'->>'prefix' AS prefix
FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL, 'deterministic', 'true',
    'message.prefix.include.list', 'audit.*');
SELECT data::json->'message'->>'prefix' AS prefix
FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL, 'deterministic', 'true',
    'messagePrefixExcludeList', 'AUDIT, nothing');
SELECT data::json->'message'->>'prefix' AS prefix
FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL, 'deterministic', 'true',
    'messagePrefixIncludeList', 'audi');
SELECT 'bad' FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL,
    'message.prefix.include.list', 'audit', 'messagePrefixExcludeList', 'other');
SELECT 'bad' FROM pg_logical_slot_peek_changes('structured_slot', NULL, NULL,
    'message.prefix.exclude.list', 'audit(');

SELECT 'drop' FROM pg_drop_replication_slot('structured_slot');
DROP TABLE points, stores, grids;
DROP EXTENSION hstore;
