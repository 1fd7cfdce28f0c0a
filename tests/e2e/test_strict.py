"""Strict clients: every discovery response, resource, list and error
parses under a model of RFC 7643 that forbids unknown keys, as client
libraries that model the RFC exactly (Python's scim2-models) do. Nothing
at any level but what the RFCs define, or what a schema the response
lists declares (its attributes, from /Schemas)."""

from harness import GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, expect_status
from test_extensions import URN, _contoso_user, _tenant_with_contoso

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
COMMON = {"schemas", "id", "externalId", "meta"}
META = {"resourceType", "created", "lastModified", "location", "version"}
# RFC 7643 section 5, and RFC 9865's pagination.
SPC = {"schemas", "documentationUri", "patch", "bulk", "filter", "changePassword", "sort",
       "etag", "authenticationSchemes", "pagination", "meta"}
SPC_PARTS = {"patch": {"supported"}, "bulk": {"supported", "maxOperations", "maxPayloadSize"},
             "filter": {"supported", "maxResults"}, "changePassword": {"supported"},
             "sort": {"supported"}, "etag": {"supported"},
             "pagination": {"cursor", "index", "defaultPaginationMethod", "defaultPageSize",
                            "maxPageSize", "cursorTimeout"}}
AUTH_SCHEME = {"type", "name", "description", "specUri", "documentationUri", "primary"}
# RFC 7643 sections 6 and 7.
RESOURCE_TYPE = {"schemas", "id", "name", "description", "endpoint", "schema", "schemaExtensions",
                 "meta"}
SCHEMA = {"schemas", "id", "name", "description", "attributes", "meta"}
ATTRIBUTE = {"name", "type", "multiValued", "description", "required", "canonicalValues",
             "caseExact", "mutability", "returned", "uniqueness", "referenceTypes", "subAttributes"}
# RFC 7644 3.4.2 and 3.12.
LIST_KEYS = {"schemas", "totalResults", "Resources", "startIndex", "itemsPerPage", "nextCursor",
             "previousCursor"}
ERROR_KEYS = {"schemas", "status", "scimType", "detail"}


def _only(where, got, allowed):
    extra = set(got) - set(allowed)
    assert not extra, "%s: keys a strict model refuses: %s" % (where, sorted(extra))


def _schemas_by_id(client):
    r = expect_status(client.get("/Schemas"), 200)
    return {s["id"]: s for s in r.json["Resources"]}


def _check_value(where, value, attribute):
    """A value against its attribute's definition: a complex one's keys
    are its sub-attributes."""
    values = value if attribute.get("multiValued") and isinstance(value, list) else [value]
    for v in values:
        if attribute["type"] == "complex":
            assert isinstance(v, dict), "%s: not an object: %r" % (where, v)
            _only(where, v, {s["name"] for s in attribute.get("subAttributes", [])})


def _check_resource(where, resource, schemas, core):
    listed = resource.get("schemas", [])
    assert core in listed, "%s: schemas %r lack %s" % (where, listed, core)
    allowed = set(COMMON)
    for urn in listed:
        assert urn in schemas, "%s lists %s, which /Schemas does not serve" % (where, urn)
        if urn != core:
            allowed.add(urn)
    attrs = {a["name"]: a for a in schemas[core]["attributes"]}
    _only(where, resource, allowed | set(attrs))
    for key, value in resource.items():
        if key in attrs:
            _check_value("%s.%s" % (where, key), value, attrs[key])
        elif key in schemas and key != core:
            assert isinstance(value, dict), "%s.%s: not an object" % (where, key)
            ext = {a["name"]: a for a in schemas[key]["attributes"]}
            _only("%s.%s" % (where, key), value, ext)
            for name, v in value.items():
                _check_value("%s.%s:%s" % (where, key, name), v, ext[name])
    _only(where + ".meta", resource.get("meta", {}), META)


def test_discovery_parses_strictly(ctx):
    for client in (ctx.client, _tenant_with_contoso(ctx)):
        spc = expect_status(client.get("/ServiceProviderConfig"), 200).json
        _only("ServiceProviderConfig", spc, SPC)
        for part, keys in SPC_PARTS.items():
            _only("ServiceProviderConfig." + part, spc.get(part, {}), keys)
        for scheme in spc["authenticationSchemes"]:
            _only("authenticationSchemes[]", scheme, AUTH_SCHEME)
        types = expect_status(client.get("/ResourceTypes"), 200).json
        _only("ResourceTypes", types, LIST_KEYS)
        schemas = _schemas_by_id(client)
        for rt in types["Resources"]:
            _only("ResourceType " + rt["id"], rt, RESOURCE_TYPE)
            for ext in rt.get("schemaExtensions", []):
                _only("schemaExtensions[]", ext, {"schema", "required"})
                assert ext["schema"] in schemas, "%s is not served by /Schemas" % ext["schema"]
        for sid, schema in schemas.items():
            _only("Schema " + sid, schema, SCHEMA)
            for a in schema["attributes"]:
                _only("%s attribute %s" % (sid, a["name"]), a, ATTRIBUTE)
                for sub in a.get("subAttributes", []):
                    _only("%s attribute %s.%s" % (sid, a["name"], sub["name"]), sub, ATTRIBUTE)


def test_resources_lists_and_errors_parse_strictly(ctx):
    c = _tenant_with_contoso(ctx)
    schemas = _schemas_by_id(c)
    user = expect_status(c.post("/Users", dict(_contoso_user(ctx), emails=[
        {"type": "work", "value": "strict@example.com", "primary": True}],
        name={"givenName": "Strict", "familyName": "Model"}, active=True)), 201).json
    _check_resource("User", user, schemas, USER_SCHEMA)
    group = expect_status(c.post("/Groups", {"schemas": [GROUP_SCHEMA],
                                             "displayName": ctx.unique("strict-"),
                                             "members": [{"value": user["id"]}]}), 201).json
    _check_resource("Group", group, schemas, GROUP_SCHEMA)
    got = expect_status(c.get("/Users/" + user["id"]), 200).json
    _check_resource("GET User", got, schemas, USER_SCHEMA)
    assert URN in got["schemas"]
    r = expect_status(c.patch("/Groups/%s?attributes=members" % group["id"], {
        "schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove", "path": "members"}]}), 200)
    _check_resource("PATCH Group", r.json, schemas, GROUP_SCHEMA)
    for path in ("/Users", "/Groups", "/Users?filter=userName%20sw%20%22strict%22&count=1",
                 "/Users?count=1&cursor"):
        listing = expect_status(c.get(path), 200).json
        _only("ListResponse " + path, listing, LIST_KEYS)
        for resource in listing["Resources"]:
            core = USER_SCHEMA if path.startswith("/Users") else GROUP_SCHEMA
            _check_resource("ListResponse %s item" % path, resource, schemas, core)
    for method, path, body in (("GET", "/Users/00000000-0000-4000-8000-000000000000", None),
                               ("GET", "/Users?filter=userName%20zz%20%22x%22", None),
                               ("POST", "/Users", {"schemas": [USER_SCHEMA]}),
                               ("GET", "/Nowhere", None)):
        r = c.request(method, path, body)
        assert r.status >= 400, r
        _only("Error of %s %s" % (method, path), r.json, ERROR_KEYS)
        assert r.json["schemas"] == [ERROR], r.json
    r = c.get("/Users", token="scim_not-a-token")
    _only("Error 401", r.json, ERROR_KEYS)
