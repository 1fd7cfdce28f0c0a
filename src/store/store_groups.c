/* store_groups.c - the groups and group_members tables; see store.h. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "store_internal.h"

static struct store_resource_table groups = {
	.name = "groups",
	.commit_check = STORE_COMMIT_CHECK("groups"),
	.get = { .sql =
		"SELECT " STORE_RESOURCE_COLUMNS " FROM groups r WHERE r.tenant_id = $1 AND r.id = $2"
	},
	.get_for_update = { .sql =
		"SELECT " STORE_RESOURCE_COLUMNS " FROM groups r"
		" WHERE r.tenant_id = $1 AND r.id = $2 FOR UPDATE"
	},
	.insert = { .sql =
		"INSERT INTO groups AS r (tenant_id, display_name, external_id, doc, created, last_modified)"
		" SELECT $1, s.d->>'displayName', s.d->>'externalId', s.d, s.t, s.t"
		" FROM (SELECT $2::jsonb AS d, date_trunc('milliseconds', now()) AS t) s"
		" RETURNING " STORE_RESOURCE_COLUMNS
	},
	.update = { .sql =
		"UPDATE groups AS r SET doc = s.d, display_name = s.d->>'displayName',"
		" external_id = s.d->>'externalId', version = r.version + 1, last_modified = date_trunc('milliseconds', now())"
		" FROM (SELECT $3::jsonb AS d) s WHERE r.tenant_id = $1 AND r.id = $2"
		" RETURNING " STORE_RESOURCE_COLUMNS
	},
	.delete = { .sql =
		"DELETE FROM groups WHERE tenant_id = $1 AND id = $2 RETURNING display_name"
	},
};
static struct store_statement group_touch = { .sql =
	"UPDATE groups AS r SET version = r.version + 1, last_modified = date_trunc('milliseconds', now())"
	" WHERE r.tenant_id = $1 AND r.id = $2 RETURNING " STORE_RESOURCE_COLUMNS
};
/* Which of the named ids are users, which groups, which nothing. */
static struct store_statement members_resolve = { .sql =
	"SELECT m.id::text, CASE WHEN u.id IS NOT NULL THEN 'User'"
	" WHEN g.id IS NOT NULL THEN 'Group' END"
	" FROM unnest($2::uuid[]) AS m(id)"
	" LEFT JOIN users u ON u.tenant_id = $1 AND u.id = m.id"
	" LEFT JOIN groups g ON g.tenant_id = $1 AND g.id = m.id"
};
static struct store_statement members_add_users = { .sql =
	"INSERT INTO group_members (tenant_id, group_id, user_id)"
	" SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING"
};
static struct store_statement members_add_groups = { .sql =
	"INSERT INTO group_members (tenant_id, group_id, member_group_id)"
	" SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING"
};
static struct store_statement members_remove = { .sql =
	"DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2"
	" AND (user_id = ANY ($3::uuid[]) OR member_group_id = ANY ($3::uuid[]))"
};
static struct store_statement members_keep_only = { .sql =
	"DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2"
	" AND coalesce(user_id, member_group_id) <> ALL ($3::uuid[])"
};
static struct store_statement members_remove_all = { .sql =
	"DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2"
};
/* Members' names by id (sql/006_member_names.sql): by (tenant_id, id), a
 * tenant the statistics believe small was read whole for every member. */
static struct store_statement members_each = { .sql =
	"SELECT coalesce(m.user_id, m.member_group_id)::text,"
	" CASE WHEN m.user_id IS NOT NULL THEN 'User' ELSE 'Group' END,"
	" coalesce(u.display_name, u.user_name, g.display_name)"
	" FROM group_members m"
	" LEFT JOIN users u ON u.id = m.user_id AND u.tenant_id IS NOT DISTINCT FROM m.tenant_id"
	" LEFT JOIN groups g ON g.id = m.member_group_id"
	"  AND g.tenant_id IS NOT DISTINCT FROM m.tenant_id"
	" WHERE m.tenant_id = $1 AND m.group_id = $2"
};
bool store_group_get(struct store *store, const char *tenant_id, const char *id,
		     bool for_update, struct stored_resource *out, struct scim_error *err)
{
	return store_resource_get(store, &groups, tenant_id, id, for_update, out, err);
}

bool store_group_insert(struct store *store, const char *tenant_id, const json_t *doc,
			struct stored_resource *out, struct scim_error *err)
{
	return store_resource_insert(store, &groups, tenant_id, doc, out, err);
}

bool store_group_update(struct store *store, const char *tenant_id, const char *id,
			const json_t *doc, struct stored_resource *out,
			struct scim_error *err)
{
	return store_resource_update(store, &groups, tenant_id, id, doc, out, err);
}

bool store_group_touch(struct store *store, const char *tenant_id, const char *id,
		       struct stored_resource *out, struct scim_error *err)
{
	const char *params[2] = { tenant_id, id };

	return store_write_resource(store, &groups, &group_touch, 2, params, out, err);
}

bool store_group_delete(struct store *store, const char *tenant_id, const char *id,
			char **name, struct scim_error *err)
{
	return store_resource_delete(store, &groups, tenant_id, id, name, err);
}

/* A PostgreSQL array literal "{id,id}" of the members' values. Values must be
 * UUIDs (checked by the caller), so nothing needs quoting. */
static char *id_array(const json_t *members, const char *only_type, const json_t *types)
{
	const json_t *member;
	size_t i;
	size_t len = 2;
	char *out;
	char *p;

	json_array_foreach(members, i, member)
		len += 37;
	out = malloc(len + 1);
	if (out == NULL)
		abort();
	p = out;
	*p++ = '{';
	json_array_foreach(members, i, member) {
		const char *id = json_string_value(json_object_get(member, "value"));

		if (id == NULL || !resource_id_valid(id))
			continue;
		if (only_type != NULL) {
			const char *type = json_string_value(json_object_get(types, id));

			if (type == NULL || strcmp(type, only_type) != 0)
				continue;
		}
		if (p[-1] != '{')
			*p++ = ',';
		memcpy(p, id, 36);
		p += 36;
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

static long long affected(PGresult *res)
{
	long long n = strtoll(PQcmdTuples(res), NULL, 10);

	PQclear(res);
	return n;
}

bool store_group_members_add(struct store *store, const char *tenant_id,
			     const char *group_id, const json_t *members,
			     long long *added, struct scim_error *err)
{
	const json_t *member;
	json_t *types = json_object();
	char *ids = NULL;
	const char *params[3];
	PGresult *res;
	bool ok = false;
	size_t i;
	int row;

	*added = 0;
	if (json_array_size(members) == 0) {
		json_decref(types);
		return true;
	}
	json_array_foreach(members, i, member) {
		const char *id = json_string_value(json_object_get(member, "value"));

		if (id == NULL || !resource_id_valid(id)) {
			error_set(err, 400, SCIM_INVALID_VALUE,
				  "member \"%s\" is not a user or group of this tenant",
				  id ? id : "(no value)");
			goto done;
		}
		if (strcasecmp(id, group_id) == 0) {
			error_set(err, 400, SCIM_INVALID_VALUE,
				  "group %s cannot be a member of itself", group_id);
			goto done;
		}
	}
	ids = id_array(members, NULL, NULL);
	params[0] = tenant_id;
	params[1] = ids;
	res = store_exec(store, &members_resolve, 2, params, err);
	if (res == NULL)
		goto done;
	for (row = 0; row < PQntuples(res); row++) {
		if (PQgetisnull(res, row, 1)) {
			error_set(err, 400, SCIM_INVALID_VALUE,
				  "member \"%s\" is not a user or group of this tenant",
				  PQgetvalue(res, row, 0));
			PQclear(res);
			goto done;
		}
		json_object_set_new(types, PQgetvalue(res, row, 0),
				    json_string(PQgetvalue(res, row, 1)));
	}
	PQclear(res);

	/* The resolved ids are lower case: match the values through them. */
	json_array_foreach(members, i, member) {
		const char *id = json_string_value(json_object_get(member, "value"));
		char lower[37];
		size_t k;

		for (k = 0; k < 36; k++)
			lower[k] = (char)tolower((unsigned char)id[k]);
		lower[36] = '\0';
		if (strcmp(lower, id) != 0)
			json_object_set(types, id, json_object_get(types, lower));
	}
	params[1] = group_id;
	free(ids);
	ids = id_array(members, "User", types);
	params[2] = ids;
	res = store_exec(store, &members_add_users, 3, params, err);
	if (res == NULL)
		goto done;
	*added += affected(res);
	free(ids);
	ids = id_array(members, "Group", types);
	params[2] = ids;
	res = store_exec(store, &members_add_groups, 3, params, err);
	if (res == NULL)
		goto done;
	*added += affected(res);
	ok = true;
done:
	free(ids);
	json_decref(types);
	return ok;
}

bool store_group_members_remove(struct store *store, const char *tenant_id,
				const char *group_id, const json_t *members,
				long long *removed, struct scim_error *err)
{
	const char *params[3] = { tenant_id, group_id, NULL };
	char *ids = NULL;
	PGresult *res;

	*removed = 0;
	if (members == NULL) {
		res = store_exec(store, &members_remove_all, 2, params, err);
	} else {
		ids = id_array(members, NULL, NULL);
		params[2] = ids;
		res = store_exec(store, &members_remove, 3, params, err);
		free(ids);
	}
	if (res == NULL)
		return false;
	*removed = affected(res);
	return true;
}

bool store_group_members_keep_only(struct store *store, const char *tenant_id,
				   const char *group_id, const json_t *members,
				   long long *removed, struct scim_error *err)
{
	char *ids = id_array(members, NULL, NULL);
	const char *params[3] = { tenant_id, group_id, ids };
	PGresult *res;

	res = store_exec(store, &members_keep_only, 3, params, err);
	free(ids);
	if (res == NULL)
		return false;
	*removed = affected(res);
	return true;
}

struct member_rows {
	store_member_fn fn;
	void *arg;
};

static void member_row(void *arg, const PGresult *row)
{
	struct member_rows *rows = arg;

	rows->fn(rows->arg, PQgetvalue(row, 0, 0), PQgetvalue(row, 0, 1),
		 PQgetisnull(row, 0, 2) ? NULL : PQgetvalue(row, 0, 2));
}

bool store_group_members_each(struct store *store, const char *tenant_id,
			      const char *group_id, store_member_fn fn, void *arg,
			      struct scim_error *err)
{
	const char *params[2] = { tenant_id, group_id };
	struct member_rows rows = { fn, arg };

	return store_exec_rows(store, &members_each, 2, params, member_row, &rows, err);
}
