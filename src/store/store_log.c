/* store_log.c - the provisioning log as the workers write it; see store.h
 * and sql/010_provisioning_log.sql. */
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "store_internal.h"

struct store_statement store_log_insert = { .sql =
	"INSERT INTO provisioning_log (tenant_id, token_id, request_id, client_address, method,"
	" resource_type, resource_id, resource_name, action, members_added, members_removed, status,"
	" scim_type, detail, attributes, admin)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
	" coalesce($15::text[], '{}'), $16)"
};

static const char *text_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/*
 * The names of a JSON array as a PostgreSQL array literal, {"a","b"}, in
 * `out` (NULL when there are none, or they do not fit: the row goes without
 * them rather than not at all).
 */
static const char *names_literal(const json_t *names, char *out, size_t size)
{
	const json_t *name;
	const char *p;
	size_t used = 0;
	size_t i;

	if (!json_is_array(names) || json_array_size(names) == 0)
		return NULL;
	out[used++] = '{';
	json_array_foreach(names, i, name) {
		if (used + 2 * json_string_length(name) + 4 >= size)
			return NULL;
		if (i > 0)
			out[used++] = ',';
		out[used++] = '"';
		for (p = json_string_value(name); p != NULL && *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				out[used++] = '\\';
			out[used++] = *p;
		}
		out[used++] = '"';
	}
	out[used++] = '}';
	out[used] = '\0';
	return out;
}

void store_log_params(const struct store_log_entry *e, struct store_log_params *out)
{
	const char **v = out->values;

	snprintf(out->text[0], sizeof(out->text[0]), "%lld", e->token_id);
	snprintf(out->text[1], sizeof(out->text[1]), "%lld", e->members_added);
	snprintf(out->text[2], sizeof(out->text[2]), "%lld", e->members_removed);
	snprintf(out->text[3], sizeof(out->text[3]), "%d", e->status);
	v[0] = text_or_null(e->tenant_id);
	v[1] = e->token_id > 0 ? out->text[0] : NULL;
	v[2] = e->request_id != NULL ? e->request_id : "";
	v[3] = text_or_null(e->client_address);
	v[4] = e->method != NULL ? e->method : "";
	v[5] = text_or_null(e->resource_type);
	v[6] = text_or_null(e->resource_id);
	v[7] = text_or_null(e->resource_name);
	v[8] = e->action;
	v[9] = e->members ? out->text[1] : NULL;
	v[10] = e->members ? out->text[2] : NULL;
	v[11] = out->text[3];
	v[12] = text_or_null(e->scim_type);
	v[13] = text_or_null(e->detail);
	v[14] = names_literal(e->attributes, out->names, sizeof(out->names));
	v[15] = text_or_null(e->admin);
}

void store_log_entry_clear(struct store_log_entry *entry)
{
	free(entry->resource_name);
	json_decref(entry->attributes);
	entry->resource_name = NULL;
	entry->attributes = NULL;
}

bool store_log_write(struct store *store, const struct store_log_entry *entry,
		     struct scim_error *err)
{
	struct store_log_params p;
	PGresult *res;

	store_log_params(entry, &p);
	res = store_exec(store, &store_log_insert, STORE_LOG_PARAMS, p.values, err);
	PQclear(res);
	return res != NULL;
}
