/*
 * fuzz_role_json.c - Entra's role expressions: a role sent as
 * {"value": "<JSON text of {id, value, displayName}>"}, which
 * resource_role_unwrap() reads for POST, PUT and PATCH. The input is that
 * JSON text.
 *
 * An element it unwraps has a string value. The PATCH bodies Entra sends
 * with such a role (add, replace, remove by value, a pathless add) pass
 * fuzz_patch_check() on the fixed users, and a body with it normalizes or
 * is refused properly.
 */
#include "fuzz.h"

#include "resource.h"

/* The Operations Entra sends with role `r`. */
static json_t *operations(int i, const json_t *r)
{
	switch (i) {
	case 0:
		return json_pack("[{s:s, s:s, s:[O]}]", "op", "Add", "path", "roles", "value", r);
	case 1:
		return json_pack("[{s:s, s:s, s:[O]}]", "op", "Replace", "path", "roles", "value", r);
	case 2:
		return json_pack("[{s:s, s:s, s:[O]}]", "op", "Remove", "path", "roles", "value", r);
	case 3:
		return json_pack("[{s:s, s:{s:[O]}}]", "op", "Add", "value", "roles", r);
	default:
		return json_pack("[{s:s, s:s, s:O}]", "op", "Replace", "path",
				 "roles[value eq \"25\"]", "value", r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct attr_def *roles = schema_find_attr(schema_user.attrs, "roles", 5);
	json_t *text = json_stringn((const char *)data, size);
	json_t *element;
	json_t *unwrapped;
	json_t *user;
	int i;
	int doc;

	if (text == NULL)
		return 0; /* not UTF-8: no JSON body holds it */
	element = json_pack("{s:o, s:s}", "value", text, "type", "WindowsAzureActiveDirectoryRole");
	unwrapped = resource_role_unwrap(roles, element);
	FUZZ_CHECK(unwrapped == NULL || json_is_string(json_object_get(unwrapped, "value")),
		   "an unwrapped role without a string value");
	json_decref(unwrapped);

	for (i = 0; i < 5; i++) {
		json_t *body = json_pack("{s:[s], s:o}", "schemas", SCHEMA_URN_PATCH_OP,
					 "Operations", operations(i, element));

		for (doc = 0; doc < FUZZ_DOCS; doc++)
			fuzz_patch_check(fuzz_doc(&resource_type_user, doc), body, &resource_type_user);
		json_decref(body);
	}
	user = json_pack("{s:s, s:[O]}", "userName", "a", "roles", element);
	json_decref(fuzz_normalize(user, &resource_type_user));
	json_decref(user);
	json_decref(element);
	return 0;
}
