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

/*
 * Accounts of the admin console. `password_hash` is password_hash()'s
 * argon2id string; `tenant` a tenant's name, NULL for an operator (every
 * tenant). add: 409 when the name is taken, 404 when the tenant is not
 * there. password: a new password, which ends the account's sessions; 404
 * when there is no such account.
 */
bool store_admin_add(struct store *store, const char *name, const char *tenant,
		     const char *password_hash, struct scim_error *err);
bool store_admin_password(struct store *store, const char *name, const char *password_hash,
			  struct scim_error *err);
bool store_admin_remove(struct store *store, const char *name, struct scim_error *err);

struct store_admin_row {
	char *name;
	char *tenant;		/* NULL: an operator */
	char *created;
	char *last_sign_in;	/* NULL: never */
};
bool store_admin_list(struct store *store, struct store_admin_row **rows, int *nrows,
		      struct scim_error *err);

/*
 * The admin console (src/web/console.c). An account as a session or a
 * sign-in knows it: tenant_id "" for an operator.
 */
struct store_console_admin {
	long long id;
	char name[128];
	char tenant_id[37];
	char tenant_name[128];
};
/* Whether there is any account: without one, the console is 404. */
bool store_console_enabled(struct store *store, bool *enabled, struct scim_error *err);
/* The account named `name` with its password hash (into `hash`). */
bool store_console_admin_by_name(struct store *store, const char *name,
				 struct store_console_admin *out, char *hash, size_t hash_size,
				 bool *found, struct scim_error *err);
/* Failed sign-ins from `address` in the last 15 minutes; one more. */
bool store_console_failures(struct store *store, const char *address, long long *count,
			    struct scim_error *err);
bool store_console_failure_add(struct store *store, const char *address, struct scim_error *err);
/* A session, by the SHA-256 of its id: begun (the account's last sign-in
 * recorded), read (renewed; *found false when there is none, or it expired:
 * 30 minutes idle, 12 hours in all), ended (with every expired one). */
bool store_console_session_add(struct store *store, long long admin_id, const uint8_t hash[32],
			       const char *address, struct scim_error *err);
bool store_console_session(struct store *store, const uint8_t hash[32],
			   struct store_console_admin *out, bool *found, struct scim_error *err);
bool store_console_session_end(struct store *store, const uint8_t hash[32], struct scim_error *err);

/* A tenant as the console's home page shows it. */
struct store_console_tenant {
	char *id;
	char *name;
	long long users;
	long long active;
	long long groups;
	char *last_activity;	/* NULL: none */
	long long failures;	/* failed requests in the last 24 hours */
};
/* Every tenant (tenant_id NULL), or that one; by name. */
bool store_console_tenants(struct store *store, const char *tenant_id,
			   struct store_console_tenant **rows, int *nrows, struct scim_error *err);
/* The name of the tenant of that id; *found false when there is none. */
bool store_console_tenant_name(struct store *store, const char *tenant_id, char *name,
				size_t size, bool *found, struct scim_error *err);
/* The providers (tokens) of a tenant, as store_token_list() gives them. */
bool store_console_tokens(struct store *store, const char *tenant_id,
			  struct store_token_row **rows, int *nrows, struct scim_error *err);
bool store_console_token_add(struct store *store, const char *tenant_id, const char *title,
			     const char *const *networks, int nnetworks, const uint8_t hash[32],
			     long long *token_id, struct scim_error *err);
/* 404 unless `token_id` is a valid token of that tenant; its title. */
bool store_console_token_revoke(struct store *store, const char *tenant_id, const char *token_id,
				char *title, size_t title_size, struct scim_error *err);
bool store_console_token_rotate(struct store *store, const char *tenant_id, const char *token_id,
				const uint8_t hash[32], long long *new_id, char *title,
				size_t title_size, struct scim_error *err);

/*
 * The console's users and groups, as JSON text (malloc'd): a page of 50
 * (and one more, to tell a next page) of a tenant's users or groups whose
 * name starts with `arg` (NULL: all) after `offset`; or one user or group
 * (`arg` its id; 404 when none) with its document, and its groups or its
 * members (500 at most, and their count) as "related".
 */
enum store_console_query {
	STORE_CONSOLE_USERS, STORE_CONSOLE_GROUPS, STORE_CONSOLE_USER, STORE_CONSOLE_GROUP
};
char *store_console_json(struct store *store, enum store_console_query which,
			 const char *tenant_id, const char *arg, int offset, struct scim_error *err);

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
	const char *before;	/* a log_id: older rows only (the next page) */
	int limit;
};
/* The rows of the provisioning log that match, newest first, as the JSON
 * text of an array of objects (malloc'd); NULL with err set. */
char *store_log_query(struct store *store, const struct store_log_filter *filter,
		      struct scim_error *err);
/* Delete the rows older than `days` days, in batches of their own
 * transactions (writers never wait for it); how many in `removed`. */
bool store_log_prune(struct store *store, int days, long long *removed, struct scim_error *err);

/*
 * Schema extensions of a tenant's users or groups
 * (sql/012_schema_extensions.sql). Loading one that exists replaces its
 * definition; its unique indexes (attributes with uniqueness "server") are
 * built again, and values that repeat already make it a 409, as does a
 * URN that extends the other resource type. Everything in one transaction.
 */
struct store_extension_spec {
	const char *tenant;               /* the tenant's name */
	const struct schema_def *schema;  /* read by extension_from_json() */
	const char *definition;           /* the JSON it was read from */
	const char *resource_type;        /* "User" or "Group" */
	bool required;
};
bool store_extension_load(struct store *store, const struct store_extension_spec *spec,
			  bool *replaced, struct scim_error *err);

struct store_extension_row {
	char *tenant;
	char *urn;
	char *resource_type;
	bool required;
	int attributes;
	char *loaded;
};
/* The extensions of one tenant (by name) or of all (NULL). */
bool store_extension_list(struct store *store, const char *tenant,
			  struct store_extension_row **rows, int *nrows, struct scim_error *err);

/* An extension's definition as loaded (malloc'd JSON text), the resource
 * type it extends and whether it is required; 404 when there is none. */
bool store_extension_show(struct store *store, const char *tenant, const char *urn,
			  char **definition, char resource_type[8], bool *required,
			  struct scim_error *err);

/* Remove an extension with its indexes. When resources have values in
 * it, 409 unless `drop_values`, which removes those values too (a new
 * version of each resource); *dropped says how many resources had them. */
bool store_extension_remove(struct store *store, const char *tenant, const char *urn,
			    bool drop_values, long long *dropped, struct scim_error *err);

#endif
