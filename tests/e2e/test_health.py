"""Liveness and readiness, as a load balancer probes them: /live and
/ready beside the SCIM endpoints, without a token. Ready means the
database answers and has the migrations this worker needs; the database
stopped and started again is scripts/fault-test's suite ready."""

import json
import os
import re

from harness import expect_status, log_lines_with

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _last_migration():
    """The number of the last migration in sql/: the version a worker needs."""
    return max(int(re.match(r"(\d+)_", name).group(1))
               for name in os.listdir(os.path.join(REPO, "sql")) if re.match(r"\d+_.*\.sql$", name))


def _probe_json(r):
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    assert "no-store" in r.headers.get("cache-control", ""), "a probe's answer is never cached"
    return json.loads(r.body)


def test_live_and_ready_answer_without_a_token(ctx):
    r = expect_status(ctx.client.get("/live", token=None), 200)
    assert _probe_json(r) == {"status": "live"}, r
    r = expect_status(ctx.client.get("/ready", token=None), 200)
    body = _probe_json(r)
    assert body == {"status": "ready", "schema": _last_migration(), "needs": _last_migration()}, \
        "the database is at the last migration of sql/, which the worker needs: %r" % body
    # HAProxy and others may probe with HEAD.
    expect_status(ctx.client.request("HEAD", "/ready", token=None), 200)
    expect_status(ctx.client.request("HEAD", "/live", token=None), 200)
    r = ctx.client.post("/ready", {}, token=None)
    assert r.status == 405, r


def test_probes_stay_out_of_the_info_log(ctx):
    rid = ctx.unique("probe-")
    expect_status(ctx.client.get("/ready", token=None, headers={"X-Request-Id": rid}), 200)
    marker = ctx.unique("after-")
    expect_status(ctx.client.get("/ServiceProviderConfig", headers={"X-Request-Id": marker}), 200)
    assert log_lines_with("req=%s " % marker), "the request after the probe is logged"
    assert not log_lines_with("req=%s " % rid, timeout=0), \
        "a probe every few seconds must not fill the log at level info"


def _schema_with_migrations(ctx, versions):
    """A schema of its own whose schema_migrations holds `versions` (None:
    no such table), and the connection string that sees it first."""
    schema = ctx.unique("ready_")
    ctx.psql("CREATE SCHEMA %s" % schema)
    if versions is not None:
        ctx.psql("CREATE TABLE %s.schema_migrations (version integer PRIMARY KEY, name text,"
                 " applied timestamptz DEFAULT now())" % schema)
        for v in versions:
            ctx.psql("INSERT INTO %s.schema_migrations (version, name) VALUES (%d, '%03d_x.sql')"
                     % (schema, v, v))
    return schema, "%s options='-c search_path=%s'" % (ctx.database, schema)


def test_not_ready_while_the_schema_lacks_migrations(ctx):
    need = _last_migration()
    for versions, seen in ((None, 0), (range(1, need), need - 1)):
        schema, conninfo = _schema_with_migrations(ctx, versions)
        try:
            r, log = ctx.cgi("GET", "/ready", database=conninfo)
            expect_status(r, 503, log)
            body = _probe_json(r)
            assert body["status"] == "unavailable" and body["schema"] == seen and \
                body["needs"] == need, body
            assert "run scimctl migrate" in body["reason"], body
            assert "not ready: " in log and "scimctl migrate" in log, log
        finally:
            ctx.psql("DROP SCHEMA %s CASCADE" % schema)


def test_ready_with_a_schema_migrated_ahead(ctx):
    """A rolling upgrade migrates first: the workers not yet replaced stay
    ready, as migrations only add."""
    need = _last_migration()
    schema, conninfo = _schema_with_migrations(ctx, range(1, need + 2))
    try:
        r, log = ctx.cgi("GET", "/ready", database=conninfo)
        expect_status(r, 200, log)
        assert _probe_json(r) == {"status": "ready", "schema": need + 1, "needs": need}
    finally:
        ctx.psql("DROP SCHEMA %s CASCADE" % schema)


def test_not_ready_without_the_database_and_live_all_the_same(ctx):
    unreachable = "host=127.0.0.1 port=1 dbname=scim user=scim connect_timeout=2"
    r, log = ctx.cgi("GET", "/ready", database=unreachable)
    expect_status(r, 503, log)
    body = _probe_json(r)
    assert body == {"status": "unavailable", "reason": "the database cannot be reached"}, \
        "the reason, and not libpq's message (host names, users) to whoever asks: %r" % body
    assert "database connection failed" in log, log
    r, log = ctx.cgi("GET", "/live", database=unreachable)
    expect_status(r, 200, log)
    assert _probe_json(r) == {"status": "live"}
