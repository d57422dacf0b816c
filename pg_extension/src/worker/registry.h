/*
 * registry.h — the trackings known to this server, in shared memory.
 *
 * One entry per tracking (database, name). The catalog table dbchangetracking.trackings is the
 * truth; this registry is its running copy: filled at server start by a discovery worker per
 * database and kept current by the SQL API at commit. The launcher starts a worker for every
 * entry that is not paused; the worker keeps its state and counters here for the status view.
 */
#ifndef DBCT_WORKER_REGISTRY_H
#define DBCT_WORKER_REGISTRY_H

#include "postgres.h"

#include "access/xlogdefs.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#define DBCT_NAME_LEN 64		/* 63 characters + NUL (SPEC §2) */
#define DBCT_ERROR_LEN 512

typedef enum DbctState
{
	DBCT_STATE_STOPPED = 0,
	DBCT_STATE_STARTING,
	DBCT_STATE_SNAPSHOTTING,
	DBCT_STATE_STREAMING,
	DBCT_STATE_RETRYING,
	DBCT_STATE_PAUSED,
	DBCT_STATE_FAILED
} DbctState;

typedef struct DbctEntry
{
	/* set under the registry lock */
	bool		in_use;
	Oid			dboid;
	char		name[DBCT_NAME_LEN];
	uint64		generation;		/* bumped whenever the entry is (re)used or its worker must
								 * restart with new settings */
	bool		paused;
	bool		removed;		/* untracked: the worker stops, the launcher frees the entry */
	bool		drop_stream;	/* with removed: the worker deletes the stream before exiting */
	bool		stream_dropped; /* the drop was attempted (by the worker) */

	/* written by the entry's worker, read by anyone (under mutex) */
	slock_t		mutex;
	pid_t		pid;
	Latch	   *latch;			/* the worker's latch, woken by commits in its database */
	DbctState	state;			/* what the worker does; never 'paused', which is only
								 * the wish above (see dbct_status_rows) */
	char		last_error[DBCT_ERROR_LEN];
	XLogRecPtr	confirmed_lsn;
	uint64		events_total;
	double		events_per_sec;
	int64		lag_ms;
	TimestampTz last_event_at;
	TimestampTz started_at;
	int			failures;		/* consecutive failed attempts: backoff of the next start */
	TimestampTz next_start_at;
	/* snapshot progress */
	char		snapshot_table[2 * NAMEDATALEN + 2];
	uint64		snapshot_rows;	/* rows of snapshot_table published */
	int64		snapshot_rows_total;	/* its estimated row count; -1: unknown */
	int			snapshot_tables_done;
	int			snapshot_tables_total;
} DbctEntry;

typedef struct DbctRegistry
{
	LWLock	   *lock;
	slock_t		mutex;			/* launcher_latch, dirty database list */
	Latch	   *launcher_latch;
	pid_t		launcher_pid;
	bool		discovered;		/* every database was scanned since server start */
	int			max_entries;
	DbctEntry	entries[FLEXIBLE_ARRAY_MEMBER];
} DbctRegistry;

extern DbctRegistry *dbct_registry;
extern int	dbct_max_workers;

extern void dbct_registry_request(void);
extern void dbct_registry_startup(void);
extern void dbct_require_registry(void);

extern DbctEntry *dbct_registry_find(Oid dboid, const char *name);
extern DbctEntry *dbct_registry_add(Oid dboid, const char *name, bool paused);
extern void dbct_registry_forget(DbctEntry *entry, uint64 generation);
extern void dbct_wake_launcher(void);
extern void dbct_wake_workers(Oid dboid);
extern const char *dbct_state_name(DbctState state);
extern void dbct_entry_set_state(DbctEntry *entry, DbctState state, const char *error);

#endif							/* DBCT_WORKER_REGISTRY_H */
