/*
 * dbchangetracking.h — what the module's parts share: GUC values and entry points.
 */
#ifndef DBCHANGETRACKING_H
#define DBCHANGETRACKING_H

#include "postgres.h"

/* GUCs (dbchangetracking.*) */
extern char *dbct_nats_url;
extern char *dbct_nats_credentials;
extern char *dbct_nats_tls_ca;
extern char *dbct_nats_tls_cert;
extern char *dbct_nats_tls_key;
extern int	dbct_max_in_flight;

#include "access/xact.h"

/* api/registry_api.c: registry changes queued by the SQL API, applied at commit */
extern void dbct_apply_pending_changes(void);
extern void dbct_forget_pending_changes(void);
extern void dbct_abort_pending_changes(void);
extern void dbct_pending_changes_subxact(SubXactEvent event, SubTransactionId mySubid,
										 SubTransactionId parentSubid);

/* api/slot_actions.c: the slots of track() and untrack() follow their transaction */
extern void dbct_slot_actions_pre_commit(void);
extern void dbct_slot_actions_pre_prepare(void);
extern void dbct_slot_actions_commit(void);
extern void dbct_slot_actions_abort(void);
extern void dbct_slot_actions_subxact(SubXactEvent event, SubTransactionId mySubid,
									  SubTransactionId parentSubid);

/* background worker entry points */
extern PGDLLEXPORT void dbct_launcher_main(Datum arg);
extern PGDLLEXPORT void dbct_discovery_main(Datum arg);
extern PGDLLEXPORT void dbct_tracking_main(Datum arg);

#endif							/* DBCHANGETRACKING_H */
