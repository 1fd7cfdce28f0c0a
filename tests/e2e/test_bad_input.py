"""Bad input gets a clear SCIM error and loses nothing.

Every rejected write is followed by a GET that shows the resource unchanged
(same body, same meta.version), and every response on a SCIM path is
application/scim+json.
"""

import urllib.parse
import uuid

from harness import (ERROR_SCHEMA, PATCH_SCHEMA, SCIM_CONTENT_TYPE, USER_SCHEMA, expect_error,
                     expect_scim_json, expect_status, q)
from resources import create_user, patch_body, post_created, user_body


def _user(ctx, **extra):
    attributes = {"displayName": "Original", "title": "Original title",
                  "name": {"givenName": "Ann", "familyName": "Original"},
                  "emails": [{"type": "work", "value": "ann@example.com", "primary": True}]}
    attributes.update(extra)
    return user_body(ctx, "bad.input", **attributes)


def _error(r, status, scim_types=None, what=""):
    """A SCIM error with `status`, a detail and, when given, one of `scim_types`."""
    j = expect_error(r, status, scim_types, what)
    assert j.get("schemas") == [ERROR_SCHEMA], \
        "%s: expected a SCIM error body, got %r" % (what, r.text[:300])
    assert isinstance(j.get("detail"), str) and j["detail"], "%s: expected a detail, got %r" % (what, j)


def _unchanged(c, before, what):
    r = c.get("/Users/" + before["id"])
    expect_status(r, 200, "GET after " + what)
    assert r.json == before, "after %s: expected the resource unchanged %r, got %r" % (what, before, r.json)
    assert r.headers.get("etag") == before["meta"]["version"], \
        "after %s: expected ETag %r, got %r" % (what, before["meta"]["version"], r.headers.get("etag"))


def _count(c):
    r = c.get("/Users")
    expect_status(r, 200, "GET /Users")
    return r.json["totalResults"]


def _send(c, method, path, data, ctype=SCIM_CONTENT_TYPE):
    return c.request(method, path, raw=data, headers={"Content-Type": ctype})


# --- malformed bodies -------------------------------------------------------------

def test_malformed_json_is_invalid_syntax(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    bodies = [b'{"userName": "x",', b'{"userName": x}', b"{'userName': 'x'}", b'{"userName": "x"} trailing',
              b"", b"   "]
    for data in bodies:
        _error(_send(c, "POST", "/Users", data), 400, "invalidSyntax", "POST %r" % data)
        _error(_send(c, "PUT", "/Users/" + u["id"], data), 400, "invalidSyntax", "PUT %r" % data)
        _error(_send(c, "PATCH", "/Users/" + u["id"], data), 400, "invalidSyntax", "PATCH %r" % data)
    _unchanged(c, u, "malformed JSON")
    assert _count(c) == 1, "expected no user created from malformed JSON"


def test_json_not_an_object_is_400(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    for data in (b"[]", b'[{"userName": "x"}]', b'"userName"', b"42", b"null", b"true"):
        for method, path in (("POST", "/Users"), ("PUT", "/Users/" + u["id"]), ("PATCH", "/Users/" + u["id"])):
            _error(_send(c, method, path, data), 400, None, "%s %r" % (method, data))
    _unchanged(c, u, "JSON that is not an object")
    assert _count(c) == 1, "expected no user created from non-object JSON"


def _refused_in_post_and_patch(c, u, name, bad, what):
    """bad, bytes inside a JSON string, is a 400 in the userName of a POST
    (name, then bad) and in the displayName of a PATCH of u."""
    data = b'{"schemas":["%s"],"userName":"%s%s"}' % (USER_SCHEMA.encode(), name.encode(), bad)
    _error(_send(c, "POST", "/Users", data), 400, None, "POST with " + what)
    patch = (b'{"schemas":["%s"],"Operations":[{"op":"replace","path":"displayName","value":"x%s"}]}'
             % (PATCH_SCHEMA.encode(), bad))
    _error(_send(c, "PATCH", "/Users/" + u["id"], patch), 400, None, "PATCH with " + what)


def test_invalid_utf8_is_400(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    name = ctx.unique("utf8")
    for bad in (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xe2\x82"):
        _refused_in_post_and_patch(c, u, name, bad, "bytes %r" % bad)
    _unchanged(c, u, "invalid UTF-8")
    assert _count(c) == 1, "expected no user created from invalid UTF-8"


def test_nul_and_lone_surrogate_escapes_are_400(ctx):
    # PostgreSQL text cannot hold U+0000, and a lone surrogate is not a character.
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    for escape in ("\\u0000", "\\ud800"):
        _refused_in_post_and_patch(c, u, ctx.unique("esc"), escape.encode(), escape)
    _unchanged(c, u, "NUL and surrogate escapes")
    assert _count(c) == 1, "expected no user created"


def test_deeply_nested_json_is_400(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    deep = b"[" * 10000 + b"]" * 10000
    _error(_send(c, "POST", "/Users", deep), 400, None, "POST of 10000 nested arrays")
    inside = b'{"schemas":["' + USER_SCHEMA.encode() + b'"],"userName":"' + ctx.unique("deep").encode() + \
        b'","fooBar":' + deep + b"}"
    _error(_send(c, "POST", "/Users", inside), 400, None, "POST with 10000 nested arrays inside")
    patch = b'{"schemas":["' + PATCH_SCHEMA.encode() + b'"],"Operations":[{"op":"replace","path":"displayName","value":' + \
        deep + b"}]}"
    _error(_send(c, "PATCH", "/Users/" + u["id"], patch), 400, None, "PATCH with 10000 nested arrays")
    _error(_send(c, "PUT", "/Users/" + u["id"], deep), 400, None, "PUT of 10000 nested arrays")
    _unchanged(c, u, "deeply nested JSON")
    assert _count(c) == 1, "expected no user created from nested JSON"


def test_oversized_body_is_413(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    big = "a" * (2 * 1024 * 1024)
    body = _user(ctx, displayName=big)
    _error(c.post("/Users", body), 413, None, "POST of 2 MiB")
    _error(c.put("/Users/" + u["id"], dict(_user(ctx, userName=u["userName"]), displayName=big)), 413, None,
           "PUT of 2 MiB")
    _error(c.patch("/Users/" + u["id"], patch_body({"op": "replace", "path": "displayName", "value": big})), 413, None,
           "PATCH of 2 MiB")
    _unchanged(c, u, "oversized bodies")
    assert _count(c) == 1, "expected no user created from an oversized body"


# --- what POST ignores --------------------------------------------------------------

def test_unknown_attributes_and_schemas_are_ignored(ctx):
    c = ctx.new_tenant()
    custom = "urn:example:params:scim:schemas:extension:custom:1.0:User"
    body = _user(ctx, fooBar=1, nickNameX="x", schemas=[USER_SCHEMA, custom,
                 "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User"])
    body[custom] = {"badgeNumber": "17"}
    body["name"]["middleNameX"] = "m"
    u = post_created(c, "/Users", body, "POST with unknown attributes and schema URNs").json
    for key in ("fooBar", "nickNameX", custom):
        assert key not in u, "expected unknown %r not returned, got %r" % (key, u.get(key))
    assert "middleNameX" not in u.get("name", {}), "expected unknown name.middleNameX dropped, got %r" % u["name"]
    assert u.get("schemas") and all(s.startswith("urn:ietf:params:scim:schemas:") for s in u["schemas"]), \
        "expected only known schema URNs in schemas, got %r" % u.get("schemas")
    assert u.get("userName") == body["userName"] and u.get("displayName") == "Original", \
        "expected the known attributes stored, got %r" % u
    g = c.get("/Users/" + u["id"])
    assert g.json == u, "expected GET to equal the POST reply, got %r" % g.json


def test_readonly_attributes_and_nulls_are_ignored(ctx):
    c = ctx.new_tenant()
    body = _user(ctx, id="client-chosen-id", groups=[{"value": str(uuid.uuid4()), "display": "Admins"}],
                 meta={"resourceType": "Group", "created": "2000-01-01T00:00:00Z",
                       "lastModified": "2000-01-01T00:00:00Z", "version": 'W/"client"',
                       "location": "https://evil.example.com/x"},
                 nickName=None, title=None, phoneNumbers=None)
    body["name"]["middleName"] = None
    r = c.post("/Users", body)
    expect_status(r, 201, "POST with id, meta, groups and nulls")
    u = r.json
    assert u.get("id") != "client-chosen-id", "expected a server-assigned id, got %r" % u.get("id")
    meta = u.get("meta", {})
    assert meta.get("resourceType") == "User", "expected meta.resourceType User, got %r" % meta
    assert not meta.get("created", "").startswith("2000"), "expected a server-set meta.created, got %r" % meta
    assert meta.get("version") != 'W/"client"', "expected a server-set meta.version, got %r" % meta
    assert "evil.example.com" not in meta.get("location", ""), "expected a server meta.location, got %r" % meta
    assert u.get("groups", []) == [], "expected groups ignored, got %r" % u.get("groups")
    for key in ("nickName", "title", "phoneNumbers"):
        assert key not in u, "expected null %s not stored, got %r" % (key, u.get(key))
    assert "middleName" not in u.get("name", {}), "expected null name.middleName dropped, got %r" % u.get("name")
    expect_error(c.get("/Users/client-chosen-id"), 404)
    g = c.get("/Users/" + u["id"])
    assert g.json == u, "expected GET to equal the POST reply, got %r" % g.json


# --- wrong types ------------------------------------------------------------------------

WRONG_TYPES = [
    {"userName": 123}, {"userName": {}}, {"userName": []}, {"userName": True},
    {"active": "maybe"}, {"active": 2}, {"active": {}},
    {"emails": "x"}, {"emails": [5]},
    {"name": "x"}, {"displayName": {"x": 1}},
    {"emails": [{"value": "a@example.com", "primary": "maybe"}]},
]


def _wrong_type_problem(r, what):
    """None when r is a 400 invalidValue/invalidSyntax SCIM error, else why not."""
    try:
        _error(r, 400, ("invalidValue", "invalidSyntax"), what)
    except AssertionError as exc:
        return str(exc)
    return None


def test_wrong_types_in_post_are_400(ctx):
    c = ctx.new_tenant()
    problems = []
    for bad in WRONG_TYPES:
        body = _user(ctx)
        body.update(bad)
        problems.append(_wrong_type_problem(c.post("/Users", body), "POST with %r" % bad))
    problems = [p for p in problems if p]
    assert not problems, "expected 400 for every wrongly typed body; %d did not:\n  %s" % (
        len(problems), "\n  ".join(problems))
    assert _count(c) == 0, "expected no user created from wrongly typed bodies"


def test_wrong_types_in_put_and_patch_are_400(ctx):
    c = ctx.new_tenant()
    problems = []
    for bad in WRONG_TYPES:
        # A fresh user per case, so that one accepted write cannot hide the next.
        u = create_user(c, _user(ctx))
        body = _user(ctx, userName=u["userName"], displayName="Changed")
        body.update(bad)
        (key, value), = bad.items()
        for method, payload, what in (
                ("PUT", body, "PUT with %r" % bad),
                ("PATCH", patch_body({"op": "replace", "path": key, "value": value}), "PATCH %s to %r" % (key, value)),
                ("PATCH", patch_body({"op": "replace", "value": bad}), "pathless PATCH with %r" % bad)):
            problem = _wrong_type_problem(c.request(method, "/Users/" + u["id"], body=payload), what)
            if problem is None:
                after = c.get("/Users/" + u["id"]).json
                if after != u:
                    problem = "%s: resource changed after the rejected write: %r" % (what, after)
            if problem:
                problems.append(problem)
                u = c.get("/Users/" + u["id"]).json
    assert not problems, "expected 400 and no change for every wrongly typed write; %d did not:\n  %s" % (
        len(problems), "\n  ".join(problems))


def test_missing_username_is_400(ctx):
    c = ctx.new_tenant()
    for body in ({}, {"schemas": [USER_SCHEMA]}, {"schemas": [USER_SCHEMA], "displayName": "No Name"},
                 {"schemas": [USER_SCHEMA], "userName": None}):
        _error(c.post("/Users", body), 400, None, "POST %r" % body)
    assert _count(c) == 0, "expected no user created without a userName"


# --- filters ---------------------------------------------------------------------------------

BAD_FILTERS = [
    'userName eq',
    'userName xx "a"',
    '((((',
    'userName eq "abc',
    "(" * 2000 + 'userName eq "a"' + ")" * 2000,
    'userName eq "a" and',
    'or userName eq "a"',
    'userName eq "a")',
    '(userName eq "a"',
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    'userName eq "a" userName eq "b"',
    'eq "a"',
    '"a" eq userName',
]


def test_bad_filters_are_invalid_filter(ctx):
    for filt in BAD_FILTERS:
        # Parentheses stay literal (legal in a query) so that 2000 of them fit
        # in the web server's request-line limit.
        r = ctx.client.get("/Users?filter=" + urllib.parse.quote(filt, safe="()"))
        _error(r, 400, "invalidFilter", "filter %r" % filt[:80])


def test_ordering_on_boolean_is_invalid_filter(ctx):
    # RFC 7644 3.4.2.2: gt/ge/lt/le on a boolean SHALL be 400 invalidFilter.
    for filt in ("active gt true", "active le false"):
        _error(ctx.client.get("/Users?filter=" + q(filt)), 400, "invalidFilter", "filter %r" % filt)


def test_valid_filters_never_500(ctx):
    """Valid filters the server may not support: a list, or 400 invalidFilter."""
    for filt in ('title gt "a"', 'meta.created gt "2020-01-01T00:00:00Z"', 'meta.lastModified ge "2020-01-01T00:00:00Z"',
                 "name pr", "emails pr", 'emails co "@"', 'emails.value ew ".com"', 'x509Certificates.value eq "x"',
                 "userName gt 5", 'not (userName eq "a")',
                 'addresses[type eq "work" and postalCode sw "1"]', 'name.familyName eq Employee',
                 'userName eq null', 'manager eq "x"', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber lt "5"'):
        r = ctx.client.get("/Users?filter=" + q(filt))
        if r.status == 200:
            expect_scim_json(r, "filter %r" % filt)
            assert isinstance(r.json, dict) and isinstance(r.json.get("Resources"), list), \
                "filter %r: expected a ListResponse, got %r" % (filt, r.text[:200])
        else:
            _error(r, 400, "invalidFilter", "filter %r" % filt)


def test_filter_with_a_bad_date_is_400(ctx):
    # A well-formed filter whose literal is no dateTime: RFC 7644 3.12 allows
    # invalidValue ("not compatible with the ... attribute type") as well.
    for filt in ('meta.created gt "not a date"', 'meta.lastModified eq "2020-13-45T99:00:00Z"'):
        r = ctx.client.get("/Users?filter=" + q(filt))
        _error(r, 400, ("invalidFilter", "invalidValue"), "filter %r" % filt)


# --- unknown ids ---------------------------------------------------------------------------------

def test_unknown_ids_are_404(ctx):
    c = ctx.new_tenant()
    name = ctx.unique("ghost") + "@example.com"
    for uid in (str(uuid.uuid4()), "010101001010101011001010101011", "not-an-id", "%27%3B--"):
        path = "/Users/" + uid
        _error(c.get(path), 404, None, "GET " + path)
        _error(c.put(path, {"schemas": [USER_SCHEMA], "userName": name}), 404, None, "PUT " + path)
        _error(c.patch(path, patch_body({"op": "replace", "path": "displayName", "value": "x"})), 404, None, "PATCH " + path)
        r = c.delete(path)
        _error(r, 404, None, "DELETE " + path)
    assert _count(c) == 0, "expected PUT to an unknown id to create nothing"


# --- PATCH errors ----------------------------------------------------------------------------------

def _patch_error(c, u, body, status, scim_types, what):
    _error(c.patch("/Users/" + u["id"], body), status, scim_types, what)
    _unchanged(c, u, what)


def test_patch_bad_op_is_invalid_syntax(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    for op in ({"op": "frobnicate", "path": "displayName", "value": "x"},
               {"path": "displayName", "value": "x"},
               {"op": 5, "path": "displayName", "value": "x"},
               {"op": "", "path": "displayName", "value": "x"}):
        _patch_error(c, u, patch_body(op), 400, "invalidSyntax", "PATCH op %r" % op)
    for body in ({"schemas": [PATCH_SCHEMA]}, {"schemas": [PATCH_SCHEMA], "Operations": {"op": "add"}},
                 {"schemas": [PATCH_SCHEMA], "Operations": ["add"]}):
        _patch_error(c, u, body, 400, "invalidSyntax", "PATCH body %r" % body)


def test_patch_remove_without_path_is_no_target(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    _patch_error(c, u, patch_body({"op": "remove"}), 400, "noTarget", "remove without path")
    _patch_error(c, u, patch_body({"op": "Remove", "value": {"displayName": "Original"}}), 400, "noTarget",
                 "Remove with a value but without path")


def test_patch_unknown_path_is_invalid_path(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    # A path in an extension the tenant lacks is ignored and logged instead,
    # as Entra expects (test_extensions).
    for path in ("fooBar", "name.fooBar", 'emails[type eq "work"].bogus',
                 'emails[type eq "work"', "emails[", "name..givenName", ".."):
        for op in ("replace", "add"):
            _patch_error(c, u, patch_body({"op": op, "path": path, "value": "x"}), 400, "invalidPath",
                         "%s path %r" % (op, path))


def test_patch_readonly_paths_are_mutability(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    for path, value in (("id", str(uuid.uuid4())), ("meta.created", "2000-01-01T00:00:00Z"),
                        ("meta.lastModified", "2000-01-01T00:00:00Z"), ("meta", {"version": 'W/"x"'})):
        for op in ("replace", "add", "remove"):
            _patch_error(c, u, patch_body({"op": op, "path": path, "value": value}), 400, "mutability",
                         "%s %s" % (op, path))


def test_patch_is_atomic(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    good = [{"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "name.familyName", "value": "Changed"}]
    for third, scim_type in (({"op": "remove"}, "noTarget"),
                             ({"op": "replace", "path": "fooBar", "value": "x"}, "invalidPath"),
                             ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
                             ({"op": "frobnicate", "path": "title", "value": "x"}, "invalidSyntax"),
                             ({"op": "replace", "path": "active", "value": "maybe"}, ("invalidValue", "invalidSyntax"))):
        _patch_error(c, u, patch_body(*(good + [third])), 400, scim_type, "PATCH whose 3rd op is %r" % third)


def test_failed_patch_username_conflict_changes_nothing(ctx):
    c = ctx.new_tenant()
    other = create_user(c, _user(ctx))
    u = create_user(c, _user(ctx))
    _patch_error(c, u, patch_body({"op": "replace", "path": "displayName", "value": "Changed"},
                                  {"op": "replace", "path": "userName", "value": other["userName"].upper()}),
                 409, "uniqueness", "PATCH to a taken userName")
    r = c.put("/Users/" + u["id"], _user(ctx, userName=other["userName"], displayName="Changed"))
    _error(r, 409, "uniqueness", "PUT to a taken userName")
    _unchanged(c, u, "PUT to a taken userName")
    _unchanged(c, other, "conflicting writes on another user")


# --- routing ---------------------------------------------------------------------------------------

def test_unknown_url_is_json_404(ctx):
    for path in ("/Foo", "/Users/%s/extra" % uuid.uuid4(), "/Userz"):
        _error(ctx.client.get(path), 404, None, "GET " + path)
    _error(ctx.client.post("/Foo", {"x": 1}), 404, None, "POST /Foo")


def test_unsupported_methods_are_json_405_or_501(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    for method, path, body in (("PUT", "/Users", _user(ctx)),
                               ("DELETE", "/Users", None),
                               ("PATCH", "/Users", patch_body({"op": "replace", "path": "active", "value": False})),
                               ("POST", "/Users/" + u["id"], _user(ctx)),
                               ("DELETE", "/ServiceProviderConfig", None),
                               ("POST", "/Schemas", {"x": 1})):
        r = c.request(method, path, body=body)
        assert r.status in (405, 501), "%s %s: expected 405 or 501, got %d %r" % (method, path, r.status, r.text[:200])
        _error(r, r.status, None, "%s %s" % (method, path))
    _unchanged(c, u, "unsupported methods")
    assert _count(c) == 1, "expected unsupported methods to create or delete nothing"


def test_every_response_is_scim_json(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    requests = [
        ("GET", "/Users", None, None),
        ("GET", "/Users/" + u["id"], None, None),
        ("GET", "/Users?filter=" + q('userName eq "x"'), None, None),
        ("GET", "/Users?filter=" + q("((("), None, None),
        ("POST", "/Users", _user(ctx), None),
        ("POST", "/Users", _user(ctx, userName=u["userName"]), None),
        ("PATCH", "/Users/" + u["id"], patch_body({"op": "replace", "path": "title", "value": "T"}), None),
        ("PATCH", "/Users/" + u["id"], patch_body({"op": "remove"}), None),
        ("PUT", "/Users/" + u["id"], _user(ctx, userName=u["userName"]), None),
        ("GET", "/Users/" + str(uuid.uuid4()), None, None),
        ("GET", "/Foo", None, None),
        ("GET", "/ServiceProviderConfig", None, None),
        ("GET", "/ResourceTypes", None, None),
        ("GET", "/Schemas", None, None),
        ("GET", "/Users", None, "missing"),
    ]
    for method, path, body, auth in requests:
        if auth == "missing":
            r = c.request(method, path, body=body, token=None)
        else:
            r = c.request(method, path, body=body)
        expect_scim_json(r, "%s %s -> %d" % (method, path, r.status))
        assert isinstance(r.json, dict), "%s %s: expected a JSON body, got %r" % (method, path, r.text[:200])
