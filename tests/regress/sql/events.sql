-- Every event kind of the PostgreSQL connector, through pg_logical_slot_get_changes.
-- Envelope and source block: Debezium PostgreSQL connector documentation, "Data change events"
-- (create/update/delete event examples, "Description of create event value fields") and
-- "Transaction metadata"; truncate and message events: "truncate events", "message events".
-- deterministic = true fixes ts_ms and nulls txId, lsn and sequence so the output is stable.
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('events_slot', 'dbchangetracking');

CREATE TABLE customers (id integer PRIMARY KEY, first_name text NOT NULL, last_name text,
                        email text NOT NULL);

-- create, update, delete (REPLICA IDENTITY DEFAULT: update before is null)
INSERT INTO customers VALUES (1004, 'Anne', 'Kretchmar', 'annek@noanswer.org');
UPDATE customers SET first_name = 'Anne Marie' WHERE id = 1004;
DELETE FROM customers WHERE id = 1004;
SELECT data FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true');

-- the key changes: a delete of the old key, then a create of the new key
INSERT INTO customers VALUES (1, 'Sally', 'Thomas', 'sally.thomas@acme.com');
UPDATE customers SET id = 2 WHERE id = 1;
SELECT data FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true');

-- transaction metadata: BEGIN, events with their transaction block, END with counts per table
CREATE TABLE orders (id integer PRIMARY KEY, customer integer);
BEGIN;
INSERT INTO customers VALUES (3, 'Edward', 'Walker', 'ed@walker.com');
INSERT INTO orders VALUES (10, 3);
UPDATE customers SET last_name = 'W.' WHERE id = 3;
COMMIT;
-- a transaction that touches no tracked table writes nothing
BEGIN;
INSERT INTO orders VALUES (11, 3);
COMMIT;
SELECT data FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true',
    'provide.transaction.metadata', 'true', 'table.include.list', 'public.customers');

-- truncate is skipped by default (skipped.operations = t)
TRUNCATE orders;
SELECT data FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true');
-- with skipped.operations = none: op t, one event per table, null key
INSERT INTO orders VALUES (12, 3);
TRUNCATE orders, customers;
SELECT data FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true',
    'skipped.operations', 'none');

-- skipped operations: only updates
INSERT INTO customers VALUES (5, 'Grace', 'Hopper', 'grace@navy.mil');
UPDATE customers SET email = 'grace@vassar.edu' WHERE id = 5;
DELETE FROM customers WHERE id = 5;
SELECT data FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true',
    'skippedOperations', 'c, d');

-- logical messages, transactional and not: op m, key {"prefix": ...}, content as base64
SELECT 'msg' FROM pg_logical_emit_message(false, 'audit', 'plain text');
BEGIN;
INSERT INTO customers VALUES (6, 'Ada', 'Lovelace', 'ada@analytical.org');
SELECT 'msg' FROM pg_logical_emit_message(true, 'audit', '\x00ff10'::bytea);
COMMIT;
SELECT data FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true',
    'provide.transaction.metadata', 'true');

-- source.name is the slot's name unless given
INSERT INTO customers VALUES (7, 'Alan', 'Turing', 'alan@bletchley.uk');
SELECT data::json->'source'->>'name' AS name
FROM pg_logical_slot_peek_changes('events_slot', NULL, NULL, 'deterministic', 'true');
SELECT data::json->'source'->>'name' AS name
FROM pg_logical_slot_get_changes('events_slot', NULL, NULL, 'deterministic', 'true',
    'name', 'shop-customers');

-- without deterministic the volatile fields are there
INSERT INTO customers VALUES (8, 'Barbara', 'Liskov', 'barbara@mit.edu');
SELECT (data::json->'source'->>'txId')::bigint > 0 AS has_txid,
       (data::json->'source'->>'lsn')::bigint > 0 AS has_lsn,
       (data::json->'source'->>'ts_ms')::bigint > 0 AS has_ts_ms,
       (data::json->>'ts_ms')::bigint > 0 AS has_envelope_ts_ms,
       json_array_length((data::json->'source'->>'sequence')::json) AS sequence_length
FROM pg_logical_slot_get_changes('events_slot', NULL, NULL);

SELECT 'stop' FROM pg_drop_replication_slot('events_slot');
DROP TABLE customers, orders;
