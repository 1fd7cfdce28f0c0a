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
 * false when it failed midway; the response is then cut short.
 */
struct http_stream {
	const char *key;
	bool (*produce)(void *arg, http_write_fn write, void *out);
	void *arg;
	void (*release)(void *arg); /* frees arg; called by http_response_clear */
	struct scim_error *error;   /* where produce() leaves why it failed */
	/* The answer to a write that is committed: a failure before anything
	 * was sent must not say it failed (a retry would conflict); the body
	 * goes without the streamed member. */
	bool after_write;
};

struct http_response {
	int status;             /* 0 until set */
	json_t *body;           /* owned; NULL for 204 and 304 */
	char *location;         /* owned; Location header or NULL */
	char etag[32];          /* ETag header or "" */
	bool authenticate;      /* send WWW-Authenticate: Bearer */
	struct http_stream stream; /* produce is NULL when nothing is streamed */
};

/* Bytes of a streamed response held back before any is sent. */
#define HTTP_STREAM_HOLD 65536

enum http_stream_outcome {
	HTTP_STREAM_SENT,     /* all of it */
	HTTP_STREAM_UNSENT,   /* the stream failed early: nothing was sent */
	HTTP_STREAM_CUT,      /* the stream failed after the first bytes went */
};

/*
 * Send `head` (status and headers) and `body` (the response's JSON, an
 * object) with resp->stream's member added as it is produced:
 * {...,"key":<stream>}. The first HTTP_STREAM_HOLD bytes are held back, so
 * that a stream that fails within them (the database went away) sends
 * nothing and the caller can still answer with an error; most groups'
 * members fit. Past them a failure can only cut the response short.
 */
enum http_stream_outcome http_send_streamed(const struct http_response *resp, const char *head,
					    size_t head_len, const char *body, size_t body_len,
					    http_write_fn write, void *out);

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
