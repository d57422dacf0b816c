/*
 * bridge.h — the PostgreSQL side of the C ABI to the event library (c_api/dbct.h).
 *
 * Only the files in src/bridge/ include dbct.h. They turn tuples into the ABI's plain value
 * structs (in the caller's current memory context, reset after every change), call the event
 * writer once per event, and turn a DBCT_ERROR into ereport(ERROR) after the C++ call has
 * returned. Everything else in the extension speaks PostgreSQL types only.
 */
#ifndef DBCT_BRIDGE_BRIDGE_H
#define DBCT_BRIDGE_BRIDGE_H

#include "access/htup.h"
#include "access/tupdesc.h"

struct DbctRelEntry;

typedef enum DbctModeKind
{
	DBCT_MODE_DECIMAL,			/* decimal.handling.mode */
	DBCT_MODE_TIME_PRECISION,	/* time.precision.mode */
	DBCT_MODE_BINARY,			/* binary.handling.mode */
	DBCT_MODE_INTERVAL			/* interval.handling.mode */
} DbctModeKind;

/* Debezium's value names of a handling mode ("precise", ...) -> the ABI's enum value. */
extern bool DbctBridgeParseMode(DbctModeKind kind, const char *name, int *mode);
extern const char *DbctBridgeModeNames(DbctModeKind kind);
extern int	DbctBridgeDefaultMode(DbctModeKind kind);
extern const char *DbctBridgeVersion(void);

typedef struct DbctBridgeConfig
{
	int			decimal_mode;
	int			time_precision_mode;
	int			binary_mode;
	int			interval_mode;
	const char *placeholder;	/* NULL: Debezium's __debezium_unavailable_value */
	bool		deterministic;
} DbctBridgeConfig;

typedef struct DbctBridge DbctBridge;

/* The writer lives as long as owner: a reset callback destroys it, also after an ERROR. */
extern DbctBridge *DbctBridgeCreate(const DbctBridgeConfig *config, MemoryContext owner);

/* A row image of an event. */
typedef struct DbctTupleImage
{
	HeapTuple	tuple;			/* NULL: the image is null */
	bool		identity_only;	/* an old tuple holding only the replica identity columns */
	HeapTuple	toast_source;	/* a full old tuple supplying unchanged TOASTed values */
} DbctTupleImage;

typedef struct DbctEvent
{
	char		op;				/* c u d t m r */
	const char *snapshot;		/* source.snapshot ("first", "incremental", ...); NULL: "false" */
	const struct DbctRelEntry *rel; /* NULL for messages */
	TupleDesc	desc;

	/* source block */
	const char *name;
	const char *db;
	int64		source_ts_us;	/* commit time, microseconds since the Unix epoch */
	int64		tx_id;			/* -1: null */
	int64		lsn;			/* -1: null */
	int64		last_commit_lsn;	/* -1: null */

	DbctTupleImage before;
	DbctTupleImage after;
	DbctTupleImage key;			/* tuple NULL: the key is null */

	/* transaction block; tx_ident NULL: "transaction": null */
	const char *tx_ident;
	int64		total_order;
	int64		data_collection_order;

	/* op m */
	const char *prefix;
	const char *content;
	Size		content_len;
} DbctEvent;

typedef struct DbctEncoded
{
	const char *value;			/* valid until the next call on the bridge */
	size_t		value_len;
	const char *key;
	size_t		key_len;
} DbctEncoded;

extern void DbctBridgeWriteEvent(DbctBridge *bridge, const DbctEvent *event, DbctEncoded *out);

typedef struct DbctTxBoundary
{
	bool		is_end;
	const char *id;
	int64		ts_ms;
	int64		event_count;
	int			ncollections;
	const char **collections;
	const int64 *counts;
} DbctTxBoundary;

extern void DbctBridgeWriteTxBoundary(DbctBridge *bridge, const DbctTxBoundary *boundary,
									  const char **json, size_t *len);

#endif							/* DBCT_BRIDGE_BRIDGE_H */
