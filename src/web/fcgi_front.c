/* fcgi_front.c - FastCGI (and CGI) request loop; see fcgi_front.h. */
#include "fcgi_front.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <fcgiapp.h>

#include "address.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "console.h"
#include "router.h"

/* Where a request comes from: a FastCGI request, or the process itself (CGI). */
struct channel {
	FCGX_Request *fcgi; /* NULL in CGI mode */
};

static const char *channel_param(const struct channel *ch, const char *name)
{
	return ch->fcgi ? FCGX_GetParam(name, ch->fcgi->envp) : getenv(name);
}

static char *channel_dup(const struct channel *ch, const char *name)
{
	const char *value = channel_param(ch, name);
	char *copy;

	if (value == NULL)
		return NULL;
	copy = strdup(value);
	if (copy == NULL)
		abort();
	return copy;
}

static int channel_read(const struct channel *ch, char *buf, int len)
{
	if (ch->fcgi)
		return FCGX_GetStr(buf, len, ch->fcgi->in);
	return (int)fread(buf, 1, (size_t)len, stdin);
}

static void channel_write(const struct channel *ch, const char *data, size_t len)
{
	if (ch->fcgi)
		FCGX_PutStr(data, (int)len, ch->fcgi->out);
	else
		fwrite(data, 1, len, stdout);
}

/*
 * A CGI program that answers before reading its whole body loses the answer
 * under Apache's mod_cgid (it sees a broken pipe and resets the
 * connection): read and drop the rest first. FastCGI needs nothing of this.
 */
static void discard_body(const struct channel *ch, unsigned long long length)
{
	char scratch[65536];
	unsigned long long left = length;
	int n;

	if (ch->fcgi != NULL)
		return;
	while (left > 0) {
		n = channel_read(ch, scratch, left < sizeof(scratch) ? (int)left : (int)sizeof(scratch));
		if (n <= 0)
			break;
		left -= (unsigned long long)n;
	}
}

/* Read the body, at most max_body bytes; more marks the request too large. */
static void read_body(const struct channel *ch, struct http_request *req, size_t max_body)
{
	const char *length_text = channel_param(ch, "CONTENT_LENGTH");
	size_t cap = 4096;
	size_t len = 0;
	int n;

	if (length_text != NULL && strtoull(length_text, NULL, 10) > max_body) {
		req->body_too_large = true;
		discard_body(ch, strtoull(length_text, NULL, 10));
		return;
	}
	req->body = malloc(cap);
	if (req->body == NULL)
		abort();
	for (;;) {
		if (len == cap - 1) {
			if (cap > max_body + 1) {
				req->body_too_large = true;
				discard_body(ch, ~0ULL); /* to its end */
				break;
			}
			cap *= 2;
			req->body = realloc(req->body, cap);
			if (req->body == NULL)
				abort();
		}
		n = channel_read(ch, req->body + len, (int)(cap - 1 - len));
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len > max_body)
		req->body_too_large = true;
	req->body[len] = '\0';
	req->body_len = len;
}

/* A Host header goes into every Location: accept host names only. */
static bool host_is_sane(const char *host)
{
	const char *p;

	if (host == NULL || *host == '\0' || strlen(host) > 255)
		return false;
	for (p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-:[]_", *p) == NULL)
			return false;
	return true;
}

static char *build_base_url(const struct channel *ch, const struct settings *settings)
{
	const char *https = channel_param(ch, "HTTPS");
	const char *host = channel_param(ch, "HTTP_HOST");
	const char *script = channel_param(ch, "SCRIPT_NAME");
	const char *server = channel_param(ch, "SERVER_NAME");
	const char *port = channel_param(ch, "SERVER_PORT");
	bool secure = https != NULL && (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0);
	char url[1024];

	if (settings->base_url[0] != '\0')
		snprintf(url, sizeof(url), "%s", settings->base_url);
	else if (host_is_sane(host))
		snprintf(url, sizeof(url), "%s://%s%s", secure ? "https" : "http", host,
			 script ? script : "");
	else
		snprintf(url, sizeof(url), "%s://%s%s%s%s", secure ? "https" : "http",
			 host_is_sane(server) ? server : "localhost",
			 port ? ":" : "", port ? port : "", script ? script : "");
	/* Shared hosting rewrites may leave a trailing slash on SCRIPT_NAME. */
	while (strlen(url) > 0 && url[strlen(url) - 1] == '/')
		url[strlen(url) - 1] = '\0';
	return strdup(url);
}

/*
 * The request's id: the client's X-Request-Id when it is a sane token (1 to
 * 36 letters, digits, '-', '_' or '.'), so that both sides of a ticket
 * quote the same id; otherwise 16 random hex digits. malloc'd.
 */
static char *request_id(const char *sent)
{
	uint64_t id;
	char text[24];
	size_t len = sent != NULL ? strlen(sent) : 0;

	if (len > 0 && len <= 36 && strspn(sent, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789-_.") == len)
		return strdup(sent);
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = ((uint64_t)rand() << 32) ^ (uint64_t)rand();
	snprintf(text, sizeof(text), "%016llx", (unsigned long long)id);
	return strdup(text);
}

/*
 * The host and port the browser addressed, as its Origin header names them:
 * Host, with the server's port added when Host lacks one that is not the
 * scheme's (nginx passes Host without its port). NULL without a Host.
 */
static char *console_host(const char *host, const char *port, bool https)
{
	char text[300];

	if (host == NULL || *host == '\0' || strlen(host) > 255)
		return NULL;
	if (strchr(host, ']') != NULL ? strstr(host, "]:") != NULL : strchr(host, ':') != NULL)
		return strdup(host);
	if (port == NULL || strcmp(port, https ? "443" : "80") == 0)
		return strdup(host);
	snprintf(text, sizeof(text), "%s:%s", host, port);
	return strdup(text);
}

static void read_request(const struct channel *ch, struct http_request *req,
			 const struct settings *settings)
{
	const char *path = channel_param(ch, "PATH_INFO");
	char address[ADDRESS_TEXT_SIZE];
	const char *console_base;
	const char *client;

	req->method = channel_dup(ch, "REQUEST_METHOD");
	if (req->method == NULL)
		req->method = strdup("GET");
	req->path = strdup(path != NULL && *path != '\0' ? path : "/");
	req->base_url = build_base_url(ch, settings);
	req->authorization = channel_dup(ch, "HTTP_AUTHORIZATION");
	req->content_type = channel_dup(ch, "CONTENT_TYPE");
	req->if_match = channel_dup(ch, "HTTP_IF_MATCH");
	req->if_none_match = channel_dup(ch, "HTTP_IF_NONE_MATCH");
	client = address_client(channel_param(ch, "REMOTE_ADDR"),
				channel_param(ch, "HTTP_X_FORWARDED_FOR"),
				&settings->trusted_proxies, address);
	req->client_address = client != NULL ? strdup(client) : NULL;
	req->request_id = request_id(channel_param(ch, "HTTP_X_REQUEST_ID"));
	if (req->method == NULL || req->path == NULL || req->base_url == NULL ||
	    req->request_id == NULL || (client != NULL && req->client_address == NULL))
		abort();
	req->query_invalid = !http_parse_query(req, channel_param(ch, "QUERY_STRING"));
	read_body(ch, req, settings->max_body);
	/* The admin console: the web server routes /scim/admin here too, or
	 * names the console's path (the shared-hosting .htaccess, whose
	 * rewrite leaves SCRIPT_NAME at scim.fcgi). */
	console_base = channel_param(ch, "SCIM_CONSOLE_BASE");
	if (console_base == NULL)
		console_base = channel_param(ch, "REDIRECT_SCIM_CONSOLE_BASE");
	req->script_name = console_base != NULL ? strdup(console_base)
						: channel_dup(ch, "SCRIPT_NAME");
	if (req->script_name != NULL) {
		size_t len = strlen(req->script_name);

		while (len > 0 && req->script_name[len - 1] == '/')
			req->script_name[--len] = '\0';
		req->console = len >= 6 && strcmp(req->script_name + len - 6, "/admin") == 0;
	}
	req->cookie = channel_dup(ch, "HTTP_COOKIE");
	req->origin = channel_dup(ch, "HTTP_ORIGIN");
	req->https = channel_param(ch, "HTTPS") != NULL &&
		     (strcasecmp(channel_param(ch, "HTTPS"), "on") == 0 ||
		      strcmp(channel_param(ch, "HTTPS"), "1") == 0);
	req->host = console_host(channel_param(ch, "HTTP_HOST"), channel_param(ch, "SERVER_PORT"),
				 req->https);
}

static void channel_write_fn(void *out, const char *data, size_t len)
{
	channel_write(out, data, len);
}

/* Write `head` (status and headers), the Content-Length of `body` when
 * there is one, the blank line that ends the headers, and `body`. */
static void write_whole(const struct channel *ch, const char *head, size_t head_len,
			const char *body, size_t body_len)
{
	char length[64];
	int n = body != NULL ? snprintf(length, sizeof(length), "Content-Length: %zu\r\n\r\n",
					body_len)
			     : snprintf(length, sizeof(length), "\r\n");

	channel_write(ch, head, head_len);
	channel_write(ch, length, (size_t)n);
	if (body != NULL)
		channel_write(ch, body, body_len);
}

static int write_stream_failed(const struct channel *ch, const struct log_context *log,
			       const struct http_response *resp, const char *head,
			       size_t head_len, const char *body, size_t body_len);

/*
 * A page of the admin console, with the headers that keep it to itself:
 * no framing, no script or style but its own files, no caching.
 */
static int write_page(const struct channel *ch, const struct log_context *log,
		      const struct http_response *resp)
{
	char head[4096];
	int n;

	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Cache-Control: no-store\r\n"
		     "X-Frame-Options: DENY\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "Referrer-Policy: same-origin\r\n"
		     "Content-Security-Policy: default-src 'none'; style-src 'self'; script-src 'self'; "
		     "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
		     "X-Request-Id: %s\r\n",
		     resp->status, http_reason(resp->status),
		     resp->page_type != NULL ? resp->page_type : "text/html; charset=utf-8",
		     log->request_id);
	if (resp->location != NULL && strlen(resp->location) < 1024)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Location: %s\r\n", resp->location);
	if (resp->set_cookie != NULL && strlen(resp->set_cookie) < 1024)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Set-Cookie: %s\r\n", resp->set_cookie);
	write_whole(ch, head, (size_t)n, resp->page, strlen(resp->page));
	return resp->status;
}

/*
 * Send the response; returns the status sent. *cut_after becomes the
 * number of bytes sent when the response could not be completed (see
 * http_send_streamed()), else 0.
 */
static int write_response(const struct channel *ch, const struct log_context *log,
			  const struct http_response *resp, size_t *cut_after)
{
	struct http_output output = { .write = channel_write_fn, .out = (void *)ch, .log = log };
	char head[2048];
	char *body = NULL;
	bool streaming = resp->stream.produce != NULL && resp->body != NULL;
	size_t body_len = 0;
	int status;
	int n;

	*cut_after = 0;
	if (resp->page != NULL)
		return write_page(ch, log, resp);
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n", resp->status,
		     http_reason(resp->status));
	if (resp->body != NULL)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
			      "Content-Type: application/scim+json; charset=utf-8\r\n");
	if (resp->location != NULL && strlen(resp->location) < 1024)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Location: %s\r\n", resp->location);
	if (resp->etag[0] != '\0')
		n += snprintf(head + n, sizeof(head) - (size_t)n, "ETag: %s\r\n", resp->etag);
	if (resp->authenticate)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
			      "WWW-Authenticate: Bearer realm=\"SCIM\"\r\n");
	/* For a support ticket to quote. */
	n += snprintf(head + n, sizeof(head) - (size_t)n, "X-Request-Id: %s\r\n", log->request_id);
	if (resp->body != NULL) {
		body = json_dumps(resp->body, JSON_COMPACT);
		if (body == NULL)
			body = strdup("{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],"
				      "\"status\":\"500\",\"detail\":\"response could not be encoded\"}");
		if (body == NULL)
			abort();
		body_len = strlen(body);
	}
	status = resp->status;
	if (body != NULL && streaming && body_len >= 2) {
		switch (http_send_streamed(resp, head, (size_t)n, body, body_len, &output)) {
		case HTTP_STREAM_SENT:
			break;
		case HTTP_STREAM_UNSENT:
			status = write_stream_failed(ch, log, resp, head, (size_t)n, body, body_len);
			break;
		case HTTP_STREAM_CUT:
			*cut_after = output.sent;
			break;
		}
	} else {
		write_whole(ch, head, (size_t)n, body, body_len);
	}
	free(body);
	return status;
}

/*
 * A stream that failed (the database went away after the handler's
 * queries): nothing was sent. A read answers with the error; a write,
 * already committed, with what it has, without the streamed member.
 */
static int write_stream_failed(const struct channel *ch, const struct log_context *log,
			       const struct http_response *resp, const char *head,
			       size_t head_len, const char *body, size_t body_len)
{
	struct http_response error = { 0 };
	struct scim_error err;
	size_t cut_after;
	int status;

	if (resp->stream.after_write) {
		log_msg(log, LOG_WARNING, "%s could not be read: answered without them",
			resp->stream.key);
		write_whole(ch, head, head_len, body, body_len);
		return resp->status;
	}
	error_clear(&err);
	if (resp->stream.error != NULL && error_is_set(resp->stream.error))
		err = *resp->stream.error;
	else
		error_set(&err, 503, NULL, "the response could not be produced; try again later");
	log_msg(log, LOG_WARNING, "%s could not be read: %s", resp->stream.key, err.detail);
	http_response_error(&error, &err);
	status = write_response(ch, log, &error, &cut_after);
	http_response_clear(&error);
	return status;
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* Serve one request; false when its response was cut short. */
static bool serve_one(const struct channel *ch, struct store *store,
		      const struct settings *settings)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct log_context log;
	struct timespec start;
	struct log_line line;
	size_t cut_after;
	double ms;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &start);
	read_request(ch, &req, settings);
	log_context_set(&log, req.request_id, NULL);
	store_set_log(store, &log);
	if (req.console)
		console_dispatch(&req, &resp, store, settings, &log);
	else
		router_dispatch(&req, &resp, store, settings, &log);
	status = write_response(ch, &log, &resp, &cut_after);
	ms = elapsed_ms(&start);
	metrics_request(metrics_resource_of(req.path, req.console), req.method, status, ms / 1e3);
	/* The request's line: who asked what, the answer, and why an error. */
	log_line_start(&line, &log, resp.probe ? LOG_DEBUG
				    : status >= 500 || cut_after > 0 ? LOG_WARNING : LOG_INFO);
	log_line_add(&line, "client", "%s", req.client_address ? req.client_address : "unknown");
	log_line_add(&line, "method", "%s", req.method);
	log_line_add(&line, "path", "%s", req.path);
	log_line_add(&line, "status", "%d", status);
	log_line_add(&line, "ms", "%.1f", ms);
	if (cut_after > 0)
		log_line_add(&line, "cut_after", "%zu", cut_after);
	if (status >= 400 && resp.error.scim_type != NULL)
		log_line_add(&line, "scim_type", "%s", resp.error.scim_type);
	if (status >= 400 && resp.error.detail[0] != '\0')
		log_line_add(&line, "detail", "%s", resp.error.detail);
	if (status == 401 && resp.error.why != NULL)
		log_line_add(&line, "reason", "%s", resp.error.why);
	log_line_end(&line);
	store_set_log(store, NULL);
	http_response_clear(&resp);
	http_request_clear(&req);
	return cut_after == 0;
}

int fcgi_front_run(struct store *store, const struct settings *settings)
{
	FCGX_Request request;
	struct channel ch = { 0 };

	if (FCGX_Init() != 0) {
		log_msg(NULL, LOG_ERROR, "FastCGI initialisation failed");
		return 1;
	}
	if (FCGX_IsCGI()) {
		/* Hosts without mod_fcgid run us as plain CGI: one request. */
		serve_one(&ch, store, settings);
		fflush(stdout);
		return 0;
	}
	if (FCGX_InitRequest(&request, 0, 0) != 0) {
		log_msg(NULL, LOG_ERROR, "FastCGI request initialisation failed");
		return 1;
	}
	ch.fcgi = &request;
	while (FCGX_Accept_r(&request) >= 0) {
		if (serve_one(&ch, store, settings)) {
			FCGX_Finish_r(&request);
			continue;
		}
		/* A response cut short must not end as a whole one would: the
		 * connection closes without FCGI_END_REQUEST (and without what
		 * libfcgi still buffers), and the web server fails the
		 * transfer instead of completing it. */
		FCGX_Free(&request, 1);
	}
	FCGX_Free(&request, 1);
	return 0;
}
