#!/usr/bin/env python3
"""load.py - a steady SCIM load while the database fails under it, and the
checks of what the clients saw and of what the database kept. scripts/fault-test
starts the database, the web server and the workers, and runs this.

    load.py failover --url URL --token TOKEN --tenant NAME --worker-log FILE
            --psql PSQL --database CONNINFO --stop CMD --promote CMD
    load.py restart  --url URL --token TOKEN --tenant NAME --worker-log FILE
            --psql PSQL --database CONNINFO --restart fast=CMD --restart immediate=CMD

Writers create users and PATCH them in turn, each recording every request:
its status, its body and which writes were acknowledged (201, 200, 204).
failover: a few seconds in, --stop kills the primary, two seconds later
--promote promotes the standby; restart: the same writers, plus readers of
a group of --group-members members and of single users, through each
--restart NAME=CMD in turn (CMD returns once the database is up again).
CMD is a shell command.

Then the checks, one line each ("ok ..." or "FAIL ..."): every write that
was acknowledged is in the database (CONNINFO, read with PSQL); during the
fault every answer is a success or a SCIM 503 (never a 500, another error,
a body that is not SCIM JSON, a hang past --timeout, a success whose body
is not the whole JSON yet ends as if complete; a group's stream that fails
after its 200 was sent must fail visibly, as an aborted transfer); service
resumes without restarting a worker: the seconds from the promotion (or
restart) to the first success and until every worker served again, read
from the workers' log lines (FILE: ... pid=PID ... status=STATUS), and every
request after that succeeds. Ends with "SUITE: N passed, N failed".
Python 3 standard library only.
"""

import argparse
import collections
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

# Seconds of load before the fault, and after the service resumed.
STEADY = 3.0
# failover: seconds between stopping the primary and promoting the standby.
UNPROMOTED = 2.0
# Seconds after the promotion (or restart) within which the first success
# must come, and every worker must have served again.
FIRST_SUCCESS_WITHIN = 5.0
ALL_WORKERS_WITHIN = 10.0
# PATCHes per created user.
PATCHES = 3
# Seconds each client waits between its requests: four writers and three
# readers send some 200 requests a second.
PAUSE = 0.02
# Log line of one request: time=... level=info pid=PID req=ID ... method=GET
# path=/Users status=200 ms=...
LOG_LINE = re.compile(r" pid=(\d+) req=\S+ .* method=[A-Z]+ path=\S+ status=(\d{3}) ")
# What a worker learned of a transaction whose COMMIT lost its connection.
COMMIT_OUTCOME_LINE = re.compile(r"transaction \d+ (was committed|was rolled back)(?! at COMMIT)"
                                 r"|what became of transaction \d+ is unknown")


class Outcome:
    """One request as the client saw it."""

    def __init__(self, what, method, path, start):
        self.what, self.method, self.path = what, method, path
        self.start = start
        self.end = None
        self.status = None
        self.ctype = ""
        self.body = b""
        self.failure = None  # "hang", "aborted" or "connection: ..."
        self.json = None

    def kind(self):
        """What the answer was, for the counts: "2xx", "SCIM 503", "SCIM 500",
        "non-SCIM 500", "200 cut short", "aborted after 200", "hang", ..."""
        if self.failure == "hang":
            return "hang"
        if self.status is None:
            return self.failure
        if self.failure == "aborted":
            return f"aborted after {self.status}"
        if 200 <= self.status < 300:
            if self.status == 204 or self.json is not None:
                return "2xx"
            return f"{self.status} cut short"
        body = self.json if isinstance(self.json, dict) else {}
        scim = (self.ctype.split(";")[0].strip().lower() == "application/scim+json"
                and ERROR in (body.get("schemas") or []) and body.get("status") == str(self.status))
        return f"{'SCIM' if scim else 'non-SCIM'} {self.status}"

    def ok(self):
        return self.kind() == "2xx"


class Load:
    """The clients, what they sent and saw, and what was acknowledged."""

    def __init__(self, args):
        u = urllib.parse.urlsplit(args.url)
        self.host, self.port, self.prefix = u.hostname, u.port or 80, u.path.rstrip("/")
        self.token = args.token
        self.timeout = args.timeout
        self.tag = f"f{os.getpid()}"
        self.lock = threading.Lock()
        self.outcomes = []
        # userName -> {"id", "given", "acked": version, "attempted": version}
        self.users = {}
        # userNames whose POST was not acknowledged
        self.unacked_creates = []
        self.acked_writes = collections.Counter()
        self.stop = threading.Event()
        self.group_id = None
        self.group_members = 0

    def send(self, what, method, path, body=None):
        out = Outcome(what, method, path, time.monotonic())
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/scim+json"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, self.prefix + path, body=data, headers=headers)
            resp = conn.getresponse()
            out.status = resp.status
            out.ctype = resp.getheader("Content-Type") or ""
            try:
                out.body = resp.read()
            except (http.client.IncompleteRead, ConnectionError) as e:
                out.failure = "aborted"
                out.body = getattr(e, "partial", b"") or b""
        except socket.timeout:
            out.failure = "hang"
        except (OSError, http.client.HTTPException) as e:
            out.failure = f"connection: {type(e).__name__}"
        finally:
            conn.close()
        out.end = time.monotonic()
        if out.body:
            try:
                out.json = json.loads(out.body)
            except ValueError:
                out.json = None
        with self.lock:
            self.outcomes.append(out)
        return out

    def writer(self, number):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            name = f"{self.tag}-{number}-{seq}@example.com"
            given = f"G{number}x{seq}"
            out = self.send("create", "POST", "/Users", {
                "schemas": [USER], "userName": name, "externalId": name,
                "name": {"givenName": given, "familyName": "Failover"},
                "title": "v0", "active": True})
            time.sleep(PAUSE)
            if out.status == 201 and out.ok() and out.json.get("id"):
                with self.lock:
                    self.users[name] = {"id": out.json["id"], "given": given,
                                        "acked": 0, "attempted": 0}
                    self.acked_writes["create"] += 1
            else:
                with self.lock:
                    self.unacked_creates.append(name)
                continue
            for version in range(1, PATCHES + 1):
                if self.stop.is_set():
                    break
                user = self.users[name]
                user["attempted"] = version
                out = self.send("patch", "PATCH", "/Users/" + user["id"], {
                    "schemas": [PATCH_OP],
                    "Operations": [{"op": "replace", "path": "title", "value": f"v{version}"}]})
                if out.status in (200, 204) and out.ok():
                    user["acked"] = version
                    with self.lock:
                        self.acked_writes["patch"] += 1
                time.sleep(PAUSE)

    def user_reader(self):
        rng = random.Random(0)
        while not self.stop.is_set():
            with self.lock:
                ids = [u["id"] for u in list(self.users.values())[-200:]]
            if ids:
                self.send("read user", "GET", "/Users/" + rng.choice(ids))
            time.sleep(PAUSE)

    def group_reader(self):
        while not self.stop.is_set():
            out = self.send("read group", "GET", "/Groups/" + self.group_id)
            if out.status == 200 and isinstance(out.json, dict):
                got = len(out.json.get("members") or [])
                if got != self.group_members:
                    # Complete JSON with members missing: cut all the same.
                    out.json = None
            time.sleep(PAUSE)

    def make_group(self, members):
        """A group of `members` users, made through /Bulk."""
        ids = []
        for start in range(0, members, 1000):
            ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}",
                    "data": {"schemas": [USER], "userName": f"{self.tag}-member-{i}@example.com"}}
                   for i in range(start, min(start + 1000, members))]
            out = self.send("setup", "POST", "/Bulk", {"schemas": [BULK], "Operations": ops})
            if out.status != 200 or not out.ok():
                raise SystemExit(f"setup: /Bulk answered {out.kind()}: {out.body[:300]!r}")
            for op in out.json["Operations"]:
                if str(op.get("status")) != "201":
                    raise SystemExit(f"setup: a bulk POST answered {op}")
                ids.append(op["location"].rsplit("/", 1)[1])
        out = self.send("setup", "POST", "/Groups", {
            "schemas": [GROUP], "displayName": f"{self.tag} large group",
            "members": [{"value": i} for i in ids]})
        if out.status != 201 or not out.ok():
            raise SystemExit(f"setup: POST /Groups answered {out.kind()}: {out.body[:300]!r}")
        self.group_id, self.group_members = out.json["id"], len(ids)


class WorkerLog:
    """Follows the workers' log: which worker (pid) answered what, and when
    the line was seen."""

    def __init__(self, path):
        self.path = path
        self.lines = []  # (seen, pid, status)
        self.commits_lost = collections.Counter()  # outcome -> lines
        self.stop = threading.Event()
        try:
            self.offset = os.path.getsize(path)
        except OSError:
            self.offset = 0
        self.thread = threading.Thread(target=self.follow, daemon=True)
        self.thread.start()

    def follow(self):
        rest = b""
        while True:
            stopping = self.stop.is_set()
            try:
                with open(self.path, "rb") as f:
                    f.seek(self.offset)
                    data = f.read()
            except OSError:
                data = b""
            self.offset += len(data)
            now = time.monotonic()
            *lines, rest = (rest + data).split(b"\n")
            for line in lines:
                m = LOG_LINE.search(line.decode("utf-8", "replace"))
                if m:
                    self.lines.append((now, int(m.group(1)), int(m.group(2))))
                m = COMMIT_OUTCOME_LINE.search(line.decode("utf-8", "replace"))
                if m:
                    self.commits_lost[m.group(1) or "outcome unknown"] += 1
            if stopping:
                return
            time.sleep(0.05)

    def close(self):
        self.stop.set()
        self.thread.join()

    def pids(self, since, until):
        return {pid for seen, pid, _ in self.lines if since <= seen < until}

    def first_success(self, since):
        """{pid: when it first answered 2xx after `since`}"""
        first = {}
        for seen, pid, status in self.lines:
            if seen >= since and 200 <= status < 300 and pid not in first:
                first[pid] = seen
        return first


class Report:
    def __init__(self, suite):
        self.suite = suite
        self.passed = self.failed = 0

    def say(self, text):
        print(f"{self.suite}: {text}", flush=True)

    def check(self, ok, text):
        if ok:
            self.passed += 1
            print(f"ok {self.suite}: {text}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {self.suite}: {text}", flush=True)


def counts(outcomes):
    c = collections.Counter(o.kind() for o in outcomes)
    return ", ".join(f"{kind} x {n}" for kind, n in c.most_common()) or "none"


def run_command(cmd):
    """Run a shell command; returns (seconds it took, exit status)."""
    start = time.monotonic()
    proc = subprocess.run(cmd, shell=True, stdin=subprocess.DEVNULL)
    return time.monotonic() - start, proc.returncode


def check_fault(report, load, log, name, fault_start, recovered, horizon, before_pids):
    """Checks of one fault: from fault_start (the stop or restart command)
    through recovered (the promotion, or the database up again) until every
    worker served again, and the steady load after it until horizon."""
    first = log.first_success(recovered)
    firsts = [o.end for o in load.outcomes if o.start >= fault_start and o.end >= recovered and o.ok()]
    first_ok = min(firsts) - recovered if firsts else None
    back = {pid: t for pid, t in first.items() if pid in before_pids}
    all_back = (max(back.values()) - recovered
                if before_pids and len(back) == len(before_pids) else None)
    end = (recovered + all_back) if all_back is not None else horizon
    during = [o for o in load.outcomes if o.end >= fault_start and o.start < end]
    after = [o for o in load.outcomes if end <= o.start and o.end < horizon]
    report.say(f"{name}: answers during it: {counts(during)}")
    if first_ok is not None:
        report.say(f"{name}: first success {first_ok:.2f} s after it")
    if all_back is not None:
        report.say(f"{name}: every worker ({len(before_pids)}) serving {all_back:.2f} s after it")
    report.say(f"{name}: answers after it: {counts(after)}")
    # A stream cut after its status was sent (a group's members streamed
    # while the database went away) can only end so: the client sees the
    # transfer fail. One that ends as if complete would not be noticed.
    aborted = [o for o in during if o.kind() == "aborted after 200" and o.what == "read group"]
    if aborted:
        report.say(f"{name}: group reads aborted after their 200 (the client sees it fail): "
                   f"{len(aborted)}")
    hung = [o for o in during if o.kind() == "hang"]
    cut = [o for o in during if "cut short" in o.kind()]
    bad = [o for o in during if not o.ok() and o.kind() != "SCIM 503"
           and o not in hung and o not in cut and o not in aborted]
    report.check(not bad, f"{name}: every answer during it a success or a SCIM 503"
                 + (f" (not: {counts(bad)}; first: {bad[0].method} {bad[0].path} -> "
                    f"{bad[0].body[:200]!r})" if bad else ""))
    report.check(not hung, f"{name}: no request hung (client timeout {load.timeout:.0f} s)"
                 + (f": {len(hung)} did" if hung else ""))
    report.check(not cut, f"{name}: no success cut short and ended as if complete"
                 + (f": {counts(cut)} ({', '.join(sorted({o.what for o in cut}))})" if cut else ""))
    report.check(first_ok is not None and first_ok <= FIRST_SUCCESS_WITHIN,
                 f"{name}: service resumed within {FIRST_SUCCESS_WITHIN:.0f} s"
                 + (f" ({first_ok:.2f} s)" if first_ok is not None else ": no success since"))
    # A worker replaced would have a new pid, and the old one gone; a web
    # server that starts workers on demand (mod_fcgid) may add some.
    new = log.pids(fault_start, horizon) - before_pids
    gone = {pid for pid in before_pids if not os.path.exists(f"/proc/{pid}")}
    report.check(all_back is not None and all_back <= ALL_WORKERS_WITHIN and not gone,
                 f"{name}: every worker served again within {ALL_WORKERS_WITHIN:.0f} s, "
                 f"none restarted (before: {sorted(before_pids)}; back: {sorted(back)}; "
                 f"gone: {sorted(gone)}; added: {sorted(new)})")
    report.check(after and all(o.ok() for o in after),
                 f"{name}: every request after it a success ({len(after)})")


def check_writes(report, load, args):
    """Every acknowledged write is in the database."""
    sql = ("SELECT coalesce(json_agg(json_build_array(u.user_name, u.id, u.doc->'name'->>'givenName', "
           "u.doc->>'title')), '[]') FROM users u JOIN tenants t USING (tenant_id) "
           f"WHERE t.name = '{args.tenant}' AND u.user_name LIKE '{load.tag}-%'")
    proc = subprocess.run([args.psql, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", args.database,
                           "-c", sql], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        report.check(False, f"the database answers: {proc.stderr.strip()}")
        return
    rows = {name: (uid, given, title) for name, uid, given, title in json.loads(proc.stdout)}
    lost = []
    committed_anyway = 0
    for name, user in load.users.items():
        row = rows.get(name)
        if row is None or row[0] != user["id"] or row[1] != user["given"]:
            lost.append(f"{name}: created (201) as {user['id']}, in the database: {row}")
            continue
        version = int(row[2][1:]) if row[2] and row[2].startswith("v") else -1
        if version < user["acked"]:
            lost.append(f"{name}: title v{user['acked']} acknowledged, in the database: {row[2]}")
        elif version > user["acked"]:
            committed_anyway += 1
    committed_anyway += sum(1 for name in load.unacked_creates if name in rows)
    acked = sum(load.acked_writes.values())
    report.say(f"writes acknowledged: {acked} (creates {load.acked_writes['create']}, "
               f"patches {load.acked_writes['patch']}); lost: {len(lost)}; not acknowledged "
               f"but committed: {committed_anyway}")
    sent = collections.Counter(o.what for o in load.outcomes)
    report.say("requests: " + ", ".join(f"{what} {n}" for what, n in sorted(sent.items())))
    report.check(acked > 0 and not lost, "every acknowledged write is in the database"
                 + (f": {len(lost)} lost, e.g. {lost[:3]}" if lost else ""))


def start_clients(load, readers):
    threads = [threading.Thread(target=load.writer, args=(n,), daemon=True) for n in range(4)]
    if readers:
        threads += [threading.Thread(target=load.group_reader, daemon=True) for _ in range(2)]
        threads.append(threading.Thread(target=load.user_reader, daemon=True))
    for t in threads:
        t.start()
    return threads


def wait_for_workers(log, since, pids, deadline):
    while time.monotonic() < deadline:
        if pids <= set(log.first_success(since)):
            return
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("suite", choices=("failover", "restart"))
    ap.add_argument("--name", help="the suite's name in the output (default: the mode)")
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--tenant", required=True, help="the token's tenant")
    ap.add_argument("--worker-log", required=True)
    ap.add_argument("--psql", default="psql")
    ap.add_argument("--database", required=True, help="conninfo of the database to check")
    ap.add_argument("--stop", help="failover: the command that kills the primary")
    ap.add_argument("--promote", help="failover: the command that promotes the standby")
    ap.add_argument("--restart", action="append", default=[], metavar="NAME=CMD")
    ap.add_argument("--group-members", type=int, default=5000)
    ap.add_argument("--timeout", type=float, default=15.0, help="client timeout, seconds")
    args = ap.parse_args()
    report = Report(args.name or args.suite)
    load = Load(args)

    if args.suite == "restart":
        setup_start = time.monotonic()
        load.make_group(args.group_members)
        report.say(f"a group of {load.group_members} members made in "
                   f"{time.monotonic() - setup_start:.1f} s")
    log = WorkerLog(args.worker_log)
    begin = time.monotonic()
    threads = start_clients(load, args.suite == "restart")
    time.sleep(STEADY)
    before_pids = log.pids(begin, time.monotonic())
    before = [o for o in load.outcomes if o.start >= begin]
    report.say(f"before: {counts(before)}; workers {sorted(before_pids)}")
    failed = [o for o in before if not o.ok()]
    report.check(before and not failed and before_pids,
                 "every request a success before the fault, every worker seen in the log"
                 + (f" (first failure: {failed[0].method} {failed[0].path} -> "
                    f"{failed[0].body[:200]!r})" if failed else ""))

    faults = []
    if args.suite == "failover":
        fault_start = time.monotonic()
        took, status = run_command(args.stop)
        report.say(f"primary stopped (exit status {status}, {took:.2f} s)")
        time.sleep(UNPROMOTED)
        took, status = run_command(args.promote)
        recovered = time.monotonic()
        report.say(f"standby promoted {recovered - fault_start:.2f} s after the stop "
                   f"(exit status {status}, {took:.2f} s)")
        faults.append(("the switch", fault_start, recovered))
        wait_for_workers(log, recovered, before_pids, recovered + ALL_WORKERS_WITHIN + 5)
        time.sleep(STEADY)
    else:
        for spec in args.restart:
            name, _, cmd = spec.partition("=")
            fault_start = time.monotonic()
            took, status = run_command(cmd)
            recovered = time.monotonic()
            report.say(f"restart {name}: the database up again after {took:.2f} s "
                       f"(exit status {status})")
            faults.append((f"restart {name}", fault_start, recovered))
            wait_for_workers(log, recovered, before_pids, recovered + ALL_WORKERS_WITHIN + 5)
            time.sleep(STEADY)
    load.stop.set()
    for t in threads:
        t.join(load.timeout + 5)
    log.close()

    horizons = [start for _, start, _ in faults[1:]] + [time.monotonic()]
    for (name, fault_start, recovered), horizon in zip(faults, horizons):
        check_fault(report, load, log, name, fault_start, recovered, horizon, before_pids)
    report.say("COMMITs that lost their connection, by what the workers learned: "
               + (", ".join(f"{n} {what}" for what, n in sorted(log.commits_lost.items()))
                  or "none"))
    check_writes(report, load, args)
    print(f"{report.suite}: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
