#!/usr/bin/env python3
"""Load for bench/memory: a mix of the requests a worker serves, good and bad,
sent over one keep-alive connection; reads the worker's VmRSS from /proc
after the first 1,000 requests and at the end."""

import argparse
import json
import sys
import time

from benchlib import Client, memory_kib, q, worker_pids


def rss_kib(pid):
    return memory_kib(pid)["VmRSS"]


def round_of_requests(c, i):
    """Fifteen-odd requests: the Entra cycle for one user, bad input, and
    groups through /Bulk."""
    name = f"mem{i}@example.com"
    status, payload, _ = c.send("POST", "/Users", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name, "externalId": f"ext-{i}", "active": True,
        "name": {"givenName": "Mem", "familyName": str(i)},
        "emails": [{"type": "work", "value": name, "primary": True}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "bench"}})
    uid = json.loads(payload)["id"] if status == 201 else "00000000-0000-0000-0000-000000000000"
    c.send("GET", "/Users?filter=" + q(f'userName eq "{name.upper()}"'))
    c.send("GET", "/Users?filter=" + q(f'emails[type eq "work"].value eq "{name}"') + "&count=10")
    c.send("GET", f"/Users/{uid}")
    c.send("PATCH", f"/Users/{uid}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": 'emails[type eq "work"].value', "value": "x" + name},
                       {"op": "Replace", "path": "active", "value": "False"}]})
    c.send("PUT", f"/Users/{uid}", {"userName": name, "title": "t", "active": True})
    # bad input: malformed JSON, bad filter, unknown id, bad PATCH, no token
    c.send("POST", "/Users", raw=b'{"userName": "x", ')
    c.send("GET", "/Users?filter=" + q('userName eq "a" and (title co "b"'))
    c.send("GET", "/Users/not-a-uuid")
    c.send("PATCH", f"/Users/{uid}", {"Operations": [{"op": "remove"}]})
    # groups through /Bulk: two that hold each other and the user; a filter
    # on their members; then gone
    group = "urn:ietf:params:scim:schemas:core:2.0:Group"
    status, payload, _ = c.send("POST", "/Bulk", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {
                "schemas": [group], "displayName": f"mem-a{i}",
                "members": [{"value": "bulkId:b"}, {"value": uid}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {
                "schemas": [group], "displayName": f"mem-b{i}", "members": [{"value": "bulkId:a"}]}}]})
    c.send("GET", "/Groups?filter=" + q(f'members[type eq "User" and display eq "{name}"]')
           + "&excludedAttributes=members")
    for op in json.loads(payload)["Operations"] if status == 200 else []:
        if "location" in op:
            c.send("DELETE", "/Groups/" + op["location"].rsplit("/", 1)[1])
    c.send("DELETE", f"/Users/{uid}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--socket-dir", required=True)
    args = ap.parse_args()

    c = Client(args.url, args.token)
    c.send("GET", "/ServiceProviderConfig")
    pids = worker_pids(args.socket_dir)
    if len(pids) != 1:
        sys.exit(f"expected one worker, found {pids}")
    pid = pids[0]

    i = 0
    while c.count < 1000:
        round_of_requests(c, i)
        i += 1
    warm = rss_kib(pid)
    start = time.monotonic()
    print(f"worker {pid}: VmRSS {warm} KiB after {c.count} requests", flush=True)
    next_report = c.count + 10000
    while c.count < args.requests:
        round_of_requests(c, i)
        i += 1
        if c.count >= next_report:
            print(f"  {c.count} requests: VmRSS {rss_kib(pid)} KiB", flush=True)
            next_report += 10000
    end = rss_kib(pid)
    elapsed = time.monotonic() - start
    if worker_pids(args.socket_dir) != [pid]:
        sys.exit("the worker was replaced during the run")
    growth = end - warm
    print(f"worker {pid}: VmRSS {end} KiB after {c.count} requests "
          f"({(c.count - 1000) / elapsed:.0f} requests/s); growth {growth} KiB")
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(c.statuses.items())))
    if growth > 1024:
        sys.exit(f"FAIL: memory grew by {growth} KiB (limit 1024 KiB)")
    print("PASS: memory stayed within 1 MiB")


if __name__ == "__main__":
    main()
