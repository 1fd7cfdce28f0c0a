/*
 * fuzz_filter.c - the filter parser (filter.c) and the in-memory evaluator
 * (filter_eval.c) on filter text, and the PATCH path parser on the same.
 *
 * What parses has a canonical rendering that parses back to a tree with the
 * same rendering; the rendering adds parentheses, so only the limits on
 * length and nesting may refuse it. A failure is 400 invalidFilter (or 500
 * out of memory). The evaluator answers the same, success or error,
 * whatever the document holds (filter_eval.c checks every comparison
 * before it reads a value).
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "filter.h"

/* filter_match() on each fixed resource: the same success or failure. */
static void evaluate(const struct filter_node *node, const struct resource_type_def *rt,
		     const char *canonical)
{
	struct scim_error first;
	bool first_ok = false;
	int i;

	for (i = 0; i < FUZZ_DOCS; i++) {
		json_t *resource = fuzz_rendered(rt, i);
		struct scim_error err;
		bool matched;
		bool ok;

		error_clear(&err);
		ok = filter_match(node, resource, rt, &matched, &err);
		if (!ok)
			fuzz_check_error(&err, "filter_match");
		if (i == 0) {
			first = err;
			first_ok = ok;
		}
		FUZZ_CHECK(ok == first_ok && (ok || strcmp(err.detail, first.detail) == 0),
			   "%s: %s on one %s and %s on another", canonical,
			   first_ok ? "matches" : first.detail, rt->name, ok ? "matches" : err.detail);
		json_decref(resource);
	}
}

/* A PATCH path must not crash or leak; its errors are invalidPath. */
static void patch_path(const char *text, size_t size)
{
	struct patch_path path;
	struct scim_error err;

	error_clear(&err);
	if (filter_parse_patch_path(text, size, &path, &err)) {
		FUZZ_CHECK(path.path.attr != NULL, "a PATCH path without an attribute");
		patch_path_free(&path);
		return;
	}
	fuzz_check_error(&err, "PATCH path");
	FUZZ_CHECK(err.status == 500 || strcmp(err.scim_type, SCIM_INVALID_PATH) == 0,
		   "a PATCH path refused with %d %s", err.status, err.detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct filter_node *node;
	struct filter_node *again;
	struct scim_error err;
	char *canonical;
	char *canonical_again;

	patch_path(text, size);
	error_clear(&err);
	node = filter_parse(text, size, &err);
	if (node == NULL) {
		fuzz_check_error(&err, "filter_parse");
		FUZZ_CHECK(err.status == 500 || strcmp(err.scim_type, SCIM_INVALID_FILTER) == 0,
			   "a filter refused with %d %s", err.status, err.detail);
		return 0;
	}
	canonical = filter_to_string(node);
	FUZZ_CHECK(canonical != NULL, "no canonical text");
	error_clear(&err);
	again = filter_parse(canonical, strlen(canonical), &err);
	if (again == NULL) {
		FUZZ_CHECK(strstr(err.detail, "too long") != NULL ||
			   strstr(err.detail, "nested too deeply") != NULL,
			   "the canonical text %s does not parse: %s", canonical, err.detail);
	} else {
		canonical_again = filter_to_string(again);
		FUZZ_CHECK(canonical_again != NULL && strcmp(canonical, canonical_again) == 0,
			   "the canonical text %s parses to %s", canonical, canonical_again);
		free(canonical_again);
		filter_free(again);
	}
	evaluate(node, &resource_type_user, canonical);
	evaluate(node, &resource_type_group, canonical);
	free(canonical);
	filter_free(node);
	return 0;
}
