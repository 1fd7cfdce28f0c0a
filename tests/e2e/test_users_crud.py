"""User create, read, replace and delete, with the enterprise extension and
the attributes the applications behind the endpoint map (iProva, Zenya,
BenQ IAM, Samanage)."""

import time
import uuid

from harness import ENTERPRISE_SCHEMA, USER_SCHEMA, expect_error, expect_scim_json, expect_status
from resources import create_user, patch_body, patch_user, resource_ids, search_users, user_body


def _user(ctx, **extra):
    return user_body(ctx, "crud.user", **extra)


def _with_etag(r):
    """The user r holds, whose ETag is its meta.version."""
    expect_scim_json(r)
    assert r.headers.get("etag") == r.json["meta"]["version"], \
        "expected ETag %r, got %r" % (r.json["meta"]["version"], r.headers.get("etag"))
    return r.json


def _get(c, uid):
    return _with_etag(expect_status(c.get("/Users/" + uid), 200, "GET /Users/" + uid))


def _put(c, uid, body):
    return _with_etag(expect_status(c.put("/Users/" + uid, body), 200, "PUT /Users/" + uid))


def _search(c, filt):
    return resource_ids(search_users(c, filt))


def _check_enterprise(u, expected, manager_id, what):
    ent = u.get(ENTERPRISE_SCHEMA)
    assert isinstance(ent, dict), "%s: expected the enterprise extension, got %r" % (what, u)
    for key, value in expected.items():
        assert ent.get(key) == value, "%s: expected %s %r, got %r" % (what, key, value, ent.get(key))
    m = ent.get("manager")
    assert isinstance(m, dict) and m.get("value") == manager_id, \
        "%s: expected manager.value %r, got %r" % (what, manager_id, m)
    assert isinstance(m.get("$ref"), str) and m["$ref"].endswith("/Users/" + manager_id), \
        "%s: expected manager.$ref ending in /Users/%s, got %r" % (what, manager_id, m)
    assert ENTERPRISE_SCHEMA in u.get("schemas", []), \
        "%s: expected %s in schemas, got %r" % (what, ENTERPRISE_SCHEMA, u.get("schemas"))


def test_enterprise_extension_round_trip(ctx):
    c = ctx.new_tenant()
    boss = create_user(c, _user(ctx))
    boss2 = create_user(c, _user(ctx))
    ext = {"employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
           "division": "Theme Park", "department": "Tour Operations"}
    body = _user(ctx, schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA])
    body[ENTERPRISE_SCHEMA] = dict(ext, manager={"value": boss["id"]})
    u = create_user(c, body)
    _check_enterprise(u, ext, boss["id"], "POST")
    _check_enterprise(_get(c, u["id"]), ext, boss["id"], "GET after POST")

    ext2 = {"employeeNumber": "42", "costCenter": "CC-9", "organization": "Org 2",
            "division": "Div 2", "department": "Dept 2"}
    body2 = _user(ctx, schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA], userName=u["userName"])
    body2[ENTERPRISE_SCHEMA] = dict(ext2, manager={"value": boss2["id"]})
    p = _put(c, u["id"], body2)
    _check_enterprise(p, ext2, boss2["id"], "PUT")
    _check_enterprise(_get(c, u["id"]), ext2, boss2["id"], "GET after PUT")

    found = _search(c, '%s:employeeNumber eq "42"' % ENTERPRISE_SCHEMA)
    assert found == [u["id"]], "expected the enterprise employeeNumber filter to find %s, got %r" % (u["id"], found)
    found = _search(c, '%s:manager.value eq "%s"' % (ENTERPRISE_SCHEMA, boss2["id"]))
    assert found == [u["id"]], "expected the manager.value filter to find %s, got %r" % (u["id"], found)

    p = _put(c, u["id"], _user(ctx, userName=u["userName"]))
    assert ENTERPRISE_SCHEMA not in p, "expected a PUT without the extension to remove it, got %r" % p.get(ENTERPRISE_SCHEMA)
    assert ENTERPRISE_SCHEMA not in _get(c, u["id"]), "expected GET without the extension after the PUT"


def test_seed_application_attributes_round_trip(ctx):
    c = ctx.new_tenant()
    tag = uuid.uuid4().hex[:8]
    body = _user(ctx, schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA],
                 externalId="ext-" + tag, displayName="Seed " + tag, title="Consultant",
                 preferredLanguage="nl-NL",
                 emails=[{"type": "work", "value": "seed-%s@example.com" % tag, "primary": True}],
                 phoneNumbers=[{"type": "work", "value": "+31 20 555 0100"}],
                 roles=[{"value": "role", "primary": "True"}])
    body[ENTERPRISE_SCHEMA] = {"organization": "BIC " + tag}
    u = create_user(c, body)
    for what, got in (("POST", u), ("GET", _get(c, u["id"]))):
        for key in ("externalId", "displayName", "title", "preferredLanguage", "emails", "phoneNumbers"):
            assert got.get(key) == body[key], "%s: expected %s %r, got %r" % (what, key, body[key], got.get(key))
        assert got.get("roles") == [{"value": "role", "primary": True}], \
            "%s: expected roles with primary as the JSON boolean true, got %r" % (what, got.get("roles"))
        assert got.get(ENTERPRISE_SCHEMA, {}).get("organization") == "BIC " + tag, \
            "%s: expected the enterprise organization, got %r" % (what, got.get(ENTERPRISE_SCHEMA))

    checks = [('phoneNumbers[type eq "work"].value eq "+31 20 555 0100"', True),
              ('emails[type eq "work"].value eq "seed-%s@example.com"' % tag, True),
              ('externalId eq "ext-%s"' % tag, True),
              ('displayName eq "Seed %s"' % tag, True),
              ('title eq "Consultant"', True),
              ('preferredLanguage eq "nl-NL"', True),
              ('roles[primary eq "True"].value eq "role"', True),
              ('roles[primary eq true].value eq "role"', True),
              ('roles[primary eq false].value eq "role"', False),
              ('%s:organization eq "BIC %s"' % (ENTERPRISE_SCHEMA, tag), True)]
    for filt, hit in checks:
        found = _search(c, filt)
        assert found == ([u["id"]] if hit else []), \
            "expected %s to find %s, got %r" % (filt, "the user" if hit else "nothing", found)


def test_seed_application_patches(ctx):
    """The PATCH paths the seed applications' mappings produce."""
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx, preferredLanguage="en-US",
                             phoneNumbers=[{"type": "work", "value": "+1 555 0100"},
                                           {"type": "mobile", "value": "+1 555 0199"}]))
    p = patch_user(c, u["id"],
                   {"op": "Replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 555 0111"},
                   {"op": "Replace", "path": "preferredLanguage", "value": "de-DE"},
                   {"op": "Add", "path": 'roles[primary eq "True"].value', "value": "admin"},
                   {"op": "Add", "path": ENTERPRISE_SCHEMA + ":organization", "value": "Org"}).json
    phones = sorted(p.get("phoneNumbers", []), key=lambda e: e.get("type"))
    assert phones == [{"type": "mobile", "value": "+1 555 0199"}, {"type": "work", "value": "+1 555 0111"}], \
        "expected the work phone replaced and the mobile kept, got %r" % p.get("phoneNumbers")
    assert p.get("preferredLanguage") == "de-DE", "expected preferredLanguage de-DE, got %r" % p.get("preferredLanguage")
    assert p.get("roles") == [{"primary": True, "value": "admin"}], \
        "expected create-on-absent of the primary role, got %r" % p.get("roles")
    assert p.get(ENTERPRISE_SCHEMA, {}).get("organization") == "Org", \
        "expected organization Org, got %r" % p.get(ENTERPRISE_SCHEMA)
    assert _get(c, u["id"]) == p, "expected GET to return the PATCH reply"


def test_string_booleans_become_json_booleans(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx, active="False",
                             emails=[{"type": "work", "value": "b@example.com", "primary": "true"}],
                             roles=[{"value": "r", "primary": "TRUE"}]))
    for what, got in (("POST", u), ("GET", _get(c, u["id"]))):
        assert got.get("active") is False, "%s: expected active false, got %r" % (what, got.get("active"))
        assert got["emails"][0].get("primary") is True, "%s: expected emails primary true, got %r" % (what, got["emails"])
        assert got["roles"][0].get("primary") is True, "%s: expected roles primary true, got %r" % (what, got["roles"])
    p = patch_user(c, u["id"], {"op": "replace", "path": "active", "value": "True"}).json
    assert p.get("active") is True, "expected PATCH active \"True\" to give true, got %r" % p.get("active")
    p = _put(c, u["id"], _user(ctx, userName=u["userName"], active="false"))
    assert p.get("active") is False, "expected PUT active \"false\" to give false, got %r" % p.get("active")


def test_get_returns_what_post_returned(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx, displayName="Same", name={"givenName": "G", "familyName": "F"}))
    assert _get(c, u["id"]) == u, "expected GET to equal the POST reply"


def test_list_users_of_tenant(ctx):
    c = ctx.new_tenant()
    ids = {create_user(c, _user(ctx))["id"] for _ in range(3)}
    r = c.get("/Users")
    expect_status(r, 200, "GET /Users")
    expect_scim_json(r)
    assert r.json.get("totalResults") == 3, "expected totalResults 3, got %r" % r.json.get("totalResults")
    assert {x["id"] for x in r.json.get("Resources", [])} == ids, "expected the 3 users, got %r" % r.json


def test_put_replaces_and_keeps_identity(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx, displayName="Old", title="Old title", externalId="old-ext",
                             emails=[{"type": "work", "value": "old@example.com"}]))
    time.sleep(1.1)
    new_name = ctx.unique("renamed") + "@example.com"
    p = _put(c, u["id"], _user(ctx, userName=new_name, displayName="New", externalId="new-ext"))
    assert p["id"] == u["id"], "expected PUT to keep the id, got %r" % p["id"]
    assert p["userName"] == new_name and p["displayName"] == "New" and p["externalId"] == "new-ext", \
        "expected the new values, got %r" % p
    assert "title" not in p and "emails" not in p, "expected title and emails gone, got %r" % p
    assert p["meta"]["created"] == u["meta"]["created"], "expected meta.created kept, got %r" % p["meta"]
    assert p["meta"]["lastModified"] != u["meta"]["lastModified"], "expected meta.lastModified to move, got %r" % p["meta"]
    assert p["meta"]["version"] != u["meta"]["version"], "expected a new meta.version, got %r" % p["meta"]
    assert p["meta"]["location"] == u["meta"]["location"], "expected the same location, got %r" % p["meta"]
    assert _get(c, u["id"]) == p, "expected GET to equal the PUT reply"
    assert _search(c, 'userName eq "%s"' % new_name) == [u["id"]], "expected the new userName to find the user"
    assert _search(c, 'userName eq "%s"' % u["userName"]) == [], "expected the old userName to find nothing"


def test_put_same_username_other_case_is_allowed(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    p = _put(c, u["id"], _user(ctx, userName=u["userName"].upper()))
    assert p["userName"] == u["userName"].upper(), "expected a user to change the case of its own userName, got %r" % p


def test_username_conflict_on_put_and_patch(ctx):
    c = ctx.new_tenant()
    a = create_user(c, _user(ctx))
    b = create_user(c, _user(ctx))
    r = c.put("/Users/" + b["id"], _user(ctx, userName=a["userName"].upper()))
    expect_error(r, 409, "uniqueness")
    r = c.patch("/Users/" + b["id"], patch_body({"op": "replace", "path": "userName", "value": a["userName"]}))
    expect_error(r, 409, "uniqueness")
    assert _get(c, b["id"]) == b, "expected b unchanged after the conflicts"
    assert _get(c, a["id"]) == a, "expected a unchanged after the conflicts"


def test_external_id_is_not_unique(ctx):
    c = ctx.new_tenant()
    ext = "shared-" + uuid.uuid4().hex
    ids = sorted(create_user(c, _user(ctx, externalId=ext))["id"] for _ in range(2))
    assert sorted(_search(c, 'externalId eq "%s"' % ext)) == ids, "expected both users with the shared externalId"


def test_delete_removes_only_that_user(ctx):
    c = ctx.new_tenant()
    keep = create_user(c, _user(ctx))
    gone = create_user(c, _user(ctx))
    r = c.delete("/Users/" + gone["id"])
    expect_status(r, 204, "DELETE")
    expect_error(c.get("/Users/" + gone["id"]), 404)
    r = c.get("/Users")
    assert [x["id"] for x in r.json.get("Resources", [])] == [keep["id"]], \
        "expected only the kept user listed, got %r" % r.json
    assert _get(c, keep["id"]) == keep, "expected the other user unchanged"


def test_get_after_manager_deleted(ctx):
    """Deleting a manager must not break reading the users that reported to it."""
    c = ctx.new_tenant()
    boss = create_user(c, _user(ctx))
    body = _user(ctx, schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA])
    body[ENTERPRISE_SCHEMA] = {"manager": {"value": boss["id"]}}
    u = create_user(c, body)
    expect_status(c.delete("/Users/" + boss["id"]), 204, "DELETE the manager")
    r = c.get("/Users/" + u["id"])
    expect_status(r, 200, "GET the report after its manager was deleted")
