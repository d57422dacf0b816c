/*
 * relcache.c — per-relation plans of the output plugin.
 *
 * One hash table per decoding session, in a memory context under the decoding context. The
 * relcache and type-cache callbacks are registered once per process (PostgreSQL cannot
 * unregister them) and only mark entries invalid; the plan is rebuilt on the next change of
 * that relation, inside the decoding transaction, so it sees the catalog as of that change.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "decoder/relcache.h"
#include "access/transam.h"
#include "nodes/primnodes.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

static HTAB *rel_cache = NULL;
static MemoryContext rel_cache_cxt = NULL;
static const DbctDecoderOptions *rel_cache_options = NULL;
static bool callbacks_registered = false;

static void
invalidate_all(void)
{
	HASH_SEQ_STATUS status;
	DbctRelEntry *entry;

	hash_seq_init(&status, rel_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
}

/* Relcache invalidation: forget the plan of that relation (or of all). */
static void
relcache_callback(Datum arg, Oid relid)
{
	DbctRelEntry *entry;

	if (rel_cache == NULL)
		return;
	if (!OidIsValid(relid))
	{
		invalidate_all();
		return;
	}
	entry = hash_search(rel_cache, &relid, HASH_FIND, NULL);
	if (entry != NULL)
		entry->valid = false;
}

/* A type changed (enum value, domain, ...): plans hold type details, forget them all. */
static void
type_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	if (rel_cache != NULL)
		invalidate_all();
}

/* The session's memory goes away: the callbacks must no longer see the table. */
static void
cache_reset_callback(void *arg)
{
	rel_cache = NULL;
	rel_cache_cxt = NULL;
	rel_cache_options = NULL;
}

/*
 * DbctRelCacheInit
 *		Creates the session's relation cache under parent.
 */
void
DbctRelCacheInit(MemoryContext parent, const DbctDecoderOptions *options)
{
	HASHCTL		ctl;
	MemoryContextCallback *reset;

	rel_cache_cxt = AllocSetContextCreate(parent, "dbchangetracking relation cache",
										  ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(DbctRelEntry);
	ctl.hcxt = rel_cache_cxt;
	rel_cache = hash_create("dbchangetracking relations", 64, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	rel_cache_options = options;

	reset = MemoryContextAlloc(rel_cache_cxt, sizeof(MemoryContextCallback));
	reset->func = cache_reset_callback;
	reset->arg = NULL;
	MemoryContextRegisterResetCallback(rel_cache_cxt, reset);

	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, type_callback, (Datum) 0);
		callbacks_registered = true;
	}
}

/* Precision and scale that Debezium reads from the column's declared type. */
static void
set_precision_and_scale(DbctTypePlan *plan)
{
	int32		typmod = plan->typmod;

	plan->precision = -1;
	plan->scale = -1;
	switch (plan->path)
	{
		case DBCT_PATH_NUMERIC:
			if (typmod >= (int32) VARHDRSZ)
			{
				plan->precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
				/* PostgreSQL 15 allows a negative scale: 11 bits, sign-extended */
				plan->scale = (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024;
			}
			break;
		case DBCT_PATH_MONEY:
			plan->scale = 2;	/* Debezium's money.fraction.digits default */
			break;
		case DBCT_PATH_TIME:
		case DBCT_PATH_TIMETZ:
		case DBCT_PATH_TIMESTAMP:
		case DBCT_PATH_TIMESTAMPTZ:
		case DBCT_PATH_BIT:
			if (typmod >= 0)
				plan->precision = typmod;
			break;
		default:
			break;
	}
}

/* The hstore extension's type: a base type named hstore (its OID differs per database). */
static bool
is_hstore(Oid typid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	bool		result = false;

	if (HeapTupleIsValid(tuple))
	{
		Form_pg_type form = (Form_pg_type) GETSTRUCT(tuple);

		result = form->typtype == TYPTYPE_BASE && strcmp(NameStr(form->typname), "hstore") == 0;
		ReleaseSysCache(tuple);
	}
	return result;
}

/*
 * Fills a type plan for typid/typmod: domains become their base type, arrays get an element
 * plan, common types a fast path, everything else the type's output function.
 */
static void
build_type_plan(DbctTypePlan *plan, Oid typid, int32 typmod, MemoryContext cxt)
{
	Oid			element;

	memset(plan, 0, sizeof(*plan));
	typid = getBaseTypeAndTypmod(typid, &typmod);
	plan->typid = typid;
	plan->typmod = typmod;

	element = get_element_type(typid);
	if (OidIsValid(element))
	{
		plan->path = DBCT_PATH_ARRAY;
		plan->element = MemoryContextAlloc(cxt, sizeof(DbctTypePlan));
		/* an array column's typmod applies to its elements (numeric(10,2)[]) */
		build_type_plan(plan->element, element, typmod, cxt);
		get_typlenbyvalalign(element, &plan->elem_len, &plan->elem_byval, &plan->elem_align);
		plan->precision = plan->scale = -1;
		return;
	}

	switch (typid)
	{
		case BOOLOID:
			plan->path = DBCT_PATH_BOOL;
			break;
		case INT2OID:
			plan->path = DBCT_PATH_INT2;
			break;
		case INT4OID:
			plan->path = DBCT_PATH_INT4;
			break;
		case INT8OID:
			plan->path = DBCT_PATH_INT8;
			break;
		case OIDOID:
			plan->path = DBCT_PATH_OID;
			break;
		case FLOAT4OID:
			plan->path = DBCT_PATH_FLOAT4;
			break;
		case FLOAT8OID:
			plan->path = DBCT_PATH_FLOAT8;
			break;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case JSONOID:
		case XMLOID:
			plan->path = DBCT_PATH_TEXT;
			break;
		case NAMEOID:
			plan->path = DBCT_PATH_NAME;
			break;
		case NUMERICOID:
			plan->path = DBCT_PATH_NUMERIC;
			break;
		case CASHOID:
			plan->path = DBCT_PATH_MONEY;
			break;
		case DATEOID:
			plan->path = DBCT_PATH_DATE;
			break;
		case TIMEOID:
			plan->path = DBCT_PATH_TIME;
			break;
		case TIMETZOID:
			plan->path = DBCT_PATH_TIMETZ;
			break;
		case TIMESTAMPOID:
			plan->path = DBCT_PATH_TIMESTAMP;
			break;
		case TIMESTAMPTZOID:
			plan->path = DBCT_PATH_TIMESTAMPTZ;
			break;
		case INTERVALOID:
			plan->path = DBCT_PATH_INTERVAL;
			break;
		case BYTEAOID:
			plan->path = DBCT_PATH_BYTEA;
			break;
		case UUIDOID:
			plan->path = DBCT_PATH_UUID;
			break;
		case JSONBOID:
			plan->path = DBCT_PATH_JSONB;
			break;
		case BITOID:
		case VARBITOID:
			plan->path = DBCT_PATH_BIT;
			break;
		case POINTOID:
			plan->path = DBCT_PATH_POINT;
			break;
		default:
			{
				/*
				 * enums, ranges, inet, other geometric types, tsvector, ...: their text form;
				 * hstore (an extension type, known by name) goes through its text form too.
				 */
				Oid			output;
				bool		varlena;

				plan->path = is_hstore(typid) ? DBCT_PATH_HSTORE : DBCT_PATH_OUTPUT;
				plan->hstore_as_map = rel_cache_options->hstore_as_map;
				getTypeOutputInfo(typid, &output, &varlena);
				fmgr_info_cxt(output, &plan->output, cxt);
				break;
			}
	}
	set_precision_and_scale(plan);
}

/* The column default when it is a plain constant of the column's type, as Debezium uses it. */
static void
set_constant_default(DbctColumnPlan *column, Relation relation, Form_pg_attribute att,
					 MemoryContext cxt)
{
	Node	   *expr;
	MemoryContext old;

	column->has_default = false;
	if (!att->atthasdef || att->attgenerated)
		return;
	expr = build_column_default(relation, att->attnum);
	/*
	 * A literal default of a length-limited type comes wrapped in its built-in length
	 * coercion (varchar(10), numeric(6,2)); fold that, and nothing else, to the constant.
	 */
	if (expr != NULL && IsA(expr, FuncExpr) &&
		((FuncExpr *) expr)->funcid < FirstNormalObjectId &&
		list_length(((FuncExpr *) expr)->args) >= 1 &&
		IsA(linitial(((FuncExpr *) expr)->args), Const))
		expr = eval_const_expressions(NULL, expr);
	if (expr == NULL || !IsA(expr, Const))
		return;
	if (((Const *) expr)->constisnull || ((Const *) expr)->consttype != att->atttypid)
		return;
	column->has_default = true;
	old = MemoryContextSwitchTo(cxt);
	column->default_value = datumCopy(((Const *) expr)->constvalue, att->attbyval, att->attlen);
	MemoryContextSwitchTo(old);
}

static void
build_column_plan(DbctColumnPlan *column, Relation relation, Form_pg_attribute att,
				  Bitmapset *identity, MemoryContext cxt)
{
	column->attnum = att->attnum;
	column->name = MemoryContextStrdup(cxt, NameStr(att->attname));
	column->name_len = strlen(column->name);
	column->attlen = att->attlen;
	column->byval = att->attbyval;
	column->nullable = !att->attnotnull;
	column->in_identity = bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber,
										identity);
	build_type_plan(&column->type, att->atttypid, att->atttypmod, cxt);
	set_constant_default(column, relation, att, cxt);
}

static bool
column_included(DbctRelEntry *entry, const char *column)
{
	const DbctDecoderOptions *opts = rel_cache_options;
	char	   *identifier;
	bool		included = true;

	if (opts->column_include == NULL && opts->column_exclude == NULL)
		return true;
	identifier = psprintf("%s.%s", entry->data_collection, column);
	if (opts->column_include)
		included = DbctPatternListMatches(opts->column_include, identifier);
	else
		included = !DbctPatternListMatches(opts->column_exclude, identifier);
	pfree(identifier);
	return included;
}

static bool
table_included(DbctRelEntry *entry)
{
	const DbctDecoderOptions *opts = rel_cache_options;

	if (opts->schema_include && !DbctPatternListMatches(opts->schema_include, entry->schema))
		return false;
	if (opts->schema_exclude && DbctPatternListMatches(opts->schema_exclude, entry->schema))
		return false;
	if (opts->table_include &&
		!DbctPatternListMatches(opts->table_include, entry->data_collection))
		return false;
	if (opts->table_exclude &&
		DbctPatternListMatches(opts->table_exclude, entry->data_collection))
		return false;
	return true;
}

/* Primary key columns in key order (Debezium's key), empty when the table has none. */
static void
build_key_plan(DbctRelEntry *entry, Relation relation, TupleDesc desc, Bitmapset *identity,
			   MemoryContext cxt)
{
	Oid			index = RelationGetPrimaryKeyIndex(relation);
	HeapTuple	tuple;
	Form_pg_index form;

	entry->nkeys = 0;
	entry->keys = NULL;
	if (!OidIsValid(index))
		return;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for index %u", index);
	form = (Form_pg_index) GETSTRUCT(tuple);
	entry->keys = MemoryContextAllocZero(cxt, form->indnkeyatts * sizeof(DbctColumnPlan));
	for (int i = 0; i < form->indnkeyatts; i++)
	{
		AttrNumber	attnum = form->indkey.values[i];

		if (attnum <= 0 || attnum > desc->natts)
			continue;
		build_column_plan(&entry->keys[entry->nkeys++], relation,
						  TupleDescAttr(desc, attnum - 1), identity, cxt);
	}
	ReleaseSysCache(tuple);
}

static void
build_entry(DbctRelEntry *entry, Relation relation)
{
	TupleDesc	desc = RelationGetDescr(relation);
	MemoryContext old;
	Bitmapset  *identity;

	MemoryContextReset(entry->plan_cxt);
	old = MemoryContextSwitchTo(entry->plan_cxt);

	entry->schema = get_namespace_name(RelationGetNamespace(relation));
	entry->table = pstrdup(RelationGetRelationName(relation));
	entry->data_collection = psprintf("%s.%s", entry->schema, entry->table);
	entry->replident = relation->rd_rel->relreplident;
	entry->natts = desc->natts;
	entry->included = table_included(entry);
	entry->ncolumns = 0;
	entry->columns = NULL;
	entry->nkeys = 0;
	entry->keys = NULL;

	if (entry->included)
	{
		identity = RelationGetIndexAttrBitmap(relation, INDEX_ATTR_BITMAP_IDENTITY_KEY);
		entry->columns = palloc0(Max(desc->natts, 1) * sizeof(DbctColumnPlan));
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (att->attisdropped || !column_included(entry, NameStr(att->attname)))
				continue;
			build_column_plan(&entry->columns[entry->ncolumns++], relation, att, identity,
							  entry->plan_cxt);
		}
		build_key_plan(entry, relation, desc, identity, entry->plan_cxt);
	}

	MemoryContextSwitchTo(old);
	entry->valid = true;
}

/*
 * DbctRelCacheGet
 *		The plan of relation, built or rebuilt as needed. Must run inside the decoding
 *		transaction (catalog access).
 */
DbctRelEntry *
DbctRelCacheGet(Relation relation)
{
	Oid			relid = RelationGetRelid(relation);
	DbctRelEntry *entry;
	bool		found;

	Assert(rel_cache != NULL);
	entry = hash_search(rel_cache, &relid, HASH_ENTER, &found);
	if (!found)
	{
		entry->valid = false;
		entry->plan_cxt = AllocSetContextCreate(rel_cache_cxt, "dbchangetracking relation plan",
												ALLOCSET_SMALL_SIZES);
		entry->tx_stamp = 0;
		entry->tx_table = NULL;
	}
	/* the descriptor check is a cheap guard in case an invalidation was missed */
	if (!entry->valid || entry->natts != RelationGetDescr(relation)->natts)
		build_entry(entry, relation);
	return entry;
}

/*
 * DbctRelCacheForget
 *		Forgets the plan of relid. The snapshot builds plans from the current catalog, the
 *		decoder from the historic one: neither may use the other's.
 */
void
DbctRelCacheForget(Oid relid)
{
	relcache_callback((Datum) 0, relid);
}
