/*
 * store_internal.h - what the store's files share (store.c: the connection,
 * statements and what every table of resources does; store_users.c,
 * store_groups.c: their tables; store_list.c: lists, with filter_sql.c and
 * sql_query.c; store_admin.c: what scimctl does). Not for the rest of the
 * service: only the store calls libpq.
 *
 * A statement is declared once, static, next to the code that runs it; it is
 * prepared on first use on each connection. Results are owned by the caller
 * (PQclear); NULL means failure with err set.
 */
#ifndef SCIM_STORE_INTERNAL_H
#define SCIM_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "sql_query.h"
#include "store.h"

/* A timestamptz column as resources render it (meta.created,
 * meta.lastModified): UTC, to the millisecond. */
#define STORE_RENDERED_TIME(column) \
	"to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The columns of a resource in every query that returns one (the sort key
 * of a list may follow): id, created, lastModified, version, document, and
 * the derived attributes as JSON text (STORE_USER_GROUPS, or NULL). */
#define STORE_RESOURCE_COLUMNS_WITH(derived) \
	"r.id, " STORE_RENDERED_TIME("r.created") ", " STORE_RENDERED_TIME("r.last_modified") \
	", r.version, r.doc, " derived
#define STORE_RESOURCE_COLUMNS STORE_RESOURCE_COLUMNS_WITH("NULL::json")

/* The groups of user r (RFC 7643 4.1.2), direct and through nested groups,
 * as a JSON array of {"value", "display", "type"}; NULL when none
 * (sql/008_user_groups.sql). */
#define STORE_USER_GROUPS "scim_user_groups(r.tenant_id, r.id)"
#define STORE_USER_COLUMNS STORE_RESOURCE_COLUMNS_WITH(STORE_USER_GROUPS)

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

/* Run a statement whose result is of no interest. */
bool store_run(struct store *store, struct store_statement *stmt, int nparams,
	       const char *const *params, struct scim_error *err);

/* Fill `row` from row `i` of a result, its strings taken from `pool`. */
typedef void (*store_fill_fn)(void *row, const PGresult *res, int i, char **pool);
/*
 * Run a list statement: an array of its rows of `size` bytes each, filled
 * by fill(), followed by the values they point to; one allocation, which
 * free() releases whole. NULL with err set on failure.
 */
void *store_rows(struct store *store, struct store_statement *stmt, int nparams,
		 const char *const *params, size_t size, store_fill_fn fill, int *nrows,
		 struct scim_error *err);
/* A copy of a value of a result, taken from `pool` (see store_rows());
 * NULL for NULL. */
char *store_copy_value(const PGresult *res, int i, int j, char **pool);

/* Run a file of statements (the simple-query protocol): a migration. */
bool store_exec_script(struct store *store, const char *sql, struct scim_error *err);

/* A token's SHA-256 as the text of a bytea, "\x" and 64 hex digits. */
#define STORE_HASH_TEXT_SIZE (2 + 64 + 1)
void store_hash_text(const uint8_t hash[32], char text[STORE_HASH_TEXT_SIZE]);

/*
 * A table of resources (users, groups), by its statements. Each takes the
 * tenant as $1; get, get_for_update and delete take the id as $2; insert
 * the document as $2; update the id as $2 and the document as $3. All but
 * delete return STORE_RESOURCE_COLUMNS. commit_check is
 * STORE_COMMIT_CHECK(name).
 */
struct store_resource_table {
	const char *name;
	const char *commit_check;
	struct store_statement get;
	struct store_statement get_for_update;
	struct store_statement insert;
	struct store_statement update;
	struct store_statement delete;
};

/*
 * What became of transaction $1 (an xid8), and whether the row of the table
 * with tenant $2 and id $3 is as that transaction left it: the version it
 * wrote (xmin holds the low 32 bits of a transaction's id) at the time $4
 * (the row's lastModified; NULL for a row it deleted). The second column is
 * NULL when there is no such row.
 */
#define STORE_COMMIT_CHECK(table) \
	"SELECT pg_xact_status($1::xid8), (SELECT coalesce(r.xmin = $1::xid8::xid" \
	" AND r.last_modified = $4::timestamptz, false)" \
	" FROM " table " r WHERE r.tenant_id = $2 AND r.id = $3)"

/*
 * Note that the open transaction writes (with its time as lastModified) or
 * deletes a row of `table`; the last row noted tells,
 * should COMMIT lose the connection, whether the transaction that the
 * database says committed is this one. Every write of a user or group
 * notes its row; a change of members notes none, but comes with the
 * group's insert or store_group_touch().
 */
void store_note_row(struct store *store, const struct store_resource_table *table,
		    const char *tenant_id, const char *id, bool deleted);

/*
 * Run `stmt` as the transaction's last statement: when
 * store_commit_with_next() asked for it and the transaction began in an
 * earlier round trip, COMMIT goes with it, in the same round trip, and
 * store_commit() has nothing left to do. The row it writes must be noted
 * before (store_note_row()). NULL with *committed_unseen true when the
 * connection went during that COMMIT and the database said afterwards that
 * the transaction committed: its result was lost, the caller reads what it
 * wrote.
 */
PGresult *store_exec_last(struct store *store, struct store_statement *stmt, int nparams,
			  const char *const *params, bool *committed_unseen,
			  struct scim_error *err);

/* store_user_get() and its kin for any such table, as store.h says of them:
 * an id that is not a UUID, or no row, is 404. */
bool store_resource_get(struct store *store, struct store_resource_table *table,
			const char *tenant_id, const char *id, bool for_update,
			struct stored_resource *out, struct scim_error *err);
bool store_resource_insert(struct store *store, struct store_resource_table *table,
			   const char *tenant_id, const json_t *doc,
			   struct stored_resource *out, struct scim_error *err);
bool store_resource_update(struct store *store, struct store_resource_table *table,
			   const char *tenant_id, const char *id, const json_t *doc,
			   struct stored_resource *out, struct scim_error *err);
bool store_resource_delete(struct store *store, struct store_resource_table *table,
			   const char *tenant_id, const char *id, char **name,
			   struct scim_error *err);

/* Row `i` of a result with STORE_RESOURCE_COLUMNS. */
bool store_read_resource(const struct store *store, PGresult *res, int i,
			 struct stored_resource *out, struct scim_error *err);
/* Run `stmt`, which returns STORE_RESOURCE_COLUMNS: exactly one row into
 * `out`, else 404. */
bool store_exec_resource(struct store *store, struct store_statement *stmt, int nparams,
			 const char *const *params, struct stored_resource *out,
			 struct scim_error *err);
/* Write a row of `table` with `stmt` (params: tenant id, id, ...), which
 * returns STORE_RESOURCE_COLUMNS, as the transaction's last statement
 * (store_exec_last()): its row into `out`, else 404. */
bool store_write_resource(struct store *store, struct store_resource_table *table,
			  struct store_statement *stmt, int nparams, const char *const *params,
			  struct stored_resource *out, struct scim_error *err);
/* The provisioning log's INSERT, and its parameters from an entry (in
 * `text`, which holds the numbers written as text). */
#define STORE_LOG_PARAMS 16
extern struct store_statement store_log_insert;
struct store_log_params {
	const char *values[STORE_LOG_PARAMS];
	char text[4][24];
	char names[4096]; /* the attributes, as a PostgreSQL array literal */
};
void store_log_params(const struct store_log_entry *entry, struct store_log_params *out);

/* Compact JSON text of a document; malloc'd. */
char *store_dump_doc(const json_t *doc);

#endif
