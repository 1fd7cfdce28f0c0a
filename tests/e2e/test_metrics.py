"""/metrics: the pool's counters in Prometheus's text format. A known
sequence of requests, sent at once so that several workers serve it, adds
exactly itself to the counters every worker shares; provisioning writes
count per tenant and action, as the provisioning log has them; users and
groups per tenant are counted; only the networks of SCIM_METRICS may read
it."""

import collections
import os
import re
import tempfile
import threading

from harness import PATCH_SCHEMA, expect_status, log_lines_with
from resources import user_body

SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def _parse(text):
    """{(name, ((label, value), ...)): number} of an exposition."""
    samples = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, "a sample line: %r" % line
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def _scrape(client):
    r = expect_status(client.get("/metrics", token=None), 200)
    assert r.headers.get("content-type", "").startswith("text/plain; version=0.0.4"), r.headers
    return _parse(r.body.decode("utf-8"))


def _requests(samples):
    """scim_requests_total by (resource, method, status), /metrics' own left out."""
    out = collections.Counter()
    for (name, labels), value in samples.items():
        d = dict(labels)
        if name == "scim_requests_total" and d["resource"] != "metrics":
            out[(d["resource"], d["method"], d["status"])] = int(value)
    return out


def _histogram_counts(samples):
    out = collections.Counter()
    for (name, labels), value in samples.items():
        d = dict(labels)
        if name == "scim_request_duration_seconds_count" and d["resource"] != "metrics":
            out[(d["resource"], d["method"])] = int(value)
    return out


def _at_once(requests, threads=8):
    """Send (client, method, path, body, expected status, request id) from
    `threads` threads at once; every answer must have its status."""
    failures = []
    todo = list(requests)
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not todo:
                    return
                client, method, path, body, status, rid = todo.pop()
            r = client.request(method, path, body, headers={"X-Request-Id": rid})
            if r.status != status:
                failures.append((method, path, status, r.status, r.body[:200]))

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not failures, failures


def test_counters_equal_the_requests_sent_through_the_pool(ctx):
    c = ctx.new_tenant()
    # Users to change and delete, made before the first scrape.
    ids = []
    for i in range(10):
        r = expect_status(c.post("/Users", user_body(ctx, "metrics.")), 201)
        ids.append(r.json["id"])
    before = _scrape(ctx.client)
    tag = ctx.unique("m")
    sent = []
    expected = collections.Counter()

    def send(method, path, body, status, resource, n=1):
        for k in range(n):
            sent.append((c, method, path, body, status, "%s-%d" % (tag, len(sent))))
            expected[(resource, method, str(status))] += 1

    send("GET", "/Users?filter=userName eq \"nobody@example.com\"", None, 200, "Users", 24)
    for k in range(6):
        send("POST", "/Users", user_body(ctx, "metrics.new."), 201, "Users")
    for uid in ids[:5]:
        send("PATCH", "/Users/" + uid, {"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "replace", "path": "displayName", "value": "Metered"}]}, 200, "Users")
    for uid in ids[5:8]:
        send("DELETE", "/Users/" + uid, None, 204, "Users")
    send("GET", "/Users/00000000-0000-4000-8000-000000000000", None, 404, "Users", 3)
    send("GET", "/Groups", None, 200, "Groups", 4)
    send("GET", "/ServiceProviderConfig", None, 200, "ServiceProviderConfig", 5)
    send("GET", "/Nowhere", None, 404, "other", 2)
    send("GET", "/live", None, 200, "live", 7)
    _at_once(sent)
    after = _scrape(ctx.client)

    delta = _requests(after) - _requests(before)
    assert delta == expected, "the counters grew by the requests sent, no more, no less:\n" \
        "sent %s\ncounted %s" % (sorted(expected.items()), sorted(delta.items()))
    durations = _histogram_counts(after) - _histogram_counts(before)
    by_method = collections.Counter()
    for (resource, method, _), n in expected.items():
        by_method[(resource, method)] += n
    assert durations == by_method, (durations, by_method)

    writes = {dict(labels)["action"]: int(v) for (name, labels), v in after.items()
              if name == "scim_provisioning_writes_total" and dict(labels)["tenant"] == c.tenant}
    assert writes == {"created": 16, "modified": 5, "deleted": 3}, writes

    workers = after[("scim_workers", ())]
    connected = after[("scim_database_connections", (("state", "connected"),))]
    assert workers >= 1 and 0 <= connected <= workers, (workers, connected)
    # A FastCGI worker keeps its connection; a CGI process, that of its
    # one request (the scrape's, which needed none).
    if os.environ.get("SCIM_E2E_SUITE") != "e2e-cgi":
        assert connected >= 1, (workers, connected)
    # Several workers served them (a CGI server: a process each).
    pids = set()
    for _, _, path, _, _, rid in sent:
        if path == "/live":
            continue  # logged at debug level only
        for line in log_lines_with("req=%s " % rid, timeout=2):
            pids.update(re.findall(r" pid=(\d+) ", line))
    assert len(pids) >= 2, "the requests went to %d worker(s): %s" % (len(pids), pids)


def _cgi_metrics(ctx, remote, settings=None):
    env = {"REMOTE_ADDR": remote}
    env.update(settings or {})
    return ctx.cgi("GET", "/metrics", env=env)


def test_only_the_networks_of_scim_metrics_may_read_them(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        counters = {"SCIM_METRICS_FILE": os.path.join(tmp, "metrics")}
        r, log = _cgi_metrics(ctx, "127.0.0.1", counters)
        expect_status(r, 200, log)
        r, log = _cgi_metrics(ctx, "::1", counters)
        expect_status(r, 200, log)
        r, log = _cgi_metrics(ctx, "203.0.113.9", counters)
        expect_status(r, 403, log)
        assert "SCIM_METRICS" in r.json["detail"], r.json
        r, log = _cgi_metrics(ctx, "127.0.0.1", dict(counters, SCIM_METRICS="none"))
        expect_status(r, 403, log)
        r, log = _cgi_metrics(ctx, "203.0.113.9", dict(counters, SCIM_METRICS="203.0.113.0/24"))
        expect_status(r, 200, log)


def test_users_and_groups_are_counted_per_tenant(ctx):
    c = ctx.new_tenant()
    for i in range(3):
        expect_status(c.post("/Users", user_body(ctx, "counted.")), 201)
    expect_status(c.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                     "displayName": ctx.unique("counted-")}), 201)
    with tempfile.TemporaryDirectory() as tmp:
        # A pool of its own: its first scrape counts.
        r, log = _cgi_metrics(ctx, "127.0.0.1", {"SCIM_METRICS_FILE": os.path.join(tmp, "m")})
        expect_status(r, 200, log)
        samples = _parse(r.body.decode("utf-8"))
        tenant = (("tenant", c.tenant),)
        assert samples.get(("scim_users", tenant)) == 3, samples.get(("scim_users", tenant))
        assert samples.get(("scim_groups", tenant)) == 1, samples.get(("scim_groups", tenant))
        assert samples[("scim_resource_counts_age_seconds", ())] <= 1
        # A scrape within the minute counts nothing again.
        expect_status(c.post("/Users", user_body(ctx, "counted.")), 201)
        r, log = _cgi_metrics(ctx, "127.0.0.1", {"SCIM_METRICS_FILE": os.path.join(tmp, "m")})
        assert _parse(r.body.decode("utf-8")).get(("scim_users", tenant)) == 3


def test_a_metrics_file_that_is_not_the_workers_own_is_refused(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "elsewhere")
        os.symlink("/etc/passwd", path)
        r, log = _cgi_metrics(ctx, "127.0.0.1", {"SCIM_METRICS_FILE": path})
        expect_status(r, 503, log)
        assert "no metrics" in r.json["detail"], r.json
        # It serves all the same.
        r, log = ctx.cgi("GET", "/ServiceProviderConfig", env={"SCIM_METRICS_FILE": path})
        expect_status(r, 200, log)
        assert "metrics file" in log, log
