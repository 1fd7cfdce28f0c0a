/*
 * store_admin.h - what the administrator's tool (scimctl) asks of the
 * store: the migrations of sql/, tenants, tokens and the provisioning log. The workers need none
 * of it.
 *
 * The conventions are store.h's: on error a function returns false with err
 * set (503 when the database is unreachable, 500 for anything unexpected,
 * logged). Out-parameters are owned by the caller: the rows of a list are
 * one allocation, strings included, that free(rows) releases; all other
 * arguments are borrowed. Times are text to the minute, "YYYY-MM-DD HH:MM",
 * in the database's time zone.
 */
#ifndef SCIM_STORE_ADMIN_H
#define SCIM_STORE_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * Migrations: each file of sql/ is applied once, in its own transaction, and
 * recorded in schema_migrations. store_migrations_lock() waits for the
 * migration lock (a PostgreSQL advisory lock), which this store's
 * connection holds until it closes, then creates that table when it is
 * missing: runs of scimctl migrate from several hosts apply one after
 * another.
 */
bool store_migrations_lock(struct store *store, struct scim_error *err);
/* Whether migration `version` is recorded as applied. */
bool store_migration_applied(struct store *store, int version, bool *applied,
			     struct scim_error *err);
/* Run `sql` (a file of statements) and record `version` and `name`, in one
 * transaction, rolled back when anything fails. */
bool store_migration_apply(struct store *store, int version, const char *name,
			   const char *sql, struct scim_error *err);

/* Add a tenant; its id (a UUID) goes to `id`. A name that is taken is 409. */
bool store_tenant_add(struct store *store, const char *name, char id[37],
		      struct scim_error *err);

/* Rename the tenant named `name`: 404 when there is none, 409 when
 * `new_name` is taken. Its tokens keep working. */
bool store_tenant_rename(struct store *store, const char *name, const char *new_name,
			 struct scim_error *err);

/* What deleting a tenant would remove. */
struct store_tenant_counts {
	char id[37];
	long long users;
	long long groups;
	long long tokens;
	long long log_rows;
};
/* 404 when there is no tenant of that name. */
bool store_tenant_counts(struct store *store, const char *name,
			 struct store_tenant_counts *out, struct scim_error *err);
/* Delete the tenant named `name` with everything it holds: users, groups,
 * tokens, its provisioning log. 404 when there is none. */
bool store_tenant_delete(struct store *store, const char *name, struct scim_error *err);

struct store_tenant_row {
	char *name;
	char *id;
	char *created;
	long long users;
	long long groups;
};
/* Every tenant, by name, with its numbers of users and groups. */
bool store_tenant_list(struct store *store, struct store_tenant_row **rows, int *nrows,
		       struct scim_error *err);

/* What an administrator says of a new token. */
struct store_token_spec {
	const char *title;
	const char *const *networks; /* each a CIDR network; none: from anywhere */
	int nnetworks;
	const char *expires;	/* a timestamptz as PostgreSQL reads it; NULL: never */
};

/*
 * Add a token of the tenant named `tenant`, stored as its SHA-256 `hash`;
 * its number goes to `token_id`. 400 for a network that is not one or an
 * expiry that is not a time; 404 when there is no such tenant.
 */
bool store_token_add(struct store *store, const char *tenant, const struct store_token_spec *spec,
		     const uint8_t hash[32], long long *token_id, struct scim_error *err);

struct store_token_row {
	long long id;
	char *tenant;
	char *title;
	char *created;
	char *last_used;	/* NULL: never used */
	char *networks;		/* separated by spaces; NULL: from anywhere */
	char *status;		/* valid, expired or revoked */
	char *expires;		/* NULL: never */
};
/* The tokens of the tenant named `tenant` (NULL: of every tenant), by
 * number. The tokens themselves are never stored, hence never listed. */
bool store_token_list(struct store *store, const char *tenant,
		      struct store_token_row **rows, int *nrows, struct scim_error *err);

/* Revoke token number `token_id`, given as text: 400 when it is not a
 * number, 404 when no valid token has it (none, or revoked already). */
bool store_token_revoke(struct store *store, const char *token_id, struct scim_error *err);

/* Allow valid token number `token_id` only from `networks` (none: from
 * anywhere), from the next request on. 400 and 404 as above. */
bool store_token_restrict(struct store *store, const char *token_id,
			  const char *const *networks, int nnetworks, struct scim_error *err);

/* A token issued in place of another: the same tenant and title. */
struct store_token_rotated {
	long long token_id;
	char title[256];
	char tenant[128];
};
/*
 * Issue a token (stored as its SHA-256 `hash`) for the provider of valid
 * token `token_id`: the same tenant, title and networks, and its expiry
 * unless `expires` (a time; NULL: the old one's) is given. The old token
 * keeps working until it is revoked. 404 when there is no such valid token.
 */
bool store_token_rotate(struct store *store, const char *token_id, const char *expires,
			const uint8_t hash[32], struct store_token_rotated *out,
			struct scim_error *err);

/* Whether PostgreSQL reads `text` as a time (timestamptz). */
bool store_time_valid(struct store *store, const char *text, bool *valid, struct scim_error *err);

/* What scimctl log asks for; NULL members do not filter. */
struct store_log_filter {
	const char *tenant;	/* its name */
	const char *provider;	/* a token id */
	const char *resource;	/* an id, or a userName or displayName (any case) */
	const char *action;
	const char *status;	/* a number */
	bool failed;		/* status 400 and above only */
	const char *since;	/* times */
	const char *until;
	int limit;
};
/* The rows of the provisioning log that match, newest first, as the JSON
 * text of an array of objects (malloc'd); NULL with err set. */
char *store_log_query(struct store *store, const struct store_log_filter *filter,
		      struct scim_error *err);
/* Delete the rows older than `days` days, in batches of their own
 * transactions (writers never wait for it); how many in `removed`. */
bool store_log_prune(struct store *store, int days, long long *removed, struct scim_error *err);

#endif
