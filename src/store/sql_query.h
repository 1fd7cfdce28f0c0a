/*
 * sql_query.h - a SQL text under construction with its $n parameters.
 *
 * Client input never enters the text: sql_query_param() stores the value and
 * appends its "$n" placeholder. The text and parameter values are owned by the
 * query and freed by sql_query_free(). Out of memory aborts: a half-built query
 * must never run. A parameter beyond max_params marks the query broken, and
 * the store refuses to run a broken query (500, logged), so callers need not
 * check each parameter they add.
 */
#ifndef SCIM_SQL_QUERY_H
#define SCIM_SQL_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#define SQL_QUERY_MAX_PARAMS 512

struct sql_query {
	char *text;
	size_t len;
	size_t cap;
	int nparams;
	int max_params;  /* SQL_QUERY_MAX_PARAMS unless lowered, e.g. to keep
			    room for what a caller adds after a filter */
	bool broken;     /* a parameter was refused: the text is incomplete */
	char *params[SQL_QUERY_MAX_PARAMS]; /* NULL is SQL NULL */
};

void sql_query_init(struct sql_query *q);
void sql_query_free(struct sql_query *q);

/* Append literal SQL written by us (never client input). */
void sql_query_append(struct sql_query *q, const char *sql);
void sql_query_appendf(struct sql_query *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Add a parameter (copied; NULL for SQL NULL) and append its "$n"
 * placeholder; past max_params, mark the query broken instead. */
void sql_query_param(struct sql_query *q, const char *value);

/* Add a parameter without appending a placeholder; returns its number, or 0
 * when the query is (now) broken. */
int sql_query_add_param(struct sql_query *q, const char *value);

#endif
