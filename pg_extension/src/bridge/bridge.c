/*
 * bridge.c — calls into the event library through c_api/dbct.h.
 *
 * The library catches every C++ exception at its edge and returns DBCT_ERROR with the text on
 * the handle; here that becomes ereport(ERROR) once the call has returned, so no ERROR ever
 * unwinds through a C++ frame and no exception ever reaches PostgreSQL. Nothing called from the
 * library calls back into PostgreSQL.
 */
#include "postgres.h"

#include "bridge/bridge.h"
#include "bridge/values.h"
#include "decoder/relcache.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

struct DbctBridge
{
	dbct_writer *writer;
};

typedef struct DbctModeName
{
	DbctModeKind kind;
	const char *name;
	int			mode;
} DbctModeName;

/* Debezium's values of each handling mode; the first of each kind is Debezium's default. */
static const DbctModeName mode_names[] = {
	{DBCT_MODE_DECIMAL, "precise", DBCT_DECIMAL_PRECISE},
	{DBCT_MODE_DECIMAL, "double", DBCT_DECIMAL_DOUBLE},
	{DBCT_MODE_DECIMAL, "string", DBCT_DECIMAL_STRING},
	{DBCT_MODE_TIME_PRECISION, "adaptive", DBCT_TIME_ADAPTIVE},
	{DBCT_MODE_TIME_PRECISION, "adaptive_time_microseconds", DBCT_TIME_ADAPTIVE_TIME_MICROSECONDS},
	{DBCT_MODE_TIME_PRECISION, "connect", DBCT_TIME_CONNECT},
	{DBCT_MODE_BINARY, "bytes", DBCT_BINARY_BYTES},
	{DBCT_MODE_BINARY, "base64", DBCT_BINARY_BASE64},
	{DBCT_MODE_BINARY, "base64-url-safe", DBCT_BINARY_BASE64_URL_SAFE},
	{DBCT_MODE_BINARY, "hex", DBCT_BINARY_HEX},
	{DBCT_MODE_INTERVAL, "numeric", DBCT_INTERVAL_NUMERIC},
	{DBCT_MODE_INTERVAL, "string", DBCT_INTERVAL_STRING},
};

/*
 * DbctBridgeParseMode
 *		Debezium's mode name (case-insensitive, as Debezium reads it) to the ABI's value.
 */
bool
DbctBridgeParseMode(DbctModeKind kind, const char *name, int *mode)
{
	for (int i = 0; i < lengthof(mode_names); i++)
	{
		if (mode_names[i].kind == kind && pg_strcasecmp(mode_names[i].name, name) == 0)
		{
			*mode = mode_names[i].mode;
			return true;
		}
	}
	return false;
}

/* "precise, double, string": for error hints. */
const char *
DbctBridgeModeNames(DbctModeKind kind)
{
	StringInfoData names;

	initStringInfo(&names);
	for (int i = 0; i < lengthof(mode_names); i++)
	{
		if (mode_names[i].kind != kind)
			continue;
		if (names.len > 0)
			appendStringInfoString(&names, ", ");
		appendStringInfoString(&names, mode_names[i].name);
	}
	return names.data;
}

int
DbctBridgeDefaultMode(DbctModeKind kind)
{
	for (int i = 0; i < lengthof(mode_names); i++)
		if (mode_names[i].kind == kind)
			return mode_names[i].mode;
	return 0;
}

const char *
DbctBridgeVersion(void)
{
	return dbct_version();
}

static void
destroy_writer(void *arg)
{
	DbctBridge *bridge = arg;

	if (bridge->writer)
		dbct_writer_destroy(bridge->writer);
	bridge->writer = NULL;
}

/*
 * DbctBridgeCreate
 *		Creates the event writer, destroyed when owner is reset or deleted.
 */
DbctBridge *
DbctBridgeCreate(const DbctBridgeConfig *config, MemoryContext owner)
{
	MemoryContext old = MemoryContextSwitchTo(owner);
	DbctBridge *bridge = palloc0(sizeof(DbctBridge));
	MemoryContextCallback *callback = palloc0(sizeof(MemoryContextCallback));
	dbct_writer_options options;
	const char *error;

	memset(&options, 0, sizeof(options));
	options.modes.decimal_mode = config->decimal_mode;
	options.modes.time_precision_mode = config->time_precision_mode;
	options.modes.binary_mode = config->binary_mode;
	options.modes.interval_mode = config->interval_mode;
	options.unavailable_value_placeholder = config->placeholder;
	options.deterministic = config->deterministic ? 1 : 0;

	bridge->writer = dbct_writer_create(&options);
	if (bridge->writer == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory creating the dbchangetracking event writer")));
	callback->func = destroy_writer;
	callback->arg = bridge;
	MemoryContextRegisterResetCallback(owner, callback);

	error = dbct_writer_error(bridge->writer);
	if (error != NULL && error[0] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not create the dbchangetracking event writer: %s", error)));
	MemoryContextSwitchTo(old);
	return bridge;
}

static const DbctDeformed *
deformed_for(DbctDeformed *cache, int *ncache, HeapTuple tuple, TupleDesc desc)
{
	if (tuple == NULL)
		return NULL;
	for (int i = 0; i < *ncache; i++)
		if (cache[i].tuple == tuple)
			return &cache[i];
	DbctDeform(&cache[*ncache], tuple, desc);
	return &cache[(*ncache)++];
}

/*
 * DbctBridgeWriteEvent
 *		Writes one change or message event; out points into the writer's buffers.
 */
void
DbctBridgeWriteEvent(DbctBridge *bridge, const DbctEvent *event, DbctEncoded *out)
{
	const struct DbctRelEntry *rel = event->rel;
	DbctDeformed deformed[4];
	int			ndeformed = 0;
	dbct_pg_source source;
	dbct_change change;
	dbct_row before,
				after,
				key;
	dbct_column prefix_column;
	dbct_tx_block transaction;
	dbct_status status;

	memset(&source, 0, sizeof(source));
	source.name = event->name;
	source.db = event->db;
	source.schema = rel ? rel->schema : "";
	source.table = rel ? rel->table : "";
	source.snapshot = event->snapshot ? event->snapshot : "false";
	source.ts_ms = event->source_ts_us / 1000;
	source.ts_us = event->source_ts_us;
	source.tx_id = event->tx_id;
	source.lsn = event->lsn;
	source.xmin = -1;			/* Debezium: null unless xmin.fetch.interval.ms is set */
	source.last_commit_lsn = event->last_commit_lsn;

	memset(&change, 0, sizeof(change));
	change.op = event->op;
	change.source = &source;

	if (rel != NULL)
	{
		const DbctDeformed *toast = deformed_for(deformed, &ndeformed,
												 event->after.toast_source, event->desc);

		if (event->before.tuple)
		{
			DbctFillRow(rel->columns, rel->ncolumns,
						deformed_for(deformed, &ndeformed, event->before.tuple, event->desc),
						event->before.identity_only, NULL, &before);
			change.before = &before;
		}
		if (event->after.tuple)
		{
			DbctFillRow(rel->columns, rel->ncolumns,
						deformed_for(deformed, &ndeformed, event->after.tuple, event->desc),
						false, toast, &after);
			change.after = &after;
		}
		if (event->key.tuple && rel->nkeys > 0)
		{
			DbctFillRow(rel->keys, rel->nkeys,
						deformed_for(deformed, &ndeformed, event->key.tuple, event->desc),
						event->key.identity_only,
						deformed_for(deformed, &ndeformed, event->key.toast_source, event->desc),
						&key);
			change.key = &key;
		}
	}
	else if (event->op == 'm')
	{
		/* Debezium's key of a message event: {"prefix": "..."} */
		memset(&prefix_column, 0, sizeof(prefix_column));
		prefix_column.name = "prefix";
		prefix_column.name_len = 6;
		prefix_column.value.kind = DBCT_V_STRING;
		prefix_column.value.precision = prefix_column.value.scale = -1;
		prefix_column.value.data = event->prefix;
		prefix_column.value.len = strlen(event->prefix);
		key.columns = &prefix_column;
		key.count = 1;
		change.key = &key;
		change.message_prefix = event->prefix;
		change.message_content = event->content;
		change.message_content_len = event->content_len;
	}

	if (event->tx_ident)
	{
		transaction.id = event->tx_ident;
		transaction.total_order = event->total_order;
		transaction.data_collection_order = event->data_collection_order;
		change.transaction = &transaction;
	}

	status = dbct_write_change(bridge->writer, &change, &out->value, &out->value_len,
							   &out->key, &out->key_len);
	if (status != DBCT_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write the change event for \"%s.%s\": %s",
						source.schema, source.table, dbct_writer_error(bridge->writer))));
}

/*
 * DbctBridgeWriteTxBoundary
 *		Writes a transaction metadata BEGIN or END record.
 */
void
DbctBridgeWriteTxBoundary(DbctBridge *bridge, const DbctTxBoundary *boundary,
						  const char **json, size_t *len)
{
	dbct_tx_boundary record;
	dbct_tx_collection_count *collections = NULL;
	dbct_status status;

	memset(&record, 0, sizeof(record));
	record.is_end = boundary->is_end ? 1 : 0;
	record.id = boundary->id;
	record.ts_ms = boundary->ts_ms;
	record.event_count = boundary->event_count;
	if (boundary->is_end)
	{
		collections = palloc0(Max(boundary->ncollections, 1) * sizeof(*collections));
		for (int i = 0; i < boundary->ncollections; i++)
		{
			collections[i].data_collection = boundary->collections[i];
			collections[i].event_count = boundary->counts[i];
		}
		record.collections = collections;
		record.collection_count = boundary->ncollections;
	}

	status = dbct_write_tx_boundary(bridge->writer, &record, json, len);
	if (status != DBCT_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write the transaction record \"%s\": %s",
						boundary->id, dbct_writer_error(bridge->writer))));
}
