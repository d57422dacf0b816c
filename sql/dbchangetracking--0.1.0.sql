-- dbchangetracking 0.1.0: the SQL API of SPEC §7.
--
-- The catalog table tracking_config is the truth about trackings; the C helpers (_queue_change,
-- _stop_worker) make the launcher and the workers follow it at commit. The view `trackings`
-- shows the configuration with secrets masked; `status` shows what the workers report.

\echo Use "CREATE EXTENSION dbchangetracking" to load this file. \quit

-- Members of this role (and superusers) manage trackings. Roles are cluster-wide, so another
-- database's CREATE EXTENSION may have made it already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dbchangetracking_admin') THEN
        CREATE ROLE dbchangetracking_admin NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA @extschema@ TO dbchangetracking_admin;

CREATE TABLE @extschema@.tracking_config (
    name        text PRIMARY KEY
                CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    database    name NOT NULL DEFAULT pg_catalog.current_database(),
    tables      text NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    slot_name   name NOT NULL UNIQUE,
    -- 'snapshot': the initial snapshot is still to be taken; 'streaming': it is done or not wanted
    state       text NOT NULL DEFAULT 'snapshot' CHECK (state IN ('snapshot', 'streaming')),
    paused      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.tracking_config', '');

-- Tables to read: the initial snapshot (kind 'initial', made by track()) and re-reads asked
-- for with snapshot() (kind 'incremental'). The worker reads each chunk by chunk in primary key
-- order (snapshot/snapshot.c) and deletes the row when the table is done; the progress columns
-- let a restarted worker carry on where the stream ends.
CREATE TABLE @extschema@.snapshot_request (
    tracking    text NOT NULL REFERENCES @extschema@.tracking_config (name) ON DELETE CASCADE,
    table_name  text NOT NULL,
    kind        text NOT NULL DEFAULT 'incremental' CHECK (kind IN ('initial', 'incremental')),
    requested_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- primary key (as text, in key order) of the last row of the last completed chunk
    last_key    text[],
    rows_done   bigint NOT NULL DEFAULT 0,
    rows_total  bigint,
    -- the chunk being published: the high watermark's LSN, its rows' keys in publication
    -- order (flattened), the key of its last row read, and whether it ended the table
    chunk_lsn   pg_lsn,
    chunk_keys  text[],
    chunk_end   text[],
    chunk_final boolean,
    PRIMARY KEY (tracking, table_name)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.snapshot_request', '');

REVOKE ALL ON @extschema@.tracking_config, @extschema@.snapshot_request FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.tracking_config, @extschema@.snapshot_request
    TO dbchangetracking_admin;

-- ---- C helpers --------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._check_prerequisites() RETURNS void
    AS 'MODULE_PATHNAME', 'dbct_check_prerequisites' LANGUAGE C STRICT;

CREATE FUNCTION @extschema@._queue_change(name text, kind text) RETURNS void
    AS 'MODULE_PATHNAME', 'dbct_queue_change' LANGUAGE C STRICT;

CREATE FUNCTION @extschema@._stop_worker(name text, slot_name text, drop_stream boolean, timeout_ms integer)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'dbct_stop_worker' LANGUAGE C STRICT;

CREATE FUNCTION @extschema@._status_rows(
    OUT name text, OUT state text, OUT pid integer, OUT confirmed_lsn pg_lsn,
    OUT events_total bigint, OUT events_per_sec double precision, OUT lag_ms bigint,
    OUT last_event_at timestamptz, OUT last_error text, OUT snapshot_table text,
    OUT snapshot_rows bigint, OUT snapshot_tables_done integer, OUT snapshot_tables_total integer,
    OUT snapshot_rows_total bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'dbct_status_rows' LANGUAGE C STRICT;

-- Slots are created and dropped with the extension owner's rights: a tracking admin needs no
-- REPLICATION attribute of its own.
-- Servers with output_plugin_libraries (PostgreSQL minor releases that restrict which
-- libraries may be output plugins) are told, for this call only, that ours may be used for
-- the slots of trackings.

-- Registers a slot made by this transaction: persistent at commit, dropped at rollback
-- (api/slot_actions.c).
CREATE FUNCTION @extschema@._slot_created(slot_name name) RETURNS void
    AS 'MODULE_PATHNAME', 'dbct_slot_created' LANGUAGE C STRICT;

-- Drops a slot when this transaction commits (untrack: a rollback keeps it).
CREATE FUNCTION @extschema@._drop_slot_at_commit(slot_name name) RETURNS void
    AS 'MODULE_PATHNAME', 'dbct_drop_slot_at_commit' LANGUAGE C STRICT;

-- The slot is made temporary: it becomes persistent only when the transaction of track()
-- commits, and a rollback, a crash or a lost session takes it away.
CREATE FUNCTION @extschema@._create_slot(slot_name name) RETURNS pg_lsn
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    libraries text := current_setting('output_plugin_libraries', true);
    trusted boolean := libraries IS NULL
        OR 'dbchangetracking' = ANY (regexp_split_to_array(btrim(libraries), '\s*,\s*'));
    result pg_lsn;
BEGIN
    IF NOT trusted THEN
        PERFORM set_config('output_plugin_libraries',
                           CASE WHEN btrim(libraries) = '' THEN '' ELSE libraries || ', ' END
                           || 'dbchangetracking', true);
    END IF;
    SELECT s.lsn INTO result
        FROM pg_create_logical_replication_slot(_create_slot.slot_name, 'dbchangetracking', true) s;
    PERFORM @extschema@._slot_created(_create_slot.slot_name);
    IF NOT trusted THEN
        PERFORM set_config('output_plugin_libraries', libraries, true);
    END IF;
    RETURN result;
END
$$;

CREATE FUNCTION @extschema@._slot_info(slot_name name,
    OUT restart_lsn pg_lsn, OUT confirmed_flush_lsn pg_lsn, OUT retained_wal_bytes numeric,
    OUT wal_status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT s.restart_lsn, s.confirmed_flush_lsn,
                 pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.restart_lsn),
                 s.wal_status
          FROM pg_catalog.pg_replication_slots s WHERE s.slot_name = _slot_info.slot_name $$;

REVOKE ALL ON FUNCTION @extschema@._check_prerequisites(), @extschema@._queue_change(text, text),
    @extschema@._stop_worker(text, text, boolean, integer), @extschema@._create_slot(name),
    @extschema@._slot_created(name), @extschema@._drop_slot_at_commit(name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._check_prerequisites(), @extschema@._queue_change(text, text),
    @extschema@._stop_worker(text, text, boolean, integer), @extschema@._create_slot(name),
    @extschema@._drop_slot_at_commit(name) TO dbchangetracking_admin;

-- ---- validation -------------------------------------------------------------------------------

-- Errors unless the calling role is a superuser or a member of dbchangetracking_admin.
CREATE FUNCTION @extschema@._check_admin() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'dbchangetracking_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to manage trackings'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask a superuser to GRANT dbchangetracking_admin TO ' || quote_ident(current_user) || '.';
    END IF;
END
$$;

CREATE FUNCTION @extschema@._check_name(name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF name IS NULL OR name !~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' THEN
        RAISE EXCEPTION 'invalid tracking name "%"', name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A name has 1 to 63 characters of a-z, 0-9 and "-", and starts and ends with a letter or digit.';
    END IF;
END
$$;

-- The tracking row, locked; errors when there is none.
CREATE FUNCTION @extschema@._get(tracking text) RETURNS @extschema@.tracking_config
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    row @extschema@.tracking_config;
BEGIN
    SELECT * INTO row FROM @extschema@.tracking_config t WHERE t.name = tracking FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tracking "%" does not exist', tracking
            USING ERRCODE = 'undefined_object',
                  HINT = 'See SELECT name FROM dbchangetracking.trackings.';
    END IF;
    RETURN row;
END
$$;

-- Resolves a comma-separated list of tables to "schema.table" names, checking that each exists
-- and that the calling role may SELECT it. Items are identifiers as in SQL ("public.orders",
-- orders, "My Schema"."My Table"); a bare name is looked up on the search_path.
CREATE FUNCTION @extschema@._resolve_tables(tables text) RETURNS text[]
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    item text;
    parts text[];
    rel oid;
    result text[] := '{}';
    qualified text;
BEGIN
    IF tables IS NULL OR btrim(tables) = '' THEN
        RAISE EXCEPTION 'no tables given'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a comma-separated list such as ''public.orders,public.order_items''.';
    END IF;
    FOREACH item IN ARRAY regexp_split_to_array(tables, '\s*,\s*(?=(?:[^"]*"[^"]*")*[^"]*$)') LOOP
        item := btrim(item);
        CONTINUE WHEN item = '';
        BEGIN
            parts := parse_ident(item);
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'invalid table name %', quote_literal(item)
                USING ERRCODE = 'invalid_name',
                      HINT = 'Write tables as schema.table, quoting names that need it.';
        END;
        IF array_length(parts, 1) = 1 THEN
            SELECT c.oid INTO rel FROM pg_class c
                WHERE c.oid = to_regclass(quote_ident(parts[1])) AND c.relkind IN ('r', 'p');
        ELSIF array_length(parts, 1) = 2 THEN
            SELECT c.oid INTO rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = parts[1] AND c.relname = parts[2] AND c.relkind IN ('r', 'p');
        ELSE
            RAISE EXCEPTION 'invalid table name %', quote_literal(item)
                USING ERRCODE = 'invalid_name',
                      HINT = 'Write tables as schema.table (the database is the current one).';
        END IF;
        IF rel IS NULL THEN
            RAISE EXCEPTION 'table % does not exist', quote_literal(item)
                USING ERRCODE = 'undefined_table',
                      HINT = 'Create it first, or correct the name in the list of tables.';
        END IF;
        SELECT n.nspname || '.' || c.relname INTO qualified
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel;
        IF NOT has_table_privilege(current_user, rel, 'SELECT') THEN
            RAISE EXCEPTION 'permission denied for table %', quote_literal(qualified)
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'A tracking may only read tables its creator may SELECT.';
        END IF;
        IF NOT qualified = ANY (result) THEN
            result := result || qualified;
        END IF;
    END LOOP;
    IF cardinality(result) = 0 THEN
        RAISE EXCEPTION 'no tables given' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN result;
END
$$;

-- Checks the options object: known keys, values of the right kind. Connection parameters of
-- the resource (databaseHostname, ...) are accepted and ignored: in the server they are moot.
CREATE FUNCTION @extschema@._check_options(options jsonb) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    known text[] := ARRAY['nats', 'snapshotMode', 'incrementalSnapshotChunkSize',
        'provideTransactionMetadata', 'skippedOperations',
        'decimalHandlingMode', 'timePrecisionMode', 'binaryHandlingMode', 'intervalHandlingMode',
        'unavailableValuePlaceholder', 'columnIncludeList', 'columnExcludeList',
        'heartbeatIntervalMs', 'slotName', 'pluginName',
        'databaseHostname', 'databasePort', 'databaseDbname', 'databaseUser', 'databasePassword',
        'databaseSslmode', 'databaseSslrootcert', 'tableIncludeList', 'tableExcludeList',
        'schemaIncludeList', 'schemaExcludeList'];
    nats_known text[] := ARRAY['url', 'credentials', 'user', 'password', 'token', 'tls', 'stream',
        'confirmDelay'];
    stream_known text[] := ARRAY['maxMessages', 'maxBytes', 'maxAge', 'storage', 'replicas',
        'duplicateWindow'];
    key text;
    close_match text;
BEGIN
    IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR key IN SELECT jsonb_object_keys(options) LOOP
        IF NOT key = ANY (known) THEN
            SELECT k INTO close_match FROM unnest(known) k WHERE lower(k) = lower(key)
                OR lower(replace(key, '.', '')) = lower(k) OR lower(replace(key, '_', '')) = lower(k) LIMIT 1;
            RAISE EXCEPTION 'unknown option "%"', key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = coalesce('Did you mean ' || close_match || '?',
                                      'Known options: ' || array_to_string(known, ', ') || '.');
        END IF;
    END LOOP;
    IF options ? 'snapshotMode' AND NOT (options->>'snapshotMode' IN ('initial', 'never', 'no_data')) THEN
        RAISE EXCEPTION 'invalid value "%" for option "snapshotMode"', options->>'snapshotMode'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use initial, never or no_data.';
    END IF;
    IF options ? 'incrementalSnapshotChunkSize'
       AND ((options->>'incrementalSnapshotChunkSize') !~ '^[0-9]{1,9}$'
            OR (options->>'incrementalSnapshotChunkSize')::integer NOT BETWEEN 1 AND 1000000) THEN
        RAISE EXCEPTION 'invalid value "%" for option "incrementalSnapshotChunkSize"',
            options->>'incrementalSnapshotChunkSize'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the number of rows per chunk, from 1 to 1000000.';
    END IF;
    IF options ? 'pluginName' AND options->>'pluginName' <> 'dbchangetracking' THEN
        RAISE EXCEPTION 'invalid value "%" for option "pluginName"', options->>'pluginName'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Inside the server only the dbchangetracking plugin is used.';
    END IF;
    IF options ? 'databaseDbname' AND options->>'databaseDbname' <> current_database() THEN
        RAISE EXCEPTION 'option "databaseDbname" is "%" but this is database "%"',
            options->>'databaseDbname', current_database()
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Call track() in the database to track.';
    END IF;
    IF options ? 'heartbeatIntervalMs' AND (options->>'heartbeatIntervalMs') !~ '^[0-9]+$' THEN
        RAISE EXCEPTION 'invalid value "%" for option "heartbeatIntervalMs"', options->>'heartbeatIntervalMs'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give milliseconds as a whole number.';
    END IF;
    IF options ? 'provideTransactionMetadata'
       AND lower(options->>'provideTransactionMetadata') NOT IN ('true', 'false') THEN
        RAISE EXCEPTION 'invalid value "%" for option "provideTransactionMetadata"',
            options->>'provideTransactionMetadata'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use true or false.';
    END IF;
    IF options ? 'nats' THEN
        IF jsonb_typeof(options->'nats') <> 'object' THEN
            RAISE EXCEPTION 'option "nats" must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR key IN SELECT jsonb_object_keys(options->'nats') LOOP
            IF NOT key = ANY (nats_known) THEN
                RAISE EXCEPTION 'unknown option "nats.%"', key
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Known nats options: ' || array_to_string(nats_known, ', ') || '.';
            END IF;
        END LOOP;
        IF options->'nats' ? 'url' AND (options->'nats'->>'url') !~ '^(nats|tls|ws|wss)://' THEN
            RAISE EXCEPTION 'invalid NATS URL "%"', options->'nats'->>'url'
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Write it as nats://host:port.';
        END IF;
        IF options->'nats' ? 'stream' THEN
            FOR key IN SELECT jsonb_object_keys(options->'nats'->'stream') LOOP
                IF NOT key = ANY (stream_known) THEN
                    RAISE EXCEPTION 'unknown option "nats.stream.%"', key
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'Known stream options: ' || array_to_string(stream_known, ', ') || '.';
                END IF;
            END LOOP;
        END IF;
    END IF;
END
$$;

-- The replication slot of a tracking: slotName, or "dbct_" and the name (shortened when long).
CREATE FUNCTION @extschema@._slot_name_for(tracking text, options jsonb) RETURNS name
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(options->>'slotName',
        CASE WHEN length(tracking) <= 58 THEN 'dbct_' || replace(tracking, '-', '_')
             ELSE 'dbct_' || left(replace(tracking, '-', '_'), 49) || '_' || left(md5(tracking), 8)
        END)::name
$$;

-- ---- the API ----------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.track(name text, tables text, options jsonb DEFAULT '{}')
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    table_list text[];
    slot name;
    slot_owner text;
    slot_pid integer;
BEGIN
    PERFORM @extschema@._check_admin();
    PERFORM @extschema@._check_prerequisites();
    PERFORM @extschema@._check_name(name);
    options := coalesce(options, '{}');
    PERFORM @extschema@._check_options(options);
    IF EXISTS (SELECT 1 FROM @extschema@.tracking_config t WHERE t.name = track.name) THEN
        RAISE EXCEPTION 'tracking "%" already exists', name
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Use alter_tracking() to change it, or untrack() it first.';
    END IF;
    table_list := @extschema@._resolve_tables(tables);
    slot := @extschema@._slot_name_for(name, options);
    IF slot !~ '^[a-z0-9_]{1,63}$' THEN
        RAISE EXCEPTION 'invalid replication slot name "%"', slot
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'slotName may contain lower case letters, digits and underscores.';
    END IF;

    -- Never taken over: a slot of this name that no tracking uses may be read by someone else
    -- (pg_recvlogical), and the slots of rolled back track() calls do not outlive them.
    SELECT s.plugin, s.active_pid INTO slot_owner, slot_pid
        FROM pg_replication_slots s WHERE s.slot_name = slot;
    IF FOUND THEN
        RAISE EXCEPTION 'replication slot "%" already exists', slot
            USING ERRCODE = 'duplicate_object',
                  HINT = CASE
                      WHEN slot_pid IS NOT NULL AND slot_owner = 'dbchangetracking' THEN
                          'Another session (process ' || slot_pid || ') is creating a tracking with this slot.'
                      WHEN slot_owner = 'dbchangetracking' THEN
                          'No tracking uses it (see ' || '@extschema@' || '.orphan_slots): drop it with SELECT pg_drop_replication_slot('
                          || quote_literal(slot) || ') if nothing reads it, or choose another one with the option slotName.'
                      ELSE 'Drop it, or choose another one with the option slotName.' END;
    END IF;
    -- The slot must be created before this transaction writes anything.
    PERFORM @extschema@._create_slot(slot);

    INSERT INTO @extschema@.tracking_config (name, tables, options, slot_name, state)
    VALUES (name, array_to_string(table_list, ','), options, slot,
            CASE WHEN coalesce(options->>'snapshotMode', 'initial') = 'initial'
                 THEN 'snapshot' ELSE 'streaming' END);
    -- The initial snapshot reads every table while the slot already records changes: the
    -- watermarks of each chunk order its rows among them (docs/snapshot.md).
    IF coalesce(options->>'snapshotMode', 'initial') = 'initial' THEN
        INSERT INTO @extschema@.snapshot_request (tracking, table_name, kind)
            SELECT name, t, 'initial' FROM unnest(table_list) t;
    END IF;
    PERFORM @extschema@._queue_change(name, 'add');
END
$$;

CREATE FUNCTION @extschema@.untrack(name text, drop_stream boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    row @extschema@.tracking_config;
BEGIN
    PERFORM @extschema@._check_admin();
    PERFORM @extschema@._check_prerequisites();
    row := @extschema@._get(name);
    DELETE FROM @extschema@.tracking_config t WHERE t.name = untrack.name;
    -- The worker stops (deleting the stream on its way out when asked: it holds the NATS
    -- connection) before the slot can be dropped. The slot goes when this transaction commits;
    -- a rollback brings the tracking back with its slot (the stream, once deleted, stays so).
    IF NOT @extschema@._stop_worker(name, row.slot_name, drop_stream, 30000) THEN
        RAISE EXCEPTION 'the worker of tracking "%" did not stop within 30 s', name
            USING HINT = 'See the server log; try again.';
    END IF;
    PERFORM @extschema@._drop_slot_at_commit(row.slot_name);
    PERFORM @extschema@._queue_change(name, 'remove');
END
$$;

CREATE FUNCTION @extschema@.alter_tracking(name text, tables text DEFAULT NULL, options jsonb DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    row @extschema@.tracking_config;
    table_list text[];
BEGIN
    PERFORM @extschema@._check_admin();
    PERFORM @extschema@._check_prerequisites();
    row := @extschema@._get(name);
    IF options IS NOT NULL THEN
        PERFORM @extschema@._check_options(options);
        IF @extschema@._slot_name_for(name, options) <> row.slot_name THEN
            RAISE EXCEPTION 'option "slotName" cannot be changed'
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'untrack() and track() again to use another slot.';
        END IF;
        row.options := options;
    END IF;
    IF tables IS NOT NULL THEN
        table_list := @extschema@._resolve_tables(tables);
        row.tables := array_to_string(table_list, ',');
    END IF;
    UPDATE @extschema@.tracking_config t SET tables = row.tables, options = row.options
        WHERE t.name = alter_tracking.name;
    PERFORM @extschema@._queue_change(name, 'restart');
END
$$;

CREATE FUNCTION @extschema@.snapshot(name text, tables text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    row @extschema@.tracking_config;
    table_list text[];
    tracked text[];
    t text;
BEGIN
    PERFORM @extschema@._check_admin();
    PERFORM @extschema@._check_prerequisites();
    row := @extschema@._get(name);
    tracked := string_to_array(row.tables, ',');
    IF tables IS NULL THEN
        table_list := tracked;
    ELSE
        table_list := @extschema@._resolve_tables(tables);
    END IF;
    FOREACH t IN ARRAY table_list LOOP
        IF NOT t = ANY (tracked) THEN
            RAISE EXCEPTION 'table "%" is not tracked by "%"', t, name
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Add it with alter_tracking() first.';
        END IF;
        -- asking again restarts the table's re-read from its start
        INSERT INTO @extschema@.snapshot_request AS r (tracking, table_name, kind)
            VALUES (name, t, 'incremental')
            ON CONFLICT (tracking, table_name) DO UPDATE
            SET kind = CASE WHEN r.kind = 'initial' THEN 'initial' ELSE 'incremental' END,
                requested_at = now(), last_key = NULL, rows_done = 0, rows_total = NULL,
                chunk_lsn = NULL, chunk_keys = NULL, chunk_end = NULL, chunk_final = NULL;
    END LOOP;
    PERFORM @extschema@._queue_change(name, 'restart');
END
$$;

CREATE FUNCTION @extschema@.pause(name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM @extschema@._check_admin();
    PERFORM @extschema@._check_prerequisites();
    PERFORM @extschema@._get(name);
    UPDATE @extschema@.tracking_config t SET paused = true WHERE t.name = pause.name;
    PERFORM @extschema@._queue_change(name, 'pause');
END
$$;

CREATE FUNCTION @extschema@.resume(name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM @extschema@._check_admin();
    PERFORM @extschema@._check_prerequisites();
    PERFORM @extschema@._get(name);
    UPDATE @extschema@.tracking_config t SET paused = false WHERE t.name = resume.name;
    PERFORM @extschema@._queue_change(name, 'resume');
END
$$;

-- ---- views ------------------------------------------------------------------------------------

-- Replaces the values of secret keys (SPEC §3) with ****** at any depth.
CREATE FUNCTION @extschema@._mask_secrets(value jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE jsonb_typeof(value)
        WHEN 'object' THEN (
            SELECT coalesce(jsonb_object_agg(e.key,
                CASE WHEN e.key ~* '(password|secret|token|credentials|connectionstring)'
                     THEN '"******"'::jsonb
                     ELSE @extschema@._mask_secrets(e.value) END), '{}'::jsonb)
            FROM jsonb_each(value) e)
        WHEN 'array' THEN (
            SELECT coalesce(jsonb_agg(@extschema@._mask_secrets(a.value)), '[]'::jsonb)
            FROM jsonb_array_elements(value) a)
        ELSE value END
$$;

CREATE VIEW @extschema@.trackings AS
    SELECT t.name, t.database, t.tables, @extschema@._mask_secrets(t.options) AS options,
           t.slot_name, t.state, t.paused, t.created_at
    FROM @extschema@.tracking_config t;

CREATE VIEW @extschema@.status AS
    SELECT t.name,
           CASE WHEN t.paused THEN 'paused' ELSE coalesce(r.state, 'stopped') END AS state,
           r.pid,
           t.slot_name AS slot,
           coalesce(s.confirmed_flush_lsn, r.confirmed_lsn) AS confirmed_lsn,
           s.restart_lsn,
           s.retained_wal_bytes,
           s.wal_status,
           coalesce(r.events_total, 0) AS events_published,
           coalesce(r.events_per_sec, 0) AS events_per_sec,
           r.lag_ms,
           r.last_event_at,
           CASE WHEN s.restart_lsn IS NULL THEN 'replication slot "' || t.slot_name || '" is missing'
                ELSE r.last_error END AS last_error,
           r.snapshot_table,
           r.snapshot_rows,
           r.snapshot_rows_total,
           r.snapshot_tables_done,
           r.snapshot_tables_total,
           (SELECT count(*) FROM @extschema@.snapshot_request q
             WHERE q.tracking = t.name)::integer AS snapshot_tables_pending
    FROM @extschema@.tracking_config t
    LEFT JOIN @extschema@._status_rows() r ON r.name = t.name
    LEFT JOIN LATERAL @extschema@._slot_info(t.slot_name) s ON true;

-- Slots of the dbchangetracking plugin in this database that no tracking uses: they keep WAL
-- for nobody unless something else (pg_recvlogical) reads them. track() and untrack() never
-- leave one behind; a failed drop, a hand-made slot or an older version may.
CREATE VIEW @extschema@.orphan_slots AS
    SELECT s.slot_name, s.active_pid, s.restart_lsn, s.confirmed_flush_lsn,
           pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.restart_lsn)
               AS retained_wal_bytes
    FROM pg_catalog.pg_replication_slots s
    WHERE s.plugin = 'dbchangetracking' AND s.database = pg_catalog.current_database()
      AND NOT s.temporary
      AND NOT EXISTS (SELECT 1 FROM @extschema@.tracking_config t WHERE t.slot_name = s.slot_name);

GRANT SELECT ON @extschema@.trackings, @extschema@.status, @extschema@.orphan_slots
    TO dbchangetracking_admin;
