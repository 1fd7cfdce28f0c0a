/*
 * schema.c - the SCIM model: the static schema and resource type tables of
 * RFC 7643 (sections 4, 6, 7 and 8.7), attribute lookup and the discovery
 * representations served by /Schemas and /ResourceTypes. See schema.h.
 *
 * Characteristics follow RFC 7643 8.7.1; where the server deviates (Group
 * displayName is required and unique per tenant, members.display exists and
 * is readOnly) a comment says so at the table.
 */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * One attribute. Unnamed characteristics take the RFC 7643 2.2 defaults,
 * which are the zero values of struct attr_def: single-valued, not required,
 * not case-exact, readWrite, returned by default, no uniqueness.
 */
#define ATTR(n, t, d, ...) { .name = (n), .type = (t), .description = (d), __VA_ARGS__ }
#define ATTR_END { .name = NULL }

/* ---- canonical values and reference types ---- */

static const char *const email_types[] = { "work", "home", "other", NULL };
static const char *const phone_types[] = { "work", "home", "mobile", "fax",
					   "pager", "other", NULL };
static const char *const im_types[] = { "aim", "gtalk", "icq", "xmpp", "msn",
					"skype", "qq", "yahoo", NULL };
static const char *const photo_types[] = { "photo", "thumbnail", NULL };
static const char *const address_types[] = { "work", "home", "other", NULL };
static const char *const group_membership_types[] = { "direct", "indirect", NULL };
static const char *const member_types[] = { "User", "Group", NULL };

static const char *const ref_external[] = { "external", NULL };
static const char *const ref_uri[] = { "uri", NULL };
static const char *const ref_user[] = { "User", NULL };
static const char *const ref_user_group[] = { "User", "Group", NULL };

/* Shared wording of the display/type/primary sub-attributes (RFC 7643 2.4). */
#define DESC_DISPLAY "A human-readable name, primarily used for display purposes."
#define DESC_TYPE "A label indicating the attribute's function, e.g., 'work' or 'home'."
#define DESC_PRIMARY                                                          \
	"A Boolean value indicating the 'primary' or preferred attribute "    \
	"value for this attribute. The primary attribute value 'true' MUST "  \
	"appear no more than once."

/* ---- urn:ietf:params:scim:schemas:core:2.0:User ---- */

static const struct attr_def user_name_sub[] = {
	ATTR("formatted", ATTR_STRING,
	     "The full name, including all middle names, titles, and suffixes "
	     "as appropriate, formatted for display (e.g., 'Ms. Barbara J "
	     "Jensen, III')."),
	ATTR("familyName", ATTR_STRING,
	     "The family name of the User, or last name in most Western "
	     "languages (e.g., 'Jensen' given the full name 'Ms. Barbara J "
	     "Jensen, III')."),
	ATTR("givenName", ATTR_STRING,
	     "The given name of the User, or first name in most Western "
	     "languages (e.g., 'Barbara' given the full name 'Ms. Barbara J "
	     "Jensen, III')."),
	ATTR("middleName", ATTR_STRING,
	     "The middle name(s) of the User (e.g., 'Jane' given the full "
	     "name 'Ms. Barbara J Jensen, III')."),
	ATTR("honorificPrefix", ATTR_STRING,
	     "The honorific prefix(es) of the User, or title in most Western "
	     "languages (e.g., 'Ms.' given the full name 'Ms. Barbara J "
	     "Jensen, III')."),
	ATTR("honorificSuffix", ATTR_STRING,
	     "The honorific suffix(es) of the User, or suffix in most Western "
	     "languages (e.g., 'III' given the full name 'Ms. Barbara J "
	     "Jensen, III')."),
	ATTR_END,
};

static const struct attr_def user_emails_sub[] = {
	ATTR("value", ATTR_STRING,
	     "Email address for the User. The value SHOULD be canonicalized "
	     "by the service provider, e.g., 'bjensen@example.com' instead of "
	     "'bjensen@EXAMPLE.COM'."),
	ATTR("display", ATTR_STRING, DESC_DISPLAY),
	ATTR("type", ATTR_STRING, DESC_TYPE, .canonical_values = email_types),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

static const struct attr_def user_phone_numbers_sub[] = {
	ATTR("value", ATTR_STRING,
	     "Phone number of the User, preferably in the RFC 3966 format, "
	     "e.g., 'tel:+1-201-555-0123'."),
	ATTR("display", ATTR_STRING, DESC_DISPLAY),
	ATTR("type", ATTR_STRING,
	     "A label indicating the attribute's function, e.g., 'work', "
	     "'home', 'mobile'.",
	     .canonical_values = phone_types),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

static const struct attr_def user_ims_sub[] = {
	ATTR("value", ATTR_STRING, "Instant messaging address for the User."),
	ATTR("display", ATTR_STRING, DESC_DISPLAY),
	ATTR("type", ATTR_STRING,
	     "A label indicating the attribute's function, e.g., 'aim', "
	     "'gtalk', 'xmpp'.",
	     .canonical_values = im_types),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

static const struct attr_def user_photos_sub[] = {
	ATTR("value", ATTR_REFERENCE, "URL of a photo of the User.",
	     .reference_types = ref_external),
	ATTR("display", ATTR_STRING, DESC_DISPLAY),
	ATTR("type", ATTR_STRING,
	     "A label indicating the attribute's function, i.e., 'photo' or "
	     "'thumbnail'.",
	     .canonical_values = photo_types),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

static const struct attr_def user_addresses_sub[] = {
	ATTR("formatted", ATTR_STRING,
	     "The full mailing address, formatted for display or use with a "
	     "mailing label. This attribute MAY contain newlines."),
	ATTR("streetAddress", ATTR_STRING,
	     "The full street address component, which may include house "
	     "number, street name, P.O. box, and multi-line extended street "
	     "address information. This attribute MAY contain newlines."),
	ATTR("locality", ATTR_STRING, "The city or locality component."),
	ATTR("region", ATTR_STRING, "The state or region component."),
	ATTR("postalCode", ATTR_STRING, "The zip code or postal code component."),
	ATTR("country", ATTR_STRING, "The country name component."),
	ATTR("type", ATTR_STRING, DESC_TYPE, .canonical_values = address_types),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

/* groups is computed from group membership: every part of it is readOnly. */
static const struct attr_def user_groups_sub[] = {
	ATTR("value", ATTR_STRING, "The identifier of the User's group.",
	     .mutability = MUT_READ_ONLY),
	ATTR("$ref", ATTR_REFERENCE,
	     "The URI of the corresponding 'Group' resource to which the user "
	     "belongs.",
	     .mutability = MUT_READ_ONLY, .reference_types = ref_user_group),
	ATTR("display", ATTR_STRING, DESC_DISPLAY, .mutability = MUT_READ_ONLY),
	ATTR("type", ATTR_STRING,
	     "A label indicating the attribute's function, e.g., 'direct' or "
	     "'indirect'.",
	     .mutability = MUT_READ_ONLY,
	     .canonical_values = group_membership_types),
	ATTR_END,
};

static const struct attr_def user_entitlements_sub[] = {
	ATTR("value", ATTR_STRING, "The value of an entitlement."),
	ATTR("display", ATTR_STRING, DESC_DISPLAY),
	ATTR("type", ATTR_STRING, "A label indicating the attribute's function."),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

static const struct attr_def user_roles_sub[] = {
	ATTR("value", ATTR_STRING, "The value of a role."),
	ATTR("display", ATTR_STRING, DESC_DISPLAY),
	ATTR("type", ATTR_STRING, "A label indicating the attribute's function."),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

static const struct attr_def user_x509_certificates_sub[] = {
	ATTR("value", ATTR_BINARY, "The value of an X.509 certificate."),
	ATTR("display", ATTR_STRING, DESC_DISPLAY),
	ATTR("type", ATTR_STRING, "A label indicating the attribute's function."),
	ATTR("primary", ATTR_BOOLEAN, DESC_PRIMARY),
	ATTR_END,
};

static const struct attr_def user_attrs[] = {
	ATTR("userName", ATTR_STRING,
	     "Unique identifier for the User, typically used by the user to "
	     "directly authenticate to the service provider. Each User MUST "
	     "include a non-empty userName value. This identifier MUST be "
	     "unique across the service provider's entire set of Users. "
	     "REQUIRED.",
	     .required = true, .uniqueness = UNIQ_SERVER),
	ATTR("name", ATTR_COMPLEX,
	     "The components of the user's real name. Providers MAY return "
	     "just the full name as a single string in the formatted "
	     "sub-attribute, or they MAY return just the individual component "
	     "attributes using the other sub-attributes, or they MAY return "
	     "both.",
	     .sub_attrs = user_name_sub),
	ATTR("displayName", ATTR_STRING,
	     "The name of the User, suitable for display to end-users. The "
	     "name SHOULD be the full name of the User being described, if "
	     "known."),
	ATTR("nickName", ATTR_STRING,
	     "The casual way to address the user in real life, e.g., 'Bob' or "
	     "'Bobby' instead of 'Robert'."),
	ATTR("profileUrl", ATTR_REFERENCE,
	     "A fully qualified URL pointing to a page representing the "
	     "User's online profile.",
	     .reference_types = ref_external),
	ATTR("title", ATTR_STRING,
	     "The user's title, such as \"Vice President.\""),
	ATTR("userType", ATTR_STRING,
	     "Used to identify the relationship between the organization and "
	     "the user. Typical values used might be 'Contractor', "
	     "'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any "
	     "value may be used."),
	ATTR("preferredLanguage", ATTR_STRING,
	     "Indicates the User's preferred written or spoken language. "
	     "Generally used for selecting a localized user interface; e.g., "
	     "'en_US' specifies the language English and country US."),
	ATTR("locale", ATTR_STRING,
	     "Used to indicate the User's default location for purposes of "
	     "localizing items such as currency, date time format, or "
	     "numerical representations."),
	ATTR("timezone", ATTR_STRING,
	     "The User's time zone in the 'Olson' time zone database format, "
	     "e.g., 'America/Los_Angeles'."),
	ATTR("active", ATTR_BOOLEAN,
	     "A Boolean value indicating the User's administrative status."),
	ATTR("password", ATTR_STRING,
	     "The User's cleartext password. This attribute is intended to be "
	     "used as a means to specify an initial password when creating a "
	     "new User or to reset an existing User's password. It is never "
	     "returned.",
	     .mutability = MUT_WRITE_ONLY, .returned = RET_NEVER),
	ATTR("emails", ATTR_COMPLEX,
	     "Email addresses for the user. Canonical type values of 'work', "
	     "'home', and 'other'.",
	     .multi_valued = true, .sub_attrs = user_emails_sub),
	ATTR("phoneNumbers", ATTR_COMPLEX,
	     "Phone numbers for the User. Canonical type values of 'work', "
	     "'home', 'mobile', 'fax', 'pager', and 'other'.",
	     .multi_valued = true, .sub_attrs = user_phone_numbers_sub),
	ATTR("ims", ATTR_COMPLEX, "Instant messaging addresses for the User.",
	     .multi_valued = true, .sub_attrs = user_ims_sub),
	ATTR("photos", ATTR_COMPLEX, "URLs of photos of the User.",
	     .multi_valued = true, .sub_attrs = user_photos_sub),
	ATTR("addresses", ATTR_COMPLEX,
	     "A physical mailing address for this User. Canonical type values "
	     "of 'work', 'home', and 'other'.",
	     .multi_valued = true, .sub_attrs = user_addresses_sub),
	ATTR("groups", ATTR_COMPLEX,
	     "A list of groups to which the user belongs, either through "
	     "direct membership, through nested groups, or dynamically "
	     "calculated.",
	     .multi_valued = true, .mutability = MUT_READ_ONLY,
	     .sub_attrs = user_groups_sub),
	ATTR("entitlements", ATTR_COMPLEX,
	     "A list of entitlements for the User that represent a thing the "
	     "User has.",
	     .multi_valued = true, .sub_attrs = user_entitlements_sub),
	ATTR("roles", ATTR_COMPLEX,
	     "A list of roles for the User that collectively represent who the "
	     "User is, e.g., 'Student', 'Faculty'.",
	     .multi_valued = true, .sub_attrs = user_roles_sub),
	ATTR("x509Certificates", ATTR_COMPLEX,
	     "A list of certificates issued to the User.",
	     .multi_valued = true, .sub_attrs = user_x509_certificates_sub),
	ATTR_END,
};

const struct schema_def schema_user = {
	.urn = SCHEMA_URN_USER,
	.name = "User",
	.description = "User Account",
	.attrs = user_attrs,
};

/* ---- urn:ietf:params:scim:schemas:extension:enterprise:2.0:User ---- */

/* No sub-attribute of manager is required: clients set the manager in a
 * second request, and clear it with an empty value. */
static const struct attr_def enterprise_manager_sub[] = {
	ATTR("value", ATTR_STRING,
	     "The id of the SCIM resource representing the User's manager."),
	ATTR("$ref", ATTR_REFERENCE,
	     "The URI of the SCIM resource representing the User's manager.",
	     .reference_types = ref_user),
	ATTR("displayName", ATTR_STRING,
	     "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
	     .mutability = MUT_READ_ONLY),
	ATTR_END,
};

static const struct attr_def enterprise_user_attrs[] = {
	ATTR("employeeNumber", ATTR_STRING,
	     "Numeric or alphanumeric identifier assigned to a person, "
	     "typically based on order of hire or association with an "
	     "organization."),
	ATTR("costCenter", ATTR_STRING, "Identifies the name of a cost center."),
	ATTR("organization", ATTR_STRING, "Identifies the name of an organization."),
	ATTR("division", ATTR_STRING, "Identifies the name of a division."),
	ATTR("department", ATTR_STRING, "Identifies the name of a department."),
	ATTR("manager", ATTR_COMPLEX,
	     "The User's manager. A complex type that optionally allows "
	     "service providers to represent organizational hierarchy by "
	     "referencing the 'id' attribute of another User.",
	     .sub_attrs = enterprise_manager_sub),
	ATTR_END,
};

const struct schema_def schema_enterprise_user = {
	.urn = SCHEMA_URN_ENTERPRISE_USER,
	.name = "EnterpriseUser",
	.description = "Enterprise User",
	.attrs = enterprise_user_attrs,
};

/* ---- urn:ietf:params:scim:schemas:core:2.0:Group ---- */

/*
 * members.display is not in RFC 7643 8.7.1 but is described in 4.2 and sent
 * by clients; it is derived by the server, hence readOnly.
 */
static const struct attr_def group_members_sub[] = {
	ATTR("value", ATTR_STRING, "Identifier of the member of this Group.",
	     .mutability = MUT_IMMUTABLE),
	ATTR("$ref", ATTR_REFERENCE,
	     "The URI corresponding to a SCIM resource that is a member of "
	     "this Group.",
	     .mutability = MUT_IMMUTABLE, .reference_types = ref_user_group),
	ATTR("display", ATTR_STRING, DESC_DISPLAY, .mutability = MUT_READ_ONLY),
	ATTR("type", ATTR_STRING,
	     "A label indicating the type of resource, e.g., 'User' or "
	     "'Group'.",
	     .mutability = MUT_IMMUTABLE, .canonical_values = member_types),
	ATTR_END,
};

/*
 * RFC 7643 8.7.1 lists displayName as not required and not unique, but 4.2
 * calls it REQUIRED; this server requires it and keeps it unique per tenant
 * (case-insensitively), so it says so.
 */
static const struct attr_def group_attrs[] = {
	ATTR("displayName", ATTR_STRING,
	     "A human-readable name for the Group. REQUIRED.",
	     .required = true, .uniqueness = UNIQ_SERVER),
	ATTR("members", ATTR_COMPLEX, "A list of members of the Group.",
	     .multi_valued = true, .sub_attrs = group_members_sub),
	ATTR_END,
};

const struct schema_def schema_group = {
	.urn = SCHEMA_URN_GROUP,
	.name = "Group",
	.description = "Group",
	.attrs = group_attrs,
};

/* ---- common attributes (RFC 7643 3.1) ---- */

static const struct attr_def common_meta_sub[] = {
	ATTR("resourceType", ATTR_STRING,
	     "The name of the resource type of the resource.",
	     .case_exact = true, .mutability = MUT_READ_ONLY),
	ATTR("created", ATTR_DATETIME,
	     "The DateTime that the resource was added to the service "
	     "provider.",
	     .mutability = MUT_READ_ONLY),
	ATTR("lastModified", ATTR_DATETIME,
	     "The most recent DateTime that the details of this resource were "
	     "updated at the service provider.",
	     .mutability = MUT_READ_ONLY),
	ATTR("location", ATTR_REFERENCE, "The URI of the resource being returned.",
	     .case_exact = true, .mutability = MUT_READ_ONLY,
	     .reference_types = ref_uri),
	ATTR("version", ATTR_STRING, "The version of the resource being returned.",
	     .case_exact = true, .mutability = MUT_READ_ONLY),
	ATTR_END,
};

/* externalId is case-exact and deliberately not unique (RFC 7643 3.1). */
const struct attr_def schema_common_attrs[] = {
	ATTR("id", ATTR_STRING,
	     "A unique identifier for a SCIM resource as defined by the "
	     "service provider.",
	     .case_exact = true, .mutability = MUT_READ_ONLY,
	     .returned = RET_ALWAYS, .uniqueness = UNIQ_SERVER),
	ATTR("externalId", ATTR_STRING,
	     "A String that is an identifier for the resource as defined by "
	     "the provisioning client.",
	     .case_exact = true),
	ATTR("meta", ATTR_COMPLEX, "A complex attribute containing resource metadata.",
	     .mutability = MUT_READ_ONLY, .sub_attrs = common_meta_sub),
	ATTR_END,
};

/* ---- resource types ---- */

static const struct schema_def *const user_extensions[] = {
	&schema_enterprise_user,
	NULL,
};

static const struct schema_def *const no_extensions[] = { NULL };

const struct resource_type_def resource_type_user = {
	.name = "User",
	.endpoint = "/Users",
	.description = "User Account",
	.core = &schema_user,
	.extensions = user_extensions,
};

const struct resource_type_def resource_type_group = {
	.name = "Group",
	.endpoint = "/Groups",
	.description = "Group",
	.core = &schema_group,
	.extensions = no_extensions,
};

const struct schema_def *const schema_all[] = {
	&schema_user,
	&schema_enterprise_user,
	&schema_group,
	NULL,
};

const struct resource_type_def *const resource_type_all[] = {
	&resource_type_user,
	&resource_type_group,
	NULL,
};

/* ---- lookup ---- */

/* Does the len-delimited `text` equal the NUL-terminated `name`, ignoring case? */
static bool name_equal(const char *name, const char *text, size_t len)
{
	return strncasecmp(name, text, len) == 0 && name[len] == '\0';
}

const struct attr_def *schema_find_attr(const struct attr_def *attrs,
					const char *name, size_t len)
{
	const struct attr_def *a;

	if (attrs == NULL || name == NULL)
		return NULL;
	for (a = attrs; a->name != NULL; a++) {
		if (name_equal(a->name, name, len))
			return a;
	}
	return NULL;
}

const struct schema_def *schema_find(const struct resource_type_def *rt,
				     const char *urn, size_t len)
{
	const struct schema_def *const *ext;

	if (rt == NULL || urn == NULL)
		return NULL;
	if (name_equal(rt->core->urn, urn, len))
		return rt->core;
	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++) {
		if (name_equal((*ext)->urn, urn, len))
			return *ext;
	}
	return NULL;
}

const struct schema_def *schema_find_any(const char *urn, size_t len)
{
	const struct schema_def *const *s;

	if (urn == NULL)
		return NULL;
	for (s = schema_all; *s != NULL; s++) {
		if (name_equal((*s)->urn, urn, len))
			return *s;
	}
	return NULL;
}

/*
 * Without a URN a name is looked up in the core schema, then among the common
 * attributes (RFC 7643 3.10: unqualified names belong to the core schema).
 * With the core URN the common attributes are accepted too, since clients
 * qualify "id" and "meta" that way; an extension URN admits only its own.
 */
bool schema_resolve(const struct resource_type_def *rt, const char *urn,
		    const char *name, const char *sub, struct attr_path *out)
{
	const struct schema_def *schema = NULL;
	const struct attr_def *attr = NULL;
	const struct attr_def *sub_attr = NULL;

	memset(out, 0, sizeof(*out));
	if (rt == NULL || name == NULL)
		return false;

	if (urn != NULL) {
		schema = schema_find(rt, urn, strlen(urn));
		if (schema == NULL)
			return false;
	} else {
		schema = rt->core;
	}

	attr = schema_find_attr(schema->attrs, name, strlen(name));
	if (attr == NULL && schema == rt->core) {
		attr = schema_find_attr(schema_common_attrs, name, strlen(name));
		schema = NULL;
	}
	if (attr == NULL)
		return false;

	if (sub != NULL) {
		if (attr->type != ATTR_COMPLEX)
			return false;
		sub_attr = schema_find_attr(attr->sub_attrs, sub, strlen(sub));
		if (sub_attr == NULL)
			return false;
	}

	out->schema = schema;
	out->attr = attr;
	out->sub = sub_attr;
	return true;
}

/*
 * The URN must be followed by ':' and the attribute, or end the text. Of
 * several matching URNs the longest wins, so that no URN can shadow a longer
 * one that it prefixes.
 */
const struct schema_def *schema_split_urn(const struct resource_type_def *rt,
					  const char *text, size_t *name_offset)
{
	const struct schema_def *best = NULL;
	size_t best_offset = 0;
	size_t best_len = 0;
	size_t i;

	if (name_offset != NULL)
		*name_offset = 0;
	if (rt == NULL || text == NULL)
		return NULL;

	for (i = 0;; i++) {
		const struct schema_def *schema;
		size_t len;

		if (i == 0)
			schema = rt->core;
		else if (rt->extensions != NULL && rt->extensions[i - 1] != NULL)
			schema = rt->extensions[i - 1];
		else
			break;

		len = strlen(schema->urn);
		if (len <= best_len || strncasecmp(schema->urn, text, len) != 0)
			continue;
		if (text[len] == ':') {
			best_offset = len + 1;
		} else if (text[len] == '\0') {
			best_offset = len;
		} else {
			continue;
		}
		best = schema;
		best_len = len;
	}

	if (best != NULL && name_offset != NULL)
		*name_offset = best_offset;
	return best;
}

/* ---- discovery representations ---- */

static const char *type_name(enum attr_type type)
{
	switch (type) {
	case ATTR_STRING:
		return "string";
	case ATTR_BOOLEAN:
		return "boolean";
	case ATTR_DECIMAL:
		return "decimal";
	case ATTR_INTEGER:
		return "integer";
	case ATTR_DATETIME:
		return "dateTime";
	case ATTR_BINARY:
		return "binary";
	case ATTR_REFERENCE:
		return "reference";
	case ATTR_COMPLEX:
		return "complex";
	}
	return "string";
}

static const char *mutability_name(enum attr_mutability mutability)
{
	switch (mutability) {
	case MUT_READ_WRITE:
		return "readWrite";
	case MUT_READ_ONLY:
		return "readOnly";
	case MUT_IMMUTABLE:
		return "immutable";
	case MUT_WRITE_ONLY:
		return "writeOnly";
	}
	return "readWrite";
}

static const char *returned_name(enum attr_returned returned)
{
	switch (returned) {
	case RET_DEFAULT:
		return "default";
	case RET_ALWAYS:
		return "always";
	case RET_NEVER:
		return "never";
	case RET_REQUEST:
		return "request";
	}
	return "default";
}

static const char *uniqueness_name(enum attr_uniqueness uniqueness)
{
	switch (uniqueness) {
	case UNIQ_NONE:
		return "none";
	case UNIQ_SERVER:
		return "server";
	case UNIQ_GLOBAL:
		return "global";
	}
	return "none";
}

/* A JSON string that is never NULL: a NULL or non-UTF-8 text becomes "". */
static json_t *string_or_empty(const char *s)
{
	json_t *j = s != NULL ? json_string(s) : NULL;

	return j != NULL ? j : json_string("");
}

static json_t *string_list_to_json(const char *const *list)
{
	json_t *array = json_array();

	for (; *list != NULL; list++)
		json_array_append_new(array, string_or_empty(*list));
	return array;
}

/* "base_url" + "/" + section + "/" + id, without doubling a trailing '/'. */
static json_t *location_to_json(const char *base_url, const char *section,
				const char *id)
{
	size_t base_len = base_url != NULL ? strlen(base_url) : 0;
	char *text;
	json_t *j;

	while (base_len > 0 && base_url[base_len - 1] == '/')
		base_len--;
	if (asprintf(&text, "%.*s/%s/%s", (int)base_len,
		     base_len > 0 ? base_url : "", section, id) < 0)
		return json_string("");
	j = string_or_empty(text);
	free(text);
	return j;
}

static json_t *attrs_to_json(const struct attr_def *attrs);

static json_t *attr_to_json(const struct attr_def *a)
{
	json_t *j = json_object();

	json_object_set_new(j, "name", string_or_empty(a->name));
	json_object_set_new(j, "type", json_string(type_name(a->type)));
	json_object_set_new(j, "multiValued", json_boolean(a->multi_valued));
	json_object_set_new(j, "description", string_or_empty(a->description));
	json_object_set_new(j, "required", json_boolean(a->required));
	json_object_set_new(j, "caseExact", json_boolean(a->case_exact));
	json_object_set_new(j, "mutability",
			    json_string(mutability_name(a->mutability)));
	json_object_set_new(j, "returned", json_string(returned_name(a->returned)));
	json_object_set_new(j, "uniqueness",
			    json_string(uniqueness_name(a->uniqueness)));
	if (a->canonical_values != NULL)
		json_object_set_new(j, "canonicalValues",
				    string_list_to_json(a->canonical_values));
	if (a->reference_types != NULL)
		json_object_set_new(j, "referenceTypes",
				    string_list_to_json(a->reference_types));
	if (a->type == ATTR_COMPLEX && a->sub_attrs != NULL)
		json_object_set_new(j, "subAttributes", attrs_to_json(a->sub_attrs));
	return j;
}

static json_t *attrs_to_json(const struct attr_def *attrs)
{
	json_t *array = json_array();

	for (; attrs->name != NULL; attrs++)
		json_array_append_new(array, attr_to_json(attrs));
	return array;
}

json_t *schema_to_json(const struct schema_def *schema, const char *base_url)
{
	json_t *j = json_object();
	json_t *meta = json_object();

	json_object_set_new(j, "schemas",
			    json_pack("[s]", "urn:ietf:params:scim:schemas:core:2.0:Schema"));
	json_object_set_new(j, "id", string_or_empty(schema->urn));
	json_object_set_new(j, "name", string_or_empty(schema->name));
	json_object_set_new(j, "description", string_or_empty(schema->description));
	json_object_set_new(j, "attributes", attrs_to_json(schema->attrs));
	json_object_set_new(meta, "resourceType", json_string("Schema"));
	json_object_set_new(meta, "location",
			    location_to_json(base_url, "Schemas", schema->urn));
	json_object_set_new(j, "meta", meta);
	return j;
}

json_t *resource_type_to_json(const struct resource_type_def *rt,
			      const char *base_url)
{
	json_t *j = json_object();
	json_t *meta = json_object();
	const struct schema_def *const *ext;

	json_object_set_new(j, "schemas",
			    json_pack("[s]", "urn:ietf:params:scim:schemas:core:2.0:ResourceType"));
	json_object_set_new(j, "id", string_or_empty(rt->name));
	json_object_set_new(j, "name", string_or_empty(rt->name));
	json_object_set_new(j, "endpoint", string_or_empty(rt->endpoint));
	json_object_set_new(j, "description", string_or_empty(rt->description));
	json_object_set_new(j, "schema", string_or_empty(rt->core->urn));
	if (rt->extensions != NULL && rt->extensions[0] != NULL) {
		json_t *list = json_array();

		for (ext = rt->extensions; *ext != NULL; ext++)
			json_array_append_new(list,
					      json_pack("{s:s,s:b}", "schema", (*ext)->urn,
							"required", rt->extension_required != NULL &&
							rt->extension_required[ext - rt->extensions]));
		json_object_set_new(j, "schemaExtensions", list);
	}
	json_object_set_new(meta, "resourceType", json_string("ResourceType"));
	json_object_set_new(meta, "location",
			    location_to_json(base_url, "ResourceTypes", rt->name));
	json_object_set_new(j, "meta", meta);
	return j;
}
