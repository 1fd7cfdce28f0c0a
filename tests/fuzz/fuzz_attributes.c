/*
 * fuzz_attributes.c - attributes and excludedAttributes (RFC 7644
 * 3.4.2.5): the input as either list, applied by resource_project() to the
 * fixed user and group as GET renders them.
 *
 * What is kept is part of the resource: the same values, sub-attributes of
 * the same elements. id stays, and with attributes schemas too. The
 * handlers skip producing what resource_projection_wants() says nobody
 * asked for (a group's members): it must say so for an attribute exactly
 * when the projection leaves it out.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "resource.h"

/* Is `part` a part of `whole`: objects with a part of each member, arrays
 * of the same length with parts, equal values otherwise? */
static bool is_part(const json_t *part, const json_t *whole)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(part)) {
		if (!json_is_object(whole))
			return false;
		json_object_foreach((json_t *)part, key, v)
			if (!is_part(v, json_object_get(whole, key)))
				return false;
		return true;
	}
	if (json_is_array(part)) {
		if (!json_is_array(whole) || json_array_size(part) != json_array_size(whole))
			return false;
		json_array_foreach(part, i, v)
			if (!is_part(v, json_array_get(whole, i)))
				return false;
		return true;
	}
	return whole != NULL && json_equal(part, whole);
}

static void project(const char *list, const struct resource_type_def *rt, bool excluded)
{
	const char *attributes = excluded ? NULL : list;
	const char *excluded_list = excluded ? list : NULL;
	json_t *whole = fuzz_rendered(rt, 0);
	json_t *part = json_deep_copy(whole);
	const struct attr_def *attr;

	resource_project(part, rt, attributes, excluded_list);
	FUZZ_CHECK(is_part(part, whole), "the projection of %s is no part of it: %s", rt->name,
		   fuzz_dump(part));
	FUZZ_CHECK(json_object_get(part, "id") != NULL, "the projection lost id: %s", fuzz_dump(part));
	FUZZ_CHECK(excluded || *list == '\0' || json_object_get(part, "schemas") != NULL,
		   "the projection lost schemas: %s", fuzz_dump(part));
	for (attr = rt->core->attrs; attr->name != NULL; attr++) {
		bool wanted;

		if (json_object_get(whole, attr->name) == NULL)
			continue;
		wanted = resource_projection_wants(rt, attributes, excluded_list, attr->name);
		FUZZ_CHECK(wanted == (json_object_get(part, attr->name) != NULL),
			   "%s is %swanted, and %s: %s", attr->name, wanted ? "" : "not ",
			   wanted ? "left out" : "kept", fuzz_dump(part));
	}
	json_decref(part);
	json_decref(whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *list = fuzz_text(data, size);

	project(list, &resource_type_user, false);
	project(list, &resource_type_user, true);
	project(list, &resource_type_group, false);
	project(list, &resource_type_group, true);
	free(list);
	return 0;
}
