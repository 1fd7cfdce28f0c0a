"""harness.py - what the end-to-end tests use: an HTTP client for the SCIM
endpoint, the test context and assertion helpers. Python 3 standard library
only.

A test module tests/e2e/test_*.py defines functions test_*(ctx); run.py calls
each with one shared Context. A test that needs data of its own, isolated
from the others, makes a tenant with ctx.new_tenant(). The requests that
make, read, change and list users and groups, and their bodies, are in
resources.py.

    from harness import expect_status, expect_error, q

    def test_lookup_by_user_name(ctx):
        resp = ctx.client.get("/Users?filter=" + q('userName eq "bob"'))
        expect_status(resp, 200)
        assert resp.json["totalResults"] == 0, resp
"""

import http.client
import json
import os
import subprocess
import time
import urllib.parse
import uuid

SCIM_CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"

# The token argument's default: the client's own token.
USE_DEFAULT = object()

# Seconds one request may take before the test fails.
TIMEOUT = 30

# Characters Client.request leaves alone in a path it makes URL-safe: the
# reserved ones and "%", so that existing escapes survive ("#" is escaped:
# a request has no fragment).
_URL_SAFE = "/?&=%:@!$'()*+,;[]~"


def q(text):
    """Percent-encode text for use as one query parameter value."""
    return urllib.parse.quote(str(text), safe="")


class Response:
    """One HTTP response. headers has lower-case names; json is the parsed
    body, or None when the body is empty or not JSON."""

    def __init__(self, method, url, status, headers, body):
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
        self._json = None
        self._parsed = False

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.body) if self.body else None
            except ValueError:
                self._json = None
        return self._json

    def __repr__(self):
        # What an assertion message shows: the request and the start of the body.
        text = self.text
        if len(text) > 600:
            text = text[:600] + "..."
        ctype = self.headers.get("content-type", "-")
        return f"<{self.method} {self.url} -> {self.status} {ctype} {text}>"

    __str__ = __repr__


class Client:
    """HTTP client for the endpoint at base_url (".../scim/v2") with a bearer
    token, connecting from the local address source (default: the system's
    choice, 127.0.0.1 for a loopback URL). Never raises on an HTTP error
    status; network errors do raise."""

    def __init__(self, base_url, token, source=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.source = source
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme != "http":
            raise ValueError(f"only http:// URLs are supported: {base_url}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._prefix = parts.path

    def url(self, path):
        """The full URL of path (relative to base_url, or already full)."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + path

    def request(self, method, path, body=None, headers=None, token=USE_DEFAULT, raw=None,
                timeout=TIMEOUT):
        """Send one request and return its Response.

        path is relative to base_url ("/Users?filter=..."), or a full URL
        such as a Location header. Characters not allowed in a URL (spaces,
        quotes) are percent-encoded; use q() for values that hold "&", "+"
        or "%". body (a dict or list) is sent as JSON with Content-Type
        application/scim+json; raw (bytes or str; also body given as bytes
        or str) is sent as it is, with the same Content-Type unless headers
        name another. A header whose value is None is not sent. token=None
        sends no Authorization header; a string replaces the client's token.
        timeout: seconds to wait for the server, TIMEOUT unless given.
        """
        url = urllib.parse.quote(self.url(path), safe=_URL_SAFE)
        parts = urllib.parse.urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")

        send = {}
        if token is USE_DEFAULT:
            token = self.token
        if token is not None:
            send["Authorization"] = f"Bearer {token}"
        data = None
        if raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        elif body is not None:
            if isinstance(body, (bytes, bytearray)):
                data = bytes(body)
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                # UTF-8 as is, as real clients send it.
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if data is not None:
            send["Content-Type"] = SCIM_CONTENT_TYPE
        # Caller's headers win, whatever the case of their names.
        for name, value in (headers or {}).items():
            for existing in [n for n in send if n.lower() == name.lower()]:
                del send[existing]
            if value is not None:
                send[name] = str(value)

        conn = http.client.HTTPConnection(
            parts.hostname, parts.port or 80, timeout=timeout,
            source_address=(self.source, 0) if self.source else None)
        try:
            conn.request(method.upper(), target, body=data, headers=send)
            resp = conn.getresponse()
            payload = resp.read()
            received = {}
            for name, value in resp.getheaders():
                name = name.lower()
                received[name] = received[name] + ", " + value if name in received else value
            return Response(method.upper(), url, resp.status, received, payload)
        finally:
            conn.close()

    def get(self, path, body=None, **kw):
        return self.request("GET", path, body, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, body, **kw)


class Context:
    """What every test gets: the endpoint, the main client, and ways to make
    tenants, run scimctl, run the worker as CGI and query the database. Reads
    SCIM_URL, SCIM_TOKEN, SCIM_DATABASE, SCIM_SCIMCTL and SCIM_WORKER (set by
    scripts/test)."""

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        missing = [n for n in ("SCIM_URL", "SCIM_TOKEN") if not env.get(n)]
        if missing:
            raise RuntimeError("not set: " + ", ".join(missing) + " (scripts/test sets them)")
        self.base_url = env["SCIM_URL"].rstrip("/")
        self.token = env["SCIM_TOKEN"]
        self.database = env.get("SCIM_DATABASE", "")
        self.scimctl_path = env.get("SCIM_SCIMCTL", "scimctl")
        self.psql_path = env.get("SCIM_PSQL", "psql")
        self.worker_path = env.get("SCIM_WORKER", "scim-fcgi")
        self._env = dict(env)
        self.client = Client(self.base_url, self.token)

    def unique(self, prefix="x"):
        """A string no other call returns: prefix plus random hex."""
        return f"{prefix}{uuid.uuid4().hex[:16]}"

    def scimctl(self, *args, env=None):
        """Run scimctl with the given arguments; returns (returncode, stdout, stderr).
        env adds variables to its environment; a value None removes one."""
        run_env = dict(self._env)
        for name, value in (env or {}).items():
            if value is None:
                run_env.pop(name, None)
            else:
                run_env[name] = value
        proc = subprocess.run(
            [self.scimctl_path, *map(str, args)],
            env=run_env, capture_output=True, text=True, timeout=60,
        )
        return proc.returncode, proc.stdout, proc.stderr

    def new_tenant(self, name=None):
        """Create a tenant (a unique name unless given) with a token; returns a
        Client using that token, with .tenant (the name) and .tenant_id."""
        name = name or self.unique("tenant-")
        code, out, err = self.scimctl("tenant", "add", name)
        assert code == 0, f"scimctl tenant add {name}: exit {code}: {err.strip()}"
        tenant_id = out.strip()
        code, out, err = self.scimctl("token", "add", name, "--title", "e2e")
        assert code == 0, f"scimctl token add {name}: exit {code}: {err.strip()}"
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        assert lines, f"scimctl token add {name} printed no token"
        client = Client(self.base_url, lines[-1])
        client.tenant = name
        client.tenant_id = tenant_id
        return client

    def cgi(self, method, path, body=None, token=None, database=None, headers=None, env=None):
        """Run the worker itself as a CGI program for one request, as a web
        server would, with SCIM_DATABASE database (default: the service's),
        bypassing the web server; token is a client's token, headers more
        request headers ({"If-Match": ...}), env more settings. path is
        relative to the SCIM base ("/Users?filter=..."). Returns the
        Response and the worker's log (its standard error)."""
        if body is None:
            data = b""
        elif isinstance(body, (bytes, str)):
            data = body.encode("utf-8") if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode("utf-8")
        path_info, _, query = path.partition("?")
        parts = urllib.parse.urlsplit(self.base_url)
        run_env = dict(self._env)
        run_env.update({
            "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": method.upper(), "SCRIPT_NAME": parts.path,
            "PATH_INFO": urllib.parse.unquote(path_info), "QUERY_STRING": query,
            "HTTP_HOST": parts.netloc, "SERVER_NAME": parts.hostname,
            "SERVER_PORT": str(parts.port or 80), "REMOTE_ADDR": "127.0.0.2",
            "HTTP_AUTHORIZATION": "Bearer " + (token or self.token),
            "CONTENT_TYPE": SCIM_CONTENT_TYPE, "CONTENT_LENGTH": str(len(data)),
            "SCIM_DATABASE": database or self.database,
        })
        for name, value in (headers or {}).items():
            run_env["HTTP_" + name.upper().replace("-", "_")] = value
        run_env.update(env or {})
        proc = subprocess.run([self.worker_path], input=data, env=run_env,
                              capture_output=True, timeout=60)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(headers.pop("status", "0").split()[0] or 0)
        return (Response(method.upper(), "cgi:" + path, status, headers, payload),
                proc.stderr.decode("utf-8", "replace"))

    def psql(self, sql):
        """Run SQL in the service database; returns psql's unaligned, tuples-only
        output (rows on lines, columns separated by "|"). Raises on an SQL error."""
        proc = subprocess.run(
            [self.psql_path, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.database, "-c", sql],
            env=self._env, capture_output=True, text=True, timeout=60,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed ({proc.returncode}): {proc.stderr.strip()}\n  sql: {sql}")
        return proc.stdout


def log_lines_with(text, timeout=5):
    """The lines of the server logs (SCIM_E2E_LOGS, set by scripts/test) that
    contain text, as soon as there is one, or none after timeout seconds:
    the web servers write the workers' lines with some delay."""
    paths = [p for p in os.environ.get("SCIM_E2E_LOGS", "").split(":") if p]
    assert paths, "SCIM_E2E_LOGS names no log file"
    deadline = time.time() + timeout
    while True:
        found = []
        for path in paths:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    found += [line for line in f if text in line]
            except OSError:
                continue
        if found or time.time() > deadline:
            return found
        time.sleep(0.1)


def expect_status(resp, status, msg=""):
    """Assert the response status: an int, or a collection of allowed ints.
    Returns resp."""
    allowed = (status,) if isinstance(status, int) else tuple(status)
    if resp.status not in allowed:
        wanted = allowed[0] if len(allowed) == 1 else " or ".join(map(str, allowed))
        raise AssertionError(f"{msg + ': ' if msg else ''}expected {wanted}, got {resp!r}")
    return resp


def expect_scim_json(resp, msg=""):
    """Assert a Content-Type of application/scim+json (parameters such as
    charset may follow). Returns resp."""
    ctype = resp.headers.get("content-type", "")
    assert ctype.split(";")[0].strip() == SCIM_CONTENT_TYPE, \
        f"{msg + ': ' if msg else ''}expected Content-Type {SCIM_CONTENT_TYPE}, got {ctype!r}: {resp!r}"
    return resp


def expect_error(resp, status, scim_type=None, msg=""):
    """Assert a SCIM error response (RFC 7644 section 3.12): the status, a
    Content-Type of application/scim+json, the Error schema, "status" as a
    string, and scimType when scim_type is given (a string, or a collection
    of allowed ones). msg says what was sent. Returns the parsed body."""
    expect_status(resp, status, msg)
    expect_scim_json(resp, msg or "error")
    where = msg + ": " if msg else ""
    body = resp.json
    assert isinstance(body, dict), f"{where}error body is not a JSON object: {resp!r}"
    assert ERROR_SCHEMA in (body.get("schemas") or []), f"{where}no Error schema: {resp!r}"
    assert body.get("status") == str(status), \
        f'{where}"status" is {body.get("status")!r}, not the string "{status}": {resp!r}'
    if scim_type is not None:
        allowed = (scim_type,) if isinstance(scim_type, str) else tuple(scim_type)
        assert body.get("scimType") in allowed, \
            f'{where}scimType is {body.get("scimType")!r}, not {" or ".join(map(repr, allowed))}: {resp!r}'
    return body
