/*
 * options.h — the output plugin's options (pg_recvlogical -o name=value).
 *
 * Names are Debezium's dotted property names, and the camelCase names of the
 * DatabaseChangeTracking resource (table.include.list = tableIncludeList).
 */
#ifndef DBCT_DECODER_OPTIONS_H
#define DBCT_DECODER_OPTIONS_H

#include "nodes/pg_list.h"
#include "regex/regex.h"

/* A comma-separated list of regular expressions, each matched against a whole identifier. */
typedef struct DbctPatternList
{
	int			count;
	regex_t    *patterns;
} DbctPatternList;

typedef struct DbctDecoderOptions
{
	DbctPatternList *table_include;		/* NULL: not given */
	DbctPatternList *table_exclude;
	DbctPatternList *schema_include;
	DbctPatternList *schema_exclude;
	DbctPatternList *column_include;
	DbctPatternList *column_exclude;
	DbctPatternList *message_prefix_include;	/* logical message prefixes */
	DbctPatternList *message_prefix_exclude;

	/* skipped.operations (Debezium's default: t) */
	bool		skip_create;
	bool		skip_update;
	bool		skip_delete;
	bool		skip_truncate;

	/* handling modes, as the enum values of the C ABI (parsed by the bridge) */
	int			decimal_mode;
	int			time_precision_mode;
	int			binary_mode;
	int			interval_mode;
	bool		hstore_as_map;	/* hstore.handling.mode=map; default json (a string) */

	bool		transaction_metadata;	/* provide.transaction.metadata */
	char	   *placeholder;	/* unavailable.value.placeholder; NULL: default */
	char	   *name;			/* source.name; NULL: the slot's name */
	bool		deterministic;	/* no volatile fields, for regression tests */
	bool		framed;			/* internal: frames for the in-server publisher */
} DbctDecoderOptions;

extern void DbctParseOptions(List *options, DbctDecoderOptions *result);
extern void DbctFreeOptions(DbctDecoderOptions *options);
extern bool DbctPatternListMatches(const DbctPatternList *list, const char *identifier);

#endif							/* DBCT_DECODER_OPTIONS_H */
