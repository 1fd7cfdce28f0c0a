"""benchlib.py - what the load scripts under bench/ share: finding the
FastCGI workers of a stack, reading their memory, running SQL with psql,
and a keep-alive HTTP client. Python 3 standard library only."""

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

TIMEOUT = 600


def worker_pids(socket_dir):
    """Processes named scim-fcgi holding a unix socket in socket_dir."""
    inodes = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) >= 8 and parts[7].startswith(socket_dir + "/"):
                inodes.add(parts[6])
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != "scim-fcgi":
                    continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.append(int(pid))
                    break
        except OSError:
            continue
    return pids


def memory_kib(pid):
    """{"VmHWM": KiB, "VmRSS": KiB} of the process."""
    found = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(line.split()[1])
    return found


def reset_peak(pid):
    """Reset VmHWM to the current RSS (Linux 4.0+, needs to own the process
    or be root); returns whether it worked."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Failed(Exception):
    pass


def run(main):
    """Exit with main()'s status; a Failed run prints why and exits 2."""
    try:
        sys.exit(main())
    except Failed as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        sys.exit(2)


def psql(args, sql, timeout=3600):
    """Run sql (one or more statements) with args.psql in args.database;
    returns what the queries print, unaligned, without headers. Raises
    Failed when a statement fails."""
    cmd = [args.psql, "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-d", args.database]
    proc = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise Failed(f"psql: {proc.stderr.strip()}\n  sql: {sql.strip()[:500]}")
    return proc.stdout


def q(text):
    """Percent-encode text for use as one query parameter value."""
    return urllib.parse.quote(text, safe="")


class Client:
    """One keep-alive connection. send() returns (status, body bytes,
    seconds); count and statuses tally what was sent."""

    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = u.hostname, u.port, u.path
        self.token = token
        self.conn = None
        self.count = 0
        self.statuses = {}

    def send(self, method, path, body=None, expect=None, raw=None):
        headers = {"Authorization": "Bearer " + self.token}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/scim+json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
                self.conn.connect()
            try:
                start = time.perf_counter()
                self.conn.request(method, self.base + path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                elapsed = time.perf_counter() - start
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        self.count += 1
        self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
        if expect is not None and resp.status != expect:
            raise Failed(f"{method} {path}: expected {expect}, got {resp.status}: {payload[:300]!r}")
        return resp.status, payload, elapsed
