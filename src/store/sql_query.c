/* sql_query.c - SQL text and parameters; see sql_query.h. */
#include "sql_query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (p == NULL)
		abort();
	return p;
}

void sql_query_init(struct sql_query *q)
{
	memset(q, 0, sizeof(*q));
	q->max_params = SQL_QUERY_MAX_PARAMS;
	q->cap = 256;
	q->text = xrealloc(NULL, q->cap);
	q->text[0] = '\0';
}

void sql_query_free(struct sql_query *q)
{
	int i;

	for (i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->text);
	memset(q, 0, sizeof(*q));
}

static void reserve(struct sql_query *q, size_t extra)
{
	if (q->len + extra + 1 <= q->cap)
		return;
	while (q->len + extra + 1 > q->cap)
		q->cap *= 2;
	q->text = xrealloc(q->text, q->cap);
}

void sql_query_append(struct sql_query *q, const char *sql)
{
	size_t n = strlen(sql);

	reserve(q, n);
	memcpy(q->text + q->len, sql, n + 1);
	q->len += n;
}

void sql_query_appendf(struct sql_query *q, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	reserve(q, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(q->text + q->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	q->len += (size_t)n;
}

int sql_query_add_param(struct sql_query *q, const char *value)
{
	if (q->broken || q->nparams >= q->max_params || q->nparams >= SQL_QUERY_MAX_PARAMS) {
		q->broken = true;
		return 0;
	}
	q->params[q->nparams] = NULL;
	if (value != NULL) {
		q->params[q->nparams] = strdup(value);
		if (q->params[q->nparams] == NULL)
			abort();
	}
	return ++q->nparams;
}

void sql_query_param(struct sql_query *q, const char *value)
{
	int n = sql_query_add_param(q, value);

	if (n != 0)
		sql_query_appendf(q, "$%d", n);
}
