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

/* api/registry_changes.c: registry changes queued by the SQL API, applied at commit */
extern void dbct_apply_pending_changes(void);
extern void dbct_forget_pending_changes(void);

/* background worker entry points */
extern PGDLLEXPORT void dbct_launcher_main(Datum arg);
extern PGDLLEXPORT void dbct_discovery_main(Datum arg);
extern PGDLLEXPORT void dbct_tracking_main(Datum arg);

#endif							/* DBCHANGETRACKING_H */
