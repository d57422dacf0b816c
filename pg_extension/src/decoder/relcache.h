/*
 * relcache.h — the decoder's per-relation plan: which columns are written, how each value is
 * converted, which columns form the key, and whether the table is tracked at all.
 *
 * Built on first use of a relation and rebuilt after a relcache or type invalidation (the
 * callbacks only flip a flag), so ADD/DROP/RENAME COLUMN and type changes show up in the next
 * event decoded after them.
 */
#ifndef DBCT_DECODER_RELCACHE_H
#define DBCT_DECODER_RELCACHE_H

#include "access/attnum.h"
#include "decoder/options.h"
#include "fmgr.h"
#include "utils/rel.h"

/* How a value of a type is turned into an event value. */
typedef enum DbctValuePath
{
	DBCT_PATH_OUTPUT = 0,		/* the type's output function, as a string */
	DBCT_PATH_BOOL,
	DBCT_PATH_INT2,
	DBCT_PATH_INT4,
	DBCT_PATH_INT8,
	DBCT_PATH_OID,
	DBCT_PATH_FLOAT4,
	DBCT_PATH_FLOAT8,
	DBCT_PATH_TEXT,				/* text, varchar, bpchar, json, xml: the varlena's bytes */
	DBCT_PATH_NAME,
	DBCT_PATH_NUMERIC,
	DBCT_PATH_MONEY,
	DBCT_PATH_DATE,
	DBCT_PATH_TIME,
	DBCT_PATH_TIMETZ,
	DBCT_PATH_TIMESTAMP,
	DBCT_PATH_TIMESTAMPTZ,
	DBCT_PATH_INTERVAL,
	DBCT_PATH_BYTEA,
	DBCT_PATH_UUID,
	DBCT_PATH_JSONB,
	DBCT_PATH_BIT,
	DBCT_PATH_ARRAY,
	DBCT_PATH_POINT,			/* Debezium's Point struct */
	DBCT_PATH_HSTORE			/* the hstore extension's type: output text, written as a map */
} DbctValuePath;

typedef struct DbctTypePlan
{
	Oid			typid;			/* the base type (domains resolved) */
	int32		typmod;
	DbctValuePath path;
	int32		precision;		/* numeric precision, time precision, bit length; -1 */
	int32		scale;			/* numeric scale; -1 when not declared */
	FmgrInfo	output;			/* DBCT_PATH_OUTPUT and DBCT_PATH_HSTORE */
	bool		hstore_as_map;	/* DBCT_PATH_HSTORE: hstore.handling.mode=map */
	/* DBCT_PATH_ARRAY: the element's plan and storage */
	struct DbctTypePlan *element;
	int16		elem_len;
	bool		elem_byval;
	char		elem_align;
} DbctTypePlan;

typedef struct DbctColumnPlan
{
	AttrNumber	attnum;
	const char *name;
	size_t		name_len;
	int16		attlen;
	bool		byval;
	bool		nullable;
	bool		in_identity;	/* part of the replica identity's key image */
	DbctTypePlan type;
	/*
	 * Value for a NOT NULL column missing from a key-only before image: the column default
	 * when it is a constant, as Debezium does; otherwise Debezium's zero of the type.
	 */
	bool		has_default;
	Datum		default_value;
} DbctColumnPlan;

/* Bookkeeping of the current transaction, for transaction metadata. */
typedef struct DbctTxTable
{
	char	   *data_collection;
	int64		events;
} DbctTxTable;

typedef struct DbctRelEntry
{
	Oid			relid;			/* hash key */
	bool		valid;
	bool		included;		/* passes the table and schema filters */
	char	   *schema;
	char	   *table;
	char	   *data_collection;	/* "schema.table" */
	char		replident;
	int			natts;			/* of the tuple descriptor the plan was built for */
	int			ncolumns;
	DbctColumnPlan *columns;	/* written columns, in column order */
	int			nkeys;
	DbctColumnPlan *keys;		/* primary key columns, in key order */
	MemoryContext plan_cxt;
	/* transaction statistics, valid while tx_stamp is the current transaction's */
	uint64		tx_stamp;
	DbctTxTable *tx_table;
} DbctRelEntry;

extern void DbctRelCacheInit(MemoryContext parent, const DbctDecoderOptions *options);
extern DbctRelEntry *DbctRelCacheGet(Relation relation);
/* Drops the plan of relid, so the next use rebuilds it from the catalog it then sees. */
extern void DbctRelCacheForget(Oid relid);

#endif							/* DBCT_DECODER_RELCACHE_H */
