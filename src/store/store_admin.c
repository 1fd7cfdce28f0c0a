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
	" WHERE $1::text IS NULL OR n.name = $1 ORDER BY k.token_id"
};
static struct store_statement token_revoke = { .sql =
	"UPDATE tokens SET revoked = now() WHERE token_id = $1::bigint"
	" AND revoked IS NULL RETURNING token_id"
};
static struct store_statement token_restrict = { .sql =
	"UPDATE tokens SET allowed_networks = $2::cidr[] WHERE token_id = $1::bigint"
	" AND revoked IS NULL RETURNING token_id"
};

/* Run a statement whose result is of no interest. */
static bool run(struct store *store, struct store_statement *stmt, int nparams,
		const char *const *params, struct scim_error *err)
{
	PGresult *res = store_exec(store, stmt, nparams, params, err);

	PQclear(res);
	return res != NULL;
}

/* A copy of a value of a result, taken from `pool` (see list()); NULL for
 * NULL. */
static char *copy_value(const PGresult *res, int i, int j, char **pool)
{
	char *copy = *pool;
	size_t size = (size_t)PQgetlength(res, i, j) + 1;

	if (PQgetisnull(res, i, j))
		return NULL;
	memcpy(copy, PQgetvalue(res, i, j), size);
	*pool += size;
	return copy;
}

/* Fill `row` from row `i` of a result, its strings taken from `pool`. */
typedef void (*fill_row_fn)(void *row, const PGresult *res, int i, char **pool);

/*
 * Run a list statement: an array of its rows of `size` bytes each, filled
 * by fill(), followed by the values they point to; one allocation, which
 * free() releases whole. NULL with err set on failure.
 */
static void *list(struct store *store, struct store_statement *stmt, int nparams,
		  const char *const *params, size_t size, fill_row_fn fill, int *nrows,
		  struct scim_error *err)
{
	PGresult *res = store_exec(store, stmt, nparams, params, err);
	size_t values = 0;
	char *rows;
	char *pool;
	int i;
	int j;

	*nrows = 0;
	if (res == NULL)
		return NULL;
	for (i = 0; i < PQntuples(res); i++)
		for (j = 0; j < PQnfields(res); j++)
			values += (size_t)PQgetlength(res, i, j) + 1;
	rows = calloc(1, (size_t)PQntuples(res) * size + values + 1);
	if (rows == NULL)
		abort();
	pool = rows + (size_t)PQntuples(res) * size;
	for (i = 0; i < PQntuples(res); i++)
		fill(rows + (size_t)i * size, res, i, &pool);
	*nrows = PQntuples(res);
	PQclear(res);
	return rows;
}

bool store_migrations_lock(struct store *store, struct scim_error *err)
{
	/* The lock first: two first runs would both create the table. */
	return run(store, &migrations_lock, 0, NULL, err) &&
	       run(store, &migrations_create, 0, NULL, err) &&
	       run(store, &migrations_comment, 0, NULL, err);
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
	    run(store, &migration_record, 2, params, err) && store_commit(store, err))
		return true;
	store_rollback(store);
	return false;
}

bool store_tenant_add(struct store *store, const char *name, char id[37],
		      struct scim_error *err)
{
	const char *params[1] = { name };
	PGresult *res = store_exec(store, &tenant_add, 1, params, err);

	if (res == NULL)
		return false;
	snprintf(id, 37, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return true;
}

static void fill_tenant(void *p, const PGresult *res, int i, char **pool)
{
	struct store_tenant_row *row = p;

	row->name = copy_value(res, i, 0, pool);
	row->id = copy_value(res, i, 1, pool);
	row->created = copy_value(res, i, 2, pool);
	row->users = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	row->groups = strtoll(PQgetvalue(res, i, 4), NULL, 10);
}

bool store_tenant_list(struct store *store, struct store_tenant_row **rows, int *nrows,
		       struct scim_error *err)
{
	*rows = list(store, &tenant_list, 0, NULL, sizeof(**rows), fill_tenant, nrows, err);
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
	row->tenant = copy_value(res, i, 1, pool);
	row->title = copy_value(res, i, 2, pool);
	row->created = copy_value(res, i, 3, pool);
	row->last_used = copy_value(res, i, 4, pool);
	row->networks = copy_value(res, i, 5, pool);
	row->status = copy_value(res, i, 6, pool);
	row->expires = copy_value(res, i, 7, pool);
}

bool store_token_list(struct store *store, const char *tenant,
		      struct store_token_row **rows, int *nrows, struct scim_error *err)
{
	const char *params[1] = { tenant };

	*rows = list(store, &token_list, 1, params, sizeof(**rows), fill_token, nrows, err);
	return *rows != NULL;
}

/* Run a statement that changes one valid token: 404 when none. */
static bool change_token(struct store *store, struct store_statement *stmt, int nparams,
			 const char *const *params, struct scim_error *err)
{
	const char *token_id = params[0];
	PGresult *res = store_exec(store, stmt, nparams, params, err);
	bool found;

	if (res == NULL)
		return false;
	found = PQntuples(res) == 1;
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "no valid token %s", token_id);
	return true;
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
