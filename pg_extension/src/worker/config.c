/*
 * config.c — a tracking's configuration as the worker needs it, read from the catalog.
 *
 * The options jsonb is taken apart in SQL (jsonb operators), so the C side only sees text.
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

#include "worker/tracking_worker.h"

/* Options passed through to the output plugin under the same name. */
static const char *const plugin_option_names[] = {
	"provideTransactionMetadata", "skippedOperations", "decimalHandlingMode",
	"timePrecisionMode", "binaryHandlingMode", "intervalHandlingMode",
	"unavailableValuePlaceholder", "columnIncludeList", "columnExcludeList",
};

static const char *const config_query =
"SELECT t.tables, t.slot_name::text, t.state, coalesce(o->>'snapshotMode', 'initial'),"
"       o->'nats'->>'url', o->'nats'->>'credentials', o->'nats'->>'user',"
"       o->'nats'->>'password', o->'nats'->>'token', o->'nats'->'tls'->>'ca',"
"       o->'nats'->'tls'->>'cert', o->'nats'->'tls'->>'key',"
"       o->'nats'->'stream'->>'maxMessages', o->'nats'->'stream'->>'maxBytes',"
"       o->'nats'->'stream'->>'maxAge', o->'nats'->'stream'->>'storage',"
"       o->'nats'->'stream'->>'replicas', o->'nats'->'stream'->>'duplicateWindow',"
"       o->'nats'->>'confirmDelay', o->>'heartbeatIntervalMs'"
"  FROM dbchangetracking.tracking_config t, LATERAL (SELECT t.options AS o) x"
" WHERE t.name = $1";

/*
 * dbct_parse_duration_ms — "500ms", "30s", "2m", "1h", "1d", or a number of milliseconds.
 */
int64
dbct_parse_duration_ms(const char *text, const char *option)
{
	char	   *end;
	double		value;
	double		unit = 1;

	if (text == NULL || *text == '\0')
		return 0;
	value = strtod(text, &end);
	while (isspace((unsigned char) *end))
		end++;
	if (end == text || value < 0)
		goto bad;
	if (*end == '\0' || strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "m") == 0)
		unit = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		unit = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		unit = 24 * 3600 * 1000;
	else
		goto bad;
	return (int64) (value * unit);

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid duration \"%s\" for option \"%s\"", text, option),
			 errhint("Write a duration like 500ms, 30s, 2m or 1h.")));
	return 0;
}

static char *
value_or_null(int column)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column);

	return (v == NULL || *v == '\0') ? NULL : v;
}

static int64
int_or_zero(int column, const char *option)
{
	char	   *v = value_or_null(column);
	char	   *end;
	long long	n;

	if (v == NULL)
		return 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number \"%s\" for option \"%s\"", v, option)));
	return n;
}

/*
 * dbct_load_tracking_config — the catalog row of `name`, in a transaction of its own; false
 * when the tracking does not exist (any more).
 */
bool
dbct_load_tracking_config(const char *name, DbctTrackingConfig *config)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		found = false;

	memset(config, 0, sizeof(*config));
	args[0] = CStringGetTextDatum(name);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());

	if (SPI_execute_with_args(config_query, 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the configuration of tracking \"%s\"", name);
	if (SPI_processed == 1)
	{
		MemoryContext spi = MemoryContextSwitchTo(caller);

		found = true;
		config->name = pstrdup(name);
		config->tables = value_or_null(1);
		config->slot_name = value_or_null(2);
		config->catalog_state = value_or_null(3);
		config->snapshot_mode = value_or_null(4);
		config->nats_url = value_or_null(5);
		config->nats_credentials = value_or_null(6);
		config->nats_user = value_or_null(7);
		config->nats_password = value_or_null(8);
		config->nats_token = value_or_null(9);
		config->nats_tls_ca = value_or_null(10);
		config->nats_tls_cert = value_or_null(11);
		config->nats_tls_key = value_or_null(12);
		config->stream_max_messages = int_or_zero(13, "nats.stream.maxMessages");
		config->stream_max_bytes = int_or_zero(14, "nats.stream.maxBytes");
		config->stream_max_age_ms = dbct_parse_duration_ms(value_or_null(15), "nats.stream.maxAge");
		config->stream_storage = value_or_null(16);
		config->stream_replicas = (int32) int_or_zero(17, "nats.stream.replicas");
		config->stream_duplicate_window_ms =
			dbct_parse_duration_ms(value_or_null(18), "nats.stream.duplicateWindow");
		config->confirm_delay_ms = dbct_parse_duration_ms(value_or_null(19), "nats.confirmDelay");
		config->heartbeat_interval_ms = int_or_zero(20, "heartbeatIntervalMs");
		MemoryContextSwitchTo(spi);

		/* output plugin options */
		{
			StringInfoData q;

			initStringInfo(&q);
			appendStringInfoString(&q, "SELECT e.key, e.value FROM dbchangetracking.tracking_config t,"
								   " jsonb_each_text(t.options) e WHERE t.name = $1 AND e.key IN (");
			for (int i = 0; i < lengthof(plugin_option_names); i++)
				appendStringInfo(&q, "%s%s", i ? "," : "",
								 quote_literal_cstr(plugin_option_names[i]));
			appendStringInfoString(&q, ") ORDER BY e.key");
			if (SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read the options of tracking \"%s\"", name);
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				char	   *key = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
				char	   *value = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);

				spi = MemoryContextSwitchTo(caller);
				config->plugin_options =
					lappend(config->plugin_options,
							makeDefElem(pstrdup(key), (Node *) makeString(pstrdup(value ? value : "")), -1));
				MemoryContextSwitchTo(spi);
			}
		}
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller);
	return found;
}

/*
 * table_pattern — a table name as an anchored-by-plugin regular expression: special
 * characters escaped, so "public.orders" matches only itself.
 */
static void
append_table_pattern(StringInfo buf, const char *table, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		if (strchr(".^$*+?()[]{}|\\", table[i]) != NULL)
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, table[i]);
	}
}

/*
 * dbct_plugin_options — the output plugin's options for this tracking: framed mode, the
 * tracking's name, its tables, and the passed-through options.
 */
List *
dbct_plugin_options(const DbctTrackingConfig *config)
{
	List	   *options = NIL;
	StringInfoData tables;
	const char *p = config->tables;

	initStringInfo(&tables);
	while (p != NULL && *p != '\0')
	{
		const char *comma = strchr(p, ',');
		size_t		len = comma ? (size_t) (comma - p) : strlen(p);

		if (tables.len > 0)
			appendStringInfoChar(&tables, ',');
		append_table_pattern(&tables, p, len);
		p = comma ? comma + 1 : NULL;
	}

	options = lappend(options, makeDefElem("framed", (Node *) makeString("true"), -1));
	options = lappend(options, makeDefElem("name", (Node *) makeString(pstrdup(config->name)), -1));
	options = lappend(options, makeDefElem("tableIncludeList", (Node *) makeString(tables.data), -1));
	options = list_concat(options, list_copy(config->plugin_options));
	return options;
}
