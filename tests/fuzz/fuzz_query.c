/*
 * fuzz_query.c - a query string decoded by http_parse_query() (uriparser),
 * as the FastCGI front reads QUERY_STRING.
 *
 * Decoded, every name and value is a string without NUL bytes (a NUL would
 * cut a filter short: "%00" is refused, naming its parameter), the
 * parameters are as many as the '&'-separated parts at most, and each name
 * finds a value through http_query_get().
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct http_request req = { 0 };
	size_t parts = 1;
	size_t i;

	/* QUERY_STRING is an environment variable: it ends at a NUL. */
	if (!http_parse_query(&req, text)) {
		FUZZ_CHECK(req.query == NULL && req.nquery == 0, "a refused query left parameters");
		FUZZ_CHECK(req.query_invalid_name == NULL || strstr(text, "%00") != NULL,
			   "a parameter named as undecodable without a %%00");
		http_request_clear(&req);
		free(text);
		return 0;
	}
	for (i = 0; text[i] != '\0'; i++)
		parts += text[i] == '&';
	FUZZ_CHECK(req.nquery <= parts, "%zu parameters from %zu parts", req.nquery, parts);
	for (i = 0; i < req.nquery; i++) {
		const char *value;

		FUZZ_CHECK(req.query[i].name != NULL && req.query[i].value != NULL,
			   "parameter %zu without a name or value", i);
		value = http_query_get(&req, req.query[i].name);
		FUZZ_CHECK(value != NULL, "parameter %zu (%s) is not found by its name", i,
			   req.query[i].name);
	}
	http_request_clear(&req);
	free(text);
	return 0;
}
