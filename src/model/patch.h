/*
 * patch.h - the PATCH engine (RFC 7644 section 3.5.2), applied to an
 * in-memory resource document, all operations or none.
 *
 * The document is a resource as stored: core attributes at the top level
 * under their canonical names, extension attributes inside an object keyed
 * by the extension URN, no "id" and no "meta". The result may still hold
 * client spellings ("True" for a boolean, a manager given as a bare string):
 * the caller passes it through resource_normalize() afterwards, which
 * coerces and validates types.
 *
 * Group memberships are not part of the document (a group's members are
 * never loaded to change them): operations on "members" are returned as a
 * list of membership changes, in request order, for the caller to apply.
 *
 * Ownership: `doc` and `body` are borrowed and never modified; the result's
 * doc and member_changes are new references owned by the caller, released
 * with patch_result_clear().
 */
#ifndef SCIM_PATCH_H
#define SCIM_PATCH_H

#include <stdbool.h>
#include <jansson.h>

#include "error.h"
#include "schema.h"

/* Upper bound on Operations in one request. */
#define PATCH_MAX_OPERATIONS 1000

struct patch_result {
	json_t *doc;     /* the patched document */
	bool changed;    /* false when the document is identical to the input */
	/*
	 * Membership changes, in request order; NULL when there are none. An
	 * array of objects {"op": "add"|"remove"|"replace", "values": [...]}:
	 * each value is a member object {"value": "id"} with "type" ("User" or
	 * "Group") kept when the client sent it. "remove" without "values"
	 * removes every member; "replace" sets the members to exactly "values".
	 */
	json_t *member_changes;
	/* The attributes of extensions the tenant does not have, ignored (see
	 * resource_ignored()); NULL when none. */
	json_t *ignored;
};

/*
 * Apply the PatchOp `body` to `doc` of resource type `rt`. On success fills
 * `out` and returns true. On failure returns false with err set, e.g.
 * 400 invalidSyntax (no Operations, bad op), 400 invalidPath (unparsable
 * path, unknown attribute), 400 noTarget (remove without path, or a filter
 * that matches nothing on remove), 400 mutability (readOnly target such as
 * id, meta, groups), 400 invalidValue (value of the wrong shape).
 */
bool patch_apply(const json_t *doc, const json_t *body,
		 const struct resource_type_def *rt, struct patch_result *out,
		 struct scim_error *err);

/* Release what patch_apply() put into `result`. */
void patch_result_clear(struct patch_result *result);

#endif
