/*
 * launcher.c — the launcher background worker and the per-database discovery worker.
 *
 * The launcher (one per server, registered at preload) fills the registry at start by running
 * a discovery worker in each database, then keeps one tracking worker running per registry
 * entry that is not paused: it starts missing ones, restarts crashed ones after their backoff,
 * and frees entries whose tracking was removed once their worker is gone.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "dbchangetracking.h"
#include "worker/registry.h"

#define LAUNCHER_NAP_MS 1000

/* What the launcher started for each registry entry. */
typedef struct LaunchedWorker
{
	BackgroundWorkerHandle *handle;
	uint64		generation;
} LaunchedWorker;

static LaunchedWorker *launched = NULL;

/*
 * list_databases — oids of the databases that accept connections (templates excluded).
 */
static List *
list_databases(void)
{
	List	   *result = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	MemoryContext caller = CurrentMemoryContext;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext old;

		if (!db->datallowconn || db->datistemplate)
			continue;
		old = MemoryContextSwitchTo(caller);
		result = lappend_oid(result, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	PopActiveSnapshot();
	CommitTransactionCommand();
	return result;
}

static void
fill_worker(BackgroundWorker *worker, const char *function, const char *name)
{
	memset(worker, 0, sizeof(*worker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	worker->bgw_notify_pid = MyProcPid;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "dbchangetracking");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker->bgw_name, BGW_MAXLEN, "%s", name);
}

/*
 * discover_all — run a discovery worker in each database, one after the other (they are short
 * and this keeps max_worker_processes free for the trackings).
 */
static void
discover_all(void)
{
	List	   *databases = list_databases();
	ListCell   *lc;

	foreach(lc, databases)
	{
		BackgroundWorker worker;
		BackgroundWorkerHandle *handle;
		pid_t		pid;

		fill_worker(&worker, "dbct_discovery_main", "dbchangetracking discovery");
		snprintf(worker.bgw_type, BGW_MAXLEN, "dbchangetracking discovery");
		worker.bgw_main_arg = ObjectIdGetDatum(lfirst_oid(lc));
		if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		{
			ereport(WARNING,
					(errmsg("could not start the dbchangetracking discovery worker"),
					 errhint("Raise max_worker_processes.")));
			continue;
		}
		if (WaitForBackgroundWorkerStartup(handle, &pid) == BGWH_STARTED)
			(void) WaitForBackgroundWorkerShutdown(handle);
		pfree(handle);
		CHECK_FOR_INTERRUPTS();
	}
	list_free(databases);
	dbct_registry->discovered = true;
}

static bool
worker_running(LaunchedWorker *lw)
{
	pid_t		pid;
	BgwHandleStatus status;

	if (lw->handle == NULL)
		return false;
	status = GetBackgroundWorkerPid(lw->handle, &pid);
	if (status == BGWH_STARTED || status == BGWH_NOT_YET_STARTED)
		return true;
	pfree(lw->handle);
	lw->handle = NULL;
	return false;
}

static void
start_tracking_worker(int index, DbctEntry *entry)
{
	BackgroundWorker worker;
	char		name[BGW_MAXLEN];

	snprintf(name, sizeof(name), "dbchangetracking %s", entry->name);
	fill_worker(&worker, "dbct_tracking_main", name);
	snprintf(worker.bgw_type, BGW_MAXLEN, "dbchangetracking worker");
	worker.bgw_main_arg = Int32GetDatum(index);
	memcpy(worker.bgw_extra, &entry->generation, sizeof(uint64));
	if (!RegisterDynamicBackgroundWorker(&worker, &launched[index].handle))
	{
		launched[index].handle = NULL;
		dbct_entry_set_state(entry, DBCT_STATE_RETRYING,
							 "no background worker slot free: raise max_worker_processes");
		SpinLockAcquire(&entry->mutex);
		entry->next_start_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 5000);
		SpinLockRelease(&entry->mutex);
		return;
	}
	launched[index].generation = entry->generation;
}

/*
 * reconcile — make the running workers match the registry.
 */
static void
reconcile(void)
{
	TimestampTz now = GetCurrentTimestamp();

	LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
	for (int i = 0; i < dbct_registry->max_entries; i++)
	{
		DbctEntry  *entry = &dbct_registry->entries[i];
		bool		running = worker_running(&launched[i]);
		TimestampTz next_start_at;

		if (!entry->in_use)
			continue;
		if (entry->removed)
		{
			if (running)
				continue;
			if (entry->drop_stream && !entry->stream_dropped)
			{
				/* a worker deletes the stream: it is the one that talks to NATS */
				start_tracking_worker(i, entry);
				continue;
			}
			entry->in_use = false;
			entry->generation++;
			continue;
		}
		if (entry->paused || running)
			continue;
		SpinLockAcquire(&entry->mutex);
		next_start_at = entry->next_start_at;
		SpinLockRelease(&entry->mutex);
		if (next_start_at > now)
			continue;
		start_tracking_worker(i, entry);
	}
	LWLockRelease(dbct_registry->lock);
}

/*
 * dbct_launcher_main — entry point of the launcher.
 */
void
dbct_launcher_main(Datum arg)
{
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	launched = MemoryContextAllocZero(TopMemoryContext,
									  sizeof(LaunchedWorker) * dbct_registry->max_entries);

	SpinLockAcquire(&dbct_registry->mutex);
	dbct_registry->launcher_latch = MyLatch;
	dbct_registry->launcher_pid = MyProcPid;
	SpinLockRelease(&dbct_registry->mutex);

	/*
	 * After a launcher restart the registry may still hold workers started by the previous
	 * launcher; their handles are lost, so they are told to stop (generation bump) and started
	 * again by this one.
	 */
	LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
	for (int i = 0; i < dbct_registry->max_entries; i++)
		if (dbct_registry->entries[i].in_use)
			dbct_registry->entries[i].generation++;
	LWLockRelease(dbct_registry->lock);

	discover_all();

	while (!ShutdownRequestPending)
	{
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		reconcile();

		/*
		 * Woken by catalog changes and (bgw_notify_pid) by our workers' exits; the timeout
		 * re-checks the registry anyway, so no ordering of those wakeups can leave it unmet.
		 */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 LAUNCHER_NAP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}

	SpinLockAcquire(&dbct_registry->mutex);
	dbct_registry->launcher_latch = NULL;
	dbct_registry->launcher_pid = 0;
	SpinLockRelease(&dbct_registry->mutex);
	proc_exit(0);
}

/*
 * warn_orphan_slots — at server start, name the slots of our plugin that no tracking uses
 * (view orphan_slots): they keep WAL for nobody unless something else reads them.
 */
static void
warn_orphan_slots(void)
{
	if (SPI_execute("SELECT slot_name FROM dbchangetracking.orphan_slots "
					"WHERE active_pid IS NULL ORDER BY 1", true, 0) != SPI_OK_SELECT)
		return;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *slot = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		ereport(WARNING,
				(errmsg("replication slot \"%s\" of the dbchangetracking plugin is used by no tracking",
						slot),
				 errhint("It keeps WAL. Drop it with SELECT pg_drop_replication_slot('%s') if nothing reads it.",
						 slot)));
	}
}

/*
 * dbct_discovery_main — reads the trackings of one database into the registry.
 */
void
dbct_discovery_main(Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);
	int			ret;

	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "dbchangetracking discovery");

	/* the extension may not be installed here: then there is nothing to discover */
	ret = SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'dbchangetracking'",
					  true, 0);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
		ret = SPI_execute("SELECT t.name, t.paused FROM dbchangetracking.tracking_config t",
						  true, 0);
	else
		ret = -1;
	if (ret == SPI_OK_SELECT)
	{
		LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			char	   *name = SPI_getvalue(tup, desc, 1);
			bool		isnull;
			bool		paused = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));

			if (dbct_registry_find(dboid, name) != NULL)
				continue;
			if (dbct_registry_add(dboid, name, paused) == NULL)
				ereport(WARNING,
						(errmsg("tracking \"%s\" does not fit in dbchangetracking.max_workers (%d)",
								name, dbct_max_workers)));
		}
		LWLockRelease(dbct_registry->lock);
	}

	if (ret == SPI_OK_SELECT)
		warn_orphan_slots();

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	dbct_wake_launcher();
	proc_exit(0);
}
