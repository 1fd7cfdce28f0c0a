/*
 * extension.h - schema extensions an administrator defines: a schema
 * written as RFC 7643 section 7 describes it (the JSON that /Schemas
 * serves), read into the same schema_def the built-in schemas are, so that
 * validation, projection, filters and PATCH treat its attributes as they
 * treat the core ones.
 *
 * Reading is strict: anything RFC 7643 does not define, or that this
 * service cannot honour (uniqueness "global", sub-attributes of
 * sub-attributes), is refused with the JSON path of the problem, e.g.
 * "attributes[2].subAttributes[0].type: \"strng\" is not one of string,
 * boolean, decimal, integer, dateTime, reference, binary, complex".
 *
 * Ownership: extension_from_json() returns a schema_def that owns every
 * string and table it points to; extension_free() releases it all.
 */
#ifndef SCIM_EXTENSION_H
#define SCIM_EXTENSION_H

#include <jansson.h>

#include "error.h"
#include "schema.h"

/* What one extension may hold. */
#define EXTENSION_MAX_ATTRIBUTES 100
#define EXTENSION_MAX_SUB_ATTRIBUTES 40
#define EXTENSION_MAX_NAME 64
#define EXTENSION_MAX_URN 200
#define EXTENSION_MAX_CANONICAL_VALUES 200
#define EXTENSION_MAX_TEXT 1024

/* The schema that `doc` describes; NULL with a 400 invalidValue in `err`
 * naming the path of the first problem. */
struct schema_def *extension_from_json(const json_t *doc, struct scim_error *err);

void extension_free(struct schema_def *schema);

/*
 * The names of the unique indexes of a tenant's extension (its attributes
 * with uniqueness "server"; sql/012_schema_extensions.sql): "scim_ext_", 16
 * hex digits of the SHA-256 of the tenant's id and the URN, "_", then for
 * an index 16 of the attribute's name. scimctl creates them by these names;
 * a worker finds the attribute a 409 is about by its index's name.
 */
#define EXTENSION_INDEX_NAME_SIZE 48
void extension_index_prefix(const char *tenant_id, const char *urn,
			    char out[EXTENSION_INDEX_NAME_SIZE]);
void extension_index_name(const char *tenant_id, const char *urn, const char *attribute,
			  char out[EXTENSION_INDEX_NAME_SIZE]);

#endif
