/*
 * tracking_worker.h — what the parts of a tracking worker share.
 */
#ifndef DBCT_WORKER_TRACKING_WORKER_H
#define DBCT_WORKER_TRACKING_WORKER_H

#include "postgres.h"

#include "access/xlogdefs.h"
#include "nodes/pg_list.h"
#include "replication/logical.h"

/* Position of an event (frame.h): compared as a tuple. */
typedef struct DbctPosition
{
	XLogRecPtr	commit_lsn;
	XLogRecPtr	lsn;
	uint32		index;
} DbctPosition;

extern int	dbct_format_position(char *buf, size_t size, const DbctPosition *pos);
extern bool dbct_parse_position(const char *text, DbctPosition *pos);
extern int	dbct_compare_position(const DbctPosition *a, const DbctPosition *b);

/* A tracking's catalog row, read by the worker (worker/config.c). NULL strings: not set. */
typedef struct DbctTrackingConfig
{
	char	   *name;
	char	   *tables;			/* "schema.table,..." as stored by track() */
	char	   *slot_name;
	char	   *catalog_state;	/* 'snapshot' or 'streaming' */
	char	   *snapshot_mode;	/* initial, never, no_data */
	List	   *plugin_options; /* DefElem list for the output plugin, without framed/name */

	char	   *nats_url;
	char	   *nats_credentials;
	char	   *nats_user;
	char	   *nats_password;
	char	   *nats_token;
	char	   *nats_tls_ca;
	char	   *nats_tls_cert;
	char	   *nats_tls_key;
	int64		stream_max_messages;
	int64		stream_max_bytes;
	int64		stream_max_age_ms;
	char	   *stream_storage;
	int32		stream_replicas;
	int64		stream_duplicate_window_ms;
	int64		confirm_delay_ms;
	int64		heartbeat_interval_ms;	/* 0: no heartbeats */
} DbctTrackingConfig;

/* worker/config.c */
extern bool dbct_load_tracking_config(const char *name, DbctTrackingConfig *config);
extern List *dbct_plugin_options(const DbctTrackingConfig *config);
extern int64 dbct_parse_duration_ms(const char *text, const char *option);

/* snapshot/snapshot.c: initial snapshot and snapshot() re-reads, driven by the worker loop */
extern void dbct_snapshot_prepare(const DbctTrackingConfig *config);
/* Does one step of snapshot work; false when there is none left. */
extern bool dbct_snapshot_step(LogicalDecodingContext *ctx);
/* Sees every frame the plugin writes (watermarks arrive as logical messages). */
extern void dbct_snapshot_on_frame(const char *data, Size len);
extern void dbct_snapshot_note_row(void);
/* True while a decoded chunk waits to be published: decoding must stop until it is. */
extern bool dbct_snapshot_holds_decoding(void);

/* tracking_worker.c, for the snapshot */
struct DbctEntry;
extern uint64 dbct_worker_publish_row(const DbctPosition *pos, const char *table,
									  size_t table_len, const char *key, size_t key_len,
									  const char *value, size_t value_len);
extern bool dbct_worker_acked_through(uint64 seq, int wait_ms);
extern bool dbct_worker_resume_position(DbctPosition *pos);
extern struct DbctEntry *dbct_worker_entry(void);
/* A notable line to the server log and the tracking's NATS log stream (level "info",
 * "warning", "error"; fields_json a JSON object or NULL). */
extern void dbct_worker_log(const char *level, const char *fields_json, const char *message);

#endif							/* DBCT_WORKER_TRACKING_WORKER_H */
