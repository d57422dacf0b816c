-- Schema changes mid-stream show in the next events without a restart: each event carries the
-- columns the table had when the change was made (Debezium PostgreSQL connector documentation,
-- "Schema history" and the pgoutput relation messages it follows).
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('schema_slot', 'dbchangetracking');

CREATE TABLE evolving (id integer PRIMARY KEY, a integer, b text);
INSERT INTO evolving VALUES (1, 10, 'one');
ALTER TABLE evolving ADD COLUMN c numeric(5,2) DEFAULT 1.5;
INSERT INTO evolving VALUES (2, 20, 'two', 2.25);
UPDATE evolving SET a = 11 WHERE id = 1;
ALTER TABLE evolving DROP COLUMN b;
INSERT INTO evolving VALUES (3, 30, 3.75);
ALTER TABLE evolving RENAME COLUMN a TO amount;
INSERT INTO evolving VALUES (4, 40, 4.5);
ALTER TABLE evolving ALTER COLUMN amount TYPE text;
INSERT INTO evolving VALUES (5, 'fifty', 5);
ALTER TABLE evolving ALTER COLUMN c TYPE numeric(8,3);
INSERT INTO evolving VALUES (6, 'sixty', 6.125);
-- schema change and rows in one transaction
BEGIN;
INSERT INTO evolving VALUES (7, 'seventy', 7);
ALTER TABLE evolving ADD COLUMN d boolean;
INSERT INTO evolving VALUES (8, 'eighty', 8, true);
ALTER TABLE evolving RENAME TO evolved;
INSERT INTO evolved VALUES (9, 'ninety', 9, false);
COMMIT;
-- the key changes to another column
ALTER TABLE evolved DROP CONSTRAINT evolving_pkey;
ALTER TABLE evolved ADD PRIMARY KEY (amount);
UPDATE evolved SET amount = 'NINETY' WHERE id = 9;
SELECT data::json->>'op' AS op, data::json->'source'->>'table' AS tab,
       data::json->'before' AS before, data::json->'after' AS after
FROM pg_logical_slot_get_changes('schema_slot', NULL, NULL, 'deterministic', 'true',
    'decimal.handling.mode', 'string');

SELECT 'stop' FROM pg_drop_replication_slot('schema_slot');
DROP TABLE evolved;
