#!/usr/bin/env python3
"""The phases of bench/throughput (see there), one subcommand each:

  load     the users of the bench tenant made with SQL (the rows of
           bench/lookups_load.py), groups with a few members each made
           through the API, the files of existing ids and names that the
           wrk scripts read, and bench_users, the scratch table of the
           write ceiling (users' columns, defaults and every index)
  measure  for one web server: every workload checked on a sample, then
           rounds in which each workload and its ceiling run back to back
           (the order alternating), then the medians, shares and targets

The load generator is wrk with the scripts in bench/wrk/; the write
ceiling is pgbench running bench/pgbench-insert.sql. PATCH is measured
against a second ceiling as well, for information: pgbench running a
PATCH's own transaction (bench/pgbench-patch.sql). Python 3 standard
library only.
"""

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import time

from benchlib import Client, Failed, psql, run
from lookups_load import sql_insert, user_id, user_names

HERE = os.path.dirname(os.path.abspath(__file__))
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
TAG = "b"  # bench/lookups_load.py's tenant B: the contoso.example.com users

# The workloads in the order of the table: (key, label, wrk script, ceiling).
WORKLOADS = [
    ("lookup", "lookup userName eq", "lookup", "hello"),
    ("miss", "Test Connection (a miss)", "miss", "hello"),
    ("create", "create user (POST)", "create", "pgbench"),
    ("patch", "PATCH displayName", "patch", "pgbench"),
    ("member", "group member add/remove", "member", "pgbench"),
    ("page", "list page of 100 users", "page", "hello"),
]
CEILING_NAMES = {"hello": "hello-world FastCGI", "pgbench": "pgbench INSERT, 8 clients",
                 "pgbench-patch": "pgbench PATCH's transaction"}
PGBENCH_SCRIPTS = {"pgbench": "pgbench-insert.sql", "pgbench-patch": "pgbench-patch.sql"}
# Ceilings measured beside the target's, in the same rounds, for information.
MORE_CEILINGS = {"patch": "pgbench-patch"}


# ---- load ---------------------------------------------------------------

def write_lines(path, values):
    with open(path, "w") as f:
        f.write("".join(f"{v}\n" for v in values))


def cmd_load(args):
    t0 = time.monotonic()
    psql(args, "SET synchronous_commit = off;\n" + sql_insert(args.tenant, TAG, 1, args.users)
         + "VACUUM (ANALYZE) users;")
    count = int(psql(args, f"SELECT count(*) FROM users WHERE tenant_id = '{args.tenant}'"))
    if count != args.users:
        raise Failed(f"expected {args.users} users, found {count}")
    t_users = time.monotonic()
    # The groups, each with a few members from a slice of users that the
    # member workload leaves alone: it adds and removes the others.
    reserved = min(args.users // 10, args.groups * args.members)
    per_group = reserved // args.groups
    c = Client(args.url, args.token)
    groups = []
    for g in range(args.groups):
        members = [{"value": user_id(TAG, 1 + g * per_group + k)} for k in range(per_group)]
        _, payload, _ = c.send("POST", "/Groups", {"schemas": [GROUP], "displayName": f"Bench Group {g + 1}",
                                                   "members": members}, expect=201)
        groups.append(json.loads(payload)["id"])
    psql(args, "ANALYZE groups; ANALYZE group_members;")
    os.makedirs(args.data_dir, exist_ok=True)
    write_lines(os.path.join(args.data_dir, "usernames"), (user_names(TAG, i)[2] for i in range(1, args.users + 1)))
    write_lines(os.path.join(args.data_dir, "user-ids"), (user_id(TAG, i) for i in range(1, args.users + 1)))
    write_lines(os.path.join(args.data_dir, "member-ids"),
                (user_id(TAG, i) for i in range(per_group * args.groups + 1, args.users + 1)))
    write_lines(os.path.join(args.data_dir, "group-ids"), groups)
    # The write ceiling's table: users' columns, defaults, constraints and
    # every index the migrations gave it (LIKE ... INCLUDING ALL), no rows.
    psql(args, "DROP TABLE IF EXISTS bench_users;\n"
               "CREATE TABLE bench_users (LIKE users INCLUDING ALL);")
    print(f"load: {args.users} users with SQL in {t_users - t0:.1f} s, {args.groups} groups of {per_group} "
          f"members through the API in {time.monotonic() - t_users:.1f} s", flush=True)


# ---- running wrk and pgbench --------------------------------------------

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds_of(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        raise Failed(f"wrk: cannot read the time {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


class Result:
    """One run: requests/s, p50 and p99 in seconds (None for pgbench),
    errors (non-2xx answers, socket errors, failed transactions) and a
    note of what went wrong."""

    def __init__(self, rate, p50=None, p99=None, errors=0, note=""):
        self.rate, self.p50, self.p99, self.errors, self.note = rate, p50, p99, errors, note


def wrk(args, script, url, seconds, connections, threads, extra=()):
    """Run bench/wrk/SCRIPT.lua against url; returns (Result, output)."""
    prefix = secrets.token_hex(4)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
           "-H", f"Authorization: Bearer {args.token}", "-s", os.path.join(HERE, "wrk", script + ".lua"),
           url, "--", args.data_dir, prefix, str(threads), *extra]
    env = dict(os.environ, LUA_PATH=os.path.join(HERE, "wrk", "?.lua") + ";;")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 120)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise Failed(f"wrk {script} exited with {proc.returncode}:\n{out}")
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)", out, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    if not (rate and p50 and p99):
        raise Failed(f"wrk {script}: no requests/s or latency distribution in its output:\n{out}")
    errors, notes = 0, []
    non2xx = re.search(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", out, re.M)
    if non2xx:
        errors += int(non2xx.group(1))
        notes.append(f"{non2xx.group(1)} non-2xx answers")
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock and sum(map(int, sock.groups())):
        errors += sum(map(int, sock.groups()))
        notes.append(sock.group(0))
    result = Result(float(rate.group(1)), seconds_of(p50.group(1)), seconds_of(p99.group(1)), errors,
                    ", ".join(notes))
    return result, out


def check_wrk(args, script, url, sample):
    """One connection, `sample` answers of the workload each checked by the
    script; raises Failed unless all are right."""
    _, out = wrk(args, script, url, args.check_seconds, 1, 1, ("check", str(sample)))
    m = re.search(r"^check: (\d+) answers, (\d+) wrong", out, re.M)
    if not m:
        raise Failed(f"wrk {script} check printed no result:\n{out}")
    if int(m.group(1)) < sample or int(m.group(2)) > 0:
        raise Failed(f"{script}: {m.group(2)} of {m.group(1)} answers wrong (of {sample} wanted "
                     f"in {args.check_seconds} s):\n{out}")


def refill_scratch(args):
    """bench_users as the tenant's users are now: the ceiling inserts into
    a table and indexes of the same size as the server's create does."""
    psql(args, f"TRUNCATE bench_users;\n"
               f"INSERT INTO bench_users SELECT * FROM users WHERE tenant_id = '{args.tenant}';\n"
               f"VACUUM (ANALYZE) bench_users;")


def pgbench(args, seconds, clients=8, threads=2, transactions=None, script="pgbench-insert.sql"):
    """bench/pgbench-insert.sql with the create workload's document (or
    another script of bench/); returns a Result (tps)."""
    run = ["-t", str(transactions)] if transactions else ["-T", str(seconds)]
    cmd = [args.pgbench, "-n", "-M", "prepared", f"-c{clients}", f"-j{threads}", *run,
           "-f", os.path.join(HERE, script), "-D", f"tenant={args.tenant}",
           "-D", f"prefix={secrets.token_hex(4)}", "-D", f"doc={args.doc}",
           "-D", f"users={args.bench_users}", args.database]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    out = proc.stdout + proc.stderr
    tps = re.search(r"^tps = ([0-9.]+)", out, re.M)
    failed = re.search(r"^number of failed transactions: (\d+)", out, re.M)
    errors = int(failed.group(1)) if failed else 0
    if proc.returncode != 0 or not tps:
        raise Failed(f"pgbench exited with {proc.returncode}:\n{out}")
    return Result(float(tps.group(1)), errors=errors, note=f"{errors} failed transactions" if errors else "")


# ---- measure ------------------------------------------------------------

def check_all(args):
    """Each workload on a sample, every answer checked by its wrk script;
    a member added and removed read back through the API; the hello-world
    application's answer; and the document of the write ceiling taken from
    a user that the create workload made."""
    c = Client(args.url, args.token)
    status, payload, _ = Client(args.hello_url, args.token).send("GET", "/Users")
    if status != 200 or b'"totalResults":0' not in payload:
        raise Failed(f"the hello-world application answers {status}: {payload[:200]!r}")
    for _, _, script, _ in WORKLOADS:
        check_wrk(args, script, args.url, args.sample)
    with open(os.path.join(args.data_dir, "member-ids")) as f:
        user = f.readline().strip()
    with open(os.path.join(args.data_dir, "group-ids")) as f:
        group = f.readline().strip()

    def groups_of(uid):
        _, payload, _ = c.send("GET", f"/Users/{uid}", expect=200)
        return [g["value"] for g in json.loads(payload).get("groups", [])]

    before = groups_of(user)
    c.send("PATCH", f"/Groups/{group}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": user}]}]}, expect=204)
    added = groups_of(user)
    c.send("PATCH", f"/Groups/{group}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": f'members[value eq "{user}"]'}]}, expect=204)
    if group in before or group not in added or groups_of(user) != before:
        raise Failed(f"member add/remove does not read back: groups {before} -> {added} -> {groups_of(user)}")
    # The create workload's document as the service stored it: the write
    # ceiling inserts the same, renamed.
    doc = psql(args, f"SELECT doc::text FROM users WHERE tenant_id = '{args.tenant}' "
                     f"AND user_name LIKE 'bench-%' ORDER BY created DESC LIMIT 1").strip()
    if not doc:
        raise Failed("no user made by the create check")
    args.doc = doc
    with open(os.path.join(args.data_dir, "user-ids")) as f:
        args.bench_users = sum(1 for _ in f)
    refill_scratch(args)
    pgbench(args, 0, clients=1, threads=1, transactions=5, script="pgbench-patch.sql")
    patched = psql(args, "SELECT count(*) FROM bench_users WHERE version > 1 "
                         "AND display_name LIKE 'pgbench %' AND doc->>'displayName' = display_name").strip()
    if patched == "0":
        raise Failed("the PATCH ceiling's transactions changed no user")
    refill_scratch(args)
    pgbench(args, 0, clients=1, threads=1, transactions=5)
    sizes = psql(args, f"SELECT (SELECT count(*) FROM bench_users WHERE user_name LIKE 'pgbench-%'), "
                       f"(SELECT pg_column_size(doc) FROM users WHERE tenant_id = '{args.tenant}' "
                       f"AND user_name LIKE 'bench-%' ORDER BY created DESC LIMIT 1), "
                       f"(SELECT max(pg_column_size(doc)) FROM bench_users WHERE user_name LIKE 'pgbench-%')"
                 ).strip().split("|")
    if sizes[0] != "5" or abs(int(sizes[1]) - int(sizes[2])) > 32:
        raise Failed(f"the ceiling's inserts (rows, stored size, ceiling's size): {sizes}")
    print(f"  checked: {args.sample} answers of each workload, a member added and removed read back; "
          f"the write ceiling inserts the create workload's document ({sizes[1]} bytes stored)", flush=True)


def fmt_ms(s):
    return "-" if s is None else f"{s * 1000:.1f} ms" if s < 0.1 else f"{s * 1000:.0f} ms"


def checkpoint(args):
    """Write out what earlier runs left dirty, so that the checkpointer's
    I/O for them does not fall on the next run (either side)."""
    psql(argparse.Namespace(psql=args.psql, database=args.admin_database), "CHECKPOINT;")


def run_side(args, side, script):
    """One measured run: the server, the hello-world application or pgbench."""
    if side in ("pgbench", "pgbench-patch"):
        refill_scratch(args)
        checkpoint(args)
        return pgbench(args, args.seconds, clients=args.pgbench_clients, script=PGBENCH_SCRIPTS[side])
    checkpoint(args)
    url = args.url if side == "server" else args.hello_url
    result, _ = wrk(args, script, url, args.seconds, args.connections, args.threads)
    return result


def cmd_measure(args):
    print(f"{args.name}: {args.procs} workers, wrk -t{args.threads} -c{args.connections} "
          f"-d{args.seconds}s, {args.rounds} rounds", flush=True)
    check_all(args)
    # Warm-up: every worker of both web servers started (mod_fcgid spawns
    # them on demand), connections open, statements prepared.
    for url in (args.url, args.hello_url):
        wrk(args, "lookup", url, args.warmup, args.connections, args.threads)
    runs = {key: {"server": [], "ceiling": [], "more": []} for key, _, _, _ in WORKLOADS}
    for r in range(args.rounds):
        for n, (key, label, script, ceiling) in enumerate(WORKLOADS):
            sides = [("ceiling", ceiling), ("server", "server")]
            if key in MORE_CEILINGS:
                sides.insert(1, ("more", MORE_CEILINGS[key]))
            if (r + n) % 2:
                sides.reverse()
            line = []
            for role, side in sides:
                result = run_side(args, side, script)
                runs[key][role].append(result)
                text = f"{'this server' if role == 'server' else CEILING_NAMES[side]} {result.rate:8.0f}/s"
                if result.p50 is not None:
                    text += f" (p50 {fmt_ms(result.p50)}, p99 {fmt_ms(result.p99)})"
                if result.errors:
                    text += f" ERRORS: {result.note}"
                line.append(text)
            print(f"  round {r + 1} {label:26s} " + "; ".join(line), flush=True)
    return report(args, runs)


def report(args, runs):
    """The table of medians, then a pass/FAIL line per target; returns
    the number of failures. A workload whose runs had errors, on either
    side, gets no figures: they would not be of correct answers."""
    print()
    print(f"{args.name}, {args.procs} workers, {args.connections} connections, median of {args.rounds} "
          f"rounds of {args.seconds} s:")
    head = (f"  | {'workload':26s} | {'this server req/s':>17s} | {'p50':>8s} | {'p99':>8s} | "
            f"{'ceiling in the same run':26s} | {'req/s':>10s} | {'share':>6s} |")
    print(head)
    print("  " + re.sub(r"[^|]", "-", head.strip()))
    medians = {}
    for key, label, _, ceiling in WORKLOADS:
        server, ceil = runs[key]["server"], runs[key]["ceiling"]
        errors = [sum(x.errors for x in side) for side in (server, ceil)]
        if any(errors):
            cells = [f"{errors[0]} errors" if errors[0] else "", "", "",
                     f"{errors[1]} errors" if errors[1] else "", ""]
        else:
            rate = statistics.median(x.rate for x in server)
            p50 = statistics.median(x.p50 for x in server)
            # wrk's histogram sometimes gives a pipelined pair a 99th
            # percentile of 0 (below its median): such a run has no p99.
            tails = [x.p99 for x in server if x.p99 >= x.p50]
            p99 = statistics.median(tails) if tails else None
            ceiling_rate = statistics.median(x.rate for x in ceil)
            medians[key] = (rate, p50, p99, rate / ceiling_rate)
            cells = [f"{rate:.0f}", fmt_ms(p50), fmt_ms(p99), f"{ceiling_rate:.0f}", f"{rate / ceiling_rate:.1%}"]
        print(f"  | {label:26s} | {cells[0]:>17s} | {cells[1]:>8s} | {cells[2]:>8s} | "
              f"{CEILING_NAMES[ceiling]:26s} | {cells[3]:>10s} | {cells[4]:>6s} |")
    print("  (member add/remove: req/s counts each PATCH; a latency is that of an add and its remove, "
          "pipelined)")
    for key, label, _, _ in WORKLOADS:
        more = runs[key]["more"]
        if key in medians and more and not any(x.errors for x in more):
            rate = statistics.median(x.rate for x in more)
            print(f"  {label}: {medians[key][0] / rate:.1%} of {CEILING_NAMES[MORE_CEILINGS[key]]} "
                  f"(read FOR UPDATE, UPDATE, COMMIT; 8 clients) at {rate:.0f}/s")
    targets = {"lookup": args.min_hello_share, "miss": args.min_hello_share,
               "create": args.min_write_share, "patch": args.min_write_share}
    failures = 0
    for key, label, _, ceiling in WORKLOADS:
        if key not in medians:
            print(f"FAIL: {args.name} {label}: errors (see the rounds above)")
            failures += 1
            continue
        rate, p50, p99, share = medians[key]
        if key in targets:
            ok = share >= targets[key]
            print(f"{'pass' if ok else 'FAIL'}: {args.name} {label}: {share:.1%} of the {CEILING_NAMES[ceiling]} "
                  f"ceiling (target >= {targets[key]:.0%})")
            failures += not ok
        if p99 is None:
            print(f"FAIL: {args.name} {label}: no run gave a p99 (wrk printed one below the median)")
            failures += 1
            continue
        ok = p99 <= args.max_tail * p50
        print(f"{'pass' if ok else 'FAIL'}: {args.name} {label}: p99 {fmt_ms(p99)} is {p99 / p50:.1f} x p50 "
              f"{fmt_ms(p50)} (target <= {args.max_tail:g} x)")
        failures += not ok
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--psql", required=True)
    common.add_argument("--database", required=True, help="libpq conninfo of the service database")
    common.add_argument("--admin-database", required=True,
                        help="the same database as a superuser, for CHECKPOINT")
    common.add_argument("--url", required=True)
    common.add_argument("--token", required=True)
    common.add_argument("--tenant", required=True, help="the tenant's id")
    common.add_argument("--data-dir", required=True, help="files of ids and names for the wrk scripts")
    p = sub.add_parser("load", parents=[common])
    p.add_argument("--users", type=int, default=10000)
    p.add_argument("--groups", type=int, default=20)
    p.add_argument("--members", type=int, default=25, help="members of each group at the start")
    m = sub.add_parser("measure", parents=[common])
    m.add_argument("--name", required=True, help="the web server, for the report")
    m.add_argument("--hello-url", required=True)
    m.add_argument("--pgbench", required=True)
    m.add_argument("--procs", type=int, required=True)
    m.add_argument("--seconds", type=int, default=5)
    m.add_argument("--rounds", type=int, default=2)
    m.add_argument("--connections", type=int, default=16)
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--pgbench-clients", type=int, default=8)
    m.add_argument("--warmup", type=int, default=2)
    m.add_argument("--sample", type=int, default=20, help="answers of each workload checked")
    m.add_argument("--check-seconds", type=int, default=2, help="time to give the sample")
    m.add_argument("--min-hello-share", type=float, default=0.60)
    m.add_argument("--min-write-share", type=float, default=0.40)
    m.add_argument("--max-tail", type=float, default=5.0, help="p99 at most this times p50")
    args = ap.parse_args()
    if args.cmd == "load":
        cmd_load(args)
        return 0
    return 1 if cmd_measure(args) else 0


if __name__ == "__main__":
    run(main)
