"""Schema extensions an administrator defines for a tenant (scimctl schema
load/list/show/remove): read in the format of RFC 7643 section 7, refused
with the JSON path of a problem, stored with the unique indexes of their
server-unique attributes, and removed only with their values."""

import json
import os
import tempfile

URN = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User"


def contoso_schema(urn=URN, **changes):
    """Every type an extension may use; changes replace attributes by name."""
    attributes = [
        {"name": "costCenter", "type": "string", "caseExact": False},
        {"name": "employeeId", "type": "string", "uniqueness": "server"},
        {"name": "badgeCode", "type": "string", "caseExact": True, "uniqueness": "server"},
        {"name": "licenseTier", "type": "string", "canonicalValues": ["basic", "pro"]},
        {"name": "isContractor", "type": "boolean"},
        {"name": "seats", "type": "integer"},
        {"name": "rate", "type": "decimal"},
        {"name": "hired", "type": "dateTime"},
        {"name": "sponsor", "type": "reference", "referenceTypes": ["User"]},
        {"name": "photo", "type": "binary"},
        {"name": "tags", "type": "string", "multiValued": True},
        {"name": "projects", "type": "complex", "multiValued": True, "subAttributes": [
            {"name": "code", "type": "string", "required": True},
            {"name": "hours", "type": "integer"}]},
    ]
    for name, value in changes.items():
        attributes = [a for a in attributes if a["name"] != name] + ([value] if value else [])
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": urn,
            "name": "ContosoUser", "description": "What Contoso keeps of a user",
            "attributes": attributes}


def load(ctx, tenant, schema, *options):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(schema, f) if not isinstance(schema, str) else f.write(schema)
    try:
        return ctx.scimctl("schema", "load", tenant, f.name, *options)
    finally:
        os.unlink(f.name)


def _schema_version(ctx, c):
    return int(ctx.psql("SELECT schema_version FROM tenants WHERE tenant_id = '%s'" % c.tenant_id))


def test_load_list_show_and_remove(ctx):
    c = ctx.new_tenant()
    version = _schema_version(ctx, c)
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "user")
    assert code == 0, err
    assert out == 'loaded %s for the users of tenant "%s": 12 attributes; unique: employeeId, ' \
        'badgeCode\n' % (URN, c.tenant), out
    assert _schema_version(ctx, c) > version, "the workers are told"
    indexes = ctx.psql("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'scim_ext_%%' AND "
                       "indexdef LIKE '%%%s%%'" % c.tenant_id).splitlines()
    assert len(indexes) == 2 and all("UNIQUE" in i for i in indexes), indexes
    assert any("scim_fold" in i and "employeeId" in i for i in indexes), indexes
    assert any("scim_fold" not in i and "badgeCode" in i for i in indexes), indexes

    code, out, err = ctx.scimctl("schema", "list", c.tenant)
    assert code == 0 and out.splitlines()[1].split("\t")[:5] == \
        [c.tenant, URN, "User", "no", "12"], out
    code, out, err = ctx.scimctl("schema", "show", c.tenant, URN.lower())
    assert code == 0 and json.loads(out) == contoso_schema(), out
    assert err == "extends the tenant's users\n", err

    # Loaded again, required now: replaced, the same indexes.
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "User", "--required")
    assert code == 0 and out.startswith("replaced %s" % URN) and ", required;" in out, (out, err)
    code, out, err = ctx.scimctl("schema", "list")
    assert "%s\t%s\tUser\tyes\t12\t" % (c.tenant, URN) in out, out

    code, out, err = ctx.scimctl("schema", "remove", c.tenant, URN)
    assert (code, out) == (0, 'removed %s from tenant "%s"\n' % (URN, c.tenant)), (out, err)
    assert ctx.psql("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'scim_ext_%%' AND "
                    "indexdef LIKE '%%%s%%'" % c.tenant_id).strip() == "0"
    code, out, err = ctx.scimctl("schema", "remove", c.tenant, URN)
    assert code == 1 and err == 'scimctl schema remove: tenant "%s" has no extension %s\n' % (
        c.tenant, URN), err


def test_a_schema_file_is_refused_with_the_path_of_its_problem(ctx):
    c = ctx.new_tenant()
    cases = [
        ('{"id": "urn:x:y", "attributes": [', "line 1, column 33: "),
        (contoso_schema(seats={"name": "seats", "type": "int"}),
         'attributes[11].type: "int" is not one of string, boolean, decimal, integer, dateTime, '
         'reference, binary, complex'),
        (contoso_schema(projects={"name": "projects", "type": "complex", "subAttributes": [
            {"name": "code", "mutablity": "readOnly"}]}),
         "attributes[11].subAttributes[0].mutablity: not an attribute characteristic of RFC 7643 "
         "section 7"),
        (contoso_schema(urn="urn:ietf:params:scim:schemas:core:2.0:User"),
         "id: urn:ietf:params:scim:schemas:core:2.0:User is a schema of RFC 7643 or 7644, not an "
         "extension"),
        (contoso_schema(employeeId={"name": "employeeId", "uniqueness": "global"}),
         'attributes[11].uniqueness: "global" cannot be enforced by one service provider'),
    ]
    for schema, detail in cases:
        code, out, err = load(ctx, c.tenant, schema, "--resource-type", "User")
        assert code == 1 and err.startswith("scimctl schema load: ") and detail in err, (detail, err)
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "Device")
    assert code == 2 and "--resource-type: User or Group" in err, err
    code, out, err = load(ctx, "no-such-tenant-" + ctx.unique(), contoso_schema(),
                          "--resource-type", "User")
    assert code == 1 and "no tenant" in err, err
    code, out, err = ctx.scimctl("schema", "list", c.tenant)
    assert out.count("\n") == 1, "nothing was loaded: %r" % out


def test_an_extension_extends_one_resource_type(ctx):
    c = ctx.new_tenant()
    assert load(ctx, c.tenant, contoso_schema(), "--resource-type", "User")[0] == 0
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "Group")
    assert code == 1 and "extends the tenant's User already: remove it first" in err, err
    code, out, err = load(ctx, c.tenant, contoso_schema(urn=URN.upper().replace("URN:", "urn:")),
                          "--resource-type", "User")
    assert code == 1 and "differs only in case" in err, err


# ---- served, stored, filtered and patched like the core --------------------

import base64  # noqa: E402
import threading  # noqa: E402

from harness import PATCH_SCHEMA, USER_SCHEMA, expect_error, expect_status, q  # noqa: E402


def _tenant_with_contoso(ctx, *options):
    c = ctx.new_tenant()
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "User", *options)
    assert code == 0, err
    return c


def _contoso_user(ctx, **values):
    body = {"schemas": [USER_SCHEMA, URN], "userName": ctx.unique("ext.") + "@example.com",
            URN: {"costCenter": "CC-1", "employeeId": ctx.unique("E-"), "licenseTier": "pro",
                  "isContractor": "True", "seats": 3, "rate": 12.5, "hired": "2026-01-02T03:04:05Z",
                  "sponsor": "https://example.com/Users/1",
                  "photo": base64.b64encode(b"\x89PNG").decode(), "tags": ["a", "b"],
                  "projects": [{"code": "P1", "hours": 10}]}}
    body[URN].update(values)
    return body


def test_the_tenants_discovery_shows_its_extension_and_no_other_tenants(ctx):
    a = _tenant_with_contoso(ctx)
    b = ctx.new_tenant()
    r = expect_status(a.get("/Schemas"), 200)
    assert URN in [s["id"] for s in r.json["Resources"]], r.json
    served = expect_status(a.get("/Schemas/" + URN), 200).json
    assert [x["name"] for x in served["attributes"]] == [x["name"] for x in contoso_schema()["attributes"]]
    rt = expect_status(a.get("/ResourceTypes/User"), 200).json
    assert {"schema": URN, "required": False} in rt["schemaExtensions"], rt
    for other in (b, None):
        client = b if other is b else ctx.client
        r = expect_status(client.get("/Schemas", token=None) if other is None else client.get("/Schemas"), 200)
        assert URN not in [s["id"] for s in r.json["Resources"]], "tenant A's extension is A's"
        expect_error(client.get("/Schemas/" + URN, **({"token": None} if other is None else {})), 404)
    expect_error(a.get("/Schemas", token="scim_not-a-token"), 401)


def test_values_of_every_type_round_trip(ctx):
    c = _tenant_with_contoso(ctx)
    body = _contoso_user(ctx)
    r = expect_status(c.post("/Users", body), 201)
    got = r.json[URN]
    assert URN in r.json["schemas"], r.json["schemas"]
    assert got["isContractor"] is False or got["isContractor"] is True
    assert got["isContractor"] is True, "Entra's string boolean coerced"
    for key in ("costCenter", "employeeId", "licenseTier", "seats", "rate", "sponsor", "photo",
                "tags", "projects"):
        assert got[key] == body[URN][key], (key, got)
    assert got["hired"].startswith("2026-01-02T03:04:05"), got
    again = expect_status(c.get("/Users/" + r.json["id"]), 200).json
    assert again[URN] == got
    # A user without the extension's values does not list it.
    plain = expect_status(c.post("/Users", {"schemas": [USER_SCHEMA],
                                            "userName": ctx.unique("p.") + "@example.com"}), 201)
    assert URN not in plain.json["schemas"] and URN not in plain.json
    # Wrong types are refused like the core's.
    for wrong in ({"seats": "many"}, {"isContractor": "perhaps"}, {"hired": "yesterday"},
                  {"projects": [{"hours": 1}]}):
        expect_error(c.post("/Users", _contoso_user(ctx, **wrong)), 400, "invalidValue")


def test_filters_patches_and_projection_with_urn_paths(ctx):
    c = _tenant_with_contoso(ctx)
    body = _contoso_user(ctx, badgeCode="B-1")
    uid = expect_status(c.post("/Users", body), 201).json["id"]
    eid = body[URN]["employeeId"]
    for filt, found in ((URN + ":employeeId eq \"%s\"" % eid, True),
                        (URN + ":employeeId eq \"%s\"" % eid.lower(), True),
                        (URN + ":badgeCode eq \"b-1\"", False),
                        (URN + ":badgeCode eq \"B-1\"", True),
                        (URN + ":costCenter sw \"cc\"", True),
                        (URN + ":seats gt 2 and " + URN + ":rate le 12.5", True),
                        (URN + ":seats gt 3", False),
                        (URN + ":projects[hours ge 10]", True),
                        (URN + ":hired gt \"2026-01-02T04:04:05+02:00\"", True),
                        (URN + ":hired eq \"2026-01-02T03:04:05.000Z\"", True),
                        (URN + ":hired lt \"2026-01-02T03:04:05Z\"", False),
                        (URN + ":projects[code eq \"P1\"]", True),
                        (URN + ":isContractor eq false", False)):
        r = expect_status(c.get("/Users?filter=" + q(filt)), 200)
        ids = [x["id"] for x in r.json["Resources"]]
        assert (uid in ids) == found, (filt, r.json)
    # Entra's PATCH forms: a URN path, a pathless URN-qualified key, and the
    # extension's object (with a schemas key of its own).
    ops = [{"op": "replace", "path": URN + ":costCenter", "value": "CC-2"},
           {"op": "replace", "value": {URN + ":licenseTier": "basic"}},
           {"op": "add", "value": {URN: {"schemas": [URN], "seats": "7"}}}]
    r = expect_status(c.patch("/Users/" + uid, {"schemas": [PATCH_SCHEMA], "Operations": ops}), 200)
    assert (r.json[URN]["costCenter"], r.json[URN]["licenseTier"], r.json[URN]["seats"]) == \
        ("CC-2", "basic", 7), r.json[URN]
    # A value filter in a URN path (Entra and Okta send them for roles and
    # emails; an extension's complex attribute takes them alike).
    ops = [{"op": "replace", "path": URN + ':projects[code eq "P1"].hours', "value": 20},
           {"op": "add", "path": URN + ":projects", "value": [{"code": "P2", "hours": 1}]}]
    r = expect_status(c.patch("/Users/" + uid, {"schemas": [PATCH_SCHEMA], "Operations": ops}), 200)
    assert r.json[URN]["projects"] == [{"code": "P1", "hours": 20}, {"code": "P2", "hours": 1}], r.json[URN]
    r = expect_status(c.get("/Users/%s?attributes=%s:costCenter" % (uid, URN)), 200)
    assert r.json[URN] == {"costCenter": "CC-2"} and "userName" not in r.json, r.json
    r = expect_status(c.get("/Users/%s?excludedAttributes=%s" % (uid, URN)), 200)
    assert URN not in r.json, r.json
    # Sorted by an extension's attribute: numbers as numbers, text as text.
    d = ctx.new_tenant()
    assert load(ctx, d.tenant, contoso_schema(), "--resource-type", "User")[0] == 0
    for seats, center in ((10, "b"), (9, "C"), (-2, "a"), (100, "D")):
        expect_status(d.post("/Users", _contoso_user(ctx, seats=seats, costCenter=center)), 201)
    r = expect_status(d.get("/Users?sortBy=%s:seats" % URN), 200)
    assert [u[URN]["seats"] for u in r.json["Resources"]] == [-2, 9, 10, 100], r.json
    r = expect_status(d.get("/Users?sortBy=%s:costCenter&sortOrder=descending" % URN), 200)
    assert [u[URN]["costCenter"] for u in r.json["Resources"]] == ["D", "C", "b", "a"], r.json
    # PUT keeps what it is sent, and drops what it is not.
    put = dict(body)
    put[URN] = {"costCenter": "CC-3"}
    r = expect_status(c.put("/Users/" + uid, put), 200)
    assert r.json[URN] == {"costCenter": "CC-3"}, r.json


def test_a_required_extension_is_required(ctx):
    c = _tenant_with_contoso(ctx, "--required")
    rt = expect_status(c.get("/ResourceTypes/User"), 200).json
    assert {"schema": URN, "required": True} in rt["schemaExtensions"], rt
    r = expect_error(c.post("/Users", {"schemas": [USER_SCHEMA],
                                       "userName": ctx.unique("r.") + "@example.com"}), 400,
                     "invalidValue")
    assert URN in r["detail"], r
    body = _contoso_user(ctx)
    del body[URN]["licenseTier"]
    expect_status(c.post("/Users", body), 201)
    # licenseTier is not required; projects' code is, within a project.
    expect_error(c.post("/Users", _contoso_user(ctx, projects=[{"hours": 2}])), 400)


def test_a_uniqueness_race_on_a_server_unique_attribute_has_one_winner(ctx):
    c = _tenant_with_contoso(ctx)
    eid = ctx.unique("E-")
    answers = []
    lock = threading.Lock()

    def create(i):
        r = c.post("/Users", _contoso_user(ctx, employeeId=eid if i % 2 else eid.lower()))
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in answers)
    assert statuses == [201] + [409] * 7, statuses
    for r in answers:
        if r.status == 409:
            assert r.json["scimType"] == "uniqueness" and \
                r.json["detail"] == "%s:employeeId is already taken" % URN, r.json


def test_another_tenants_writes_ignore_the_extension_and_the_log_says_so(ctx):
    b = ctx.new_tenant()
    r = expect_status(b.post("/Users", _contoso_user(ctx)), 201)
    assert URN not in r.json and URN not in r.json["schemas"], r.json
    attributes = ctx.psql("SELECT attributes FROM provisioning_log WHERE resource_id = '%s'"
                          % r.json["id"]).strip()
    assert "ignored: %s:costCenter" % URN in attributes, attributes
    ops = [{"op": "replace", "path": URN + ":costCenter", "value": "CC-9"},
           {"op": "replace", "path": "displayName", "value": "Shown"}]
    r2 = expect_status(b.patch("/Users/" + r.json["id"], {"schemas": [PATCH_SCHEMA], "Operations": ops}), 200)
    assert r2.json["displayName"] == "Shown" and URN not in r2.json
    rows = ctx.psql("SELECT attributes FROM provisioning_log WHERE resource_id = '%s' AND action = "
                    "'modified'" % r.json["id"]).strip()
    assert "ignored: %s:costCenter" % URN in rows and "displayName" in rows, rows


def test_a_change_of_the_extension_is_seen_at_once_and_values_go_with_it(ctx):
    c = _tenant_with_contoso(ctx)
    floor = {"name": "floor", "type": "integer"}
    body = _contoso_user(ctx, floor=3)
    r = expect_status(c.post("/Users", body), 201)
    assert "floor" not in r.json[URN], "not in the extension yet"
    assert load(ctx, c.tenant, contoso_schema(floor=floor), "--resource-type", "User")[0] == 0
    r = expect_status(c.post("/Users", _contoso_user(ctx, floor=3)), 201)
    assert r.json[URN]["floor"] == 3, "the next request sees the new attribute: %r" % r.json[URN]
    code, out, err = ctx.scimctl("schema", "remove", c.tenant, URN)
    assert code == 1 and "2 users of tenant" in err and "--drop-values" in err, err
    code, out, err = ctx.scimctl("schema", "remove", c.tenant, URN, "--drop-values")
    assert code == 0 and "with its values in 2 resources" in out, (out, err)
    r = expect_status(c.get("/Users/" + r.json["id"]), 200)
    assert URN not in r.json and URN not in r.json["schemas"] and \
        r.json["meta"]["version"] != "W/\"1\"", r.json


# ---- strict clients ----------------------------------------------------------

SPC_KEYS = {"schemas", "documentationUri", "patch", "bulk", "filter", "changePassword", "sort",
            "etag", "authenticationSchemes", "pagination", "meta"}


def test_service_provider_config_has_only_what_the_rfcs_define(ctx):
    r = expect_status(ctx.client.get("/ServiceProviderConfig"), 200)
    assert set(r.json) <= SPC_KEYS, "keys a strict model refuses: %s" % (set(r.json) - SPC_KEYS)
    assert r.json["bulk"]["maxPayloadSize"] > 0 and r.json["filter"]["maxResults"] > 0


def test_a_value_filter_in_attributes_returns_the_attribute(ctx):
    c = ctx.new_tenant()
    body = {"schemas": [USER_SCHEMA], "userName": ctx.unique("vf.") + "@example.com",
            "displayName": "Shown",
            "emails": [{"type": "work", "value": "w@example.com"}, {"type": "home", "value": "h@example.com"}]}
    uid = expect_status(c.post("/Users", body), 201).json["id"]
    r = expect_status(c.get("/Users/%s?attributes=%s" % (uid, q('emails[type eq "work"]'))), 200)
    assert [e["value"] for e in r.json.get("emails", [])] == ["w@example.com", "h@example.com"], r.json
    assert "displayName" not in r.json, r.json
    r = expect_status(c.get("/Users/%s?attributes=%s" % (uid, q('emails[type eq "work"].value'))), 200)
    assert r.json.get("emails") == [{"value": "w@example.com"}, {"value": "h@example.com"}], r.json


def test_returned_and_mutability_of_an_extensions_attributes(ctx):
    c = ctx.new_tenant()
    urn = "urn:ietf:params:scim:schemas:extension:Vault:2.0:User"
    schema = {"id": urn, "attributes": [
        {"name": "pin", "type": "string", "mutability": "writeOnly", "returned": "never"},
        {"name": "auditNote", "type": "string", "returned": "never"},
        {"name": "internalNote", "type": "string", "returned": "request"},
        {"name": "shown", "type": "string", "returned": "always"},
        {"name": "computed", "type": "string", "mutability": "readOnly"},
        {"name": "badge", "type": "string", "mutability": "immutable"}]}
    assert load(ctx, c.tenant, schema, "--resource-type", "User")[0] == 0
    body = {"schemas": [USER_SCHEMA, urn], "userName": ctx.unique("v.") + "@example.com",
            urn: {"pin": "1234", "auditNote": "n", "internalNote": "i", "shown": "s",
                  "computed": "client says"}}
    r = expect_status(c.post("/Users", body), 201)
    assert r.json[urn] == {"shown": "s"}, "never, writeOnly and request stay out: %r" % r.json
    stored = ctx.psql("SELECT doc -> '%s' FROM users WHERE id = '%s'" % (urn, r.json["id"])).strip()
    stored = __import__("json").loads(stored)
    assert stored == {"pin": "1234", "auditNote": "n", "internalNote": "i", "shown": "s"}, \
        "a writeOnly value is kept; a readOnly one a client sent is not: %r" % stored
    got = expect_status(c.get("/Users/%s?attributes=%s:internalNote" % (r.json["id"], urn)), 200)
    assert got.json[urn] == {"internalNote": "i"}, got.json
    found = expect_status(c.get("/Users?filter=%s" % q(urn + ':pin eq "1234"')), 200)
    assert found.json["totalResults"] == 0, "a value never returned is not filtered on either"
    # immutable: set once, then kept (RFC 7644 3.5.1).
    uid = r.json["id"]
    put = dict(body, **{urn: {"shown": "s", "badge": "A"}})
    assert expect_status(c.put("/Users/" + uid, put), 200).json[urn]["badge"] == "A"
    put[urn] = {"shown": "s", "badge": "B"}
    expect_error(c.put("/Users/" + uid, put), 400, "mutability")
    put[urn] = {"shown": "t"}
    assert expect_status(c.put("/Users/" + uid, put), 200).json[urn] == {"shown": "t", "badge": "A"}
    expect_error(c.patch("/Users/" + uid, {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": urn + ":badge", "value": "B"}]}), 400, "mutability")


def test_review_guards(ctx):
    """What would let a value that is never returned show, and what a
    required extension must not break."""
    c = ctx.new_tenant()
    for attr, detail in (({"name": "creds", "type": "complex", "subAttributes": [
                            {"name": "secret", "type": "string", "returned": "never"}]},
                          "attributes[12].subAttributes[0].returned: \"never\" is for a single-valued"),
                         ({"name": "codes", "type": "string", "multiValued": True,
                           "mutability": "writeOnly"},
                          "attributes[12].mutability: \"writeOnly\" is for a single-valued"),
                         ({"name": "scores", "type": "integer", "multiValued": True},
                          "attributes[12].multiValued: a multi-valued number is not supported")):
        code, out, err = load(ctx, c.tenant, contoso_schema(extra=attr), "--resource-type", "User")
        assert code == 1 and detail in err, (detail, err)
    # Users made before the extension became required can still be patched
    # (Entra disables them so).
    uid = expect_status(c.post("/Users", {"schemas": [USER_SCHEMA],
                                          "userName": ctx.unique("before.") + "@example.com"}), 201).json["id"]
    assert load(ctx, c.tenant, contoso_schema(pin={"name": "pin", "type": "string", "returned": "never"}),
                "--resource-type", "User", "--required")[0] == 0
    expect_status(c.patch("/Users/" + uid, {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": "active", "value": False}]}), 200)
    expect_error(c.get("/Users?sortBy=%s:pin" % URN), 400, "invalidValue")
