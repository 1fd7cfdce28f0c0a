"""The workers' log lines as an operator reads them: one line per request
in key=value pairs, with an ISO 8601 UTC time, the request id (returned to
the client in X-Request-Id), the tenant and provider, the client, the
answer and, for an error, why."""

import re

from harness import Client, expect_error, expect_status, log_lines_with
from resources import create_user, user_body

# Apache's CGI module writes its own prefix before the worker's line.
TIME = re.compile(r"(^|: )time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=\w+ pid=\d+ ")


def _line_of(request_id):
    lines = [line for line in log_lines_with("req=%s " % request_id) if " status=" in line]
    assert len(lines) == 1, "one line for request %s: %r" % (request_id, lines)
    return lines[0]


def _token_id(ctx, c):
    return ctx.psql("SELECT token_id FROM tokens WHERE tenant_id = '%s'" % c.tenant_id).strip()


def test_a_request_line_names_who_what_and_the_answer(ctx):
    c = ctx.new_tenant()
    body = user_body(ctx, "line.")
    r = expect_status(c.post("/Users", body), 201)
    rid = r.headers.get("x-request-id", "")
    assert re.fullmatch(r"[0-9a-f]{16}", rid), "a request id in X-Request-Id: %r" % r.headers
    line = _line_of(rid)
    assert TIME.search(line), line
    for pair in ("level=info", "tenant=%s" % c.tenant, "token=%s" % _token_id(ctx, c),
                 "provider=e2e", "method=POST", "path=/Users", "status=201"):
        assert " %s " % pair in line + " ", "%s in %r" % (pair, line)
    assert re.search(r" client=127\.0\.0\.1 ", line) and re.search(r" ms=\d+\.\d( |$)", line), line
    assert c.token not in line

    r = c.post("/Users", body)
    expect_error(r, 409, "uniqueness")
    line = _line_of(r.headers["x-request-id"])
    assert ' scim_type=uniqueness detail="userName is already taken"' in line, line


def test_the_clients_request_id_is_kept_when_it_is_sane(ctx):
    c = ctx.new_tenant()
    sent = ctx.unique("entra-5f0c.")
    r = expect_status(c.get("/Users", headers={"X-Request-Id": sent}), 200)
    assert r.headers.get("x-request-id") == sent, r.headers
    assert "method=GET" in _line_of(sent)
    uid = create_user(c, user_body(ctx, "rid."))["id"]
    ticket = ctx.unique("ticket-")
    expect_status(c.delete("/Users/" + uid, headers={"X-Request-Id": ticket}), 204)
    assert ctx.psql("SELECT action FROM provisioning_log WHERE request_id = '%s'" % ticket).strip() == \
        "deleted", "the provisioning log has the same id"
    for insane in ("has space", "x" * 37, "quote\"d", "semi;colon"):
        r = c.get("/Users", headers={"X-Request-Id": insane})
        assert re.fullmatch(r"[0-9a-f]{16}", r.headers.get("x-request-id", "")), (insane, r.headers)


def test_a_401_says_why_in_the_log_only(ctx):
    c = ctx.new_tenant()
    cases = []
    r = Client(ctx.base_url, None).get("/Users")
    cases.append((r, "no token"))
    r = Client(ctx.base_url, "scim_" + "x" * 43).get("/Users")
    cases.append((r, "unknown token"))
    rc, out, err = ctx.scimctl("token", "add", c.tenant, "--title", "old", "--expires", "2001-01-01")
    assert rc == 0, err
    cases.append((Client(ctx.base_url, out.strip()).get("/Users"), "expired"))
    rc, out, err = ctx.scimctl("token", "add", c.tenant, "--title", "gone")
    token = out.strip()
    token_id = ctx.psql("SELECT max(token_id) FROM tokens WHERE tenant_id = '%s'" % c.tenant_id).strip()
    assert ctx.scimctl("token", "revoke", token_id)[0] == 0
    cases.append((Client(ctx.base_url, token).get("/Users"), "revoked"))
    for r, why in cases:
        expect_error(r, 401)
        assert why not in r.text, "the client is not told why: %r" % r.text
        line = _line_of(r.headers["x-request-id"])
        assert ' status=401 ' in line and ' reason="%s"' % why in line + " " or \
            ' reason=%s' % why in line, (why, line)


def test_debug_names_each_statement_and_its_time(ctx):
    c = ctx.new_tenant()
    r, log = ctx.cgi("GET", "/Users?count=1", token=c.token, env={"SCIM_LOG_LEVEL": "debug"})
    expect_status(r, 200, log)
    prepared = re.findall(r" prepared=(\w+) sql=\"([^\"]*)", log)
    ran = re.findall(r" statement=(\w+) ms=(\d+\.\d\d) rows=(\d+)", log)
    assert prepared and ran, log
    assert {name for name, _ in prepared} >= {name for name, _, _ in ran}, \
        "each statement run is named where it was prepared:\n" + log
    r, log = ctx.cgi("GET", "/Users?count=1", token=c.token)
    assert " statement=" not in log and " level=debug " not in log, log
