/*
 * resource.h - SCIM resources in and out: the client's JSON turned into the
 * stored document, and the stored document turned into the JSON a client
 * receives (RFC 7643).
 *
 * The stored document ("doc") holds every attribute under its canonical name
 * in schema order, extension attributes in an object under the extension URN,
 * and never id, meta, password, or the derived groups/members.
 *
 * Ownership: functions returning json_t * return a new reference; arguments
 * are borrowed.
 */
#ifndef SCIM_RESOURCE_H
#define SCIM_RESOURCE_H

#include <stdbool.h>
#include <jansson.h>

#include "error.h"
#include "schema.h"

/* Most values one multi-valued attribute may hold (emails, roles...); a
 * group's members are rows of their own table and are not limited by it. */
#define RESOURCE_MAX_VALUES 1000

/* A resource as the store returns it. */
struct stored_resource {
	char id[37];
	char created[40];       /* RFC 3339, UTC, milliseconds */
	char last_modified[40];
	long long version;
	json_t *doc;            /* owned */
	json_t *groups;         /* owned; a user's groups when read with it, an
				   array of {"value", "display", "type"};
				   NULL when none (or not read) */
	char *sort_key;         /* owned; a list's sort key, NULL when none */
};

void stored_resource_clear(struct stored_resource *row);

/* The member of JSON object `object` named `name` in any case (RFC 7643
 * 2.1: attribute names ignore case), or NULL; NULL for a non-object. */
json_t *resource_get_ci(const json_t *object, const char *name);

/*
 * Entra's role expressions (SingleAppRoleAssignment,
 * AppRoleAssignmentsComplex) send a role in PATCH as {"value": "<JSON text
 * of {"id", "value", "displayName"}>"}, where POST has plain objects. For
 * such an element of `attr` (roles), the element with that role's value and
 * displayName as value and display; a new reference. NULL otherwise.
 */
json_t *resource_role_unwrap(const struct attr_def *attr, const json_t *element);

/*
 * Turn a client body (POST, PUT, or a document after PATCH) into the stored
 * document. Client leniencies handled here: attribute names in any case;
 * unknown attributes, unknown schema URNs, id, meta, groups and nulls are
 * ignored; booleans written as strings ("True"); a single value for a
 * multi-valued attribute; Entra's
 * array-wrapped single value ([{"value":"x"}]) for a singular one; a bare id
 * for the enterprise manager. password is accepted and dropped: it is
 * write-only and this service authenticates nobody with it.
 * On error returns NULL with 400 invalidSyntax (not an object) or
 * invalidValue (wrong type, missing required attribute).
 */
json_t *resource_normalize(const json_t *body, const struct resource_type_def *rt,
			   struct scim_error *err);

/*
 * The attributes of a client body that resource_normalize() ignores because
 * no schema of `rt` knows them, by their full names (an extension's as
 * "urn:...:User:costCenter"), at most RESOURCE_IGNORED_MAX; NULL when none.
 * Clients rely on unknown attributes being ignored, but an administrator
 * wants to see a mapping that lands nowhere (the provisioning log names
 * them). What is ignored by design (id, meta, schemas, password, read-only
 * attributes) is not listed.
 */
#define RESOURCE_IGNORED_MAX 20

/*
 * RFC 7644 3.5.1: an immutable attribute (an extension's; no core one is)
 * that has a value keeps it. A replacement `after` with another value is
 * 400 mutability; one without it gets the value back. False with err set.
 */
/* schemaExtensions.required: a POST or PUT body must have the extension's
 * object (a PATCH of a resource made before need not). */
bool resource_required_extensions(const json_t *doc, const struct resource_type_def *rt,
				  struct scim_error *err);

bool resource_keep_immutable(const json_t *before, json_t *after,
			     const struct resource_type_def *rt, struct scim_error *err);
json_t *resource_ignored(const json_t *body, const struct resource_type_def *rt);
/* Add "prefix:name" (or "name") to such a list, made when *ignored is NULL. */
void resource_ignored_add(json_t **ignored, const char *prefix, const char *name);

/*
 * One core attribute of a client body, normalized like resource_normalize()
 * does, for attributes kept outside the document (a group's members). An
 * absent multi-valued attribute gives an empty array. NULL with err set on a
 * type error.
 */
json_t *resource_normalize_attribute(const json_t *body, const struct resource_type_def *rt,
				     const char *name, struct scim_error *err);

/*
 * The representation a client receives: schemas, id, the document, and meta
 * (resourceType, created, lastModified, location, version). The manager gets
 * its "$ref". base_url is e.g. "https://host/scim/v2".
 */
json_t *resource_render(const struct stored_resource *row,
			const struct resource_type_def *rt, const char *base_url);

/*
 * RFC 7644 3.4.2.5: with `attributes` (a comma-separated list of attribute
 * paths, NULL when not given) keep only those plus what is returned
 * "always" (id, schemas); with `excluded` drop those (never id). Paths may
 * name sub-attributes ("name.givenName", "emails.value") and be
 * URN-qualified; unknown ones are ignored. Modifies `resource` in place.
 */
void resource_project(json_t *resource, const struct resource_type_def *rt,
		      const char *attributes, const char *excluded);

/* Would resource_project() keep top-level attribute `name` (e.g. "members")?
 * Lets handlers skip work for attributes nobody asked for. */
bool resource_projection_wants(const struct resource_type_def *rt, const char *attributes,
			       const char *excluded, const char *name);

/* The ETag / meta.version of a version number: W/"<n>". */
void resource_version_tag(long long version, char out[32]);

/* True when `id` has the form of our ids (a UUID); others are never found. */
bool resource_id_valid(const char *id);

#endif
