-- Options: Debezium's dotted names and the resource's camelCase names, filters as regular
-- expressions matched against the whole identifier (Debezium PostgreSQL connector
-- documentation, "Connector properties": table.include.list, schema.include.list,
-- column.include.list, ...), and bad options as ERRORs naming them.
SET client_min_messages = warning;
SELECT 'init' FROM pg_create_logical_replication_slot('options_slot', 'dbchangetracking');

CREATE SCHEMA inventory;
CREATE TABLE public.orders (id integer PRIMARY KEY, secret text, note text);
CREATE TABLE public.order_items (id integer PRIMARY KEY, qty integer);
CREATE TABLE inventory.products (id integer PRIMARY KEY, name text);
CREATE TABLE inventory."Mixed Case" (id integer PRIMARY KEY);
INSERT INTO public.orders VALUES (1, 's', 'n');
INSERT INTO public.order_items VALUES (1, 2);
INSERT INTO inventory.products VALUES (1, 'p');
INSERT INTO inventory."Mixed Case" VALUES (1);

-- the peeks below each list which tables pass
CREATE FUNCTION tables_seen(VARIADIC options text[]) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg((data::json->'source'->>'schema') || '.' ||
                               (data::json->'source'->>'table'), ' ' ORDER BY lsn), '')
    FROM pg_logical_slot_peek_changes('options_slot', NULL, NULL,
                                      VARIADIC array['deterministic', 'true'] || options)
$$;
SELECT tables_seen(VARIADIC '{}'::text[]);
SELECT tables_seen('table.include.list', 'public.orders');
SELECT tables_seen('tableIncludeList', 'public\.order.*');
SELECT tables_seen('tables', ' public.orders , inventory.products ');
-- a pattern must match the whole name; matching ignores case as in Debezium
SELECT tables_seen('table.include.list', 'orders');
SELECT tables_seen('table.include.list', 'PUBLIC.ORDERS,inventory.mixed case');
SELECT tables_seen('table.exclude.list', 'public.order_items');
SELECT tables_seen('schema.include.list', 'inventory');
SELECT tables_seen('schemaExcludeList', 'inventory');
SELECT tables_seen('schema.include.list', 'public', 'tableExcludeList', 'public.orders');
SELECT tables_seen('table.include.list', '');

-- column filters match schema.table.column
SELECT data::json->'after' AS after
FROM pg_logical_slot_peek_changes('options_slot', NULL, NULL, 'deterministic', 'true',
    'table.include.list', 'public.orders', 'column.exclude.list', 'public.orders.secret');
SELECT data::json->'after' AS after
FROM pg_logical_slot_peek_changes('options_slot', NULL, NULL, 'deterministic', 'true',
    'tables', 'public.orders', 'columnIncludeList', '.*\.(id|note)');

-- bad options: an ERROR naming the option, and the slot is unharmed
SELECT tables_seen('no.such.option', 'x');
SELECT tables_seen('tableIncludelist', 'x');
SELECT tables_seen('table.include.list', 'a', 'tableIncludeList', 'b');
SELECT tables_seen('tables', 'a', 'table.include.list', 'b');
SELECT tables_seen('framed', 'yes please');
SELECT tables_seen('decimal.handling.mode', 'exact');
SELECT tables_seen('time.precision.mode', 'nanos');
SELECT tables_seen('binaryHandlingMode', 'base32');
SELECT tables_seen('interval.handling.mode', '');
SELECT tables_seen('provide.transaction.metadata', 'maybe');
SELECT tables_seen('skipped.operations', 'c,x');
SELECT tables_seen('skipped.operations', 'none,c');
SELECT tables_seen('table.include.list', 'public.(orders');
SELECT tables_seen('table.include.list', 'a', 'table.exclude.list', 'b');
SELECT tables_seen('column.include.list', 'a', 'column.exclude.list', 'b');
SELECT tables_seen('schema.include.list', 'a', 'schemaExcludeList', 'b');
SELECT tables_seen('name', '');
SELECT tables_seen('skipped.operation', 'c');
-- framed output is binary: only for the in-server publisher and the binary SQL functions
SELECT count(*) FROM pg_logical_slot_get_changes('options_slot', NULL, NULL,
    'table.include.list', 'public.orders', 'framed', 'true');
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('options_slot', NULL, NULL,
    'table.include.list', 'public.orders', 'framed', 'true');
SELECT count(*) FROM pg_logical_slot_get_changes('options_slot', NULL, NULL);

SELECT 'stop' FROM pg_drop_replication_slot('options_slot');
DROP FUNCTION tables_seen(text[]);
DROP TABLE public.orders, public.order_items, inventory.products, inventory."Mixed Case";
DROP SCHEMA inventory;
