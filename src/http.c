/* http.c - requests and responses; see http.h. */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uriparser/Uri.h>

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
	memset(req, 0, sizeof(*req));
}

/* What http_send_streamed() writes through: held back until it is full. */
struct held_output {
	http_write_fn write;
	void *out;
	char *held;
	size_t len;
	bool sent; /* the held bytes went: everything goes straight on */
};

static void held_write(void *arg, const char *data, size_t len)
{
	struct held_output *h = arg;

	if (!h->sent && h->len + len <= HTTP_STREAM_HOLD) {
		memcpy(h->held + h->len, data, len);
		h->len += len;
		return;
	}
	if (!h->sent) {
		h->write(h->out, h->held, h->len);
		h->sent = true;
	}
	h->write(h->out, data, len);
}

enum http_stream_outcome http_send_streamed(const struct http_response *resp, const char *head,
					    size_t head_len, const char *body, size_t body_len,
					    http_write_fn write, void *out)
{
	struct held_output h = { .write = write, .out = out, .held = malloc(HTTP_STREAM_HOLD) };
	bool ok;

	if (h.held == NULL)
		abort();
	held_write(&h, head, head_len);
	/* {...} becomes {...,"key":<streamed>} */
	held_write(&h, body, body_len - 1);
	held_write(&h, body_len > 2 ? ",\"" : "\"", body_len > 2 ? 2 : 1);
	held_write(&h, resp->stream.key, strlen(resp->stream.key));
	held_write(&h, "\":", 2);
	ok = resp->stream.produce(resp->stream.arg, held_write, &h);
	if (!ok && !h.sent) {
		free(h.held);
		return HTTP_STREAM_UNSENT;
	}
	held_write(&h, "}", 1);
	if (!h.sent)
		write(out, h.held, h.len);
	free(h.held);
	return ok ? HTTP_STREAM_SENT : HTTP_STREAM_CUT;
}

void http_response_clear(struct http_response *resp)
{
	if (resp->stream.release != NULL)
		resp->stream.release(resp->stream.arg);
	json_decref(resp->body);
	free(resp->location);
	memset(resp, 0, sizeof(*resp));
}
