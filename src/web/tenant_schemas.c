/* tenant_schemas.c - a tenant's resource types with its extensions; see
 * tenant_schemas.h. */
#include "tenant_schemas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extension.h"

/* Tenants with extensions kept at once by one worker. */
#define ENTRIES 16

struct entry {
	char tenant_id[37];
	long long version;
	unsigned long used;          /* when last used: the oldest goes first */
	struct resource_type_def user, group;
	const struct schema_def **user_extensions;   /* enterprise first */
	bool *user_required;
	const struct schema_def **group_extensions;
	bool *group_required;
	struct schema_def **loaded;  /* owned */
	int nloaded;
	const struct schema_def **all;
	const struct resource_type_def *types[3];
};

static struct entry entries[ENTRIES];
static unsigned long clock_ticks;

void tenant_schemas_builtin(struct tenant_schemas *out)
{
	out->user = &resource_type_user;
	out->group = &resource_type_group;
	out->all = schema_all;
	out->types = resource_type_all;
}

static void entry_clear(struct entry *e)
{
	int i;

	for (i = 0; i < e->nloaded; i++)
		extension_free(e->loaded[i]);
	free(e->loaded);
	free(e->user_extensions);
	free(e->user_required);
	free(e->group_extensions);
	free(e->group_required);
	free(e->all);
	memset(e, 0, sizeof(*e));
}

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		abort();
	return p;
}

/* Read the tenant's extensions into `e`. */
static bool entry_load(struct entry *e, struct store *store, const struct tenant *tenant,
		       struct scim_error *err)
{
	struct store_extension_def *rows;
	int nrows, i, nuser = 1, ngroup = 0, nall = 0;
	const struct schema_def *const *s;

	if (!store_extensions_of(store, tenant->id, &rows, &nrows, err))
		return false;
	e->loaded = zalloc((size_t)nrows + 1, sizeof(*e->loaded));
	e->user_extensions = zalloc((size_t)nrows + 2, sizeof(*e->user_extensions));
	e->user_required = zalloc((size_t)nrows + 2, sizeof(*e->user_required));
	e->group_extensions = zalloc((size_t)nrows + 1, sizeof(*e->group_extensions));
	e->group_required = zalloc((size_t)nrows + 1, sizeof(*e->group_required));
	e->all = zalloc((size_t)nrows + 4, sizeof(*e->all));
	e->user_extensions[0] = &schema_enterprise_user;
	for (s = schema_all; *s != NULL; s++)
		e->all[nall++] = *s;
	for (i = 0; i < nrows; i++) {
		json_t *doc = json_loads(rows[i].definition, 0, NULL);
		struct schema_def *schema = doc ? extension_from_json(doc, err) : NULL;

		json_decref(doc);
		if (schema == NULL) {
			/* Only psql could have put it there: say so, loudly. */
			error_clear(err);
			error_set(err, 500, NULL, "the tenant's schema extension %s cannot be read; "
				  "load it again with scimctl schema load", rows[i].urn);
			free(rows);
			return false;
		}
		e->loaded[e->nloaded++] = schema;
		e->all[nall++] = schema;
		if (strcmp(rows[i].resource_type, "Group") == 0) {
			e->group_required[ngroup] = rows[i].required;
			e->group_extensions[ngroup++] = schema;
		} else {
			e->user_required[nuser] = rows[i].required;
			e->user_extensions[nuser++] = schema;
		}
	}
	free(rows);
	e->user = resource_type_user;
	e->user.extensions = e->user_extensions;
	e->user.extension_required = e->user_required;
	e->group = resource_type_group;
	e->group.extensions = e->group_extensions;
	e->group.extension_required = e->group_required;
	e->types[0] = &e->user;
	e->types[1] = &e->group;
	e->types[2] = NULL;
	snprintf(e->tenant_id, sizeof(e->tenant_id), "%s", tenant->id);
	e->version = tenant->schema_version;
	return true;
}

static struct entry *find(const char *tenant_id)
{
	int i;

	for (i = 0; i < ENTRIES; i++)
		if (strcmp(entries[i].tenant_id, tenant_id) == 0)
			return &entries[i];
	return NULL;
}

bool tenant_schemas_get(struct store *store, const struct tenant *tenant,
			struct tenant_schemas *out, struct scim_error *err)
{
	struct entry *e;
	int i;

	tenant_schemas_builtin(out);
	/* Never had an extension: the built-in ones, no query. */
	if (tenant->schema_version == 0)
		return true;
	e = find(tenant->id);
	if (e == NULL || e->version != tenant->schema_version) {
		if (e == NULL) {
			e = &entries[0];
			for (i = 1; i < ENTRIES; i++)
				if (entries[i].used < e->used)
					e = &entries[i];
		}
		entry_clear(e);
		if (!entry_load(e, store, tenant, err)) {
			entry_clear(e);
			return false;
		}
	}
	e->used = ++clock_ticks;
	out->user = &e->user;
	out->group = &e->group;
	out->all = e->all;
	out->types = e->types;
	return true;
}

bool tenant_schemas_unique_attribute(const struct tenant *tenant, const char *index_name,
				     char *out, size_t size)
{
	struct entry *e = find(tenant->id);
	char name[EXTENSION_INDEX_NAME_SIZE];
	const struct attr_def *a;
	int i;

	for (i = 0; e != NULL && i < e->nloaded; i++) {
		for (a = e->loaded[i]->attrs; a->name != NULL; a++) {
			if (a->uniqueness != UNIQ_SERVER)
				continue;
			extension_index_name(tenant->id, e->loaded[i]->urn, a->name, name);
			if (strcmp(name, index_name) == 0) {
				snprintf(out, size, "%s:%s", e->loaded[i]->urn, a->name);
				return true;
			}
		}
	}
	return false;
}
