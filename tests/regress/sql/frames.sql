-- The internal framed mode (pg_extension/src/decoder/frame.h) used by the in-server publisher:
-- one frame per event, a TX_END frame for every commit (empty when nothing is published, so
-- the slot can move past transactions of untracked tables), and positions
-- (commit_lsn, lsn, index) that increase strictly along the stream.
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('frames_slot', 'dbchangetracking');

-- little-endian fields of the 48-byte header
CREATE FUNCTION le(b bytea, off int, len int) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT sum(get_byte(b, off + i)::numeric * (256::numeric ^ i)) FROM generate_series(0, len - 1) i
$$;
CREATE VIEW frames AS
SELECT n, le(data, 0, 4) = 1145193300 AS magic_ok, get_byte(data, 4) AS kind,
       nullif(get_byte(data, 5), 0)::"char" AS op, le(data, 6, 2)::int AS index,
       le(data, 8, 8) AS commit_lsn, le(data, 16, 8) AS lsn, le(data, 24, 8) AS end_lsn,
       convert_from(substr(data, 49, le(data, 32, 4)::int), 'UTF8') AS tab,
       convert_from(substr(data, 49 + le(data, 32, 4)::int, le(data, 36, 4)::int), 'UTF8') AS key,
       le(data, 40, 4) AS value_len,
       length(data) = 48 + le(data, 32, 4) + le(data, 36, 4) + le(data, 40, 4) AS length_ok
FROM (SELECT row_number() OVER () AS n, data
      FROM pg_logical_slot_peek_binary_changes('frames_slot', NULL, NULL, 'framed', 'true',
           'deterministic', 'true', 'table.include.list', 'public.tracked',
           'provide.transaction.metadata', 'true', 'skipped.operations', 'none')) f;

CREATE TABLE tracked (id integer PRIMARY KEY, v text);
CREATE TABLE untracked (id integer PRIMARY KEY);
INSERT INTO tracked VALUES (1, 'a');
INSERT INTO untracked VALUES (1);
BEGIN;
UPDATE tracked SET id = 2 WHERE id = 1;
INSERT INTO tracked VALUES (3, 'c');
COMMIT;
TRUNCATE tracked;
SELECT 'msg' FROM pg_logical_emit_message(false, 'p', 'x');
-- PostgreSQL 15 does not flush a non-transactional message's WAL: a commit after it does
INSERT INTO untracked VALUES (2);

SELECT n, magic_ok, kind, op, index, tab, key, value_len > 0 AS has_value, length_ok,
       (kind = 3) = (end_lsn > 0) AS end_lsn_only_on_tx_end
FROM frames WHERE n > 2 ORDER BY n;

-- positions strictly increase; every TX_END confirms up to its transaction's end
SELECT bool_and((commit_lsn, lsn, index) > (prev_commit, prev_lsn, prev_index)) AS increasing,
       bool_and(kind <> 3 OR end_lsn > commit_lsn) AS end_after_commit
FROM (SELECT *, lag(commit_lsn) OVER w AS prev_commit, lag(lsn) OVER w AS prev_lsn,
             lag(index) OVER w AS prev_index
      FROM frames WINDOW w AS (ORDER BY n)) f
WHERE prev_commit IS NOT NULL;

DROP VIEW frames;
SELECT 'stop' FROM pg_drop_replication_slot('frames_slot');
DROP FUNCTION le(bytea, int, int);
DROP TABLE tracked, untracked;
