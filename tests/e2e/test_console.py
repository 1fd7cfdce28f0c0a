"""The admin console at /scim/admin, over HTTP as a browser would use it:
accounts from scimctl admin add, sign-in with a session cookie, providers
added (the token shown once) and revoked, the provisioning log, and the
security rules: 404 without accounts, escaping, CSRF, headers, tenants
apart, credentials that never cross between the console and the API."""

import html
import http.client
import re
import subprocess
import time
import urllib.parse

from harness import Client, expect_error, expect_status, log_lines_with
from resources import create_user, user_body


class Browser:
    """Requests to the console with the cookie a browser would keep."""

    def __init__(self, ctx):
        parts = urllib.parse.urlsplit(ctx.base_url)
        self.host, self.port = parts.hostname, parts.port
        self.base = parts.path.rsplit("/", 1)[0] + "/admin"
        self.origin = "%s://%s:%d" % (parts.scheme, parts.hostname, parts.port)
        self.cookie = None

    def request(self, method, path, fields=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        send = {"Origin": self.origin} if method == "POST" else {}
        if self.cookie:
            send["Cookie"] = self.cookie
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            send["Content-Type"] = "application/x-www-form-urlencoded"
        send.update(headers or {})
        conn.request(method, self.base + path, body=body, headers=send)
        r = conn.getresponse()
        page = r.read().decode("utf-8", "replace")
        got = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        cookie = got.get("set-cookie")
        if cookie:
            value = cookie.split(";")[0]
            self.cookie = None if value.endswith("=") else value
        return r.status, got, page

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        return self.request("POST", path, fields, **kw)

    def csrf(self, page):
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
        assert m, "a CSRF token in the form:\n" + page[:2000]
        return m.group(1)

    def sign_in(self, name, password):
        status, headers, page = self.post("/sign-in", {"name": name, "password": password})
        assert status == 303, (status, page[:500])
        return headers


def _admin(ctx, *args, password=None):
    proc = subprocess.run([ctx.scimctl_path, "admin", *args], env=ctx._env, capture_output=True,
                          text=True, timeout=60, input=password)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class Accounts:
    """Admin accounts made for a test and removed after it, so that the
    console is off (404) again for the tests that need no account."""

    def __init__(self, ctx):
        self.ctx, self.names = ctx, []

    def add(self, tenant=None):
        name, password = self.ctx.unique("admin-"), self.ctx.unique("secret-")
        _admin(self.ctx, "add", name, *(["--tenant", tenant] if tenant else []), password=password + "\n")
        self.names.append(name)
        return name, password

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for name in self.names:
            _admin(self.ctx, "remove", name)


def test_without_an_account_the_console_is_404(ctx):
    b = Browser(ctx)
    for path in ("/", "/tenants", "/sign-in"):
        status, headers, page = b.get(path)
        assert status == 404, (path, status)


def test_sign_in_session_and_headers(ctx):
    c = ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        b = Browser(ctx)
        status, headers, page = b.get("/")
        assert status == 200 and 'name="password"' in page, status
        assert "default-src 'none'" in headers["content-security-policy"], headers
        assert "script-src 'self'" in headers["content-security-policy"] and "unsafe-inline" not in \
            headers["content-security-policy"], headers
        assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store", headers
        assert "<script>" not in page and "onclick" not in page, "no inline script"

        status, headers, page = b.post("/sign-in", {"name": name, "password": password + "x"})
        assert status == 401 and "wrong" in page, status
        assert [line for line in log_lines_with(name) if "sign-in failed for" in line], \
            "a failed sign-in is logged"
        headers = b.sign_in(name, password)
        cookie = headers["set-cookie"]
        assert re.match(r"scim_console=[A-Za-z0-9_-]{43}; Path=/scim/admin/; HttpOnly; SameSite=Strict$",
                        cookie), cookie
        session_id = cookie.split(";")[0].split("=", 1)[1]
        stored = ctx.psql("SELECT count(*) FROM admin_sessions WHERE session_hash = "
                          "sha256('%s'::bytea)" % session_id).strip()
        assert stored == "1", "the session is stored as its SHA-256"
        status, headers, page = b.get("/")
        assert status == 200 and html.escape(c.tenant) in page and name in page, page[:500]
        assert ctx.psql("SELECT last_sign_in IS NOT NULL FROM admins WHERE name = '%s'" % name).strip() == "t"

        # A form posted without its CSRF token, or from another origin, is refused.
        status, _, _ = b.post("/sign-out", {})
        assert status == 403, status
        status, _, _ = b.post("/sign-out", {"csrf": b.csrf(page)}, headers={"Origin": "https://evil.example"})
        assert status == 403, status
        status, _, _ = b.post("/sign-out", {"csrf": b.csrf(page)})
        assert status == 303 and b.cookie is None, status
        b.cookie = "scim_console=" + session_id
        status, headers, page = b.get("/tenants/%s/providers" % c.tenant_id)
        assert status == 303 and headers["location"] == "/scim/admin/", "signed out: the session is gone"


def test_add_a_provider_use_it_and_revoke_it(ctx):
    c = ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        b = Browser(ctx)
        b.sign_in(name, password)
        status, _, page = b.get("/tenants/%s/providers" % c.tenant_id)
        assert status == 200 and "Add provider" in page, status
        status, _, page = b.post("/tenants/%s/providers" % c.tenant_id, {
            "csrf": b.csrf(page), "title": "Entra <test>", "networks": "127.0.0.0/8\n203.0.113.0/24"})
        assert status == 200 and "Secret Token" in page and "Tenant URL" in page, (status, page[:800])
        token = re.search(r'id="secret-token">(scim_[A-Za-z0-9_-]{43})<', page).group(1)
        url = re.search(r'id="tenant-url">([^<]+)<', page).group(1)
        assert url == ctx.base_url, (url, ctx.base_url)
        assert "Entra &lt;test&gt;" in b.get("/tenants/%s/providers" % c.tenant_id)[2]
        assert token not in b.get("/tenants/%s/providers" % c.tenant_id)[2], "the token is shown once"

        api = Client(ctx.base_url, token)
        uid = create_user(api, user_body(ctx, "console."))["id"]
        expect_status(api.patch("/Users/" + uid, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                  "Operations": [{"op": "replace", "path": "active",
                                                                  "value": False}]}), 200)
        expect_error(api.get("/Users", headers={"X-Forwarded-For": "198.51.100.7"}), 401)
        expect_status(api.get("/Users", headers={"X-Forwarded-For": "203.0.113.9"}), 200)

        status, _, page = b.get("/tenants/%s/log" % c.tenant_id)
        assert status == 200, status
        for action in ("provider added", "created", "disabled"):
            assert ">%s<" % action in page, action
        assert ">console: %s<" % name in page, "the console's action names its administrator"

        token_id = ctx.psql("SELECT max(token_id) FROM tokens WHERE tenant_id = '%s'" % c.tenant_id).strip()
        status, _, page = b.get("/tenants/%s/providers/%s/revoke" % (c.tenant_id, token_id))
        assert status == 200 and "cannot be undone" in page, status
        status, headers, _ = b.post("/tenants/%s/providers/%s/revoke" % (c.tenant_id, token_id),
                                    {"csrf": b.csrf(page)})
        assert status == 303, status
        expect_error(api.get("/Users"), 401)
        assert ctx.psql("SELECT admin FROM provisioning_log WHERE tenant_id = '%s'"
                        " AND action = 'provider revoked'" % c.tenant_id).strip() == name


def test_a_tenant_admin_sees_only_its_tenant(ctx):
    mine, other = ctx.new_tenant(), ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, password = accounts.add(mine.tenant)
        b = Browser(ctx)
        b.sign_in(name, password)
        for path in ("/tenants/%s/providers", "/tenants/%s/log", "/tenants/%s/providers/1/revoke"):
            status, _, _ = b.get(path % other.tenant_id)
            assert status == 404, (path, status)
        status, _, page = b.get("/")
        assert other.tenant not in page and "Add a tenant" not in page
        status, _, _ = b.post("/tenants", {"csrf": b.csrf(page), "name": ctx.unique("t-")})
        assert status == 404, "a tenant's admin cannot add tenants"


def test_an_operator_adds_a_tenant(ctx):
    with Accounts(ctx) as accounts:
        name, password = accounts.add()
        b = Browser(ctx)
        b.sign_in(name, password)
        status, _, page = b.get("/")
        assert "Add a tenant" in page
        tenant = ctx.unique("console-")
        status, _, _ = b.post("/tenants", {"csrf": b.csrf(page), "name": tenant})
        assert status == 303, status
        assert html.escape(tenant) in b.get("/")[2]
        assert ctx.psql("SELECT admin FROM provisioning_log WHERE action = 'tenant added'"
                        " AND resource_name = '%s'" % tenant).strip() == name


def test_hostile_names_are_text(ctx):
    c = ctx.new_tenant()
    create_user(c, user_body(ctx, "x", userName="<script>alert(1)</script>@example.com"))
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        b = Browser(ctx)
        b.sign_in(name, password)
        status, _, page = b.get("/tenants/%s/log" % c.tenant_id)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;@example.com" in page, page[-2000:]
        assert "<script>alert" not in page


def test_bearer_tokens_and_sessions_never_cross(ctx):
    c = ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        b = Browser(ctx)
        status, _, page = b.get("/tenants/%s/providers" % c.tenant_id,
                                headers={"Authorization": "Bearer " + c.token})
        assert status == 303, "a SCIM token opens nothing in the console"
        b.sign_in(name, password)
        r = Client(ctx.base_url, None).get("/Users", headers={"Cookie": b.cookie})
        expect_error(r, 401)


def test_failed_sign_ins_are_slowed(ctx):
    c = ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, _ = accounts.add(c.tenant)
        b = Browser(ctx)
        address = "192.0.2.%d" % (int(time.time()) % 200 + 20)
        times = []
        for _ in range(6):
            start = time.monotonic()
            status, _, _ = b.post("/sign-in", {"name": name, "password": "wrong password"},
                                  headers={"X-Forwarded-For": address})
            times.append(time.monotonic() - start)
            assert status == 401, status
        assert times[-1] >= 1.0 and times[0] < 1.0, times
        assert ctx.psql("SELECT count(*) FROM admin_sign_in_failures WHERE client_address = '%s'"
                        % address).strip() == "6"


def test_users_groups_and_their_pages(ctx):
    from harness import BULK_REQUEST_SCHEMA, GROUP_SCHEMA
    c, other = ctx.new_tenant(), ctx.new_tenant()
    prefix = ctx.unique("page")
    ops = [{"method": "POST", "path": "/Users", "bulkId": "u%d" % i,
            "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                     "userName": "%s-%03d@example.com" % (prefix, i), "displayName": "Page %d" % i}}
           for i in range(105)]
    r = expect_status(c.post("/Bulk", {"schemas": [BULK_REQUEST_SCHEMA], "Operations": ops}), 200)
    assert all(op["status"] == "201" for op in r.json["Operations"]), r.json
    ada = create_user(c, user_body(ctx, "ada.", displayName="Ada <Lovelace>"))
    group = expect_status(c.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Engineers & Co",
                                             "members": [{"value": ada["id"]}]}), 201).json
    stranger = create_user(other, user_body(ctx, "stranger."))
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        b = Browser(ctx)
        b.sign_in(name, password)
        t = "/tenants/%s" % c.tenant_id
        status, _, page = b.get(t + "/users")
        assert status == 200 and page.count("%s-" % prefix) == 49 and 'class="next"' in page, status
        status, _, page = b.get(t + "/users?page=2")
        assert page.count("%s-" % prefix) == 6 and 'class="next"' not in page, page.count(prefix)
        status, _, page = b.get(t + "/users?q=" + urllib.parse.quote(prefix.upper() + "-10"))
        assert page.count("%s-10" % prefix) == 5, "a search by the start of the name, in any case"
        status, _, page = b.get(t + "/users?q=%25")
        assert prefix not in page, "% is a character, not a pattern"

        status, _, page = b.get(t + "/users/" + ada["id"])
        assert status == 200 and "Ada &lt;Lovelace&gt;" in page and "Engineers &amp; Co" in page, status
        assert ">created<" in page, "the user's log"
        status, _, page = b.get(t + "/groups/" + group["id"])
        assert status == 200 and html.escape(ada["userName"]) in page and "1 in all" in page, status
        status, _, page = b.get(t + "/groups")
        assert "Engineers &amp; Co" in page
        for path in ("/users/" + stranger["id"], "/users/not-a-uuid", "/groups/" + ada["id"]):
            assert b.get(t + path)[0] == 404, path

        status, _, page = b.get(t + "/log")
        assert page.count("<tr>") == 101 and 'class="next"' in page, page.count("<tr>")
        older = re.search(r'class="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
        status, _, page = b.get(t + "/log" + older)
        assert status == 200 and page.count("<tr>") == 8, page.count("<tr>")
        status, _, page = b.get(t + "/log?failed=1")
        assert page.count("<tr>") == 1, "no failures: the header row alone"


def test_sessions_end_idle_and_after_twelve_hours(ctx):
    c = ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        for column, age in (("last_seen", "31 minutes"), ("created", "12 hours 1 minute")):
            b = Browser(ctx)
            b.sign_in(name, password)
            assert b.get("/")[0] == 200
            ctx.psql("UPDATE admin_sessions SET %s = now() - interval '%s'"
                     " WHERE admin_id = (SELECT admin_id FROM admins WHERE name = '%s')"
                     % (column, age, name))
            status, headers, _ = b.get("/tenants/%s/providers" % c.tenant_id)
            assert status == 303 and headers["location"] == "/scim/admin/", (column, status)


def test_the_session_cookie_is_secure_behind_https(ctx):
    """Run as CGI behind HTTPS (HTTPS=on), the worker marks the cookie Secure."""
    c = ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        form = urllib.parse.urlencode({"name": name, "password": password})
        r, log = ctx.cgi("POST", "/sign-in", form, env={
            "SCRIPT_NAME": "/scim/admin", "HTTPS": "on",
            "CONTENT_TYPE": "application/x-www-form-urlencoded"})
        assert r.status == 303, (r, log)
        cookie = r.headers.get("set-cookie", "")
        assert cookie.endswith("; HttpOnly; SameSite=Strict; Secure"), cookie


def test_an_address_with_twenty_failures_is_refused(ctx):
    c = ctx.new_tenant()
    with Accounts(ctx) as accounts:
        name, password = accounts.add(c.tenant)
        address = "192.0.2.%d" % (int(time.time() * 7) % 200 + 20)
        ctx.psql("INSERT INTO admin_sign_in_failures (client_address)"
                 " SELECT '%s' FROM generate_series(1, 20)" % address)
        b = Browser(ctx)
        status, _, page = b.post("/sign-in", {"name": name, "password": password},
                                 headers={"X-Forwarded-For": address})
        assert status == 429 and "try again in 15 minutes" in page, status
        assert b.cookie is None, "not even the right password signs in"
        ctx.psql("DELETE FROM admin_sign_in_failures WHERE client_address = '%s'" % address)
