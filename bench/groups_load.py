#!/usr/bin/env python3
"""Load for bench/groups: does a membership change cost the same in a
100,000-member group as in a 10-member group?

Set-up: the users are inserted with SQL (one template user made through the
API, copied N times by psql: setup only), then the large group gets its
members through the API in PATCHes of 1,000 members each (those PATCHes are
timed too). Then, interleaved, one member is added to and removed from the
large and the small group REPS times each (Entra's shapes, one keep-alive
connection), and the medians are compared. Last, a full GET of the large
group: time, size, member count and the worker's peak memory (VmHWM).

Exits 1 when a median for the large group exceeds LIMIT times the small
group's, 2 when a request fails. Python 3 standard library only.
"""

import argparse
import json
import os
import statistics
import sys
import time

from benchlib import Client, Failed, memory_kib, psql, reset_peak, worker_pids

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
def ops(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def add_members(ids):
    return ops({"op": "Add", "path": "members", "value": [{"$ref": None, "value": i} for i in ids]})


def remove_members(ids):
    return ops({"op": "Remove", "path": "members", "value": [{"value": i} for i in ids]})


def ms(seconds):
    return f"{seconds * 1000:.2f} ms"


def make_users(args, c, count):
    """count users of the bench tenant, made with SQL from one API-made template;
    returns their ids in a stable order."""
    tag = f"gb{os.getpid()}"
    _, payload, _ = c.send("POST", "/Users", {"schemas": [USER], "userName": f"{tag}-template@example.com",
                                              "displayName": "Template", "active": True}, expect=201)
    template = json.loads(payload)["id"]
    tenant = psql(args, f"SELECT tenant_id FROM users WHERE id = '{template}'").strip()
    start = time.monotonic()
    # The template's stored document, with the name and displayName of each copy.
    psql(args, f"""
        INSERT INTO users (tenant_id, user_name, display_name, active, doc)
        SELECT t.tenant_id, n.name, n.display, true,
               t.doc || jsonb_build_object('userName', n.name, 'displayName', n.display)
          FROM users t,
               LATERAL (SELECT format('{tag}-%s@example.com', lpad(i::text, 6, '0')) AS name,
                               format('Bench User %s', i) AS display
                          FROM generate_series(1, {count}) i) n
         WHERE t.tenant_id = '{tenant}' AND t.id = '{template}';
        ANALYZE users;""")
    ids = psql(args, f"SELECT id FROM users WHERE tenant_id = '{tenant}' "
                     f"AND user_name ~ '^{tag}-[0-9]+@' ORDER BY user_name").split()
    if len(ids) != count:
        raise Failed(f"expected {count} users, found {len(ids)}")
    # A copy reads back through the API like a user made there.
    _, payload, _ = c.send("GET", "/Users/" + ids[-1], expect=200)
    if json.loads(payload).get("userName") != f"{tag}-{count:06d}@example.com":
        raise Failed(f"an inserted user does not read back: {payload[:300]!r}")
    print(f"setup: {count} users inserted with SQL in {time.monotonic() - start:.1f} s", flush=True)
    return tenant, ids


def make_group(c, name):
    _, payload, _ = c.send("POST", "/Groups", {"schemas": [GROUP], "displayName": name}, expect=201)
    return json.loads(payload)["id"]


def member_count(args, tenant, gid):
    return int(psql(args, f"SELECT count(*) FROM group_members WHERE tenant_id = '{tenant}' "
                          f"AND group_id = '{gid}'").strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--socket-dir", required=True)
    ap.add_argument("--psql", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--members", type=int, default=100000)
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--limit", type=float, default=1.5)
    args = ap.parse_args()

    c = Client(args.url, args.token)
    c.send("GET", "/ServiceProviderConfig", expect=200)
    pids = worker_pids(args.socket_dir)
    if len(pids) != 1:
        sys.exit(f"expected one worker, found {pids}")
    pid = pids[0]

    spares = 20
    tenant, ids = make_users(args, c, args.members + args.small + spares)
    large_ids = ids[:args.members]
    small_ids = ids[args.members:args.members + args.small]
    spare_ids = ids[args.members + args.small:]

    # The large group, built with PATCHes of BATCH members (timed).
    large = make_group(c, f"bench large {os.getpid()}")
    small = make_group(c, f"bench small {os.getpid()}")
    c.send("PATCH", f"/Groups/{small}", add_members(small_ids), expect=204)
    batch_times = []
    start = time.monotonic()
    for i in range(0, len(large_ids), args.batch):
        _, _, t = c.send("PATCH", f"/Groups/{large}", add_members(large_ids[i:i + args.batch]), expect=204)
        batch_times.append(t)
        done = i + args.batch
        if done % 20000 == 0:
            print(f"setup: {done} members added ({ms(t)} for the last {args.batch})", flush=True)
    build = time.monotonic() - start
    psql(args, "ANALYZE group_members; ANALYZE groups;")
    for gid, want in ((large, args.members), (small, args.small)):
        have = member_count(args, tenant, gid)
        if have != want:
            raise Failed(f"group {gid}: expected {want} members in group_members, found {have}")

    # One member added and removed, interleaved: large, small, large, small...
    times = {(g, op): [] for g in ("large", "small") for op in ("add", "remove")}
    groups = {"large": large, "small": small}
    warmup = 10
    for rep in range(warmup + args.reps):
        spare = spare_ids[rep % len(spare_ids)]
        for g in ("large", "small") if rep % 2 == 0 else ("small", "large"):
            _, _, t_add = c.send("PATCH", f"/Groups/{groups[g]}", add_members([spare]), expect=204)
            _, _, t_remove = c.send("PATCH", f"/Groups/{groups[g]}", remove_members([spare]), expect=204)
            if rep >= warmup:
                times[(g, "add")].append(t_add)
                times[(g, "remove")].append(t_remove)
    for gid, want in ((large, args.members), (small, args.small)):
        have = member_count(args, tenant, gid)
        if have != want:
            raise Failed(f"group {gid}: expected {want} members after the add/remove rounds, found {have}")
    med = {k: statistics.median(v) for k, v in times.items()}
    p90 = {k: sorted(v)[int(len(v) * 0.9)] for k, v in times.items()}
    ratios = {op: med[("large", op)] / med[("small", op)] for op in ("add", "remove")}

    # One PATCH adding BATCH members to the full large group, and removing them.
    extra_group = make_group(c, f"bench extra {os.getpid()}")
    _, _, t_batch_small = c.send("PATCH", f"/Groups/{extra_group}", add_members(large_ids[:args.batch]),
                                 expect=204)

    # A full GET of the large group, and the worker's peak memory.
    before = start_peak = memory_kib(pid)
    peak_reset = reset_peak(pid)
    if peak_reset:
        before = memory_kib(pid)
    _, _, t_excluded = c.send("GET", f"/Groups/{large}?excludedAttributes=members", expect=200)
    _, payload, t_get = c.send("GET", f"/Groups/{large}", expect=200)
    after = memory_kib(pid)
    doc = json.loads(payload)
    members = doc.get("members") or []
    distinct = len({m.get("value") for m in members})
    complete = all(m.get("value") and m.get("$ref") and m.get("type") == "User" and m.get("display")
                   for m in members)
    # The same group found by POST /.search (across types), which streams too.
    if peak_reset:
        reset_peak(pid)
    search_before = memory_kib(pid)
    _, search_payload, t_search = c.send("POST", "/.search", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": f'displayName eq "bench large {os.getpid()}"'}, expect=200)
    search_after = memory_kib(pid)
    found = json.loads(search_payload)["Resources"]
    search_members = len(found[0].get("members") or []) if len(found) == 1 else -1
    if worker_pids(args.socket_dir) != [pid]:
        raise Failed("the worker was replaced during the run")

    print()
    print(f"large group: {args.members} members, built with {len(batch_times)} PATCHes of {args.batch} "
          f"in {build:.1f} s")
    print(f"  PATCH adding {args.batch} members: first {ms(batch_times[0])}, median "
          f"{ms(statistics.median(batch_times))}, last {ms(batch_times[-1])} (group at "
          f"{args.members - args.batch} members), max {ms(max(batch_times))}")
    print(f"  PATCH adding {args.batch} members to an empty group: {ms(t_batch_small)}")
    print(f"one-member PATCHes, {args.reps} each after {warmup} warm-up rounds (median / 90th percentile):")
    for op in ("add", "remove"):
        print(f"  {op:6s} large {ms(med[('large', op)])} / {ms(p90[('large', op)])}   "
              f"small {ms(med[('small', op)])} / {ms(p90[('small', op)])}   "
              f"ratio large/small {ratios[op]:.2f} (limit {args.limit})")
    print(f"full GET of the large group: {ms(t_get)}, {len(payload)} bytes, {len(members)} members "
          f"({distinct} distinct){'' if complete else ', SOME WITHOUT value/$ref/type/display'}")
    print(f"  GET with excludedAttributes=members: {ms(t_excluded)}")
    print(f"  POST /.search finding it: {ms(t_search)}, {len(search_payload)} bytes, {search_members} "
          f"members; worker VmHWM {search_before['VmHWM']} -> {search_after['VmHWM']} KiB")
    print(f"worker {pid}: VmHWM {before['VmHWM']} KiB -> {after['VmHWM']} KiB "
          f"({'peak reset before the GET' if peak_reset else 'peak since start; could not reset'}), "
          f"VmRSS {before['VmRSS']} -> {after['VmRSS']} KiB; the GET's peak: "
          f"+{after['VmHWM'] - before['VmHWM']} KiB; peak over the whole set-up {start_peak['VmHWM']} KiB")

    failures = []
    for op, ratio in ratios.items():
        if ratio > args.limit:
            failures.append(f"{op}: the large group's median is {ratio:.2f} times the small group's "
                            f"(limit {args.limit})")
    if len(members) != args.members or distinct != args.members or not complete:
        failures.append(f"the full GET returned {len(members)} members ({distinct} distinct), "
                        f"expected {args.members} complete ones")
    if search_members != args.members:
        failures.append(f"POST /.search returned {search_members} members, expected {args.members}")
    if failures:
        print("FAIL: " + "; ".join(failures))
        sys.exit(1)
    print(f"PASS: ratios add {ratios['add']:.2f}, remove {ratios['remove']:.2f} (limit {args.limit})")


if __name__ == "__main__":
    try:
        main()
    except Failed as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        sys.exit(2)
