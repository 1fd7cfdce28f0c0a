/*
 * filter_sql.h - a filter tree (filter.h) turned into a SQL condition on the
 * resource table aliased "r" (users or groups), with every client value as
 * a $n parameter of the query.
 *
 * The condition selects exactly the resources whose rendered representation
 * filter_match() accepts, and fails exactly when filter_match() does: names
 * case-insensitive, strings per caseExact (folded with scim_fold(), see
 * sql/002_filter_indexes.sql), any-match on multi-valued attributes, missing
 * attributes never match, meta.created and meta.lastModified compared as the
 * milliseconds they are rendered with. tests/differential/ checks this.
 *
 * Lookups that clients make on every provisioning cycle use indexes: userName
 * (eq, and sw as a range), externalId, displayName and id use their columns;
 * eq with an ASCII value on any other attribute that ignores case
 * (emails[type eq "work"].value eq "x", title eq "x") uses the containment
 * index on the document; userName co uses the trigram index when pg_trgm is
 * installed. Needs scim_fold() and the indexes of sql/002_filter_indexes.sql.
 *
 * A group's members and a user's groups (nested ones included) come from the
 * membership table, as the handlers render them: `members eq "id"`, `members
 * pr` and `members[value eq "id"]` use its indexes (Entra's reference check),
 * any other test reads the elements of each resource it considers.
 */
#ifndef SCIM_FILTER_SQL_H
#define SCIM_FILTER_SQL_H

#include <stdbool.h>

#include "error.h"
#include "filter.h"
#include "schema.h"
#include "sql_query.h"

/*
 * Append the condition for `node` to `q`. On error returns false with err
 * set to 400 invalidFilter (unknown attribute, operator that does not apply
 * to the attribute's type, or a form not supported: what is rendered from
 * the base URL, meta.location, the manager's $ref and every part of members
 * and groups but their indexed forms: see filter_sql_with_base()).
 */
bool filter_sql(const struct filter_node *node, const struct resource_type_def *rt,
		struct sql_query *q, struct scim_error *err);

/*
 * The same, with the base URL the resources are rendered with
 * (resource_render(), e.g. "https://host/scim/v2"), so that meta.location
 * and the enterprise manager's $ref can be filtered on too; with the
 * tenant's id (may be NULL), tests on members and groups read the tenant's
 * memberships once for the whole list rather than once per row. `indexed`
 * (may be NULL) tells whether an index narrows the rows the condition
 * selects: eq on userName, displayName, externalId or id, userName sw or co,
 * an eq the containment index answers, or an `and` with one of these.
 */
bool filter_sql_with_base(const struct filter_node *node, const struct resource_type_def *rt,
			  const char *base_url, const char *tenant_id, struct sql_query *q,
			  bool *indexed, struct scim_error *err);

/*
 * The text expression a list is sorted by for `sort_by` (an attribute path,
 * RFC 7644 3.4.2.3): folded like filters for attributes that ignore case,
 * the primary (else first) value of a multi-valued attribute, NULL when the
 * resource has none. Callers compare it with COLLATE "C". 400 invalidValue
 * for an attribute that cannot be sorted by.
 */
bool filter_sql_sort_key(const struct resource_type_def *rt, const char *sort_by,
			 char *out, size_t size, struct scim_error *err);

#endif
