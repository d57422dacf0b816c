/*
 * options.c — parsing of the output plugin's options.
 *
 * Every option has Debezium's dotted name and the resource's camelCase name; both are accepted.
 * An unknown option, an option given twice (under either name) or a bad value is an ERROR that
 * names the option, raised in the startup callback before anything is decoded.
 */
#include "postgres.h"

#include "bridge/bridge.h"
#include "catalog/pg_collation.h"
#include "commands/defrem.h"
#include "decoder/options.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

typedef enum DbctOptionId
{
	OPT_TABLE_INCLUDE,
	OPT_TABLE_EXCLUDE,
	OPT_SCHEMA_INCLUDE,
	OPT_SCHEMA_EXCLUDE,
	OPT_COLUMN_INCLUDE,
	OPT_COLUMN_EXCLUDE,
	OPT_MESSAGE_PREFIX_INCLUDE,
	OPT_MESSAGE_PREFIX_EXCLUDE,
	OPT_SKIPPED_OPERATIONS,
	OPT_DECIMAL_MODE,
	OPT_TIME_PRECISION_MODE,
	OPT_BINARY_MODE,
	OPT_INTERVAL_MODE,
	OPT_HSTORE_MODE,
	OPT_TRANSACTION_METADATA,
	OPT_PLACEHOLDER,
	OPT_NAME,
	OPT_DETERMINISTIC,
	OPT_FRAMED,
	OPT_COUNT
} DbctOptionId;

typedef struct DbctOptionName
{
	const char *name;
	DbctOptionId id;
} DbctOptionName;

/* The first name listed for an id is the one used in messages. */
static const DbctOptionName option_names[] = {
	{"table.include.list", OPT_TABLE_INCLUDE},
	{"tableIncludeList", OPT_TABLE_INCLUDE},
	{"tables", OPT_TABLE_INCLUDE},
	{"table.exclude.list", OPT_TABLE_EXCLUDE},
	{"tableExcludeList", OPT_TABLE_EXCLUDE},
	{"schema.include.list", OPT_SCHEMA_INCLUDE},
	{"schemaIncludeList", OPT_SCHEMA_INCLUDE},
	{"schema.exclude.list", OPT_SCHEMA_EXCLUDE},
	{"schemaExcludeList", OPT_SCHEMA_EXCLUDE},
	{"column.include.list", OPT_COLUMN_INCLUDE},
	{"columnIncludeList", OPT_COLUMN_INCLUDE},
	{"column.exclude.list", OPT_COLUMN_EXCLUDE},
	{"columnExcludeList", OPT_COLUMN_EXCLUDE},
	{"message.prefix.include.list", OPT_MESSAGE_PREFIX_INCLUDE},
	{"messagePrefixIncludeList", OPT_MESSAGE_PREFIX_INCLUDE},
	{"message.prefix.exclude.list", OPT_MESSAGE_PREFIX_EXCLUDE},
	{"messagePrefixExcludeList", OPT_MESSAGE_PREFIX_EXCLUDE},
	{"skipped.operations", OPT_SKIPPED_OPERATIONS},
	{"skippedOperations", OPT_SKIPPED_OPERATIONS},
	{"decimal.handling.mode", OPT_DECIMAL_MODE},
	{"decimalHandlingMode", OPT_DECIMAL_MODE},
	{"time.precision.mode", OPT_TIME_PRECISION_MODE},
	{"timePrecisionMode", OPT_TIME_PRECISION_MODE},
	{"binary.handling.mode", OPT_BINARY_MODE},
	{"binaryHandlingMode", OPT_BINARY_MODE},
	{"interval.handling.mode", OPT_INTERVAL_MODE},
	{"intervalHandlingMode", OPT_INTERVAL_MODE},
	{"hstore.handling.mode", OPT_HSTORE_MODE},
	{"hstoreHandlingMode", OPT_HSTORE_MODE},
	{"provide.transaction.metadata", OPT_TRANSACTION_METADATA},
	{"provideTransactionMetadata", OPT_TRANSACTION_METADATA},
	{"unavailable.value.placeholder", OPT_PLACEHOLDER},
	{"unavailableValuePlaceholder", OPT_PLACEHOLDER},
	{"name", OPT_NAME},
	{"deterministic", OPT_DETERMINISTIC},
	{"framed", OPT_FRAMED},
};

/* The known option name nearest to an unknown one, if it is close enough to be a typo. */
static const char *
closest_option_name(const char *name)
{
	const char *best = NULL;
	int			best_distance = 3;	/* at most two edits */
	int			len = strlen(name);

	for (int i = 0; i < lengthof(option_names); i++)
	{
		const char *candidate = option_names[i].name;
		int			distance;

		if (pg_strcasecmp(candidate, name) == 0)
			return candidate;
		distance = varstr_levenshtein(name, len, candidate, strlen(candidate), 1, 1, 1, true);
		if (distance < best_distance)
		{
			best_distance = distance;
			best = candidate;
		}
	}
	return best;
}

static void
reject_value(const char *name, const char *value, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value \"%s\" for option \"%s\" of output plugin \"dbchangetracking\"",
					value, name),
			 hint ? errhint("%s", hint) : 0));
}

/*
 * Compiles one regular expression so that it must match the whole identifier, as Debezium's
 * include/exclude lists do. Matching ignores case, as Debezium's filters do.
 */
static void
compile_pattern(regex_t *re, const char *option, const char *pattern)
{
	char	   *anchored = psprintf("^(?:%s)$", pattern);
	int			len = strlen(anchored);
	pg_wchar   *wide = palloc((len + 1) * sizeof(pg_wchar));
	int			wide_len = pg_mb2wchar_with_len(anchored, wide, len);
	int			rc = pg_regcomp(re, wide, wide_len, REG_ADVANCED | REG_ICASE, C_COLLATION_OID);

	if (rc != REG_OKAY)
	{
		char		detail[128];

		pg_regerror(rc, re, detail, sizeof(detail));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid regular expression \"%s\" in option \"%s\": %s",
						pattern, option, detail)));
	}
	pfree(wide);
	pfree(anchored);
}

/* Splits a comma-separated list, trimming whitespace around items and dropping empty ones. */
static List *
split_list(const char *value)
{
	List	   *items = NIL;
	char	   *copy = pstrdup(value);
	char	   *item = copy;

	while (item != NULL)
	{
		char	   *comma = strchr(item, ',');
		char	   *end;

		if (comma)
			*comma = '\0';
		while (*item == ' ' || *item == '\t' || *item == '\n')
			item++;
		end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			*--end = '\0';
		if (*item != '\0')
			items = lappend(items, item);
		item = comma ? comma + 1 : NULL;
	}
	return items;
}

static DbctPatternList *
parse_pattern_list(const char *option, const char *value)
{
	List	   *items = split_list(value);
	DbctPatternList *list = palloc0(sizeof(DbctPatternList));
	ListCell   *lc;

	if (items == NIL)
		return NULL;			/* an empty list filters nothing */
	list->patterns = palloc0(list_length(items) * sizeof(regex_t));
	foreach(lc, items)
		compile_pattern(&list->patterns[list->count++], option, lfirst(lc));
	return list;
}

static bool
parse_bool_option(const char *name, const char *value)
{
	bool		result;

	if (value == NULL)
		return true;			/* "-o deterministic" alone means true */
	if (!parse_bool(value, &result))
		reject_value(name, value, "Use true or false.");
	return result;
}

static void
parse_skipped_operations(DbctDecoderOptions *opts, const char *name, const char *value)
{
	List	   *items = split_list(value);
	ListCell   *lc;

	opts->skip_create = opts->skip_update = opts->skip_delete = opts->skip_truncate = false;
	foreach(lc, items)
	{
		const char *op = lfirst(lc);

		if (strcmp(op, "c") == 0)
			opts->skip_create = true;
		else if (strcmp(op, "u") == 0)
			opts->skip_update = true;
		else if (strcmp(op, "d") == 0)
			opts->skip_delete = true;
		else if (strcmp(op, "t") == 0)
			opts->skip_truncate = true;
		else if (strcmp(op, "none") == 0 && list_length(items) == 1)
			;
		else
			reject_value(name, value,
						 "Use a comma-separated list of c, u, d and t, or none.");
	}
}

static int
parse_mode(DbctModeKind kind, const char *name, const char *value)
{
	int			mode;

	if (value == NULL || !DbctBridgeParseMode(kind, value, &mode))
	{
		char	   *hint = psprintf("Valid values are: %s.", DbctBridgeModeNames(kind));

		reject_value(name, value ? value : "", hint);
	}
	return mode;
}

static const char *
require_value(const char *name, const char *value)
{
	if (value == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" of output plugin \"dbchangetracking\" needs a value",
						name)));
	return value;
}

/*
 * DbctParseOptions
 *		Fills *result from the DefElem list given to the startup callback.
 */
void
DbctParseOptions(List *options, DbctDecoderOptions *result)
{
	const char *given_as[OPT_COUNT] = {0};
	ListCell   *lc;

	memset(result, 0, sizeof(*result));
	result->skip_truncate = true;
	result->decimal_mode = DbctBridgeDefaultMode(DBCT_MODE_DECIMAL);
	result->time_precision_mode = DbctBridgeDefaultMode(DBCT_MODE_TIME_PRECISION);
	result->binary_mode = DbctBridgeDefaultMode(DBCT_MODE_BINARY);
	result->interval_mode = DbctBridgeDefaultMode(DBCT_MODE_INTERVAL);

	foreach(lc, options)
	{
		DefElem    *elem = lfirst(lc);
		const char *name = elem->defname;
		const char *value = elem->arg ? strVal(elem->arg) : NULL;
		int			id = -1;

		for (int i = 0; i < lengthof(option_names); i++)
			if (strcmp(option_names[i].name, name) == 0)
				id = option_names[i].id;
		if (id < 0)
		{
			const char *close = closest_option_name(name);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized option \"%s\" for output plugin \"dbchangetracking\"",
							name),
					 close ? errhint("Did you mean \"%s\"?", close) : 0));
		}
		if (given_as[id] != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" specified more than once", name),
					 strcmp(given_as[id], name) != 0
					 ? errdetail("\"%s\" and \"%s\" are the same option.", given_as[id], name)
					 : 0));
		given_as[id] = name;

		switch ((DbctOptionId) id)
		{
			case OPT_TABLE_INCLUDE:
				result->table_include = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_TABLE_EXCLUDE:
				result->table_exclude = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_SCHEMA_INCLUDE:
				result->schema_include = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_SCHEMA_EXCLUDE:
				result->schema_exclude = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_COLUMN_INCLUDE:
				result->column_include = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_COLUMN_EXCLUDE:
				result->column_exclude = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_MESSAGE_PREFIX_INCLUDE:
				result->message_prefix_include = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_MESSAGE_PREFIX_EXCLUDE:
				result->message_prefix_exclude = parse_pattern_list(name, require_value(name, value));
				break;
			case OPT_SKIPPED_OPERATIONS:
				parse_skipped_operations(result, name, require_value(name, value));
				break;
			case OPT_DECIMAL_MODE:
				result->decimal_mode = parse_mode(DBCT_MODE_DECIMAL, name, value);
				break;
			case OPT_TIME_PRECISION_MODE:
				result->time_precision_mode = parse_mode(DBCT_MODE_TIME_PRECISION, name, value);
				break;
			case OPT_BINARY_MODE:
				result->binary_mode = parse_mode(DBCT_MODE_BINARY, name, value);
				break;
			case OPT_INTERVAL_MODE:
				result->interval_mode = parse_mode(DBCT_MODE_INTERVAL, name, value);
				break;
			case OPT_HSTORE_MODE:
				require_value(name, value);
				if (strcmp(value, "json") == 0)
					result->hstore_as_map = false;
				else if (strcmp(value, "map") == 0)
					result->hstore_as_map = true;
				else
					reject_value(name, value, "Valid values are: json, map.");
				break;
			case OPT_TRANSACTION_METADATA:
				result->transaction_metadata = parse_bool_option(name, value);
				break;
			case OPT_PLACEHOLDER:
				result->placeholder = pstrdup(require_value(name, value));
				break;
			case OPT_NAME:
				result->name = pstrdup(require_value(name, value));
				if (result->name[0] == '\0')
					reject_value(name, value, "The name must not be empty.");
				break;
			case OPT_DETERMINISTIC:
				result->deterministic = parse_bool_option(name, value);
				break;
			case OPT_FRAMED:
				result->framed = parse_bool_option(name, value);
				break;
			case OPT_COUNT:
				break;
		}
	}

	/* Debezium refuses an include list together with the matching exclude list. */
	if (given_as[OPT_TABLE_INCLUDE] && given_as[OPT_TABLE_EXCLUDE])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"%s\" and \"%s\" cannot be used together",
						given_as[OPT_TABLE_INCLUDE], given_as[OPT_TABLE_EXCLUDE])));
	if (given_as[OPT_SCHEMA_INCLUDE] && given_as[OPT_SCHEMA_EXCLUDE])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"%s\" and \"%s\" cannot be used together",
						given_as[OPT_SCHEMA_INCLUDE], given_as[OPT_SCHEMA_EXCLUDE])));
	if (given_as[OPT_COLUMN_INCLUDE] && given_as[OPT_COLUMN_EXCLUDE])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"%s\" and \"%s\" cannot be used together",
						given_as[OPT_COLUMN_INCLUDE], given_as[OPT_COLUMN_EXCLUDE])));
	if (given_as[OPT_MESSAGE_PREFIX_INCLUDE] && given_as[OPT_MESSAGE_PREFIX_EXCLUDE])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"%s\" and \"%s\" cannot be used together",
						given_as[OPT_MESSAGE_PREFIX_INCLUDE],
						given_as[OPT_MESSAGE_PREFIX_EXCLUDE])));
}

static void
free_pattern_list(DbctPatternList *list)
{
	if (list == NULL)
		return;
	for (int i = 0; i < list->count; i++)
		pg_regfree(&list->patterns[i]);
	list->count = 0;
}

/*
 * DbctFreeOptions
 *		Frees the compiled regular expressions (PostgreSQL 15 keeps them in malloc'd memory).
 */
void
DbctFreeOptions(DbctDecoderOptions *options)
{
	free_pattern_list(options->table_include);
	free_pattern_list(options->table_exclude);
	free_pattern_list(options->schema_include);
	free_pattern_list(options->schema_exclude);
	free_pattern_list(options->column_include);
	free_pattern_list(options->column_exclude);
	free_pattern_list(options->message_prefix_include);
	free_pattern_list(options->message_prefix_exclude);
}

/*
 * DbctPatternListMatches
 *		True when any pattern of the list matches the whole identifier.
 */
bool
DbctPatternListMatches(const DbctPatternList *list, const char *identifier)
{
	int			len = strlen(identifier);
	pg_wchar   *wide = palloc((len + 1) * sizeof(pg_wchar));
	int			wide_len = pg_mb2wchar_with_len(identifier, wide, len);
	bool		matched = false;

	for (int i = 0; i < list->count && !matched; i++)
		matched = pg_regexec(&list->patterns[i], wide, wide_len, 0, NULL, 0, NULL, 0) == REG_OKAY;
	pfree(wide);
	return matched;
}
