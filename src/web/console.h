/*
 * console.h - the admin console, the pages under /scim/admin (see
 * console.c). The FastCGI front hands it the requests whose SCRIPT_NAME
 * ends in /admin; it fills `resp` with a page (resp->page), a redirect or
 * a static file.
 */
#ifndef SCIM_CONSOLE_H
#define SCIM_CONSOLE_H

#include "http.h"
#include "log.h"
#include "settings.h"
#include "store.h"

void console_dispatch(const struct http_request *req, struct http_response *resp,
		      struct store *store, const struct settings *settings, struct log_context *log);

#endif
