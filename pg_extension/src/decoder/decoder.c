/*
 * decoder.c — the logical decoding output plugin "dbchangetracking".
 *
 * Every committed change of a tracked table becomes one Debezium PostgreSQL event (SPEC §5):
 * op c/u/d, t for TRUNCATE (when skipped.operations allows it), m for pg_logical_emit_message.
 * Each event is one OutputPluginWrite: the JSON text for pg_recvlogical and the SQL functions,
 * or a frame (frame.h) for the in-server publisher when the internal option framed is set.
 *
 * Memory: a context reset after every change, one for the current transaction's bookkeeping,
 * and the relation cache, all under ctx->context so an ERROR that ends decoding frees them.
 * Transaction metadata is sent lazily: a transaction with no tracked change writes nothing
 * (except the TX_END frame the publisher needs to move the slot, in framed mode).
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "bridge/bridge.h"
#include "catalog/pg_class.h"
#include "commands/dbcommands.h"
#include "datatype/timestamp.h"
#include "decoder/frame.h"
#include "decoder/options.h"
#include "decoder/relcache.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "replication/logical.h"
#include "replication/output_plugin.h"
#include "replication/slot.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* The module's magic block is in dbchangetracking.c. */

/* Filtered changes between progress reports, so a busy untracked table keeps the slot moving. */
#define DBCT_PROGRESS_EVERY 100

typedef struct DbctDecoderState
{
	MemoryContext change_cxt;	/* reset after every change */
	MemoryContext tx_cxt;		/* reset at every BEGIN */
	DbctDecoderOptions opts;
	DbctBridge *bridge;
	char	   *source_name;
	char	   *db_name;
	XLogRecPtr	last_commit_lsn;	/* source.sequence[0] */

	/* the transaction being decoded */
	bool		tx_open;		/* a table event of it was written (and BEGIN, with metadata) */
	bool		tx_wrote;		/* a transactional message of it was written */
	uint64		tx_stamp;		/* tells DbctRelEntry.tx_table entries of this transaction */
	int64		tx_events;
	List	   *tx_tables;		/* DbctTxTable *, in order of first event */
	char	   *tx_ident;		/* "<txid>:<lsn>" */
	int64		tx_ordinal;		/* deterministic mode: transactions with events so far */
	int			filtered_changes;
	int			guc_nest_level; /* > 0: output settings to undo at shutdown */
} DbctDecoderState;

extern void _PG_output_plugin_init(OutputPluginCallbacks *cb);

static void dbct_startup(LogicalDecodingContext *ctx, OutputPluginOptions *opt, bool is_init);
static void dbct_shutdown(LogicalDecodingContext *ctx);
static void dbct_begin(LogicalDecodingContext *ctx, ReorderBufferTXN *txn);
static void dbct_commit(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
						XLogRecPtr commit_lsn);
static void dbct_change(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, Relation relation,
						ReorderBufferChange *change);
static void dbct_truncate(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, int nrelations,
						  Relation relations[], ReorderBufferChange *change);
static void dbct_message(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
						 XLogRecPtr message_lsn, bool transactional, const char *prefix,
						 Size message_size, const char *message);

/*
 * _PG_output_plugin_init
 *		Entry point PostgreSQL looks up when a slot uses the plugin "dbchangetracking".
 *
 * No streaming or two-phase callbacks: large transactions spill to disk under
 * logical_decoding_work_mem and are decoded at commit, in commit order.
 */
void
_PG_output_plugin_init(OutputPluginCallbacks *cb)
{
	cb->startup_cb = dbct_startup;
	cb->begin_cb = dbct_begin;
	cb->change_cb = dbct_change;
	cb->truncate_cb = dbct_truncate;
	cb->commit_cb = dbct_commit;
	cb->message_cb = dbct_message;
	cb->shutdown_cb = dbct_shutdown;
}

/* Frees the malloc'd regular expressions with the decoding context, also after an ERROR. */
static void
free_options_callback(void *arg)
{
	DbctFreeOptions((DbctDecoderOptions *) arg);
}

/*
 * The database name for source.db. Needs a catalog lookup: inside the decoding transaction, or
 * in a short transaction of our own at startup (a walsender starts decoding outside one).
 */
static void
load_db_name(DbctDecoderState *state)
{
	MemoryContext cxt = GetMemoryChunkContext(state);
	MemoryContext caller = CurrentMemoryContext;
	char	   *name;

	if (state->db_name != NULL)
		return;
	if (IsTransactionState())
	{
		name = get_database_name(MyDatabaseId);
		if (name != NULL)
			state->db_name = MemoryContextStrdup(cxt, name);
		return;
	}
	StartTransactionCommand();
	name = get_database_name(MyDatabaseId);
	if (name != NULL)
		state->db_name = MemoryContextStrdup(cxt, name);
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller);
}

/*
 * Output functions (ranges of dates and timestamps, and other types shown as text) render
 * values as Debezium reads them through pgjdbc: ISO dates, PostgreSQL intervals, UTC, and
 * independent of the session's settings. In a SQL call (inside a transaction) the settings are
 * saved and undone at shutdown; a walsender or worker session belongs to the decoding, so
 * there they are simply set.
 */
static void
set_output_settings(DbctDecoderState *state)
{
	static const char *const settings[][2] = {
		{"datestyle", "ISO, MDY"},
		{"intervalstyle", "postgres"},
		{"timezone", "UTC"},
		{"extra_float_digits", "1"},
	};
	GucAction	action = GUC_ACTION_SET;

	if (IsTransactionState())
	{
		state->guc_nest_level = NewGUCNestLevel();
		action = GUC_ACTION_SAVE;
	}
	for (int i = 0; i < lengthof(settings); i++)
		(void) set_config_option(settings[i][0], settings[i][1], PGC_USERSET, PGC_S_SESSION,
								 action, true, 0, false);
}

static void
dbct_startup(LogicalDecodingContext *ctx, OutputPluginOptions *opt, bool is_init)
{
	MemoryContext old = MemoryContextSwitchTo(ctx->context);
	DbctDecoderState *state = palloc0(sizeof(DbctDecoderState));
	MemoryContextCallback *free_options = palloc0(sizeof(MemoryContextCallback));
	DbctBridgeConfig config;

	state->change_cxt = AllocSetContextCreate(ctx->context, "dbchangetracking change",
											  ALLOCSET_DEFAULT_SIZES);
	state->tx_cxt = AllocSetContextCreate(ctx->context, "dbchangetracking transaction",
										  ALLOCSET_SMALL_SIZES);

	free_options->func = free_options_callback;
	free_options->arg = &state->opts;
	MemoryContextRegisterResetCallback(ctx->context, free_options);
	DbctParseOptions(ctx->output_plugin_options, &state->opts);

	opt->output_type = state->opts.framed ? OUTPUT_PLUGIN_BINARY_OUTPUT
		: OUTPUT_PLUGIN_TEXTUAL_OUTPUT;
	opt->receive_rewrites = false;

	state->source_name = state->opts.name ? state->opts.name
		: pstrdup(NameStr(ctx->slot->data.name));
	/* the consumer has everything up to the confirmed position: that is the last commit */
	state->last_commit_lsn = ctx->slot->data.confirmed_flush;
	load_db_name(state);
	set_output_settings(state);

	DbctRelCacheInit(ctx->context, &state->opts);

	memset(&config, 0, sizeof(config));
	config.decimal_mode = state->opts.decimal_mode;
	config.time_precision_mode = state->opts.time_precision_mode;
	config.binary_mode = state->opts.binary_mode;
	config.interval_mode = state->opts.interval_mode;
	config.placeholder = state->opts.placeholder;
	config.deterministic = state->opts.deterministic;
	state->bridge = DbctBridgeCreate(&config, ctx->context);

	ctx->output_plugin_private = state;
	MemoryContextSwitchTo(old);
}

static void
dbct_shutdown(LogicalDecodingContext *ctx)
{
	DbctDecoderState *state = ctx->output_plugin_private;

	/* memory is freed with ctx->context, through its reset callbacks */
	if (state != NULL && state->guc_nest_level > 0)
	{
		AtEOXact_GUC(false, state->guc_nest_level);
		state->guc_nest_level = 0;
	}
}

/* PostgreSQL timestamp to microseconds since the Unix epoch. */
static int64
timestamp_to_unix_us(TimestampTz ts)
{
	return ts + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

static void
dbct_begin(LogicalDecodingContext *ctx, ReorderBufferTXN *txn)
{
	DbctDecoderState *state = ctx->output_plugin_private;

	MemoryContextReset(state->tx_cxt);
	state->tx_open = false;
	state->tx_wrote = false;
	state->tx_stamp++;
	state->tx_events = 0;
	state->tx_tables = NIL;
	state->tx_ident = NULL;
}

/*
 * Writes one payload: the JSON alone, or in framed mode the frame header, table, key and JSON.
 */
static void
write_payload(LogicalDecodingContext *ctx, DbctDecoderState *state, DbctFrameKind kind,
			  char op, uint16 index, XLogRecPtr commit_lsn, XLogRecPtr lsn, XLogRecPtr end_lsn,
			  const char *table, const char *key, size_t key_len,
			  const char *value, size_t value_len)
{
	OutputPluginPrepareWrite(ctx, true);
	if (state->opts.framed)
	{
		DbctFrameHeader header;
		size_t		table_len = table ? strlen(table) : 0;

		memset(&header, 0, sizeof(header));
		header.magic = DBCT_FRAME_MAGIC;
		header.kind = (uint8) kind;
		header.op = op;
		header.index = index;
		header.commit_lsn = commit_lsn;
		header.lsn = lsn;
		header.end_lsn = end_lsn;
		header.table_len = (uint32) table_len;
		header.key_len = (uint32) key_len;
		header.value_len = (uint32) value_len;
		appendBinaryStringInfo(ctx->out, (const char *) &header, sizeof(header));
		if (table_len > 0)
			appendBinaryStringInfo(ctx->out, table, table_len);
		if (key_len > 0)
			appendBinaryStringInfo(ctx->out, key, key_len);
	}
	if (value_len > 0)
		appendBinaryStringInfo(ctx->out, value, value_len);
	OutputPluginWrite(ctx, true);
}

/*
 * Commit time of the transaction in microseconds, for source.ts_ms/ts_us (0 in deterministic
 * mode). A non-transactional message has no commit: the time it is decoded.
 */
static int64
source_ts_us(DbctDecoderState *state, ReorderBufferTXN *txn)
{
	if (state->opts.deterministic)
		return 0;
	if (txn == NULL)
		return timestamp_to_unix_us(GetCurrentTimestamp());
	return timestamp_to_unix_us(txn->xact_time.commit_time);
}

/*
 * Marks the transaction as having events; with transaction metadata, writes its BEGIN record
 * before the first event (lazily, so filtered transactions cost nothing).
 */
static void
open_transaction(LogicalDecodingContext *ctx, DbctDecoderState *state, ReorderBufferTXN *txn)
{
	MemoryContext old;
	DbctTxBoundary begin;
	const char *json;
	size_t		len;

	if (state->tx_open)
		return;
	state->tx_open = true;
	if (!state->opts.transaction_metadata)
		return;

	old = MemoryContextSwitchTo(state->tx_cxt);
	if (state->opts.deterministic)
		state->tx_ident = psprintf(INT64_FORMAT ":0", ++state->tx_ordinal);
	else
		state->tx_ident = psprintf("%u:" UINT64_FORMAT, txn->xid, (uint64) txn->final_lsn);
	MemoryContextSwitchTo(old);

	memset(&begin, 0, sizeof(begin));
	begin.is_end = false;
	begin.id = state->tx_ident;
	begin.ts_ms = source_ts_us(state, txn) / 1000;
	DbctBridgeWriteTxBoundary(state->bridge, &begin, &json, &len);
	write_payload(ctx, state, DBCT_FRAME_TX_BEGIN, 0, 0, txn->final_lsn, InvalidXLogRecPtr,
				  InvalidXLogRecPtr, NULL, NULL, 0, json, len);
}

/* Fills the parts of an event every change shares. */
static void
init_event(DbctEvent *event, DbctDecoderState *state, ReorderBufferTXN *txn,
		   DbctRelEntry *entry, Relation relation, char op, XLogRecPtr lsn)
{
	memset(event, 0, sizeof(*event));
	event->op = op;
	event->rel = entry;
	event->desc = relation ? RelationGetDescr(relation) : NULL;
	event->name = state->source_name;
	event->db = state->db_name ? state->db_name : "";
	event->source_ts_us = source_ts_us(state, txn);
	if (state->opts.deterministic)
	{
		event->tx_id = event->lsn = event->last_commit_lsn = -1;
	}
	else
	{
		event->tx_id = txn ? (int64) txn->xid : -1;
		event->lsn = (int64) lsn;
		event->last_commit_lsn = XLogRecPtrIsInvalid(state->last_commit_lsn) ? -1
			: (int64) state->last_commit_lsn;
	}
}

/*
 * Writes one event of a table: opens the transaction, numbers the event for transaction
 * metadata, renders it and hands it over.
 */
static void
write_table_event(LogicalDecodingContext *ctx, DbctDecoderState *state, ReorderBufferTXN *txn,
				  DbctRelEntry *entry, DbctEvent *event, XLogRecPtr lsn, uint16 index)
{
	DbctEncoded encoded;

	open_transaction(ctx, state, txn);
	if (entry->tx_stamp != state->tx_stamp || entry->tx_table == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(state->tx_cxt);
		DbctTxTable *table = palloc0(sizeof(DbctTxTable));

		table->data_collection = pstrdup(entry->data_collection);
		state->tx_tables = lappend(state->tx_tables, table);
		entry->tx_table = table;
		entry->tx_stamp = state->tx_stamp;
		MemoryContextSwitchTo(old);
	}
	state->tx_events++;
	entry->tx_table->events++;
	if (state->opts.transaction_metadata)
	{
		event->tx_ident = state->tx_ident;
		event->total_order = state->tx_events;
		event->data_collection_order = entry->tx_table->events;
	}

	DbctBridgeWriteEvent(state->bridge, event, &encoded);
	write_payload(ctx, state, DBCT_FRAME_CHANGE, event->op, index, txn->final_lsn, lsn,
				  InvalidXLogRecPtr, entry->data_collection, encoded.key, encoded.key_len,
				  encoded.value, encoded.value_len);
}

/* Detoasted comparison of two non-null values of a column. */
static bool
values_equal(const DbctColumnPlan *column, Datum a, Datum b)
{
	if (column->attlen == -1)
	{
		struct varlena *va,
				   *vb;

		/* an unchanged TOASTed key in the new tuple means the key did not change */
		if (VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(b)))
			return true;
		va = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(a));
		vb = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(b));
		return VARSIZE_ANY_EXHDR(va) == VARSIZE_ANY_EXHDR(vb) &&
			memcmp(VARDATA_ANY(va), VARDATA_ANY(vb), VARSIZE_ANY_EXHDR(va)) == 0;
	}
	return datumIsEqual(a, b, column->byval, column->attlen);
}

/* Whether an UPDATE changed the primary key (Debezium then emits delete + create). */
static bool
key_changed(DbctRelEntry *entry, TupleDesc desc, HeapTuple oldtuple, HeapTuple newtuple,
			bool identity_only)
{
	for (int i = 0; i < entry->nkeys; i++)
	{
		const DbctColumnPlan *key = &entry->keys[i];
		bool		old_null,
					new_null;
		Datum		old_value,
					new_value;

		if (identity_only && !key->in_identity)
			continue;			/* the old image does not tell */
		old_value = heap_getattr(oldtuple, key->attnum, desc, &old_null);
		new_value = heap_getattr(newtuple, key->attnum, desc, &new_null);
		if (old_null != new_null)
			return true;
		if (!old_null && !values_equal(key, old_value, new_value))
			return true;
	}
	return false;
}

static void
note_filtered(LogicalDecodingContext *ctx, DbctDecoderState *state)
{
	if (++state->filtered_changes >= DBCT_PROGRESS_EVERY)
	{
		state->filtered_changes = 0;
		OutputPluginUpdateProgress(ctx, false);
	}
}

static void
dbct_change(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, Relation relation,
			ReorderBufferChange *change)
{
	DbctDecoderState *state = ctx->output_plugin_private;
	const DbctDecoderOptions *opts = &state->opts;
	DbctRelEntry *entry;
	MemoryContext old;
	HeapTuple	newtuple = NULL;
	HeapTuple	oldtuple = NULL;
	bool		identity_only;
	DbctEvent	event;

	/* cheap exits before any work */
	if ((change->action == REORDER_BUFFER_CHANGE_INSERT && opts->skip_create) ||
		(change->action == REORDER_BUFFER_CHANGE_DELETE && opts->skip_delete))
	{
		note_filtered(ctx, state);
		return;
	}
	entry = DbctRelCacheGet(relation);
	if (!entry->included)
	{
		note_filtered(ctx, state);
		return;
	}

	old = MemoryContextSwitchTo(state->change_cxt);
	load_db_name(state);
	if (change->data.tp.newtuple)
		newtuple = &change->data.tp.newtuple->tuple;
	if (change->data.tp.oldtuple)
		oldtuple = &change->data.tp.oldtuple->tuple;
	identity_only = entry->replident != REPLICA_IDENTITY_FULL;

	switch (change->action)
	{
		case REORDER_BUFFER_CHANGE_INSERT:
			init_event(&event, state, txn, entry, relation, 'c', change->lsn);
			event.after.tuple = newtuple;
			event.key.tuple = newtuple;
			write_table_event(ctx, state, txn, entry, &event, change->lsn, 0);
			break;

		case REORDER_BUFFER_CHANGE_UPDATE:
			if (oldtuple != NULL &&
				key_changed(entry, RelationGetDescr(relation), oldtuple, newtuple,
							identity_only))
			{
				/* Debezium: a delete of the old key, then a create of the new one */
				uint16		index = 0;

				if (!opts->skip_delete)
				{
					init_event(&event, state, txn, entry, relation, 'd', change->lsn);
					event.before.tuple = oldtuple;
					event.before.identity_only = identity_only;
					event.key.tuple = oldtuple;
					event.key.identity_only = identity_only;
					write_table_event(ctx, state, txn, entry, &event, change->lsn, index);
				}
				index++;
				if (!opts->skip_create)
				{
					init_event(&event, state, txn, entry, relation, 'c', change->lsn);
					event.after.tuple = newtuple;
					event.after.toast_source = oldtuple;
					event.key.tuple = newtuple;
					event.key.toast_source = oldtuple;
					write_table_event(ctx, state, txn, entry, &event, change->lsn, index);
				}
				break;
			}
			if (opts->skip_update)
			{
				note_filtered(ctx, state);
				break;
			}
			init_event(&event, state, txn, entry, relation, 'u', change->lsn);
			/* the old image PostgreSQL logged, if any: FULL, or the identity (pgoutput's) */
			event.before.tuple = oldtuple;
			event.before.identity_only = identity_only;
			event.after.tuple = newtuple;
			event.after.toast_source = oldtuple;
			event.key.tuple = newtuple;
			event.key.toast_source = oldtuple;
			write_table_event(ctx, state, txn, entry, &event, change->lsn, 0);
			break;

		case REORDER_BUFFER_CHANGE_DELETE:
			init_event(&event, state, txn, entry, relation, 'd', change->lsn);
			/* REPLICA IDENTITY NOTHING (or no key): no old image, before and key are null */
			event.before.tuple = oldtuple;
			event.before.identity_only = identity_only;
			event.key.tuple = oldtuple;
			event.key.identity_only = identity_only;
			write_table_event(ctx, state, txn, entry, &event, change->lsn, 0);
			break;

		default:
			break;
	}

	MemoryContextSwitchTo(old);
	MemoryContextReset(state->change_cxt);
}

static void
dbct_truncate(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, int nrelations,
			  Relation relations[], ReorderBufferChange *change)
{
	DbctDecoderState *state = ctx->output_plugin_private;
	MemoryContext old;
	uint16		index = 0;

	if (state->opts.skip_truncate)
	{
		note_filtered(ctx, state);
		return;
	}
	old = MemoryContextSwitchTo(state->change_cxt);
	load_db_name(state);
	/* one event per table, as Debezium does for a multi-table TRUNCATE */
	for (int i = 0; i < nrelations; i++)
	{
		DbctRelEntry *entry = DbctRelCacheGet(relations[i]);
		DbctEvent	event;

		if (!entry->included)
			continue;
		init_event(&event, state, txn, entry, relations[i], 't', change->lsn);
		write_table_event(ctx, state, txn, entry, &event, change->lsn, index++);
		MemoryContextReset(state->change_cxt);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->change_cxt);
}

/*
 * Logical messages (pg_logical_emit_message), transactional or not. They are not counted in
 * transaction metadata: Debezium routes them to their own topic, outside any table's counts.
 */
static void
dbct_message(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr message_lsn,
			 bool transactional, const char *prefix, Size message_size, const char *message)
{
	DbctDecoderState *state = ctx->output_plugin_private;
	const DbctDecoderOptions *opts = &state->opts;
	MemoryContext old;
	DbctEvent	event;
	DbctEncoded encoded;
	XLogRecPtr	commit_lsn;

	/*
	 * PostgreSQL passes a non-transactional message the END of its record, where the next
	 * record (maybe a commit) starts: as a position that would tie with that commit's events.
	 * The record's start orders it strictly after every commit before it and before every
	 * commit after it; it is the record being decoded right now.
	 */
	XLogRecPtr	position_lsn = transactional ? message_lsn : ctx->reader->ReadRecPtr;

	/* snapshot watermarks are the worker's own bookkeeping, never events */
	if (strncmp(prefix, DBCT_WATERMARK_PREFIX, strlen(DBCT_WATERMARK_PREFIX)) == 0)
	{
		if (state->opts.framed)
		{
			commit_lsn = transactional ? txn->final_lsn : position_lsn;
			write_payload(ctx, state, DBCT_FRAME_WATERMARK, 0, 0, commit_lsn, position_lsn,
						  InvalidXLogRecPtr, prefix, message, message_size, NULL, 0);
		}
		return;
	}

	/* message.prefix.include/exclude.list: whole-prefix regular expressions, as Debezium */
	if ((opts->message_prefix_include &&
		 !DbctPatternListMatches(opts->message_prefix_include, prefix)) ||
		(opts->message_prefix_exclude &&
		 DbctPatternListMatches(opts->message_prefix_exclude, prefix)))
	{
		note_filtered(ctx, state);
		return;
	}

	old = MemoryContextSwitchTo(state->change_cxt);
	load_db_name(state);
	init_event(&event, state, transactional ? txn : NULL, NULL, NULL, 'm', message_lsn);
	if (!transactional && !state->opts.deterministic)
		event.tx_id = -1;		/* Debezium: txId only for transactional messages */
	event.prefix = prefix;
	event.content = message;
	event.content_len = message_size;
	if (transactional)
		state->tx_wrote = true;

	DbctBridgeWriteEvent(state->bridge, &event, &encoded);
	/*
	 * A non-transactional message is emitted when decoded, between the commits before and
	 * after its LSN: its own LSN orders it among them.
	 */
	commit_lsn = transactional ? txn->final_lsn : position_lsn;
	write_payload(ctx, state, DBCT_FRAME_MESSAGE, 'm', 0, commit_lsn, position_lsn,
				  InvalidXLogRecPtr, "", encoded.key, encoded.key_len,
				  encoded.value, encoded.value_len);

	MemoryContextSwitchTo(old);
	MemoryContextReset(state->change_cxt);
}

static void
dbct_commit(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr commit_lsn)
{
	DbctDecoderState *state = ctx->output_plugin_private;
	const char *json = NULL;
	size_t		len = 0;

	if (state->tx_open && state->opts.transaction_metadata && state->tx_ident != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(state->change_cxt);
		int			ncollections = list_length(state->tx_tables);
		const char **collections = palloc0(Max(ncollections, 1) * sizeof(char *));
		int64	   *counts = palloc0(Max(ncollections, 1) * sizeof(int64));
		DbctTxBoundary end;
		ListCell   *lc;
		int			i = 0;

		foreach(lc, state->tx_tables)
		{
			DbctTxTable *table = lfirst(lc);

			collections[i] = table->data_collection;
			counts[i++] = table->events;
		}
		memset(&end, 0, sizeof(end));
		end.is_end = true;
		end.id = state->tx_ident;
		end.ts_ms = source_ts_us(state, txn) / 1000;
		end.event_count = state->tx_events;
		end.ncollections = ncollections;
		end.collections = collections;
		end.counts = counts;
		DbctBridgeWriteTxBoundary(state->bridge, &end, &json, &len);
		MemoryContextSwitchTo(old);
	}

	/*
	 * The publisher needs every commit, even one that wrote nothing, to confirm the slot past
	 * it; plain consumers get only the END record of transactions with events.
	 */
	if (state->opts.framed || json != NULL)
		write_payload(ctx, state, DBCT_FRAME_TX_END, 0, 0, commit_lsn, commit_lsn,
					  txn->end_lsn, NULL, NULL, 0, json, len);
	else if (!state->tx_open && !state->tx_wrote)
		OutputPluginUpdateProgress(ctx, true);

	state->last_commit_lsn = commit_lsn;
	state->filtered_changes = 0;
	MemoryContextReset(state->change_cxt);
}
