/* store_users.c - the users table; see store.h. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Timestamps are kept to the millisecond, the precision clients see in
 * meta, so that a filter on meta.lastModified compares what they saw.
 * The columns that are filtered and indexed are copied from the document in
 * SQL, in this one place, so that they always agree with it. */
#define USER_COLUMNS_FROM_DOC \
	"user_name = s.d->>'userName', external_id = s.d->>'externalId', " \
	"display_name = s.d->>'displayName', " \
	"active = coalesce((s.d->>'active')::boolean, true)"

static struct store_statement user_get = { .sql =
	"SELECT " STORE_RESOURCE_COLUMNS " FROM users r WHERE r.tenant_id = $1 AND r.id = $2"
};
static struct store_statement user_get_for_update = { .sql =
	"SELECT " STORE_RESOURCE_COLUMNS " FROM users r"
	" WHERE r.tenant_id = $1 AND r.id = $2 FOR UPDATE"
};
static struct store_statement user_insert = { .sql =
	"INSERT INTO users AS r (tenant_id, user_name, external_id, display_name, active, doc,"
	" created, last_modified)"
	" SELECT $1, s.d->>'userName', s.d->>'externalId', s.d->>'displayName',"
	" coalesce((s.d->>'active')::boolean, true), s.d, s.t, s.t"
	" FROM (SELECT $2::jsonb AS d, date_trunc('milliseconds', now()) AS t) s"
	" RETURNING " STORE_RESOURCE_COLUMNS
};
static struct store_statement user_update = { .sql =
	"UPDATE users AS r SET doc = s.d, " USER_COLUMNS_FROM_DOC ","
	" version = r.version + 1, last_modified = date_trunc('milliseconds', now())"
	" FROM (SELECT $3::jsonb AS d) s WHERE r.tenant_id = $1 AND r.id = $2"
	" RETURNING " STORE_RESOURCE_COLUMNS
};
static struct store_statement user_delete = { .sql =
	"DELETE FROM users WHERE tenant_id = $1 AND id = $2"
};

bool store_user_get(struct store *store, const char *tenant_id, const char *id,
		    bool for_update, struct stored_resource *out, struct scim_error *err)
{
	const char *params[2] = { tenant_id, id };

	if (!resource_id_valid(id))
		return error_set(err, 404, NULL, "resource not found");
	return store_single_resource(store_exec(store, for_update ? &user_get_for_update : &user_get,
						    2, params, err), out, err);
}

bool store_user_insert(struct store *store, const char *tenant_id, const json_t *doc,
		       struct stored_resource *out, struct scim_error *err)
{
	char *text = store_dump_doc(doc);
	const char *params[2] = { tenant_id, text };
	bool ok;

	ok = store_single_resource(store_exec(store, &user_insert, 2, params, err), out, err);
	free(text);
	return ok;
}

bool store_user_update(struct store *store, const char *tenant_id, const char *id,
		       const json_t *doc, struct stored_resource *out,
		       struct scim_error *err)
{
	char *text = store_dump_doc(doc);
	const char *params[3] = { tenant_id, id, text };
	bool ok;

	if (!resource_id_valid(id)) {
		free(text);
		return error_set(err, 404, NULL, "resource not found");
	}
	ok = store_single_resource(store_exec(store, &user_update, 3, params, err), out, err);
	free(text);
	return ok;
}

bool store_user_delete(struct store *store, const char *tenant_id, const char *id,
		       struct scim_error *err)
{
	const char *params[2] = { tenant_id, id };
	PGresult *res;
	bool found;

	if (!resource_id_valid(id))
		return error_set(err, 404, NULL, "resource not found");
	res = store_exec(store, &user_delete, 2, params, err);
	if (res == NULL)
		return false;
	found = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "resource not found");
	return true;
}

