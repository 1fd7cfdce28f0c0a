/*
 * test_extension.c - schemas an administrator defines (extension.c): read
 * from the JSON /Schemas serves, served back as they were written, and
 * refused with the JSON path of the first problem.
 */
#include "unit.h"

#include "extension.h"
#include "schema.h"

/* Every type and characteristic an extension may use. */
static const char *const full_schema =
	"{'schemas': ['urn:ietf:params:scim:schemas:core:2.0:Schema'],"
	" 'id': 'urn:ietf:params:scim:schemas:extension:Contoso:2.0:User',"
	" 'name': 'ContosoUser', 'description': 'What Contoso keeps of a user',"
	" 'attributes': ["
	"  {'name': 'costCenter', 'type': 'string', 'multiValued': false, 'description': 'cost centre',"
	"   'required': false, 'caseExact': true, 'mutability': 'readWrite', 'returned': 'default',"
	"   'uniqueness': 'server'},"
	"  {'name': 'licenseTier', 'type': 'string', 'canonicalValues': ['basic', 'pro'],"
	"   'required': true},"
	"  {'name': 'isContractor', 'type': 'boolean'},"
	"  {'name': 'seats', 'type': 'integer', 'returned': 'request'},"
	"  {'name': 'rate', 'type': 'decimal', 'mutability': 'writeOnly', 'returned': 'never'},"
	"  {'name': 'hired', 'type': 'dateTime', 'mutability': 'immutable'},"
	"  {'name': 'sponsor', 'type': 'reference', 'referenceTypes': ['User']},"
	"  {'name': 'badge', 'type': 'binary'},"
	"  {'name': 'internal_role', 'type': 'string', 'mutability': 'readOnly', 'returned': 'always'},"
	"  {'name': 'projects', 'type': 'complex', 'multiValued': true, 'subAttributes': ["
	"    {'name': 'code', 'type': 'string', 'required': true},"
	"    {'name': 'hours', 'type': 'integer'},"
	"    {'name': '$ref', 'type': 'reference', 'referenceTypes': ['external']}]}"
	" ]}";

static void test_reads_every_type(void)
{
	struct scim_error err = { 0 };
	json_t *doc = unit_json(full_schema);
	struct schema_def *s = extension_from_json(doc, &err);
	const struct attr_def *a;

	if (!unit_check(s != NULL, "full schema read", "%s", err.detail))
		return;
	unit_check(strcmp(s->urn, "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User") == 0 &&
		   strcmp(s->name, "ContosoUser") == 0, "urn and name", "%s", s->urn);
	a = schema_find_attr(s->attrs, "COSTCENTER", 10);
	unit_check(a != NULL && a->type == ATTR_STRING && a->case_exact &&
		   a->uniqueness == UNIQ_SERVER, "costCenter", "%p", (const void *)a);
	a = schema_find_attr(s->attrs, "licenseTier", 11);
	unit_check(a != NULL && a->required && a->canonical_values != NULL &&
		   strcmp(a->canonical_values[1], "pro") == 0 && a->canonical_values[2] == NULL,
		   "canonical values", "%p", (const void *)a);
	a = schema_find_attr(s->attrs, "rate", 4);
	unit_check(a != NULL && a->type == ATTR_DECIMAL && a->mutability == MUT_WRITE_ONLY &&
		   a->returned == RET_NEVER, "rate", "%p", (const void *)a);
	a = schema_find_attr(s->attrs, "projects", 8);
	unit_check(a != NULL && a->type == ATTR_COMPLEX && a->multi_valued &&
		   schema_find_attr(a->sub_attrs, "hours", 5)->type == ATTR_INTEGER &&
		   schema_find_attr(a->sub_attrs, "$ref", 4)->type == ATTR_REFERENCE,
		   "complex with sub-attributes", "%p", (const void *)a);
	a = schema_find_attr(s->attrs, "isContractor", 12);
	unit_check(a != NULL && a->type == ATTR_BOOLEAN && !a->multi_valued && !a->required &&
		   !a->case_exact && a->mutability == MUT_READ_WRITE && a->returned == RET_DEFAULT &&
		   a->uniqueness == UNIQ_NONE, "defaults of RFC 7643 2.2", "%p", (const void *)a);

	/* Served as /Schemas serves the built-in ones, it reads back the same. */
	{
		json_t *served = schema_to_json(s, "https://scim.example.com/scim/v2");
		struct schema_def *again = extension_from_json(served, &err);
		json_t *twice = again ? schema_to_json(again, "https://scim.example.com/scim/v2") : NULL;
		char *a_text = unit_json_dump(served), *b_text = unit_json_dump(twice);

		unit_check(twice != NULL && json_equal(served, twice), "served and read again",
			   "%s\n  vs %s (%s)", a_text, b_text, err.detail);
		free(a_text);
		free(b_text);
		json_decref(served);
		json_decref(twice);
		extension_free(again);
	}
	extension_free(s);
	json_decref(doc);
}

static void test_refusals(void)
{
	static const struct {
		const char *doc;
		const char *detail;
	} cases[] = {
		{ "[]", "a schema is a JSON object" },
		{ "{'attributes': []}", "id: missing: the schema's URN" },
		{ "{'id': 'contoso', 'attributes': []}", "id: \"contoso\" is not a URN" },
		{ "{'id': 'urn:x:', 'attributes': []}", "id: \"urn:x:\" is not a URN" },
		{ "{'id': 'urn:ietf:params:scim:schemas:core:2.0:User', 'attributes': [{'name': 'a'}]}",
		  "id: urn:ietf:params:scim:schemas:core:2.0:User is a schema of RFC 7643 or 7644" },
		{ "{'id': 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'attributes': "
		  "[{'name': 'a'}]}", "id: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User is" },
		{ "{'id': 'urn:x:y'}", "attributes: missing: an extension has attributes" },
		{ "{'id': 'urn:x:y', 'attributes': []}", "attributes: not an array of one attribute or more" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a'}], 'endpoint': '/x'}",
		  "endpoint: not a schema attribute of RFC 7643 section 7" },
		{ "{'id': 'urn:x:y', 'attributes': [{'type': 'string'}]}",
		  "attributes[0].name: missing: every attribute has a name" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': '1st'}]}",
		  "attributes[0].name: \"1st\" is not an attribute name" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a'}, {'name': 'b', 'type': 'strng'}]}",
		  "attributes[1].type: \"strng\" is not one of string, boolean, decimal, integer, dateTime, "
		  "reference, binary, complex" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'multiValued': 'true'}]}",
		  "attributes[0].multiValued: not true or false" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a'}, {'name': 'A'}]}",
		  "attributes[1].name: \"A\" is attributes[0] already" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'uniqueness': 'global'}]}",
		  "attributes[0].uniqueness: \"global\" cannot be enforced" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'uniqueness': 'server', "
		  "'multiValued': true}]}", "attributes[0].uniqueness: \"server\" is for a single-valued" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'required': true, "
		  "'mutability': 'readOnly'}]}", "attributes[0].required: a required attribute that is "
		  "readOnly" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'type': 'integer', "
		  "'canonicalValues': ['1']}]}", "attributes[0].canonicalValues: only for a string" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'canonicalValues': ['x', 'x']}]}",
		  "attributes[0].canonicalValues[1]: \"x\" is listed twice" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'type': 'complex'}]}",
		  "attributes[0].subAttributes: missing: a complex attribute has sub-attributes" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'subAttributes': [{'name': 'b'}]}]}",
		  "attributes[0].subAttributes: only for a complex attribute" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'type': 'complex', 'subAttributes': "
		  "[{'name': 'b', 'type': 'complex', 'subAttributes': [{'name': 'c'}]}]}]}",
		  "attributes[0].subAttributes[0].type: a sub-attribute cannot be complex" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'type': 'complex', 'subAttributes': "
		  "[{'name': 'b', 'mutablity': 'readOnly'}]}]}",
		  "attributes[0].subAttributes[0].mutablity: not an attribute characteristic" },
		{ "{'id': 'urn:x:y', 'attributes': [{'name': 'a', 'referenceTypes': ['User']}]}",
		  "attributes[0].referenceTypes: only for a reference attribute" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scim_error err = { 0 };
		json_t *doc = unit_json(cases[i].doc);
		struct schema_def *s = extension_from_json(doc, &err);

		unit_check(s == NULL && err.status == 400 &&
			   strncmp(err.detail, cases[i].detail, strlen(cases[i].detail)) == 0,
			   "schema refused", "%s: got \"%s\"", cases[i].doc, s ? "(read)" : err.detail);
		extension_free(s);
		json_decref(doc);
	}
}

int main(void)
{
	test_reads_every_type();
	test_refusals();
	return unit_finish("extension");
}
