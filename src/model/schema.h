/*
 * schema.h - the SCIM model: resource types, schemas and attribute metadata
 * (RFC 7643 sections 4, 7 and 8.7).
 *
 * The tables are static and read-only; every pointer returned here points into
 * them and is never freed. Functions returning json_t * return a new
 * reference; json arguments are borrowed.
 *
 * Attribute names are matched case-insensitively everywhere (RFC 7643 2.1).
 */
#ifndef SCIM_SCHEMA_H
#define SCIM_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define SCHEMA_URN_USER "urn:ietf:params:scim:schemas:core:2.0:User"
#define SCHEMA_URN_GROUP "urn:ietf:params:scim:schemas:core:2.0:Group"
#define SCHEMA_URN_ENTERPRISE_USER \
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define SCHEMA_URN_LIST_RESPONSE "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define SCHEMA_URN_PATCH_OP "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define SCHEMA_URN_SEARCH_REQUEST "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

enum attr_type {
	ATTR_STRING,
	ATTR_BOOLEAN,
	ATTR_DECIMAL,
	ATTR_INTEGER,
	ATTR_DATETIME,
	ATTR_BINARY,
	ATTR_REFERENCE,
	ATTR_COMPLEX,
};

enum attr_mutability {
	MUT_READ_WRITE,
	MUT_READ_ONLY,
	MUT_IMMUTABLE,
	MUT_WRITE_ONLY,
};

enum attr_returned {
	RET_DEFAULT,
	RET_ALWAYS,
	RET_NEVER,
	RET_REQUEST,
};

enum attr_uniqueness {
	UNIQ_NONE,
	UNIQ_SERVER,
	UNIQ_GLOBAL,
};

struct attr_def {
	const char *name; /* canonical spelling, e.g. "userName"; NULL ends a table */
	enum attr_type type;
	bool multi_valued;
	bool required;
	bool case_exact;
	enum attr_mutability mutability;
	enum attr_returned returned;
	enum attr_uniqueness uniqueness;
	const char *description;
	const char *const *canonical_values; /* NULL-terminated, or NULL */
	const char *const *reference_types;  /* NULL-terminated, or NULL */
	const struct attr_def *sub_attrs;    /* for ATTR_COMPLEX; NULL-name terminated */
};

struct schema_def {
	const char *urn;
	const char *name;
	const char *description;
	const struct attr_def *attrs; /* NULL-name terminated */
};

struct resource_type_def {
	const char *name;        /* "User" */
	const char *endpoint;    /* "/Users" */
	const char *description;
	const struct schema_def *core;
	const struct schema_def *const *extensions; /* NULL-terminated */
	/* Parallel to extensions: schemaExtensions.required, a POST or PUT
	 * without the extension's object is refused. NULL: none is. */
	const bool *extension_required;
};

extern const struct schema_def schema_user;
extern const struct schema_def schema_enterprise_user;
extern const struct schema_def schema_group;
extern const struct resource_type_def resource_type_user;
extern const struct resource_type_def resource_type_group;

/* NULL-terminated list of every schema, for /Schemas. */
extern const struct schema_def *const schema_all[];
/* NULL-terminated list of every resource type, for /ResourceTypes. */
extern const struct resource_type_def *const resource_type_all[];

/*
 * The common attributes (RFC 7643 3.1): id, externalId and meta with its
 * sub-attributes. They belong to every resource type but to no schema.
 */
extern const struct attr_def schema_common_attrs[];

/* Find an attribute in a NULL-name terminated table, case-insensitively.
 * `name` need not be NUL-terminated. NULL when absent. */
const struct attr_def *schema_find_attr(const struct attr_def *attrs,
					const char *name, size_t len);

/* Find the core schema or an extension of `rt` by URN, case-insensitively. */
const struct schema_def *schema_find(const struct resource_type_def *rt,
				     const char *urn, size_t len);

/* Find a schema of any resource type by URN, case-insensitively. */
const struct schema_def *schema_find_any(const char *urn, size_t len);

/*
 * A resolved attribute path: `attr` is a top-level attribute of `schema`
 * (schema is NULL for the common attributes id, externalId, meta), `sub` a
 * sub-attribute of it or NULL.
 */
struct attr_path {
	const struct schema_def *schema;
	const struct attr_def *attr;
	const struct attr_def *sub;
};

/*
 * Resolve `urn` (may be NULL: core schema or common attributes), `name` and
 * `sub` (may be NULL) against resource type `rt`. The extension URN may also
 * be written as a prefix of name ("urn:...:User:employeeNumber") by callers
 * that split it first. Returns false when any part is unknown.
 */
bool schema_resolve(const struct resource_type_def *rt, const char *urn,
		    const char *name, const char *sub, struct attr_path *out);

/*
 * Split a possibly URN-qualified attribute reference, e.g.
 * "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
 * into the schema it names (NULL if no known URN prefix), and the offset of the
 * attribute name that follows the URN and its ':'. Matches known schema URNs of
 * `rt` only, case-insensitively.
 */
const struct schema_def *schema_split_urn(const struct resource_type_def *rt,
					  const char *text, size_t *name_offset);

/* The /Schemas representation of one schema (RFC 7643 section 7); base_url
 * is used for meta.location. */
json_t *schema_to_json(const struct schema_def *schema, const char *base_url);

/* The /ResourceTypes representation of one resource type (RFC 7643 6). */
json_t *resource_type_to_json(const struct resource_type_def *rt,
			      const char *base_url);

#endif
