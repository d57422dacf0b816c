/*
 * publisher_bridge.c — PostgreSQL side of the publisher's C ABI (see publisher_bridge.h).
 */
#include "postgres.h"

#include <pthread.h>
#include <signal.h>

#include "storage/ipc.h"
#include "utils/memutils.h"

#include "bridge/publisher_bridge.h"
#include "dbct/c_api/dbct.h"

struct DbctPublisher
{
	dbct_publisher *handle;
};

/* The one open publisher of this process, closed at exit so NATS sees a clean goodbye. */
static DbctPublisher *open_publisher = NULL;

static void
close_at_exit(int code, Datum arg)
{
	if (open_publisher != NULL)
		dbct_pub_close(open_publisher);
}

static DbctPubResult
result_of(dbct_status status)
{
	switch (status)
	{
		case DBCT_OK:
			return DBCT_PUB_OK;
		case DBCT_RETRY_LATER:
			return DBCT_PUB_RETRY;
		default:
			return DBCT_PUB_FAILED;
	}
}

static char *
error_of(DbctPublisher *pub)
{
	return pstrdup(dbct_publisher_error(pub->handle));
}

/*
 * dbct_pub_open — make the handle (no I/O yet).
 */
DbctPublisher *
dbct_pub_open(const DbctPublisherConfig *config)
{
	dbct_publisher_options options;
	DbctPublisher *pub;
	static bool exit_hook_registered = false;

	memset(&options, 0, sizeof(options));
	options.tracking_name = config->tracking_name;
	options.url = config->url;
	options.credentials_file = config->credentials_file;
	options.user = config->user;
	options.password = config->password;
	options.token = config->token;
	options.tls_ca = config->tls_ca;
	options.tls_cert = config->tls_cert;
	options.tls_key = config->tls_key;
	options.stream_max_messages = config->stream_max_messages;
	options.stream_max_bytes = config->stream_max_bytes;
	options.stream_max_age_ms = config->stream_max_age_ms;
	options.stream_storage = config->stream_storage;
	options.stream_replicas = config->stream_replicas;
	options.stream_duplicate_window_ms = config->stream_duplicate_window_ms;
	options.max_in_flight = config->max_in_flight;

	pub = MemoryContextAllocZero(TopMemoryContext, sizeof(DbctPublisher));
	pub->handle = dbct_publisher_open(&options);
	if (pub->handle == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	open_publisher = pub;
	if (!exit_hook_registered)
	{
		on_proc_exit(close_at_exit, (Datum) 0);
		exit_hook_registered = true;
	}
	return pub;
}

/*
 * dbct_pub_connect — connect, with every signal blocked while cnats starts its threads so
 * that they never receive PostgreSQL's signals.
 */
DbctPubResult
dbct_pub_connect(DbctPublisher *pub, char **error)
{
	sigset_t	all;
	sigset_t	previous;
	dbct_status status;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &previous);
	status = dbct_publisher_connect(pub->handle);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (status != DBCT_OK)
		*error = error_of(pub);
	return result_of(status);
}

DbctPubResult
dbct_pub_ensure_stream(DbctPublisher *pub, char **error)
{
	sigset_t	all;
	sigset_t	previous;
	dbct_status status;

	/* also subscribes to the acknowledgement inbox, which may start a cnats thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &previous);
	status = dbct_publisher_ensure_stream(pub->handle);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);

	if (status != DBCT_OK)
		*error = error_of(pub);
	return result_of(status);
}

DbctPubResult
dbct_pub_last_position(DbctPublisher *pub, char **position, char **error)
{
	const char *text = NULL;
	size_t		len = 0;
	dbct_status status = dbct_publisher_last_position(pub->handle, &text, &len);

	if (status != DBCT_OK)
	{
		*error = error_of(pub);
		return result_of(status);
	}
	*position = pnstrdup(text, len);
	return DBCT_PUB_OK;
}

bool
dbct_pub_publish(DbctPublisher *pub, const DbctOutMessage *message)
{
	dbct_publish_msg msg;
	dbct_status status;

	msg.seq = message->seq;
	msg.subject_kind = (int32_t) message->subject;
	msg.position = message->position;
	msg.position_len = message->position_len;
	msg.op = message->op;
	msg.table = message->table;
	msg.table_len = message->table_len;
	msg.key = message->key;
	msg.key_len = message->key_len;
	msg.value = message->value;
	msg.value_len = message->value_len;
	status = dbct_publisher_publish(pub->handle, &msg);
	if (status == DBCT_RETRY_LATER)
		return false;
	if (status != DBCT_OK)
		ereport(ERROR,
				(errmsg("could not publish to NATS: %s", dbct_publisher_error(pub->handle))));
	return true;
}

uint64
dbct_pub_acked(DbctPublisher *pub, char **recovering_reason)
{
	uint64_t	acked = 0;
	dbct_status status = dbct_publisher_acked(pub->handle, &acked);

	*recovering_reason = NULL;
	if (status == DBCT_RETRY_LATER)
		*recovering_reason = error_of(pub);
	else if (status != DBCT_OK)
		ereport(ERROR,
				(errmsg("NATS publisher failed: %s", dbct_publisher_error(pub->handle))));
	return acked;
}

uint64
dbct_pub_in_flight(DbctPublisher *pub)
{
	return dbct_publisher_in_flight(pub->handle);
}

void
dbct_pub_wait(DbctPublisher *pub, int timeout_ms)
{
	dbct_publisher_wait(pub->handle, timeout_ms);
}

static int32_t
tracking_state_of(DbctState state)
{
	switch (state)
	{
		case DBCT_STATE_STARTING:
			return DBCT_TRACKING_STARTING;
		case DBCT_STATE_SNAPSHOTTING:
			return DBCT_TRACKING_SNAPSHOTTING;
		case DBCT_STATE_STREAMING:
			return DBCT_TRACKING_STREAMING;
		case DBCT_STATE_RETRYING:
			return DBCT_TRACKING_RETRYING;
		case DBCT_STATE_PAUSED:
			return DBCT_TRACKING_PAUSED;
		case DBCT_STATE_FAILED:
			return DBCT_TRACKING_FAILED;
		case DBCT_STATE_STOPPED:
			break;
	}
	return DBCT_TRACKING_STOPPED;
}

/* PostgreSQL's timestamptz (µs since 2000-01-01) as ms since the Unix epoch; 0 stays 0. */
static int64_t
unix_ms(TimestampTz t)
{
	if (t == 0)
		return 0;
	return (t + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY) / 1000;
}

/*
 * dbct_pub_put_status — hand the report to the library, which writes the status JSON.
 */
char *
dbct_pub_put_status(DbctPublisher *pub, const DbctStatusReport *report, bool wait)
{
	dbct_tracking_status st;
	char		lsn[32];

	memset(&st, 0, sizeof(st));
	st.state = tracking_state_of(report->state);
	st.position = report->position;
	st.events_total = report->events_total;
	st.events_per_sec = report->events_per_sec;
	st.lag_ms = report->lag_ms;
	st.last_event_at_ms = unix_ms(report->last_event_at);
	st.last_error = report->last_error;
	st.has_snapshot = report->has_snapshot;
	st.snapshot_table = report->snapshot_table;
	st.snapshot_tables_done = report->snapshot_tables_done;
	st.snapshot_tables_total = report->snapshot_tables_total;
	st.snapshot_rows_done = report->snapshot_rows_done;
	st.snapshot_rows_total = report->snapshot_rows_total;
	st.slot_name = report->slot_name;
	if (report->confirmed_lsn != InvalidXLogRecPtr)
	{
		snprintf(lsn, sizeof(lsn), "%X/%X", LSN_FORMAT_ARGS(report->confirmed_lsn));
		st.confirmed_lsn = lsn;
	}
	st.retained_wal_bytes = report->retained_wal_bytes;
	if (dbct_publisher_put_status(pub->handle, &st, wait ? 1 : 0) != DBCT_OK)
		return error_of(pub);
	return NULL;
}

DbctPubResult
dbct_pub_get_offset(DbctPublisher *pub, char **position, char **error)
{
	const char *text = NULL;
	size_t		len = 0;
	dbct_status status = dbct_publisher_get_offset(pub->handle, &text, &len);

	if (status != DBCT_OK)
	{
		*error = error_of(pub);
		return result_of(status);
	}
	*position = pnstrdup(text, len);
	return DBCT_PUB_OK;
}

char *
dbct_pub_put_offset(DbctPublisher *pub, const char *position, bool wait)
{
	if (dbct_publisher_put_offset(pub->handle, position, strlen(position), wait ? 1 : 0) != DBCT_OK)
		return error_of(pub);
	return NULL;
}

char *
dbct_pub_log(DbctPublisher *pub, const char *level, const char *message, const char *fields_json)
{
	if (dbct_publisher_log(pub->handle, level, message, fields_json) != DBCT_OK)
		return error_of(pub);
	return NULL;
}

DbctPubResult
dbct_pub_delete_stream(DbctPublisher *pub, char **error)
{
	dbct_status status = dbct_publisher_delete_stream(pub->handle);

	if (status != DBCT_OK)
		*error = error_of(pub);
	return result_of(status);
}

void
dbct_pub_close(DbctPublisher *pub)
{
	if (pub == NULL || pub->handle == NULL)
		return;
	dbct_publisher_close(pub->handle);
	pub->handle = NULL;
	if (open_publisher == pub)
		open_publisher = NULL;
}
