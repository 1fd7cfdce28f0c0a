"""Bearer token authentication and tenant isolation."""

import datetime
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from harness import (ERROR_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, Client, expect_error, expect_status,
                     log_lines_with, q)
from resources import create_user, user_body


def _user(ctx):
    return user_body(ctx, "auth.user", displayName="Auth User")


def _expect_401(r, what):
    """A JSON SCIM 401 with a detail and a Bearer challenge."""
    j = expect_error(r, 401, msg=what)
    assert j.get("schemas") == [ERROR_SCHEMA], \
        "%s: expected a SCIM error body, got %r" % (what, r.text[:200])
    assert isinstance(j.get("detail"), str) and j["detail"], "%s: expected a detail, got %r" % (what, j)
    challenge = r.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer"), \
        "%s: expected a WWW-Authenticate: Bearer header, got %r" % (what, challenge)


def _resource_requests(uid):
    """(method, path, body) for every kind of resource request."""
    return [
        ("GET", "/Users", None),
        ("GET", "/Users?filter=" + q('userName eq "x"'), None),
        ("GET", "/Users/" + uid, None),
        ("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "intruder-" + uuid.uuid4().hex}),
        ("PUT", "/Users/" + uid, {"schemas": [USER_SCHEMA], "userName": "intruder-" + uuid.uuid4().hex}),
        ("PATCH", "/Users/" + uid, {"schemas": [PATCH_SCHEMA],
                                     "Operations": [{"op": "replace", "path": "displayName", "value": "hacked"}]}),
        ("DELETE", "/Users/" + uid, None),
    ]


def test_missing_token_is_401_everywhere(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    for method, path, body in _resource_requests(u["id"]):
        r = c.request(method, path, body=body, token=None)
        _expect_401(r, "%s %s without a token" % (method, path))
    g = c.get("/Users/" + u["id"])
    expect_status(g, 200, "GET with the token")
    assert g.json == u, "expected the user unchanged after unauthenticated writes, got %r" % g.json
    listing = c.get("/Users")
    assert listing.json.get("totalResults") == 1, \
        "expected no user created without a token, got %r" % listing.json


def test_wrong_token_is_401_everywhere(ctx):
    c = ctx.new_tenant()
    u = create_user(c, _user(ctx))
    for method, path, body in _resource_requests(u["id"]):
        r = c.request(method, path, body=body, token="wrong-" + uuid.uuid4().hex)
        _expect_401(r, "%s %s with a wrong token" % (method, path))
    g = c.get("/Users/" + u["id"])
    assert g.status == 200 and g.json == u, "expected the user unchanged after rejected writes, got %r" % g.text[:300]
    assert c.get("/Users").json.get("totalResults") == 1, "expected no user created with a wrong token"


def test_malformed_authorization_headers_are_401(ctx):
    c = ctx.client
    token = ctx.token
    variants = [
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Basic dXNlcjpwYXNzd29yZA==",
        "Token " + token,
        token,
        "Bearer " + token + "x",
        "Bearer " + token[:-1],
        "Bearer " + token + " extra",
        "Bearer x" + token,
        "Bearer \"" + token + "\"",
    ]
    if token.swapcase() != token:
        variants.append("Bearer " + token.swapcase())
    for header in variants:
        r = c.get("/Users", token=None, headers={"Authorization": header})
        _expect_401(r, "Authorization: %r" % header)


def test_bearer_scheme_is_case_insensitive(ctx):
    # RFC 7235 2.1: the auth-scheme is a case-insensitive token.
    r = ctx.client.get("/Users?count=1", token=None, headers={"Authorization": "bearer " + ctx.token})
    expect_status(r, 200, "lower-case bearer scheme with a valid token")


def test_valid_token_is_accepted(ctx):
    r = ctx.client.get("/Users?count=1")
    expect_status(r, 200, "GET /Users with the valid token")


def test_discovery_readable_with_token(ctx):
    for path in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas"):
        r = ctx.client.get(path)
        expect_status(r, 200, "GET " + path)
        assert isinstance(r.json, dict), "expected JSON from %s, got %r" % (path, r.text[:200])


def test_tenant_cannot_see_other_tenants_users(ctx):
    a = ctx.new_tenant()
    b = ctx.new_tenant()
    u = create_user(a, _user(ctx))
    uid = u["id"]

    expect_error(b.get("/Users/" + uid), 404)
    for filt in ('userName eq "%s"' % u["userName"], 'id eq "%s"' % uid,
                 'displayName eq "Auth User"', "userName pr"):
        r = b.get("/Users?filter=" + q(filt))
        expect_status(r, 200, "tenant B filter " + filt)
        assert r.json.get("totalResults") == 0 and r.json.get("Resources") == [], \
            "expected tenant B to find nothing with %s, got %r" % (filt, r.json)
    r = b.get("/Users")
    assert r.json.get("totalResults") == 0, "expected tenant B's list empty, got %r" % r.json

    r = b.patch("/Users/" + uid, {"schemas": [PATCH_SCHEMA],
                                  "Operations": [{"op": "replace", "path": "displayName", "value": "hacked"}]})
    expect_error(r, 404)
    r = b.put("/Users/" + uid, {"schemas": [USER_SCHEMA], "userName": u["userName"], "displayName": "hacked"})
    expect_error(r, 404)
    expect_error(b.delete("/Users/" + uid), 404)

    g = a.get("/Users/" + uid)
    expect_status(g, 200, "tenant A still reads its user")
    assert g.json == u, "expected tenant A's user unchanged after tenant B's writes, got %r" % g.json
    assert b.get("/Users").json.get("totalResults") == 0, "expected tenant B still empty (PUT must not create)"


def test_same_username_in_two_tenants(ctx):
    a = ctx.new_tenant()
    b = ctx.new_tenant()
    body = _user(ctx)
    ua = create_user(a, body)
    r = b.post("/Users", body)
    expect_status(r, 201, "the same userName in another tenant")
    assert r.json["id"] != ua["id"], "expected distinct ids, got %r twice" % ua["id"]
    ra = a.get("/Users?filter=" + q('userName eq "%s"' % body["userName"]))
    assert [x["id"] for x in ra.json["Resources"]] == [ua["id"]], \
        "expected tenant A to see only its own user, got %r" % ra.json


def _token_ids(text):
    """Token ids from `scimctl token list TENANT`: the numeric first column
    of each row (the first line is a header)."""
    return [line.split()[0] for line in text.splitlines()
            if line.split() and line.split()[0].isdigit()]


def test_revoked_token_is_401(ctx):
    name = ctx.unique("revoke-")
    c = ctx.new_tenant(name)
    expect_status(c.get("/Users"), 200, "the new tenant's token before revocation")
    rc, out, err = ctx.scimctl("token", "list", name)
    assert rc == 0, "expected scimctl token list to succeed, got rc %d: %s" % (rc, err)
    ids = _token_ids(out)
    assert len(ids) == 1, "expected one token id for tenant %s, got %r from %r" % (name, ids, out)

    # A second token of the same tenant must survive the revocation of the first.
    rc, out, err = ctx.scimctl("token", "add", name, "--title", "second")
    assert rc == 0, "expected scimctl token add to succeed, got rc %d: %s" % (rc, err)
    second = Client(ctx.base_url, [l.strip() for l in out.splitlines() if l.strip()][-1])
    u = create_user(second, _user(ctx))

    rc, out, err = ctx.scimctl("token", "revoke", ids[0])
    assert rc == 0, "expected scimctl token revoke to succeed, got rc %d: %s" % (rc, err)
    for method, path, body in _resource_requests(u["id"]):
        _expect_401(c.request(method, path, body=body), "%s %s with a revoked token" % (method, path))
    g = second.get("/Users/" + u["id"])
    expect_status(g, 200, "the tenant's other token after the revocation")
    assert g.json == u, "expected the user unchanged after writes with the revoked token, got %r" % g.json
    assert second.get("/Users").json.get("totalResults") == 1, \
        "expected no user created with the revoked token"
    expect_status(ctx.client.get("/Users?count=1"), 200, "another tenant's token after the revocation")


def _token_add(ctx, tenant, *extra):
    rc, out, err = ctx.scimctl("token", "add", tenant, "--title", "provider " + tenant, *extra)
    assert rc == 0, "expected scimctl token add to succeed, got rc %d: %s" % (rc, err)
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    assert len(lines) == 1, "expected the token alone on stdout, got %r" % out
    return lines[0]


def test_ip_restriction_per_token(ctx):
    """Seed apps: each provider may be limited to networks (IP-based access
    restriction). The tests reach the server from 127.0.0.1."""
    name = ctx.unique("ip-")
    ctx.new_tenant(name)
    elsewhere = Client(ctx.base_url, _token_add(ctx, name, "--allow", "192.0.2.0/24"))
    here = Client(ctx.base_url, _token_add(ctx, name, "--allow", "10.0.0.0/8",
                                           "--allow", "127.0.0.0/8"))
    _expect_401(elsewhere.get("/Users"), "a token allowed only from 192.0.2.0/24")
    expect_status(here.get("/Users"), 200, "a token allowed from 127.0.0.0/8")
    rc, out, err = ctx.scimctl("token", "list", name)
    assert "192.0.2.0/24" in out and "127.0.0.0/8" in out, \
        "expected token list to show the allowed networks, got %r" % out
    rc, out, err = ctx.scimctl("token", "add", name, "--title", "x", "--allow", "not-a-network")
    assert rc != 0, "expected scimctl to refuse a malformed network, got rc 0: %r" % out


def test_ip_restriction_behind_a_trusted_proxy(ctx):
    """Behind a load balancer the client is named in X-Forwarded-For, which
    the workers believe only from SCIM_TRUSTED_PROXIES: scripts/test trusts
    127.0.0.1, where the tests connect from, while a request from 127.0.0.2
    stands for a client that reaches the web server directly."""
    trusted = os.environ.get("SCIM_TRUSTED_PROXIES", "")
    assert trusted == "127.0.0.1/32", \
        "expected scripts/test to set SCIM_TRUSTED_PROXIES=127.0.0.1/32, got %r" % trusted
    name = ctx.unique("proxy-")
    ctx.new_tenant(name)
    token = _token_add(ctx, name, "--allow", "203.0.113.0/24")
    via_proxy = Client(ctx.base_url, token)
    direct = Client(ctx.base_url, token, source="127.0.0.2")
    loopback = Client(ctx.base_url, _token_add(ctx, name, "--allow", "127.0.0.0/8"),
                      source="127.0.0.2")

    def xff(value):
        return {"X-Forwarded-For": value}

    _expect_401(via_proxy.get("/Users"), "no X-Forwarded-For from the proxy")
    expect_status(via_proxy.get("/Users", headers=xff("203.0.113.7")), 200,
                  "a client in 203.0.113.0/24 behind the proxy")
    expect_status(via_proxy.get("/Users", headers=xff("198.51.100.1, 203.0.113.7")), 200,
                  "a client in 203.0.113.0/24 that sent its own X-Forwarded-For")
    _expect_401(via_proxy.get("/Users", headers=xff("203.0.113.7, 198.51.100.1")),
                "a client at 198.51.100.1 that claims 203.0.113.7 in X-Forwarded-For")
    expect_status(via_proxy.get("/Users", headers=xff("203.0.113.7, 127.0.0.1")), 200,
                  "a client in 203.0.113.0/24 behind two proxies")
    _expect_401(via_proxy.get("/Users", headers=xff("garbage")),
                "a malformed X-Forwarded-For: the proxy's own address counts")
    _expect_401(direct.get("/Users", headers=xff("203.0.113.7")),
                "X-Forwarded-For from 127.0.0.2, which is not a trusted proxy")
    expect_status(loopback.get("/Users", headers=xff("203.0.113.7")), 200,
                  "X-Forwarded-For ignored from 127.0.0.2: the token allowed from 127.0.0.0/8")
    # The operator sees who was refused: the client, not the proxy.
    assert log_lines_with("refused from 198.51.100.1 by its IP restriction"), \
        "expected a log line naming 198.51.100.1 as the refused client"
    assert log_lines_with('client=127.0.0.2 method=GET path=/Users status=401'), \
        "expected the request log lines to name the client address"
    assert log_lines_with('client=198.51.100.1 method=GET path=/Users status=401 ms='), \
        "expected the refused client named"
    assert [line for line in log_lines_with('client=198.51.100.1 method=GET path=/Users status=401')
            if 'reason="address not allowed"' in line], "a 401's line says why"


def test_token_add_shows_the_tenant_url(ctx):
    """The administrator pastes a Tenant URL and a Secret Token into Entra:
    scimctl token add shows the first (SCIM_BASE_URL, as the workers read
    it) on stderr, and the token stays alone on stdout for scripts."""
    name = ctx.unique("url-")
    ctx.new_tenant(name)
    rc, out, err = ctx.scimctl("token", "add", name, "--title", "Entra",
                               env={"SCIM_BASE_URL": "https://scim.example.com/scim/v2/"})
    assert rc == 0, "expected scimctl token add to succeed, got rc %d: %s" % (rc, err)
    lines = [l for l in out.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("scim_"), \
        "expected the token alone on stdout, got %r" % out
    assert "Tenant URL: https://scim.example.com/scim/v2\n" in err, \
        "expected a line 'Tenant URL: https://scim.example.com/scim/v2' on stderr, got %r" % err
    assert err.index("Tenant URL:") < err.index("Secret Token"), \
        "expected the Tenant URL before the token's note, got %r" % err
    expect_status(Client(ctx.base_url, lines[0]).get("/Users"), 200, "the new token")

    rc, out, err = ctx.scimctl("token", "add", name, "--title", "Okta",
                               env={"SCIM_BASE_URL": None})
    assert rc == 0, "expected scimctl token add to succeed, got rc %d: %s" % (rc, err)
    assert len([l for l in out.splitlines() if l.strip()]) == 1, \
        "expected the token alone on stdout, got %r" % out
    assert "Tenant URL: " in err and "set SCIM_BASE_URL" in err, \
        "expected stderr to say how to have the Tenant URL shown, got %r" % err


def test_tokens_are_stored_hashed_and_never_shown_again(ctx):
    name = ctx.unique("hash-")
    ctx.new_tenant(name)
    token = _token_add(ctx, name)
    assert len(token) >= 43, "expected at least 256 bits of token, got %r" % token
    expect_status(Client(ctx.base_url, token).get("/Users"), 200, "the new token")
    stored = ctx.psql("SELECT encode(k.token_hash, 'hex') FROM tokens k JOIN tenants t"
                      " USING (tenant_id) WHERE t.name = '%s'" % name).split()
    import hashlib
    assert hashlib.sha256(token.encode()).hexdigest() in stored, \
        "expected the SHA-256 of the token in tokens.token_hash, got %r" % stored
    dump = ctx.psql("SELECT row_to_json(k)::text FROM tokens k")
    assert token not in dump, "the token itself is stored in the tokens table"
    rc, out, err = ctx.scimctl("token", "list")
    assert token not in out and token not in err, "scimctl token list shows a token"
    last_used = ctx.psql("SELECT k.last_used IS NOT NULL FROM tokens k JOIN tenants t"
                         " USING (tenant_id) WHERE t.name = '%s'" % name).split()
    assert "t" in last_used, "expected last_used to be recorded after a request, got %r" % last_used


def test_tokens_never_reach_the_logs(ctx):
    import os
    token = ctx.token
    ctx.client.get("/Users?filter=" + q('userName eq "log-check"'))
    Client(ctx.base_url, token + "x").get("/Users")
    paths = [p for p in os.environ.get("SCIM_E2E_LOGS", "").split(":") if p]
    assert paths, "SCIM_E2E_LOGS names no log file"
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as f:
            text = f.read()
        assert token not in text, "the bearer token appears in %s" % path
        assert token[5:25] not in text, "part of the bearer token appears in %s" % path


# Workers keep the tokens they have checked in memory, and each request
# checks, in the round trip of its first statement, that no token changed
# since (token_epoch). These tests have every worker
# keep the token first (concurrent requests reach every worker of the pool),
# change it, and expect the very next requests, to whichever worker, to see
# the change.
SPREAD = 48


def _statuses(client, path="/Users?count=1", n=SPREAD):
    """Statuses of n concurrent requests, which the web server spreads over
    its workers."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: client.get(path).status, range(n)))


def _kept_everywhere(client, what):
    statuses = _statuses(client)
    assert statuses == [200] * SPREAD, "%s: expected 200 from every worker, got %r" % (what, statuses)


def _refused_everywhere(client, what):
    statuses = _statuses(client)
    assert statuses == [401] * SPREAD, "%s: expected 401 from every worker, got %r" % (what, statuses)


def _new_token(ctx, *extra):
    """(tenant, token id, Client) of a new tenant's first token."""
    name = ctx.unique("cache-")
    ctx.new_tenant(name)
    token = _token_add(ctx, name, *extra)
    ids = _token_ids(ctx.scimctl("token", "list", name)[1])
    return name, ids[-1], Client(ctx.base_url, token)


def _token_row(ctx, tenant, token_id):
    """The columns of one token's row in `scimctl token list TENANT`."""
    rc, out, err = ctx.scimctl("token", "list", tenant)
    assert rc == 0, "expected token list to succeed, got rc %d: %s" % (rc, err)
    rows = [line.split("\t") for line in out.splitlines() if line.split("\t")[0] == token_id]
    assert len(rows) == 1, "expected token %s listed once, got %r" % (token_id, out)
    return rows[0]


def test_revocation_reaches_every_worker_at_once(ctx):
    name, token_id, c = _new_token(ctx)
    _kept_everywhere(c, "before the revocation")
    rc, out, err = ctx.scimctl("token", "revoke", token_id)
    assert rc == 0, "expected token revoke to succeed, got rc %d: %s" % (rc, err)
    _expect_401(c.get("/Users"), "the first request after the revocation")
    _refused_everywhere(c, "after the revocation")


def test_restriction_reaches_every_worker_at_once(ctx):
    name, token_id, c = _new_token(ctx)
    _kept_everywhere(c, "before the restriction")
    rc, out, err = ctx.scimctl("token", "restrict", token_id, "--allow", "192.0.2.0/24")
    assert rc == 0, "expected token restrict to succeed, got rc %d: %s" % (rc, err)
    _expect_401(c.get("/Users"), "the first request after the restriction")
    _refused_everywhere(c, "after a restriction to 192.0.2.0/24")
    rc, out, err = ctx.scimctl("token", "list", name)
    assert "192.0.2.0/24" in out, "expected token list to show the restriction, got %r" % out
    rc, out, err = ctx.scimctl("token", "restrict", token_id, "--allow", "127.0.0.0/8")
    assert rc == 0, "expected token restrict to succeed, got rc %d: %s" % (rc, err)
    _kept_everywhere(c, "allowed from 127.0.0.0/8 again")
    # The administrator's own UPDATE in psql is seen as well.
    ctx.psql("UPDATE tokens SET allowed_networks = '{198.51.100.0/24}' WHERE token_id = %d"
             % int(token_id))
    _refused_everywhere(c, "after a restriction made with psql")
    rc, out, err = ctx.scimctl("token", "restrict", token_id)
    assert rc == 0 and "any address" in out, \
        "expected token restrict without --allow to lift it, got rc %d: %r %r" % (rc, out, err)
    _kept_everywhere(c, "unrestricted")
    rc, out, err = ctx.scimctl("token", "restrict", token_id, "--allow", "banana")
    assert rc != 0, "expected a malformed network refused, got rc 0: %r" % out
    _kept_everywhere(c, "after a refused restriction")


def test_expiry_is_kept_to_the_second(ctx):
    # Expiring in 3 s: every worker keeps the token, none beyond its expiry,
    # though nothing changes in the database.
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=3)
    name, token_id, c = _new_token(ctx, "--expires", expires.isoformat())
    _kept_everywhere(c, "before the expiry")
    row = _token_row(ctx, name, token_id)
    assert row[-1] == "valid" and row[-2] != "never", \
        "expected token list to show the expiry and 'valid', got %r" % row
    time.sleep(max(0.0, (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))
    _expect_401(c.get("/Users"), "the first request after the expiry")
    _refused_everywhere(c, "after the expiry")
    row = _token_row(ctx, name, token_id)
    assert row[-1] == "expired", "expected token list to say 'expired', got %r" % row


def test_expiry_set_by_psql_reaches_every_worker(ctx):
    name, token_id, c = _new_token(ctx)
    _kept_everywhere(c, "before the expiry")
    ctx.psql("UPDATE tokens SET expires = now() WHERE token_id = %d" % int(token_id))
    _refused_everywhere(c, "after expires = now()")


def test_token_add_expiry_is_checked(ctx):
    name = ctx.unique("expiry-")
    ctx.new_tenant(name)
    rc, out, err = ctx.scimctl("token", "add", name, "--title", "x", "--expires", "banana")
    assert rc != 0 and out.strip() == "", "expected a malformed expiry refused, got rc %d: %r" % (rc, out)
    past = Client(ctx.base_url, _token_add(ctx, name, "--expires", "2001-01-01 00:00+00"))
    _expect_401(past.get("/Users"), "a token that expired in 2001")
