/*
 * values.c — PostgreSQL Datums to the C ABI's dbct_value.
 *
 * Common types are read straight from their Datum (no output function call); the writer applies
 * Debezium's type mapping and handling modes to the kind, precision and scale given here. All
 * memory comes from the caller's memory context, which the decoder resets after every change;
 * text is pointed to inside the (detoasted) Datum rather than copied.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "bridge/values.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/cash.h"
#include "utils/date.h"
#include "utils/geo_decls.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
#include "utils/varbit.h"

/* Microseconds and days between PostgreSQL's epoch (2000-01-01) and the Unix epoch. */
#define DBCT_EPOCH_DAYS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE))
#define DBCT_EPOCH_USECS (DBCT_EPOCH_DAYS * USECS_PER_DAY)

/* Text for the writer must be UTF-8; convert only when the database uses another encoding. */
static void
set_string(dbct_value *value, const char *data, size_t len)
{
	int			encoding = GetDatabaseEncoding();

	value->kind = DBCT_V_STRING;
	if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII)
	{
		char	   *converted = pg_server_to_any(data, len, PG_UTF8);

		if (converted != data)
		{
			data = converted;
			len = strlen(converted);
		}
	}
	value->data = data;
	value->len = len;
}

static void
set_varlena_text(dbct_value *value, Datum datum)
{
	struct varlena *text = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(datum));

	set_string(value, VARDATA_ANY(text), VARSIZE_ANY_EXHDR(text));
}

/* money is an int64 count of cents (Debezium: Decimal with money.fraction.digits = 2). */
static void
set_money(dbct_value *value, Cash cash)
{
	uint64		magnitude = cash < 0 ? -(uint64) cash : (uint64) cash;
	char	   *text = palloc(32);

	snprintf(text, 32, "%s" UINT64_FORMAT ".%02d", cash < 0 ? "-" : "",
			 magnitude / 100, (int) (magnitude % 100));
	value->kind = DBCT_V_MONEY;
	value->data = text;
	value->len = strlen(text);
}

static void
set_uuid(dbct_value *value, const pg_uuid_t *uuid)
{
	static const char hex[] = "0123456789abcdef";
	char	   *text = palloc(37);
	int			pos = 0;

	for (int i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			text[pos++] = '-';
		text[pos++] = hex[uuid->data[i] >> 4];
		text[pos++] = hex[uuid->data[i] & 0x0f];
	}
	text[pos] = '\0';
	set_string(value, text, pos);
}

/* bit/varbit as the bit string text ("0101"); the writer maps bit(1) to a boolean. */
static void
set_bits(dbct_value *value, VarBit *bits)
{
	int			nbits = VARBITLEN(bits);
	const bits8 *data = VARBITS(bits);
	char	   *text = palloc(nbits + 1);

	for (int i = 0; i < nbits; i++)
		text[i] = (data[i / BITS_PER_BYTE] & (0x80 >> (i % BITS_PER_BYTE))) ? '1' : '0';
	text[nbits] = '\0';
	value->kind = DBCT_V_BITS;
	value->data = text;
	value->len = nbits;
}

/*
 * One dimension of a multi-dimensional array: dims[0] elements, each the nested array of the
 * remaining dimensions, or (last dimension) consecutive elements of the flat list.
 */
static void
nest_dimension(dbct_value *value, const int *dims, int ndim, dbct_value *flat)
{
	value->kind = DBCT_V_ARRAY;
	value->count = dims[0];
	if (ndim == 1)
	{
		value->elements = flat;
		return;
	}
	else
	{
		dbct_value *items = palloc0(Max(dims[0], 1) * sizeof(dbct_value));
		int			stride = ArrayGetNItems(ndim - 1, dims + 1);

		for (int i = 0; i < dims[0]; i++)
			nest_dimension(&items[i], dims + 1, ndim - 1, flat + (size_t) i * stride);
		value->elements = items;
	}
}

/*
 * Arrays: one-dimensional ones as a JSON array of the converted elements; a multi-dimensional
 * one as nested arrays, one level per dimension ({{1,2},{3,4}} -> [[1,2],[3,4]]), lower bounds
 * dropped as pgjdbc's PgArray.getArray() drops them.
 */
static void
set_array(dbct_value *value, const DbctTypePlan *plan, Datum datum)
{
	ArrayType  *array = DatumGetArrayTypeP(datum);
	Datum	   *elements;
	bool	   *nulls;
	int			count;
	dbct_value *converted;

	deconstruct_array(array, ARR_ELEMTYPE(array), plan->elem_len, plan->elem_byval,
					  plan->elem_align, &elements, &nulls, &count);
	converted = palloc0(Max(count, 1) * sizeof(dbct_value));
	for (int i = 0; i < count; i++)
	{
		if (nulls[i])
		{
			converted[i].kind = DBCT_V_NULL;
			converted[i].precision = converted[i].scale = -1;
		}
		else
			DbctFillValue(plan->element, elements[i], &converted[i]);
	}
	if (ARR_NDIM(array) > 1)
	{
		nest_dimension(value, ARR_DIMS(array), ARR_NDIM(array), converted);
		return;
	}
	value->kind = DBCT_V_ARRAY;
	value->elements = converted;
	value->count = count;
}

/*
 * DbctFillValue
 *		Converts one non-null, detoastable Datum of the planned type.
 */
void
DbctFillValue(const DbctTypePlan *plan, Datum datum, dbct_value *value)
{
	memset(value, 0, sizeof(*value));
	value->precision = plan->precision;
	value->scale = plan->scale;

	switch (plan->path)
	{
		case DBCT_PATH_BOOL:
			value->kind = DBCT_V_BOOL;
			value->i64 = DatumGetBool(datum) ? 1 : 0;
			break;
		case DBCT_PATH_INT2:
			value->kind = DBCT_V_INT64;
			value->i64 = DatumGetInt16(datum);
			break;
		case DBCT_PATH_INT4:
			value->kind = DBCT_V_INT64;
			value->i64 = DatumGetInt32(datum);
			break;
		case DBCT_PATH_INT8:
			value->kind = DBCT_V_INT64;
			value->i64 = DatumGetInt64(datum);
			break;
		case DBCT_PATH_OID:
			value->kind = DBCT_V_INT64;
			value->i64 = DatumGetObjectId(datum);
			break;
		case DBCT_PATH_FLOAT4:
			value->kind = DBCT_V_FLOAT32;
			value->f64 = DatumGetFloat4(datum);
			break;
		case DBCT_PATH_FLOAT8:
			value->kind = DBCT_V_FLOAT64;
			value->f64 = DatumGetFloat8(datum);
			break;
		case DBCT_PATH_TEXT:
			set_varlena_text(value, datum);
			break;
		case DBCT_PATH_NAME:
			{
				const char *name = NameStr(*DatumGetName(datum));

				set_string(value, name, strlen(name));
				break;
			}
		case DBCT_PATH_NUMERIC:
			{
				/* numeric_out's text is exact and also covers NaN and +-Infinity */
				char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, datum));

				value->kind = DBCT_V_DECIMAL;
				value->data = text;
				value->len = strlen(text);
				break;
			}
		case DBCT_PATH_MONEY:
			set_money(value, DatumGetCash(datum));
			break;
		case DBCT_PATH_DATE:
			{
				DateADT		date = DatumGetDateADT(datum);

				value->kind = DBCT_V_DATE;
				if (DATE_IS_NOBEGIN(date))
					value->special = DBCT_SPECIAL_NEG_INFINITY;
				else if (DATE_IS_NOEND(date))
					value->special = DBCT_SPECIAL_POS_INFINITY;
				else
					value->i64 = (int64) date + DBCT_EPOCH_DAYS;
				break;
			}
		case DBCT_PATH_TIME:
			value->kind = DBCT_V_TIME;
			value->i64 = DatumGetTimeADT(datum);
			break;
		case DBCT_PATH_TIMETZ:
			{
				TimeTzADT  *time = DatumGetTimeTzADTP(datum);

				value->kind = DBCT_V_TIMETZ;
				value->i64 = time->time;
				value->zone_seconds = -time->zone; /* PostgreSQL counts west of UTC */
				break;
			}
		case DBCT_PATH_TIMESTAMP:
		case DBCT_PATH_TIMESTAMPTZ:
			{
				Timestamp	ts = DatumGetTimestamp(datum);

				value->kind = plan->path == DBCT_PATH_TIMESTAMP ? DBCT_V_TIMESTAMP
					: DBCT_V_TIMESTAMPTZ;
				if (TIMESTAMP_IS_NOBEGIN(ts))
					value->special = DBCT_SPECIAL_NEG_INFINITY;
				else if (TIMESTAMP_IS_NOEND(ts))
					value->special = DBCT_SPECIAL_POS_INFINITY;
				else
					value->i64 = ts + DBCT_EPOCH_USECS;
				break;
			}
		case DBCT_PATH_INTERVAL:
			{
				Interval   *interval = DatumGetIntervalP(datum);

				value->kind = DBCT_V_INTERVAL;
				value->months = interval->month;
				value->days = interval->day;
				value->i64 = interval->time;
				break;
			}
		case DBCT_PATH_BYTEA:
			{
				bytea	   *bytes = DatumGetByteaPP(datum);

				value->kind = DBCT_V_BYTES;
				value->data = VARDATA_ANY(bytes);
				value->len = VARSIZE_ANY_EXHDR(bytes);
				break;
			}
		case DBCT_PATH_UUID:
			set_uuid(value, DatumGetUUIDP(datum));
			break;
		case DBCT_PATH_JSONB:
			{
				/* jsonb's own text form, as jsonb_out (and so pgjdbc) gives it */
				Jsonb	   *jsonb = DatumGetJsonbP(datum);
				char	   *text = JsonbToCString(NULL, &jsonb->root, VARSIZE(jsonb));

				set_string(value, text, strlen(text));
				break;
			}
		case DBCT_PATH_BIT:
			set_bits(value, DatumGetVarBitP(datum));
			break;
		case DBCT_PATH_ARRAY:
			set_array(value, plan, datum);
			break;
		case DBCT_PATH_POINT:
			{
				Point	   *point = DatumGetPointP(datum);
				double	   *xy = palloc(2 * sizeof(double));

				xy[0] = point->x;
				xy[1] = point->y;
				value->kind = DBCT_V_POINT;
				value->data = (const char *) xy;
				value->len = 2 * sizeof(double);
				break;
			}
		case DBCT_PATH_HSTORE:
			{
				char	   *text = OutputFunctionCall((FmgrInfo *) &plan->output, datum);

				set_string(value, text, strlen(text));
				value->kind = DBCT_V_HSTORE;
				value->i64 = plan->hstore_as_map ? 1 : 0;
				break;
			}
		case DBCT_PATH_OUTPUT:
			{
				char	   *text = OutputFunctionCall((FmgrInfo *) &plan->output, datum);

				set_string(value, text, strlen(text));
				break;
			}
	}
}

/*
 * Debezium's value for a NOT NULL column that a key-only before image leaves out: the column's
 * default when it is a constant, else the type's zero (JdbcValueConverters' fallback).
 */
static void
fill_missing(const DbctColumnPlan *column, dbct_value *value)
{
	const DbctTypePlan *plan = &column->type;

	if (column->has_default)
	{
		DbctFillValue(plan, column->default_value, value);
		return;
	}
	memset(value, 0, sizeof(*value));
	value->precision = plan->precision;
	value->scale = plan->scale;
	switch (plan->path)
	{
		case DBCT_PATH_BOOL:
			value->kind = DBCT_V_BOOL;
			break;
		case DBCT_PATH_INT2:
		case DBCT_PATH_INT4:
		case DBCT_PATH_INT8:
		case DBCT_PATH_OID:
			value->kind = DBCT_V_INT64;
			break;
		case DBCT_PATH_FLOAT4:
			value->kind = DBCT_V_FLOAT32;
			break;
		case DBCT_PATH_FLOAT8:
			value->kind = DBCT_V_FLOAT64;
			break;
		case DBCT_PATH_NUMERIC:
			value->kind = DBCT_V_DECIMAL;
			value->data = "0";
			value->len = 1;
			break;
		case DBCT_PATH_MONEY:
			value->kind = DBCT_V_MONEY;
			value->data = "0.00";
			value->len = 4;
			break;
		case DBCT_PATH_DATE:
			value->kind = DBCT_V_DATE;
			break;
		case DBCT_PATH_TIME:
			value->kind = DBCT_V_TIME;
			break;
		case DBCT_PATH_TIMETZ:
			value->kind = DBCT_V_TIMETZ;
			break;
		case DBCT_PATH_TIMESTAMP:
			value->kind = DBCT_V_TIMESTAMP;
			break;
		case DBCT_PATH_TIMESTAMPTZ:
			value->kind = DBCT_V_TIMESTAMPTZ;
			break;
		case DBCT_PATH_INTERVAL:
			value->kind = DBCT_V_INTERVAL;
			break;
		case DBCT_PATH_BYTEA:
			value->kind = DBCT_V_BYTES;
			value->data = "";
			break;
		case DBCT_PATH_BIT:
			{
				int			nbits = Max(plan->precision, 1);
				char	   *text = palloc(nbits + 1);

				memset(text, '0', nbits);
				text[nbits] = '\0';
				value->kind = DBCT_V_BITS;
				value->data = text;
				value->len = nbits;
				break;
			}
		case DBCT_PATH_ARRAY:
			value->kind = DBCT_V_ARRAY;
			break;
		case DBCT_PATH_POINT:
			{
				/* Debezium: Point.createValue(schema, 0, 0) */
				double	   *xy = palloc0(2 * sizeof(double));

				value->kind = DBCT_V_POINT;
				value->data = (const char *) xy;
				value->len = 2 * sizeof(double);
				break;
			}
		case DBCT_PATH_HSTORE:
			/* an empty map: "{}" */
			value->kind = DBCT_V_HSTORE;
			value->data = "";
			value->i64 = plan->hstore_as_map ? 1 : 0;
			break;
		case DBCT_PATH_TEXT:
		case DBCT_PATH_NAME:
		case DBCT_PATH_UUID:
		case DBCT_PATH_JSONB:
		case DBCT_PATH_OUTPUT:
			value->kind = DBCT_V_STRING;
			value->data = "";
			break;
	}
}

/*
 * An unchanged TOASTed value: the placeholder, which the writer renders as bytes for bytea and
 * as a one-element array for arrays (Debezium's UnchangedToastedPlaceholder).
 */
static void
fill_unavailable(const DbctTypePlan *plan, dbct_value *value)
{
	memset(value, 0, sizeof(*value));
	value->precision = plan->precision;
	value->scale = plan->scale;
	value->kind = DBCT_V_UNAVAILABLE;
	if (plan->path == DBCT_PATH_BYTEA)
		value->i64 = 1;
	else if (plan->path == DBCT_PATH_ARRAY)
		value->i64 = 2;
	else if (plan->path == DBCT_PATH_HSTORE)
		value->i64 = plan->hstore_as_map ? 4 : 3;
}

/*
 * DbctDeform
 *		Splits a tuple into Datums once (heap_getattr per column would be quadratic).
 */
void
DbctDeform(DbctDeformed *deformed, HeapTuple tuple, TupleDesc desc)
{
	deformed->tuple = tuple;
	deformed->values = palloc(Max(desc->natts, 1) * sizeof(Datum));
	deformed->nulls = palloc(Max(desc->natts, 1) * sizeof(bool));
	heap_deform_tuple(tuple, desc, deformed->values, deformed->nulls);
}

static bool
is_unchanged_toast(const DbctColumnPlan *column, Datum datum)
{
	return column->attlen == -1 &&
		VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(datum));
}

/*
 * DbctFillRow
 *		Builds the row of the planned columns from a deformed tuple.
 *
 * identity_only: the tuple is a replica identity image; its other columns are null there and
 * become null (nullable) or Debezium's fallback (NOT NULL). toast_source: a full old image
 * whose values replace unchanged TOASTed ones (REPLICA IDENTITY FULL); NULL: use the placeholder.
 */
void
DbctFillRow(const DbctColumnPlan *columns, int ncolumns,
			const DbctDeformed *image, bool identity_only, const DbctDeformed *toast_source,
			dbct_row *row)
{
	dbct_column *out = palloc0(Max(ncolumns, 1) * sizeof(dbct_column));

	for (int i = 0; i < ncolumns; i++)
	{
		const DbctColumnPlan *column = &columns[i];
		int			index = column->attnum - 1;
		dbct_value *value = &out[i].value;

		out[i].name = column->name;
		out[i].name_len = column->name_len;

		if (image->nulls[index])
		{
			if (identity_only && !column->in_identity && !column->nullable)
				fill_missing(column, value);
			else
			{
				value->kind = DBCT_V_NULL;
				value->precision = value->scale = -1;
			}
			continue;
		}
		if (is_unchanged_toast(column, image->values[index]))
		{
			if (toast_source && !toast_source->nulls[index] &&
				!is_unchanged_toast(column, toast_source->values[index]))
				DbctFillValue(&column->type, toast_source->values[index], value);
			else
				fill_unavailable(&column->type, value);
			continue;
		}
		DbctFillValue(&column->type, image->values[index], value);
	}
	row->columns = out;
	row->count = ncolumns;
}
