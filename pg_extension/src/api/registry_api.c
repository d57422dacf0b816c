/*
 * registry_api.c — the SQL API's C helpers: prerequisites, registry changes applied at commit,
 * stopping a worker for untrack, and the status rows kept in shared memory.
 *
 * The SQL functions in sql/dbchangetracking--*.sql validate and write the catalog; these
 * helpers make the running server follow it. Changes are queued in the calling transaction and
 * applied at commit, so a worker never starts for a tracking that was rolled back; a savepoint
 * rolled back takes its changes with it. untrack() has to stop the worker before its commit
 * (the slot can only be dropped once the worker let go of it), so a rollback of untrack()
 * brings the tracking back into the registry.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "replication/slot.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/pg_lsn.h"
#include "utils/timestamp.h"
#include "utils/guc.h"
#include "utils/wait_event.h"

#include "dbchangetracking.h"
#include "worker/registry.h"

PG_FUNCTION_INFO_V1(dbct_check_prerequisites);
PG_FUNCTION_INFO_V1(dbct_queue_change);
PG_FUNCTION_INFO_V1(dbct_stop_worker);
PG_FUNCTION_INFO_V1(dbct_status_rows);

typedef enum PendingKind
{
	PENDING_ADD,
	PENDING_PAUSE,
	PENDING_RESUME,
	PENDING_RESTART,
	PENDING_REMOVE,
	PENDING_REVIVE				/* at rollback only: untrack() stopped the tracking */
} PendingKind;

typedef struct PendingChange
{
	PendingKind kind;
	Oid			dboid;
	char		name[DBCT_NAME_LEN];
	SubTransactionId subid;		/* the (sub)transaction that queued it */
	/* PENDING_REVIVE: the registry entry as untrack() left it */
	uint64		generation;
	bool		paused;
} PendingChange;

static List *pending_changes = NIL;

/*
 * dbct_check_prerequisites() — errors when the server cannot run trackings.
 */
Datum
dbct_check_prerequisites(PG_FUNCTION_ARGS)
{
	dbct_require_registry();
	if (wal_level < WAL_LEVEL_LOGICAL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("wal_level must be logical (is %s)",
						GetConfigOption("wal_level", false, false)),
				 errhint("Set wal_level = logical in postgresql.conf and restart the server.")));
	PG_RETURN_VOID();
}

static PendingKind
parse_kind(const char *kind)
{
	if (strcmp(kind, "add") == 0)
		return PENDING_ADD;
	if (strcmp(kind, "pause") == 0)
		return PENDING_PAUSE;
	if (strcmp(kind, "resume") == 0)
		return PENDING_RESUME;
	if (strcmp(kind, "restart") == 0)
		return PENDING_RESTART;
	if (strcmp(kind, "remove") == 0)
		return PENDING_REMOVE;
	elog(ERROR, "unknown registry change \"%s\"", kind);
	return PENDING_ADD;			/* keep compiler quiet */
}

static int
count_free_entries(void)
{
	int			free_entries = 0;

	for (int i = 0; i < dbct_registry->max_entries; i++)
		if (!dbct_registry->entries[i].in_use)
			free_entries++;
	return free_entries;
}

static PendingChange *
queue_change(PendingKind kind, const char *name)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	PendingChange *change = palloc0(sizeof(PendingChange));

	change->kind = kind;
	change->dboid = MyDatabaseId;
	strlcpy(change->name, name, DBCT_NAME_LEN);
	change->subid = GetCurrentSubTransactionId();
	pending_changes = lappend(pending_changes, change);
	MemoryContextSwitchTo(old);
	return change;
}

/*
 * dbct_queue_change(name, kind) — queue a registry change to apply when the transaction
 * commits. 'add' checks now that a worker slot is free, to fail inside track().
 */
Datum
dbct_queue_change(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PendingKind kind = parse_kind(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	dbct_require_registry();
	if (strlen(name) >= DBCT_NAME_LEN)
		elog(ERROR, "tracking name \"%s\" is too long", name);

	if (kind == PENDING_ADD)
	{
		int			queued_adds = 0;
		ListCell   *lc;
		int			free_entries;

		foreach(lc, pending_changes)
			if (((PendingChange *) lfirst(lc))->kind == PENDING_ADD)
				queued_adds++;
		LWLockAcquire(dbct_registry->lock, LW_SHARED);
		free_entries = count_free_entries();
		LWLockRelease(dbct_registry->lock);
		if (free_entries <= queued_adds)
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("too many trackings: dbchangetracking.max_workers is %d",
							dbct_max_workers),
					 errhint("Raise dbchangetracking.max_workers (and max_worker_processes) and restart the server, or untrack another tracking.")));
	}

	(void) queue_change(kind, name);
	PG_RETURN_VOID();
}

static void
wake_entry(DbctEntry *entry)
{
	Latch	   *latch;

	SpinLockAcquire(&entry->mutex);
	latch = entry->latch;
	SpinLockRelease(&entry->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/*
 * dbct_apply_pending_changes — at commit: nothing here may fail, so a full registry only
 * leaves a warning (track() checked for room already).
 */
void
dbct_apply_pending_changes(void)
{
	ListCell   *lc;

	if (pending_changes == NIL || dbct_registry == NULL)
	{
		dbct_forget_pending_changes();
		return;
	}

	LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
	foreach(lc, pending_changes)
	{
		PendingChange *change = lfirst(lc);
		DbctEntry  *entry = dbct_registry_find(change->dboid, change->name);

		switch (change->kind)
		{
			case PENDING_ADD:
				if (entry == NULL && dbct_registry_add(change->dboid, change->name, false) == NULL)
					elog(WARNING, "no room for tracking \"%s\" in the registry", change->name);
				break;
			case PENDING_PAUSE:
			case PENDING_RESUME:
				if (entry == NULL)
					entry = dbct_registry_add(change->dboid, change->name,
											  change->kind == PENDING_PAUSE);
				if (entry != NULL)
				{
					/*
					 * Only the wish changes here; entry->state stays the worker's own (the
					 * status shows 'paused' from the flag). A pause() then resume() between
					 * two looks of the worker leaves it streaming: had pause() written
					 * 'paused' into state, nothing would ever have written it back.
					 */
					entry->paused = (change->kind == PENDING_PAUSE);
					SpinLockAcquire(&entry->mutex);
					entry->failures = 0;
					entry->next_start_at = 0;
					SpinLockRelease(&entry->mutex);
					wake_entry(entry);
				}
				break;
			case PENDING_RESTART:
				if (entry != NULL)
				{
					entry->generation++;
					SpinLockAcquire(&entry->mutex);
					entry->failures = 0;
					entry->next_start_at = 0;
					SpinLockRelease(&entry->mutex);
					wake_entry(entry);
				}
				break;
			case PENDING_REMOVE:
				if (entry != NULL)
				{
					entry->removed = true;
					wake_entry(entry);
				}
				break;
			case PENDING_REVIVE:
				break;
		}
	}
	LWLockRelease(dbct_registry->lock);
	dbct_forget_pending_changes();
	dbct_wake_launcher();
}

void
dbct_forget_pending_changes(void)
{
	list_free_deep(pending_changes);
	pending_changes = NIL;
}

/*
 * revive — undo untrack()'s stop of a tracking whose untrack() was rolled back: the same
 * registry entry when the launcher has not freed it yet, else a new one. Runs during a
 * rollback: nothing here may fail.
 */
static void
revive(PendingChange *change)
{
	bool		revived = false;

	LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
	for (int i = 0; i < dbct_registry->max_entries; i++)
	{
		DbctEntry  *entry = &dbct_registry->entries[i];

		if (entry->in_use && entry->removed && entry->dboid == change->dboid &&
			entry->generation == change->generation && strcmp(entry->name, change->name) == 0)
		{
			entry->removed = false;
			entry->drop_stream = false;
			entry->stream_dropped = false;
			entry->generation++;	/* a worker still deleting the stream stops */
			SpinLockAcquire(&entry->mutex);
			entry->failures = 0;
			entry->next_start_at = 0;
			SpinLockRelease(&entry->mutex);
			revived = true;
			break;
		}
	}
	if (!revived && dbct_registry_find(change->dboid, change->name) == NULL &&
		dbct_registry_add(change->dboid, change->name, change->paused) == NULL)
		elog(WARNING, "no room for tracking \"%s\" in the registry", change->name);
	LWLockRelease(dbct_registry->lock);
	dbct_wake_launcher();
}

/*
 * dbct_abort_pending_changes — at rollback: trackings stopped by untrack() come back, the
 * rest is forgotten.
 */
void
dbct_abort_pending_changes(void)
{
	ListCell   *lc;

	if (dbct_registry != NULL)
		foreach(lc, pending_changes)
		{
			PendingChange *change = lfirst(lc);

			if (change->kind == PENDING_REVIVE)
				revive(change);
		}
	dbct_forget_pending_changes();
}

/*
 * dbct_pending_changes_subxact — a savepoint rolled back undoes its changes (reviving what its
 * untrack() stopped); one released hands them to its parent.
 */
void
dbct_pending_changes_subxact(SubXactEvent event, SubTransactionId mySubid,
							 SubTransactionId parentSubid)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	foreach(lc, pending_changes)
	{
		PendingChange *change = lfirst(lc);

		if (change->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_COMMIT_SUB)
		{
			change->subid = parentSubid;
			continue;
		}
		if (change->kind == PENDING_REVIVE && dbct_registry != NULL)
			revive(change);
		pending_changes = foreach_delete_current(pending_changes, lc);
		pfree(change);
	}
}

/*
 * dbct_stop_worker(name, slot_name, drop_stream, timeout_ms) — untrack: remove the tracking
 * from the registry now (dropping its slot is not transactional either) and wait until its
 * worker has let go of the slot — and, with drop_stream, until the worker (started for that if
 * none runs) has deleted the stream. Returns false when the wait timed out.
 */
Datum
dbct_stop_worker(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *slot_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		drop_stream = PG_GETARG_BOOL(2);
	int			timeout_ms = PG_GETARG_INT32(3);
	TimestampTz deadline;
	DbctEntry  *entry;
	uint64		generation = 0;

	dbct_require_registry();

	LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
	entry = dbct_registry_find(MyDatabaseId, name);
	if (entry != NULL)
	{
		PendingChange *change;

		entry->removed = true;
		entry->drop_stream = drop_stream;
		generation = entry->generation;
		wake_entry(entry);
		/* comes back if this untrack() is rolled back */
		change = queue_change(PENDING_REVIVE, name);
		change->generation = generation;
		change->paused = entry->paused;
	}
	LWLockRelease(dbct_registry->lock);
	dbct_wake_launcher();

	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	for (;;)
	{
		ReplicationSlot *slot;
		pid_t		active_pid = 0;
		bool		entry_done = true;

		LWLockAcquire(ReplicationSlotControlLock, LW_SHARED);
		slot = SearchNamedReplicationSlot(slot_name, false);
		if (slot != NULL)
		{
			SpinLockAcquire(&slot->mutex);
			active_pid = slot->active_pid;
			SpinLockRelease(&slot->mutex);
		}
		LWLockRelease(ReplicationSlotControlLock);

		if (entry != NULL && drop_stream)
		{
			LWLockAcquire(dbct_registry->lock, LW_SHARED);
			entry_done = !entry->in_use || entry->generation != generation ||
				entry->stream_dropped;
			LWLockRelease(dbct_registry->lock);
		}

		/* a temporary slot of a track() earlier in this transaction is held by us */
		if ((active_pid == 0 || active_pid == MyProcPid) && entry_done)
			PG_RETURN_BOOL(true);
		if (GetCurrentTimestamp() >= deadline)
			PG_RETURN_BOOL(false);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 50,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * dbct_status_rows() — one row per tracking of this database known to the registry.
 */
Datum
dbct_status_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	if (dbct_registry == NULL)
		return (Datum) 0;

	LWLockAcquire(dbct_registry->lock, LW_SHARED);
	for (int i = 0; i < dbct_registry->max_entries; i++)
	{
		DbctEntry  *entry = &dbct_registry->entries[i];
		DbctEntry	copy;
		Datum		values[14];
		bool		nulls[14];

		if (!entry->in_use || entry->removed || entry->dboid != MyDatabaseId)
			continue;
		SpinLockAcquire(&entry->mutex);
		memcpy(&copy, entry, sizeof(DbctEntry));
		SpinLockRelease(&entry->mutex);

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(copy.name);
		values[1] = CStringGetTextDatum(dbct_state_name(copy.paused ? DBCT_STATE_PAUSED : copy.state));
		values[2] = Int32GetDatum(copy.pid);
		nulls[2] = (copy.pid == 0);
		values[3] = LSNGetDatum(copy.confirmed_lsn);
		nulls[3] = XLogRecPtrIsInvalid(copy.confirmed_lsn);
		values[4] = Int64GetDatum((int64) copy.events_total);
		values[5] = Float8GetDatum(copy.events_per_sec);
		values[6] = Int64GetDatum(copy.lag_ms);
		values[7] = TimestampTzGetDatum(copy.last_event_at);
		nulls[7] = (copy.last_event_at == 0);
		values[8] = CStringGetTextDatum(copy.last_error);
		nulls[8] = (copy.last_error[0] == '\0');
		values[9] = CStringGetTextDatum(copy.snapshot_table);
		nulls[9] = (copy.snapshot_table[0] == '\0');
		values[10] = Int64GetDatum((int64) copy.snapshot_rows);
		values[11] = Int32GetDatum(copy.snapshot_tables_done);
		values[12] = Int32GetDatum(copy.snapshot_tables_total);
		values[13] = Int64GetDatum(copy.snapshot_rows_total);
		nulls[13] = (copy.snapshot_table[0] == '\0' || copy.snapshot_rows_total < 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	LWLockRelease(dbct_registry->lock);
	return (Datum) 0;
}
