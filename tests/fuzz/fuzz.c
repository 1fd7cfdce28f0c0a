/* fuzz.c - what the fuzz targets share; see fuzz.h. */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"
#include "resource.h"

#define FUZZ_BASE_URL "https://scim.example.com/scim/v2"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

char *fuzz_dump(const json_t *v)
{
	char *text = v != NULL ? json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)
			       : strdup("(null)");

	if (text == NULL)
		abort();
	return text;
}

json_t *fuzz_json(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);

	FUZZ_CHECK(v != NULL, "the harness's JSON does not parse: %s: %s", jerr.text, text);
	return v;
}

/* RFC 7643 8.2's full user (photos, x509Certificates and the password
 * left out), with the enterprise extension and Entra's roles. */
static const char full_user[] =
	"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\","
	"\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"],"
	"\"externalId\":\"701984\",\"userName\":\"bjensen@example.com\","
	"\"name\":{\"formatted\":\"Ms. Barbara J Jensen, III\",\"familyName\":\"Jensen\","
	"\"givenName\":\"Barbara\",\"middleName\":\"Jane\",\"honorificPrefix\":\"Ms.\","
	"\"honorificSuffix\":\"III\"},"
	"\"displayName\":\"Babs Jensen\",\"nickName\":\"Babs\","
	"\"profileUrl\":\"https://login.example.com/bjensen\","
	"\"emails\":[{\"value\":\"bjensen@example.com\",\"type\":\"work\",\"primary\":true},"
	"{\"value\":\"babs@jensen.org\",\"type\":\"home\"}],"
	"\"addresses\":[{\"type\":\"work\",\"streetAddress\":\"100 Universal City Plaza\","
	"\"locality\":\"Hollywood\",\"region\":\"CA\",\"postalCode\":\"91608\",\"country\":\"USA\","
	"\"formatted\":\"100 Universal City Plaza\\nHollywood, CA 91608 USA\",\"primary\":true}],"
	"\"phoneNumbers\":[{\"value\":\"555-555-5555\",\"type\":\"work\"},"
	"{\"value\":\"555-555-4444\",\"type\":\"mobile\"}],"
	"\"ims\":[{\"value\":\"someaimhandle\",\"type\":\"aim\"}],"
	"\"userType\":\"Employee\",\"title\":\"Tour Guide\",\"preferredLanguage\":\"en-US\","
	"\"locale\":\"en-US\",\"timezone\":\"America/Los_Angeles\",\"active\":true,"
	"\"entitlements\":[{\"value\":\"Offline Access\"}],"
	"\"roles\":[{\"value\":\"25\",\"display\":\"Role1234\",\"primary\":true},{\"value\":\"26\"}],"
	"\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{"
	"\"employeeNumber\":\"701984\",\"costCenter\":\"4130\",\"organization\":\"Universal Studios\","
	"\"division\":\"Theme Park\",\"department\":\"Tour Operations\","
	"\"manager\":{\"value\":\"26118915-6090-4610-87e4-49d8ca9f808d\"}}}";

static const char *const bodies[2][FUZZ_DOCS] = {
	{ full_user, "{\"userName\":\"a\"}" },
	{ "{\"displayName\":\"Tour Guides\",\"externalId\":\"g-ext\"}", "{\"displayName\":\"g\"}" },
};

const json_t *fuzz_doc(const struct resource_type_def *rt, int index)
{
	static json_t *docs[2][FUZZ_DOCS];
	int type = rt == &resource_type_group;

	if (docs[type][index] == NULL) {
		json_t *body = fuzz_json(bodies[type][index]);
		struct scim_error err;

		error_clear(&err);
		docs[type][index] = resource_normalize(body, rt, &err);
		FUZZ_CHECK(docs[type][index] != NULL, "a fixed %s does not normalize: %s",
			   rt->name, err.detail);
		json_decref(body);
	}
	return docs[type][index];
}

json_t *fuzz_rendered(const struct resource_type_def *rt, int index)
{
	static json_t *rendered[2][FUZZ_DOCS];
	int type = rt == &resource_type_group;
	struct stored_resource row = {
		.id = "2819c223-7f76-453a-919d-413861904646",
		.created = "2010-01-23T04:56:22.000Z",
		.last_modified = "2011-05-13T04:42:34.123Z",
		.version = 3,
	};
	json_t *out = rendered[type][index];

	if (out != NULL)
		return json_deep_copy(out);
	row.doc = (json_t *)fuzz_doc(rt, index);
	out = resource_render(&row, rt, FUZZ_BASE_URL);
	/* As the handlers add them: a user's groups, a group's members. */
	if (rt == &resource_type_group && index == 0)
		json_object_set_new(out, "members", fuzz_json(
			"[{\"value\":\"2819c223-7f76-453a-919d-413861904646\","
			"\"$ref\":\"" FUZZ_BASE_URL "/Users/2819c223-7f76-453a-919d-413861904646\","
			"\"type\":\"User\",\"display\":\"Babs Jensen\"},"
			"{\"value\":\"e9e30dba-f08f-4109-8486-d5c6a331660a\","
			"\"$ref\":\"" FUZZ_BASE_URL "/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a\","
			"\"type\":\"Group\",\"display\":\"Employees\"}]"));
	if (rt == &resource_type_user && index == 0)
		json_object_set_new(out, "groups", fuzz_json(
			"[{\"value\":\"e9e30dba-f08f-4109-8486-d5c6a331660a\","
			"\"$ref\":\"" FUZZ_BASE_URL "/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a\","
			"\"display\":\"Employees\",\"type\":\"indirect\"}]"));
	rendered[type][index] = out;
	return json_deep_copy(out);
}

void fuzz_check_error(const struct scim_error *err, const char *where)
{
	json_t *body;

	FUZZ_CHECK(err->status >= 400 && err->status < 600, "%s: an error with status %d (%s)",
		   where, err->status, err->detail);
	FUZZ_CHECK(err->detail[0] != '\0', "%s: an error without a detail", where);
	body = error_to_json(err);
	FUZZ_CHECK(body != NULL && json_is_string(json_object_get(body, "detail")) &&
		   strcmp(json_string_value(json_object_get(body, "detail")), err->detail) == 0,
		   "%s: the error body lost the detail \"%s\"", where, err->detail);
	json_decref(body);
}

json_t *fuzz_normalize(const json_t *body, const struct resource_type_def *rt)
{
	struct scim_error err;
	json_t *doc;
	json_t *again;

	error_clear(&err);
	doc = resource_normalize(body, rt, &err);
	if (doc == NULL) {
		fuzz_check_error(&err, "normalize");
		FUZZ_CHECK(err.status == 400 && err.scim_type != NULL,
			   "normalize refused with %d %s", err.status, err.detail);
		return NULL;
	}
	again = resource_normalize(doc, rt, &err);
	FUZZ_CHECK(again != NULL && json_equal(doc, again),
		   "a stored %s does not normalize to itself:\n  %s\n  %s (%s)", rt->name,
		   fuzz_dump(doc), fuzz_dump(again), err.detail);
	json_decref(again);
	return doc;
}

/* The member changes of patch.h: [{"op", "values"?: [{"value", "type"?}]}]. */
static void check_member_changes(const json_t *changes, const struct resource_type_def *rt)
{
	const json_t *change;
	const json_t *member;
	size_t i;
	size_t j;

	if (changes == NULL)
		return;
	FUZZ_CHECK(rt == &resource_type_group, "member changes for a %s", rt->name);
	FUZZ_CHECK(json_array_size(changes) > 0, "member changes that are no non-empty array");
	json_array_foreach(changes, i, change) {
		const char *op = json_string_value(json_object_get(change, "op"));
		const json_t *values = json_object_get(change, "values");

		FUZZ_CHECK(op != NULL && (strcmp(op, "add") == 0 || strcmp(op, "remove") == 0 ||
					  strcmp(op, "replace") == 0), "member change op %s", op);
		FUZZ_CHECK(json_object_size(change) == 1 + (values != NULL) &&
			   (values != NULL || strcmp(op, "remove") == 0),
			   "member change %zu has other keys, or no values", i);
		FUZZ_CHECK(values == NULL || json_is_array(values), "member values not an array");
		json_array_foreach(values, j, member) {
			const json_t *value = json_object_get(member, "value");
			const char *type = json_string_value(json_object_get(member, "type"));

			FUZZ_CHECK(json_is_string(value) && json_string_length(value) > 0,
				   "a member without a value");
			FUZZ_CHECK(json_object_size(member) == 1 + (type != NULL) &&
				   (type == NULL || strcmp(type, "User") == 0 ||
				    strcmp(type, "Group") == 0), "a member with other keys or type");
		}
	}
}

void fuzz_patch_check(const json_t *doc, const json_t *body, const struct resource_type_def *rt)
{
	static const char *const absent[] = { "id", "meta", "groups", "members" };
	json_t *doc_before = json_deep_copy(doc);
	json_t *body_before = json_deep_copy(body);
	struct patch_result result;
	struct scim_error err;
	size_t i;
	bool ok;

	error_clear(&err);
	ok = patch_apply(doc, body, rt, &result, &err);
	/* Messages are made only when a check fails: the program ends then. */
	FUZZ_CHECK(json_equal(doc, doc_before), "PATCH changed its input document: %s",
		   fuzz_dump(doc));
	FUZZ_CHECK(json_equal(body, body_before), "PATCH changed its body: %s", fuzz_dump(body));
	if (!ok) {
		/* RFC 7644 3.5.2: all or nothing. */
		FUZZ_CHECK(result.doc == NULL && result.member_changes == NULL && !result.changed,
			   "a failed PATCH returned a result");
		fuzz_check_error(&err, "PATCH");
		FUZZ_CHECK(err.status == 400 && err.scim_type != NULL, "PATCH failed with %d %s",
			   err.status, err.detail);
		goto done;
	}
	FUZZ_CHECK(json_is_object(result.doc), "PATCH returned %s", fuzz_dump(result.doc));
	FUZZ_CHECK(result.changed == !json_equal(doc, result.doc), "PATCH says changed=%d: %s",
		   result.changed, fuzz_dump(result.doc));
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		FUZZ_CHECK(resource_get_ci(doc, absent[i]) != NULL ||
			   resource_get_ci(result.doc, absent[i]) == NULL,
			   "PATCH put \"%s\" into the document: %s", absent[i], fuzz_dump(result.doc));
	check_member_changes(result.member_changes, rt);
	json_decref(fuzz_normalize(result.doc, rt));
	patch_result_clear(&result);
done:
	json_decref(doc_before);
	json_decref(body_before);
}

/* Values of the compact form: the shapes clients send. */
static const char *const compact_values[] = {
	"null", "[]", "{}", "\"x\"", "\"\"", "\"work\"", "true", "false", "\"True\"", "0", "1.5",
	"[\"x\"]", "[\"x\",\"y\"]", "{\"value\":\"x\"}", "{\"value\":null}",
	"{\"value\":\"x\",\"type\":\"work\",\"primary\":true}",
	"[{\"value\":\"bjensen@example.com\",\"type\":\"work\"}]",
	"[{\"value\":\"y\",\"type\":\"home\",\"primary\":\"True\"},{\"value\":\"z\"}]",
	"[{\"$ref\":null,\"value\":\"x\"}]", "{\"givenName\":\"G\",\"familyName\":null}",
	"{\"value\":\"2819c223-7f76-453a-919d-413861904646\",\"type\":\"User\"}",
	"[{\"value\":\"e9e30dba-f08f-4109-8486-d5c6a331660a\",\"type\":\"Group\"}]",
	"{\"value\":\"{\\\"id\\\":\\\"1\\\",\\\"value\\\":\\\"25\\\",\\\"displayName\\\":\\\"R\\\"}\"}",
	"{\"displayName\":\"d\",\"emails\":[{\"value\":\"n@x\",\"type\":\"work\"}],"
	"\"name.givenName\":\"g\",\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
	"department\":\"D\",\"members\":[{\"value\":\"u\"}]}",
};

/* Append the paths of `attrs` (in `urn`, NULL for the core schema): each
 * attribute, its sub-attributes, and filters on the values of a
 * multi-valued one. */
static void compact_paths_add(json_t *paths, const char *urn, const struct attr_def *attrs)
{
	static const char *const filters[] = {
		"[type eq \"work\"]", "[value eq \"bjensen@example.com\"]",
		"[primary eq true]", "[type eq \"work\" and primary eq \"True\"]",
		"[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
	};
	const struct attr_def *attr;
	const struct attr_def *sub;
	char path[512];
	size_t i;

	for (attr = attrs; attr->name != NULL; attr++) {
		snprintf(path, sizeof(path), "%s%s%s", urn ? urn : "", urn ? ":" : "", attr->name);
		json_array_append_new(paths, json_string(path));
		for (sub = attr->sub_attrs; sub != NULL && sub->name != NULL; sub++) {
			snprintf(path, sizeof(path), "%s%s%s.%s", urn ? urn : "", urn ? ":" : "",
				 attr->name, sub->name);
			json_array_append_new(paths, json_string(path));
		}
		if (!attr->multi_valued || attr->sub_attrs == NULL)
			continue;
		for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", attr->name, filters[i]);
			json_array_append_new(paths, json_string(path));
			for (sub = attr->sub_attrs; sub->name != NULL; sub++) {
				snprintf(path, sizeof(path), "%s%s.%s", attr->name, filters[i], sub->name);
				json_array_append_new(paths, json_string(path));
			}
		}
	}
}

/* Every path of the compact form for `rt`, "" (no path) first. */
static const json_t *compact_paths(const struct resource_type_def *rt)
{
	static json_t *paths[2];
	int type = rt == &resource_type_group;
	const struct schema_def *const *ext;

	if (paths[type] != NULL)
		return paths[type];
	paths[type] = json_pack("[s, s]", "", rt->core->urn);
	compact_paths_add(paths[type], NULL, schema_common_attrs);
	compact_paths_add(paths[type], NULL, rt->core->attrs);
	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++) {
		json_array_append_new(paths[type], json_string((*ext)->urn));
		compact_paths_add(paths[type], (*ext)->urn, (*ext)->attrs);
	}
	return paths[type];
}

/*
 * The compact form of a PATCH body, so that fuzzing spends its time on
 * requests the engine reads: three bytes per operation (32 at most), its op
 * (add, replace, remove; capitalised with bit 3, remove with a value with
 * bit 4), its path and its value, from the tables above. A new body.
 */
static json_t *compact_body(const uint8_t *data, size_t size, const struct resource_type_def *rt)
{
	static const char *const ops[] = { "add", "replace", "remove", "Add", "Replace", "Remove" };
	const json_t *paths = compact_paths(rt);
	json_t *operations = json_array();
	size_t i;

	/* More operations find little more, and cost time. */
	for (i = 0; i + 3 <= size && i < 3 * 32; i += 3) {
		int op = data[i] % 3 + (data[i] & 8 ? 3 : 0);
		json_t *path = json_array_get(paths, data[i + 1] % json_array_size(paths));
		const char *value = compact_values[data[i + 2] % (sizeof(compact_values) /
								   sizeof(compact_values[0]))];
		json_t *operation = json_pack("{s:s}", "op", ops[op]);

		if (json_string_length(path) > 0)
			json_object_set(operation, "path", path);
		if (op % 3 != 2 || (data[i] & 16))
			json_object_set_new(operation, "value", fuzz_json(value));
		json_array_append_new(operations, operation);
	}
	return json_pack("{s:[s], s:o}", "schemas", "urn:ietf:params:scim:api:messages:2.0:PatchOp",
			 "Operations", operations);
}

void fuzz_patch_input(const uint8_t *data, size_t size, const struct resource_type_def *rt)
{
	json_t *body;
	int i;

	if (size > 0 && data[0] == '{')
		body = json_loadb((const char *)data, size, 0, NULL);
	else
		body = compact_body(data, size, rt);
	if (body == NULL)
		return;
	for (i = 0; i < FUZZ_DOCS; i++)
		fuzz_patch_check(fuzz_doc(rt, i), body, rt);
	json_decref(body);
}
