/* store_users.c - the users table; see store.h. */
#include "store.h"

#include "store_internal.h"

/* Timestamps are kept to the millisecond, the precision clients see in
 * meta, so that a filter on meta.lastModified compares what they saw.
 * The columns that are filtered and indexed are copied from the document in
 * SQL, in this one place, so that they always agree with it. */
#define USER_COLUMNS_FROM_DOC \
	"user_name = s.d->>'userName', external_id = s.d->>'externalId', " \
	"display_name = s.d->>'displayName', " \
	"active = coalesce((s.d->>'active')::boolean, true)"

static struct store_resource_table users = {
	.name = "users",
	.commit_check = STORE_COMMIT_CHECK("users"),
	.get = { .sql =
		"SELECT " STORE_USER_COLUMNS " FROM users r WHERE r.tenant_id = $1 AND r.id = $2"
	},
	.get_for_update = { .sql =
		/* Read to be changed: the update returns the groups. */
		"SELECT " STORE_RESOURCE_COLUMNS " FROM users r"
		" WHERE r.tenant_id = $1 AND r.id = $2 FOR UPDATE"
	},
	.insert = { .sql =
		"INSERT INTO users AS r (tenant_id, user_name, external_id, display_name, active, doc,"
		" created, last_modified)"
		" SELECT $1, s.d->>'userName', s.d->>'externalId', s.d->>'displayName',"
		" coalesce((s.d->>'active')::boolean, true), s.d, s.t, s.t"
		" FROM (SELECT $2::jsonb AS d, date_trunc('milliseconds', now()) AS t) s"
		" RETURNING " STORE_RESOURCE_COLUMNS /* a new user is in no group */
	},
	.update = { .sql =
		"UPDATE users AS r SET doc = s.d, " USER_COLUMNS_FROM_DOC ","
		" version = r.version + 1, last_modified = date_trunc('milliseconds', now())"
		" FROM (SELECT $3::jsonb AS d) s WHERE r.tenant_id = $1 AND r.id = $2"
		" RETURNING " STORE_USER_COLUMNS
	},
	.delete = { .sql =
		"DELETE FROM users WHERE tenant_id = $1 AND id = $2 RETURNING user_name"
	},
};

bool store_user_get(struct store *store, const char *tenant_id, const char *id,
		    bool for_update, struct stored_resource *out, struct scim_error *err)
{
	return store_resource_get(store, &users, tenant_id, id, for_update, out, err);
}

bool store_user_insert(struct store *store, const char *tenant_id, const json_t *doc,
		       struct stored_resource *out, struct scim_error *err)
{
	return store_resource_insert(store, &users, tenant_id, doc, out, err);
}

bool store_user_update(struct store *store, const char *tenant_id, const char *id,
		       const json_t *doc, struct stored_resource *out,
		       struct scim_error *err)
{
	return store_resource_update(store, &users, tenant_id, id, doc, out, err);
}

bool store_user_delete(struct store *store, const char *tenant_id, const char *id,
		       char **name, struct scim_error *err)
{
	return store_resource_delete(store, &users, tenant_id, id, name, err);
}
