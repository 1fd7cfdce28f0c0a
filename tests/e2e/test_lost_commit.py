"""The connection to the database lost during COMMIT: the worker learns what
became of the transaction and answers that, so that a failed request has
changed nothing and a retried create conflicts only with a user that
really exists.

The worker runs as CGI (ctx.cgi), its database connection through pg_cut's
proxy, which loses the session at its first COMMIT: after the server got it
(the change is made, its reply never arrives) or before (the server rolls
the transaction back). Everything else goes through the web server.

A transaction id can be given again: after a crash, or a failover to a
standby, that lost a commit, the server hands the ids after the last one it
kept to new transactions. The worker that asks what became of its lost
transaction may then hear "committed" of another one. The proxy shows that
to the worker by asking about another, committed, transaction instead of
the worker's (xact_status_of)."""

from harness import BULK_REQUEST_SCHEMA, GROUP_SCHEMA, expect_error, expect_status
from pg_cut import CommitCut
from resources import patch_body, user_body


def _user_body(ctx):
    return user_body(ctx, "lost.commit.", displayName="Before")


def _rows(ctx, c, user_name):
    """The rows of c's tenant with user_name, as "displayName|version" lines."""
    return ctx.psql("SELECT display_name || '|' || version FROM users WHERE tenant_id = '%s'"
                    " AND user_name = '%s'" % (c.tenant_id, user_name)).split()


def _through_cut(ctx, c, mode, method, path, body, refuse_after_cut=False, xact_status_of=None,
                 headers=None):
    """The worker's answer to one request whose COMMIT is cut, and its log.
    COMMIT always goes in a pipeline, after the request's row of the
    provisioning log (and after the last statement when the write read
    first: PATCH, PUT, DELETE with If-Match)."""
    with CommitCut(ctx.database, mode, refuse_after_cut, xact_status_of) as cut:
        r, log = ctx.cgi(method, path, body, token=c.token, database=cut.conninfo, headers=headers)
    assert cut.happened.is_set(), "no COMMIT went through the proxy: %r\n%s" % (r, log)
    assert cut.pipelined, "COMMIT goes with the provisioning log's row"
    if xact_status_of is not None:
        assert cut.status_asked.is_set(), "the worker did not ask: %r\n%s" % (r, log)
    return r, log


def _log_rows(ctx, c):
    """The tenant's provisioning log as "METHOD action status" lines, oldest
    first: a row exists exactly when its change does, and a failure leaves
    a row of its own."""
    return ctx.psql("SELECT method || ' ' || action || ' ' || status FROM provisioning_log"
                    " WHERE tenant_id = '%s' ORDER BY log_id" % c.tenant_id).strip().split("\n")


def _committed_transaction(ctx):
    """The id of a transaction that committed and changed nothing."""
    return ctx.psql("SELECT pg_current_xact_id()").strip()


def _last_transaction_of(ctx, c, table, rid):
    """The id of the transaction that wrote the row of table as it is (the
    test cluster is young: its ids are below 2^32, xmin is all of them)."""
    return ctx.psql("SELECT xmin FROM %s WHERE tenant_id = '%s' AND id = '%s'"
                    % (table, c.tenant_id, rid)).strip()


def _expect_unknown(r, log):
    detail = expect_error(r, 503).get("detail", "")
    assert "unknown" in detail, "the answer says the outcome is unknown: %r\n%s" % (r, log)
    assert "is unknown" in log, log


def test_create_whose_commit_reply_is_lost(ctx):
    c = ctx.new_tenant()
    body = _user_body(ctx)
    r, log = _through_cut(ctx, c, "after", "POST", "/Users", body)
    expect_status(r, 201, "the user was created: the answer says so\n" + log)
    assert r.json["userName"] == body["userName"], r
    assert r.headers.get("location", "").endswith("/Users/" + r.json["id"]), r.headers
    assert r.headers.get("etag") == r.json["meta"]["version"], r.headers
    assert "committed" in log, "the log says what became of the transaction:\n" + log
    assert _rows(ctx, c, body["userName"]) == ["Before|1"]
    assert _log_rows(ctx, c) == ["POST created 201"], _log_rows(ctx, c)
    got = expect_status(c.get("/Users/" + r.json["id"]), 200)
    assert got.json["meta"]["version"] == r.json["meta"]["version"], got
    expect_error(c.post("/Users", body), 409, "uniqueness")


def test_create_whose_commit_never_arrives(ctx):
    c = ctx.new_tenant()
    body = _user_body(ctx)
    r, log = _through_cut(ctx, c, "before", "POST", "/Users", body)
    expect_error(r, 503)
    assert "rolled back" in log, "the log says what became of the transaction:\n" + log
    assert _rows(ctx, c, body["userName"]) == [], "a failed request changes nothing"
    assert _log_rows(ctx, c) == ["POST failed 503"], _log_rows(ctx, c)
    expect_status(c.post("/Users", body), 201, "the retry creates the user")


def test_create_whose_transaction_id_went_to_another(ctx):
    """The create was rolled back; a transaction of its id committed."""
    c = ctx.new_tenant()
    body = _user_body(ctx)
    r, log = _through_cut(ctx, c, "before", "POST", "/Users", body,
                          xact_status_of=_committed_transaction(ctx))
    _expect_unknown(r, log)
    assert _rows(ctx, c, body["userName"]) == [], "no user was created"


def _patch_display_name(value):
    return patch_body({"op": "replace", "path": "displayName", "value": value})


def test_patch_whose_commit_reply_is_lost(ctx):
    c = ctx.new_tenant()
    body = _user_body(ctx)
    uid = expect_status(c.post("/Users", body), 201).json["id"]
    r, log = _through_cut(ctx, c, "after", "PATCH", "/Users/" + uid, _patch_display_name("After"))
    expect_status(r, 200, "the change was made: the answer says so\n" + log)
    assert r.json["displayName"] == "After" and r.json["meta"]["version"] == 'W/"2"', r
    assert _rows(ctx, c, body["userName"]) == ["After|2"]
    assert _log_rows(ctx, c) == ["POST created 201", "PATCH modified 200"], _log_rows(ctx, c)


def test_patch_whose_commit_never_arrives(ctx):
    c = ctx.new_tenant()
    body = _user_body(ctx)
    uid = expect_status(c.post("/Users", body), 201).json["id"]
    r, log = _through_cut(ctx, c, "before", "PATCH", "/Users/" + uid, _patch_display_name("After"))
    expect_error(r, 503)
    assert _rows(ctx, c, body["userName"]) == ["Before|1"], "a failed request changes nothing"
    assert _log_rows(ctx, c) == ["POST created 201", "PATCH failed 503"], _log_rows(ctx, c)


def test_patch_whose_transaction_id_went_to_another_on_the_same_user(ctx):
    """The PATCH was rolled back; the transaction of its id that committed
    changed the same user: the user's row carries that id, but not this
    request's change."""
    c = ctx.new_tenant()
    body = _user_body(ctx)
    uid = expect_status(c.post("/Users", body), 201).json["id"]
    expect_status(c.patch("/Users/" + uid, _patch_display_name("Other")), 200)
    other = _last_transaction_of(ctx, c, "users", uid)
    r, log = _through_cut(ctx, c, "before", "PATCH", "/Users/" + uid, _patch_display_name("After"),
                          xact_status_of=other)
    _expect_unknown(r, log)
    assert _rows(ctx, c, body["userName"]) == ["Other|2"], "the change was not made"


def _delete_through_cut(ctx, mode, if_match):
    """A user's DELETE whose COMMIT is cut: its answer, log and rows."""
    c = ctx.new_tenant()
    body = _user_body(ctx)
    uid = expect_status(c.post("/Users", body), 201).json["id"]
    r, log = _through_cut(ctx, c, mode, "DELETE", "/Users/" + uid, None,
                          headers={"If-Match": 'W/"1"'} if if_match else None)
    return r, log, _rows(ctx, c, body["userName"])


def test_delete_whose_commit_reply_is_lost(ctx):
    for if_match in (False, True):
        r, log, rows = _delete_through_cut(ctx, "after", if_match)
        expect_status(r, 204, "the user was deleted: the answer says so\n" + log)
        assert "was committed" in log, log
        assert rows == []


def test_delete_with_if_match_whose_commit_never_arrives(ctx):
    r, log, rows = _delete_through_cut(ctx, "before", True)
    expect_error(r, 503)
    assert "rolled back" in log, log
    assert rows == ["Before|1"], "a failed request changes nothing"


def test_delete_whose_transaction_id_went_to_another(ctx):
    """The user is still there: this delete was not the one that committed."""
    c = ctx.new_tenant()
    body = _user_body(ctx)
    uid = expect_status(c.post("/Users", body), 201).json["id"]
    r, log = _through_cut(ctx, c, "before", "DELETE", "/Users/" + uid, None,
                          xact_status_of=_committed_transaction(ctx))
    detail = expect_error(r, 503).get("detail", "")
    assert "unknown" not in detail, "the delete was not made, and the answer knows it: %r" % r
    assert "rolled back" in log, log
    assert _rows(ctx, c, body["userName"]) == ["Before|1"], "the user is still there"


def test_group_members_patch_whose_commit_reply_is_lost(ctx):
    """A change of members only: the group gets a new version, by which
    the worker knows its transaction."""
    c = ctx.new_tenant()
    uid = expect_status(c.post("/Users", _user_body(ctx)), 201).json["id"]
    gid = expect_status(c.post("/Groups", {"schemas": [GROUP_SCHEMA],
                                           "displayName": ctx.unique("lost.commit.")}), 201).json["id"]
    r, log = _through_cut(ctx, c, "after", "PATCH", "/Groups/" + gid, patch_body(
        {"op": "add", "path": "members", "value": [{"value": uid}]}))
    expect_status(r, 204, "the member was added: the answer says so\n" + log)
    assert r.headers.get("etag") == 'W/"2"', r.headers
    got = expect_status(c.get("/Groups/" + gid), 200).json
    assert [m["value"] for m in got.get("members", [])] == [uid], got


def test_bulk_operation_whose_commit_reply_is_lost(ctx):
    c = ctx.new_tenant()
    first, second = _user_body(ctx), _user_body(ctx)
    r, log = _through_cut(ctx, c, "after", "POST", "/Bulk", {"schemas": [BULK_REQUEST_SCHEMA], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": first},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": second}]})
    expect_status(r, 200, log)
    statuses = [op.get("status") for op in r.json["Operations"]]
    assert statuses == ["201", "201"], "each operation reports what happened: %r\n%s" % (r, log)
    assert _rows(ctx, c, first["userName"]) == ["Before|1"]
    assert _rows(ctx, c, second["userName"]) == ["Before|1"]


def test_commit_whose_outcome_cannot_be_learned(ctx):
    """The database stays out of reach after the COMMIT was lost: after a
    while the worker gives up with a 503 that says it does not know."""
    c = ctx.new_tenant()
    body = _user_body(ctx)
    r, log = _through_cut(ctx, c, "after", "POST", "/Users", body, refuse_after_cut=True)
    detail = expect_error(r, 503).get("detail", "")
    assert "unknown" in detail, "the answer says the outcome is unknown: %r" % r
    assert "unknown" in log, log
