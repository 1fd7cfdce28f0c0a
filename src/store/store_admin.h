/*
 * store_admin.h - what the administrator's tool (scimctl) asks of the
 * store: the migrations of sql/, tenants and tokens. The workers need none
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

#endif
