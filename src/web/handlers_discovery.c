/*
 * handlers_discovery.c - /ServiceProviderConfig, /ResourceTypes and /Schemas
 * (RFC 7644 section 4, RFC 7643 sections 5-7). Entra reads /Schemas when the
 * administrator saves the provisioning configuration; everything here is
 * generated from the tables in schema.c, so it cannot drift from what the
 * service does.
 */
#include "handlers.h"

#include <string.h>
#include <strings.h>

#include "cursor.h"
#include "schema.h"

static json_t *list_response(json_t *resources)
{
	size_t n = json_array_size(resources);

	return json_pack("{s:[s], s:I, s:I, s:I, s:o}",
			 "schemas", SCHEMA_URN_LIST_RESPONSE,
			 "totalResults", (json_int_t)n,
			 "itemsPerPage", (json_int_t)n,
			 "startIndex", (json_int_t)1,
			 "Resources", resources);
}

static bool respond(struct request_context *ctx, json_t *body)
{
	ctx->resp->status = 200;
	ctx->resp->body = body;
	return true;
}

bool service_provider_config_get(struct request_context *ctx)
{
	const char *base = ctx->req->base_url;
	json_t *config;

	config = json_pack(
		"{s:[s], s:s,"
		" s:{s:b}, s:{s:b, s:i, s:I}, s:{s:b, s:i},"
		" s:{s:b}, s:{s:b}, s:{s:b},"
		" s:[{s:s, s:s, s:s, s:s, s:b}]}",
		"schemas", "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
		"documentationUri", "https://www.rfc-editor.org/rfc/rfc7644",
		"patch", "supported", 1,
		"bulk", "supported", 1, "maxOperations", BULK_MAX_OPERATIONS,
		"maxPayloadSize", (json_int_t)ctx->settings->max_body,
		"filter", "supported", 1, "maxResults", ctx->settings->max_results,
		"changePassword", "supported", 0,
		"sort", "supported", 1,
		"etag", "supported", 1,
		"authenticationSchemes",
		"type", "oauthbearertoken",
		"name", "OAuth Bearer Token",
		"description", "Authentication with the secret token issued by scimctl token add",
		"specUri", "https://www.rfc-editor.org/rfc/rfc6750",
		"primary", 1);
	/* Only what RFC 7643 section 5 (and RFC 9865) define: client libraries
	 * that model the RFC strictly (scim2-models) refuse any other key. The
	 * body limit is bulk.maxPayloadSize, the page limit filter.maxResults;
	 * a filter's length and depth and a PATCH's operations are limited too,
	 * and a request beyond them gets an error that says by how much. */
	if (config == NULL)
		return error_set(&ctx->err, 500, NULL, "cannot build the configuration");
	/* RFC 9865 section 4. */
	json_object_set_new(config, "pagination", json_pack("{s:b, s:b, s:s, s:i, s:i, s:i}",
		"cursor", 1, "index", 1, "defaultPaginationMethod", "index",
		"defaultPageSize", ctx->settings->default_count,
		"maxPageSize", ctx->settings->max_results,
		"cursorTimeout", CURSOR_TIMEOUT));
	json_object_set_new(config, "meta", json_pack("{s:s, s:s+}",
		"resourceType", "ServiceProviderConfig",
		"location", base, "/ServiceProviderConfig"));
	return respond(ctx, config);
}

bool resource_types_list(struct request_context *ctx)
{
	const struct resource_type_def *const *rt;
	json_t *all = json_array();

	for (rt = ctx->schemas.types; *rt != NULL; rt++)
		json_array_append_new(all, resource_type_to_json(*rt, ctx->req->base_url));
	return respond(ctx, list_response(all));
}

bool resource_types_get(struct request_context *ctx)
{
	const struct resource_type_def *const *rt;

	for (rt = ctx->schemas.types; *rt != NULL; rt++)
		if (strcasecmp((*rt)->name, ctx->resource_id) == 0)
			return respond(ctx, resource_type_to_json(*rt, ctx->req->base_url));
	return error_set(&ctx->err, 404, NULL, "no resource type \"%s\"", ctx->resource_id);
}

bool schemas_list(struct request_context *ctx)
{
	const struct schema_def *const *schema;
	json_t *all = json_array();

	for (schema = ctx->schemas.all; *schema != NULL; schema++)
		json_array_append_new(all, schema_to_json(*schema, ctx->req->base_url));
	return respond(ctx, list_response(all));
}

bool schemas_get(struct request_context *ctx)
{
	const struct schema_def *const *schema;

	/* The tenant's own extensions among them (any case: RFC 7643 2.1). */
	for (schema = ctx->schemas.all; *schema != NULL; schema++)
		if (strcasecmp((*schema)->urn, ctx->resource_id) == 0)
			return respond(ctx, schema_to_json(*schema, ctx->req->base_url));
	return error_set(&ctx->err, 404, NULL, "no schema \"%s\"", ctx->resource_id);
}
