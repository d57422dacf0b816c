/*
 * publisher_bridge.h — the worker's view of the NATS publisher (shared/src/c_api/publisher.cpp).
 *
 * Only the bridge includes dbct.h; the worker sees an opaque handle and PostgreSQL-style
 * results: failures that end the attempt are ereport(ERROR) raised after the C++ call has
 * returned; "not now" outcomes are return values carrying the reason.
 */
#ifndef DBCT_BRIDGE_PUBLISHER_BRIDGE_H
#define DBCT_BRIDGE_PUBLISHER_BRIDGE_H

#include "postgres.h"

#include "access/xlogdefs.h"
#include "utils/timestamp.h"

#include "worker/registry.h"

typedef struct DbctPublisher DbctPublisher;

typedef enum DbctPubResult
{
	DBCT_PUB_OK = 0,
	DBCT_PUB_RETRY,				/* not now: the reason is in *error */
	DBCT_PUB_FAILED				/* will not work as configured: the reason is in *error */
} DbctPubResult;

typedef enum DbctPubSubject
{
	DBCT_PUB_CHANGE = 0,
	DBCT_PUB_TRANSACTION,
	DBCT_PUB_MESSAGE,
	DBCT_PUB_HEARTBEAT
} DbctPubSubject;

typedef struct DbctPublisherConfig
{
	const char *tracking_name;
	const char *url;
	const char *credentials_file;
	const char *user;
	const char *password;
	const char *token;
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
	int64		stream_max_messages;
	int64		stream_max_bytes;
	int64		stream_max_age_ms;
	const char *stream_storage;
	int32		stream_replicas;
	int64		stream_duplicate_window_ms;
	int32		max_in_flight;
} DbctPublisherConfig;

typedef struct DbctOutMessage
{
	uint64		seq;
	DbctPubSubject subject;
	const char *position;
	size_t		position_len;
	char		op;
	const char *table;
	size_t		table_len;
	const char *key;
	size_t		key_len;
	const char *value;
	size_t		value_len;
} DbctOutMessage;

/* A status report; the library writes the JSON (the same writer as the sidecars'). */
typedef struct DbctStatusReport
{
	DbctState	state;
	const char *position;		/* last acknowledged Dbct-Position, or NULL */
	uint64		events_total;
	double		events_per_sec;
	int64		lag_ms;			/* -1: unknown */
	TimestampTz last_event_at;	/* 0: never */
	const char *last_error;		/* NULL or "": none */
	bool		has_snapshot;
	const char *snapshot_table;
	int64		snapshot_tables_done;
	int64		snapshot_tables_total;
	int64		snapshot_rows_done;
	int64		snapshot_rows_total;	/* -1: unknown */
	const char *slot_name;
	XLogRecPtr	confirmed_lsn;
	int64		retained_wal_bytes; /* -1: unknown */
} DbctStatusReport;

/* The handle is freed by dbct_pub_close or at process exit. */
extern DbctPublisher *dbct_pub_open(const DbctPublisherConfig *config);
extern DbctPubResult dbct_pub_connect(DbctPublisher *pub, char **error);
extern DbctPubResult dbct_pub_ensure_stream(DbctPublisher *pub, char **error);
extern DbctPubResult dbct_pub_last_position(DbctPublisher *pub, char **position, char **error);
/* false: max_in_flight reached, poll and try again. ERROR on failure. */
extern bool dbct_pub_publish(DbctPublisher *pub, const DbctOutMessage *message);
/* The ack watermark; *recovering_reason is set (palloc'd) while the publisher resends. */
extern uint64 dbct_pub_acked(DbctPublisher *pub, char **recovering_reason);
extern uint64 dbct_pub_in_flight(DbctPublisher *pub);
extern void dbct_pub_wait(DbctPublisher *pub, int timeout_ms);
/* Best effort: failures are returned as text, never raised. wait: for the acknowledgement. */
extern char *dbct_pub_put_status(DbctPublisher *pub, const DbctStatusReport *report, bool wait);
extern char *dbct_pub_log(DbctPublisher *pub, const char *level, const char *message,
						  const char *fields_json);
/* The offsets entry (KV dbchangetracking-offsets): *position "" when none. */
extern DbctPubResult dbct_pub_get_offset(DbctPublisher *pub, char **position, char **error);
extern char *dbct_pub_put_offset(DbctPublisher *pub, const char *position, bool wait);
extern DbctPubResult dbct_pub_delete_stream(DbctPublisher *pub, char **error);
extern void dbct_pub_close(DbctPublisher *pub);

#endif							/* DBCT_BRIDGE_PUBLISHER_BRIDGE_H */
