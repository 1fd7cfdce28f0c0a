/*
 * store_extensions.c - the schema extensions of each tenant
 * (sql/012_schema_extensions.sql): loaded, listed, shown and removed by
 * scimctl (store_admin.h), read by the workers (store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extension.h"
#include "store_admin.h"
#include "store_internal.h"

static struct store_statement tenant_locked = { .sql =
	"SELECT tenant_id FROM tenants WHERE name = $1 FOR UPDATE"
};
static struct store_statement extension_existing = { .sql =
	"SELECT urn, resource_type FROM schema_extensions"
	" WHERE tenant_id = $1::uuid AND lower(urn) = lower($2) FOR UPDATE"
};
static struct store_statement extension_upsert = { .sql =
	"INSERT INTO schema_extensions (tenant_id, urn, resource_type, required, definition)"
	" VALUES ($1::uuid, $2, $3, $4::boolean, $5::jsonb)"
	" ON CONFLICT (tenant_id, urn) DO UPDATE SET required = EXCLUDED.required,"
	" definition = EXCLUDED.definition, loaded = now()"
};
static struct store_statement indexes_drop = { .sql =
	"SELECT scim_extension_indexes_drop($1)"
};
static struct store_statement index_create = { .sql =
	"SELECT scim_extension_index_create($1, $2::uuid, $3, $4, $5, $6::boolean)"
};
static struct store_statement extension_list = { .sql =
	"SELECT n.name, e.urn, e.resource_type, e.required,"
	" jsonb_array_length(e.definition -> 'attributes'), to_char(e.loaded, 'YYYY-MM-DD HH24:MI')"
	" FROM schema_extensions e JOIN tenants n USING (tenant_id)"
	" WHERE $1::text IS NULL OR n.name = $1 ORDER BY n.name, e.urn"
};
static struct store_statement extension_show = { .sql =
	"SELECT e.definition::text, e.resource_type, e.required"
	" FROM schema_extensions e JOIN tenants n USING (tenant_id)"
	" WHERE n.name = $1 AND lower(e.urn) = lower($2)"
};
static struct store_statement users_with_values = { .sql =
	"SELECT count(*) FROM users WHERE tenant_id = $1::uuid AND doc ? $2"
};
static struct store_statement groups_with_values = { .sql =
	"SELECT count(*) FROM groups WHERE tenant_id = $1::uuid AND doc ? $2"
};
static struct store_statement users_drop_values = { .sql =
	"UPDATE users SET doc = jsonb_set(doc - $2, '{schemas}', coalesce((doc -> 'schemas') - $2,"
	" '[]'::jsonb)), version = version + 1, last_modified = now()"
	" WHERE tenant_id = $1::uuid AND doc ? $2"
};
static struct store_statement groups_drop_values = { .sql =
	"UPDATE groups SET doc = jsonb_set(doc - $2, '{schemas}', coalesce((doc -> 'schemas') - $2,"
	" '[]'::jsonb)), version = version + 1, last_modified = now()"
	" WHERE tenant_id = $1::uuid AND doc ? $2"
};
static struct store_statement extension_delete = { .sql =
	"DELETE FROM schema_extensions WHERE tenant_id = $1::uuid AND urn = $2"
};
static struct store_statement extensions_of_tenant = { .sql =
	"SELECT urn, resource_type, required, definition::text FROM schema_extensions"
	" WHERE tenant_id = $1::uuid ORDER BY urn"
};

/* The first value of a statement's one row; false (err 404 `missing`) when
 * there is no row. */
static bool one_value(struct store *store, struct store_statement *stmt, int nparams,
		      const char *const *params, char *out, size_t size, const char *missing,
		      struct scim_error *err)
{
	PGresult *res = store_exec(store, stmt, nparams, params, err);
	bool found;

	if (res == NULL)
		return false;
	found = PQntuples(res) > 0;
	if (found)
		snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return found || error_set(err, 404, NULL, "%s", missing);
}

static bool tenant_of(struct store *store, const char *tenant, char id[37], struct scim_error *err)
{
	const char *params[1] = { tenant };
	char missing[200];

	snprintf(missing, sizeof(missing), "no tenant named \"%.100s\"", tenant);
	return one_value(store, &tenant_locked, 1, params, id, 37, missing, err);
}

/* The unique index of each attribute with uniqueness "server", built
 * afresh: values that repeat already make it a 409. */
static bool build_indexes(struct store *store, const char *tenant_id,
			  const struct store_extension_spec *spec, struct scim_error *err)
{
	const char *table = strcmp(spec->resource_type, "Group") == 0 ? "groups" : "users";
	const struct attr_def *a;
	char name[EXTENSION_INDEX_NAME_SIZE];
	const char *params[6];

	extension_index_prefix(tenant_id, spec->schema->urn, name);
	params[0] = name;
	if (!store_run(store, &indexes_drop, 1, params, err))
		return false;
	for (a = spec->schema->attrs; a->name != NULL; a++) {
		if (a->uniqueness != UNIQ_SERVER)
			continue;
		extension_index_name(tenant_id, spec->schema->urn, a->name, name);
		params[1] = tenant_id;
		params[2] = table;
		params[3] = spec->schema->urn;
		params[4] = a->name;
		params[5] = a->case_exact ? "true" : "false";
		if (!store_run(store, &index_create, 6, params, err)) {
			if (err->status != 409)
				return false;
			error_clear(err);
			return error_set(err, 409, SCIM_UNIQUENESS, "%s:%s has values that repeat among "
					 "the tenant's %s: it cannot be unique (uniqueness \"server\")",
					 spec->schema->urn, a->name, table);
		}
	}
	return true;
}

bool store_extension_load(struct store *store, const struct store_extension_spec *spec,
			  bool *replaced, struct scim_error *err)
{
	char tenant_id[37];
	const char *params[5];
	PGresult *res;
	bool ok;

	*replaced = false;
	if (!store_begin(store, err))
		return false;
	ok = tenant_of(store, spec->tenant, tenant_id, err);
	if (ok) {
		params[0] = tenant_id;
		params[1] = spec->schema->urn;
		res = store_exec(store, &extension_existing, 2, params, err);
		ok = res != NULL;
		if (ok && PQntuples(res) > 0) {
			*replaced = true;
			if (strcmp(PQgetvalue(res, 0, 0), spec->schema->urn) != 0)
				ok = error_set(err, 409, NULL, "the tenant has %s already, which differs "
					       "only in case: remove it first", PQgetvalue(res, 0, 0));
			else if (strcmp(PQgetvalue(res, 0, 1), spec->resource_type) != 0)
				ok = error_set(err, 409, NULL, "%s extends the tenant's %s already: "
					       "remove it first", spec->schema->urn,
					       PQgetvalue(res, 0, 1));
		}
		PQclear(res);
	}
	if (ok) {
		params[2] = spec->resource_type;
		params[3] = spec->required ? "true" : "false";
		params[4] = spec->definition;
		ok = store_run(store, &extension_upsert, 5, params, err) &&
		     build_indexes(store, tenant_id, spec, err) && store_commit(store, err);
	}
	if (!ok)
		store_rollback(store);
	return ok;
}

static void fill_extension(void *p, const PGresult *res, int i, char **pool)
{
	struct store_extension_row *row = p;

	row->tenant = store_copy_value(res, i, 0, pool);
	row->urn = store_copy_value(res, i, 1, pool);
	row->resource_type = store_copy_value(res, i, 2, pool);
	row->required = strcmp(PQgetvalue(res, i, 3), "t") == 0;
	row->attributes = atoi(PQgetvalue(res, i, 4));
	row->loaded = store_copy_value(res, i, 5, pool);
}

bool store_extension_list(struct store *store, const char *tenant,
			  struct store_extension_row **rows, int *nrows, struct scim_error *err)
{
	const char *params[1] = { tenant };

	*rows = store_rows(store, &extension_list, 1, params, sizeof(**rows), fill_extension, nrows,
			   err);
	return *rows != NULL;
}

bool store_extension_show(struct store *store, const char *tenant, const char *urn,
			  char **definition, char resource_type[8], bool *required,
			  struct scim_error *err)
{
	const char *params[2] = { tenant, urn };
	PGresult *res = store_exec(store, &extension_show, 2, params, err);

	*definition = NULL;
	if (res == NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return error_set(err, 404, NULL, "tenant \"%.100s\" has no extension %.200s", tenant,
				 urn);
	}
	*definition = strdup(PQgetvalue(res, 0, 0));
	if (*definition == NULL)
		abort();
	snprintf(resource_type, 8, "%s", PQgetvalue(res, 0, 1));
	*required = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	PQclear(res);
	return true;
}

/* How many of the tenant's users or groups have values in the extension. */
static bool count_values(struct store *store, const char *tenant_id, const char *urn,
			 bool groups, long long *count, struct scim_error *err)
{
	const char *params[2] = { tenant_id, urn };
	char text[32];

	if (!one_value(store, groups ? &groups_with_values : &users_with_values, 2, params, text,
		       sizeof(text), "no count", err))
		return false;
	*count = strtoll(text, NULL, 10);
	return true;
}

bool store_extension_remove(struct store *store, const char *tenant, const char *urn,
			    bool drop_values, long long *dropped, struct scim_error *err)
{
	char tenant_id[37];
	char prefix[EXTENSION_INDEX_NAME_SIZE];
	char stored[EXTENSION_MAX_URN + 1];
	char type[8];
	const char *params[2];
	PGresult *res;
	bool groups = false;
	bool ok;

	*dropped = 0;
	if (!store_begin(store, err))
		return false;
	ok = tenant_of(store, tenant, tenant_id, err);
	if (ok) {
		params[0] = tenant_id;
		params[1] = urn;
		res = store_exec(store, &extension_existing, 2, params, err);
		ok = res != NULL;
		if (ok && PQntuples(res) == 0)
			ok = error_set(err, 404, NULL, "tenant \"%.100s\" has no extension %.200s",
				       tenant, urn);
		if (ok) {
			snprintf(stored, sizeof(stored), "%s", PQgetvalue(res, 0, 0));
			snprintf(type, sizeof(type), "%s", PQgetvalue(res, 0, 1));
			groups = strcmp(type, "Group") == 0;
		}
		PQclear(res);
	}
	if (ok) {
		params[1] = stored;
		ok = count_values(store, tenant_id, stored, groups, dropped, err);
	}
	if (ok && *dropped > 0 && !drop_values)
		ok = error_set(err, 409, NULL, "%lld %s of tenant \"%.100s\" have values in %s: "
			       "--drop-values removes them with it", *dropped,
			       groups ? "groups" : "users", tenant, stored);
	if (ok && *dropped > 0)
		ok = store_run(store, groups ? &groups_drop_values : &users_drop_values, 2, params,
			       err);
	if (ok) {
		extension_index_prefix(tenant_id, stored, prefix);
		params[0] = prefix;
		ok = store_run(store, &indexes_drop, 1, params, err);
		params[0] = tenant_id;
	}
	if (ok)
		ok = store_run(store, &extension_delete, 2, params, err) && store_commit(store, err);
	if (!ok)
		store_rollback(store);
	return ok;
}

static void fill_extension_def(void *p, const PGresult *res, int i, char **pool)
{
	struct store_extension_def *row = p;

	row->urn = store_copy_value(res, i, 0, pool);
	row->resource_type = store_copy_value(res, i, 1, pool);
	row->required = strcmp(PQgetvalue(res, i, 2), "t") == 0;
	row->definition = store_copy_value(res, i, 3, pool);
}

bool store_extensions_of(struct store *store, const char *tenant_id,
			 struct store_extension_def **rows, int *nrows, struct scim_error *err)
{
	const char *params[1] = { tenant_id };

	*rows = store_rows(store, &extensions_of_tenant, 1, params, sizeof(**rows),
			   fill_extension_def, nrows, err);
	return *rows != NULL;
}
