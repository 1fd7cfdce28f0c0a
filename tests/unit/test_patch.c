/*
 * test_patch.c - the PATCH engine, table-driven: each case is an input
 * document, a PatchOp body, and either the expected document, changed flag
 * and membership changes, or the expected error (status, scimType, a piece
 * of the detail). Every case also checks that the input document and the
 * body are left untouched, and that a failure returns nothing.
 *
 * To keep the tables readable, JSON is written with single quotes, turned
 * into double quotes before parsing; \' in a string becomes \" (a quote
 * inside a PATCH path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "filter.h"
#include "patch.h"
#include "resource.h"
#include "schema.h"
#include "unit.h"

#define ENT "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define CORE "urn:ietf:params:scim:schemas:core:2.0:User"

/* A resource type with an immutable attribute and a multi-valued simple one,
 * which User and Group lack. */
static const struct attr_def thing_badge_sub[] = {
	{ .name = "serial", .type = ATTR_STRING, .mutability = MUT_IMMUTABLE },
	{ .name = "color", .type = ATTR_STRING },
	{ .name = NULL },
};
static const struct attr_def thing_attrs[] = {
	{ .name = "code", .type = ATTR_STRING, .mutability = MUT_IMMUTABLE },
	{ .name = "label", .type = ATTR_STRING },
	{ .name = "badge", .type = ATTR_COMPLEX, .sub_attrs = thing_badge_sub },
	{ .name = "tags", .type = ATTR_STRING, .multi_valued = true },
	{ .name = NULL },
};
static const struct schema_def thing_schema = {
	.urn = "urn:example:params:scim:schemas:core:2.0:Thing",
	.name = "Thing",
	.description = "test only",
	.attrs = thing_attrs,
};
static const struct schema_def *const thing_extensions[] = { NULL };
static const struct resource_type_def thing_type = {
	.name = "Thing",
	.endpoint = "/Things",
	.description = "test only",
	.core = &thing_schema,
	.extensions = thing_extensions,
};

struct patch_case {
	const char *name;
	const struct resource_type_def *rt; /* NULL: User */
	const char *doc;
	const char *body;
	const char *want;      /* the patched document; NULL when an error is expected */
	bool changed;
	const char *members;   /* expected member_changes; NULL: none */
	int status;            /* the expected error */
	const char *scim_type;
	const char *detail;    /* a piece of the expected detail, or NULL */
};

#define OPS(...) "{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp'],'Operations':[" __VA_ARGS__ "]}"

/* Barbara, as stored: canonical names, no id or meta. */
#define BJ "{'userName':'bjensen','active':true,"                                   \
	"'name':{'givenName':'Barbara','familyName':'Jensen'},"                      \
	"'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"  \
	"{'type':'home','value':'babs@jensen.org','display':'Babs'}]}"
#define BJ_ENT "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984','manager':{'value':'m1'}}}"
#define GRP "{'displayName':'Tour Guides','externalId':'g-ext'}"

static const struct patch_case cases[] = {
	/* ---- the body ---- */
	{ .name = "empty Operations is a no-op (Entra)",
	  .doc = BJ, .body = OPS(""), .want = BJ },
	{ .name = "schemas may be missing or wrong",
	  .doc = "{'userName':'a'}",
	  .body = "{'schemas':['urn:bogus'],'Operations':[{'op':'replace','path':'displayName','value':'A'}]}",
	  .want = "{'userName':'a','displayName':'A'}", .changed = true },
	{ .name = "Operations spelled in lower case is tolerated",
	  .doc = "{'userName':'a'}",
	  .body = "{'operations':[{'op':'replace','path':'displayName','value':'A'}]}",
	  .want = "{'userName':'a','displayName':'A'}", .changed = true },
	{ .name = "body not an object",
	  .doc = BJ, .body = "[]", .status = 400, .scim_type = "invalidSyntax",
	  .detail = "JSON object" },
	{ .name = "no Operations",
	  .doc = BJ, .body = "{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp']}",
	  .status = 400, .scim_type = "invalidSyntax", .detail = "\"Operations\" array" },
	{ .name = "Operations not an array",
	  .doc = BJ, .body = "{'Operations':{'op':'add'}}",
	  .status = 400, .scim_type = "invalidSyntax", .detail = "\"Operations\" array" },
	{ .name = "operation not an object",
	  .doc = BJ, .body = OPS("'add'"),
	  .status = 400, .scim_type = "invalidSyntax", .detail = "Operations[0]: an operation must be an object" },
	{ .name = "op missing",
	  .doc = BJ, .body = OPS("{'path':'displayName','value':'x'}"),
	  .status = 400, .scim_type = "invalidSyntax", .detail = "Operations[0]: \"op\" is missing" },
	{ .name = "unknown op",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'displayName','value':'x'},{'op':'move','path':'displayName'}"),
	  .status = 400, .scim_type = "invalidSyntax", .detail = "Operations[1]: unknown op \"move\"" },
	{ .name = "add without value",
	  .doc = BJ, .body = OPS("{'op':'add','path':'displayName'}"),
	  .status = 400, .scim_type = "invalidSyntax", .detail = "add needs a \"value\"" },
	{ .name = "path not a string",
	  .doc = BJ, .body = OPS("{'op':'replace','path':7,'value':'x'}"),
	  .status = 400, .scim_type = "invalidSyntax", .detail = "\"path\" must be a string" },

	/* ---- op names are case-insensitive (Entra) ---- */
	{ .name = "Add Replace Remove capitalised",
	  .doc = BJ,
	  .body = OPS("{'op':'Add','path':'title','value':'Tour Guide'},"
		      "{'op':'Replace','path':'displayName','value':'Babs'},"
		      "{'op':'Remove','path':'name'}"),
	  .want = "{'userName':'bjensen','active':true,'title':'Tour Guide','displayName':'Babs',"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "ADD REPLACE upper case",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'ADD','path':'title','value':'t'},{'op':'REPLACE','path':'nickName','value':'n'}"),
	  .want = "{'userName':'a','title':'t','nickName':'n'}", .changed = true },

	/* ---- paths ---- */
	{ .name = "Entra example: work email value and familyName",
	  .doc = BJ,
	  .body = OPS("{'op':'Replace','path':'emails[type eq \\'work\\'].value','value':'updatedEmail@microsoft.com'},"
		      "{'op':'Replace','path':'name.familyName','value':'updatedFamilyName'}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'updatedFamilyName'},"
		  "'emails':[{'type':'work','value':'updatedEmail@microsoft.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "attribute names are case-insensitive",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'NAME.FAMILYNAME','value':'J'},"
		      "{'op':'replace','path':'Emails[Type eq \\'work\\'].VALUE','value':'w@x'},"
		      "{'op':'add','path':'DISPLAYNAME','value':'B'}"),
	  .want = "{'userName':'bjensen','active':true,'displayName':'B',"
		  "'name':{'givenName':'Barbara','familyName':'J'},"
		  "'emails':[{'type':'work','value':'w@x','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "core URN-qualified path",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'" CORE ":userName','value':'b'}"),
	  .want = "{'userName':'b'}", .changed = true },
	{ .name = "enterprise employeeNumber creates the extension object",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','path':'" ENT ":employeeNumber','value':'42'}"),
	  .want = "{'userName':'a','" ENT "':{'employeeNumber':'42'}}", .changed = true },
	{ .name = "extension URN path is case-insensitive",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'replace','path':'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER','value':'1'}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'1','manager':{'value':'m1'}}}",
	  .changed = true },
	{ .name = "extension attribute without URN is unknown",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','path':'employeeNumber','value':'42'}"),
	  .status = 400, .scim_type = "invalidPath", .detail = "no attribute \"employeeNumber\"" },
	{ .name = "unknown attribute names operation and path",
	  .doc = BJ,
	  .body = OPS("{'op':'add','path':'title','value':'a'},{'op':'add','path':'nickName','value':'b'},"
		      "{'op':'replace','path':'foo.bar','value':'x'}"),
	  .status = 400, .scim_type = "invalidPath",
	  .detail = "Operations[2]: no attribute \"foo\" in path \"foo.bar\"" },
	{ .name = "unknown sub-attribute",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'name.nick','value':'x'}"),
	  .status = 400, .scim_type = "invalidPath", .detail = "\"name\" has no sub-attribute \"nick\"" },
	{ .name = "sub-attribute of a simple attribute",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'userName.first','value':'x'}"),
	  .status = 400, .scim_type = "invalidPath", .detail = "no sub-attribute \"first\"" },
	/* An extension the tenant does not have: ignored, as Entra expects
	 * (and named in result.ignored; test_ignored). */
	{ .name = "unknown schema URN in a path",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'urn:example:Custom:2.0:User:foo','value':'x'}"),
	  .want = BJ },
	{ .name = "unparsable path",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'emails[type eq','value':'x'}"),
	  .status = 400, .scim_type = "invalidPath",
	  .detail = "(path \"emails[type eq\")" },
	{ .name = "unknown sub-attribute in a filter",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'emails[kind eq \\'work\\'].value','value':'x'}"),
	  .status = 400, .scim_type = "invalidPath",
	  .detail = "Operations[0]: \"emails\" has no sub-attribute \"kind\" (filter in path" },
	{ .name = "filter the evaluator rejects",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'emails[primary gt true].value','value':'x'}"),
	  .status = 400, .scim_type = "invalidFilter", .detail = "Operations[0]: " },
	{ .name = "path with a space",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'display Name'}"),
	  .status = 400, .scim_type = "invalidPath" },
	{ .name = "filter on a single-valued attribute",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'name[givenName eq \\'x\\'].familyName','value':'x'}"),
	  .status = 400, .scim_type = "invalidPath", .detail = "multi-valued complex" },

	/* ---- add (RFC 7644 3.5.2.1) ---- */
	{ .name = "add sets an absent singular attribute",
	  .doc = "{'userName':'a'}", .body = OPS("{'op':'add','path':'displayName','value':'A'}"),
	  .want = "{'userName':'a','displayName':'A'}", .changed = true },
	{ .name = "add replaces a singular attribute",
	  .doc = "{'userName':'a','displayName':'A'}", .body = OPS("{'op':'add','path':'displayName','value':'B'}"),
	  .want = "{'userName':'a','displayName':'B'}", .changed = true },
	{ .name = "add of the same value changes nothing",
	  .doc = BJ, .body = OPS("{'op':'add','path':'userName','value':'bjensen'}"),
	  .want = BJ },
	{ .name = "add appends to a multi-valued attribute",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'type':'other','value':'b@x'}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'},{'type':'other','value':'b@x'}]}",
	  .changed = true },
	{ .name = "add wraps a single value",
	  .doc = "{'userName':'a'}", .body = OPS("{'op':'add','path':'emails','value':{'type':'work','value':'a@x'}}"),
	  .want = "{'userName':'a','emails':[{'type':'work','value':'a@x'}]}", .changed = true },
	{ .name = "add of a bare address to emails is a type error",
	  .doc = "{'userName':'a'}", .body = OPS("{'op':'add','path':'emails','value':['a@x','a@x']}"),
	  .status = 400, .scim_type = "invalidValue" },
	{ .name = "add skips exact duplicates: nothing changes",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'value':'babs@jensen.org','type':'home','display':'Babs'}]}"),
	  .want = BJ },
	{ .name = "add of a value already there with primary as a string changes nothing (Entra)",
	  .doc = BJ, .body = OPS("{'op':'Add','path':'emails','value':[{'type':'work','value':'bjensen@example.com','primary':'True'}]}"),
	  .want = BJ },
	{ .name = "add of a value already there in other case changes nothing (caseExact false)",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'Type':'Work','VALUE':'BJensen@Example.COM','primary':true}]}"),
	  .want = BJ },
	{ .name = "add compares caseExact false values with Latin-1 letters folded",
	  .doc = "{'userName':'a','emails':[{'value':'zo\u00eb@x'}]}",
	  .body = OPS("{'op':'add','path':'emails','value':[{'value':'ZO\u00cb@X'}]}"),
	  .want = "{'userName':'a','emails':[{'value':'zo\u00eb@x'}]}" },
	{ .name = "pathless add of a role already there with primary as a string changes nothing",
	  .doc = "{'userName':'a','roles':[{'value':'r','primary':true}]}",
	  .body = OPS("{'op':'Add','value':{'roles':[{'value':'r','primary':'True'}]}}"),
	  .want = "{'userName':'a','roles':[{'value':'r','primary':true}]}" },
	{ .name = "add of a value already there without primary changes nothing",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'type':'work','value':'bjensen@example.com'}]}"),
	  .want = BJ },
	{ .name = "add of a value already there with primary false keeps it primary",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'type':'work','value':'bjensen@example.com','primary':'false'}]}"),
	  .want = BJ },
	{ .name = "add of a value already there with primary true makes it primary",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'type':'home','value':'Babs@Jensen.org','display':'Babs','primary':'TRUE'}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':false},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs','primary':true}]}",
	  .changed = true },
	{ .name = "add of a value that differs in another sub-attribute appends it",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'type':'other','value':'bjensen@example.com'}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'},{'type':'other','value':'bjensen@example.com'}]}",
	  .changed = true },
	{ .name = "add keeps one of the values a request repeats, primary if one is",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','path':'roles','value':[{'value':'r'},{'value':'R','primary':'True'},{'value':'s'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'r','primary':true},{'value':'s'}]}", .changed = true },
	{ .name = "replace keeps one of the values a request repeats",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails','value':[{'value':'n@x','primary':true},{'value':'N@X','primary':'False'}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},'emails':[{'value':'n@x','primary':true}]}",
	  .changed = true },
	{ .name = "add to a multi-valued simple attribute skips values there in other case",
	  .rt = &thing_type, .doc = "{'code':'c','tags':['a']}",
	  .body = OPS("{'op':'add','path':'tags','value':['A','b','B']}"),
	  .want = "{'code':'c','tags':['a','b']}", .changed = true },
	{ .name = "add of a role as Entra's role expressions send it: JSON text in value",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'Add','path':'roles','value':[{'value':'{\\\"id\\\":\\\"06b07648\\\",\\\"value\\\":\\\"25\\\",\\\"displayName\\\":\\\"Role1234\\\"}'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'25','display':'Role1234'}]}", .changed = true },
	{ .name = "add of a role in Entra's JSON text form that is already there changes nothing",
	  .doc = "{'userName':'a','roles':[{'value':'25','display':'Role1234','type':'WindowsAzureActiveDirectoryRole'}]}",
	  .body = OPS("{'op':'Add','path':'roles','value':[{'value':'{\\\"id\\\":\\\"06b07648\\\",\\\"value\\\":\\\"25\\\",\\\"displayName\\\":\\\"Role1234\\\"}','type':'WindowsAzureActiveDirectoryRole'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'25','display':'Role1234','type':'WindowsAzureActiveDirectoryRole'}]}" },
	{ .name = "remove of a role in Entra's JSON text form",
	  .doc = "{'userName':'a','roles':[{'value':'25','display':'Role1234'},{'value':'26'}]}",
	  .body = OPS("{'op':'Remove','path':'roles','value':[{'value':'{\\\"id\\\":\\\"06b07648\\\",\\\"value\\\":\\\"25\\\",\\\"displayName\\\":\\\"Role1234\\\"}'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'26'}]}", .changed = true },
	{ .name = "add of a value without a sub-attribute the one there has changes nothing",
	  .doc = "{'userName':'a','roles':[{'value':'r','type':'WindowsAzureActiveDirectoryRole'}]}",
	  .body = OPS("{'op':'add','path':'roles','value':[{'value':'R'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'r','type':'WindowsAzureActiveDirectoryRole'}]}" },
	{ .name = "add of a value with a sub-attribute the one there lacks gives it that",
	  .doc = "{'userName':'a','roles':[{'value':'r'}]}",
	  .body = OPS("{'op':'add','path':'roles','value':[{'value':'r','type':'app'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'r','type':'app'}]}", .changed = true },
	{ .name = "add of a value there under another display renames it (a role renamed)",
	  .doc = "{'userName':'a','roles':[{'value':'25','display':'Old','type':'T'}]}",
	  .body = OPS("{'op':'Add','path':'roles','value':[{'value':'25','displayName':'New'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'25','display':'New','type':'T'}]}", .changed = true },
	{ .name = "repeated values in one request: one, whatever their order",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','path':'emails','value':[{'value':'b@x.com'},{'value':'B@x.com','type':'home'}]}"),
	  .want = "{'userName':'a','emails':[{'value':'b@x.com','type':'home'}]}", .changed = true },
	{ .name = "values differing in type stay two",
	  .doc = "{'userName':'a','emails':[{'value':'b@x.com','type':'work'}]}",
	  .body = OPS("{'op':'add','path':'emails','value':[{'value':'b@x.com','type':'home'}]}"),
	  .want = "{'userName':'a','emails':[{'value':'b@x.com','type':'work'},{'value':'b@x.com','type':'home'}]}",
	  .changed = true },
	{ .name = "a role value that only looks like JSON is kept as it is",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','path':'roles','value':[{'value':'{not json'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'{not json'}]}", .changed = true },
	{ .name = "add of a role given with displayName (Samanage) already there changes nothing",
	  .doc = "{'userName':'a','roles':[{'value':'r','display':'R'}]}",
	  .body = OPS("{'op':'add','path':'roles','value':[{'value':'r','displayName':'R'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'r','display':'R'}]}" },
	{ .name = "add of an empty array changes nothing (Entra roles:[])",
	  .doc = "{'userName':'a'}", .body = OPS("{'op':'add','path':'roles','value':[]}"),
	  .want = "{'userName':'a'}" },
	{ .name = "add of a primary value clears the other primary (RFC 7644 3.5.2)",
	  .doc = BJ, .body = OPS("{'op':'add','path':'emails','value':[{'type':'other','value':'o@x','primary':true}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':false},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'},{'type':'other','value':'o@x','primary':true}]}",
	  .changed = true },
	{ .name = "add merges a complex attribute",
	  .doc = BJ, .body = OPS("{'op':'add','path':'name','value':{'middleName':'J','GivenName':'Barbara'}}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen','middleName':'J'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "pathless add merges attributes",
	  .doc = "{'userName':'a','name':{'givenName':'A'}}",
	  .body = OPS("{'op':'add','value':{'displayName':'A B','name':{'familyName':'B'},'emails':[{'value':'a@x'}]}}"),
	  .want = "{'userName':'a','displayName':'A B','name':{'givenName':'A','familyName':'B'},'emails':[{'value':'a@x'}]}",
	  .changed = true },
	{ .name = "pathless add that changes nothing",
	  .doc = BJ, .body = OPS("{'op':'add','value':{'userName':'bjensen','name':{'givenName':'Barbara'},'emails':[{'type':'work','value':'bjensen@example.com','primary':true}]}}"),
	  .want = BJ },
	{ .name = "add to an attribute inside a filtered element (Entra)",
	  .doc = "{'userName':'a','phoneNumbers':[{'type':'work','value':'1'}]}",
	  .body = OPS("{'op':'Add','path':'phoneNumbers[type eq \\'work\\'].value','value':'2'},"
		      "{'op':'Add','path':'phoneNumbers[type eq \\'mobile\\'].value','value':'3'}"),
	  .want = "{'userName':'a','phoneNumbers':[{'type':'work','value':'2'},{'type':'mobile','value':'3'}]}",
	  .changed = true },
	{ .name = "add with a filter and no sub-attribute merges into the element",
	  .doc = "{'userName':'a','emails':[{'type':'work','value':'a@x'}]}",
	  .body = OPS("{'op':'add','path':'emails[type eq \\'work\\']','value':{'display':'A'}}"),
	  .want = "{'userName':'a','emails':[{'type':'work','value':'a@x','display':'A'}]}",
	  .changed = true },

	/* ---- replace (RFC 7644 3.5.2.3) ---- */
	{ .name = "replace a singular attribute",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'userName','value':'babs'}"),
	  .want = "{'userName':'babs','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "replace a multi-valued attribute replaces the array",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'emails','value':[{'type':'work','value':'new@x'}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},'emails':[{'type':'work','value':'new@x'}]}",
	  .changed = true },
	{ .name = "replace with an empty array removes the attribute",
	  .doc = "{'userName':'a','roles':[{'value':'r'}]}", .body = OPS("{'op':'replace','path':'roles','value':[]}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "replace of a complex attribute merges sub-attributes",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'name','value':{'givenName':'Babs'}}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Babs','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "replace a filtered sub-attribute in every match",
	  .doc = "{'userName':'a','emails':[{'type':'work','value':'1@x'},{'type':'home','value':'2@x'},{'type':'work','value':'3@x'}]}",
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'work\\'].display','value':'W'}"),
	  .want = "{'userName':'a','emails':[{'type':'work','value':'1@x','display':'W'},{'type':'home','value':'2@x'},{'type':'work','value':'3@x','display':'W'}]}",
	  .changed = true },
	{ .name = "replace creates the element a filter names (Entra create-on-absent)",
	  .doc = "{'userName':'a','emails':[{'type':'home','value':'h@x'}]}",
	  .body = OPS("{'op':'Replace','path':'emails[type eq \\'work\\'].value','value':'x'}"),
	  .want = "{'userName':'a','emails':[{'type':'home','value':'h@x'},{'type':'work','value':'x'}]}",
	  .changed = true },
	{ .name = "create-on-absent without the attribute at all",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'Replace','path':'phoneNumbers[type eq \\'work\\'].value','value':'+1 555'}"),
	  .want = "{'userName':'a','phoneNumbers':[{'type':'work','value':'+1 555'}]}",
	  .changed = true },
	{ .name = "create-on-absent from an and of eqs",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'roles[primary eq \\'True\\' and type eq \\'app\\'].value','value':'Admin'}"),
	  .want = "{'userName':'a','roles':[{'primary':'True','type':'app','value':'Admin'}]}",
	  .changed = true },
	{ .name = "create-on-absent with a boolean literal",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'work\\' and primary eq true].value','value':'w@x'}"),
	  .want = "{'userName':'a','emails':[{'type':'work','primary':true,'value':'w@x'}]}",
	  .changed = true },
	{ .name = "create-on-absent impossible from co",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'emails[value co \\'@x\\'].display','value':'d'}"),
	  .status = 400, .scim_type = "noTarget", .detail = "Operations[0]: no value of \"emails\" matches" },
	{ .name = "create-on-absent impossible from or",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'work\\' or type eq \\'home\\'].value','value':'d'}"),
	  .status = 400, .scim_type = "noTarget" },
	{ .name = "create-on-absent impossible from contradicting eqs",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'work\\' and type eq \\'home\\'].value','value':'d'}"),
	  .status = 400, .scim_type = "noTarget" },
	{ .name = "replace a filtered element wholesale",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'home\\']','value':{'type':'home','value':'new@home'}}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'new@home'}]}",
	  .changed = true },
	{ .name = "replace a filtered element that is absent creates it",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'addresses[type eq \\'work\\']','value':{'locality':'Hollywood'}}"),
	  .want = "{'userName':'a','addresses':[{'type':'work','locality':'Hollywood'}]}",
	  .changed = true },
	{ .name = "replace primary through a filter clears the other primary",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'home\\'].primary','value':true}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':false},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs','primary':true}]}",
	  .changed = true },
	{ .name = "replace with the same value changes nothing",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'work\\'].value','value':'bjensen@example.com'},"
		      "{'op':'replace','path':'active','value':true}"),
	  .want = BJ },
	{ .name = "pathless replace with dotted and URN-qualified keys (Entra)",
	  .doc = "{'userName':'a','name':{'givenName':'A'}}",
	  .body = OPS("{'op':'replace','value':{'displayName':'x','name.givenName':'y','name.familyName':'f',"
		      "'" ENT ":employeeNumber':'z'}}"),
	  .want = "{'userName':'a','displayName':'x','name':{'givenName':'y','familyName':'f'},'" ENT "':{'employeeNumber':'z'}}",
	  .changed = true },
	{ .name = "pathless replace with the extension URN as key",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'replace','value':{'" ENT "':{'department':'Tour Operations','employeeNumber':'7'}}}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'7','department':'Tour Operations','manager':{'value':'m1'}}}",
	  .changed = true },
	{ .name = "pathless replace with the core URN as key",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','value':{'" CORE "':{'displayName':'D'}}}"),
	  .want = "{'userName':'a','displayName':'D'}", .changed = true },
	{ .name = "path naming the extension URN itself",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'add','path':'" ENT "','value':{'costCenter':'4130'}}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984','costCenter':'4130','manager':{'value':'m1'}}}",
	  .changed = true },
	{ .name = "Okta: pathless replace active false",
	  .doc = BJ, .body = OPS("{'op':'replace','value':{'active':false}}"),
	  .want = "{'userName':'bjensen','active':false,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "pathless values ignore id, meta, schemas, groups",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','value':{'id':'u1','schemas':['" CORE "'],'meta':{'resourceType':'User'},"
		      "'meta.lastModified':'2020-01-01T00:00:00Z','groups':[{'value':'g'}],'title':'T'}}"),
	  .want = "{'userName':'a','title':'T'}", .changed = true },
	{ .name = "pathless values ignore unknown schema URNs (Entra)",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','value':{'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:x':'1',"
		      "'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User':{'y':2}}}"),
	  .want = "{'userName':'a'}" },
	{ .name = "pathless unknown attribute",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','value':{'title':'t','shoeSize':42}}"),
	  .status = 400, .scim_type = "invalidPath",
	  .detail = "Operations[0]: no attribute \"shoeSize\" in value key \"shoeSize\"" },
	{ .name = "pathless value not an object",
	  .doc = "{'userName':'a'}", .body = OPS("{'op':'replace','value':'x'}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "without a path needs an object" },
	{ .name = "extension URN key with a non-object",
	  .doc = "{'userName':'a'}", .body = OPS("{'op':'replace','value':{'" ENT "':5}}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "must be an object" },
	{ .name = "RFC 7643 name in any case in a pathless value",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','value':{'emails':[{'value':'babs@jensen.org','type':'home'}],'nickname':'Babs'}}"),
	  .want = "{'userName':'a','nickName':'Babs','emails':[{'value':'babs@jensen.org','type':'home'}]}",
	  .changed = true },

	/* ---- null means unassign ---- */
	{ .name = "replace with null removes",
	  .doc = "{'userName':'a','displayName':'A','title':'T'}",
	  .body = OPS("{'op':'replace','path':'displayName','value':null},{'op':'add','path':'title','value':null}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "null for a sub-attribute and a multi-valued attribute",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'name.givenName','value':null},{'op':'replace','path':'emails','value':null}"),
	  .want = "{'userName':'bjensen','active':true,'name':{'familyName':'Jensen'}}", .changed = true },
	{ .name = "null keys in a pathless value",
	  .doc = "{'userName':'a','displayName':'A','name':{'givenName':'G'}}",
	  .body = OPS("{'op':'replace','value':{'displayName':null,'name':{'givenName':null}}}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "null for a filtered element's value drops the element",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'home\\'].value','value':null}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true}]}",
	  .changed = true },
	{ .name = "null for an absent filtered element is a no-op",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails[type eq \\'other\\'].value','value':null}"),
	  .want = BJ },
	{ .name = "null for the value of every element drops them all",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails.value','value':null}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'}}",
	  .changed = true },
	{ .name = "null for the value of the only element drops it",
	  .doc = "{'userName':'a','emails':[{'type':'work','value':'w@x'}]}",
	  .body = OPS("{'op':'replace','path':'emails.value','value':null}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "null for another sub-attribute of every element keeps them",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'emails.display','value':null}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org'}]}",
	  .changed = true },
	{ .name = "null for a sub-attribute of an absent attribute is a no-op",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'emails.value','value':null}"),
	  .want = "{'userName':'a'}" },
	{ .name = "a sub-attribute set on every element",
	  .doc = "{'userName':'a','emails':[{'type':'work','value':'1'},{'value':'2'}]}",
	  .body = OPS("{'op':'replace','path':'emails.type','value':'other'}"),
	  .want = "{'userName':'a','emails':[{'type':'other','value':'1'},{'type':'other','value':'2'}]}",
	  .changed = true },
	{ .name = "a sub-attribute set on the elements of an absent attribute is noTarget",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','path':'emails.type','value':'work'}"),
	  .status = 400, .scim_type = "noTarget", .detail = "\"emails\" has no values" },

	/* ---- Entra's array-wrapped single values ---- */
	{ .name = "array-wrapped value of a singular attribute",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'displayName','value':[{'$ref':null,'value':'x'}]},"
		      "{'op':'add','path':'" ENT ":employeeNumber','value':[{'value':'123'}]},"
		      "{'op':'replace','path':'name.givenName','value':['G']}"),
	  .want = "{'userName':'a','displayName':'x','name':{'givenName':'G'},'" ENT "':{'employeeNumber':'123'}}",
	  .changed = true },
	{ .name = "array of two for a singular attribute",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'displayName','value':['x','y']}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "single-valued" },
	{ .name = "object for a simple attribute without value",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'displayName','value':{'x':1}}"),
	  .status = 400, .scim_type = "invalidValue" },

	/* ---- the enterprise manager ---- */
	{ .name = "manager as a bare id",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'add','path':'" ENT ":manager','value':'m2'}"),
	  .want = "{'userName':'a','" ENT "':{'manager':{'value':'m2'}}}", .changed = true },
	{ .name = "manager as an object: $ref and displayName dropped",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'replace','path':'" ENT ":manager','value':{'value':'m2','$ref':'../Users/m2','displayName':'Boss'}}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984','manager':{'value':'m2'}}}",
	  .changed = true },
	{ .name = "manager array-wrapped (Entra)",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'Replace','path':'" ENT ":manager','value':[{'$ref':null,'value':'m3'}]}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984','manager':{'value':'m3'}}}",
	  .changed = true },
	{ .name = "manager.value path",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'" ENT ":manager.value','value':'m4'}"),
	  .want = "{'userName':'a','" ENT "':{'manager':{'value':'m4'}}}", .changed = true },
	{ .name = "manager replaced with empty string is removed",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'Replace','path':'" ENT ":manager','value':''}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984'}}", .changed = true },
	{ .name = "manager replaced with null is removed, extension goes when empty",
	  .doc = "{'userName':'a','" ENT "':{'manager':{'value':'m1'}}}",
	  .body = OPS("{'op':'replace','path':'" ENT ":manager','value':null}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "manager with an empty value object is removed",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'replace','path':'" ENT ":manager','value':{'value':''}}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984'}}", .changed = true },
	{ .name = "manager.value replaced with empty string removes the manager",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'replace','path':'" ENT ":manager.value','value':''}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984'}}", .changed = true },
	{ .name = "remove manager",
	  .doc = BJ_ENT, .body = OPS("{'op':'Remove','path':'" ENT ":manager'}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984'}}", .changed = true },
	{ .name = "remove manager.value",
	  .doc = BJ_ENT, .body = OPS("{'op':'remove','path':'" ENT ":manager.value'}"),
	  .want = "{'userName':'bjensen','" ENT "':{'employeeNumber':'701984'}}", .changed = true },
	{ .name = "manager in a pathless value",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','value':{'" ENT ":manager':'m5'}},"
		      "{'op':'add','value':{'" ENT "':{'manager':{'value':'m6'}}}}"),
	  .want = "{'userName':'a','" ENT "':{'manager':{'value':'m6'}}}", .changed = true },
	{ .name = "manager object without a value",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'replace','path':'" ENT ":manager','value':{'displayName':'Boss'}}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "needs a \"value\"" },
	{ .name = "manager.displayName is readOnly",
	  .doc = BJ_ENT,
	  .body = OPS("{'op':'replace','path':'" ENT ":manager.displayName','value':'Boss'}"),
	  .status = 400, .scim_type = "mutability", .detail = "\"displayName\" is readOnly" },

	/* ---- remove (RFC 7644 3.5.2.2) ---- */
	{ .name = "remove without path is noTarget",
	  .doc = BJ, .body = OPS("{'op':'remove'}"),
	  .status = 400, .scim_type = "noTarget", .detail = "Operations[0]: remove needs a path" },
	{ .name = "remove an attribute",
	  .doc = "{'userName':'a','displayName':'A'}", .body = OPS("{'op':'remove','path':'displayName'}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "remove an absent attribute succeeds unchanged",
	  .doc = "{'userName':'a'}",
	  .body = OPS("{'op':'remove','path':'displayName'},{'op':'remove','path':'name.givenName'},"
		      "{'op':'remove','path':'" ENT ":department'},{'op':'remove','path':'emails'}"),
	  .want = "{'userName':'a'}" },
	{ .name = "remove a sub-attribute; the emptied complex goes",
	  .doc = "{'userName':'a','name':{'givenName':'G','familyName':'F'}}",
	  .body = OPS("{'op':'remove','path':'name.givenName'},{'op':'remove','path':'name.familyName'}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "remove the elements a filter matches",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'emails[type eq \\'work\\']'}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "remove the last element removes the attribute",
	  .doc = "{'userName':'a','emails':[{'type':'work','value':'w@x'}]}",
	  .body = OPS("{'op':'remove','path':'emails[type eq \\'work\\']'}"),
	  .want = "{'userName':'a'}", .changed = true },
	{ .name = "remove a sub-attribute of the matching elements",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'emails[type eq \\'home\\'].display'}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org'}]}",
	  .changed = true },
	{ .name = "remove a filter that matches nothing is noTarget",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'emails[type eq \\'other\\']'}"),
	  .status = 400, .scim_type = "noTarget",
	  .detail = "Operations[0]: no value of \"emails\" matches the filter in path \"emails[type eq \"other\"]\"" },
	{ .name = "remove a filter on an absent attribute is noTarget",
	  .doc = "{'userName':'a'}", .body = OPS("{'op':'remove','path':'emails[type eq \\'work\\'].value'}"),
	  .status = 400, .scim_type = "noTarget" },
	{ .name = "remove all values of a multi-valued attribute",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'emails'}"),
	  .want = "{'userName':'bjensen','active':true,'name':{'givenName':'Barbara','familyName':'Jensen'}}",
	  .changed = true },
	{ .name = "remove with a value removes exactly those values (Entra)",
	  .doc = BJ, .body = OPS("{'op':'Remove','path':'emails','value':[{'value':'BABS@jensen.org'}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true}]}",
	  .changed = true },
	{ .name = "remove with a value that matches nothing",
	  .doc = BJ, .body = OPS("{'op':'Remove','path':'emails','value':[{'value':'nobody@x'}]}"),
	  .want = BJ },
	{ .name = "remove with a value object without value matches all its keys",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'emails','value':{'type':'HOME'}}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true}]}",
	  .changed = true },
	{ .name = "remove with a value object takes booleans as strings (Entra)",
	  .doc = BJ, .body = OPS("{'op':'Remove','path':'emails','value':[{'type':'work','primary':'True'}]}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "remove with a value folds Latin-1 letters (caseExact false)",
	  .doc = "{'userName':'a','roles':[{'value':'Zo\u00eb'},{'value':'x'}]}",
	  .body = OPS("{'op':'Remove','path':'roles','value':[{'value':'ZO\u00cb'}]}"),
	  .want = "{'userName':'a','roles':[{'value':'x'}]}", .changed = true },
	{ .name = "remove the value of matching elements drops them",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'emails[type eq \\'work\\'].value'}"),
	  .want = "{'userName':'bjensen','active':true,"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "remove a sub-attribute of every element",
	  .doc = "{'userName':'a','emails':[{'type':'work','value':'1'},{'type':'home','value':'2'}]}",
	  .body = OPS("{'op':'remove','path':'emails.type'}"),
	  .want = "{'userName':'a','emails':[{'value':'1'},{'value':'2'}]}", .changed = true },
	{ .name = "remove the extension object",
	  .doc = BJ_ENT, .body = OPS("{'op':'remove','path':'" ENT "'}"),
	  .want = "{'userName':'bjensen'}", .changed = true },
	{ .name = "an extension object that was empty before stays",
	  .doc = "{'userName':'a','" ENT "':{}}", .body = OPS("{'op':'add','path':'title','value':'t'}"),
	  .want = "{'userName':'a','title':'t','" ENT "':{}}", .changed = true },
	{ .name = "remove the only extension attribute removes the extension",
	  .doc = "{'userName':'a','" ENT "':{'employeeNumber':'1'}}",
	  .body = OPS("{'op':'remove','path':'" ENT ":employeeNumber'}"),
	  .want = "{'userName':'a'}", .changed = true },

	/* ---- mutability ---- */
	{ .name = "replace id",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'id','value':'x'}"),
	  .status = 400, .scim_type = "mutability", .detail = "Operations[0]: \"id\" is readOnly (path \"id\")" },
	{ .name = "replace core-qualified id",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'" CORE ":id','value':'x'}"),
	  .status = 400, .scim_type = "mutability" },
	{ .name = "replace meta.lastModified",
	  .doc = BJ, .body = OPS("{'op':'replace','path':'meta.lastModified','value':'2020-01-01T00:00:00Z'}"),
	  .status = 400, .scim_type = "mutability" },
	{ .name = "remove meta",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'meta'}"),
	  .status = 400, .scim_type = "mutability" },
	{ .name = "add groups to a user",
	  .doc = BJ, .body = OPS("{'op':'add','path':'groups','value':[{'value':'g1'}]}"),
	  .status = 400, .scim_type = "mutability", .detail = "\"groups\" is readOnly" },
	{ .name = "remove groups[value eq] from a user",
	  .doc = BJ, .body = OPS("{'op':'remove','path':'groups[value eq \\'g1\\']'}"),
	  .status = 400, .scim_type = "mutability" },
	{ .name = "immutable: set when absent",
	  .rt = &thing_type, .doc = "{'label':'l'}", .body = OPS("{'op':'add','path':'code','value':'c1'}"),
	  .want = "{'label':'l','code':'c1'}", .changed = true },
	{ .name = "immutable: same value again",
	  .rt = &thing_type, .doc = "{'code':'c1'}",
	  .body = OPS("{'op':'replace','path':'code','value':'c1'},{'op':'replace','value':{'code':'c1','label':'x'}}"),
	  .want = "{'code':'c1','label':'x'}", .changed = true },
	{ .name = "immutable: different value",
	  .rt = &thing_type, .doc = "{'code':'c1'}", .body = OPS("{'op':'replace','path':'code','value':'c2'}"),
	  .status = 400, .scim_type = "mutability", .detail = "\"code\" is immutable" },
	{ .name = "immutable sub-attribute: set when absent, same value again",
	  .rt = &thing_type, .doc = "{'badge':{'color':'red'}}",
	  .body = OPS("{'op':'add','path':'badge.serial','value':'s1'},{'op':'replace','path':'badge','value':{'serial':'s1','color':'blue'}}"),
	  .want = "{'badge':{'serial':'s1','color':'blue'}}", .changed = true },
	{ .name = "immutable sub-attribute: different value",
	  .rt = &thing_type, .doc = "{'badge':{'serial':'s1'}}",
	  .body = OPS("{'op':'replace','path':'badge','value':{'serial':'s2'}}"),
	  .status = 400, .scim_type = "mutability", .detail = "\"serial\" is immutable" },
	{ .name = "immutable sub-attribute: remove",
	  .rt = &thing_type, .doc = "{'badge':{'serial':'s1'}}",
	  .body = OPS("{'op':'remove','path':'badge.serial'}"),
	  .status = 400, .scim_type = "mutability" },
	{ .name = "immutable: remove",
	  .rt = &thing_type, .doc = "{'code':'c1'}", .body = OPS("{'op':'remove','path':'code'}"),
	  .status = 400, .scim_type = "mutability" },

	/* ---- booleans as strings (Entra) ---- */
	{ .name = "boolean given as a string is stored as given",
	  .doc = BJ, .body = OPS("{'op':'Replace','path':'active','value':'False'}"),
	  .want = "{'userName':'bjensen','active':'False',"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'type':'work','value':'bjensen@example.com','primary':true},"
		  "{'type':'home','value':'babs@jensen.org','display':'Babs'}]}",
	  .changed = true },
	{ .name = "filter primary eq \"True\" matches stored true",
	  .doc = "{'userName':'a','roles':[{'value':'User','primary':false},{'value':'Reader','primary':true}]}",
	  .body = OPS("{'op':'replace','path':'roles[primary eq \\'True\\'].value','value':'Admin'}"),
	  .want = "{'userName':'a','roles':[{'value':'User','primary':false},{'value':'Admin','primary':true}]}",
	  .changed = true },
	{ .name = "filter primary eq true matches stored \"True\"",
	  .doc = "{'userName':'a','roles':[{'value':'Reader','primary':'True'}]}",
	  .body = OPS("{'op':'replace','path':'roles[primary eq true].value','value':'Admin'}"),
	  .want = "{'userName':'a','roles':[{'value':'Admin','primary':'True'}]}",
	  .changed = true },

	/* ---- atomicity (RFC 7644 3.5.2) ---- */
	{ .name = "a failing third operation applies nothing",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','path':'displayName','value':'x'},"
		      "{'op':'remove','path':'emails[type eq \\'work\\']'},"
		      "{'op':'remove','path':'emails[type eq \\'work\\']'}"),
	  .status = 400, .scim_type = "noTarget", .detail = "Operations[2]:" },
	{ .name = "a failing operation after member changes returns none",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':[{'value':'u1'}]},"
		      "{'op':'replace','path':'displayName','value':'x'},"
		      "{'op':'add','path':'members','value':[{'display':'no id'}]}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "Operations[2]: a member needs a \"value\"" },

	/* ---- RFC 7644 3.5.2 examples ---- */
	{ .name = "RFC 3.5.2.1 add a member",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':[{'display':'Babs Jensen',"
		      "'$ref':'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',"
		      "'value':'2819c223-7f76-453a-919d-413861904646'}]}"),
	  .want = GRP, .members = "[{'op':'add','values':[{'value':'2819c223-7f76-453a-919d-413861904646'}]}]" },
	{ .name = "RFC 3.5.2.2 remove all members",
	  .rt = &resource_type_group, .doc = GRP, .body = OPS("{'op':'remove','path':'members'}"),
	  .want = GRP, .members = "[{'op':'remove'}]" },
	{ .name = "RFC 3.5.2.2 remove one member",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'remove','path':'members[value eq \\'2819c223-7f76-...413861904646\\']'}"),
	  .want = GRP, .members = "[{'op':'remove','values':[{'value':'2819c223-7f76-...413861904646'}]}]" },
	{ .name = "RFC 3.5.2.2 remove multiple complex values",
	  .doc = "{'userName':'a','emails':[{'type':'work','value':'a@example.com'},{'type':'work','value':'a@other.org'},{'type':'home','value':'h@example.com'}]}",
	  .body = OPS("{'op':'remove','path':'emails[type eq \\'work\\' and value ew \\'example.com\\']'}"),
	  .want = "{'userName':'a','emails':[{'type':'work','value':'a@other.org'},{'type':'home','value':'h@example.com'}]}",
	  .changed = true },
	{ .name = "RFC 3.5.2.2 remove all members then add",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'remove','path':'members'},"
		      "{'op':'add','path':'members','value':[{'display':'Babs Jensen','value':'2819c223'},"
		      "{'display':'James Smith','value':'08e1d05d'}]}"),
	  .want = GRP,
	  .members = "[{'op':'remove'},{'op':'add','values':[{'value':'2819c223'},{'value':'08e1d05d'}]}]" },
	{ .name = "RFC 3.5.2.3 replace members",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'replace','path':'members','value':[{'display':'Babs Jensen','$ref':'https://example.com/v2/Users/2819c223','value':'2819c223'},"
		      "{'display':'James Smith','$ref':'https://example.com/v2/Users/08e1d05d','value':'08e1d05d'}]}"),
	  .want = GRP,
	  .members = "[{'op':'replace','values':[{'value':'2819c223'},{'value':'08e1d05d'}]}]" },
	{ .name = "RFC 3.5.2.3 replace a work address",
	  .doc = "{'userName':'a','addresses':[{'type':'work','streetAddress':'old','primary':true},{'type':'home','locality':'X'}]}",
	  .body = OPS("{'op':'replace','path':'addresses[type eq \\'work\\']','value':{'type':'work',"
		      "'streetAddress':'911 Universal City Plaza','locality':'Hollywood','region':'CA',"
		      "'postalCode':'91608','country':'US','formatted':'911 Universal City Plaza Hollywood, CA 91608 US','primary':true}}"),
	  .want = "{'userName':'a','addresses':[{'type':'work','streetAddress':'911 Universal City Plaza','locality':'Hollywood','region':'CA',"
		  "'postalCode':'91608','country':'US','formatted':'911 Universal City Plaza Hollywood, CA 91608 US','primary':true},"
		  "{'type':'home','locality':'X'}]}",
	  .changed = true },
	{ .name = "RFC 3.5.2.3 replace a street address",
	  .doc = "{'userName':'a','addresses':[{'type':'work','streetAddress':'old'}]}",
	  .body = OPS("{'op':'replace','path':'addresses[type eq \\'work\\'].streetAddress','value':'1010 Broadway Ave'}"),
	  .want = "{'userName':'a','addresses':[{'type':'work','streetAddress':'1010 Broadway Ave'}]}",
	  .changed = true },
	{ .name = "RFC 3.5.2.3 pathless replace",
	  .doc = BJ,
	  .body = OPS("{'op':'replace','value':{'emails':[{'value':'bjensen@example.com','type':'work','primary':true},"
		      "{'value':'babs@jensen.org','type':'home'}],'nickname':'Babs'}}"),
	  .want = "{'userName':'bjensen','active':true,'nickName':'Babs',"
		  "'name':{'givenName':'Barbara','familyName':'Jensen'},"
		  "'emails':[{'value':'bjensen@example.com','type':'work','primary':true},"
		  "{'value':'babs@jensen.org','type':'home'}]}",
	  .changed = true },

	/* ---- groups: membership changes never touch the document ---- */
	{ .name = "Entra adds members",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'Add','path':'members','value':[{'$ref':null,'value':'f648f8d5ea4e4cd38e9c'},"
		      "{'value':'u2','type':'user'},{'value':'g3','type':'GROUP','display':'G'}]}"),
	  .want = GRP,
	  .members = "[{'op':'add','values':[{'value':'f648f8d5ea4e4cd38e9c'},{'value':'u2','type':'User'},{'value':'g3','type':'Group'}]}]" },
	{ .name = "Entra removes exactly the given members",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'Remove','path':'members','value':[{'value':'id1'},{'value':'id2'}]}"),
	  .want = GRP, .members = "[{'op':'remove','values':[{'value':'id1'},{'value':'id2'}]}]" },
	{ .name = "remove members by value eq or value eq",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'remove','path':'members[value eq \\'id1\\' or VALUE eq \\'id2\\']'}"),
	  .want = GRP, .members = "[{'op':'remove','values':[{'value':'id1'},{'value':'id2'}]}]" },
	{ .name = "replace members with nothing",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'replace','path':'members','value':[]}"),
	  .want = GRP, .members = "[{'op':'replace','values':[]}]" },
	{ .name = "a single member object is wrapped",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':{'value':'u1'}}"),
	  .want = GRP, .members = "[{'op':'add','values':[{'value':'u1'}]}]" },
	{ .name = "pathless add and replace with members and displayName",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','value':{'members':[{'value':'u1'}]}},"
		      "{'op':'replace','value':{'displayName':'Guides','members':[{'value':'u2'}]}}"),
	  .want = "{'displayName':'Guides','externalId':'g-ext'}", .changed = true,
	  .members = "[{'op':'add','values':[{'value':'u1'}]},{'op':'replace','values':[{'value':'u2'}]}]" },
	{ .name = "Okta group rename with its own id",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'replace','value':{'id':'abf4dd94-a4c0-4f67-89c9-76b03340cb9b','displayName':'Test SCIMv2'}}"),
	  .want = "{'displayName':'Test SCIMv2','externalId':'g-ext'}", .changed = true },
	{ .name = "group displayName and externalId go to the document, members in order",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'replace','path':'externalId','value':'e2'},"
		      "{'op':'remove','path':'members[value eq \\'a\\']'},"
		      "{'op':'add','path':'members','value':[{'value':'b'}]},"
		      "{'op':'remove','path':'members'}"),
	  .want = "{'displayName':'Tour Guides','externalId':'e2'}", .changed = true,
	  .members = "[{'op':'remove','values':[{'value':'a'}]},{'op':'add','values':[{'value':'b'}]},{'op':'remove'}]" },
	{ .name = "adding no members records nothing",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':[]}"),
	  .want = GRP },
	{ .name = "member without value",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':[{'display':'x'}]}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "a member needs a \"value\"" },
	{ .name = "member value not a string",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':[{'value':12}]}"),
	  .status = 400, .scim_type = "invalidValue" },
	{ .name = "member not an object",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':['u1']}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "must be an object" },
	{ .name = "member of an unknown type",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members','value':[{'value':'x','type':'Robot'}]}"),
	  .status = 400, .scim_type = "invalidValue", .detail = "\"User\" or \"Group\"" },
	{ .name = "members filter other than value eq",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'remove','path':'members[display eq \\'x\\']'}"),
	  .status = 400, .scim_type = "invalidFilter", .detail = "value eq" },
	{ .name = "members filter on an empty value, nobody's id",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'remove','path':'members[value eq \\'\\']'}"),
	  .status = 400, .scim_type = "invalidFilter", .detail = "value eq" },
	{ .name = "members filter with and",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'remove','path':'members[value eq \\'x\\' and type eq \\'User\\']'}"),
	  .status = 400, .scim_type = "invalidFilter" },
	{ .name = "members filter on add",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'add','path':'members[value eq \\'x\\']','value':{'value':'x'}}"),
	  .status = 400, .scim_type = "invalidPath", .detail = "only supported by remove" },
	{ .name = "members sub-attribute path",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'remove','path':'members[value eq \\'x\\'].value'}"),
	  .status = 400, .scim_type = "invalidPath" },
	{ .name = "groups have no userName",
	  .rt = &resource_type_group, .doc = GRP,
	  .body = OPS("{'op':'replace','path':'userName','value':'x'}"),
	  .status = 400, .scim_type = "invalidPath" },
};

static void run_case(const struct patch_case *c)
{
	const struct resource_type_def *rt = c->rt ? c->rt : &resource_type_user;
	json_t *doc = unit_json(c->doc);
	json_t *body = unit_json(c->body);
	json_t *want = c->want ? unit_json(c->want) : NULL;
	json_t *members = c->members ? unit_json(c->members) : NULL;
	char *doc_before = unit_json_dump(doc);
	char *body_before = unit_json_dump(body);
	struct patch_result result;
	struct scim_error err;
	char *doc_after;
	char *body_after;
	bool ok;

	if (doc == NULL || body == NULL || (c->want && !want) || (c->members && !members)) {
		unit_check(false, c->name, "the case's JSON does not parse");
		goto done;
	}
	error_clear(&err);
	ok = patch_apply(doc, body, rt, &result, &err);
	doc_after = unit_json_dump(doc);
	body_after = unit_json_dump(body);
	unit_check(strcmp(doc_before, doc_after) == 0 && strcmp(body_before, body_after) == 0,
		   c->name, "input modified: doc %s, body %s", doc_after, body_after);
	free(doc_after);
	free(body_after);

	if (c->want == NULL) {
		if (ok) {
			char *got = unit_json_dump(result.doc);

			unit_check(false, c->name, "expected %d %s, got success: %s",
				   c->status, c->scim_type, got);
			free(got);
			patch_result_clear(&result);
			goto done;
		}
		unit_check(err.status == c->status &&
			   (c->scim_type == NULL ? err.scim_type == NULL
			    : err.scim_type != NULL && strcmp(err.scim_type, c->scim_type) == 0) &&
			   (c->detail == NULL || strstr(err.detail, c->detail) != NULL),
			   c->name, "expected %d %s \"%s\", got %d %s \"%s\"",
			   c->status, c->scim_type, c->detail ? c->detail : "",
			   err.status, err.scim_type ? err.scim_type : "(null)", err.detail);
		unit_check(result.doc == NULL && result.member_changes == NULL && !result.changed,
			   c->name, "a failure returned a result");
		goto done;
	}
	if (!ok) {
		unit_check(false, c->name, "expected success, got %d %s \"%s\"",
			   err.status, err.scim_type ? err.scim_type : "(null)", err.detail);
		goto done;
	}
	{
		char *got = unit_json_dump(result.doc);
		char *expected = unit_json_dump(want);
		char *got_members = unit_json_dump(result.member_changes);
		char *want_members = unit_json_dump(members);

		unit_check(json_equal(result.doc, want), c->name,
			   "document\n  want %s\n  got  %s", expected, got);
		unit_check(result.changed == c->changed, c->name, "changed: want %s, got %s",
			   c->changed ? "true" : "false", result.changed ? "true" : "false");
		unit_check(members == NULL ? result.member_changes == NULL
			   : result.member_changes != NULL && json_equal(result.member_changes, members),
			   c->name, "member_changes\n  want %s\n  got  %s", want_members, got_members);
		free(got);
		free(expected);
		free(got_members);
		free(want_members);
	}
	patch_result_clear(&result);
done:
	free(doc_before);
	free(body_before);
	json_decref(doc);
	json_decref(body);
	json_decref(want);
	json_decref(members);
}

/* PATCH_MAX_OPERATIONS is accepted, one more is not. */
static void test_operation_limit(void)
{
	json_t *doc = json_pack("{s:s}", "userName", "a");
	int limit;

	for (limit = PATCH_MAX_OPERATIONS; limit <= PATCH_MAX_OPERATIONS + 1; limit++) {
		json_t *ops = json_array();
		json_t *body = json_pack("{s:o}", "Operations", ops);
		struct patch_result result;
		struct scim_error err;
		bool ok;
		int i;

		for (i = 0; i < limit; i++)
			json_array_append_new(ops, json_pack("{s:s, s:s, s:i}", "op", "replace",
							     "path", "title", "value", i));
		error_clear(&err);
		ok = patch_apply(doc, body, &resource_type_user, &result, &err);
		if (limit == PATCH_MAX_OPERATIONS) {
			unit_check(ok && result.changed, "operation limit: at the limit",
				   "got %d %s", err.status, err.detail);
			if (ok)
				patch_result_clear(&result);
		} else {
			unit_check(!ok && err.status == 400 && err.scim_type != NULL &&
				   strcmp(err.scim_type, SCIM_INVALID_SYNTAX) == 0 &&
				   strstr(err.detail, "too many operations") != NULL,
				   "operation limit: past the limit", "got %d \"%s\"",
				   err.status, err.detail);
		}
		json_decref(body);
	}
	json_decref(doc);
}

/* patch_result_clear() resets the result and may run twice. */
/* An add to a full attribute: a value already there changes nothing, a
 * new one is past the limit. */
static void test_value_limit(void)
{
	json_t *roles = json_array();
	json_t *doc = json_pack("{s:s, s:o}", "userName", "a", "roles", roles);
	const char *values[] = { "r0", "R999", "new" };
	int i;

	for (i = 0; i < RESOURCE_MAX_VALUES; i++)
		json_array_append_new(roles, json_pack("{s:s+}", "value", "r", i == 0 ? "0" :
						       i == RESOURCE_MAX_VALUES - 1 ? "999" : "x"));
	for (i = 0; i < 3; i++) {
		json_t *body = json_pack("{s:[{s:s, s:s, s:[{s:s}]}]}", "Operations", "op", "add",
					 "path", "roles", "value", "value", values[i]);
		struct patch_result result;
		struct scim_error err;
		bool ok;

		error_clear(&err);
		ok = patch_apply(doc, body, &resource_type_user, &result, &err);
		if (i < 2)
			unit_check(ok && !result.changed &&
				   json_array_size(json_object_get(result.doc, "roles")) ==
				   RESOURCE_MAX_VALUES, values[i],
				   "a value already there in a full attribute: got %d %s",
				   err.status, err.detail);
		else
			unit_check(!ok && err.status == 400 && strstr(err.detail, "at most") != NULL,
				   values[i], "a new value in a full attribute: got %d %s",
				   err.status, err.detail);
		if (ok)
			patch_result_clear(&result);
		json_decref(body);
	}
	json_decref(doc);
}

static void test_result_clear(void)
{
	json_t *doc = json_pack("{s:s}", "userName", "a");
	json_t *body = json_pack("{s:[{s:s,s:s,s:s}]}", "Operations", "op", "add",
				 "path", "title", "value", "t");
	struct patch_result result;
	struct scim_error err;

	error_clear(&err);
	unit_check(patch_apply(doc, body, &resource_type_user, &result, &err) &&
		   result.doc != NULL, "result clear: apply", "%s", err.detail);
	patch_result_clear(&result);
	patch_result_clear(&result);
	unit_check(result.doc == NULL && result.member_changes == NULL,
		   "result clear: twice", "fields not reset");
	json_decref(doc);
	json_decref(body);
}

/* What an extension the tenant lacks carried, named: in a path, in a
 * pathless value's URN-qualified key and in its object. */
static void test_ignored(void)
{
	struct scim_error err = { 0 };
	struct patch_result result = { 0 };
	json_t *doc = unit_json(BJ);
	json_t *body = unit_json(OPS(
		"{'op':'replace','path':'urn:example:Custom:2.0:User:costCenter','value':'x'},"
		"{'op':'replace','value':{'urn:example:Custom:2.0:User:tier':'pro',"
		"'urn:example:Other:1.0:User':{'seat':'3A'},'displayName':'Babs'}}"));
	json_t *want = unit_json("['urn:example:Custom:2.0:User:costCenter',"
				 "'urn:example:Custom:2.0:User:tier','urn:example:Other:1.0:User:seat']");
	bool ok = patch_apply(doc, body, &resource_type_user, &result, &err);
	char *got = unit_json_dump(result.ignored);

	unit_check(ok && json_equal(result.ignored, want) && result.changed &&
		   strcmp(json_string_value(json_object_get(result.doc, "displayName")), "Babs") == 0,
		   "ignored extension attributes named", "%s %s", err.detail, got);
	free(got);
	patch_result_clear(&result);
	json_decref(doc);
	json_decref(body);
	json_decref(want);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_operation_limit();
	test_value_limit();
	test_result_clear();
	test_ignored();
	return unit_finish("patch");
}
