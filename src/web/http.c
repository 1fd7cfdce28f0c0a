/* http.c - requests and responses; see http.h. */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uriparser/Uri.h>

#include "log.h"

bool http_parse_query(struct http_request *req, const char *query_string)
{
	UriQueryListA *list = NULL;
	UriQueryListA *item;
	int count = 0;
	size_t i = 0;
	size_t len;

	if (query_string == NULL || *query_string == '\0')
		return true;
	len = strlen(query_string);
	/* A NUL byte would silently cut a decoded value short: refuse it, and
	 * remember whose value it was, for a precise error. */
	if (strstr(query_string, "%00") != NULL) {
		const char *nul = strstr(query_string, "%00");
		const char *start = nul;

		while (start > query_string && start[-1] != '&')
			start--;
		req->query_invalid_name = strndup(start, strcspn(start, "=&"));
		return false;
	}
	/* RFC 7644 3.4.2: filters arrive with "+" or "%20" for spaces. */
	if (uriDissectQueryMallocExA(&list, &count, query_string, query_string + len,
				     URI_TRUE, URI_BR_DONT_TOUCH) != URI_SUCCESS)
		return false;
	req->query = calloc((size_t)count + 1, sizeof(*req->query));
	if (req->query == NULL)
		abort();
	for (item = list; item != NULL; item = item->next, i++) {
		req->query[i].name = strdup(item->key ? item->key : "");
		req->query[i].value = strdup(item->value ? item->value : "");
		if (req->query[i].name == NULL || req->query[i].value == NULL)
			abort();
	}
	req->nquery = i;
	uriFreeQueryListA(list);
	return true;
}

const char *http_query_get(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nquery; i++)
		if (strcasecmp(req->query[i].name, name) == 0)
			return req->query[i].value;
	return NULL;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void http_response_error(struct http_response *resp, const struct scim_error *err)
{
	json_decref(resp->body);
	free(resp->location);
	resp->location = NULL;
	resp->etag[0] = '\0';
	if (resp->stream.release != NULL)
		resp->stream.release(resp->stream.arg);
	memset(&resp->stream, 0, sizeof(resp->stream));
	resp->status = err->status ? err->status : 500;
	resp->body = error_to_json(err);
	resp->error = *err;
	resp->authenticate = resp->status == 401;
}

void http_request_clear(struct http_request *req)
{
	size_t i;

	for (i = 0; i < req->nquery; i++) {
		free(req->query[i].name);
		free(req->query[i].value);
	}
	free(req->query);
	free(req->method);
	free(req->path);
	free(req->base_url);
	free(req->authorization);
	free(req->content_type);
	free(req->if_match);
	free(req->if_none_match);
	free(req->client_address);
	free(req->request_id);
	free(req->query_invalid_name);
	free(req->body);
	free(req->script_name);
	free(req->cookie);
	free(req->origin);
	free(req->host);
	memset(req, 0, sizeof(*req));
}

/* What http_send_streamed() produces into: memory, then a temporary file. */
struct spool {
	char *held;   /* the first HTTP_STREAM_HOLD bytes */
	size_t len;   /* of held */
	FILE *file;   /* the rest; NULL while it fits in held */
	size_t total;
	bool failed;  /* the file could not be written */
	const struct log_context *log;
};

static void spool_failed(struct spool *sp)
{
	log_msg(sp->log, LOG_ERROR,
		"a response of more than %zu bytes cannot wait in a temporary file: %s",
		sp->total, strerror(errno));
	sp->failed = true;
}

static void spool_write(void *arg, const char *data, size_t len)
{
	struct spool *sp = arg;

	if (sp->failed)
		return;
	sp->total += len;
	if (sp->file == NULL && len <= HTTP_STREAM_HOLD - sp->len) {
		memcpy(sp->held + sp->len, data, len);
		sp->len += len;
		return;
	}
	if (sp->file == NULL)
		sp->file = tmpfile();
	if (sp->file == NULL || fwrite(data, 1, len, sp->file) != len)
		spool_failed(sp);
}

/* All of it written, and the file back at its start. */
static bool spool_rewind(struct spool *sp)
{
	if (!sp->failed && sp->file != NULL &&
	    (fflush(sp->file) != 0 || fseek(sp->file, 0, SEEK_SET) != 0))
		spool_failed(sp);
	return !sp->failed;
}

static void output_write(struct http_output *output, const char *data, size_t len)
{
	output->write(output->out, data, len);
	output->sent += len;
}

/* Send what the spool holds; false when its file fails on the way. */
static bool spool_send(struct spool *sp, struct http_output *output)
{
	size_t left = sp->total - sp->len;
	size_t n;

	output_write(output, sp->held, sp->len);
	/* held, sent, becomes the buffer the file is read through */
	while (left > 0 && (n = fread(sp->held, 1, HTTP_STREAM_HOLD, sp->file)) > 0) {
		output_write(output, sp->held, n);
		left -= n < left ? n : left;
	}
	if (left > 0) {
		log_msg(sp->log, LOG_ERROR, "the temporary file of a response cannot be read: %s",
			ferror(sp->file) ? strerror(errno) : "it is shorter than written");
		return false;
	}
	return true;
}

enum http_stream_outcome http_send_streamed(const struct http_response *resp, const char *head,
					    size_t head_len, const char *body, size_t body_len,
					    struct http_output *output)
{
	struct spool sp = { .held = malloc(HTTP_STREAM_HOLD), .log = output->log };
	enum http_stream_outcome outcome = HTTP_STREAM_UNSENT;
	char length[64];
	bool ok;

	if (sp.held == NULL)
		abort();
	/* {...} becomes {...,"key":<streamed>} */
	spool_write(&sp, body, body_len - 1);
	spool_write(&sp, body_len > 2 ? ",\"" : "\"", body_len > 2 ? 2 : 1);
	spool_write(&sp, resp->stream.key, strlen(resp->stream.key));
	spool_write(&sp, "\":", 2);
	ok = resp->stream.produce(resp->stream.arg, spool_write, &sp);
	spool_write(&sp, "}", 1);
	if (ok && spool_rewind(&sp)) {
		int n = snprintf(length, sizeof(length), "Content-Length: %zu\r\n\r\n", sp.total);

		output_write(output, head, head_len);
		output_write(output, length, (size_t)n);
		outcome = spool_send(&sp, output) ? HTTP_STREAM_SENT : HTTP_STREAM_CUT;
	}
	if (sp.file != NULL)
		fclose(sp.file);
	free(sp.held);
	return outcome;
}

void http_response_clear(struct http_response *resp)
{
	if (resp->stream.release != NULL)
		resp->stream.release(resp->stream.arg);
	json_decref(resp->body);
	free(resp->location);
	free(resp->page);
	free(resp->set_cookie);
	memset(resp, 0, sizeof(*resp));
}
