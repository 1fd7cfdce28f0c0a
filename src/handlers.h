/*
 * handlers.h - one function per SCIM operation, named resource_verb. Each
 * fills ctx->resp (status, body, Location, ETag) or sets ctx->err and
 * returns false; the router does authentication, transactions and error
 * rendering around them.
 */
#ifndef SCIM_HANDLERS_H
#define SCIM_HANDLERS_H

#include <stdbool.h>

#include "router.h"

/* Discovery (RFC 7644 section 4). */
bool service_provider_config_get(struct request_context *ctx);
bool resource_types_list(struct request_context *ctx);
bool resource_types_get(struct request_context *ctx);
bool schemas_list(struct request_context *ctx);
bool schemas_get(struct request_context *ctx);

/* Users (RFC 7644 section 3). */
bool users_create(struct request_context *ctx);
bool users_get(struct request_context *ctx);
bool users_list(struct request_context *ctx);
bool users_replace(struct request_context *ctx);
bool users_patch(struct request_context *ctx);
bool users_delete(struct request_context *ctx);

/* Shared by the handlers: the parsed JSON body of the request, or NULL with
 * ctx->err set (400 invalidSyntax; 413 when too large). New reference. */
json_t *handler_read_body(struct request_context *ctx);

#endif
