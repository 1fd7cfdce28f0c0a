/*
 * store.h - PostgreSQL storage, the interface of the store layer (src/store/),
 * the only code that sees SQL or calls libpq: connections, transactions,
 * tokens, users, groups and their members, and lists of them.
 *
 * One persistent connection per worker, opened lazily and re-opened after it
 * breaks: a statement that finds it broken while idle (the database
 * restarted since the last request) runs again on a new one; one that loses
 * it in the middle of a transaction gets 503. Every statement is prepared
 * once per connection and executed with $n parameters; dynamic list queries
 * are prepared on first use and cached by their text.
 *
 * Every function takes the tenant and touches only that tenant's rows. On
 * error a function returns false with err set: 404 for rows that are not
 * there, 409 uniqueness for unique violations, 503 when the database is
 * unreachable, 500 for anything unexpected (logged).
 *
 * Ownership: out-parameters are owned by the caller (stored_resource_clear());
 * all other arguments are borrowed.
 */
#ifndef SCIM_STORE_H
#define SCIM_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "cursor.h"
#include "error.h"
#include "filter.h"
#include "log.h"
#include "resource.h"

struct store;

struct tenant {
	char id[37];
	char name[128];
	long long token_id;
	char title[128]; /* the token's: the provider, as the administrator named it */
	long long schema_version; /* of its schema extensions (store_extensions_of) */
};

/* A store that connects with `conninfo` on first use. */
struct store *store_new(const char *conninfo);
void store_free(struct store *store);

/* The log context of the request the store now serves (NULL: none), for
 * the lines it logs; borrowed until the next call. */
void store_set_log(struct store *store, const struct log_context *log);

/*
 * Keep checked tokens in memory for `seconds` at most (0: ask the database
 * on every request). A request answered from memory sends a check ahead of
 * its first statement, in the same round trip, that no token changed since
 * (revoked, restricted, expired, deleted: sql/007_token_changes.sql); when
 * one did, nothing runs before the request's token is checked again.
 * Default 60; after that a token is checked again and its last use
 * recorded.
 */
void store_set_token_cache(struct store *store, int seconds);

/* Connect if needed; 503 when the database cannot be reached. */
bool store_connect(struct store *store, struct scim_error *err);
/* Why the last attempt to connect failed: libpq's message (first line). */
const char *store_connect_failure(const struct store *store);
/*
 * A request answered with a kept token learns at its first statement that
 * tokens changed; when the change was to its tenant's schema extensions
 * (schema_version), the request was read with the old ones: the statement
 * fails, nothing of the request has run, and this is true until the next
 * store_token_authenticate(). The router then serves it again.
 */
bool store_schemas_changed(const struct store *store);
/* Confirm a kept token now, on its own (a Bulk request, whose operations
 * must all see the same schemas): false, with schemas changed or 401. */
bool store_token_confirm(struct store *store, struct scim_error *err);

/* The unique index or constraint the last 409 uniqueness was about ("" for
 * none): an extension's index names its attribute (tenant_schemas.h). */
const char *store_failed_constraint(const struct store *store);
/* The detail of a 409 about such an index, before the worker names it. */
#define STORE_UNIQUE_TAKEN "a value that must be unique in the tenant is already taken"

/*
 * The schema version this program needs: the number of the last migration
 * of sql/ it was built with. A database whose schema_migrations (written by
 * scimctl migrate) records a lower one lacks something it uses; migrations
 * only add, so a higher one (migrated ahead of a rolling upgrade) serves.
 */
#define STORE_SCHEMA_VERSION 13

/* The database's schema version: its last migration applied; 0 when
 * scimctl migrate never ran on it. 503 when it cannot be reached. */
bool store_schema_version(struct store *store, int *version, struct scim_error *err);

/* A schema extension of a tenant, as loaded by scimctl schema load. */
struct store_extension_def {
	char *urn;
	char *resource_type; /* "User" or "Group" */
	bool required;
	char *definition;    /* RFC 7643 section 7 JSON */
};
/* The tenant's extensions, by URN: one allocation (see store_admin.h). */
bool store_extensions_of(struct store *store, const char *tenant_id,
			 struct store_extension_def **rows, int *nrows, struct scim_error *err);

/*
 * One transaction per writing request. Rollback never fails visibly. A
 * COMMIT that loses the connection is not answered with a guess: the store
 * asks the database, on a new connection and for up to 10 s, whether the
 * transaction committed, and succeeds if it did and the last user or group
 * it wrote shows that the commit is this transaction's (its id may have
 * gone to another after a crash); otherwise 503, whose detail says so when
 * the outcome could not be learned.
 */
bool store_begin(struct store *store, struct scim_error *err);
bool store_commit(struct store *store, struct scim_error *err);
void store_rollback(struct store *store);

/*
 * The caller's next write of a user or group (an update, a delete, a
 * group's new version) is the transaction's last statement: COMMIT may go
 * with it in one round trip, when the transaction has begun. Nothing but
 * reads may follow it; store_commit() is still called, and a failure after
 * it can no longer undo the write.
 */
void store_commit_with_next(struct store *store);

/*
 * A row of the provisioning log (sql/010_provisioning_log.sql): what one
 * write of a client did. The strings marked owned are malloc'd and freed by
 * store_log_entry_clear(); the others are borrowed. NULL (or "") is stored
 * as NULL.
 */
struct store_log_entry {
	const char *tenant_id;      /* NULL: no tenant */
	long long token_id;         /* 0: no token accepted */
	const char *request_id;
	const char *client_address; /* NULL: unknown */
	const char *method;
	const char *resource_type;  /* "User", "Group", "Bulk"; NULL: none */
	char resource_id[37];       /* a UUID; "": none */
	char *resource_name;        /* owned: userName or displayName */
	const char *action;         /* created, replaced, modified, ... */
	bool members;               /* a group's write: the counts below count */
	long long members_added;
	long long members_removed;
	int status;
	const char *scim_type;
	const char *detail;
	json_t *attributes;         /* owned: a JSON array of the names changed */
	const char *admin;          /* the console's administrator; NULL: a client */
};
void store_log_entry_clear(struct store_log_entry *entry);

/*
 * Write `entry` with the open transaction's COMMIT, in the same round trip:
 * it is read when COMMIT is sent, by store_commit() or with the statement
 * after store_commit_with_next(), so it must be complete by then; it stays
 * borrowed until that COMMIT (or store_rollback()). A failed log write fails
 * the COMMIT: the change and its row are made together or not at all.
 */
void store_log_with_commit(struct store *store, const struct store_log_entry *entry);

/* Write `entry` on its own, outside any transaction: a failed write after
 * its rollback, a read, a refused authentication. */
bool store_log_write(struct store *store, const struct store_log_entry *entry,
		     struct scim_error *err);

/*
 * The tenant of a token (its SHA-256), when the token is valid (not revoked,
 * not expired) and allowed from `client_address` (NULL when unknown). 401
 * otherwise. Answered from memory when the token was checked before
 * (store_set_token_cache()); records last use at most once a minute.
 */
bool store_token_authenticate(struct store *store, const uint8_t hash[32],
			      const char *client_address, struct tenant *out,
			      struct scim_error *err);

/* Users. `doc` is a normalized document (resource_normalize()). A user read
 * and its update come with its groups, except a read for_update (locked to
 * be changed), which has none. */
bool store_user_get(struct store *store, const char *tenant_id, const char *id,
		    bool for_update, struct stored_resource *out, struct scim_error *err);
bool store_user_insert(struct store *store, const char *tenant_id, const json_t *doc,
		       struct stored_resource *out, struct scim_error *err);
bool store_user_update(struct store *store, const char *tenant_id, const char *id,
		       const json_t *doc, struct stored_resource *out,
		       struct scim_error *err);
bool store_user_delete(struct store *store, const char *tenant_id, const char *id,
		       char **name, struct scim_error *err);

/* Groups. The document holds no members: they are rows of group_members. */
bool store_group_get(struct store *store, const char *tenant_id, const char *id,
		     bool for_update, struct stored_resource *out, struct scim_error *err);
bool store_group_insert(struct store *store, const char *tenant_id, const json_t *doc,
			struct stored_resource *out, struct scim_error *err);
bool store_group_update(struct store *store, const char *tenant_id, const char *id,
			const json_t *doc, struct stored_resource *out,
			struct scim_error *err);
/* A new version and lastModified after its members changed. */
bool store_group_touch(struct store *store, const char *tenant_id, const char *id,
		       struct stored_resource *out, struct scim_error *err);
bool store_group_delete(struct store *store, const char *tenant_id, const char *id,
			char **name, struct scim_error *err);

/*
 * Add members: `members` is an array of member objects {"value": id}. Members
 * already there are left alone. 400 invalidValue naming the first value that
 * is not a user or group of the tenant, or is the group itself. `added`
 * receives the number of new memberships. Work is proportional to the
 * members named, never to the size of the group.
 */
bool store_group_members_add(struct store *store, const char *tenant_id,
			     const char *group_id, const json_t *members,
			     long long *added, struct scim_error *err);
/* Remove the members named (NULL: all of them); unknown ones are ignored. */
bool store_group_members_remove(struct store *store, const char *tenant_id,
				const char *group_id, const json_t *members,
				long long *removed, struct scim_error *err);

/* Remove every member not named in `members` (PUT, replace). */
bool store_group_members_keep_only(struct store *store, const char *tenant_id,
				   const char *group_id, const json_t *members,
				   long long *removed, struct scim_error *err);

/* Each member of a group, as the rows arrive: type is "User" or "Group",
 * display may be NULL. */
typedef void (*store_member_fn)(void *arg, const char *id, const char *type,
				const char *display);
bool store_group_members_each(struct store *store, const char *tenant_id,
			      const char *group_id, store_member_fn fn, void *arg,
			      struct scim_error *err);


/*
 * A list of users or groups (RFC 7644 3.4.2): those that match a filter, in
 * a stable order (the id breaks every tie), one page of them, by index
 * (startIndex) or by cursor (RFC 9865).
 */
struct store_list_request {
	const struct resource_type_def *rt; /* resource_type_user or _group */
	const struct filter_node *filter;   /* NULL: every resource */
	const char *base_url;   /* what resources are rendered with, for filters
				   on meta.location and the manager's $ref */
	const char *sort_by;    /* an attribute path; NULL: by id */
	bool descending;
	bool cursor_paging;     /* by cursor; else by index from start_index */
	const struct cursor *position; /* cursor paging: the page after it (or
				   before it, when backward); NULL: the first */
	long start_index;       /* index paging: the first row, from 1 */
	long count;             /* rows wanted, 0 or more */
	bool with_groups;       /* users: read each one's groups too */
};

struct store_list_page {
	struct stored_resource *rows; /* in list order, each with its sort key
				   (and its groups when asked for) */
	int nrows;
	bool more;         /* cursor paging: more rows past the page, read on
			      in the page's direction */
	long long total;   /* every resource the filter selects */
};

/*
 * The page a list request asks for. 400 invalidValue for a sortBy that
 * cannot be sorted by, 400 invalidFilter for a filter SQL cannot answer
 * (filter_sql.h). The page is empty on failure; otherwise the caller
 * clears it with store_list_page_clear().
 */
bool store_list(struct store *store, const char *tenant_id,
		const struct store_list_request *req, struct store_list_page *page,
		struct scim_error *err);
void store_list_page_clear(struct store_list_page *page);

#endif
