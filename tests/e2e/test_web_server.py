"""test_web_server.py - what the web server in front of the worker must get
right, under every server scripts/test runs the suite through (lighttpd,
Apache with mod_fcgid, Apache with plain CGI, the shared-hosting .htaccess,
nginx):
the bearer token reaches the worker, every path under the prefix is the
worker's, and the errors the web server answers itself (bodies and URLs
beyond its limits, malformed requests) are SCIM errors too, never HTML.

The static error documents of apache/errors and lighttpd/errors all say
"web server" in their detail; the worker's errors never do. That tells who
answered.
"""

import http.client
import os
import select
import socket
import urllib.parse

from harness import (LIST_SCHEMA, SCIM_CONTENT_TYPE, Response, expect_error, expect_scim_json, expect_status,
                     log_lines_with, q)

# Beyond the body limit of every shipped configuration (8 MiB).
OVER_SERVER_LIMIT = 9 * 1024 * 1024
# Beyond the worker's default SCIM limit (1 MiB), within the servers'.
OVER_SCIM_LIMIT = 2 * 1024 * 1024


def _answered_by_worker(body, resp):
    assert "web server" not in (body.get("detail") or ""), \
        f"the web server answered, not the worker: {resp!r}"


def _answered_by_anyone(resp, statuses):
    """Assert a SCIM error with one of statuses, whoever answered."""
    expect_status(resp, statuses)
    return expect_error(resp, resp.status)


class _Raw:
    """One HTTP/1.1 request on a socket of its own, for what http.client
    cannot send: a body that the server may refuse before it has all of it.
    The body goes out in pieces; when an answer arrives meanwhile, sending
    stops and the answer is read."""

    def __init__(self, ctx):
        parts = urllib.parse.urlsplit(ctx.base_url)
        self.host, self.port, self.prefix = parts.hostname, parts.port or 80, parts.path

    def send(self, method, path, headers, pieces):
        sock = socket.create_connection((self.host, self.port), timeout=30)
        try:
            head = f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            sock.sendall((head + "Connection: close\r\n\r\n").encode("latin-1"))
            for piece in pieces:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                try:
                    sock.sendall(piece)
                except (BrokenPipeError, ConnectionResetError):
                    break
            resp = http.client.HTTPResponse(sock, method=method)
            resp.begin()
            payload = resp.read()
            headers = {name.lower(): value for name, value in resp.getheaders()}
            return Response(method, self.prefix + path, resp.status, headers, payload)
        finally:
            sock.close()


def _post_raw(ctx, framing, pieces):
    """POST /Users with _Raw: the token, a SCIM Content-Type and framing, the
    header that says how long the body is (Content-Length or
    Transfer-Encoding); the body in pieces."""
    headers = {"Authorization": f"Bearer {ctx.token}", "Content-Type": SCIM_CONTENT_TYPE}
    headers.update(framing)
    return _Raw(ctx).send("POST", "/Users", headers, pieces)


def _pieces(total, size=65536):
    piece = b"a" * size
    for _ in range(total // size):
        yield piece


def _chunked(total, size=65536):
    for piece in _pieces(total, size):
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


def test_token_reaches_the_worker(ctx):
    resp = expect_status(ctx.client.get("/Users?count=1"), 200)
    expect_scim_json(resp)
    assert LIST_SCHEMA in resp.json["schemas"], resp


def test_token_missing_or_not_bearer_is_the_workers_401(ctx):
    for headers, token in (({}, None), ({"Authorization": "Basic c2NpbTpzY2lt"}, None),
                           ({}, "scim_not-a-token")):
        resp = ctx.client.get("/Users", headers=headers, token=token)
        body = expect_error(resp, 401)
        _answered_by_worker(body, resp)
        assert "bearer" in resp.headers.get("www-authenticate", "").lower(), resp


def test_unknown_paths_under_the_prefix_are_the_workers_404(ctx):
    for path in ("/Nope", "/", "", "/Users/x/y", "/users.php", "/.htaccess", "/scim.fcgi",
                 "/v2/Users"):
        for token in (ctx.token, None):
            resp = ctx.client.get(path, token=token)
            body = expect_error(resp, 404)
            _answered_by_worker(body, resp)


def test_encoded_slash_and_nul_in_the_path_are_scim_errors(ctx):
    # Apache refuses both before it maps the URL (unless AllowEncodedSlashes
    # lets %2F through to the worker); lighttpd passes %2F on.
    for path in ("/Users/a%2Fb", "/Users/%00"):
        for token in (ctx.token, None):
            _answered_by_anyone(ctx.client.get(path, token=token), (400, 401, 404))


def test_body_over_the_scim_limit_is_the_workers_413(ctx):
    resp = ctx.client.post("/Users", raw=b"a" * OVER_SCIM_LIMIT)
    body = expect_error(resp, 413)
    _answered_by_worker(body, resp)


def test_body_over_the_server_limit_is_a_scim_413(ctx):
    resp = _post_raw(ctx, {"Content-Length": str(OVER_SERVER_LIMIT)}, _pieces(OVER_SERVER_LIMIT))
    expect_error(resp, 413)


def test_chunked_body_over_the_server_limit_is_a_scim_413(ctx):
    resp = _post_raw(ctx, {"Transfer-Encoding": "chunked"}, _chunked(OVER_SERVER_LIMIT))
    expect_error(resp, 413)


def test_chunked_body_within_the_limits_reaches_the_worker(ctx):
    name = ctx.unique("chunked") + "@example.com"
    data = ('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s"}'
            % name).encode()
    resp = _post_raw(ctx, {"Transfer-Encoding": "chunked"}, [b"%x\r\n" % len(data) + data + b"\r\n0\r\n\r\n"])
    expect_status(resp, 201)
    assert resp.json["userName"] == name, resp
    expect_status(ctx.client.delete("/Users/" + resp.json["id"]), 204)


def test_long_filter_reaches_the_worker(ctx):
    # 12,000 bytes of query: above Apache's default LimitRequestLine (8190),
    # within the shipped configurations'. The worker refuses the filter.
    resp = ctx.client.get("/Users?filter=" + "a" * 12000)
    body = expect_error(resp, 400)
    _answered_by_worker(body, resp)


def test_longest_filter_reaches_the_worker_even_percent_encoded(ctx):
    # The worker takes filters up to 4096 bytes; the web servers' limits on
    # the request line stay above that, even when every byte is
    # percent-encoded (12,288 characters of query).
    plain = 'userName eq "' + "a" * 3982 + '"'
    accented = 'userName eq "' + "\u00e9" * 2041 + '"'
    assert len(accented.encode()) == 4096
    for text in (plain, accented):
        encoded = "".join("%%%02X" % byte for byte in text.encode())
        resp = expect_status(ctx.client.get("/Users?filter=" + encoded), 200,
                             f"a filter of {len(text.encode())} bytes, {len(encoded)} encoded")
        assert LIST_SCHEMA in resp.json["schemas"], resp
    # One byte more is the worker's own error.
    resp = ctx.client.get("/Users?filter=" + q(accented + " "))
    body = expect_error(resp, 400, "invalidFilter")
    _answered_by_worker(body, resp)


def _answered_by_server(resp, statuses):
    """Assert a SCIM error with one of statuses from the web server itself."""
    body = _answered_by_anyone(resp, statuses)
    assert "web server" in (body.get("detail") or ""), \
        f"the worker answered, not the web server: {resp!r}"


def test_query_over_the_server_limit_is_the_servers_scim_error(ctx):
    # Past 32 KiB of query, mod_fcgid could not hand the request on (one
    # FastCGI record of 64 KiB holds QUERY_STRING and REQUEST_URI) and
    # answered 500 without the worker: the web server refuses it first. An
    # unknown parameter, so that only the web server can refuse it.
    for length in (33000, 100000):
        resp = ctx.client.get("/Users?x=" + "a" * length)
        _answered_by_server(resp, (414, 431))


def _pad_headers(count, size):
    return {f"X-Pad-{i:03d}": "b" * size for i in range(count)}


def test_headers_over_the_server_limit_are_the_servers_scim_error(ctx):
    # Nine headers of 8,000 bytes: each beyond Apache's LimitRequestFieldSize,
    # together beyond what lighttpd and nginx take (and beyond what
    # mod_fcgid or nginx could hand on). A hundred of 1,000 bytes: more than
    # Apache's LimitRequestFields, 100 KB in all.
    for count, size in ((9, 8000), (100, 1000)):
        resp = ctx.client.get("/Users?count=1", headers=_pad_headers(count, size))
        try:
            _answered_by_server(resp, (400, 431))
        except AssertionError as e:
            raise AssertionError(f"{count} headers of {size} bytes: {e}") from None


def test_headers_within_the_server_limit_reach_the_worker(ctx):
    # 16 headers of 900 bytes (14 KB): within every shipped configuration.
    resp = ctx.client.get("/Users?count=1", headers=_pad_headers(16, 900))
    expect_status(resp, 200)
    assert LIST_SCHEMA in resp.json["schemas"], resp


def test_large_headers_the_worker_reads_are_never_a_500(ctx):
    # Headers the worker reads (nginx passes on only those): 12 KB of them
    # are refused by the web server, or reach the worker, which answers.
    resp = ctx.client.get("/Users?count=1", headers={
        "X-Forwarded-For": "1" * 6000, "If-None-Match": '"' + "2" * 6000 + '"'})
    if resp.status == 200:
        assert LIST_SCHEMA in resp.json["schemas"], resp
    else:
        _answered_by_server(resp, (400, 431))


def test_malformed_content_length_is_a_scim_400(ctx):
    resp = _post_raw(ctx, {"Content-Length": "99999999999999999999999"}, [b"{}"])
    _answered_by_anyone(resp, (400, 413))


def test_trace_is_a_scim_error_not_an_echo(ctx):
    # An echo would send the Authorization header back.
    resp = ctx.client.request("TRACE", "/Users")
    _answered_by_anyone(resp, (405, 501))
    assert ctx.token not in resp.text, resp


def test_worker_log_lines_reach_the_server_log(ctx):
    # The worker logs to stderr; the web server must put it in a log file:
    # one line per request, with the request id and the tenant, never the token.
    client = ctx.new_tenant()
    expect_status(client.get("/Users?count=1"), 200)
    found = log_lines_with(f"tenant={client.tenant}")
    assert found, f"no line with tenant={client.tenant} in {os.environ.get('SCIM_E2E_LOGS')}"
    assert any("req=" in line and "method=GET path=/Users" in line for line in found), found
    assert not any(client.token in line for line in found), "a token reached the log"
