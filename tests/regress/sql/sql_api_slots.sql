-- The replication slot of a tracking follows the transaction of track() and untrack():
-- a rollback (of the transaction, of a savepoint, of a PL/pgSQL block) leaves no slot behind,
-- and a rolled back untrack() keeps the tracking, its slot and its registry entry.
-- (NATS is unreachable here: the workers only retry; nothing below depends on them.)
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE EXTENSION dbchangetracking;
CREATE TABLE public.orders (id integer PRIMARY KEY);
CREATE FUNCTION slots() RETURNS TABLE (slot_name name, temporary boolean) LANGUAGE sql AS $$
    SELECT slot_name, temporary FROM pg_replication_slots ORDER BY 1 $$;
CREATE FUNCTION registered() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT name FROM dbchangetracking._status_rows() ORDER BY 1 $$;
\set opts '{"snapshotMode": "never", "nats": {"url": "nats://127.0.0.1:9"}}'

-- rolled back: the slot was temporary and goes with the transaction
BEGIN;
SELECT dbchangetracking.track('rolled-back', 'public.orders', :'opts');
SELECT * FROM slots();
ROLLBACK;
SELECT * FROM slots();

-- an error after track() in the same transaction
BEGIN;
SELECT dbchangetracking.track('failed', 'public.orders', :'opts');
SELECT 1 / 0;
ROLLBACK;
SELECT * FROM slots();

-- a savepoint rolled back; the transaction goes on and commits
BEGIN;
SAVEPOINT s;
SELECT dbchangetracking.track('in-savepoint', 'public.orders', :'opts');
ROLLBACK TO SAVEPOINT s;
SELECT * FROM slots();
COMMIT;
SELECT * FROM slots();
SELECT * FROM registered();

-- a PL/pgSQL block whose error is caught
DO $$
BEGIN
    PERFORM dbchangetracking.track('in-block', 'public.orders',
        '{"snapshotMode": "never", "nats": {"url": "nats://127.0.0.1:9"}}');
    RAISE EXCEPTION 'undo';
EXCEPTION WHEN others THEN
    NULL;
END
$$;
SELECT * FROM slots();
SELECT count(*) FROM dbchangetracking.trackings;
SELECT * FROM registered();

-- committed: the slot is persistent, in a savepoint that was released too
BEGIN;
SAVEPOINT s;
SELECT dbchangetracking.track('kept', 'public.orders', :'opts');
RELEASE SAVEPOINT s;
COMMIT;
SELECT * FROM slots();
SELECT * FROM registered();
SELECT slot_name FROM dbchangetracking.orphan_slots;

-- untrack() rolled back: the tracking, its slot and its registry entry stay
BEGIN;
SELECT dbchangetracking.untrack('kept');
SELECT * FROM registered();
ROLLBACK;
SELECT * FROM slots();
SELECT name, slot_name FROM dbchangetracking.trackings;
SELECT * FROM registered();

-- the same in a savepoint
BEGIN;
SAVEPOINT s;
SELECT dbchangetracking.untrack('kept');
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT * FROM slots();
SELECT * FROM registered();

-- untrack() committed: the slot goes
SELECT dbchangetracking.untrack('kept');
SELECT * FROM slots();
SELECT * FROM registered();

-- track() and untrack() in one transaction leave nothing
BEGIN;
SELECT dbchangetracking.track('brief', 'public.orders', :'opts');
SELECT dbchangetracking.untrack('brief');
COMMIT;
SELECT * FROM slots();
SELECT * FROM registered();

-- a slot of the plugin that no tracking uses is listed, and never taken over by track()
SELECT 'made' FROM pg_create_logical_replication_slot('dbct_by_hand', 'dbchangetracking');
SELECT slot_name, active_pid FROM dbchangetracking.orphan_slots;
\set VERBOSITY default
SELECT dbchangetracking.track('by-hand', 'public.orders', :'opts');
\set VERBOSITY terse
SELECT * FROM slots();
SELECT pg_drop_replication_slot('dbct_by_hand');

-- untrack() drops only slots a tracking may have
SELECT 'made' FROM pg_create_logical_replication_slot('other_plugin', 'test_decoding');
BEGIN;
SELECT dbchangetracking._drop_slot_at_commit('other_plugin');
ROLLBACK;
SELECT * FROM slots();
SELECT pg_drop_replication_slot('other_plugin');
