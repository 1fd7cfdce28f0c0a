"""Sorting, projection, cursor paging (RFC 9865), .search and ETags."""

from harness import ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA, expect_error, expect_status, q
from resources import create_user, patch_body

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _users(c, names, **extra):
    """Create users named names[i]; returns their ids in that order."""
    ids = []
    for i, name in enumerate(names):
        body = {"schemas": [USER_SCHEMA], "userName": name, "active": True}
        for key, values in extra.items():
            if values[i] is not None:
                body[key] = values[i]
        ids.append(create_user(c, body)["id"])
    return ids


def _names(resp):
    return [r["userName"] for r in resp.json["Resources"]]


def test_sort_by_user_name_ignores_case_both_ways(ctx):
    c = ctx.new_tenant()
    _users(c, ["carol", "Alice", "bob", "Dave"])
    r = expect_status(c.get("/Users?sortBy=userName"), 200)
    assert _names(r) == ["Alice", "bob", "carol", "Dave"], _names(r)
    r = expect_status(c.get("/Users?sortBy=userName&sortOrder=descending"), 200)
    assert _names(r) == ["Dave", "carol", "bob", "Alice"], _names(r)
    r = expect_status(c.get("/Users?sortBy=USERNAME&sortOrder=Ascending&count=2&startIndex=2"), 200)
    assert _names(r) == ["bob", "carol"], "sortBy with index paging: %r" % _names(r)


def test_sort_by_missing_values_last_and_stable(ctx):
    c = ctx.new_tenant()
    ids = _users(c, ["u1", "u2", "u3", "u4"], title=["b", None, "a", None])
    r = expect_status(c.get("/Users?sortBy=title"), 200)
    got = [x["id"] for x in r.json["Resources"]]
    untitled = sorted([ids[1], ids[3]])
    assert got[:2] == [ids[2], ids[0]] and got[2:] == untitled, \
        "expected a, b, then the users without a title by id; got %r" % got
    again = [x["id"] for x in expect_status(c.get("/Users?sortBy=title"), 200).json["Resources"]]
    assert again == got, "the same sort must give the same order"


def test_sort_by_multi_valued_uses_primary_value(ctx):
    c = ctx.new_tenant()
    _users(c, ["p1", "p2"], emails=[
        [{"value": "zz@x.com"}, {"value": "aa@x.com", "primary": True}],
        [{"value": "mm@x.com"}]])
    r = expect_status(c.get("/Users?sortBy=emails"), 200)
    assert _names(r) == ["p1", "p2"], "p1's primary aa@ sorts before p2's mm@: %r" % _names(r)
    r = expect_status(c.get("/Users?sortBy=emails.value&sortOrder=descending"), 200)
    assert _names(r) == ["p2", "p1"], _names(r)


def test_sort_errors(ctx):
    expect_error(ctx.client.get("/Users?sortBy=nosuchattribute"), 400, "invalidValue")
    expect_error(ctx.client.get("/Users?sortBy=userName&sortOrder=sideways"), 400, "invalidValue")
    expect_error(ctx.client.get("/Users?sortBy=password"), 400, "invalidValue")


def test_attributes_and_excluded_attributes(ctx):
    c = ctx.new_tenant()
    _users(c, ["proj"], name=[{"givenName": "Pro", "familyName": "Jection"}],
           emails=[[{"type": "work", "value": "p@x.com"}]],
           **{ENTERPRISE_SCHEMA: [{"department": "Ops", "costCenter": "7"}]})
    r = expect_status(c.get("/Users?attributes=name.givenName,emails.value,"
                            + ENTERPRISE_SCHEMA + ":department"), 200)
    u = r.json["Resources"][0]
    assert set(u) == {"schemas", "id", "name", "emails", ENTERPRISE_SCHEMA}, sorted(u)
    assert u["name"] == {"givenName": "Pro"}, u["name"]
    assert u["emails"] == [{"value": "p@x.com"}], u["emails"]
    assert u[ENTERPRISE_SCHEMA] == {"department": "Ops"}, u[ENTERPRISE_SCHEMA]
    r = expect_status(c.get("/Users?excludedAttributes=emails,name.familyName,id"), 200)
    u = r.json["Resources"][0]
    assert "emails" not in u and u["name"] == {"givenName": "Pro"}, u
    assert "id" in u, "id is returned always, even when excluded"
    # POST answers with the projection too
    r = c.post("/Users?attributes=userName", {"schemas": [USER_SCHEMA], "userName": "proj2",
                                               "title": "t"})
    expect_status(r, 201)
    assert set(r.json) == {"schemas", "id", "userName"}, sorted(r.json)


def _walk(c, path, count):
    """Follow nextCursor from the first page; returns the ids in order."""
    seen = []
    r = expect_status(c.get(path + ("&" if "?" in path else "?") + "cursor=&count=%d" % count), 200)
    pages = 0
    while True:
        assert r.json["schemas"] == [LIST_SCHEMA]
        assert "startIndex" not in r.json, "cursor pages carry no startIndex"
        assert len(r.json["Resources"]) <= count
        seen += [x["id"] for x in r.json["Resources"]]
        nxt = r.json.get("nextCursor")
        pages += 1
        assert pages < 100, "the walk does not end"
        if not nxt:
            return seen
        r = expect_status(c.get(path + ("&" if "?" in path else "?")
                                + "cursor=%s&count=%d" % (q(nxt), count)), 200)


def test_cursor_walk_sees_everything_once(ctx):
    c = ctx.new_tenant()
    ids = _users(c, ["w%02d" % i for i in range(7)])
    seen = _walk(c, "/Users", 3)
    assert sorted(seen) == sorted(ids) and len(seen) == 7, seen
    seen = _walk(c, "/Users?sortBy=userName&sortOrder=descending", 2)
    assert seen == list(reversed(ids)), "descending userName order: %r" % seen


def test_cursor_walk_with_long_sort_keys(ctx):
    """Sort keys as long as attribute values (6,000 bytes here; a cursor
    once kept 4 KiB of one, and cut it inside a character): each user
    once, in order, and every cursor taken back, both ways."""
    c = ctx.new_tenant()
    long = "\u00e9" * 3000
    ids = _users(c, ["lk%d" % i for i in range(4)], title=[long + t for t in ("a", "b", "c", "d")])
    assert _walk(c, "/Users?sortBy=title", 1) == ids
    r = expect_status(c.get("/Users?sortBy=title&cursor=&count=3"), 200)
    back = expect_status(c.get("/Users?sortBy=title&count=3&cursor=" + q(r.json["nextCursor"])), 200)
    back = expect_status(c.get("/Users?sortBy=title&count=3&cursor=" + q(back.json["previousCursor"])), 200)
    assert [x["id"] for x in back.json["Resources"]] == ids[:3], back.json


def test_cursor_walk_while_others_change(ctx):
    """RFC 9865: no resource skipped or repeated while others are created or
    deleted between pages."""
    c = ctx.new_tenant()
    names = ["m%02d" % i for i in range(10)]
    ids = _users(c, names)
    r = expect_status(c.get("/Users?sortBy=userName&cursor=&count=3"), 200)
    seen = [x["id"] for x in r.json["Resources"]]   # m00 m01 m02
    # delete one already seen and one not yet seen, add one before and one after
    expect_status(c.delete("/Users/" + ids[1]), 204)
    expect_status(c.delete("/Users/" + ids[6]), 204)
    early, late = _users(c, ["a-early", "z-late"])
    while r.json.get("nextCursor"):
        r = expect_status(c.get("/Users?sortBy=userName&count=3&cursor=" + q(r.json["nextCursor"])), 200)
        seen += [x["id"] for x in r.json["Resources"]]
    assert len(seen) == len(set(seen)), "a resource came twice: %r" % seen
    for i, uid in enumerate(ids):
        if i != 6:
            assert uid in seen, "%s (present throughout or seen before its deletion) was skipped" % names[i]
    assert ids[6] not in seen, "a user deleted before its page was returned"
    assert late in seen and early not in seen, "new users: after the position come, before it do not"


def test_previous_cursor_returns_the_page_before(ctx):
    c = ctx.new_tenant()
    _users(c, ["pc%d" % i for i in range(6)])
    first = expect_status(c.get("/Users?sortBy=userName&cursor=&count=2"), 200)
    assert "previousCursor" not in first.json, "the first page has no previous page"
    second = expect_status(c.get("/Users?sortBy=userName&count=2&cursor=" + q(first.json["nextCursor"])), 200)
    assert _names(second) == ["pc2", "pc3"], _names(second)
    back = expect_status(c.get("/Users?sortBy=userName&count=2&cursor=" + q(second.json["previousCursor"])), 200)
    assert _names(back) == ["pc0", "pc1"], "previousCursor: %r" % _names(back)
    assert back.json.get("nextCursor"), "the page before has a next page"
    again = expect_status(c.get("/Users?sortBy=userName&count=2&cursor=" + q(back.json["nextCursor"])), 200)
    assert _names(again) == ["pc2", "pc3"], _names(again)


def test_paging_a_filter_an_index_answers(ctx):
    """userName sw and co are planned apart from the order and the page
    (handler_list): sorting, index paging, cursors both ways and the total
    must be the same as without a filter."""
    c = ctx.new_tenant()
    names = ["ix-%02d" % i for i in range(9)]
    ids = _users(c, names + ["other-1", "other-2"])
    for f in ('userName sw "IX-"', 'userName co "x-0"', 'userName sw "ix-" and active eq true'):
        want = [n for n in names if "x-0" in n] if "co" in f else names
        path = "/Users?filter=%s&sortBy=userName" % q(f)
        r = expect_status(c.get(path + "&sortOrder=descending&count=2&startIndex=2"), 200)
        assert r.json["totalResults"] == len(want), (f, r.json["totalResults"])
        assert _names(r) == list(reversed(want))[1:3], (f, _names(r))
        seen = _walk(c, path, 2)
        assert seen == [ids[names.index(n)] for n in want], (f, seen)
        page = expect_status(c.get(path + "&cursor=&count=2"), 200)
        page = expect_status(c.get(path + "&count=2&cursor=" + q(page.json["nextCursor"])), 200)
        back = expect_status(c.get(path + "&count=2&cursor=" + q(page.json["previousCursor"])), 200)
        assert _names(back) == want[:2], (f, _names(back))
    r = expect_status(c.get("/Users?filter=%s&count=3" % q('userName sw "ix-"')), 200)
    assert [x["id"] for x in r.json["Resources"]] == sorted(ids[:9])[:3], "by id without sortBy"


def test_cursor_errors(ctx):
    c = ctx.client
    expect_error(c.get("/Users?cursor=not-a-cursor!"), 400, "invalidCursor")
    expect_error(c.get("/Users?cursor=eyJhIjoxfQ"), 400, "invalidCursor")
    t = ctx.new_tenant()
    _users(t, ["ce1", "ce2", "ce3"])
    page = expect_status(t.get("/Users?cursor=&count=1"), 200)
    other = "/Users?count=1&filter=%s&cursor=%s" % (q('userName sw "ce"'), q(page.json["nextCursor"]))
    expect_error(t.get(other), 400, "invalidCursor")
    expect_error(t.get("/Users?cursor=&count=100000"), 400, "invalidCount")
    expect_error(t.get("/Users?cursor=&startIndex=2"), 400, "invalidValue")


def test_service_provider_config_advertises_paging_and_sort(ctx):
    r = expect_status(ctx.client.get("/ServiceProviderConfig"), 200)
    p = r.json.get("pagination", {})
    assert p.get("cursor") is True and p.get("index") is True, p
    assert isinstance(p.get("maxPageSize"), int) and isinstance(p.get("cursorTimeout"), int), p
    assert r.json["sort"]["supported"] is True
    assert r.json["filter"]["maxResults"] == p["maxPageSize"]


def test_search_requests(ctx):
    c = ctx.new_tenant()
    _users(c, ["s-ann", "s-bob", "t-cid"])
    g = c.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "s-group"})
    expect_status(g, 201)
    body = {"schemas": [SEARCH], "filter": 'userName sw "s-"', "sortBy": "userName",
            "sortOrder": "descending", "attributes": ["userName"], "count": 10, "startIndex": 1}
    r = expect_status(c.post("/Users/.search", body), 200)
    assert _names(r) == ["s-bob", "s-ann"], _names(r)
    assert set(r.json["Resources"][0]) == {"schemas", "id", "userName"}, r.json["Resources"][0]
    r = expect_status(c.post("/Groups/.search", {"schemas": [SEARCH],
                                                  "filter": 'displayName eq "S-GROUP"'}), 200)
    assert r.json["totalResults"] == 1
    # across resource types: displayName is in both; userName only in Users
    r = expect_status(c.post("/.search", {"schemas": [SEARCH], "filter": 'displayName pr or userName sw "s-"'}), 200)
    kinds = sorted(x["meta"]["resourceType"] for x in r.json["Resources"])
    assert kinds == ["User", "User"] or kinds == ["Group", "User", "User"], kinds
    r = expect_status(c.post("/.search", {"schemas": [SEARCH], "filter": 'displayName eq "s-group"'}), 200)
    assert [x["meta"]["resourceType"] for x in r.json["Resources"]] == ["Group"], r.json
    r = expect_status(c.post("/.search", {"schemas": [SEARCH], "count": 2, "startIndex": 3}), 200)
    assert r.json["totalResults"] == 4 and len(r.json["Resources"]) == 2, r.json
    assert [x["meta"]["resourceType"] for x in r.json["Resources"]] == ["User", "Group"], r.json
    expect_error(c.post("/Users/.search", {"schemas": [SEARCH], "count": "ten"}), 400, "invalidValue")
    expect_error(c.post("/Users/.search", {"schemas": [SEARCH], "filter": "userName eq"}), 400,
                 "invalidFilter")


def test_root_search_streams_group_members_after_the_users(ctx):
    c = ctx.new_tenant()
    ids = _users(c, ["rs-ann", "rs-bob"])
    g = expect_status(c.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "rs-group",
                                         "members": [{"value": i} for i in ids]}), 201).json
    expect_status(c.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "rs-empty"}), 201)
    r = expect_status(c.post("/.search", {"schemas": [SEARCH], "count": 10}), 200)
    assert r.json["totalResults"] == 4 and r.json["itemsPerPage"] == 4, r.json
    got = [(x["meta"]["resourceType"], x.get("userName") or x["displayName"]) for x in r.json["Resources"]]
    assert [k for k, _ in got] == ["User", "User", "Group", "Group"], got
    group = next(x for x in r.json["Resources"] if x.get("displayName") == "rs-group")
    assert sorted(m["value"] for m in group["members"]) == sorted(ids), group
    assert group["id"] == g["id"]
    r = expect_status(c.post("/.search", {"schemas": [SEARCH], "count": 10,
                                          "excludedAttributes": ["members"]}), 200)
    assert all("members" not in x for x in r.json["Resources"]) and r.json["itemsPerPage"] == 4


def test_etags_and_preconditions(ctx):
    c = ctx.new_tenant()
    [uid] = _users(c, ["etag"])
    r = expect_status(c.get("/Users/" + uid), 200)
    tag = r.headers.get("etag")
    assert tag and tag == r.json["meta"]["version"], (tag, r.json["meta"])
    expect_status(c.get("/Users/" + uid, headers={"If-None-Match": tag}), 304)
    expect_status(c.get("/Users/" + uid, headers={"If-None-Match": 'W/"999"'}), 200)
    patch = patch_body({"op": "replace", "path": "title", "value": "x"})
    expect_error(c.patch("/Users/" + uid, patch, headers={"If-Match": 'W/"999"'}), 412)
    expect_error(c.put("/Users/" + uid, {"userName": "etag2"}, headers={"If-Match": 'W/"999"'}), 412)
    expect_error(c.delete("/Users/" + uid, headers={"If-Match": 'W/"999"'}), 412)
    after = expect_status(c.get("/Users/" + uid), 200)
    assert after.json == r.json, "a failed precondition changed the user"
    r = expect_status(c.patch("/Users/" + uid, patch, headers={"If-Match": tag}), 200)
    assert r.headers.get("etag") == r.json["meta"]["version"] != tag, (tag, r.headers.get("etag"))
    expect_status(c.delete("/Users/" + uid, headers={"If-Match": "*"}), 204)
