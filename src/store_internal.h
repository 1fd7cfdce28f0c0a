/*
 * store_internal.h - what the store's files share (store.c: the connection;
 * store_users.c, store_groups.c: their tables). Not for the rest of the
 * service: only the store calls libpq.
 *
 * A statement is declared once, static, next to the code that runs it; it is
 * prepared on first use on each connection. Results are owned by the caller
 * (PQclear); NULL means failure with err set.
 */
#ifndef SCIM_STORE_INTERNAL_H
#define SCIM_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "store.h"

#define STORE_MAX_STATEMENTS 64

struct store_statement {
	const char *sql;
	int slot; /* 0 until first use */
};

PGresult *store_exec(struct store *store, struct store_statement *stmt, int nparams,
		     const char *const *params, struct scim_error *err);
PGresult *store_exec_query(struct store *store, const struct sql_query *q,
			   struct scim_error *err);

/* Run `stmt` and call fn(arg, row) for each row as it arrives (libpq's
 * single-row mode); each row is cleared after the call. */
typedef void (*store_row_fn)(void *arg, const PGresult *row);
bool store_exec_rows(struct store *store, struct store_statement *stmt, int nparams,
		     const char *const *params, store_row_fn fn, void *arg,
		     struct scim_error *err);

/* Row `i` of a result with STORE_RESOURCE_COLUMNS. */
bool store_read_resource(PGresult *res, int i, struct stored_resource *out,
			 struct scim_error *err);
/* Exactly one row, else 404; clears res. */
bool store_single_resource(PGresult *res, struct stored_resource *out,
			   struct scim_error *err);
/* Compact JSON text of a document; malloc'd. */
char *store_dump_doc(const json_t *doc);

#endif
