-- Unchanged TOASTed values. Expected: Debezium PostgreSQL connector documentation,
-- "Considerations when using the PostgreSQL connector with unchanged TOASTed values" and the
-- unavailable.value.placeholder property (default __debezium_unavailable_value; bytea gets the
-- placeholder's bytes, arrays a one-element array); REPLICA IDENTITY FULL supplies the value.
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('toast_slot', 'dbchangetracking');

CREATE TABLE docs (id integer PRIMARY KEY, title text, body text, blob bytea, words text[],
    meta jsonb);
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE docs ALTER COLUMN blob SET STORAGE EXTERNAL;
ALTER TABLE docs ALTER COLUMN words SET STORAGE EXTERNAL;
ALTER TABLE docs ALTER COLUMN meta SET STORAGE EXTERNAL;
CREATE TABLE docs_full (LIKE docs INCLUDING ALL);
ALTER TABLE docs_full REPLICA IDENTITY FULL;

INSERT INTO docs SELECT 1, 'first', repeat('x', 10000), convert_to(repeat('y', 10000), 'UTF8'),
    array_fill('w'::text, ARRAY[3000]), jsonb_build_object('k', repeat('z', 10000));
INSERT INTO docs_full SELECT * FROM docs;
-- the insert carries the full values
SELECT length(data::json->'after'->>'body') AS body_length,
       length(data::json->'after'->>'blob') AS blob_base64_length,
       json_array_length(data::json->'after'->'words') AS words,
       length(data::json->'after'->>'meta') AS meta_length
FROM pg_logical_slot_get_changes('toast_slot', NULL, NULL, 'deterministic', 'true');

-- an update leaving the TOASTed columns alone: placeholder (DEFAULT), real values (FULL)
UPDATE docs SET title = 'second' WHERE id = 1;
UPDATE docs_full SET title = 'second' WHERE id = 1;
SELECT data::json->'source'->>'table' AS tab, data::json->'after'->>'title' AS title,
       left(data::json->'after'->>'body', 30) AS body, left(data::json->'after'->>'blob', 40) AS blob,
       left((data::json->'after'->'words')::text, 40) AS words, left(data::json->'after'->>'meta', 30) AS meta
FROM pg_logical_slot_peek_changes('toast_slot', NULL, NULL, 'deterministic', 'true');

-- a placeholder of one's own, in camelCase
SELECT data::json->'after'->>'body' AS body, data::json->'after'->>'blob' AS blob,
       data::json->'after'->'words' AS words
FROM pg_logical_slot_get_changes('toast_slot', NULL, NULL, 'deterministic', 'true',
    'unavailableValuePlaceholder', 'n/a', 'table.include.list', 'public.docs');

-- changing a TOASTed column carries the new value
UPDATE docs SET body = repeat('q', 9000) WHERE id = 1;
SELECT length(data::json->'after'->>'body') AS body_length, data::json->'after'->>'meta' AS meta
FROM pg_logical_slot_get_changes('toast_slot', NULL, NULL, 'deterministic', 'true');

SELECT 'stop' FROM pg_drop_replication_slot('toast_slot');
DROP TABLE docs, docs_full;
