/*
 * sql_query.h - a SQL text under construction with its $n parameters.
 *
 * Client input never enters the text: sql_query_param() stores the value and
 * appends its "$n" placeholder. The text and parameter values are owned by the
 * query and freed by sql_query_free(). Out of memory aborts: a half-built query
 * must never run.
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
	char *params[SQL_QUERY_MAX_PARAMS]; /* NULL is SQL NULL */
};

void sql_query_init(struct sql_query *q);
void sql_query_free(struct sql_query *q);

/* Append literal SQL written by us (never client input). */
void sql_query_append(struct sql_query *q, const char *sql);
void sql_query_appendf(struct sql_query *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Add a parameter (copied; NULL for SQL NULL) and append its "$n"
 * placeholder. Returns false when there are too many parameters. */
bool sql_query_param(struct sql_query *q, const char *value);

/* Add a parameter without appending a placeholder; returns its number, or 0
 * when there are too many parameters. */
int sql_query_add_param(struct sql_query *q, const char *value);

#endif
