/*
 * fcgi_front.h - the FastCGI front: the only code that calls libfcgi.
 *
 * It accepts requests from the web server, copies the CGI variables and the
 * body into a struct http_request, hands it to the router, and writes the
 * response. When the process was not started by a FastCGI manager (plain
 * CGI), it serves the one request of its environment and returns.
 * Per-request memory is released after every request.
 */
#ifndef SCIM_FCGI_FRONT_H
#define SCIM_FCGI_FRONT_H

#include "settings.h"
#include "store.h"

/* Serve requests until the web server closes the socket; returns the exit
 * status for main(). */
int fcgi_front_run(struct store *store, const struct settings *settings);

#endif
