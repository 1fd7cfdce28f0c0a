/* store_admin.c - migrations, tenants and tokens for scimctl; see store_admin.h. */
#include "store_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* The key of the advisory lock that serialises migrations. */
#define MIGRATION_LOCK "7243001"

static struct store_statement migrations_create = { .sql =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version integer PRIMARY KEY, name text NOT NULL,"
	" applied timestamptz NOT NULL DEFAULT now())"
};
static struct store_statement migrations_comment = { .sql =
	"COMMENT ON TABLE schema_migrations IS"
	" 'Migrations from sql/ applied to this database, by scimctl migrate.'"
};
static struct store_statement migrations_lock = { .sql =
	"SELECT pg_advisory_lock(" MIGRATION_LOCK ")"
};
static struct store_statement migration_applied = { .sql =
	"SELECT 1 FROM schema_migrations WHERE version = $1"
};
static struct store_statement migration_record = { .sql =
	"INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"
};
static struct store_statement tenant_add = { .sql =
	"INSERT INTO tenants (name) VALUES ($1) RETURNING tenant_id"
};
static struct store_statement tenant_rename = { .sql =
	"UPDATE tenants SET name = $2 WHERE name = $1 RETURNING tenant_id"
};
static struct store_statement tenant_counts = { .sql =
	"SELECT t.tenant_id,"
	" (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id),"
	" (SELECT count(*) FROM groups g WHERE g.tenant_id = t.tenant_id),"
	" (SELECT count(*) FROM tokens k WHERE k.tenant_id = t.tenant_id),"
	" (SELECT count(*) FROM provisioning_log l WHERE l.tenant_id = t.tenant_id)"
	" FROM tenants t WHERE t.name = $1"
};
static struct store_statement tenant_delete = { .sql =
	"DELETE FROM tenants WHERE name = $1"
};
static struct store_statement tenant_list = { .sql =
	"SELECT t.name, t.tenant_id, to_char(t.created, 'YYYY-MM-DD HH24:MI'),"
	" (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id),"
	" (SELECT count(*) FROM groups g WHERE g.tenant_id = t.tenant_id)"
	" FROM tenants t ORDER BY t.name"
};
static struct store_statement token_add = { .sql =
	"INSERT INTO tokens (tenant_id, title, token_hash, allowed_networks, expires)"
	" SELECT tenant_id, $2, $3::bytea, $4::cidr[], $5::timestamptz FROM tenants WHERE name = $1"
	" RETURNING token_id"
};
static struct store_statement token_list = { .sql =
	"SELECT k.token_id, n.name, k.title, to_char(k.created, 'YYYY-MM-DD HH24:MI'),"
	" to_char(k.last_used, 'YYYY-MM-DD HH24:MI'),"
	" array_to_string(k.allowed_networks, ' '),"
	" CASE WHEN k.revoked IS NOT NULL THEN 'revoked'"
	" WHEN k.expires <= now() THEN 'expired' ELSE 'valid' END,"
	" to_char(k.expires, 'YYYY-MM-DD HH24:MI')"
	" FROM tokens k JOIN tenants n USING (tenant_id)"
	" WHERE ($1::text IS NULL OR n.name = $1) AND ($2::uuid IS NULL OR k.tenant_id = $2)"
	" ORDER BY k.token_id"
};
static struct store_statement token_rotate = { .sql =
	"INSERT INTO tokens (tenant_id, title, token_hash, allowed_networks, expires)"
	" SELECT k.tenant_id, k.title, $2::bytea, k.allowed_networks,"
	" CASE WHEN $3::text IS NULL THEN k.expires ELSE $3::timestamptz END"
	" FROM tokens k WHERE k.token_id = $1::bigint AND k.revoked IS NULL"
	" RETURNING token_id, title, (SELECT name FROM tenants n WHERE n.tenant_id = tokens.tenant_id)"
};
static struct store_statement time_check = { .sql =
	"SELECT $1::timestamptz"
};
static struct store_statement log_query = { .sql =
	"SELECT coalesce(json_agg(r ORDER BY r.log_id DESC), '[]') FROM ("
	" SELECT o.log_id, to_char(o.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at,"
	" o.tenant, o.provider, o.token_id, o.action, o.resource_type, o.resource_id,"
	" o.resource_name, o.attributes, o.members_added, o.members_removed, o.status,"
	" o.scim_type, o.detail, o.method, o.client_address, o.request_id, o.admin"
	" FROM provisioning_log_overview o"
	" WHERE ($1::text IS NULL OR o.tenant = $1)"
	" AND ($2::bigint IS NULL OR o.token_id = $2)"
	" AND ($3::text IS NULL OR o.resource_id::text = lower($3)"
	" OR lower(o.resource_name) = lower($3))"
	" AND ($4::text IS NULL OR o.action = $4)"
	" AND ($5::integer IS NULL OR o.status = $5)"
	" AND (NOT $6::boolean OR o.status >= 400)"
	" AND ($7::timestamptz IS NULL OR o.at >= $7)"
	" AND ($8::timestamptz IS NULL OR o.at < $8)"
	" AND ($10::bigint IS NULL OR o.log_id < $10)"
	" ORDER BY o.log_id DESC LIMIT $9) r"
};
/* A batch at a time, each its own transaction: writers never wait. */
#define PRUNE_BATCH "10000"
static struct store_statement log_prune = { .sql =
	"DELETE FROM provisioning_log WHERE ctid = ANY (ARRAY("
	" SELECT ctid FROM provisioning_log"
	" WHERE at < now() - make_interval(days => $1::integer) LIMIT " PRUNE_BATCH "))"
};
static struct store_statement admin_add = { .sql =
	"INSERT INTO admins (name, tenant_id, password_hash)"
	" SELECT $1, t.tenant_id, $3 FROM (SELECT NULL) one"
	" LEFT JOIN tenants t ON t.name = $2 WHERE $2::text IS NULL OR t.tenant_id IS NOT NULL"
	" RETURNING admin_id"
};
/* A new password ends the account's sessions. */
static struct store_statement admin_password = { .sql =
	"WITH a AS (UPDATE admins SET password_hash = $2 WHERE name = $1 RETURNING admin_id),"
	" s AS (DELETE FROM admin_sessions WHERE admin_id IN (SELECT admin_id FROM a))"
	" SELECT admin_id FROM a"
};
static struct store_statement admin_list = { .sql =
	"SELECT a.name, t.name, to_char(a.created, 'YYYY-MM-DD HH24:MI'),"
	" to_char(a.last_sign_in, 'YYYY-MM-DD HH24:MI')"
	" FROM admins a LEFT JOIN tenants t USING (tenant_id) ORDER BY a.name"
};
static struct store_statement admin_remove = { .sql =
	"DELETE FROM admins WHERE name = $1"
};
/* ---- the admin console ---- */
static struct store_statement console_enabled = { .sql =
	"SELECT EXISTS (SELECT 1 FROM admins)"
};
static struct store_statement console_admin_by_name = { .sql =
	"SELECT a.admin_id, a.name, coalesce(a.tenant_id::text, ''), coalesce(t.name, ''), a.password_hash"
	" FROM admins a LEFT JOIN tenants t USING (tenant_id) WHERE a.name = $1"
};
static struct store_statement console_failures = { .sql =
	"SELECT count(*) FROM admin_sign_in_failures"
	" WHERE client_address = $1 AND at > now() - interval '15 minutes'"
};
static struct store_statement console_failure_add = { .sql =
	"WITH old AS (DELETE FROM admin_sign_in_failures WHERE at < now() - interval '15 minutes')"
	" INSERT INTO admin_sign_in_failures (client_address) VALUES ($1)"
};
static struct store_statement console_session_add = { .sql =
	"WITH a AS (UPDATE admins SET last_sign_in = now() WHERE admin_id = $1::bigint)"
	" INSERT INTO admin_sessions (session_hash, admin_id, client_address)"
	" VALUES ($2::bytea, $1::bigint, $3)"
};
/* A session lives 30 minutes idle and 12 hours in all; reading it renews
 * the first. */
static struct store_statement console_session = { .sql =
	"UPDATE admin_sessions s SET last_seen = now() FROM admins a"
	" LEFT JOIN tenants t USING (tenant_id)"
	" WHERE s.session_hash = $1::bytea AND a.admin_id = s.admin_id"
	" AND s.last_seen > now() - interval '30 minutes' AND s.created > now() - interval '12 hours'"
	" RETURNING a.admin_id, a.name, coalesce(a.tenant_id::text, ''), coalesce(t.name, '')"
};
static struct store_statement console_session_end = { .sql =
	"DELETE FROM admin_sessions WHERE session_hash = $1::bytea"
	" OR last_seen < now() - interval '30 minutes' OR created < now() - interval '12 hours'"
};
static struct store_statement console_tenants = { .sql =
	"SELECT t.tenant_id, t.name,"
	" (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id),"
	" (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id AND u.active),"
	" (SELECT count(*) FROM groups g WHERE g.tenant_id = t.tenant_id),"
	" (SELECT to_char(max(l.at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC' FROM provisioning_log l"
	"  WHERE l.tenant_id = t.tenant_id),"
	" (SELECT count(*) FROM provisioning_log l WHERE l.tenant_id = t.tenant_id"
	"  AND l.status >= 400 AND l.at > now() - interval '24 hours')"
	" FROM tenants t WHERE $1::uuid IS NULL OR t.tenant_id = $1::uuid ORDER BY t.name"
};
static struct store_statement console_tenant_name = { .sql =
	"SELECT name FROM tenants WHERE tenant_id = $1::uuid"
};
static struct store_statement console_token_add = { .sql =
	"INSERT INTO tokens (tenant_id, title, token_hash, allowed_networks)"
	" VALUES ($1::uuid, $2, $3::bytea, $4::cidr[]) RETURNING token_id"
};
static struct store_statement console_token_revoke = { .sql =
	"UPDATE tokens SET revoked = now() WHERE tenant_id = $1::uuid AND token_id = $2::bigint"
	" AND revoked IS NULL RETURNING title"
};
static struct store_statement console_token_rotate = { .sql =
	"INSERT INTO tokens (tenant_id, title, token_hash, allowed_networks, expires)"
	" SELECT k.tenant_id, k.title, $3::bytea, k.allowed_networks, k.expires"
	" FROM tokens k WHERE k.tenant_id = $1::uuid AND k.token_id = $2::bigint AND k.revoked IS NULL"
	" RETURNING token_id, title"
};
/* Escaped for LIKE: the administrator's search is text, not a pattern. */
#define LIKE_PREFIX(p) "replace(replace(replace(scim_fold(" p "), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"
static struct store_statement console_users = { .sql =
	"SELECT coalesce(json_agg(r), '[]') FROM ("
	" SELECT u.id, u.user_name, u.display_name, u.external_id, u.active,"
	" to_char(u.last_modified AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last_modified"
	" FROM users u WHERE u.tenant_id = $1::uuid"
	" AND ($2::text IS NULL OR scim_fold(u.user_name) LIKE " LIKE_PREFIX("$2")
	" OR scim_fold(u.display_name) LIKE " LIKE_PREFIX("$2") ")"
	" ORDER BY scim_fold(u.user_name) LIMIT 51 OFFSET $3::integer) r"
};
static struct store_statement console_groups = { .sql =
	"SELECT coalesce(json_agg(r), '[]') FROM ("
	" SELECT g.id, g.display_name, g.external_id,"
	" (SELECT count(*) FROM group_members m WHERE m.tenant_id = g.tenant_id"
	"  AND m.group_id = g.id) AS members,"
	" to_char(g.last_modified AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last_modified"
	" FROM groups g WHERE g.tenant_id = $1::uuid"
	" AND ($2::text IS NULL OR scim_fold(g.display_name) LIKE " LIKE_PREFIX("$2") ")"
	" ORDER BY scim_fold(g.display_name) LIMIT 51 OFFSET $3::integer) r"
};
static struct store_statement console_user = { .sql =
	"SELECT json_build_object('id', u.id, 'name', u.user_name, 'doc', u.doc, 'version', u.version,"
	" 'created', to_char(u.created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
	" 'last_modified', to_char(u.last_modified AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
	" 'related', coalesce((SELECT json_agg(json_build_object('id', g.id, 'name', g.display_name,"
	"  'type', 'Group') ORDER BY scim_fold(g.display_name))"
	"  FROM group_members m JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id"
	"  WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id), '[]'), 'related_count', NULL)"
	" FROM users u WHERE u.tenant_id = $1::uuid AND u.id = $2::uuid"
};
static struct store_statement console_group = { .sql =
	"SELECT json_build_object('id', g.id, 'name', g.display_name, 'doc', g.doc,"
	" 'version', g.version,"
	" 'created', to_char(g.created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
	" 'last_modified', to_char(g.last_modified AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
	" 'related', coalesce((SELECT json_agg(x) FROM (SELECT coalesce(u.id, s.id) AS id,"
	"  coalesce(u.user_name, s.display_name) AS name,"
	"  CASE WHEN u.id IS NOT NULL THEN 'User' ELSE 'Group' END AS type"
	"  FROM group_members m"
	"  LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id"
	"  LEFT JOIN groups s ON s.tenant_id = m.tenant_id AND s.id = m.member_group_id"
	"  WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id"
	"  ORDER BY 2 LIMIT 500) x), '[]'),"
	" 'related_count', (SELECT count(*) FROM group_members m WHERE m.tenant_id = g.tenant_id"
	"  AND m.group_id = g.id))"
	" FROM groups g WHERE g.tenant_id = $1::uuid AND g.id = $2::uuid"
};
static struct store_statement token_revoke = { .sql =
	"UPDATE tokens SET revoked = now() WHERE token_id = $1::bigint"
	" AND revoked IS NULL RETURNING token_id"
};
static struct store_statement token_restrict = { .sql =
	"UPDATE tokens SET allowed_networks = $2::cidr[] WHERE token_id = $1::bigint"
	" AND revoked IS NULL RETURNING token_id"
};

bool store_migrations_lock(struct store *store, struct scim_error *err)
{
	/* The lock first: two first runs would both create the table. */
	return store_run(store, &migrations_lock, 0, NULL, err) &&
	       store_run(store, &migrations_create, 0, NULL, err) &&
	       store_run(store, &migrations_comment, 0, NULL, err);
}

bool store_migration_applied(struct store *store, int version, bool *applied,
			     struct scim_error *err)
{
	char text[16];
	const char *params[1] = { text };
	PGresult *res;

	snprintf(text, sizeof(text), "%d", version);
	res = store_exec(store, &migration_applied, 1, params, err);
	if (res == NULL)
		return false;
	*applied = PQntuples(res) > 0;
	PQclear(res);
	return true;
}

bool store_migration_apply(struct store *store, int version, const char *name,
			   const char *sql, struct scim_error *err)
{
	char text[16];
	const char *params[2] = { text, name };

	snprintf(text, sizeof(text), "%d", version);
	if (store_begin(store, err) && store_exec_script(store, sql, err) &&
	    store_run(store, &migration_record, 2, params, err) && store_commit(store, err))
		return true;
	store_rollback(store);
	return false;
}

bool store_tenant_add(struct store *store, const char *name, char id[37],
		      struct scim_error *err)
{
	const char *params[1] = { name };
	PGresult *res = store_exec(store, &tenant_add, 1, params, err);

	if (res == NULL && err->status == 409) {
		error_clear(err);
		return error_set(err, 409, NULL, "tenant \"%s\" already exists", name);
	}
	if (res == NULL)
		return false;
	snprintf(id, 37, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return true;
}

static void fill_tenant(void *p, const PGresult *res, int i, char **pool)
{
	struct store_tenant_row *row = p;

	row->name = store_copy_value(res, i, 0, pool);
	row->id = store_copy_value(res, i, 1, pool);
	row->created = store_copy_value(res, i, 2, pool);
	row->users = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	row->groups = strtoll(PQgetvalue(res, i, 4), NULL, 10);
}

bool store_tenant_list(struct store *store, struct store_tenant_row **rows, int *nrows,
		       struct scim_error *err)
{
	*rows = store_rows(store, &tenant_list, 0, NULL, sizeof(**rows), fill_tenant, nrows, err);
	return *rows != NULL;
}

/*
 * The networks as a PostgreSQL array literal, "{a,b}" (malloc'd); NULL for
 * none. Each must be one element: 400 for one that holds what the literal
 * would read as more (a comma, a quote or a brace).
 */
static bool networks_literal(const char *const *networks, int nnetworks, char **literal,
			     struct scim_error *err)
{
	size_t size = 3;
	size_t used = 0;
	int i;

	*literal = NULL;
	if (nnetworks == 0)
		return true;
	for (i = 0; i < nnetworks; i++) {
		if (strpbrk(networks[i], ",\"{}") != NULL)
			return error_set(err, 400, SCIM_INVALID_VALUE,
					 "a value has the wrong format");
		size += strlen(networks[i]) + 1;
	}
	*literal = malloc(size);
	if (*literal == NULL)
		abort();
	for (i = 0; i < nnetworks; i++)
		used += (size_t)snprintf(*literal + used, size - used, "%c%s", i ? ',' : '{',
					 networks[i]);
	snprintf(*literal + used, size - used, "}");
	return true;
}

bool store_token_add(struct store *store, const char *tenant, const struct store_token_spec *spec,
		     const uint8_t hash[32], long long *token_id, struct scim_error *err)
{
	char hex[STORE_HASH_TEXT_SIZE];
	char *literal;
	const char *params[5] = { tenant, spec->title, hex, NULL, spec->expires };
	PGresult *res;
	bool found;

	if (!networks_literal(spec->networks, spec->nnetworks, &literal, err))
		return false;
	store_hash_text(hash, hex);
	params[3] = literal;
	res = store_exec(store, &token_add, 5, params, err);
	free(literal);
	if (res == NULL)
		return false;
	found = PQntuples(res) == 1;
	if (found)
		*token_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "no tenant named \"%s\"", tenant);
	return true;
}

static void fill_token(void *p, const PGresult *res, int i, char **pool)
{
	struct store_token_row *row = p;

	row->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	row->tenant = store_copy_value(res, i, 1, pool);
	row->title = store_copy_value(res, i, 2, pool);
	row->created = store_copy_value(res, i, 3, pool);
	row->last_used = store_copy_value(res, i, 4, pool);
	row->networks = store_copy_value(res, i, 5, pool);
	row->status = store_copy_value(res, i, 6, pool);
	row->expires = store_copy_value(res, i, 7, pool);
}

bool store_token_list(struct store *store, const char *tenant,
		      struct store_token_row **rows, int *nrows, struct scim_error *err)
{
	const char *params[2] = { tenant, NULL };

	*rows = store_rows(store, &token_list, 2, params, sizeof(**rows), fill_token, nrows, err);
	return *rows != NULL;
}

/* Run a statement that changes one valid token: 404 when none. */
/*
 * Run a statement that changes (or returns) one row: 404 "no NOUN WHAT"
 * when it found none, WHAT quoted for a name.
 */
static bool change_one(struct store *store, struct store_statement *stmt, int nparams,
		       const char *const *params, const char *noun, const char *what,
		       struct scim_error *err)
{
	PGresult *res = store_exec(store, stmt, nparams, params, err);
	bool found;

	if (res == NULL)
		return false;
	found = PQntuples(res) == 1 || strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "no %s %s%s%s", noun, strstr(noun, "named") ? "\"" : "",
				 what, strstr(noun, "named") ? "\"" : "");
	return true;
}

static bool change_token(struct store *store, struct store_statement *stmt, int nparams,
			 const char *const *params, struct scim_error *err)
{
	return change_one(store, stmt, nparams, params, "valid token", params[0], err);
}

bool store_token_revoke(struct store *store, const char *token_id, struct scim_error *err)
{
	const char *params[1] = { token_id };

	return change_token(store, &token_revoke, 1, params, err);
}

bool store_token_restrict(struct store *store, const char *token_id,
			  const char *const *networks, int nnetworks, struct scim_error *err)
{
	const char *params[2] = { token_id, NULL };
	char *literal;
	bool ok;

	if (!networks_literal(networks, nnetworks, &literal, err))
		return false;
	params[1] = literal;
	ok = change_token(store, &token_restrict, 2, params, err);
	free(literal);
	return ok;
}

bool store_tenant_rename(struct store *store, const char *name, const char *new_name,
			 struct scim_error *err)
{
	const char *params[2] = { name, new_name };

	if (change_one(store, &tenant_rename, 2, params, "tenant named", name, err))
		return true;
	if (err->status == 409) {
		error_clear(err);
		return error_set(err, 409, NULL, "tenant \"%s\" already exists", new_name);
	}
	return false;
}

bool store_tenant_counts(struct store *store, const char *name,
			 struct store_tenant_counts *out, struct scim_error *err)
{
	const char *params[1] = { name };
	PGresult *res = store_exec(store, &tenant_counts, 1, params, err);

	if (res == NULL)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return error_set(err, 404, NULL, "no tenant named \"%s\"", name);
	}
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
	out->users = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	out->groups = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	out->tokens = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	out->log_rows = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	PQclear(res);
	return true;
}

bool store_tenant_delete(struct store *store, const char *name, struct scim_error *err)
{
	const char *params[1] = { name };

	return change_one(store, &tenant_delete, 1, params, "tenant named", name, err);
}

bool store_token_rotate(struct store *store, const char *token_id, const char *expires,
			const uint8_t hash[32], struct store_token_rotated *out,
			struct scim_error *err)
{
	char hex[STORE_HASH_TEXT_SIZE];
	const char *params[3] = { token_id, hex, expires };
	PGresult *res;

	store_hash_text(hash, hex);
	res = store_exec(store, &token_rotate, 3, params, err);
	if (res == NULL)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return error_set(err, 404, NULL, "no valid token %s", token_id);
	}
	out->token_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(out->title, sizeof(out->title), "%s", PQgetvalue(res, 0, 1));
	snprintf(out->tenant, sizeof(out->tenant), "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return true;
}

bool store_time_valid(struct store *store, const char *text, bool *valid, struct scim_error *err)
{
	const char *params[1] = { text };
	PGresult *res = store_exec(store, &time_check, 1, params, err);

	*valid = res != NULL;
	PQclear(res);
	if (res == NULL && err->status == 400) {
		error_clear(err);
		return true;
	}
	return res != NULL;
}

char *store_log_query(struct store *store, const struct store_log_filter *f,
		      struct scim_error *err)
{
	char limit[16];
	const char *params[10] = { f->tenant, f->provider, f->resource, f->action, f->status,
				   f->failed ? "true" : "false", f->since, f->until, limit, f->before };
	PGresult *res;
	char *json;

	snprintf(limit, sizeof(limit), "%d", f->limit);
	res = store_exec(store, &log_query, 10, params, err);
	if (res == NULL)
		return NULL;
	json = strdup(PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "[]");
	PQclear(res);
	if (json == NULL)
		abort();
	return json;
}

bool store_log_prune(struct store *store, int days, long long *removed, struct scim_error *err)
{
	char text[16];
	const char *params[1] = { text };
	PGresult *res;
	long long n;

	snprintf(text, sizeof(text), "%d", days);
	*removed = 0;
	do {
		res = store_exec(store, &log_prune, 1, params, err);
		if (res == NULL)
			return false;
		n = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		*removed += n;
	} while (n > 0);
	return true;
}

bool store_admin_add(struct store *store, const char *name, const char *tenant,
		     const char *password_hash, struct scim_error *err)
{
	const char *params[3] = { name, tenant, password_hash };
	PGresult *res = store_exec(store, &admin_add, 3, params, err);
	bool found;

	if (res == NULL && err->status == 409) {
		error_clear(err);
		return error_set(err, 409, NULL, "admin \"%s\" already exists", name);
	}
	if (res == NULL)
		return false;
	found = PQntuples(res) == 1;
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "no tenant named \"%s\"", tenant);
	return true;
}

bool store_admin_password(struct store *store, const char *name, const char *password_hash,
			  struct scim_error *err)
{
	const char *params[2] = { name, password_hash };

	return change_one(store, &admin_password, 2, params, "admin named", name, err);
}

static void fill_admin(void *p, const PGresult *res, int i, char **pool)
{
	struct store_admin_row *row = p;

	row->name = store_copy_value(res, i, 0, pool);
	row->tenant = store_copy_value(res, i, 1, pool);
	row->created = store_copy_value(res, i, 2, pool);
	row->last_sign_in = store_copy_value(res, i, 3, pool);
}

bool store_admin_list(struct store *store, struct store_admin_row **rows, int *nrows,
		      struct scim_error *err)
{
	*rows = store_rows(store, &admin_list, 0, NULL, sizeof(**rows), fill_admin, nrows, err);
	return *rows != NULL;
}

bool store_admin_remove(struct store *store, const char *name, struct scim_error *err)
{
	const char *params[1] = { name };

	return change_one(store, &admin_remove, 1, params, "admin named", name, err);
}

bool store_console_enabled(struct store *store, bool *enabled, struct scim_error *err)
{
	PGresult *res = store_exec(store, &console_enabled, 0, NULL, err);

	if (res == NULL)
		return false;
	*enabled = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return true;
}

static void read_console_admin(const PGresult *res, struct store_console_admin *out)
{
	out->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 1));
	snprintf(out->tenant_id, sizeof(out->tenant_id), "%s", PQgetvalue(res, 0, 2));
	snprintf(out->tenant_name, sizeof(out->tenant_name), "%s", PQgetvalue(res, 0, 3));
}

bool store_console_admin_by_name(struct store *store, const char *name,
				 struct store_console_admin *out, char *hash, size_t hash_size,
				 bool *found, struct scim_error *err)
{
	const char *params[1] = { name };
	PGresult *res = store_exec(store, &console_admin_by_name, 1, params, err);

	if (res == NULL)
		return false;
	*found = PQntuples(res) == 1;
	if (*found) {
		read_console_admin(res, out);
		snprintf(hash, hash_size, "%s", PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return true;
}

bool store_console_failures(struct store *store, const char *address, long long *count,
			    struct scim_error *err)
{
	const char *params[1] = { address };
	PGresult *res = store_exec(store, &console_failures, 1, params, err);

	if (res == NULL)
		return false;
	*count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}

bool store_console_failure_add(struct store *store, const char *address, struct scim_error *err)
{
	const char *params[1] = { address };

	return store_run(store, &console_failure_add, 1, params, err);
}

bool store_console_session_add(struct store *store, long long admin_id, const uint8_t hash[32],
			       const char *address, struct scim_error *err)
{
	char id[24];
	char hex[STORE_HASH_TEXT_SIZE];
	const char *params[3] = { id, hex, address };

	snprintf(id, sizeof(id), "%lld", admin_id);
	store_hash_text(hash, hex);
	return store_run(store, &console_session_add, 3, params, err);
}

bool store_console_session(struct store *store, const uint8_t hash[32],
			   struct store_console_admin *out, bool *found, struct scim_error *err)
{
	char hex[STORE_HASH_TEXT_SIZE];
	const char *params[1] = { hex };
	PGresult *res;

	store_hash_text(hash, hex);
	res = store_exec(store, &console_session, 1, params, err);
	if (res == NULL)
		return false;
	*found = PQntuples(res) == 1;
	if (*found)
		read_console_admin(res, out);
	PQclear(res);
	return true;
}

bool store_console_session_end(struct store *store, const uint8_t hash[32], struct scim_error *err)
{
	char hex[STORE_HASH_TEXT_SIZE];
	const char *params[1] = { hex };

	store_hash_text(hash, hex);
	return store_run(store, &console_session_end, 1, params, err);
}

static void fill_console_tenant(void *p, const PGresult *res, int i, char **pool)
{
	struct store_console_tenant *row = p;

	row->id = store_copy_value(res, i, 0, pool);
	row->name = store_copy_value(res, i, 1, pool);
	row->users = strtoll(PQgetvalue(res, i, 2), NULL, 10);
	row->active = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	row->groups = strtoll(PQgetvalue(res, i, 4), NULL, 10);
	row->last_activity = store_copy_value(res, i, 5, pool);
	row->failures = strtoll(PQgetvalue(res, i, 6), NULL, 10);
}

bool store_console_tenants(struct store *store, const char *tenant_id,
			   struct store_console_tenant **rows, int *nrows, struct scim_error *err)
{
	const char *params[1] = { tenant_id };

	*rows = store_rows(store, &console_tenants, 1, params, sizeof(**rows), fill_console_tenant, nrows,
		     err);
	return *rows != NULL;
}

bool store_console_tokens(struct store *store, const char *tenant_id,
			  struct store_token_row **rows, int *nrows, struct scim_error *err)
{
	const char *params[2] = { NULL, tenant_id };

	*rows = store_rows(store, &token_list, 2, params, sizeof(**rows), fill_token, nrows, err);
	return *rows != NULL;
}

bool store_console_tenant_name(struct store *store, const char *tenant_id, char *name,
				size_t size, bool *found, struct scim_error *err)
{
	const char *params[1] = { tenant_id };
	PGresult *res = store_exec(store, &console_tenant_name, 1, params, err);

	if (res == NULL)
		return false;
	*found = PQntuples(res) == 1;
	if (*found)
		snprintf(name, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

bool store_console_token_add(struct store *store, const char *tenant_id, const char *title,
			     const char *const *networks, int nnetworks, const uint8_t hash[32],
			     long long *token_id, struct scim_error *err)
{
	char hex[STORE_HASH_TEXT_SIZE];
	char *literal;
	const char *params[4] = { tenant_id, title, hex, NULL };
	PGresult *res;

	if (!networks_literal(networks, nnetworks, &literal, err))
		return false;
	store_hash_text(hash, hex);
	params[3] = literal;
	res = store_exec(store, &console_token_add, 4, params, err);
	free(literal);
	if (res == NULL)
		return false;
	*token_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}

bool store_console_token_revoke(struct store *store, const char *tenant_id, const char *token_id,
				char *title, size_t title_size, struct scim_error *err)
{
	const char *params[2] = { tenant_id, token_id };
	PGresult *res = store_exec(store, &console_token_revoke, 2, params, err);
	bool found;

	if (res == NULL)
		return false;
	found = PQntuples(res) == 1;
	if (found)
		snprintf(title, title_size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "no valid provider %s", token_id);
	return true;
}

bool store_console_token_rotate(struct store *store, const char *tenant_id, const char *token_id,
				const uint8_t hash[32], long long *new_id, char *title,
				size_t title_size, struct scim_error *err)
{
	char hex[STORE_HASH_TEXT_SIZE];
	const char *params[3] = { tenant_id, token_id, hex };
	PGresult *res;
	bool found;

	store_hash_text(hash, hex);
	res = store_exec(store, &console_token_rotate, 3, params, err);
	if (res == NULL)
		return false;
	found = PQntuples(res) == 1;
	if (found) {
		*new_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(title, title_size, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "no valid provider %s", token_id);
	return true;
}

char *store_console_json(struct store *store, enum store_console_query which,
			 const char *tenant_id, const char *arg, int offset, struct scim_error *err)
{
	struct store_statement *stmts[] = { &console_users, &console_groups, &console_user,
					    &console_group };
	char text[16];
	const char *params[3] = { tenant_id, arg, text };
	PGresult *res;
	char *json = NULL;

	snprintf(text, sizeof(text), "%d", offset);
	res = store_exec(store, stmts[which], which <= STORE_CONSOLE_GROUPS ? 3 : 2, params, err);
	if (res == NULL)
		return NULL;
	if (PQntuples(res) == 1) {
		json = strdup(PQgetvalue(res, 0, 0));
		if (json == NULL)
			abort();
	} else {
		error_set(err, 404, NULL, "no such resource");
	}
	PQclear(res);
	return json;
}
