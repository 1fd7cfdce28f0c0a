/*
 * test_resource.c - resource.c, table-driven: client bodies as
 * resource_normalize() stores them (or refuses them), and what
 * attributes/excludedAttributes keep of a rendered resource, with
 * resource_projection_wants() agreeing.
 * JSON is written with single quotes (unit_json()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "resource.h"
#include "schema.h"
#include "unit.h"

#define ENT "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define USER_SCHEMAS "'schemas':['urn:ietf:params:scim:schemas:core:2.0:User']"
#define BOTH_SCHEMAS "'schemas':['urn:ietf:params:scim:schemas:core:2.0:User','" ENT "']"

/* ---- resource_normalize ---- */

struct normalize_case {
	const char *name;
	const char *body;
	const char *want;   /* the stored document; NULL when refused */
	const char *detail; /* a piece of the error's detail */
};

static const struct normalize_case normalize_cases[] = {
	{ .name = "a manager as an id",
	  .body = "{'userName':'a','" ENT "':{'manager':'m1'}}",
	  .want = "{" BOTH_SCHEMAS ",'userName':'a','" ENT "':{'manager':{'value':'m1'}}}" },
	/* resource_render() builds the $ref from the value, as GET shows it:
	 * sent back by PUT, it is not stored. */
	{ .name = "the $ref of a manager with a value is the server's",
	  .body = "{'userName':'a','" ENT "':{'manager':{'value':'m1',"
		  "'$ref':'https://scim.example.com/scim/v2/Users/m1','displayName':'M'}}}",
	  .want = "{" BOTH_SCHEMAS ",'userName':'a','" ENT "':{'manager':{'value':'m1'}}}" },
	{ .name = "the $ref of a manager without a value stays",
	  .body = "{'userName':'a','" ENT "':{'manager':{'$ref':'https://x/Users/m1'}}}",
	  .want = "{" BOTH_SCHEMAS ",'userName':'a','" ENT "':{'manager':{'$ref':'https://x/Users/m1'}}}" },
	{ .name = "an empty manager is no manager",
	  .body = "{'userName':'a','" ENT "':{'manager':''}}",
	  .want = "{" USER_SCHEMAS ",'userName':'a'}" },
	{ .name = "no userName",
	  .body = "{'displayName':'a'}", .detail = "userName is required" },
};

static void test_normalize(void)
{
	size_t i;

	for (i = 0; i < sizeof(normalize_cases) / sizeof(normalize_cases[0]); i++) {
		const struct normalize_case *c = &normalize_cases[i];
		json_t *body = unit_json(c->body);
		json_t *want = c->want ? unit_json(c->want) : NULL;
		struct scim_error err;
		json_t *got;
		char *text;

		error_clear(&err);
		got = resource_normalize(body, &resource_type_user, &err);
		text = unit_json_dump(got);
		if (c->want != NULL)
			unit_check(got != NULL && json_equal(got, want), c->name,
				   "want %s, got %s (%s)", c->want, text, err.detail);
		else
			unit_check(got == NULL && err.status == 400 &&
				   strstr(err.detail, c->detail) != NULL, c->name,
				   "want 400 \"%s\", got %s (%d \"%s\")", c->detail, text,
				   err.status, err.detail);
		free(text);
		json_decref(got);
		json_decref(want);
		json_decref(body);
	}
}

/* ---- resource_project and resource_projection_wants ---- */

struct projection_case {
	const char *name;
	const char *attributes; /* NULL: not given */
	const char *excluded;
	const char *want;       /* the projected group */
};

#define GROUP "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'id':'g1'," \
	"'displayName':'G','members':[{'value':'u1','type':'User'}],'meta':{'version':'W/\\'1\\''}}"

static const struct projection_case projection_cases[] = {
	{ .name = "attributes name an attribute", .attributes = "displayName",
	  .want = "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'id':'g1','displayName':'G'}" },
	{ .name = "attributes name a sub-attribute", .attributes = "members.value",
	  .want = "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'id':'g1',"
		  "'members':[{'value':'u1'}]}" },
	{ .name = "excluded names an attribute", .excluded = "members",
	  .want = "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'id':'g1','displayName':'G',"
		  "'meta':{'version':'W/\\'1\\''}}" },
	{ .name = "excluded names a sub-attribute", .excluded = "members.type",
	  .want = "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'id':'g1','displayName':'G',"
		  "'members':[{'value':'u1'}],'meta':{'version':'W/\\'1\\''}}" },
	{ .name = "excluded names an attribute, then one of its sub-attributes",
	  .excluded = "members,members.value",
	  .want = "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'id':'g1','displayName':'G',"
		  "'meta':{'version':'W/\\'1\\''}}" },
	{ .name = "excluded names a sub-attribute, then the attribute",
	  .excluded = "members.value,members",
	  .want = "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:Group'],'id':'g1','displayName':'G',"
		  "'meta':{'version':'W/\\'1\\''}}" },
};

static void test_projection(void)
{
	size_t i;

	for (i = 0; i < sizeof(projection_cases) / sizeof(projection_cases[0]); i++) {
		const struct projection_case *c = &projection_cases[i];
		json_t *group = unit_json(GROUP);
		json_t *want = unit_json(c->want);
		bool wanted = resource_projection_wants(&resource_type_group, c->attributes,
							c->excluded, "members");
		char *text;

		resource_project(group, &resource_type_group, c->attributes, c->excluded);
		text = unit_json_dump(group);
		unit_check(json_equal(group, want), c->name, "want %s, got %s", c->want, text);
		unit_check(wanted == (json_object_get(want, "members") != NULL), c->name,
			   "members are %swanted", wanted ? "" : "not ");
		free(text);
		json_decref(want);
		json_decref(group);
	}
}

int main(void)
{
	test_normalize();
	test_projection();
	return unit_finish("resource");
}
