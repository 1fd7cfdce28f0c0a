/*
 * filter_sql.h - a filter tree (filter.h) turned into a SQL condition on the
 * resource table aliased "r" (users or groups), with every client value as
 * a $n parameter of the query.
 *
 * Lookups that clients make on every provisioning cycle use indexes: userName,
 * externalId, displayName and id use their columns; eq on a sub-attribute of
 * a multi-valued attribute (emails[type eq "work"].value eq "x") uses the
 * containment index on the lower-cased document. Every other attribute of
 * the schema is compared on the document, with the same semantics as
 * filter_match() in memory: names case-insensitive, strings per caseExact,
 * any-match on multi-valued attributes, missing attributes never match.
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
 * to the attribute's type, or a form not supported).
 */
bool filter_sql(const struct filter_node *node, const struct resource_type_def *rt,
		struct sql_query *q, struct scim_error *err);

#endif
