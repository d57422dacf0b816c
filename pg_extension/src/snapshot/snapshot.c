/*
 * snapshot.c — initial snapshot and snapshot() re-reads, while streaming goes on.
 *
 * The tables to read are rows of dbchangetracking.snapshot_request (made by track() for the
 * initial snapshot and by snapshot()). One table at a time is read in chunks of primary key
 * order, with the watermark method of DBLog and Debezium's incremental snapshots
 * (docs/snapshot.md):
 *
 *   1. a low watermark L: a non-transactional logical message, flushed;
 *   2. wait until the transactions running at L have ended, so that every transaction whose
 *      commit record precedes L is visible to the next snapshot;
 *   3. a short transaction reads the chunk (SELECT ... WHERE key > last ORDER BY key LIMIT n)
 *      and renders each row as the decoder renders a tuple, into a buffer;
 *   4. a high watermark H, flushed;
 *   5. the decoder, reaching L, starts dropping from the buffer every key that a change
 *      decoded between L and H touches (that change is in the stream and is newer);
 *   6. at H decoding stops; the remaining rows' keys are written to the catalog, then the rows
 *      are published as op "r" at positions (H, H, i) — between the events before and after H;
 *   7. once JetStream acknowledged them, the catalog's progress moves past the chunk.
 *
 * A restart finds the chunk in flight in the catalog and compares it with the stream's last
 * position: rows up to that position are in the stream, the chunk resumes after the last of
 * them (step 6 wrote their keys), so nothing is lost and nothing published twice.
 *
 * No transaction or snapshot is held while the worker waits for WAL or acknowledgements.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "common/hashfn.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "replication/message.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/procarray.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_lsn.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "bridge/bridge.h"
#include "decoder/frame.h"
#include "decoder/options.h"
#include "decoder/relcache.h"
#include "worker/registry.h"
#include "worker/tracking_worker.h"

#define DEFAULT_CHUNK_SIZE 4096
#define XID_WAIT_MAX_MS 2000		/* see wait_for_running_xids */
#define KEYLESS_MAX_ATTEMPTS 10		/* reads of a table without key spoiled by changes */
#define ACK_WAIT_MS 20

typedef enum SnapPhase
{
	PHASE_NEXT_TABLE,			/* pick the next requested table */
	PHASE_READ,					/* read the next chunk of the table */
	PHASE_WINDOW,				/* chunk buffered: the decoder is on its way to H */
	PHASE_DECODED,				/* H decoded: publish before decoding on */
	PHASE_ACKING				/* published: wait for JetStream's acknowledgements */
} SnapPhase;

/* A row read by the chunk, rendered. */
typedef struct BufferedRow
{
	char	   *key;			/* Dbct-Key JSON, NUL-terminated */
	size_t		key_len;
	char	   *value;			/* the event JSON */
	size_t		value_len;
	char	  **pk;				/* primary key values as text, in key order */
	bool		dropped;		/* changed between the watermarks: the change is newer */
} BufferedRow;

typedef struct KeyEntry
{
	const char *key;			/* hash key: points to BufferedRow.key */
	int			row;
} KeyEntry;

typedef struct SnapshotState
{
	bool		active;
	char	   *name;
	char	   *prefix;			/* DBCT_WATERMARK_PREFIX and the name */
	char	   *db;
	int			chunk_size;
	bool		initial_mode;	/* snapshotMode initial */
	MemoryContext cxt;			/* as long as the worker */
	MemoryContext table_cxt;	/* reset per table */
	MemoryContext chunk_cxt;	/* reset per chunk */
	DbctBridge *bridge;
	DbctDecoderOptions opts;
	SnapPhase	phase;
	uint32		chunk_counter;
	char		run_id[32];		/* tells this attempt's watermarks from older ones */

	/* the table being read */
	char	   *table;			/* "schema.table" as in the catalog and Dbct-Table */
	Oid			relid;
	bool		kind_initial;
	int			nkeys;
	AttrNumber *key_attnums;
	char	   *from;			/* the relation as the chunk query names it */
	char	   *query;			/* the chunk query; $1.. are the last key's values */
	char	   *query_first;	/* the first chunk's */
	Oid		   *key_types;
	char	  **last_key;		/* NULL: from the table's start */
	uint64		rows_done;
	int64		rows_total;
	bool		first_pending;	/* initial: no row of the initial snapshot published yet */
	bool		mark_first;		/* initial: the next row is the snapshot's very first */
	bool		mark_table_first;	/* initial: the next row is the table's first */
	bool		last_table;		/* initial: no other initial table is left after this one */
	int			keyless_attempts;

	/* the chunk */
	char		low[48];
	char		high[48];
	bool		saw_low;
	bool		spoiled;		/* keyless table changed in the window, or truncated */
	BufferedRow *rows;
	int			nrows;
	char	  **chunk_end;		/* key of the last row read */
	bool		chunk_final;	/* the read reached the end of the table */
	HTAB	   *keys;
	XLogRecPtr	high_lsn;
	uint64		last_seq;
	int			published;

	int			tables_done;
	int			tables_total;
} SnapshotState;

static SnapshotState ss;

/* ---- small helpers -------------------------------------------------------------------------- */

static uint32
key_hash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return DatumGetUInt32(hash_any((const unsigned char *) s, strlen(s)));
}

static int
key_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
begin_tx(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
}

static void
end_tx(void)
{
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
	MemoryContextSwitchTo(ss.cxt);
}

static void
publish_progress(void)
{
	DbctEntry  *entry = dbct_worker_entry();

	SpinLockAcquire(&entry->mutex);
	if (ss.table)
		strlcpy(entry->snapshot_table, ss.table, sizeof(entry->snapshot_table));
	else
		entry->snapshot_table[0] = '\0';
	entry->snapshot_rows = ss.rows_done;
	entry->snapshot_rows_total = ss.rows_total;
	entry->snapshot_tables_done = ss.tables_done;
	entry->snapshot_tables_total = ss.tables_total;
	SpinLockRelease(&entry->mutex);
}

/*
 * snapshot_log — a notable snapshot line to the server log and the tracking's NATS log stream,
 * with the table (and row count, when rows >= 0) as fields.
 */
static void
snapshot_log(const char *level, const char *table, int64 rows, const char *message)
{
	StringInfoData fields;

	initStringInfo(&fields);
	appendStringInfoChar(&fields, '{');
	if (table != NULL)
	{
		appendStringInfoString(&fields, "\"table\":");
		escape_json(&fields, table);
	}
	if (rows >= 0)
		appendStringInfo(&fields, "%s\"rows\":" INT64_FORMAT, table != NULL ? "," : "", rows);
	appendStringInfoChar(&fields, '}');
	dbct_worker_log(level, fields.data, message);
	pfree(fields.data);
}

/* text[] of n C strings (NULL array when values is NULL). */
static Datum
text_array(char **values, int n, bool *isnull)
{
	Datum	   *datums;

	*isnull = (values == NULL);
	if (values == NULL)
		return (Datum) 0;
	datums = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		datums[i] = CStringGetTextDatum(values[i]);
	return PointerGetDatum(construct_array(datums, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* The elements of a text[] datum as C strings in cxt. */
static char **
text_array_values(Datum array, int *n, MemoryContext cxt)
{
	Datum	   *datums;
	bool	   *nulls;
	char	  **result;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT,
					  &datums, &nulls, n);
	result = MemoryContextAlloc(cxt, sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		result[i] = MemoryContextStrdup(cxt, nulls[i] ? "" : TextDatumGetCString(datums[i]));
	return result;
}

static Oid
relid_of(const char *table)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(table)};
	bool		isnull;

	if (SPI_execute_with_args("SELECT c.oid FROM pg_catalog.pg_class c"
							  " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
							  " WHERE n.nspname || '.' || c.relname = $1 AND c.relkind IN ('r', 'p')",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up table \"%s\"", table);
	if (SPI_processed == 0)
		return InvalidOid;
	return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* Primary key columns of rel in key order; 0 when it has none. */
static int
primary_key(Relation rel, AttrNumber **attnums, MemoryContext cxt)
{
	Oid			index = RelationGetPrimaryKeyIndex(rel);
	HeapTuple	tuple;
	Form_pg_index form;
	int			n;

	*attnums = NULL;
	if (!OidIsValid(index))
		return 0;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for index %u", index);
	form = (Form_pg_index) GETSTRUCT(tuple);
	n = form->indnkeyatts;
	*attnums = MemoryContextAlloc(cxt, sizeof(AttrNumber) * n);
	for (int i = 0; i < n; i++)
		(*attnums)[i] = form->indkey.values[i];
	ReleaseSysCache(tuple);
	return n;
}

/* ---- catalog -------------------------------------------------------------------------------- */

static void
exec_update(const char *query, int nargs, Oid *argtypes, Datum *args, const char *nulls)
{
	int			rc = SPI_execute_with_args(query, nargs, argtypes, args, nulls, false, 0);

	if (rc < 0)
		elog(ERROR, "could not update the snapshot progress of tracking \"%s\" (%s)",
			 ss.name, SPI_result_code_string(rc));
}

/*
 * mark_streaming_if_done — the initial snapshot is over when no initial request is left: the
 * catalog's state says so (SPEC's 'snapshot' -> 'streaming'). Inside a transaction.
 */
static void
mark_streaming_if_done(void)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(ss.name)};

	exec_update("UPDATE dbchangetracking.tracking_config t SET state = 'streaming'"
				" WHERE t.name = $1 AND t.state = 'snapshot' AND NOT EXISTS"
				" (SELECT 1 FROM dbchangetracking.snapshot_request r"
				"   WHERE r.tracking = t.name AND r.kind = 'initial')",
				1, argtypes, args, NULL);
}

/*
 * settle_chunk — a chunk found in flight at start: rows up to the stream's last position are
 * there. Moves the request's progress past them. Inside a transaction, SPI connected.
 */
static void
settle_chunk(const char *table, XLogRecPtr chunk_lsn, Datum keys_datum, bool keys_null,
			 Datum end_datum, bool end_null, bool final, bool has_resume,
			 const DbctPosition *resume)
{
	MemoryContext tmp = CurrentMemoryContext;
	Oid			relid = relid_of(table);
	int			nkeys = 0;
	int			nflat = 0;
	char	  **flat = NULL;
	int			nrows;
	bool		all_published = false;
	int64		published = 0;
	char	  **new_last = NULL;
	Oid			argtypes[5] = {TEXTOID, TEXTOID, TEXTARRAYOID, INT8OID, BOOLOID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		isnull;

	if (OidIsValid(relid))
	{
		Relation	rel = table_open(relid, AccessShareLock);
		AttrNumber *attnums;

		nkeys = primary_key(rel, &attnums, tmp);
		table_close(rel, AccessShareLock);
	}
	if (!keys_null)
		flat = text_array_values(keys_datum, &nflat, tmp);
	nrows = nkeys > 0 ? nflat / nkeys : 0;

	if (has_resume && resume->commit_lsn == chunk_lsn && resume->lsn == chunk_lsn)
	{
		/* the chunk is partly in the stream: up to row resume->index */
		if ((int) resume->index + 1 >= nrows)
			all_published = true;
		else if (nkeys > 0)
		{
			published = resume->index + 1;
			new_last = flat + resume->index * nkeys;
		}
		/* without a key the chunk is read again from the start (docs/snapshot.md) */
	}
	else if (has_resume && resume->commit_lsn > chunk_lsn)
		all_published = true;

	if (all_published)
	{
		published = nrows;
		if (!end_null)
		{
			int			n;

			new_last = text_array_values(end_datum, &n, tmp);
		}
	}

	args[0] = CStringGetTextDatum(ss.name);
	args[1] = CStringGetTextDatum(table);
	args[2] = text_array(new_last, nkeys, &isnull);
	nulls[2] = isnull ? 'n' : ' ';
	args[3] = Int64GetDatum(published);
	args[4] = BoolGetDatum(all_published && final);
	exec_update("UPDATE dbchangetracking.snapshot_request SET"
				" last_key = CASE WHEN $3 IS NULL THEN last_key ELSE $3 END,"
				" rows_done = rows_done + $4, chunk_lsn = NULL, chunk_keys = NULL,"
				" chunk_end = NULL, chunk_final = NULL"
				" WHERE tracking = $1 AND table_name = $2",
				5, argtypes, args, nulls);
	if (all_published && final)
		exec_update("DELETE FROM dbchangetracking.snapshot_request"
					" WHERE tracking = $1 AND table_name = $2", 2, argtypes, args, NULL);
	ereport(LOG,
			(errmsg("dbchangetracking \"%s\": snapshot of \"%s\" resumes after a restart: "
					INT64_FORMAT " rows of its last chunk were in the stream%s",
					ss.name, table, published, all_published && final ? "; the table is done" : "")));
}

/*
 * recover — settles the chunks a previous attempt left in flight and drops requests that no
 * longer apply. Inside a transaction.
 */
static void
recover(void)
{
	DbctPosition resume;
	bool		has_resume = dbct_worker_resume_position(&resume);
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(ss.name)};
	SPITupleTable *tuptable;
	uint64		n;

	if (!ss.initial_mode)
		exec_update("DELETE FROM dbchangetracking.snapshot_request"
					" WHERE tracking = $1 AND kind = 'initial'", 1, argtypes, args, NULL);

	if (SPI_execute_with_args("SELECT table_name, chunk_lsn, chunk_keys, chunk_end, chunk_final"
							  " FROM dbchangetracking.snapshot_request"
							  " WHERE tracking = $1 AND chunk_lsn IS NOT NULL",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the snapshot requests of tracking \"%s\"", ss.name);
	tuptable = SPI_tuptable;
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = tuptable->vals[i];
		TupleDesc	desc = tuptable->tupdesc;
		bool		null_lsn,
					keys_null,
					end_null,
					final_null;
		char	   *table = SPI_getvalue(tuple, desc, 1);
		XLogRecPtr	lsn = DatumGetLSN(SPI_getbinval(tuple, desc, 2, &null_lsn));
		Datum		keys = SPI_getbinval(tuple, desc, 3, &keys_null);
		Datum		end = SPI_getbinval(tuple, desc, 4, &end_null);
		bool		final = DatumGetBool(SPI_getbinval(tuple, desc, 5, &final_null));

		settle_chunk(table, lsn, keys, keys_null, end, end_null, !final_null && final,
					 has_resume, &resume);
	}
	mark_streaming_if_done();
}

/*
 * load_next_table — the next requested table (initial ones first); false when none is left.
 */
static bool
load_next_table(void)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		found = false;
	bool		isnull;

	MemoryContextReset(ss.table_cxt);
	ss.table = NULL;
	ss.last_key = NULL;
	ss.rows_total = -1;
	ss.rows_done = 0;
	ss.keyless_attempts = 0;

	begin_tx();
	args[0] = CStringGetTextDatum(ss.name);
	for (;;)
	{
		HeapTuple	tuple;
		TupleDesc	desc;
		char	   *table;
		bool		last_null;
		Datum		last;
		Relation	rel;
		StringInfoData q;
		int64		remaining_initial;

		if (SPI_execute_with_args("SELECT table_name, kind, last_key, rows_done, rows_total,"
								  " (SELECT count(*) FROM dbchangetracking.snapshot_request o"
								  "   WHERE o.tracking = r.tracking AND o.kind = 'initial'),"
								  " (SELECT count(*) FROM dbchangetracking.snapshot_request o"
								  "   WHERE o.tracking = r.tracking)"
								  " FROM dbchangetracking.snapshot_request r WHERE tracking = $1"
								  " ORDER BY kind = 'initial' DESC, requested_at,"
								  "  array_position((SELECT string_to_array(t.tables, ',')"
								  "    FROM dbchangetracking.tracking_config t WHERE t.name = $1),"
								  "   table_name), table_name LIMIT 1",
								  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read the snapshot requests of tracking \"%s\"", ss.name);
		if (SPI_processed == 0)
			break;
		tuple = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		table = MemoryContextStrdup(ss.table_cxt, SPI_getvalue(tuple, desc, 1));
		ss.kind_initial = strcmp(SPI_getvalue(tuple, desc, 2), "initial") == 0;
		last = SPI_getbinval(tuple, desc, 3, &last_null);
		ss.rows_done = DatumGetInt64(SPI_getbinval(tuple, desc, 4, &isnull));
		ss.rows_total = DatumGetInt64(SPI_getbinval(tuple, desc, 5, &isnull));
		if (isnull)
			ss.rows_total = -1;
		remaining_initial = DatumGetInt64(SPI_getbinval(tuple, desc, 6, &isnull));
		if (ss.tables_total == 0)
			ss.tables_total = (int) DatumGetInt64(SPI_getbinval(tuple, desc, 7, &isnull));
		ss.last_key = NULL;
		if (!last_null)
		{
			int			n;

			ss.last_key = text_array_values(last, &n, ss.table_cxt);
		}

		ss.relid = relid_of(table);
		if (!OidIsValid(ss.relid))
		{
			Datum		dargs[2] = {args[0], CStringGetTextDatum(table)};
			Oid			dtypes[2] = {TEXTOID, TEXTOID};

			snapshot_log("warning", table, -1,
						 psprintf("table \"%s\" no longer exists; its snapshot is skipped", table));
			exec_update("DELETE FROM dbchangetracking.snapshot_request"
						" WHERE tracking = $1 AND table_name = $2", 2, dtypes, dargs, NULL);
			ss.tables_done++;
			continue;
		}

		rel = table_open(ss.relid, AccessShareLock);
		ss.nkeys = primary_key(rel, &ss.key_attnums, ss.table_cxt);
		ss.key_types = MemoryContextAlloc(ss.table_cxt, sizeof(Oid) * Max(ss.nkeys, 1));
		ss.from = MemoryContextStrdup(ss.table_cxt,
									  psprintf("%s%s.%s",
											   rel->rd_rel->relkind == RELKIND_RELATION ? "ONLY " : "",
											   quote_identifier(get_namespace_name(RelationGetNamespace(rel))),
											   quote_identifier(RelationGetRelationName(rel))));
		initStringInfo(&q);
		appendStringInfo(&q, "SELECT * FROM %s", ss.from);
		if (ss.nkeys > 0)
		{
			StringInfoData cols;

			initStringInfo(&cols);
			for (int i = 0; i < ss.nkeys; i++)
			{
				Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), ss.key_attnums[i] - 1);

				ss.key_types[i] = att->atttypid;
				appendStringInfo(&cols, "%s%s", i ? ", " : "", quote_identifier(NameStr(att->attname)));
			}
			ss.query_first = MemoryContextStrdup(ss.table_cxt,
												 psprintf("%s ORDER BY %s LIMIT %d", q.data,
														  cols.data, ss.chunk_size + 1));
			appendStringInfo(&q, " WHERE (%s) > (", cols.data);
			for (int i = 0; i < ss.nkeys; i++)
				appendStringInfo(&q, "%s$%d", i ? ", " : "", i + 1);
			appendStringInfo(&q, ") ORDER BY %s LIMIT %d", cols.data, ss.chunk_size + 1);
		}
		else
			snapshot_log("warning", table, -1,
						 psprintf("table \"%s\" has no primary key: its snapshot is read in one pass",
								  table));
		ss.query = MemoryContextStrdup(ss.table_cxt, q.data);
		if (ss.nkeys == 0)
			ss.query_first = ss.query;
		table_close(rel, AccessShareLock);

		if (ss.rows_total < 0)
		{
			Oid			rtypes[1] = {OIDOID};
			Datum		rargs[1] = {ObjectIdGetDatum(ss.relid)};

			if (SPI_execute_with_args("SELECT CASE WHEN reltuples >= 0 THEN reltuples::bigint END"
									  " FROM pg_catalog.pg_class WHERE oid = $1",
									  1, rtypes, rargs, NULL, true, 1) == SPI_OK_SELECT &&
				SPI_processed == 1)
			{
				Datum		v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

				if (!isnull)
					ss.rows_total = DatumGetInt64(v);
			}
			if (ss.rows_total < 0 &&
				SPI_execute(psprintf("SELECT count(*) FROM %s", ss.from), true, 1) == SPI_OK_SELECT &&
				SPI_processed == 1)
				ss.rows_total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
															SPI_tuptable->tupdesc, 1, &isnull));
			if (ss.rows_total >= 0)
			{
				Oid			utypes[3] = {TEXTOID, TEXTOID, INT8OID};
				Datum		uargs[3] = {args[0], CStringGetTextDatum(table), Int64GetDatum(ss.rows_total)};

				exec_update("UPDATE dbchangetracking.snapshot_request SET rows_total = $3"
							" WHERE tracking = $1 AND table_name = $2", 3, utypes, uargs, NULL);
			}
		}

		ss.table = table;
		ss.mark_table_first = ss.kind_initial && ss.rows_done == 0 && ss.last_key == NULL;
		ss.mark_first = ss.mark_table_first && ss.first_pending;
		ss.last_table = ss.kind_initial && remaining_initial == 1;
		found = true;
		break;
	}
	end_tx();
	publish_progress();
	if (found)
		snapshot_log("info", ss.table, ss.rows_done > 0 ? (int64) ss.rows_done : -1,
					 psprintf("%s of table \"%s\" %s",
							  ss.kind_initial ? "initial snapshot" : "snapshot",
							  ss.table, ss.rows_done > 0 ? "continues" : "starts"));
	return found;
}

/* ---- reading a chunk ------------------------------------------------------------------------ */

/*
 * wait_for_running_xids — step 2: a transaction whose commit record precedes L may still show
 * as running to a snapshot taken after L (it writes its commit record before it leaves the
 * process array). Waiting until those running at L are gone makes each of them visible to
 * the chunk's snapshot. A transaction still running after XID_WAIT_MAX_MS has not reached its
 * commit record in any practical sense (docs/snapshot.md); no transaction is open here.
 */
static void
wait_for_running_xids(TransactionId *xids, int n)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), XID_WAIT_MAX_MS);

	for (int i = 0; i < n; i++)
	{
		while (TransactionIdIsInProgress(xids[i]))
		{
			if (GetCurrentTimestamp() >= deadline)
				return;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1,
							 PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
}

static XLogRecPtr
emit_watermark(const char *content)
{
	XLogRecPtr	end = LogLogicalMessage(ss.prefix, content, strlen(content), false);

	/* a non-transactional message is not flushed by a commit: the decoder reads flushed WAL */
	XLogFlush(end);
	return end;
}

/*
 * render_row — one row as the decoder renders a tuple of the table, op "r". The SELECT's
 * tuple lacks dropped columns and may hold TOAST pointers: it is rebuilt in the table's own
 * layout with out-of-line values fetched, since the decoder reads an out-of-line value in a
 * new tuple as "unchanged".
 */
static void
render_row(BufferedRow *out, Relation rel, DbctRelEntry *entry, HeapTuple row,
		   TupleDesc row_desc, const int *attmap, XLogRecPtr low_lsn, int64 now_us)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	HeapTuple	tuple;
	DbctEvent	event;
	DbctEncoded encoded;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || attmap[i] == 0)
		{
			values[i] = (Datum) 0;
			nulls[i] = true;
			continue;
		}
		values[i] = heap_getattr(row, attmap[i], row_desc, &nulls[i]);
		if (!nulls[i] && att->attlen == -1 && VARATT_IS_EXTERNAL(DatumGetPointer(values[i])))
			values[i] = PointerGetDatum(detoast_external_attr((struct varlena *) DatumGetPointer(values[i])));
	}
	tuple = heap_form_tuple(desc, values, nulls);

	memset(&event, 0, sizeof(event));
	event.op = 'r';
	event.snapshot = ss.kind_initial ? "true" : "incremental";
	event.rel = entry;
	event.desc = desc;
	event.name = ss.name;
	event.db = ss.db;
	event.source_ts_us = now_us;
	event.tx_id = -1;
	event.lsn = (int64) low_lsn;
	event.last_commit_lsn = -1;
	event.after.tuple = tuple;
	event.key.tuple = tuple;
	DbctBridgeWriteEvent(ss.bridge, &event, &encoded);

	out->key = MemoryContextAlloc(ss.chunk_cxt, encoded.key_len + 1);
	memcpy(out->key, encoded.key, encoded.key_len);
	out->key[encoded.key_len] = '\0';
	out->key_len = encoded.key_len;
	out->value = MemoryContextAlloc(ss.chunk_cxt, encoded.value_len + 1);
	memcpy(out->value, encoded.value, encoded.value_len);
	out->value[encoded.value_len] = '\0';
	out->value_len = encoded.value_len;
	out->dropped = false;
	out->pk = NULL;
	if (ss.nkeys > 0)
	{
		out->pk = MemoryContextAlloc(ss.chunk_cxt, sizeof(char *) * ss.nkeys);
		for (int k = 0; k < ss.nkeys; k++)
		{
			AttrNumber	attnum = ss.key_attnums[k];
			Oid			output;
			bool		varlena;

			getTypeOutputInfo(TupleDescAttr(desc, attnum - 1)->atttypid, &output, &varlena);
			out->pk[k] = MemoryContextStrdup(ss.chunk_cxt,
											 OidOutputFunctionCall(output, values[attnum - 1]));
		}
	}
}

/*
 * read_chunk — steps 1 to 4 for the next chunk of the table.
 */
static void
read_chunk(void)
{
	TransactionId *xids;
	int			nxids;
	XLogRecPtr	low_lsn;
	Snapshot	latest;
	Relation	rel;
	DbctRelEntry *entry;
	int64		now_us;
	HASHCTL		ctl;

	MemoryContextReset(ss.chunk_cxt);
	ss.rows = NULL;
	ss.nrows = 0;
	ss.saw_low = false;
	ss.spoiled = false;
	ss.chunk_end = NULL;
	ss.chunk_final = false;
	ss.high_lsn = InvalidXLogRecPtr;
	ss.last_seq = 0;
	ss.published = 0;
	ss.chunk_counter++;
	snprintf(ss.low, sizeof(ss.low), "low:%s.%u", ss.run_id, ss.chunk_counter);
	snprintf(ss.high, sizeof(ss.high), "high:%s.%u", ss.run_id, ss.chunk_counter);

	/* 1. the low watermark, and who is running at it */
	StartTransactionCommand();
	low_lsn = emit_watermark(ss.low);
	latest = GetLatestSnapshot();
	nxids = latest->xcnt;
	xids = MemoryContextAlloc(ss.chunk_cxt, sizeof(TransactionId) * Max(nxids, 1));
	memcpy(xids, latest->xip, sizeof(TransactionId) * nxids);
	CommitTransactionCommand();
	MemoryContextSwitchTo(ss.cxt);

	/* 2. */
	wait_for_running_xids(xids, nxids);

	/* 3. the chunk, in a short transaction of its own */
	begin_tx();
	now_us = GetCurrentTimestamp() + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	rel = table_open(ss.relid, AccessShareLock);
	DbctRelCacheForget(ss.relid);
	entry = DbctRelCacheGet(rel);
	if (!entry->included)
		ss.chunk_final = true;	/* filtered out by the tracking's options: nothing to read */
	else
	{
		Datum	   *args = palloc(sizeof(Datum) * Max(ss.nkeys, 1));
		int			nargs = (ss.nkeys > 0 && ss.last_key != NULL) ? ss.nkeys : 0;
		TupleDesc	desc = RelationGetDescr(rel);
		int		   *attmap = palloc0(sizeof(int) * Max(desc->natts, 1));
		MemoryContext row_cxt;
		uint64		n;
		int			take;
		int			column = 0;

		for (int i = 0; i < nargs; i++)
		{
			Oid			input,
						ioparam;

			getTypeInputInfo(ss.key_types[i], &input, &ioparam);
			args[i] = OidInputFunctionCall(input, ss.last_key[i], ioparam, -1);
		}
		for (int i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				attmap[i] = ++column;

		if (SPI_execute_with_args(nargs > 0 ? ss.query : ss.query_first, nargs, ss.key_types,
								  args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read table \"%s\" for the snapshot", ss.table);
		n = SPI_processed;
		if (SPI_tuptable->tupdesc->natts != column)
			elog(ERROR, "table \"%s\" changed while it was read for the snapshot", ss.table);
		ss.chunk_final = ss.nkeys == 0 || n <= (uint64) ss.chunk_size;
		take = ss.chunk_final ? (int) n : ss.chunk_size;
		ss.rows = MemoryContextAllocHuge(ss.chunk_cxt, sizeof(BufferedRow) * Max(take, 1));
		row_cxt = AllocSetContextCreate(CurrentMemoryContext, "dbchangetracking snapshot row",
										ALLOCSET_DEFAULT_SIZES);
		for (int i = 0; i < take; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(row_cxt);

			render_row(&ss.rows[i], rel, entry, SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
					   attmap, low_lsn, now_us);
			MemoryContextSwitchTo(old);
			MemoryContextReset(row_cxt);
			if ((i & 255) == 255)
				CHECK_FOR_INTERRUPTS();
		}
		ss.nrows = take;
		if (take > 0 && ss.nkeys > 0)
			ss.chunk_end = ss.rows[take - 1].pk;
	}
	DbctRelCacheForget(ss.relid);
	table_close(rel, AccessShareLock);

	/* 4. the high watermark: everything the chunk saw committed before it */
	(void) emit_watermark(ss.high);
	end_tx();

	/* the keys the decoder looks up between the watermarks */
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(KeyEntry);
	ctl.hash = key_hash;
	ctl.match = key_match;
	ctl.hcxt = ss.chunk_cxt;
	ss.keys = hash_create("dbchangetracking snapshot keys", Max(ss.nrows, 16), &ctl,
						  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	for (int i = 0; i < ss.nrows; i++)
	{
		const char *key = ss.rows[i].key;
		KeyEntry   *e = hash_search(ss.keys, &key, HASH_ENTER, NULL);

		e->key = key;
		e->row = i;
	}
	ss.phase = PHASE_WINDOW;
}

/*
 * dbct_snapshot_on_frame — every frame the decoder writes. Between this chunk's watermarks a
 * change of the table drops its key from the buffer (step 5); the high watermark stops
 * decoding (step 6).
 */
void
dbct_snapshot_on_frame(const char *data, Size len)
{
	DbctFrameHeader hdr;
	const char *table;
	const char *key;

	if (!ss.active || ss.phase != PHASE_WINDOW || len < sizeof(hdr))
		return;
	memcpy(&hdr, data, sizeof(hdr));
	table = data + sizeof(hdr);
	key = table + hdr.table_len;

	if (hdr.kind == DBCT_FRAME_WATERMARK)
	{
		if (hdr.table_len != strlen(ss.prefix) || memcmp(table, ss.prefix, hdr.table_len) != 0)
			return;				/* another tracking's */
		if (hdr.key_len == strlen(ss.low) && memcmp(key, ss.low, hdr.key_len) == 0)
			ss.saw_low = true;
		else if (hdr.key_len == strlen(ss.high) && memcmp(key, ss.high, hdr.key_len) == 0)
		{
			if (!ss.saw_low)
				ss.spoiled = true;	/* cannot happen; read the chunk again if it does */
			ss.high_lsn = hdr.lsn;
			ss.phase = PHASE_DECODED;
		}
		return;
	}
	if (!ss.saw_low || hdr.kind != DBCT_FRAME_CHANGE || ss.nrows == 0)
		return;
	if (hdr.table_len != strlen(ss.table) || memcmp(table, ss.table, hdr.table_len) != 0)
		return;
	if (hdr.op == 't' || ss.nkeys == 0 || hdr.key_len == 0 ||
		(hdr.key_len == 4 && memcmp(key, "null", 4) == 0))
	{
		/* a truncate, or a change that names no key: no row of the buffer can be trusted */
		ss.spoiled = true;
		return;
	}
	{
		char	   *lookup = palloc(hdr.key_len + 1);
		KeyEntry   *e;

		memcpy(lookup, key, hdr.key_len);
		lookup[hdr.key_len] = '\0';
		e = hash_search(ss.keys, &lookup, HASH_FIND, NULL);
		if (e != NULL)
			ss.rows[e->row].dropped = true;
		pfree(lookup);
	}
}

bool
dbct_snapshot_holds_decoding(void)
{
	return ss.active && ss.phase == PHASE_DECODED;
}

void
dbct_snapshot_note_row(void)
{
	/* snapshot rows are published by publish_chunk, not decoded */
}

/* ---- publishing a chunk --------------------------------------------------------------------- */

/*
 * persist_chunk — before the rows go out, the catalog learns which they are: a restart that
 * finds some of them in the stream resumes after the last one there.
 */
static void
persist_chunk(void)
{
	char	  **flat = NULL;
	int			nflat = 0;
	Oid			argtypes[6] = {TEXTOID, TEXTOID, PG_LSNOID, TEXTARRAYOID, TEXTARRAYOID, BOOLOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;

	begin_tx();
	if (ss.nkeys > 0)
	{
		flat = palloc(sizeof(char *) * Max(ss.nrows * ss.nkeys, 1));
		for (int i = 0; i < ss.nrows; i++)
			if (!ss.rows[i].dropped)
				for (int k = 0; k < ss.nkeys; k++)
					flat[nflat++] = ss.rows[i].pk[k];
	}
	args[0] = CStringGetTextDatum(ss.name);
	args[1] = CStringGetTextDatum(ss.table);
	args[2] = LSNGetDatum(ss.high_lsn);
	args[3] = text_array(flat ? flat : (char *[]) {""}, nflat, &isnull);
	args[4] = text_array(ss.chunk_end, ss.nkeys, &isnull);
	nulls[4] = isnull ? 'n' : ' ';
	args[5] = BoolGetDatum(ss.chunk_final);
	exec_update("UPDATE dbchangetracking.snapshot_request SET chunk_lsn = $3, chunk_keys = $4,"
				" chunk_end = $5, chunk_final = $6 WHERE tracking = $1 AND table_name = $2",
				6, argtypes, args, nulls);
	end_tx();
}

/*
 * with_marker — the row's JSON with source.snapshot set to marker. The writer put "true" or
 * "incremental" there; the source block comes after the row images, so the last occurrence
 * of the field is its own (a value inside "after" is a JSON string, its quotes escaped).
 */
static char *
with_marker(const BufferedRow *row, const char *marker, size_t *len)
{
	const char *needle = ss.kind_initial ? "\"snapshot\":\"true\"" : "\"snapshot\":\"incremental\"";
	const char *found = NULL;
	const char *p = row->value;
	StringInfoData out;

	while ((p = strstr(p, needle)) != NULL)
		found = p++;
	if (found == NULL)
	{
		*len = row->value_len;
		return row->value;
	}
	initStringInfo(&out);
	appendBinaryStringInfo(&out, row->value, found - row->value);
	appendStringInfo(&out, "\"snapshot\":\"%s\"", marker);
	appendStringInfoString(&out, found + strlen(needle));
	*len = out.len;
	return out.data;
}

/* step 6: the rows left in the buffer, at (H, H, i), in key order. */
static void
publish_chunk(void)
{
	int			last = -1;
	int			first = -1;
	uint32		index = 0;
	DbctPosition pos;

	for (int i = 0; i < ss.nrows; i++)
		if (!ss.rows[i].dropped)
		{
			if (first < 0)
				first = i;
			last = i;
		}
	pos.commit_lsn = ss.high_lsn;
	pos.lsn = ss.high_lsn;
	for (int i = 0; i < ss.nrows; i++)
	{
		const BufferedRow *row = &ss.rows[i];
		const char *marker = NULL;
		char	   *value = row->value;
		size_t		value_len = row->value_len;
		uint64		seq;

		if (row->dropped)
			continue;
		if (ss.kind_initial)
		{
			if (i == last && ss.chunk_final)
				marker = ss.last_table ? "last" : "last_in_data_collection";
			else if (i == first && ss.mark_first)
				marker = "first";
			else if (i == first && ss.mark_table_first)
				marker = "first_in_data_collection";
		}
		if (marker != NULL)
			value = with_marker(row, marker, &value_len);
		pos.index = index++;
		seq = dbct_worker_publish_row(&pos, ss.table, strlen(ss.table), row->key, row->key_len,
									  value, value_len);
		if (seq != 0)
			ss.last_seq = seq;
		ss.published++;
		if ((index & 255) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (ss.published > 0)
	{
		ss.mark_first = false;
		ss.mark_table_first = false;
		ss.first_pending = false;
	}
	ss.rows_done += ss.published;
	publish_progress();
}

/* step 7: the chunk is in the stream; the catalog's progress moves past it. */
static void
complete_chunk(void)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTARRAYOID, INT8OID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		isnull;

	begin_tx();
	args[0] = CStringGetTextDatum(ss.name);
	args[1] = CStringGetTextDatum(ss.table);
	args[2] = text_array(ss.chunk_end, ss.nkeys, &isnull);
	nulls[2] = isnull ? 'n' : ' ';
	args[3] = Int64GetDatum(ss.published);
	exec_update("UPDATE dbchangetracking.snapshot_request SET"
				" last_key = CASE WHEN $3 IS NULL THEN last_key ELSE $3 END,"
				" rows_done = rows_done + $4, chunk_lsn = NULL, chunk_keys = NULL,"
				" chunk_end = NULL, chunk_final = NULL"
				" WHERE tracking = $1 AND table_name = $2",
				4, argtypes, args, nulls);
	if (ss.chunk_final)
	{
		exec_update("DELETE FROM dbchangetracking.snapshot_request"
					" WHERE tracking = $1 AND table_name = $2", 2, argtypes, args, NULL);
		mark_streaming_if_done();
	}
	end_tx();

	if (ss.chunk_end != NULL)
	{
		ss.last_key = MemoryContextAlloc(ss.table_cxt, sizeof(char *) * ss.nkeys);
		for (int k = 0; k < ss.nkeys; k++)
			ss.last_key[k] = MemoryContextStrdup(ss.table_cxt, ss.chunk_end[k]);
	}
	if (ss.chunk_final)
	{
		ss.tables_done++;
		snapshot_log("info", ss.table, (int64) ss.rows_done,
					 psprintf("snapshot of table \"%s\" is done (" UINT64_FORMAT " rows)",
							  ss.table, ss.rows_done));
		ss.phase = PHASE_NEXT_TABLE;
	}
	else
		ss.phase = PHASE_READ;
	MemoryContextReset(ss.chunk_cxt);
	ss.rows = NULL;
	ss.nrows = 0;
	ss.chunk_end = NULL;
	publish_progress();
}

/* ---- the worker's interface ----------------------------------------------------------------- */

/*
 * dbct_snapshot_prepare — after the worker found the stream's last position and before it
 * decodes: settles what a previous attempt left, and loads the requests.
 */
void
dbct_snapshot_prepare(const DbctTrackingConfig *config)
{
	MemoryContext old;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	int64		total = 0;
	DbctBridgeConfig bc;

	if (ss.cxt != NULL)
		MemoryContextDelete(ss.cxt);
	memset(&ss, 0, sizeof(ss));
	ss.cxt = AllocSetContextCreate(TopMemoryContext, "dbchangetracking snapshot",
								   ALLOCSET_DEFAULT_SIZES);
	ss.table_cxt = AllocSetContextCreate(ss.cxt, "dbchangetracking snapshot table",
										 ALLOCSET_DEFAULT_SIZES);
	ss.chunk_cxt = AllocSetContextCreate(ss.cxt, "dbchangetracking snapshot chunk",
										 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ss.cxt);
	ss.name = pstrdup(config->name);
	ss.prefix = psprintf("%s%s", DBCT_WATERMARK_PREFIX, config->name);
	ss.initial_mode = config->snapshot_mode == NULL || strcmp(config->snapshot_mode, "initial") == 0;
	ss.chunk_size = DEFAULT_CHUNK_SIZE;
	ss.rows_total = -1;
	snprintf(ss.run_id, sizeof(ss.run_id), "%lx.%d", (unsigned long) GetCurrentTimestamp(), MyProcPid);
	MemoryContextSwitchTo(old);

	begin_tx();
	ss.db = MemoryContextStrdup(ss.cxt, get_database_name(MyDatabaseId));
	args[0] = CStringGetTextDatum(ss.name);
	if (SPI_execute_with_args("SELECT (options->>'incrementalSnapshotChunkSize')::integer"
							  " FROM dbchangetracking.tracking_config WHERE name = $1",
							  1, argtypes, args, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		Datum		v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull && DatumGetInt32(v) > 0)
			ss.chunk_size = DatumGetInt32(v);
	}
	recover();
	if (SPI_execute_with_args("SELECT count(*),"
							  " coalesce(bool_and(kind = 'initial' AND rows_done = 0 AND last_key IS NULL),"
							  "          false)"
							  "  AND count(*) = (SELECT cardinality(string_to_array(t.tables, ','))"
							  "                    FROM dbchangetracking.tracking_config t WHERE t.name = $1)"
							  " FROM dbchangetracking.snapshot_request WHERE tracking = $1",
							  1, argtypes, args, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		ss.first_pending = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (isnull)
			ss.first_pending = false;
	}
	end_tx();

	if (total == 0)
	{
		publish_progress();
		return;
	}
	memset(&bc, 0, sizeof(bc));
	old = MemoryContextSwitchTo(ss.cxt);
	DbctParseOptions(dbct_plugin_options(config), &ss.opts);
	MemoryContextSwitchTo(old);
	bc.decimal_mode = ss.opts.decimal_mode;
	bc.time_precision_mode = ss.opts.time_precision_mode;
	bc.binary_mode = ss.opts.binary_mode;
	bc.interval_mode = ss.opts.interval_mode;
	bc.placeholder = ss.opts.placeholder;
	bc.deterministic = false;
	ss.bridge = DbctBridgeCreate(&bc, ss.cxt);
	ss.tables_total = (int) total;
	ss.phase = PHASE_NEXT_TABLE;
	ss.active = true;
	publish_progress();
}

/*
 * dbct_snapshot_step — one step of snapshot work from the worker loop, outside decoding;
 * false when there is none left.
 */
bool
dbct_snapshot_step(LogicalDecodingContext *ctx)
{
	DbctEntry  *entry;

	if (!ss.active)
		return false;
	entry = dbct_worker_entry();
	if (entry->state == DBCT_STATE_STREAMING || entry->state == DBCT_STATE_STARTING)
		dbct_entry_set_state(entry, DBCT_STATE_SNAPSHOTTING, NULL);

	switch (ss.phase)
	{
		case PHASE_NEXT_TABLE:
			if (!load_next_table())
			{
				ss.active = false;
				ss.table = NULL;
				ss.rows_total = -1;
				ss.rows_done = 0;
				publish_progress();
				snapshot_log("info", NULL, -1,
							 psprintf("snapshot done (%d tables)", ss.tables_done));
				return false;
			}
			ss.phase = PHASE_READ;
			return true;
		case PHASE_READ:
			read_chunk();
			return true;
		case PHASE_WINDOW:
			return true;
		case PHASE_DECODED:
			if (ss.spoiled && (ss.nkeys > 0 || ++ss.keyless_attempts < KEYLESS_MAX_ATTEMPTS))
			{
				/* changed in ways no key tells: read the chunk again */
				ss.phase = PHASE_READ;
				return true;
			}
			if (ss.spoiled)
				snapshot_log("warning", ss.table, -1,
							 psprintf("table \"%s\" has no primary key and changed during each of %d reads; its rows are published as last read",
									  ss.table, KEYLESS_MAX_ATTEMPTS));
			persist_chunk();
			publish_chunk();
			ss.phase = PHASE_ACKING;
			return true;
		case PHASE_ACKING:
			if (ss.last_seq != 0 && !dbct_worker_acked_through(ss.last_seq, ACK_WAIT_MS))
				return true;
			complete_chunk();
			return true;
	}
	return true;
}
