-- The before image per REPLICA IDENTITY. Expected: Debezium PostgreSQL connector
-- documentation, "Replica identity" and "update event" / "delete event" value descriptions;
-- DEFAULT deletes carry the key columns, other columns null when nullable, else the column's
-- constant default or the type's zero (Debezium's JdbcValueConverters fallback).
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('identity_slot', 'dbchangetracking');

CREATE TABLE rid_default (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL,
    flag boolean NOT NULL DEFAULT true, price numeric(6,2) NOT NULL, note text,
    born date NOT NULL, at timestamptz NOT NULL, tags text[] NOT NULL, status varchar(10)
    NOT NULL DEFAULT 'new', data bytea NOT NULL, ratio float8 NOT NULL);
CREATE TABLE rid_full (id integer PRIMARY KEY, name text, qty integer);
ALTER TABLE rid_full REPLICA IDENTITY FULL;
CREATE TABLE rid_nothing (id integer PRIMARY KEY, name text);
ALTER TABLE rid_nothing REPLICA IDENTITY NOTHING;
CREATE TABLE rid_index (id integer PRIMARY KEY, code text NOT NULL, name text);
CREATE UNIQUE INDEX rid_index_code ON rid_index (code);
ALTER TABLE rid_index REPLICA IDENTITY USING INDEX rid_index_code;
CREATE TABLE no_pk (a integer, b text);
CREATE TABLE no_pk_full (a integer, b text);
ALTER TABLE no_pk_full REPLICA IDENTITY FULL;
CREATE TABLE composite_key (a integer, b text, c text, PRIMARY KEY (b, a));

INSERT INTO rid_default VALUES (1, 'one', 5, false, 9.99, 'n', '2024-01-01',
    '2024-01-01 10:00:00+00', '{x}',
    'old', '\x01', 0.5);
UPDATE rid_default SET qty = 6 WHERE id = 1;
DELETE FROM rid_default WHERE id = 1;
SELECT data::json->'before' AS before, data::json->'after' AS after, data::json->>'op' AS op
FROM pg_logical_slot_get_changes('identity_slot', NULL, NULL, 'deterministic', 'true');

INSERT INTO rid_full VALUES (1, 'one', 5);
UPDATE rid_full SET qty = 6 WHERE id = 1;
UPDATE rid_full SET id = 2 WHERE id = 1;
DELETE FROM rid_full WHERE id = 2;
SELECT data::json->'before' AS before, data::json->'after' AS after, data::json->>'op' AS op
FROM pg_logical_slot_get_changes('identity_slot', NULL, NULL, 'deterministic', 'true');

INSERT INTO rid_nothing VALUES (1, 'one');
UPDATE rid_nothing SET name = 'uno' WHERE id = 1;
DELETE FROM rid_nothing WHERE id = 1;
SELECT data::json->'before' AS before, data::json->'after' AS after, data::json->>'op' AS op
FROM pg_logical_slot_get_changes('identity_slot', NULL, NULL, 'deterministic', 'true');

INSERT INTO rid_index VALUES (1, 'A', 'one');
UPDATE rid_index SET name = 'uno' WHERE id = 1;
UPDATE rid_index SET code = 'B' WHERE id = 1;
DELETE FROM rid_index WHERE id = 1;
SELECT data::json->'before' AS before, data::json->'after' AS after, data::json->>'op' AS op
FROM pg_logical_slot_get_changes('identity_slot', NULL, NULL, 'deterministic', 'true');

INSERT INTO no_pk VALUES (1, 'one');
INSERT INTO no_pk_full VALUES (1, 'one');
UPDATE no_pk_full SET b = 'uno';
DELETE FROM no_pk_full;
SELECT data::json->'before' AS before, data::json->'after' AS after, data::json->>'op' AS op
FROM pg_logical_slot_get_changes('identity_slot', NULL, NULL, 'deterministic', 'true');

-- the key (Dbct-Key, the message key) in framed mode: primary key columns in key order
INSERT INTO composite_key VALUES (1, 'x', 'c');
UPDATE composite_key SET b = 'y' WHERE a = 1;
-- frame.h: a 48-byte header (kind at byte 4, op at 5, table_len at 32, key_len at 36), then
-- the table, the key and the event
SELECT get_byte(data, 5)::"char" AS op,
       convert_from(substr(data, 49, get_byte(data, 32)), 'UTF8') AS tab,
       convert_from(substr(data, 49 + get_byte(data, 32), get_byte(data, 36)), 'UTF8') AS key
FROM pg_logical_slot_get_binary_changes('identity_slot', NULL, NULL, 'deterministic', 'true',
    'framed', 'true', 'skipped.operations', 'none')
WHERE get_byte(data, 4) = 1;

SELECT 'stop' FROM pg_drop_replication_slot('identity_slot');
DROP TABLE rid_default, rid_full, rid_nothing, rid_index, no_pk, no_pk_full, composite_key;
