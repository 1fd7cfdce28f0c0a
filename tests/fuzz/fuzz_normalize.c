/*
 * fuzz_normalize.c - a request body (POST or PUT) as resource_normalize()
 * stores it, for users and for groups, and a group's members as
 * resource_normalize_attribute() reads them.
 *
 * A body is refused with 400 and a detail, or becomes a document that
 * normalizes to itself (fuzz_normalize()), that renders (resource_render())
 * and whose rendering, sent back as a body, is stored the same: what GET
 * shows, PUT takes back unchanged.
 */
#include "fuzz.h"

#include <string.h>

#include "resource.h"

static void normalize(const json_t *body, const struct resource_type_def *rt)
{
	struct stored_resource row = {
		.id = "2819c223-7f76-453a-919d-413861904646",
		.created = "2010-01-23T04:56:22.000Z",
		.last_modified = "2011-05-13T04:42:34.123Z",
		.version = 1,
	};
	json_t *rendered;
	json_t *again;

	row.doc = fuzz_normalize(body, rt);
	if (row.doc == NULL)
		return;
	rendered = resource_render(&row, rt, "https://scim.example.com/scim/v2");
	FUZZ_CHECK(rendered != NULL, "a stored %s does not render", rt->name);
	again = fuzz_normalize(rendered, rt);
	FUZZ_CHECK(again != NULL && json_equal(again, row.doc),
		   "a %s rendered and sent back is stored otherwise:\n  %s\n  %s", rt->name,
		   fuzz_dump(row.doc), fuzz_dump(again));
	json_decref(again);
	json_decref(rendered);
	json_decref(row.doc);
}

static void members(const json_t *body)
{
	struct scim_error err;
	json_t *members;
	json_t *member;
	size_t i;

	error_clear(&err);
	members = resource_normalize_attribute(body, &resource_type_group, "members", &err);
	if (members == NULL) {
		fuzz_check_error(&err, "members");
		FUZZ_CHECK(err.status == 400, "members refused with %d %s", err.status, err.detail);
		return;
	}
	FUZZ_CHECK(json_is_array(members), "members that are no array");
	json_array_foreach(members, i, member)
		FUZZ_CHECK(json_is_object(member) && json_object_size(member) > 0,
			   "member %zu is no object with something in it", i);
	json_decref(members);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, 0, NULL);

	if (body == NULL)
		return 0;
	normalize(body, &resource_type_user);
	normalize(body, &resource_type_group);
	members(body);
	json_decref(body);
	return 0;
}
