/*
 * values.h — PostgreSQL values to the C ABI's dbct_value (bridge-internal).
 */
#ifndef DBCT_BRIDGE_VALUES_H
#define DBCT_BRIDGE_VALUES_H

#include "bridge/bridge.h"
#include "dbct/c_api/dbct.h"
#include "decoder/relcache.h"

/* A tuple split into its columns once, shared by the images that use it. */
typedef struct DbctDeformed
{
	HeapTuple	tuple;
	Datum	   *values;
	bool	   *nulls;
} DbctDeformed;

extern void DbctDeform(DbctDeformed *deformed, HeapTuple tuple, TupleDesc desc);

extern void DbctFillRow(const DbctColumnPlan *columns, int ncolumns, const DbctDeformed *image, bool identity_only,
						const DbctDeformed *toast_source, dbct_row *row);

extern void DbctFillValue(const DbctTypePlan *plan, Datum datum, dbct_value *value);

#endif							/* DBCT_BRIDGE_VALUES_H */
