/*
 * http.h - the typed HTTP request a handler sees and the response it fills.
 *
 * The FastCGI front (fcgi_front.c) copies every CGI variable the service
 * uses into struct http_request in one place; nothing else reads the
 * environment of a request. A request and its response live for one request
 * and are released by http_request_clear() / http_response_clear().
 */
#ifndef SCIM_HTTP_H
#define SCIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "error.h"
#include "log.h"

struct query_param {
	char *name;  /* decoded */
	char *value; /* decoded; "+" and "%20" both become a space */
};

struct http_request {
	char *method;         /* "GET" */
	char *path;           /* below the SCIM base, decoded: "/Users/123" */
	char *base_url;       /* "https://host/scim/v2", for Location and meta */
	char *authorization;  /* NULL when absent */
	char *content_type;
	char *if_match;
	char *if_none_match;
	char *client_address; /* REMOTE_ADDR, or the client behind a trusted
	                         proxy (address_client()); NULL when unknown */
	char *request_id;     /* short random id for log lines */
	/* For the admin console (console.c) only: */
	bool console;         /* addressed to the console: SCRIPT_NAME ends in
	                         /admin (path is then below it) */
	char *script_name;    /* SCRIPT_NAME, the console's base path */
	char *cookie;         /* the Cookie header, NULL when absent */
	char *origin;         /* the Origin header, NULL when absent */
	char *host;           /* host[:port] as the browser addressed it, NULL
	                         when there is no Host header */
	bool https;           /* HTTPS=on: the Secure attribute for cookies */
	struct query_param *query;
	size_t nquery;
	char *body;           /* NUL-terminated, body_len bytes; NULL when empty */
	size_t body_len;
	bool body_too_large;  /* more than the configured limit was sent */
	bool query_invalid;   /* the query string could not be decoded */
	char *query_invalid_name; /* the parameter that could not, when known */
};

/* Writes part of a response body; `out` is the front's channel. */
typedef void (*http_write_fn)(void *out, const char *data, size_t len);

/*
 * A large array written after the rest of the body, as it is produced, so
 * that it is never held in memory (a group's members): the body object gets
 * one more member `key` whose value produce() writes as JSON text. Returns
 * false when it failed midway; nothing has been sent then.
 */
struct http_stream {
	const char *key;
	bool (*produce)(void *arg, http_write_fn write, void *out);
	void *arg;
	void (*release)(void *arg); /* frees arg; called by http_response_clear */
	struct scim_error *error;   /* where produce() leaves why it failed */
	/* The answer to a write that is committed: a failure must not say it
	 * failed (a retry would conflict); the body goes without the streamed
	 * member. */
	bool after_write;
};

struct http_response {
	int status;             /* 0 until set */
	json_t *body;           /* owned; NULL for 204 and 304 */
	char *location;         /* owned; Location header or NULL */
	char etag[32];          /* ETag header or "" */
	bool authenticate;      /* send WWW-Authenticate: Bearer */
	struct scim_error error; /* an error answer's, for the log line */
	char *page;             /* owned: an HTML page of the admin console,
				   sent instead of `body` */
	char *set_cookie;       /* owned: the admin console's Set-Cookie */
	const char *page_type;  /* the page's Content-Type (static); NULL: HTML */
	bool probe;             /* a health check: its request line is logged at
				   debug level, not with every probe at info */
	struct http_stream stream; /* produce is NULL when nothing is streamed */
};

/* Bytes of a streamed response held in memory; the rest waits in a
 * temporary file. */
#define HTTP_STREAM_HOLD 65536

/* Where a response goes: write(out, ...); `sent` counts the bytes that went. */
struct http_output {
	http_write_fn write;
	void *out;
	size_t sent;
	const struct log_context *log; /* the request's, for failures */
};

enum http_stream_outcome {
	HTTP_STREAM_SENT,     /* all of it */
	HTTP_STREAM_UNSENT,   /* the stream failed: nothing was sent */
	HTTP_STREAM_CUT,      /* the temporary file failed while it was sent */
};

/*
 * Send `head` (the status and headers, without Content-Length and the blank
 * line that ends them) and `body` (the response's JSON, an object) with
 * resp->stream's member added: {...,"key":<stream>}. Nothing is sent until
 * the stream has ended, so that a stream that fails anywhere (the database
 * went away) sends nothing and the caller can still answer with an error;
 * meanwhile the first HTTP_STREAM_HOLD bytes wait in memory, the rest in a
 * temporary file, and the response then goes with its Content-Length. A
 * temporary file that cannot be written is logged, and the stream fails.
 */
enum http_stream_outcome http_send_streamed(const struct http_response *resp, const char *head,
					    size_t head_len, const char *body, size_t body_len,
					    struct http_output *output);

/* Decode a raw query string into req->query. False when it is not valid. */
bool http_parse_query(struct http_request *req, const char *query_string);

/* The value of query parameter `name` (case-insensitive), or NULL. */
const char *http_query_get(const struct http_request *req, const char *name);

/* Reason phrase of a status code ("Not Found"). */
const char *http_reason(int status);

/* Set the response to the error's JSON body and status. */
void http_response_error(struct http_response *resp, const struct scim_error *err);

void http_request_clear(struct http_request *req);
void http_response_clear(struct http_response *resp);

#endif
