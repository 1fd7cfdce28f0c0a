"""The provisioning log: every write a client makes leaves one row, written
in the transaction of its change, that names the provider, the resource
and the attributes changed (never their values); a failed write leaves a
row of its own after its rollback, and nothing else."""

import json

from harness import (BULK_REQUEST_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA,
                     expect_error, expect_status, log_lines_with)
from resources import create_group, create_user, entra_user_body, patch_body, patch_group, patch_user, user_body


def _log(ctx, c):
    """The tenant's rows, oldest first, as dicts of their columns."""
    out = ctx.psql("SELECT row_to_json(l) FROM provisioning_log l WHERE tenant_id = '%s'"
                   " ORDER BY log_id" % c.tenant_id)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _token_id(ctx, c):
    return int(ctx.psql("SELECT token_id FROM tokens WHERE tenant_id = '%s'" % c.tenant_id).strip())


def _summary(rows):
    """(method, action, status, attributes) of each row."""
    return [(r["method"], r["action"], r["status"], r["attributes"]) for r in rows]


def test_a_user_from_create_to_delete(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    body[ENTERPRISE_SCHEMA] = {"department": "Sales"}
    u = create_user(c, body)
    uid = u["id"]
    patch_user(c, uid, {"op": "replace", "path": "displayName", "value": "Ada Lovelace"})
    patch_user(c, uid, {"op": "replace", "path": "displayName", "value": "Ada Lovelace"})
    patch_user(c, uid, {"op": "replace", "path": "active", "value": "False"})
    patch_user(c, uid, {"op": "replace", "path": "active", "value": True})
    patch_user(c, uid, {"op": "replace", "path": "name.givenName", "value": "Ada"},
               {"op": "replace", "path": ENTERPRISE_SCHEMA + ":department", "value": "Research"})
    body["displayName"] = "Ada L."
    expect_status(c.put("/Users/" + uid, body), 200)
    expect_status(c.delete("/Users/" + uid), 204)

    rows = _log(ctx, c)
    assert _summary(rows) == [
        ("POST", "created", 201, sorted(["active", "emails", "externalId", "name.familyName",
                                         "name.formatted", "name.givenName", "userName",
                                         ENTERPRISE_SCHEMA + ":department"])),
        ("PATCH", "modified", 200, ["displayName"]),
        ("PATCH", "unchanged", 200, []),
        ("PATCH", "disabled", 200, ["active"]),
        ("PATCH", "enabled", 200, ["active"]),
        ("PATCH", "modified", 200, sorted(["name.givenName", ENTERPRISE_SCHEMA + ":department"])),
        ("PUT", "replaced", 200, sorted(["displayName", "name.givenName",
                                         ENTERPRISE_SCHEMA + ":department"])),
        ("DELETE", "deleted", 204, []),
    ], _summary(rows)
    token_id = _token_id(ctx, c)
    for r in rows:
        assert r["resource_type"] == "User" and r["resource_id"] == uid, r
        assert r["resource_name"] == body["userName"], "the name as the write left it: %r" % r
        assert r["token_id"] == token_id and r["client_address"] == "127.0.0.1", r
        assert r["request_id"] and r["scim_type"] is None and r["detail"] is None, r
        assert r["members_added"] is None and r["members_removed"] is None, r
    assert len({r["request_id"] for r in rows}) == len(rows), "one request, one id"
    text = json.dumps(rows)
    for value in ("Ada", "Sales", "Research", body["emails"][0]["value"]):
        assert value not in text, "values of attributes are never logged: %s" % value
    view = ctx.psql("SELECT tenant || '|' || provider || '|' || action FROM provisioning_log_overview"
                    " WHERE tenant_id = '%s' ORDER BY log_id DESC LIMIT 1" % c.tenant_id).strip()
    assert view == "%s|e2e|deleted" % c.tenant, view


def test_failed_writes_leave_their_reason(ctx):
    c = ctx.new_tenant()
    body = user_body(ctx, "failed.")
    uid = create_user(c, body)["id"]
    expect_error(c.post("/Users", body), 409, "uniqueness")
    expect_error(c.patch("/Users/" + uid, patch_body({"op": "replace", "path": "nosuch[", "value": 1})),
                 400, "invalidPath")
    missing = "00000000-0000-4000-8000-000000000000"
    expect_error(c.delete("/Users/" + missing), 404)
    expect_error(c.delete("/Users/not-a-uuid"), 404)

    rows = _log(ctx, c)
    assert [(r["method"], r["action"], r["status"], r["scim_type"]) for r in rows] == [
        ("POST", "created", 201, None),
        ("POST", "failed", 409, "uniqueness"),
        ("PATCH", "failed", 400, "invalidPath"),
        ("DELETE", "failed", 404, None),
        ("DELETE", "failed", 404, None),
    ], rows
    assert "already taken" in rows[1]["detail"], rows[1]
    assert rows[2]["resource_id"] == uid and rows[2]["detail"], rows[2]
    assert rows[3]["resource_id"] == missing and rows[4]["resource_id"] is None, rows[3:]
    for r in rows[1:]:
        assert r["attributes"] == [] and r["token_id"] == _token_id(ctx, c), r
    assert ctx.psql("SELECT display_name IS NULL FROM users WHERE id = '%s'" % uid).strip() == "t", \
        "the failed PATCH changed nothing"


def test_groups_log_their_members_by_count(ctx):
    c = ctx.new_tenant()
    a = create_user(c, user_body(ctx, "member."))["id"]
    b = create_user(c, user_body(ctx, "member."))["id"]
    d = create_user(c, user_body(ctx, "member."))["id"]
    name = ctx.unique("Group ")
    g = create_group(c, {"schemas": [GROUP_SCHEMA], "displayName": name,
                         "members": [{"value": a}, {"value": b}]})
    gid = g["id"]
    patch_group(c, gid, {"op": "add", "path": "members", "value": [{"value": d}]})
    patch_group(c, gid, {"op": "remove", "path": 'members[value eq "%s"]' % a})
    patch_group(c, gid, {"op": "add", "path": "members", "value": [{"value": d}]})
    expect_status(c.put("/Groups/" + gid, {"schemas": [GROUP_SCHEMA], "displayName": name + " 2",
                                           "members": [{"value": a}]}), 200)
    expect_status(c.delete("/Groups/" + gid), 204)

    rows = [r for r in _log(ctx, c) if r["resource_type"] == "Group"]
    assert [(r["method"], r["action"], r["status"], r["members_added"], r["members_removed"],
             r["attributes"]) for r in rows] == [
        ("POST", "created", 201, 2, 0, ["displayName", "members"]),
        ("PATCH", "modified", 204, 1, 0, ["members"]),
        ("PATCH", "modified", 204, 0, 1, ["members"]),
        ("PATCH", "unchanged", 204, 0, 0, []),
        ("PUT", "replaced", 200, 1, 2, ["displayName", "members"]),
        ("DELETE", "deleted", 204, None, None, []),
    ], rows
    assert [r["resource_name"] for r in rows] == [name] * 4 + [name + " 2"] * 2, rows


def test_a_write_undone_by_a_later_failure_leaves_only_its_failure(ctx):
    """The group is inserted, then a member is refused: the insert and its
    row are rolled back together."""
    c = ctx.new_tenant()
    name = ctx.unique("Group ")
    expect_error(c.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name,
                                    "members": [{"value": "00000000-0000-4000-8000-000000000001"}]}),
                 400)
    rows = _log(ctx, c)
    assert [(r["method"], r["action"], r["status"]) for r in rows] == [("POST", "failed", 400)], rows
    assert rows[0]["resource_id"] is None and rows[0]["members_added"] is None, rows[0]
    assert "is not a user or group" in rows[0]["detail"], rows[0]
    assert ctx.psql("SELECT count(*) FROM groups WHERE tenant_id = '%s'" % c.tenant_id).strip() == "0"


def test_bulk_operations_are_logged_one_by_one(ctx):
    c = ctx.new_tenant()
    first, second = user_body(ctx, "bulk."), user_body(ctx, "bulk.")
    r = expect_status(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": first},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": second},
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": first},
        {"method": "PATCH", "path": "/Users/bulkId:c", "data": {
            "schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": False}]}}]}),
        200)
    assert [op["status"] for op in r.json["Operations"]] == ["201", "201", "409", "409"], r.json
    expect_error(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA]}), 400)
    rows = _log(ctx, c)
    assert [(r["method"], r["resource_type"], r["action"], r["status"], r["resource_name"])
            for r in rows] == [
        ("POST", "User", "created", 201, first["userName"]),
        ("POST", "User", "created", 201, second["userName"]),
        ("POST", "User", "failed", 409, None),
        ("PATCH", "User", "failed", 409, None),
        ("POST", "Bulk", "failed", 400, None),
    ], rows
    assert "was not created" in rows[3]["detail"], rows[3]
    assert len({r["request_id"] for r in rows[:4]}) == 1, "the operations share their request's id"
    assert rows[4]["request_id"] != rows[0]["request_id"], rows


def test_reads_are_not_logged_by_default(ctx):
    c = ctx.new_tenant()
    uid = create_user(c, user_body(ctx, "read."))["id"]
    expect_status(c.get("/Users/" + uid), 200)
    expect_status(c.get("/Users?filter=userName%20eq%20%22nobody%22"), 200)
    expect_status(c.post("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}), 200)
    assert [r["action"] for r in _log(ctx, c)] == ["created"]


def test_no_password_or_token_is_logged(ctx):
    c = ctx.new_tenant()
    secret = ctx.unique("Pa55-word-")
    uid = create_user(c, user_body(ctx, "secret.", password=secret))["id"]
    patch_user(c, uid, {"op": "replace", "path": "password", "value": secret + "-2"})
    everything = ctx.psql("SELECT string_agg(row_to_json(l)::text, ' ') FROM provisioning_log l")
    for value in (secret, c.token, ctx.token):
        assert value not in everything, "a secret in the provisioning log"
        assert log_lines_with(value, timeout=1) == [], "a secret in the worker's log"


def test_reads_and_refused_tokens_are_logged_when_asked(ctx):
    """SCIM_PROVISIONING_LOG=all: a read leaves a row, and so does a
    request whose token is refused (no tenant then)."""
    c = ctx.new_tenant()
    uid = create_user(c, user_body(ctx, "reads."))["id"]
    every = {"SCIM_PROVISIONING_LOG": "all"}
    r, log = ctx.cgi("GET", "/Users/" + uid, token=c.token, env=every)
    expect_status(r, 200, log)
    missing = "00000000-0000-4000-8000-%012d" % (int(uid[-8:], 16) % 10**12)
    r, log = ctx.cgi("GET", "/Users/" + missing, token=c.token, env=every)
    expect_error(r, 404)
    r, log = ctx.cgi("GET", "/Users/" + uid, token="not-a-token", env=every)
    expect_error(r, 401)
    r, log = ctx.cgi("GET", "/Users/" + uid, token=c.token)
    expect_status(r, 200, "without the setting, no row")
    rows = _log(ctx, c)
    assert [(r["method"], r["action"], r["status"], r["resource_id"]) for r in rows] == [
        ("POST", "created", 201, uid), ("GET", "read", 200, uid), ("GET", "failed", 404, missing)], rows
    refused = ctx.psql("SELECT row_to_json(l) FROM provisioning_log l WHERE tenant_id IS NULL"
                       " AND resource_id = '%s'" % uid).splitlines()
    assert len(refused) == 1, refused
    row = json.loads(refused[0])
    assert (row["action"], row["status"], row["token_id"], row["client_address"]) == \
        ("refused", 401, None, "127.0.0.2"), row
    assert "not-a-token" not in refused[0]
