/*
 * dbct.h — the one C ABI between PostgreSQL code (pg_extension/) and the C++ event library.
 *
 * Rules (STYLE.md, "Inside PostgreSQL: one boundary, kept small"):
 *  - Only pg_extension/src/bridge/ includes this header.
 *  - Every function here catches all C++ exceptions at its edge and reports them as a status
 *    plus an error text kept on the handle (dbct_writer_error). Nothing here calls PostgreSQL.
 *  - One call per change, not per column: the caller describes a whole row in plain structs
 *    whose memory it owns (for PostgreSQL: a memory context reset after every change).
 *  - Output buffers are owned by the handle and stay valid until the next call on it.
 */
#ifndef DBCT_C_API_DBCT_H
#define DBCT_C_API_DBCT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dbct_status {
  DBCT_OK = 0,
  DBCT_ERROR = 1,      /* failed; the error text is on the handle */
  DBCT_RETRY_LATER = 2 /* not now (bound reached, not connected yet): try again later */
} dbct_status;

/* ---- handling modes (Debezium's names in comments) ---------------------------------------- */

typedef enum dbct_decimal_mode {
  DBCT_DECIMAL_PRECISE = 0, /* decimal.handling.mode=precise: base64 of unscaled two's complement */
  DBCT_DECIMAL_DOUBLE = 1,  /* double: JSON number */
  DBCT_DECIMAL_STRING = 2   /* string: "1.23" */
} dbct_decimal_mode;

typedef enum dbct_time_precision_mode {
  DBCT_TIME_ADAPTIVE = 0,                   /* adaptive (PostgreSQL default) */
  DBCT_TIME_ADAPTIVE_TIME_MICROSECONDS = 1, /* adaptive_time_microseconds */
  DBCT_TIME_CONNECT = 2                     /* connect: always milliseconds */
} dbct_time_precision_mode;

typedef enum dbct_binary_mode {
  DBCT_BINARY_BYTES = 0, /* bytes: base64 in JSON (Kafka BYTES through the JSON converter) */
  DBCT_BINARY_BASE64 = 1,
  DBCT_BINARY_BASE64_URL_SAFE = 2,
  DBCT_BINARY_HEX = 3
} dbct_binary_mode;

typedef enum dbct_interval_mode {
  DBCT_INTERVAL_NUMERIC = 0, /* numeric: int64 microseconds, month = 365.25/12 days */
  DBCT_INTERVAL_STRING = 1   /* string: ISO-8601 "P1Y2M3DT4H5M6.78S" */
} dbct_interval_mode;

typedef struct dbct_value_modes {
  int32_t decimal_mode;        /* dbct_decimal_mode */
  int32_t time_precision_mode; /* dbct_time_precision_mode */
  int32_t binary_mode;         /* dbct_binary_mode */
  int32_t interval_mode;       /* dbct_interval_mode */
} dbct_value_modes;

/* ---- values -------------------------------------------------------------------------------- */

typedef enum dbct_value_kind {
  DBCT_V_NULL = 0,
  DBCT_V_BOOL,        /* i64: 0 or 1 */
  DBCT_V_INT64,       /* i64 (smallint, integer, bigint, oid...) */
  DBCT_V_FLOAT32,     /* f64 holds the float value; NaN/Infinity become strings */
  DBCT_V_FLOAT64,     /* f64 */
  DBCT_V_STRING,      /* data/len: UTF-8 text, JSON-escaped by the writer (text, json, uuid...) */
  DBCT_V_DECIMAL,     /* data/len: decimal text "-123.45", "NaN", "Infinity"; scale: declared
                         scale, or -1 for a numeric without scale (VariableScaleDecimal) */
  DBCT_V_MONEY,       /* data/len: decimal text without currency symbol; scale: fraction digits */
  DBCT_V_BYTES,       /* data/len: raw octets, encoded by binary mode */
  DBCT_V_BITS,        /* data/len: bit string text "0101"; precision: declared length
                         (bit(1) -> bool, otherwise io.debezium.data.Bits bytes) */
  DBCT_V_DATE,        /* i64: days since 1970-01-01; infinity flags in `special` */
  DBCT_V_TIME,        /* i64: microseconds since midnight; precision: fractional digits (-1 = 6) */
  DBCT_V_TIMETZ,      /* i64: microseconds since midnight (local); zone_seconds: offset east of
                         UTC in seconds; precision */
  DBCT_V_TIMESTAMP,   /* i64: microseconds since 1970-01-01 00:00 (no zone); precision */
  DBCT_V_TIMESTAMPTZ, /* i64: microseconds since the epoch, UTC; precision */
  DBCT_V_INTERVAL,    /* months, days, i64 = microseconds */
  DBCT_V_UNAVAILABLE, /* an unchanged TOASTed value: the unavailable-value placeholder;
                         i64 says its form (Debezium UnchangedToastedPlaceholder):
                         0 text column: the placeholder string,
                         1 bytea: the placeholder's bytes, encoded by binary mode,
                         2 array: a one-element array holding the placeholder string,
                         3 hstore (json mode): a string of {"<placeholder>":"<placeholder>"},
                         4 hstore (map mode): that object */
  DBCT_V_ARRAY,       /* elements/count: JSON array of the elements */
  DBCT_V_RAW_JSON,    /* data/len: already valid JSON text, copied verbatim (e.g. a struct) */
  DBCT_V_POINT,       /* data/len: 16 bytes, the doubles x then y in native byte order;
                         io.debezium.data.geometry.Point {"x","y","wkb","srid"} */
  DBCT_V_HSTORE       /* data/len: hstore's text form ("k"=>"v", "n"=>NULL); i64: 0 written as
                         a JSON string of the object (hstore.handling.mode=json), 1 as the
                         object (map) */
} dbct_value_kind;

typedef enum dbct_special {
  DBCT_SPECIAL_NONE = 0,
  DBCT_SPECIAL_POS_INFINITY = 1, /* date/timestamp 'infinity' */
  DBCT_SPECIAL_NEG_INFINITY = 2  /* '-infinity' */
} dbct_special;

typedef struct dbct_value dbct_value;
struct dbct_value {
  int32_t kind;      /* dbct_value_kind */
  int32_t special;   /* dbct_special */
  int32_t precision; /* see kinds; -1 when not declared */
  int32_t scale;     /* see kinds; -1 when not declared */
  int64_t i64;
  double f64;
  int32_t months;       /* DBCT_V_INTERVAL */
  int32_t days;         /* DBCT_V_INTERVAL */
  int32_t zone_seconds; /* DBCT_V_TIMETZ */
  const char* data;
  size_t len;
  const dbct_value* elements; /* DBCT_V_ARRAY */
  size_t count;               /* DBCT_V_ARRAY */
  /* Value modes can be overridden per value by the caller by passing the right kind; the
   * writer applies its configured modes. */
};

typedef struct dbct_column {
  const char* name;
  size_t name_len;
  dbct_value value;
} dbct_column;

typedef struct dbct_row {
  const dbct_column* columns;
  size_t count;
} dbct_row;

/* ---- PostgreSQL source block --------------------------------------------------------------- */

typedef struct dbct_pg_source {
  const char* name;      /* source.name: the tracking name (or the plugin's `name` option) */
  const char* db;        /* database name */
  const char* schema;    /* "" for messages */
  const char* table;     /* "" for messages */
  const char* snapshot;  /* "false", "true", "first", "last", "incremental", ... */
  int64_t ts_ms;         /* commit time, ms since epoch */
  int64_t tx_id;         /* -1: null */
  int64_t lsn;           /* -1: null; LSN of this change */
  int64_t xmin;          /* -1: null */
  int64_t last_commit_lsn; /* -1: null; first element of source.sequence */
  int64_t ts_us;         /* commit time in µs since epoch (source.ts_us/ts_ns); 0 -> ts_ms*1000 */
} dbct_pg_source;

/* Per-event transaction block (provide.transaction.metadata). */
typedef struct dbct_tx_block {
  const char* id; /* "<txid>:<lsn>" */
  int64_t total_order;
  int64_t data_collection_order;
} dbct_tx_block;

typedef struct dbct_change {
  char op;                   /* 'c','u','d','r','t','m' */
  const dbct_pg_source* source;
  const dbct_row* before;    /* NULL -> "before": null (omitted for t and m) */
  const dbct_row* after;     /* NULL -> "after": null (omitted for t and m) */
  const dbct_row* key;       /* NULL -> no key (truncate): written to the key buffer as null */
  const dbct_tx_block* transaction; /* NULL -> "transaction": null */
  const char* message_prefix;       /* op 'm' */
  const char* message_content;      /* op 'm': raw bytes, written as base64 */
  size_t message_content_len;
  int64_t ts_ms; /* envelope ts_ms: when the event was made; 0 -> now */
} dbct_change;

/* Transaction boundary event: BEGIN (collections NULL) or END. */
typedef struct dbct_tx_collection_count {
  const char* data_collection; /* "schema.table" */
  int64_t event_count;
} dbct_tx_collection_count;

typedef struct dbct_tx_boundary {
  int is_end;
  const char* id;
  int64_t ts_ms;
  int64_t event_count; /* END only */
  const dbct_tx_collection_count* collections;
  size_t collection_count;
} dbct_tx_boundary;

/* ---- the event writer ---------------------------------------------------------------------- */

typedef struct dbct_writer_options {
  dbct_value_modes modes;
  const char* unavailable_value_placeholder; /* NULL -> "__debezium_unavailable_value" */
  int deterministic; /* nonzero: envelope ts_ms written as 0 (regression tests) */
} dbct_writer_options;

typedef struct dbct_writer dbct_writer;

/* Returns NULL only when out of memory. A bad option leaves an error on the handle. */
dbct_writer* dbct_writer_create(const dbct_writer_options* options);
void dbct_writer_destroy(dbct_writer* writer);
/* Error text of the last failed call, or "" when none. */
const char* dbct_writer_error(const dbct_writer* writer);

/* Writes one change event. *value_json, *value_len: the event body; *key_json, *key_len: the key
 * object (Dbct-Key header / message key), "null" when the change has none. */
dbct_status dbct_write_change(dbct_writer* writer, const dbct_change* change,
                              const char** value_json, size_t* value_len, const char** key_json,
                              size_t* key_len);

dbct_status dbct_write_tx_boundary(dbct_writer* writer, const dbct_tx_boundary* boundary,
                                   const char** json, size_t* len);

/* The library's version string (source.version). */
const char* dbct_version(void);

/* ---- the NATS publisher (used by the in-server worker) ------------------------------------
 *
 * One handle per tracking, created and used by one thread (the worker's main thread). It owns
 * a cnats connection: create it only inside the worker process, never in the postmaster. cnats
 * threads are started with all signals blocked. Nothing here calls back into the caller.
 *
 * Publishing is asynchronous with a bounded number of messages in flight. The caller numbers
 * its messages with increasing sequence numbers (1, 2, ...); dbct_publisher_acked() returns
 * the highest of them such that it and every earlier one are acknowledged by JetStream. A
 * message that JetStream refuses, or whose acknowledgement is lost, puts the handle into a
 * failed state: every later call returns DBCT_ERROR and the caller starts over from its last
 * confirmed position (the stream's last Dbct-Position and the duplicate window make that
 * exactly once). */

typedef struct dbct_publisher dbct_publisher;

typedef enum dbct_subject_kind {
  DBCT_SUBJECT_CHANGE = 0,      /* dbchangetracking.N */
  DBCT_SUBJECT_TRANSACTION = 1, /* dbchangetracking.N.transaction */
  DBCT_SUBJECT_MESSAGE = 2,     /* dbchangetracking.N.message */
  DBCT_SUBJECT_HEARTBEAT = 3    /* dbchangetracking.N.heartbeat */
} dbct_subject_kind;

/* Strings may be NULL or "" for "not set". Numbers <= 0 (or < -1 where -1 means "unlimited")
 * take the SPEC §4 defaults as noted. */
typedef struct dbct_publisher_options {
  const char* tracking_name;    /* required: N */
  const char* url;              /* comma-separated server URLs; NULL: $NATS_URL or default */
  const char* credentials_file; /* .creds file */
  const char* user;
  const char* password;
  const char* token;
  const char* tls_ca;
  const char* tls_cert;
  const char* tls_key;
  int64_t stream_max_messages;       /* 0: 512; -1: unlimited */
  int64_t stream_max_bytes;          /* 0 or -1: unlimited */
  int64_t stream_max_age_ms;         /* 0: unlimited */
  const char* stream_storage;        /* "file" (default) or "memory" */
  int32_t stream_replicas;           /* 0: 1 */
  int64_t stream_duplicate_window_ms; /* 0: 2 minutes */
  int32_t max_in_flight;             /* 0: 4096 */
  int32_t connect_timeout_ms;        /* 0: 5000 */
} dbct_publisher_options;

/* One message. Strings are not NUL-terminated; the publisher copies what it keeps. */
typedef struct dbct_publish_msg {
  uint64_t seq;       /* caller's sequence number, strictly increasing from 1 */
  int32_t subject_kind; /* dbct_subject_kind */
  const char* position; /* Dbct-Position; Nats-Msg-Id is "N:<position>". A heartbeat carries
                           the position of the newest event acknowledged before it (len 0:
                           none), which a restart resumes after (dbct_publisher_last_position
                           reads heartbeats too); its Nats-Msg-Id "N:heartbeat:<ms>.<n>" is
                           made unique by the publisher */
  size_t position_len;
  char op;              /* Dbct-Op; 0: header omitted */
  const char* table;    /* Dbct-Table; len 0: omitted */
  size_t table_len;
  const char* key;      /* Dbct-Key (JSON); len 0: omitted */
  size_t key_len;
  const char* value;    /* message body */
  size_t value_len;
} dbct_publish_msg;

/* Creates the handle without any I/O. NULL only when out of memory; bad options leave an
 * error on the handle that dbct_publisher_connect returns. */
dbct_publisher* dbct_publisher_open(const dbct_publisher_options* options);
/* Connects (waiting up to connect_timeout_ms). DBCT_RETRY_LATER: NATS not reachable now (the
 * reason is the error text); DBCT_ERROR: bad settings (credentials/TLS files, URL) or NATS
 * refused them (credentials, TLS): the caller retries with backoff, as NATS may be fixed.
 * A connection that cnats closed for good is replaced by a new one here. */
dbct_status dbct_publisher_connect(dbct_publisher* publisher);
/* Creates the tracking's stream or brings it to the configured settings. */
dbct_status dbct_publisher_ensure_stream(dbct_publisher* publisher);
/* The Dbct-Position header of the stream's last message with one (events and heartbeats);
 * *len 0 when there is none. */
dbct_status dbct_publisher_last_position(dbct_publisher* publisher, const char** position,
                                         size_t* len);
/* Queues one message; queued messages go out in bursts of 32, and all of them at the next
 * dbct_publisher_acked() or dbct_publisher_wait() (call one before sleeping).
 * DBCT_RETRY_LATER: max_in_flight reached, wait and call again. */
dbct_status dbct_publisher_publish(dbct_publisher* publisher, const dbct_publish_msg* message);
/* *acked: highest seq acknowledged together with every earlier one (0: none). DBCT_ERROR
 * once any message failed, or when cnats closed the connection for good (credentials refused
 * on reconnect): start over with dbct_publisher_open and connect. */
dbct_status dbct_publisher_acked(dbct_publisher* publisher, uint64_t* acked);
/* Messages published and not yet acknowledged. */
uint64_t dbct_publisher_in_flight(const dbct_publisher* publisher);
/* Waits up to timeout_ms for an acknowledgement or a failure (not for a signal: keep it short
 * and check for interrupts between calls). */
void dbct_publisher_wait(dbct_publisher* publisher, int32_t timeout_ms);
/* A tracking's state (SPEC §4 status states). */
typedef enum dbct_tracking_state {
  DBCT_TRACKING_STARTING = 0,
  DBCT_TRACKING_SNAPSHOTTING = 1,
  DBCT_TRACKING_STREAMING = 2,
  DBCT_TRACKING_RETRYING = 3,
  DBCT_TRACKING_PAUSED = 4,
  DBCT_TRACKING_STOPPED = 5,
  DBCT_TRACKING_FAILED = 6
} dbct_tracking_state;

/* What the worker reports; the library writes it as the one status JSON of SPEC §4 (the same
 * writer the sidecars use). Times are milliseconds since the Unix epoch, 0 for "never".
 * Strings may be NULL or "" for "not set". */
typedef struct dbct_tracking_status {
  int32_t state;            /* dbct_tracking_state */
  const char* position;     /* the last acknowledged Dbct-Position */
  uint64_t events_total;
  double events_per_sec;
  int64_t lag_ms;           /* -1: unknown */
  int64_t last_event_at_ms;
  const char* last_error;
  /* snapshot progress, written when has_snapshot is nonzero */
  int32_t has_snapshot;
  const char* snapshot_table;
  int64_t snapshot_tables_done;
  int64_t snapshot_tables_total;
  int64_t snapshot_rows_done;
  int64_t snapshot_rows_total; /* -1: unknown */
  /* PostgreSQL slot */
  const char* slot_name;
  const char* confirmed_lsn;   /* "X/X" */
  int64_t retained_wal_bytes;  /* -1: unknown */
} dbct_tracking_status;

/* Writes the status to KV bucket dbchangetracking-status, key N. wait nonzero: waits for
 * JetStream's acknowledgement (the last status before stopping); zero: fire and forget, so a
 * NATS outage never blocks the caller. */
dbct_status dbct_publisher_put_status(dbct_publisher* publisher,
                                      const dbct_tracking_status* status, int wait);
/* Appends one log line to stream dbchangetracking-logs, subject dbchangetracking.logs.N (the
 * one log line form of SPEC §4). level: "debug", "info", "warning", "error"; fields_json: a
 * JSON object or NULL. Not to stderr: the caller writes its own log. */
dbct_status dbct_publisher_log(dbct_publisher* publisher, const char* level, const char* message,
                               const char* fields_json);
/* The tracking's entry in KV bucket dbchangetracking-offsets: the last position whose message
 * (and every earlier one) JetStream acknowledged. *len 0 when none is stored. Kept because
 * heartbeats may push every change out of a bounded stream. */
dbct_status dbct_publisher_get_offset(dbct_publisher* publisher, const char** position,
                                      size_t* len);
/* Stores it; wait zero: fire and forget (the frequent updates), nonzero: waits (on stop). */
dbct_status dbct_publisher_put_offset(dbct_publisher* publisher, const char* position, size_t len,
                                      int wait);
/* Deletes the tracking's stream and its offsets entry (untrack with drop_stream). Not found is
 * not an error. */
dbct_status dbct_publisher_delete_stream(dbct_publisher* publisher);
/* Error text of the last failed call, or "" when none. Never contains secrets. */
const char* dbct_publisher_error(const dbct_publisher* publisher);
/* Closes the connection (waiting briefly for in-flight acknowledgements) and frees. */
void dbct_publisher_close(dbct_publisher* publisher);

#ifdef __cplusplus
}
#endif

#endif /* DBCT_C_API_DBCT_H */
