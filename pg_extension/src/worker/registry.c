/*
 * registry.c — shared memory of the trackings (see registry.h).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "worker/registry.h"

DbctRegistry *dbct_registry = NULL;
int			dbct_max_workers = 8;

#define DBCT_TRANCHE "dbchangetracking"

static Size
registry_size(void)
{
	return add_size(offsetof(DbctRegistry, entries),
					mul_size(sizeof(DbctEntry), dbct_max_workers));
}

/*
 * dbct_registry_request — reserve the shared memory (shmem_request_hook, preload only).
 */
void
dbct_registry_request(void)
{
	RequestAddinShmemSpace(registry_size());
	RequestNamedLWLockTranche(DBCT_TRANCHE, 1);
}

/*
 * dbct_registry_startup — create or attach the registry (shmem_startup_hook).
 */
void
dbct_registry_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	dbct_registry = ShmemInitStruct("dbchangetracking registry", registry_size(), &found);
	if (!found)
	{
		memset(dbct_registry, 0, registry_size());
		dbct_registry->lock = &(GetNamedLWLockTranche(DBCT_TRANCHE))->lock;
		SpinLockInit(&dbct_registry->mutex);
		dbct_registry->max_entries = dbct_max_workers;
		for (int i = 0; i < dbct_max_workers; i++)
			SpinLockInit(&dbct_registry->entries[i].mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * dbct_require_registry — error out when the library was not preloaded: without it there is
 * no launcher and no shared memory, so a tracking could never run.
 */
void
dbct_require_registry(void)
{
	if (dbct_registry == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dbchangetracking must be loaded via shared_preload_libraries"),
				 errhint("Add dbchangetracking to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/*
 * dbct_registry_find — the live entry of a tracking, or NULL. Caller holds the lock.
 */
DbctEntry *
dbct_registry_find(Oid dboid, const char *name)
{
	for (int i = 0; i < dbct_registry->max_entries; i++)
	{
		DbctEntry  *entry = &dbct_registry->entries[i];

		if (entry->in_use && !entry->removed && entry->dboid == dboid &&
			strcmp(entry->name, name) == 0)
			return entry;
	}
	return NULL;
}

/*
 * dbct_registry_add — take a free entry for a tracking; NULL when all are used. Caller holds
 * the lock exclusively.
 */
DbctEntry *
dbct_registry_add(Oid dboid, const char *name, bool paused)
{
	for (int i = 0; i < dbct_registry->max_entries; i++)
	{
		DbctEntry  *entry = &dbct_registry->entries[i];

		if (entry->in_use)
			continue;
		entry->in_use = true;
		entry->removed = false;
		entry->drop_stream = false;
		entry->stream_dropped = false;
		entry->dboid = dboid;
		strlcpy(entry->name, name, DBCT_NAME_LEN);
		entry->generation++;
		entry->paused = paused;
		SpinLockAcquire(&entry->mutex);
		entry->pid = 0;
		entry->latch = NULL;
		entry->state = paused ? DBCT_STATE_STOPPED : DBCT_STATE_STARTING;
		entry->last_error[0] = '\0';
		entry->confirmed_lsn = InvalidXLogRecPtr;
		entry->events_total = 0;
		entry->events_per_sec = 0;
		entry->lag_ms = 0;
		entry->last_event_at = 0;
		entry->started_at = 0;
		entry->failures = 0;
		entry->next_start_at = 0;
		entry->snapshot_table[0] = '\0';
		entry->snapshot_rows = 0;
		entry->snapshot_rows_total = -1;
		entry->snapshot_tables_done = 0;
		entry->snapshot_tables_total = 0;
		SpinLockRelease(&entry->mutex);
		return entry;
	}
	return NULL;
}

/*
 * dbct_registry_forget — the worker of this generation found no catalog row for its tracking
 * (deleted from tracking_config by hand): stop starting workers for it. Its slot, if any, then
 * shows in the view orphan_slots.
 */
void
dbct_registry_forget(DbctEntry *entry, uint64 generation)
{
	LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
	if (entry->in_use && !entry->removed && entry->generation == generation)
		entry->removed = true;
	LWLockRelease(dbct_registry->lock);
	dbct_wake_launcher();
}

/*
 * dbct_wake_launcher — set the launcher's latch (after a catalog change committed).
 */
void
dbct_wake_launcher(void)
{
	Latch	   *latch;

	if (dbct_registry == NULL)
		return;
	SpinLockAcquire(&dbct_registry->mutex);
	latch = dbct_registry->launcher_latch;
	SpinLockRelease(&dbct_registry->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/*
 * dbct_wake_workers — set the latches of the workers decoding this database: a commit there
 * may have produced WAL they need. Latches live in PGPROC, so a stale pointer is harmless.
 */
void
dbct_wake_workers(Oid dboid)
{
	if (dbct_registry == NULL)
		return;
	for (int i = 0; i < dbct_registry->max_entries; i++)
	{
		DbctEntry  *entry = &dbct_registry->entries[i];
		Latch	   *latch;

		if (!entry->in_use || entry->dboid != dboid)
			continue;
		SpinLockAcquire(&entry->mutex);
		latch = entry->latch;
		SpinLockRelease(&entry->mutex);
		if (latch != NULL)
			SetLatch(latch);
	}
}

const char *
dbct_state_name(DbctState state)
{
	switch (state)
	{
		case DBCT_STATE_STOPPED:
			return "stopped";
		case DBCT_STATE_STARTING:
			return "starting";
		case DBCT_STATE_SNAPSHOTTING:
			return "snapshotting";
		case DBCT_STATE_STREAMING:
			return "streaming";
		case DBCT_STATE_RETRYING:
			return "retrying";
		case DBCT_STATE_PAUSED:
			return "paused";
		case DBCT_STATE_FAILED:
			return "failed";
	}
	return "unknown";
}

/*
 * dbct_entry_set_state — state and, when given, the last error (NULL keeps it, "" clears it).
 */
void
dbct_entry_set_state(DbctEntry *entry, DbctState state, const char *error)
{
	SpinLockAcquire(&entry->mutex);
	entry->state = state;
	if (error != NULL)
		strlcpy(entry->last_error, error, DBCT_ERROR_LEN);
	SpinLockRelease(&entry->mutex);
}
