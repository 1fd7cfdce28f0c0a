"""What Okta sends and what its SCIM 2.0 SPEC test checks ."""

import json
import uuid

from harness import (ERROR_SCHEMA, LIST_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, expect_error, expect_scim_json,
                     expect_status, q)
from resources import create_user, get_user, is_int, list_resources, post_created

PASSWORD = "1mz050nq-Secret"


def _okta_user(ctx, password=True):
    """A create body as in Okta's SCIM 2.0 reference."""
    name = ctx.unique("okta.user") + "@example.com"
    body = {
        "schemas": [USER_SCHEMA],
        "userName": name,
        "name": {"givenName": "John", "familyName": "Smith"},
        "emails": [{"primary": True, "value": name, "type": "work"}],
        "displayName": "John Smith",
        "locale": "en-US",
        "externalId": "00u" + uuid.uuid4().hex[:17],
        "groups": [],
        "active": True,
    }
    if password:
        body["password"] = PASSWORD
    return body


def _has_key(obj, key):
    """True when `key` (case-insensitively) is a key anywhere inside obj."""
    if isinstance(obj, dict):
        return any(k.lower() == key.lower() or _has_key(v, key) for k, v in obj.items())
    if isinstance(obj, list):
        return any(_has_key(v, key) for v in obj)
    return False


def _list(c, query):
    """A list of users as Okta's test reads it: the ListResponse schema
    alone, integers, and itemsPerPage the number of Resources."""
    j = list_resources(c, "/Users?" + query)
    assert j.get("schemas") == [LIST_SCHEMA], "expected a ListResponse, got %r" % j
    for key in ("totalResults", "startIndex", "itemsPerPage"):
        assert is_int(j.get(key)), "expected %s to be a JSON integer, got %r" % (key, j.get(key))
    assert j["itemsPerPage"] == len(j["Resources"]), \
        "expected itemsPerPage %d to equal the number of Resources %d" % (j["itemsPerPage"], len(j["Resources"]))
    return j


def test_lookup_with_start_index_and_count(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _okta_user(ctx))
    j = _list(c, "filter=" + q('userName eq "%s"' % u["userName"]) + "&startIndex=1&count=100")
    assert (j["totalResults"], j["startIndex"], j["itemsPerPage"]) == (1, 1, 1), \
        "expected totalResults 1, startIndex 1, itemsPerPage 1, got %r" % j
    assert j["Resources"][0]["id"] == u["id"], "expected %s, got %r" % (u["id"], j["Resources"])
    j = _list(c, "filter=" + q('userName eq "%s"' % ("absent-" + u["userName"])) + "&startIndex=1&count=100")
    assert (j["totalResults"], j["startIndex"], j["itemsPerPage"], j["Resources"]) == (0, 1, 0, []), \
        "expected an empty page for an absent user, got %r" % j


def test_lookup_username_case_insensitive(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _okta_user(ctx))
    j = _list(c, "filter=" + q('userName eq "%s"' % u["userName"].upper()) + "&startIndex=1&count=100")
    assert [r["id"] for r in j["Resources"]] == [u["id"]], \
        "expected the upper-cased userName to find %s, got %r" % (u["id"], j)


def test_paging_is_stable_without_repeats(ctx):
    c = ctx.new_tenant()
    created = {create_user(c, _okta_user(ctx, password=False))["id"] for _ in range(5)}
    seen = []
    for start, size in ((1, 2), (3, 2), (5, 1)):
        j = _list(c, "startIndex=%d&count=2" % start)
        assert j["totalResults"] == 5, "expected totalResults 5 on page %d, got %r" % (start, j["totalResults"])
        assert j["startIndex"] == start, "expected startIndex %d, got %r" % (start, j["startIndex"])
        assert len(j["Resources"]) == size, \
            "expected %d resources at startIndex %d, got %d" % (size, start, len(j["Resources"]))
        seen += [r["id"] for r in j["Resources"]]
    assert len(seen) == len(set(seen)) == 5 and set(seen) == created, \
        "expected the pages to hold each of the 5 users once, got %r" % seen
    full = [r["id"] for r in _list(c, "startIndex=1&count=100")["Resources"]]
    assert full == seen, "expected the same order with count=100 (%r) as paged (%r)" % (full, seen)
    again = []
    for start in (1, 3, 5):
        again += [r["id"] for r in _list(c, "startIndex=%d&count=2" % start)["Resources"]]
    assert again == seen, "expected a stable order on repeat, got %r then %r" % (seen, again)
    j = _list(c, "startIndex=7&count=2")
    assert j["totalResults"] == 5 and j["Resources"] == [], \
        "expected an empty page past the end with totalResults 5, got %r" % j


def test_create_with_password_and_groups_never_returns_password(ctx):
    c = ctx.new_tenant()
    body = _okta_user(ctx)
    r = post_created(c, "/Users", body, "Okta create with password and groups []")
    assert not _has_key(r.json, "password") and PASSWORD.encode() not in r.body, \
        "expected no password in the POST response, got %r" % r.text[:500]
    assert r.json.get("userName") == body["userName"], "expected the user created, got %r" % r.json
    uid = r.json["id"]
    for path in ("/Users/" + uid, "/Users", "/Users?filter=" + q('userName eq "%s"' % body["userName"]),
                 "/Users/" + uid + "?attributes=password", "/Users?attributes=password,userName"):
        g = c.get(path)
        expect_status(g, 200, "GET " + path)
        assert not _has_key(g.json, "password") and PASSWORD.encode() not in g.body, \
            "expected no password in GET %s, got %r" % (path, g.text[:500])


def test_content_type_application_json_accepted(ctx):
    c = ctx.new_tenant()
    body = _okta_user(ctx)
    r = c.post("/Users", raw=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    expect_status(r, 201, "POST with Content-Type application/json")
    assert r.json.get("userName") == body["userName"], "expected the user created, got %r" % r.json
    uid = r.json["id"]
    patch = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {"displayName": "JSON"}}]}
    r = c.patch("/Users/" + uid, raw=json.dumps(patch).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"})
    expect_status(r, 200, "PATCH with Content-Type application/json; charset=utf-8")
    assert r.json.get("displayName") == "JSON", "expected displayName JSON, got %r" % r.json


def test_put_replaces_whole_user(ctx):
    c = ctx.new_tenant()
    body = _okta_user(ctx)
    body["title"] = "Manager"
    body["nickName"] = "Johnny"
    body["phoneNumbers"] = [{"type": "work", "value": "+1 555 0100"}]
    u = create_user(c, body)
    put = {"schemas": [USER_SCHEMA], "id": u["id"], "userName": u["userName"],
           "name": {"givenName": "Jane"}, "active": False, "groups": [], "password": PASSWORD}
    r = c.put("/Users/" + u["id"], put)
    expect_status(r, 200, "PUT the whole user")
    expect_scim_json(r)
    p = r.json
    for gone in ("title", "nickName", "phoneNumbers", "emails", "displayName", "locale", "externalId"):
        assert gone not in p, "expected %s gone after a PUT without it, got %r" % (gone, p.get(gone))
    assert p.get("name") == {"givenName": "Jane"}, "expected name replaced by {givenName Jane}, got %r" % p.get("name")
    assert p.get("active") is False, "expected active false, got %r" % p.get("active")
    assert p.get("id") == u["id"], "expected the id kept, got %r" % p.get("id")
    assert p["meta"]["created"] == u["meta"]["created"], "expected meta.created kept, got %r" % p["meta"]
    assert p["meta"]["version"] != u["meta"]["version"], "expected a new meta.version, got %r" % p["meta"]
    assert not _has_key(p, "password"), "expected no password in the PUT response"
    assert get_user(c, u["id"]) == p, "expected GET to return the PUT reply"


def test_put_without_username_is_400(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _okta_user(ctx))
    r = c.put("/Users/" + u["id"], {"schemas": [USER_SCHEMA], "name": {"givenName": "Jane"}, "active": True})
    expect_error(r, 400)
    expect_scim_json(r)
    assert get_user(c, u["id"]) == u, "expected the user unchanged after the failed PUT"


def test_pathless_patch_active_false(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _okta_user(ctx))
    r = c.patch("/Users/" + u["id"], {"schemas": [PATCH_SCHEMA],
                                      "Operations": [{"op": "replace", "value": {"active": False}}]})
    expect_status(r, 200, "Okta pathless deactivate")
    p = r.json
    assert p.get("active") is False, "expected active false, got %r" % p.get("active")
    assert p.get("name") == u.get("name") and p.get("emails") == u.get("emails"), \
        "expected the other attributes kept, got %r" % p
    assert get_user(c, u["id"]).get("active") is False, "expected GET to show active false"


def test_duplicate_post_is_409(ctx):
    c = ctx.new_tenant()
    body = _okta_user(ctx)
    u = create_user(c, body)
    r = c.post("/Users", body)
    expect_error(r, 409, "uniqueness")
    expect_scim_json(r)
    j = _list(c, "filter=" + q('userName eq "%s"' % body["userName"]))
    assert [x["id"] for x in j["Resources"]] == [u["id"]], "expected only the first user, got %r" % j
    assert get_user(c, u["id"]) == u, "expected the first user unchanged"


def test_post_username_differing_in_case_is_409(ctx):
    c = ctx.new_tenant()
    body = _okta_user(ctx)
    u = create_user(c, body)
    other = _okta_user(ctx)
    other["userName"] = body["userName"].upper()
    r = c.post("/Users", other)
    expect_error(r, 409, "uniqueness")
    j = _list(c, "startIndex=1&count=100")
    assert [x["id"] for x in j["Resources"]] == [u["id"]], "expected only the first user, got %r" % j


def test_get_non_uuid_id_is_json_404(ctx):
    r = ctx.client.get("/Users/010101001010101011001010101011")
    expect_error(r, 404)
    expect_scim_json(r)
    assert r.json.get("schemas") == [ERROR_SCHEMA] and r.json.get("status") == "404", \
        "expected a SCIM error with status \"404\", got %r" % r.json


def test_get_random_uuid_is_404(ctx):
    r = ctx.client.get("/Users/%s" % uuid.uuid4())
    expect_error(r, 404)
    expect_scim_json(r)
    assert isinstance(r.json.get("detail"), str) and r.json["detail"], "expected a detail, got %r" % r.json


def test_bad_token_is_json_401(ctx):
    r = ctx.client.get("/Users?filter=" + q('userName eq "x"') + "&startIndex=1&count=100",
                       token="bad-" + uuid.uuid4().hex)
    expect_error(r, 401)
    expect_scim_json(r)
    j = r.json
    assert j.get("schemas") == [ERROR_SCHEMA], "expected the Error schema, got %r" % j
    assert j.get("status") == "401", "expected status \"401\" (a string), got %r" % j.get("status")
    assert isinstance(j.get("detail"), str) and j["detail"], "expected a detail, got %r" % j
