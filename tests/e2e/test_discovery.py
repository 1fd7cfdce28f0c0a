"""Discovery endpoints (RFC 7644 section 4), as Entra, Okta and strict clients read them."""

from harness import (ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA, expect_error,
                     expect_scim_json, expect_status)
from resources import is_int

SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

ATTRIBUTE_KEYS = ("name", "type", "multiValued", "required", "caseExact",
                  "mutability", "returned", "uniqueness")
TYPES = {"string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"}
MUTABILITY = {"readOnly", "readWrite", "immutable", "writeOnly"}
RETURNED = {"always", "never", "default", "request"}
UNIQUENESS = {"none", "server", "global"}


def _nulls(value, where=""):
    """Paths of every null inside a JSON value."""
    if value is None:
        return [where or "."]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, where + "." + k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, "%s[%d]" % (where, i))]
    return []


def _get_json(ctx, path):
    r = ctx.client.get(path)
    expect_status(r, 200, "GET " + path)
    expect_scim_json(r, "GET " + path)
    assert isinstance(r.json, dict), "expected a JSON object from %s, got %r" % (path, r.text[:200])
    nulls = _nulls(r.json)
    assert not nulls, "expected no null in %s, found nulls at %r" % (path, nulls)
    return r.json


def _list(ctx, path):
    j = _get_json(ctx, path)
    assert j.get("schemas") == [LIST_SCHEMA], "expected %s to be a ListResponse, got %r" % (path, j.get("schemas"))
    assert isinstance(j.get("Resources"), list), "expected Resources in %s, got %r" % (path, j)
    assert is_int(j.get("totalResults")) and j["totalResults"] == len(j["Resources"]), \
        "expected totalResults %d in %s, got %r" % (len(j["Resources"]), path, j.get("totalResults"))
    return j["Resources"]


def _by(resources, key, value):
    found = [r for r in resources if r.get(key) == value]
    assert len(found) == 1, "expected exactly one resource with %s %r, got %r" % (key, value, resources)
    return found[0]


def _attr(attrs, name):
    found = [a for a in attrs if a.get("name", "").lower() == name.lower()]
    assert len(found) == 1, "expected one attribute %r, got %r" % (name, [a.get("name") for a in attrs])
    return found[0]


# --- /ServiceProviderConfig --------------------------------------------------------

def test_service_provider_config(ctx):
    j = _get_json(ctx, "/ServiceProviderConfig")
    assert j.get("schemas") == [SPC], "expected schemas [%s], got %r" % (SPC, j.get("schemas"))
    assert "Resources" not in j and "totalResults" not in j, "expected a single resource, not a list: %r" % j
    assert j.get("patch", {}).get("supported") is True, "expected patch.supported true, got %r" % j.get("patch")
    flt = j.get("filter", {})
    assert flt.get("supported") is True, "expected filter.supported true, got %r" % flt
    assert is_int(flt.get("maxResults")) and flt["maxResults"] > 0, \
        "expected a positive integer filter.maxResults, got %r" % flt
    for feature in ("sort", "etag", "changePassword"):
        assert isinstance(j.get(feature, {}).get("supported"), bool), \
            "expected %s.supported as a boolean, got %r" % (feature, j.get(feature))
    bulk = j.get("bulk", {})
    assert isinstance(bulk.get("supported"), bool), "expected bulk.supported as a boolean, got %r" % bulk
    for key in ("maxOperations", "maxPayloadSize"):
        assert is_int(bulk.get(key)), "expected bulk.%s as an integer, got %r" % (key, bulk)
    schemes = j.get("authenticationSchemes")
    assert isinstance(schemes, list) and schemes, "expected authenticationSchemes, got %r" % schemes
    bearer = [s for s in schemes if s.get("type") == "oauthbearertoken"]
    assert bearer, "expected an authentication scheme of type oauthbearertoken, got %r" % schemes
    for key in ("name", "description"):
        assert isinstance(bearer[0].get(key), str) and bearer[0][key], \
            "expected the bearer scheme to have a %s, got %r" % (key, bearer[0])


# --- /ResourceTypes -----------------------------------------------------------------

def test_resource_types_list(ctx):
    resources = _list(ctx, "/ResourceTypes")
    user = _by(resources, "name", "User")
    assert user.get("endpoint") == "/Users", "expected User endpoint /Users, got %r" % user
    assert user.get("schema") == USER_SCHEMA, "expected User schema %s, got %r" % (USER_SCHEMA, user.get("schema"))
    assert user.get("schemas") == [RESOURCE_TYPE], "expected schemas [%s], got %r" % (RESOURCE_TYPE, user.get("schemas"))
    ext = user.get("schemaExtensions")
    assert isinstance(ext, list) and any(e.get("schema") == ENTERPRISE_SCHEMA for e in ext), \
        "expected the enterprise extension in schemaExtensions, got %r" % ext
    for e in ext:
        assert isinstance(e.get("required"), bool), "expected schemaExtensions[].required boolean, got %r" % e
    assert user.get("meta", {}).get("resourceType") == "ResourceType", \
        "expected meta.resourceType ResourceType, got %r" % user.get("meta")
    group = _by(resources, "name", "Group")
    assert group.get("endpoint") == "/Groups", "expected Group endpoint /Groups, got %r" % group
    assert group.get("schema") == GROUP_SCHEMA, "expected Group schema %s, got %r" % (GROUP_SCHEMA, group.get("schema"))


def test_resource_type_user_single(ctx):
    j = _get_json(ctx, "/ResourceTypes/User")
    assert "Resources" not in j, "expected a single resource, got a list %r" % j
    assert j.get("schemas") == [RESOURCE_TYPE], "expected schemas [%s], got %r" % (RESOURCE_TYPE, j.get("schemas"))
    assert j.get("name") == "User" and j.get("endpoint") == "/Users" and j.get("schema") == USER_SCHEMA, \
        "expected the User resource type, got %r" % j
    assert any(e.get("schema") == ENTERPRISE_SCHEMA for e in j.get("schemaExtensions", [])), \
        "expected the enterprise extension, got %r" % j.get("schemaExtensions")


def test_resource_type_unknown_is_404(ctx):
    r = ctx.client.get("/ResourceTypes/Printer")
    expect_error(r, 404)


# --- /Schemas -------------------------------------------------------------------------

def _check_attributes(attrs, where):
    assert isinstance(attrs, list) and attrs, "expected attributes in %s, got %r" % (where, attrs)
    for a in attrs:
        name = "%s.%s" % (where, a.get("name"))
        for key in ATTRIBUTE_KEYS:
            assert key in a, "expected %s to have %r, got %r" % (name, key, a)
        assert a["type"] in TYPES, "%s: unknown type %r" % (name, a["type"])
        for key in ("multiValued", "required", "caseExact"):
            assert isinstance(a[key], bool), "%s: expected %s boolean, got %r" % (name, key, a[key])
        assert a["mutability"] in MUTABILITY, "%s: bad mutability %r" % (name, a["mutability"])
        assert a["returned"] in RETURNED, "%s: bad returned %r" % (name, a["returned"])
        assert a["uniqueness"] in UNIQUENESS, "%s: bad uniqueness %r" % (name, a["uniqueness"])
        assert isinstance(a.get("description", ""), str), "%s: expected a string description" % name
        if a["type"] == "complex":
            _check_attributes(a.get("subAttributes"), name)
        if a["type"] == "reference":
            assert isinstance(a.get("referenceTypes"), list) and a["referenceTypes"], \
                "%s: expected referenceTypes on a reference, got %r" % (name, a)


def test_schemas_list(ctx):
    resources = _list(ctx, "/Schemas")
    user = _by(resources, "id", USER_SCHEMA)
    assert user.get("name") == "User", "expected the User schema's name User, got %r" % user.get("name")
    assert user.get("description") == "User Account", \
        "expected the User schema's description \"User Account\", got %r" % user.get("description")
    _by(resources, "id", ENTERPRISE_SCHEMA)
    _by(resources, "id", GROUP_SCHEMA)
    for s in resources:
        assert s.get("schemas") == [SCHEMA], "expected schemas [%s] on %s, got %r" % (SCHEMA, s.get("id"), s.get("schemas"))
        assert s.get("meta", {}).get("resourceType") == "Schema", \
            "expected meta.resourceType Schema on %s, got %r" % (s.get("id"), s.get("meta"))
        _check_attributes(s.get("attributes"), s.get("id"))


def test_user_schema_attribute_details(ctx):
    user = _by(_list(ctx, "/Schemas"), "id", USER_SCHEMA)
    attrs = user["attributes"]
    user_name = _attr(attrs, "userName")
    assert (user_name["required"], user_name["caseExact"], user_name["uniqueness"]) == (True, False, "server"), \
        "expected userName required, not caseExact, uniqueness server, got %r" % user_name
    password = _attr(attrs, "password")
    assert (password["mutability"], password["returned"]) == ("writeOnly", "never"), \
        "expected password writeOnly and returned never, got %r" % password
    assert _attr(attrs, "groups")["mutability"] == "readOnly", "expected groups readOnly"
    for name in ("name", "displayName", "title", "preferredLanguage", "active", "emails",
                 "phoneNumbers", "roles", "addresses"):
        _attr(attrs, name)
    email_type = _attr(_attr(attrs, "emails")["subAttributes"], "type")
    values = email_type.get("canonicalValues")
    assert isinstance(values, list) and {"work", "home", "other"} <= set(values), \
        "expected emails.type canonicalValues with work, home, other, got %r" % values
    assert _attr(attrs, "active")["type"] == "boolean", "expected active boolean"
    assert _attr(_attr(attrs, "roles")["subAttributes"], "primary")["type"] == "boolean", \
        "expected roles.primary boolean"


def test_user_schema_canonical_values_of_other_types(ctx):
    attrs = _by(_list(ctx, "/Schemas"), "id", USER_SCHEMA)["attributes"]
    expected = {"phoneNumbers": "work", "addresses": "work", "ims": "aim", "photos": "photo"}
    for name, member in expected.items():
        sub = _attr(_attr(attrs, name)["subAttributes"], "type")
        values = sub.get("canonicalValues")
        assert isinstance(values, list) and member in values, \
            "expected %s.type canonicalValues containing %r, got %r" % (name, member, values)


def test_enterprise_and_group_schema_attributes(ctx):
    resources = _list(ctx, "/Schemas")
    ent = _by(resources, "id", ENTERPRISE_SCHEMA)["attributes"]
    for name in ("employeeNumber", "costCenter", "organization", "division", "department"):
        assert _attr(ent, name)["type"] == "string", "expected enterprise %s as a string" % name
    manager = _attr(ent, "manager")
    assert manager["type"] == "complex" and manager["multiValued"] is False, \
        "expected manager single-valued complex, got %r" % manager
    _attr(manager["subAttributes"], "value")
    _attr(manager["subAttributes"], "$ref")
    group = _by(resources, "id", GROUP_SCHEMA)["attributes"]
    _attr(group, "displayName")
    members = _attr(group, "members")
    assert members["multiValued"] is True, "expected members multi-valued, got %r" % members
    _attr(members["subAttributes"], "value")


def test_schema_user_single(ctx):
    j = _get_json(ctx, "/Schemas/" + USER_SCHEMA)
    assert "Resources" not in j, "expected a single schema, got a list %r" % j
    assert j.get("id") == USER_SCHEMA and j.get("description") == "User Account", \
        "expected the User schema, got id %r description %r" % (j.get("id"), j.get("description"))
    _check_attributes(j.get("attributes"), USER_SCHEMA)
    ent = _get_json(ctx, "/Schemas/" + ENTERPRISE_SCHEMA)
    assert ent.get("id") == ENTERPRISE_SCHEMA, "expected the enterprise schema, got %r" % ent.get("id")


def test_schema_unknown_is_404(ctx):
    expect_error(ctx.client.get("/Schemas/urn:example:unknown:1.0:Thing"), 404)
