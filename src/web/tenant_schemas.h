/*
 * tenant_schemas.h - the resource types and schemas a tenant's clients see:
 * the built-in ones, or, for a tenant with schema extensions (scimctl schema
 * load), copies of them with its extensions added after the enterprise one.
 * Validation, projection, filters and PATCH take a resource type, so the
 * extensions' attributes work as the core ones do.
 *
 * A worker keeps them for the tenants it served lately, by the tenant's
 * schema_version, which the check of the request's token brings along (a
 * change raises it and makes every worker check its next token again):
 * the request after a change sees it, on every worker. A tenant without
 * extensions costs nothing.
 *
 * Ownership: what tenant_schemas_get() gives stays valid until the next
 * call for another tenant or version; the caller frees nothing.
 */
#ifndef SCIM_TENANT_SCHEMAS_H
#define SCIM_TENANT_SCHEMAS_H

#include <stdbool.h>

#include "error.h"
#include "schema.h"
#include "store.h"

struct tenant_schemas {
	const struct resource_type_def *user;
	const struct resource_type_def *group;
	const struct schema_def *const *all;             /* /Schemas; NULL-terminated */
	const struct resource_type_def *const *types;    /* /ResourceTypes; NULL-terminated */
};

/* The built-in resource types and schemas, for requests without a tenant. */
void tenant_schemas_builtin(struct tenant_schemas *out);

/* The tenant's; 503 when its extensions cannot be read from the database,
 * 500 when one stored there is not a schema this service reads. */
bool tenant_schemas_get(struct store *store, const struct tenant *tenant,
			struct tenant_schemas *out, struct scim_error *err);

/* The extension attribute whose unique index (extension_index_name()) is
 * `index_name`, as "urn:...:attribute"; false when it is none of them. */
bool tenant_schemas_unique_attribute(const struct tenant *tenant, const char *index_name,
				     char *out, size_t size);

#endif
