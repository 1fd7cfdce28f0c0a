"""POST /Bulk (RFC 7644 3.7): operations one by one, bulkId references,
circular references between groups, failOnErrors, limits."""

from harness import (BULK_REQUEST_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA,
                     expect_error, expect_status)
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"


def _bulk(c, operations, **extra):
    body = {"schemas": [BULK_REQUEST_SCHEMA], "Operations": operations}
    body.update(extra)
    r = expect_status(c.post("/Bulk", body), 200, "bulk")
    assert r.json["schemas"] == [BULK_RESPONSE], r.json
    return r.json["Operations"]


def _group_post(bulk_id, name, member):
    """POST of group `name` (None: without displayName) whose member is the
    group with bulkId `member`."""
    data = {"schemas": [GROUP_SCHEMA], "members": [{"type": "Group", "value": "bulkId:" + member}]}
    if name is not None:
        data["displayName"] = name
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data}


def _user(name, **extra):
    body = {"schemas": [USER_SCHEMA], "userName": name}
    body.update(extra)
    return body


def test_bulk_runs_each_operation_and_reports_it(ctx):
    c = ctx.new_tenant()
    victim = expect_status(c.post("/Users", _user("bk-victim")), 201).json
    ops = _bulk(c, [
        {"method": "POST", "path": "/Users", "bulkId": "u1", "data": _user("bk-one")},
        {"method": "PATCH", "path": "/Users/" + victim["id"],
         "data": {"schemas": [PATCH_SCHEMA],
                  "Operations": [{"op": "replace", "path": "active", "value": False}]}},
        {"method": "DELETE", "path": "/Users/" + victim["id"]},
    ])
    assert [o["status"] for o in ops] == ["201", "200", "204"], ops
    assert ops[0]["bulkId"] == "u1" and ops[0]["method"] == "POST"
    created = ops[0]["location"].rsplit("/", 1)[1]
    r = expect_status(c.get("/Users/" + created), 200)
    assert r.json["userName"] == "bk-one"
    assert ops[0]["version"] == r.headers["etag"], (ops[0], r.headers)
    assert ops[1]["location"].endswith("/Users/" + victim["id"]), ops[1]
    expect_error(c.get("/Users/" + victim["id"]), 404)


def test_failed_operation_changes_nothing_and_stops_nothing(ctx):
    c = ctx.new_tenant()
    expect_status(c.post("/Users", _user("bk-taken")), 201)
    ops = _bulk(c, [
        {"method": "POST", "path": "/Users", "bulkId": "dup", "data": _user("BK-TAKEN")},
        {"method": "POST", "path": "/Users", "bulkId": "bad", "data": {"schemas": [USER_SCHEMA]}},
        {"method": "PUT", "path": "/Users/00000000-0000-4000-8000-000000000000",
         "data": _user("nobody")},
        {"method": "POST", "path": "/Users", "bulkId": "fine", "data": _user("bk-fine")},
    ])
    assert [o["status"] for o in ops] == ["409", "400", "404", "201"], ops
    assert ops[0]["response"]["scimType"] == "uniqueness", ops[0]
    assert ops[0]["response"]["schemas"] == [ERROR_SCHEMA]
    assert "location" not in ops[0], "a failed POST has no location"
    r = expect_status(c.get("/Users?filter=userName%20sw%20%22bk-%22"), 200)
    assert sorted(u["userName"] for u in r.json["Resources"]) == ["bk-fine", "bk-taken"], r.json


def test_fail_on_errors_stops_after_that_many(ctx):
    c = ctx.new_tenant()
    ops = _bulk(c, [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": [USER_SCHEMA]}},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": _user("bk-b")},
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"schemas": [USER_SCHEMA]}},
        {"method": "POST", "path": "/Users", "bulkId": "d", "data": _user("bk-d")},
    ], failOnErrors=2)
    assert [(o["bulkId"], o["status"]) for o in ops] == [("a", "400"), ("b", "201"), ("c", "400")], ops
    r = expect_status(c.get("/Users?filter=userName%20eq%20%22bk-d%22"), 200)
    assert r.json["totalResults"] == 0, "operations after failOnErrors must not run"
    expect_error(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA], "failOnErrors": 0, "Operations": []}),
                 400, "invalidValue")


def test_bulk_id_references_in_any_order(ctx):
    """RFC 7644 3.7.2: the group refers to users created by later operations,
    the manager to a user created earlier; a path may name a bulkId too."""
    c = ctx.new_tenant()
    ops = _bulk(c, [
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {
            "schemas": [GROUP_SCHEMA], "displayName": "bk-group",
            "members": [{"type": "User", "value": "bulkId:alice"},
                        {"type": "User", "value": "bulkId:bob"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "alice", "data": _user("bk-alice")},
        {"method": "POST", "path": "/Users", "bulkId": "bob", "data": _user(
            "bk-bob", **{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                         {"manager": {"value": "bulkId:alice"}}})},
        {"method": "PATCH", "path": "/Users/bulkId:alice", "data": {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "add", "path": "title", "value": "Lead"}]}},
    ])
    assert [o["status"] for o in ops] == ["201", "201", "201", "200"], ops
    ids = {o["bulkId"]: o["location"].rsplit("/", 1)[1] for o in ops if "bulkId" in o}
    g = expect_status(c.get("/Groups/" + ids["g"]), 200).json
    assert sorted(m["value"] for m in g["members"]) == sorted([ids["alice"], ids["bob"]]), g
    bob = expect_status(c.get("/Users/" + ids["bob"]), 200).json
    ext = bob["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert ext["manager"]["value"] == ids["alice"], ext
    alice = expect_status(c.get("/Users/" + ids["alice"]), 200).json
    assert alice["title"] == "Lead" and ops[3]["location"].endswith("/Users/" + ids["alice"])


def test_groups_that_are_members_of_each_other(ctx):
    """RFC 7644 3.7.1: circular references are resolved, not refused."""
    c = ctx.new_tenant()
    ops = _bulk(c, [
        _group_post("a", "bk-a", "b"),
        _group_post("b", "bk-b", "a"),
    ])
    assert [o["status"] for o in ops] == ["201", "201"], ops
    a, b = (o["location"].rsplit("/", 1)[1] for o in ops)
    ga = expect_status(c.get("/Groups/" + a), 200)
    gb = expect_status(c.get("/Groups/" + b), 200)
    assert [m["value"] for m in ga.json["members"]] == [b], ga.json
    assert [m["value"] for m in gb.json["members"]] == [a], gb.json
    for o, g in zip(ops, (ga, gb)):
        assert o["version"] == g.headers["etag"], "the version after the members were added"


def test_a_cycle_that_fails_leaves_nothing(ctx):
    """The group created without its members is deleted again when they
    cannot be added (3.7.1), and a group cannot hold itself."""
    c = ctx.new_tenant()
    ops = _bulk(c, [
        _group_post("a", "bk-a", "b"),
        _group_post("b", None, "a"),
        _group_post("self", "bk-self", "self"),
    ])
    assert [o["status"] for o in ops] == ["409", "400", "400"], ops
    assert all("location" not in o for o in ops), ops
    r = expect_status(c.get("/Groups"), 200)
    assert r.json["totalResults"] == 0, "no group may stay behind: %r" % r.json


def test_a_cycle_keeps_the_request_order(ctx):
    """The members held back are added before a later operation on the group."""
    c = ctx.new_tenant()
    ops = _bulk(c, [
        _group_post("a", "bk-oa", "b"),
        _group_post("b", "bk-ob", "a"),
        {"method": "PUT", "path": "/Groups/bulkId:a", "data": {
            "schemas": [GROUP_SCHEMA], "displayName": "bk-oa", "members": []}},
    ], failOnErrors=1)
    assert [o["status"] for o in ops] == ["201", "201", "200"], ops
    a = ops[0]["location"].rsplit("/", 1)[1]
    g = expect_status(c.get("/Groups/" + a), 200)
    assert g.json.get("members", []) == [], "the PUT came last: %r" % g.json
    assert ops[2]["version"] == g.headers["etag"], ops


def test_only_values_are_references(ctx):
    c = ctx.new_tenant()
    ops = _bulk(c, [
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": _user("bulkId:u", title="bulkId:u")},
    ])
    assert ops[0]["status"] == "201", ops
    u = expect_status(c.get(ops[0]["location"].split("/scim/v2", 1)[1]), 200).json
    assert u["userName"] == "bulkId:u" and u["title"] == "bulkId:u", u


def test_bad_references(ctx):
    c = ctx.new_tenant()
    ops = _bulk(c, [
        {"method": "POST", "path": "/Users", "bulkId": "x", "data": {"schemas": [USER_SCHEMA]}},
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {
            "schemas": [GROUP_SCHEMA], "displayName": "bk-g",
            "members": [{"value": "bulkId:x"}]}},
        {"method": "PATCH", "path": "/Users/bulkId:nowhere", "data": {
            "schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "title", "value": "t"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "m1", "data": _user(
            "bk-m1", **{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                        {"manager": {"value": "bulkId:m2"}}})},
        {"method": "POST", "path": "/Users", "bulkId": "m2", "data": _user(
            "bk-m2", **{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                        {"manager": {"value": "bulkId:m1"}}})},
    ])
    status = {o.get("bulkId", "patch"): o["status"] for o in ops}
    assert status == {"x": "400", "g": "409", "patch": "400", "m1": "409", "m2": "409"}, ops
    assert ops[2]["response"]["scimType"] == "invalidValue", ops[2]
    r = expect_status(c.get("/Groups"), 200)
    assert r.json["totalResults"] == 0, "a group whose member failed is not created"


def test_a_reference_to_no_post_beside_one_to_a_post(ctx):
    """A mistyped bulkId next to a good one: that operation fails, the
    others run (the worker once crashed on it)."""
    c = ctx.new_tenant()
    ops = _bulk(c, [
        {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {
            "schemas": [GROUP_SCHEMA], "displayName": "bk-a"}},
        {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {
            "schemas": [GROUP_SCHEMA], "displayName": "bk-b",
            "members": [{"value": "bulkId:a"}, {"value": "bulkId:typo"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": _user("bk-u")},
    ])
    assert [o["status"] for o in ops] == ["201", "400", "201"], ops
    assert ops[1]["response"]["scimType"] == "invalidValue", ops[1]
    r = expect_status(c.get("/Groups"), 200)
    assert [g["displayName"] for g in r.json["Resources"]] == ["bk-a"], r.json


def test_bulk_request_errors(ctx):
    c = ctx.new_tenant()
    expect_error(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA]}), 400, "invalidSyntax")
    expect_error(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "same", "data": _user("bk-s1")},
        {"method": "POST", "path": "/Users", "bulkId": "same", "data": _user("bk-s2")},
    ]}), 400, "invalidValue")
    expect_error(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA], "Operations": [{"path": "/Users"}]}),
                 400, "invalidSyntax")
    too_many = [{"method": "DELETE", "path": "/Users/x"}] * 1001
    err = expect_error(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA], "Operations": too_many}), 413)
    assert "1000" in err["detail"], err
    r = expect_status(c.get("/Users"), 200)
    assert r.json["totalResults"] == 0, "a refused bulk request runs nothing"
    ops = _bulk(c, [
        {"method": "GET", "path": "/Users"},
        {"method": "POST", "path": "/Bulk", "bulkId": "bulk",
         "data": {"schemas": [BULK_REQUEST_SCHEMA], "Operations": []}},
        {"method": "POST", "path": "/Nowhere", "bulkId": "nowhere", "data": {}},
        {"method": "post", "path": "/Users", "bulkId": "l", "data": _user("bk-lower")},
        {"method": "POST", "path": "/Users", "data": _user("bk-no-bulk-id")},
    ])
    assert [o["status"] for o in ops] == ["400", "400", "404", "201", "400"], ops
    assert ops[3]["method"] == "POST"


def test_version_is_if_match(ctx):
    c = ctx.new_tenant()
    u = expect_status(c.post("/Users", _user("bk-v")), 201)
    stale = 'W/"999"'
    ops = _bulk(c, [
        {"method": "PUT", "path": "/Users/" + u.json["id"], "version": stale,
         "data": _user("bk-v", title="x")},
        {"method": "PUT", "path": "/Users/" + u.json["id"], "version": u.headers["etag"],
         "data": _user("bk-v", title="y")},
    ])
    assert [o["status"] for o in ops] == ["412", "200"], ops
    assert expect_status(c.get("/Users/" + u.json["id"]), 200).json["title"] == "y"


def test_service_provider_config_advertises_bulk(ctx):
    r = expect_status(ctx.client.get("/ServiceProviderConfig"), 200)
    bulk = r.json["bulk"]
    assert bulk["supported"] is True and bulk["maxOperations"] == 1000, bulk
    # The body limit of every request (SCIM_MAX_BODY, 1 MiB unless set).
    assert bulk["maxPayloadSize"] == 1048576, r.json
