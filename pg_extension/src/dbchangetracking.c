/*
 * dbchangetracking.c — module entry: PG_MODULE_MAGIC, GUCs, shared memory, the launcher, and
 * the commit callback that wakes the workers.
 *
 * Loaded in every backend (shared_preload_libraries), so the commit callback here is what lets
 * a worker sleep on its latch instead of polling for WAL: a background worker is not a
 * walsender, and nothing else tells it that a transaction committed.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/guc.h"

#include "dbchangetracking.h"
#include "worker/registry.h"

PG_MODULE_MAGIC;

char	   *dbct_nats_url = NULL;
char	   *dbct_nats_credentials = NULL;
char	   *dbct_nats_tls_ca = NULL;
char	   *dbct_nats_tls_cert = NULL;
char	   *dbct_nats_tls_key = NULL;
int			dbct_max_in_flight = 4096;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Whether the committing transaction wrote WAL (learned at pre-commit). */
static bool xact_wrote = false;

void		_PG_init(void);

static void
dbct_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	dbct_registry_request();
}

static void
dbct_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	dbct_registry_startup();
}

/*
 * dbct_xact_callback — at commit, wake the workers of this database if the transaction wrote
 * something, and apply the registry changes the SQL API queued in it; the slots of track() and
 * untrack() follow the transaction's outcome.
 */
static void
dbct_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			dbct_slot_actions_pre_commit();
			xact_wrote = TransactionIdIsValid(GetTopTransactionIdIfAny());
			break;
		case XACT_EVENT_PRE_PREPARE:
			dbct_slot_actions_pre_prepare();
			break;
		case XACT_EVENT_COMMIT:
			if (xact_wrote)
				dbct_wake_workers(MyDatabaseId);
			xact_wrote = false;
			dbct_slot_actions_commit();
			dbct_apply_pending_changes();
			break;
		case XACT_EVENT_ABORT:
			xact_wrote = false;
			dbct_slot_actions_abort();
			dbct_abort_pending_changes();
			break;
		default:
			break;
	}
}

/* dbct_subxact_callback — a savepoint rolled back or released (see dbct_xact_callback). */
static void
dbct_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	dbct_slot_actions_subxact(event, mySubid, parentSubid);
	dbct_pending_changes_subxact(event, mySubid, parentSubid);
}

static void
define_gucs(void)
{
	DefineCustomStringVariable("dbchangetracking.nats_url",
							   "Default NATS server URL(s) of trackings that name none.",
							   "Comma-separated list; a tracking's options.nats.url wins.",
							   &dbct_nats_url, "nats://127.0.0.1:4222",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("dbchangetracking.nats_credentials",
							   "Default NATS credentials file (.creds).",
							   NULL, &dbct_nats_credentials, "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomStringVariable("dbchangetracking.nats_tls_ca",
							   "CA certificate file to verify the NATS server.",
							   NULL, &dbct_nats_tls_ca, "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomStringVariable("dbchangetracking.nats_tls_cert",
							   "Client certificate file for NATS.",
							   NULL, &dbct_nats_tls_cert, "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomStringVariable("dbchangetracking.nats_tls_key",
							   "Client key file for NATS.",
							   NULL, &dbct_nats_tls_key, "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	/* PGC_POSTMASTER variables can only be made while preloading */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("dbchangetracking.max_workers",
								"Maximum number of trackings (one background worker each).",
								"Also count them in max_worker_processes.",
								&dbct_max_workers, 8, 1, 1024,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("dbchangetracking.max_in_flight",
							"Maximum number of NATS publishes awaiting acknowledgement per tracking.",
							NULL, &dbct_max_in_flight, 4096, 1, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("dbchangetracking");
}

static void
register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "dbchangetracking");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "dbct_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "dbchangetracking launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "dbchangetracking launcher");
	RegisterBackgroundWorker(&worker);
}

/*
 * _PG_init — GUCs always; shared memory, the launcher and the commit callback only when
 * preloaded (loaded later, the library can still serve the output plugin and the SQL API,
 * which then says that it must be preloaded).
 */
void
_PG_init(void)
{
	define_gucs();

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = dbct_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = dbct_shmem_startup;

	register_launcher();
	RegisterXactCallback(dbct_xact_callback, NULL);
	RegisterSubXactCallback(dbct_subxact_callback, NULL);
}
