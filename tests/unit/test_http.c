/*
 * test_http.c - unit tests of http.c: streamed responses.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "unit.h"

/* http_send_streamed(): a stream that fails sends nothing, wherever it
 * fails, also past the bytes held in memory; otherwise the body is whole,
 * after its Content-Length. */
struct sink {
	char *data;
	size_t len;
};

static void sink_write(void *out, const char *data, size_t len)
{
	struct sink *s = out;

	s->data = realloc(s->data, s->len + len + 1);
	if (s->data == NULL)
		abort();
	memcpy(s->data + s->len, data, len);
	s->len += len;
	s->data[s->len] = '\0';
}

struct elements {
	int count; /* how many to write */
	bool fail; /* then fail */
};

static bool produce_elements(void *arg, http_write_fn write, void *out)
{
	const struct elements *e = arg;
	int i;

	write(out, "[", 1);
	for (i = 0; i < e->count; i++)
		write(out, i ? ",\"0123456789abcdef\"" : "\"0123456789abcdef\"", i ? 19 : 18);
	if (e->fail)
		return false;
	write(out, "]", 1);
	return true;
}

static void test_send_streamed(void)
{
	static const struct {
		int count;
		bool fail;
		enum http_stream_outcome want;
	} cases[] = {
		{ 3, false, HTTP_STREAM_SENT },
		{ 10000, false, HTTP_STREAM_SENT }, /* 190 KB: mostly in a file */
		{ 3, true, HTTP_STREAM_UNSENT },
		{ 3000, true, HTTP_STREAM_UNSENT }, /* 57 KB: within the held bytes */
		{ 10000, true, HTTP_STREAM_UNSENT },
	};
	const char *head = "Status: 200 OK\r\n";
	const char *body = "{\"id\":\"g\"}";
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct elements e = { cases[i].count, cases[i].fail };
		struct http_response resp = { 0 };
		struct sink s = { 0 };
		struct http_output output = { .write = sink_write, .out = &s };
		enum http_stream_outcome got;
		const char *start;
		char name[64];

		snprintf(name, sizeof(name), "send streamed: %d elements%s", e.count,
			 e.fail ? ", then a failure" : "");
		resp.stream.key = "members";
		resp.stream.produce = produce_elements;
		resp.stream.arg = &e;
		got = http_send_streamed(&resp, head, strlen(head), body, strlen(body), &output);
		if (!unit_check(got == cases[i].want, name, "outcome %d, want %d", got, cases[i].want) ||
		    !unit_check(output.sent == s.len, name, "%zu bytes counted, %zu sent",
				output.sent, s.len))
			goto next;
		if (got == HTTP_STREAM_UNSENT) {
			unit_check(s.len == 0, name, "%zu bytes were sent", s.len);
		} else {
			json_t *parsed;
			char length[64];

			start = s.data ? strstr(s.data, "\r\n\r\n") : NULL;
			if (!unit_check(start != NULL && strncmp(s.data, head, strlen(head)) == 0,
					name, "no head: %.80s", s.data ? s.data : ""))
				goto next;
			start += 4;
			snprintf(length, sizeof(length), "Content-Length: %zu\r\n",
				 s.len - (size_t)(start - s.data));
			parsed = json_loads(start, 0, NULL);
			unit_check(strstr(s.data, length) != NULL && parsed != NULL &&
				   json_array_size(json_object_get(parsed, "members")) ==
				   (size_t)e.count &&
				   json_is_string(json_object_get(parsed, "id")),
				   name, "not the whole body after %s: %.80s", length, s.data);
			json_decref(parsed);
		}
next:
		free(s.data);
	}
}

int main(void)
{
	test_send_streamed();
	return unit_finish("http");
}
