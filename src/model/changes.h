/*
 * changes.h - what a write changed, as the provisioning log records it:
 * the names of the attributes whose values differ between two stored
 * documents (never the values), and whether a user was disabled or
 * enabled. Arguments are borrowed.
 */
#ifndef SCIM_CHANGES_H
#define SCIM_CHANGES_H

#include <jansson.h>

/*
 * The attributes that differ between `before` and `after` (NULL: no
 * document, as before a create), as a JSON array of names in sorted order
 * (a new reference); NULL when none differ. A complex
 * attribute is named by its sub-attributes that differ ("name.givenName"),
 * an extension's attributes by their full path
 * ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
 * "schemas" is never named.
 */
json_t *changes_attribute_names(const json_t *before, const json_t *after);

/* A user's active going from true (or absent) to false: CHANGE_DISABLED;
 * from false to true (or absent): CHANGE_ENABLED; otherwise CHANGE_NONE. */
enum change_active { CHANGE_NONE, CHANGE_DISABLED, CHANGE_ENABLED };
enum change_active changes_active(const json_t *before, const json_t *after);

#endif
