#!/usr/bin/env python3
"""The phases of bench/lookups (see there), one subcommand each; the script
starts the servers and runs them in this order:

  load     tenant A (--small users) and tenant B (--users users) bulk-loaded
           with SQL: the secondary indexes of users dropped, the rows made by
           INSERT ... SELECT from generate_series (two sessions), the indexes
           built again from their own definitions, VACUUM ANALYZE
  verify   bulk-loaded users checked through the API against what the
           service itself stores and renders for the same user
  plans    with auto_explain on, each filter sent 12 times (so the prepared
           statement is past the plan cache's first 5 runs) and once more;
           the plans of that last request's statements printed and checked
  measure  lookup throughput in tenant A and tenant B in alternating slices,
           with server CPU per request and latencies; then the sw and co
           search timings

Every user is a function of (tenant tag, number): the loader's SQL and this
file's Python compute the same userName, externalId, e-mail and id, so the
load generator knows existing targets (numbers 1..N) and missing ones
(numbers above N) without reading them back. Python 3 standard library only;
one thread drives all connections (about 50 us of client CPU per request,
a tenth of the server's).
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import re
import selectors
import socket
import statistics
import sys
import time
import urllib.parse

from benchlib import Failed, psql, q, worker_pids

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# A schema extension as an administrator loads one (bench/lookups does, for
# every tenant): its employeeId is a matching attribute Entra may use.
EXTENSION = "urn:ietf:params:scim:schemas:extension:Bench:2.0:User"

# ---- the users ----------------------------------------------------------

FIRST = """Ada Alan Alice Amara Ana Andrea Anton Arjun Astrid Ben Bianca Boris Carla
Carlos Chen Chloe Clara Daniel Dara David Diego Elena Eli Emma Erik Eva Farah Felix
Fatima Frank Grace Hana Hugo Ian Ines Ingrid Isaac Ivan Jack Jana Jin Joao Jonas Julia
Kai Karin Kenji Lara Leo Lena Liam Lina Lucas Luis Maja Marco Maria Mateo Maya Mei Mila
Nadia Nia Nils Noah Nora Oliver Olga Omar Oscar Paula Pedro Priya Quinn Rafael Rana Ravi
Rosa Ruth Sam Sara Sofia Stefan Tara Theo Tomas Uma Vera Victor Wei Yara Yusuf Zoe Zara""".split()
LAST = """Abbott Adams Agarwal Ahmed Alvarez Andersen Bailey Baker Banerjee Barros Becker
Bennett Bianchi Brooks Brown Campbell Carter Castillo Chang Chavez Clarke Collins Cooper
Costa Cruz Dahl Davies Diaz Dubois Edwards Eriksson Evans Fischer Fleming Foster Fournier
Garcia Gomez Gonzalez Gray Green Gupta Hall Hansen Harris Hayes Hernandez Hill Hoffmann
Howard Hughes Ibrahim Ito Jackson Jensen Johansson Johnson Jones Kaur Keller Kelly Khan
Kim Klein Kowalski Kumar Larsen Lee Lewis Lindqvist Lopez Lovelace Martin Martinez Mehta
Meyer Miller Mitchell Moore Morales Moreau Morris Murphy Nakamura Nelson Nguyen Nielsen
Novak Olsen Ortiz Park Patel Perez Peterson Petrov Phillips Popescu Price Ramirez Reddy
Reyes Richter Rivera Roberts Robinson Rodriguez Rossi Russo Sanchez Santos Sato Schmidt
Schneider Scott Shah Silva Singh Smith Sousa Stewart Suzuki Tanaka Taylor Thomas Thompson
Torres Turner Walker Wang Ward Watson Weber White Williams Wilson Wood Wright Yamamoto
Young Zhang Zimmermann""".split()
TITLES = ["Engineer", "Senior Engineer", "Analyst", "Manager", "Director", "Designer",
          "Consultant", "Accountant", "Sales Representative", "Support Specialist"]
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "Human Resources", "Legal",
               "Operations", "Support", "Research", "Procurement"]
# Tenant tag -> the directory's domain and organization.
DOMAINS = {"a": ("fabrikam.example.com", "Fabrikam"), "b": ("contoso.example.com", "Contoso")}


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def uuid_from(h):
    """A version-4-shaped UUID made of an md5 hex digest (gen_random_uuid()'s
    format; the bench needs ids it can compute again)."""
    return f"{h[0:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def user_id(tag, i):
    return uuid_from(md5(f"{tag}:{i}"))


def user_external_id(tag, i):
    return uuid_from(md5(f"x:{tag}:{i}"))


def user_names(tag, i):
    """(first, last, userName, work e-mail) of user i of the tenant."""
    h = md5(f"{tag}:{i}")
    first = FIRST[int(h[24:28], 16) % len(FIRST)]
    last = LAST[int(h[28:32], 16) % len(LAST)]
    domain = DOMAINS[tag][0]
    return first, last, f"{first}.{last}{i}@{domain}", f"{first.lower()}.{last.lower()}{i}@{domain}"


def sql_array(words):
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def sql_uuid(h):
    """SQL of uuid_from() on the hex digest expression h."""
    return (f"substr({h},1,8)||'-'||substr({h},9,4)||'-4'||substr({h},14,3)||'-a'||substr({h},18,3)"
            f"||'-'||substr({h},21,12)")


def sql_pick(h, at, words):
    """SQL of words[int(h[at-1:at+3], 16) % len(words)]."""
    return f"({sql_array(words)})[1 + (('x' || substr({h}, {at}, 4))::bit(16)::int % {len(words)})]"


def sql_insert(tenant_id, tag, first, last):
    """INSERT of users first..last of the tenant: the document as
    resource_normalize() makes it (canonical attribute names, booleans as
    JSON booleans, the enterprise extension under its URN and in schemas),
    and the columns derived from it exactly as src/store/store_users.c's
    user_insert derives them. Each LATERAL ... OFFSET 0 is computed once
    per row (without it the planner would copy the expression into every
    use)."""
    domain, org = DOMAINS[tag]
    phone = "lpad((g.i % 10000000)::text, 7, '0')"
    work = f"lower(n.f) || '.' || lower(n.l) || g.i || '@{domain}'"
    return f"""
INSERT INTO users AS r (tenant_id, id, user_name, external_id, display_name, active, doc,
                        created, last_modified)
SELECT '{tenant_id}', ({sql_uuid('k.h')})::uuid,
       s.d->>'userName', s.d->>'externalId', s.d->>'displayName',
       coalesce((s.d->>'active')::boolean, true), s.d, s.t, s.t
  FROM generate_series({first}, {last}) g(i),
  LATERAL (SELECT md5('{tag}:' || g.i) AS h, md5('x:{tag}:' || g.i) AS x,
                  md5('{tag}:' || ((g.i - 1) / 25 * 25 + 1)) AS m OFFSET 0) k,
  LATERAL (SELECT {sql_pick('k.h', 25, FIRST)} AS f, {sql_pick('k.h', 29, LAST)} AS l OFFSET 0) n,
  LATERAL (SELECT jsonb_strip_nulls(jsonb_build_object(
    'schemas', jsonb_build_array('{USER}', '{ENTERPRISE}', '{EXTENSION}'),
    'externalId', {sql_uuid('k.x')},
    'userName', n.f || '.' || n.l || g.i || '@{domain}',
    'name', jsonb_build_object('formatted', n.f || ' ' || n.l, 'familyName', n.l, 'givenName', n.f),
    'displayName', n.f || ' ' || n.l,
    'title', {sql_pick('k.h', 1, TITLES)},
    'active', ('x' || substr(k.h, 5, 2))::bit(8)::int % 20 <> 0,
    'emails', CASE WHEN ('x' || substr(k.h, 7, 2))::bit(8)::int % 10 < 3
      THEN jsonb_build_array(
        jsonb_build_object('type', 'work', 'value', {work}, 'primary', true),
        jsonb_build_object('type', 'home', 'value', lower(n.f) || g.i || '@home.example.net'))
      ELSE jsonb_build_array(jsonb_build_object('type', 'work', 'value', {work}, 'primary', true))
      END,
    'phoneNumbers', CASE WHEN ('x' || substr(k.h, 9, 2))::bit(8)::int % 2 = 0
      THEN jsonb_build_array(
        jsonb_build_object('type', 'work', 'value', '+1 555 ' || {phone}),
        jsonb_build_object('type', 'mobile', 'value', '+1 556 ' || {phone}))
      ELSE jsonb_build_array(jsonb_build_object('type', 'work', 'value', '+1 555 ' || {phone}))
      END,
    '{ENTERPRISE}', jsonb_build_object(
      'employeeNumber', g.i::text,
      'costCenter', 'CC-' || (g.i % 500),
      'organization', '{org}',
      'department', {sql_pick('k.h', 11, DEPARTMENTS)},
      'manager', CASE WHEN g.i % 25 <> 1 THEN jsonb_build_object('value', {sql_uuid('k.m')}) END),
    '{EXTENSION}', jsonb_build_object('employeeId', 'E-' || g.i)))
      AS d,
    date_trunc('milliseconds', now()) - g.i * interval '1 second' AS t OFFSET 0) s;
"""


# ---- psql ---------------------------------------------------------------

def psql_parallel(args, scripts):
    """Run SQL scripts in parallel sessions; when all have ended, raise the
    first failure."""
    with concurrent.futures.ThreadPoolExecutor(len(scripts)) as pool:
        for done in [pool.submit(psql, args, sql) for sql in scripts]:
            done.result()


def secondary_indexes(args):
    """(name, definition, comment) of the users indexes that back no
    constraint, largest build first."""
    out = psql(args, """
SELECT json_agg(json_build_array(c.relname, pg_get_indexdef(c.oid), obj_description(c.oid, 'pg_class'),
                                 a.amname) ORDER BY c.relname)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
 WHERE i.indrelid = 'users'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = c.oid)""")
    return [tuple(x) for x in json.loads(out or "[]") or []]


def cmd_load(args):
    """Bulk load. The API would take hours for a million users: the rows are
    made in SQL with the document resource_normalize() produces (canonical
    names, booleans as JSON booleans, the enterprise extension under its URN
    and in schemas) and the columns derived from it as the service derives
    them. The indexes that back no constraint are dropped first and built
    again afterwards from their own definitions (pg_get_indexdef), as the
    migrations left them, which is several times faster than inserting into
    them; the primary key stays."""
    t0 = time.monotonic()
    indexes = secondary_indexes(args)
    if not indexes:
        raise Failed("no secondary index on users: were the migrations applied?")
    psql(args, "".join(f'DROP INDEX "{name}";\n' for name, _, _, _ in indexes))
    # Tenant B in two halves, one session each: two cores.
    half = args.users // 2
    setup = "SET synchronous_commit = off;\n"
    psql_parallel(args, [
        setup + sql_insert(args.tenant_a, "a", 1, args.small) + sql_insert(args.tenant_b, "b", 1, half),
        setup + sql_insert(args.tenant_b, "b", half + 1, args.users),
    ])
    t_rows = time.monotonic()
    print(f"  rows inserted in {t_rows - t0:.1f} s", flush=True)
    # Two sessions, the builds balanced between them (GIN builds are the slow ones).
    sessions = [[], []]
    weight = [0, 0]
    cost = {"gin": 3, "btree": 1}
    for name, definition, comment, am in sorted(indexes, key=lambda x: -cost.get(x[3], 1)):
        k = weight.index(min(weight))
        weight[k] += cost.get(am, 1)
        sql = definition + ";\n"
        if comment is not None:
            sql += f"COMMENT ON INDEX \"{name}\" IS '{comment.replace(chr(39), chr(39) * 2)}';\n"
        sessions[k].append(sql)
    settings = "SET maintenance_work_mem = '512MB';\nSET max_parallel_maintenance_workers = 1;\n"
    psql_parallel(args, [settings + "".join(s) for s in sessions if s])
    t_idx = time.monotonic()
    print(f"  {len(indexes)} indexes built again in {t_idx - t_rows:.1f} s: "
          + ", ".join(n for n, _, _, _ in indexes), flush=True)
    if secondary_indexes(args) != indexes:
        raise Failed("the indexes built again differ from the migrations' ones")
    psql(args, "VACUUM (ANALYZE) users;")
    t_end = time.monotonic()
    print(f"  VACUUM ANALYZE in {t_end - t_idx:.1f} s", flush=True)
    counts = psql(args, f"""
SELECT count(*) FILTER (WHERE tenant_id = '{args.tenant_a}'), count(*) FILTER (WHERE tenant_id = '{args.tenant_b}'),
       pg_size_pretty(pg_table_size('users')), pg_size_pretty(pg_indexes_size('users'))
  FROM users""").strip().split("|")
    if int(counts[0]) != args.small or int(counts[1]) != args.users:
        raise Failed(f"expected {args.small} and {args.users} users, found {counts[0]} and {counts[1]}")
    print(f"load: {counts[0]} users in tenant A, {counts[1]} in tenant B, in {t_end - t0:.1f} s "
          f"(table {counts[2]}, indexes {counts[3]})", flush=True)


# ---- HTTP ---------------------------------------------------------------

class Client:
    """One keep-alive connection, blocking, for the few requests of verify
    and plans; reconnects when the server closes."""

    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = u.hostname, u.port, u.path
        self.token = token
        self.sock = None
        self.buf = b""

    def send(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {self.base}{path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Authorization: Bearer {token or self.token}\r\n")
        if body is not None:
            head += f"Content-Type: application/scim+json\r\nContent-Length: {len(data)}\r\n"
        request = (head + "\r\n").encode() + data
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=300)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buf = b""
        self.sock.sendall(request)
        while True:
            response = parse_response(self.buf)
            if response is not None:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Failed(f"{method} {path}: the server closed the connection")
            self.buf += chunk
        status, headers, payload, used = response
        self.buf = self.buf[used:]
        if b"connection: close" in headers.lower():
            self.sock.close()
            self.sock = None
        return status, payload


def parse_response(buf):
    """(status, head, body, bytes used) of the first complete response in
    buf, or None. lighttpd always sends Content-Length for these."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end]
    length = 0
    i = head.lower().find(b"\r\ncontent-length:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        length = int(head[i + 17:j if j > 0 else len(head)])
    if len(buf) < end + 4 + length:
        return None
    return int(head[9:12]), head, buf[end + 4:end + 4 + length], end + 4 + length


# ---- the lookups --------------------------------------------------------

KINDS = ["userName", "externalId", "emails", "id", "extension"]
SEARCHES = ["userName sw", "userName co"]
# The index each filter must be answered from (sql/002_filter_indexes.sql);
# id eq: the primary key or the index on id alone (sql/006_member_names.sql),
# one entry either way.
EXPECTED_INDEX = {
    "userName": "users_user_name_key",
    "externalId": "users_external_id",
    "emails": "users_doc_fold",
    "id": "users_pkey or users_id",
    "extension": "users_doc_fold",
    "userName sw": "users_user_name_key",
    "userName co": "users_user_name_trigram",
}


def lookup_filter(kind, tag, i, rng):
    """The filter of one lookup of user i of the tenant (it exists when
    i <= the tenant's size)."""
    if kind == "userName":
        name = user_names(tag, i)[2]
        # Clients send the case they have: userName ignores case.
        return f'userName eq "{rng.choice((name, name.lower(), name.upper()))}"'
    if kind == "externalId":
        return f'externalId eq "{user_external_id(tag, i)}"'
    if kind == "emails":
        return f'emails[type eq "work"].value eq "{user_names(tag, i)[3]}"'
    if kind == "id":
        return f'id eq "{user_id(tag, i)}"'
    if kind == "extension":
        # Not caseExact: any case finds it.
        return f'{EXTENSION}:employeeId eq "{rng.choice(("E-", "e-"))}{i}"'
    raise ValueError(kind)


def search_filter(kind, tag, rng, size):
    """sw: the first.last prefix of a random user (a few dozen matches per
    million users); co: five letters inside a random family name (about
    1/150 of the tenant matches)."""
    first, last, name, _ = user_names(tag, rng.randint(1, size))
    if kind == "userName sw":
        return f'userName sw "{first.lower()}.{last.lower()}"'
    start = rng.randint(0, max(0, len(last) - 5))
    return f'userName co "{last[start:start + 5].lower()}"'


def list_path(filter_text):
    return "/Users?filter=" + q(filter_text)


# ---- verify -------------------------------------------------------------

def cmd_verify(args):
    """Bulk-loaded users against the API: each sampled user is found by its
    lookups and read by id, renders with every attribute, and when its
    rendering is POSTed to a scratch tenant the service stores the same
    document and the same columns as the bulk load did."""
    c = Client(args.url, args.token_b)
    rng = random.Random(args.seed)
    samples = [("a", args.token_a, args.tenant_a, i) for i in rng.sample(range(1, args.small + 1), 5)]
    samples += [("b", args.token_b, args.tenant_b, i) for i in rng.sample(range(1, args.users + 1), 15)]
    samples += [("b", args.token_b, args.tenant_b, i) for i in (1, args.users)
                if ("b", args.token_b, args.tenant_b, i) not in samples]
    checked = 0
    for tag, token, tenant, i in samples:
        uid = user_id(tag, i)
        status, payload = c.send("GET", f"/Users/{uid}", token=token)
        if status != 200:
            raise Failed(f"GET /Users/{uid} (user {i} of tenant {tag}): {status} {payload[:200]!r}")
        doc = json.loads(payload)
        first, last, name, email = user_names(tag, i)
        want = {"id": uid, "userName": name, "externalId": user_external_id(tag, i),
                "displayName": f"{first} {last}"}
        for key, value in want.items():
            if doc.get(key) != value:
                raise Failed(f"user {i} of tenant {tag}: {key} is {doc.get(key)!r}, expected {value!r}")
        if doc.get("schemas") != [USER, ENTERPRISE, EXTENSION] or \
                doc.get(EXTENSION) != {"employeeId": f"E-{i}"} or not isinstance(doc.get("active"), bool) or \
                doc["emails"][0] != {"type": "work", "value": email, "primary": True} or \
                doc["meta"]["location"] != f"{args.url}/Users/{uid}" or \
                doc["name"] != {"formatted": f"{first} {last}", "givenName": first, "familyName": last} or \
                doc[ENTERPRISE]["employeeNumber"] != str(i):
            raise Failed(f"user {i} of tenant {tag} renders wrongly: {payload[:600]!r}")
        if i % 25 != 1 and doc[ENTERPRISE]["manager"]["$ref"] != \
                f"{args.url}/Users/{doc[ENTERPRISE]['manager']['value']}":
            raise Failed(f"user {i} of tenant {tag}: manager renders wrongly: {doc[ENTERPRISE]!r}")
        for kind in KINDS:
            status, payload = c.send("GET", list_path(lookup_filter(kind, tag, i, rng)), token=token)
            found = json.loads(payload) if status == 200 else {}
            ids = [r["id"] for r in found.get("Resources", [])]
            if status != 200 or ids != [uid] or found.get("totalResults") != 1:
                raise Failed(f"{kind} lookup of user {i} of tenant {tag}: {status} {payload[:300]!r}")
        # The same user made by the service itself, in the scratch tenant.
        body = {k: v for k, v in doc.items() if k not in ("id", "meta", "groups")}
        body[ENTERPRISE] = dict(body[ENTERPRISE])
        body[ENTERPRISE].get("manager", {}).pop("$ref", None)
        status, payload = c.send("POST", "/Users", body, token=args.token_verify)
        if status != 201:
            raise Failed(f"POST of user {i} of tenant {tag} to the scratch tenant: {status} {payload[:300]!r}")
        made = json.loads(payload)["id"]
        same = psql(args, f"""
SELECT l.doc = m.doc, l.user_name = m.user_name, l.external_id IS NOT DISTINCT FROM m.external_id,
       l.display_name IS NOT DISTINCT FROM m.display_name, l.active = m.active
  FROM users l, users m
 WHERE l.tenant_id = '{tenant}' AND l.id = '{uid}' AND m.tenant_id = '{args.tenant_verify}' AND m.id = '{made}'
""").strip()
        if same != "t|t|t|t|t":
            raise Failed(f"user {i} of tenant {tag}: the bulk-loaded row differs from the one the API "
                         f"stores for the same user (doc, user_name, external_id, display_name, active: {same})")
        checked += 1
    # Missing users are missing.
    for kind in KINDS:
        status, payload = c.send("GET", list_path(lookup_filter(kind, "b", args.users + 1, rng)))
        if status != 200 or json.loads(payload).get("totalResults") != 0:
            raise Failed(f"{kind} lookup of a missing user: {status} {payload[:300]!r}")
    print(f"verify: {checked} bulk-loaded users (tenant A and B) render through GET /Users/{{id}}, are found "
          f"by each lookup, and equal (doc and columns) what the API stores for the same user; "
          f"missing users are not found", flush=True)


# ---- plans --------------------------------------------------------------

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def log_plans(text):
    """The auto_explain entries of a PostgreSQL log excerpt: (query, plan lines)."""
    entries = []
    current = None
    for line in text.splitlines():
        if LOG_LINE.match(line):
            current = None
            if "plan:" in line and "duration:" in line:
                current = {"query": "", "plan": []}
                entries.append(current)
            continue
        if current is None:
            continue
        if line.lstrip().startswith("Query Text:"):
            current["query"] = line.split("Query Text:", 1)[1].strip()
        elif current["plan"] or line.strip():
            current["plan"].append(line.rstrip())
    return entries


INDEX_NODE = re.compile(r"Index (?:Only )?Scan(?: Backward)? using (\S+) on users\b|Bitmap Index Scan on (\S+)")
WHOLE_TENANT = re.compile(r"\(tenant_id = (?:\$\d+|'[0-9a-f-]+'::uuid)\)")


def plan_nodes(plan):
    """The index reads of a plan on users: [(index, Index Cond, rows read)],
    and whether it scans users sequentially."""
    nodes = []
    seq = False
    for n, line in enumerate(plan):
        if re.search(r"Seq Scan on users\b", line):
            seq = True
        m = INDEX_NODE.search(line)
        if not m:
            continue
        indent = len(line) - len(line.lstrip())
        cond = ""
        removed = 0
        for follow in plan[n + 1:]:
            if len(follow) - len(follow.lstrip()) <= indent:
                break
            if follow.strip().startswith("Index Cond:"):
                cond = follow.strip()[len("Index Cond:"):].strip()
            r = re.match(r"\s*Rows Removed by (?:Filter|Index Recheck): (\d+)", follow)
            if r:
                removed += int(r.group(1))
        # Rows the index gave, before any filter (per loop in the plan).
        actual = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line)
        rows = (int(actual.group(1)) + removed) * int(actual.group(2)) if actual else -1
        nodes.append((m.group(1) or m.group(2), cond, rows))
    return nodes, seq


def statistics_targets(args):
    """Targets the planner's statistics know: the work e-mail of a tenant B
    user whose document ANALYZE put in the histogram of the containment
    index's expression, and the "first.last" part of a tenant B userName in
    the histogram of the userName index's expression. Every database has
    such users (about 100 per statistics target), and for them the planner
    estimates 1% of the tenant instead of a handful of rows, which is what
    tempts it into walking the primary key for ORDER BY id LIMIT."""
    domain = DOMAINS["b"][0]
    emails = psql(args, f"""
SELECT e->>'value'
  FROM (SELECT unnest(histogram_bounds::text::jsonb[]) AS d FROM pg_stats
         WHERE tablename = '{EXPECTED_INDEX["emails"]}') h,
       jsonb_array_elements(h.d->'emails') e
 WHERE e->>'type' = 'work' AND e->>'value' LIKE '%@{domain}'""").split()
    names = psql(args, f"""
SELECT n FROM (SELECT unnest(histogram_bounds::text::text[]) AS n FROM pg_stats
                WHERE tablename = '{EXPECTED_INDEX["userName"]}') h
 WHERE n LIKE '%@{domain}'""").split()
    prefixes = [m.group(1) for m in (re.match(r"([a-z]+\.[a-z]+)\d", n) for n in names) if m]
    return emails, prefixes


def cmd_plans(args):
    """auto_explain (set for the database by bench/lookups: log_analyze,
    log_buffers, log_min_duration 0) logs the plan of every statement the
    workers run. Each filter is sent 12 times with random targets first, so
    that the prepared statement has run more than 5 times and the plan cache
    made its generic-or-custom choice; then once more, and the plans of that
    request's statements on users are printed and checked. Tenant B gets one
    more probe for emails, sw and co: a target from the statistics (see
    statistics_targets)."""
    rng = random.Random(args.seed + 1)
    c = Client(args.url, args.token_a)
    tenants = {"A": ("a", args.token_a, args.small), "B": ("b", args.token_b, args.users)}
    emails, prefixes = statistics_targets(args)
    sampled = {
        "emails": [f'emails[type eq "work"].value eq "{e}"' for e in emails],
        "userName sw": [f'userName sw "{p}"' for p in prefixes],
        "userName co": [f'userName co "{p}"' for p in prefixes],
    }
    probes = []
    for kind in KINDS + SEARCHES:
        probes.append((kind, "A", "random target", None))
        probes.append((kind, "B", "random target", None))
        if sampled.get(kind):
            probes.append((kind, "B", "target from the statistics", rng.choice(sampled[kind])))
    results = []
    for kind, label, what, last_filter in probes:
        tag, token, size = tenants[label]

        def one(f=None):
            if f is None and kind in KINDS:
                f = lookup_filter(kind, tag, rng.randint(1, size), rng)
            elif f is None:
                f = search_filter(kind, tag, rng, size)
            status, payload = c.send("GET", list_path(f), token=token)
            if status != 200:
                raise Failed(f"{f}: {status} {payload[:300]!r}")
            return f, json.loads(payload)["totalResults"]

        for _ in range(12):
            one()
        time.sleep(0.2)
        offset = os.path.getsize(args.pg_log)
        started = time.perf_counter()
        f, total = one(last_filter)
        took = time.perf_counter() - started
        time.sleep(0.5)  # the server writes its log as the statements end
        with open(args.pg_log, errors="replace") as log:
            log.seek(offset)
            entries = [e for e in log_plans(log.read()) if "FROM users r WHERE r.tenant_id" in e["query"]]
        if not entries:
            raise Failed(f"no auto_explain plan in {args.pg_log} for {f}: is auto_explain on?")
        nodes, seq, generic = [], False, True
        for e in entries:
            n, sq = plan_nodes(e["plan"])
            nodes += n
            seq |= sq
            generic &= re.search(r"\$\d", "\n".join(e["plan"])) is not None
        want = EXPECTED_INDEX[kind]
        used = sorted({name for name, _, _ in nodes})
        # An index read on tenant_id alone (a walk of the primary key in id
        # order, or a bitmap of the whole tenant to AND with) costs in
        # proportion to the tenant: harmless at 1,000 users, what must not
        # happen at a million.
        whole = [(name, rows) for name, cond, rows in nodes if WHOLE_TENANT.fullmatch(cond)]
        ok = any(w in used for w in want.split(" or ")) and not seq and not (whole and label == "B")
        note = ""
        if whole:
            note = "; index read on tenant_id alone (grows with the tenant): " + ", ".join(
                f"{name} ({rows} entries)" for name, rows in whole)
        results.append((kind, label, what, ok, used, seq, note, took))
        print(f"--- {kind}, tenant {label} ({size} users), {what}: GET /Users?filter={f}")
        print(f"    totalResults {total}, {took * 1000:.1f} ms; "
              f"{'generic' if generic else 'custom'} plan after 12 runs of the statement")
        for e in entries:
            print(f"    Query: {e['query']}")
            for line in e["plan"]:
                print("    " + line.replace("\t", "    "))
        print(f"    {'PASS' if ok else 'FAIL'}: reads {', '.join(used) or 'no index'}"
              f"{'; SCANS users SEQUENTIALLY' if seq else ''}{note} "
              f"(expected: {want}; no Seq Scan on users; in B no whole-tenant index read)", flush=True)
    print("plans:")
    failed = 0
    for kind, label, what, ok, used, seq, note, took in results:
        print(f"  {'PASS' if ok else 'FAIL'}  {kind:11s} {label} {what:26s} {took * 1000:9.1f} ms  "
              f"{', '.join(used) or '-'}{', Seq Scan on users' if seq else ''}{note}")
        failed += not ok
    if failed:
        print(f"FAIL: {failed} plan(s) are not answered from their index alone")
        sys.exit(1)
    print("PASS: every lookup and search is answered from its index")


# ---- measure ------------------------------------------------------------

class ServerCpu:
    """CPU time (user + system) of the processes serving the requests:
    lighttpd, the workers and their PostgreSQL backends (unlike requests/s
    it hardly moves when other programs share the machine), and the minor
    page faults of the backends (a backend maps each page of shared_buffers
    when it first touches it)."""

    def __init__(self, args):
        self.pids = worker_pids(args.socket_dir)
        with open(os.path.join(args.socket_dir, "lighttpd.pid")) as f:
            self.pids.append(int(f.read().strip()))
        out = psql(args, "SELECT pid FROM pg_stat_activity WHERE application_name = 'scim' "
                         "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        self.backends = {int(x) for x in out.split()}
        self.pids += sorted(self.backends)
        self.tick = os.sysconf("SC_CLK_TCK")

    def sample(self):
        """(CPU seconds, backends' minor page faults) so far."""
        ticks = faults = 0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
                if pid in self.backends:
                    faults += int(fields[7])
            except (OSError, IndexError, ValueError):
                pass
        return ticks / self.tick, faults


class Load:
    """CONNECTIONS keep-alive connections driven by one thread with a
    selector: each sends its next request as soon as the previous answer is
    in. A pre-built request costs the client about 50 us of CPU."""

    def __init__(self, url, connections):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.base = u.hostname, u.port, u.path
        self.connections = connections
        self.sel = selectors.DefaultSelector()

    def request(self, token, filter_text):
        return (f"GET {self.base}{list_path(filter_text)} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Authorization: Bearer {token}\r\n\r\n").encode()

    def run(self, seconds, next_request, cpu=None):
        """Send next_request() -> (bytes, expected totalResults) for `seconds`,
        then wait for the answers in flight. Returns (answers, elapsed s,
        wrong answers, latencies, (server CPU s, backend minor faults),
        (slowest latency, its request line))."""
        conns = []
        done = 0
        wrong = []
        latencies = []
        slowest = (0.0, b"")

        def connect(conn):
            s = socket.create_connection((self.host, self.port), timeout=60)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # Blocking without a timeout: recv only runs when the selector
            # says there is data, and a timeout would cost a poll() per call.
            s.settimeout(None)
            conn["sock"], conn["buf"] = s, b""
            self.sel.register(s, selectors.EVENT_READ, conn)

        def send(conn):
            conn["req"], conn["want"] = next_request()
            conn["t"] = time.perf_counter()
            conn["sock"].sendall(conn["req"])

        cpu_start = cpu.sample() if cpu else (0.0, 0)
        start = time.perf_counter()
        end = start + seconds
        for _ in range(self.connections):
            conn = {}
            connect(conn)
            send(conn)
            conns.append(conn)
        while conns:
            for key, _ in self.sel.select(timeout=60):
                conn = key.data
                # 64 KiB: a larger buffer is mmap()ed and unmapped per call.
                chunk = conn["sock"].recv(65536)
                if not chunk:
                    raise Failed("the server closed a connection with a request in flight")
                conn["buf"] += chunk
                response = parse_response(conn["buf"])
                if response is None:
                    continue
                now = time.perf_counter()
                status, head, body, used = response
                conn["buf"] = conn["buf"][used:]
                done += 1
                latencies.append(now - conn["t"])
                if now - conn["t"] > slowest[0]:
                    slowest = (now - conn["t"], conn["req"].split(b"\r\n", 1)[0])
                if status != 200 or f'"totalResults":{conn["want"]},'.encode() not in body:
                    wrong.append((status, conn["req"].split(b"\r\n")[0], body[:200]))
                if now >= end:
                    self.sel.unregister(conn["sock"])
                    conn["sock"].close()
                    conns.remove(conn)
                    continue
                if b"connection: close" in head.lower():
                    self.sel.unregister(conn["sock"])
                    conn["sock"].close()
                    connect(conn)
                send(conn)
        elapsed = time.perf_counter() - start
        cpu_end = cpu.sample() if cpu else (0.0, 0)
        used = (cpu_end[0] - cpu_start[0], cpu_end[1] - cpu_start[1])
        return done, elapsed, wrong, latencies, used, slowest


def cmd_measure(args):
    """Lookup throughput at the small and the large tenant, in the same run
    with the same connections and mix: per lookup kind, ROUNDS pairs of
    SLICE-second runs alternate between the tenants (A B, B A, A B, ...) so
    that anything else the machine does falls on both alike. Targets are
    random users, --hit-ratio of them existing; every answer is checked
    (status 200, totalResults 1 for existing users, 0 for missing ones)."""
    rng = random.Random(args.seed + 2)
    load = Load(args.url, args.connections)
    tenants = {"A": ("a", args.token_a, args.small), "B": ("b", args.token_b, args.users)}

    def generator(kind, label):
        tag, token, size = tenants[label]

        def next_request():
            hit = rng.random() < args.hit_ratio
            i = rng.randint(1, size) if hit else rng.randint(size + 1, 2 * size)
            return load.request(token, lookup_filter(kind, tag, i, rng)), 1 if hit else 0
        return next_request

    print(f"measure: {args.connections} connections, {args.rounds} rounds of {args.slice:g} s per "
          f"tenant and kind (tenants alternating), {args.hit_ratio:.0%} existing targets", flush=True)
    # A worker's database session lives as long as the worker, and a
    # long-lived backend has long mapped the pages of shared_buffers it reads;
    # these sessions are new (bench/lookups ended the previous ones). One
    # request per worker that reads every row of users (nickName is in no
    # document and has no index) maps the table's pages into each backend,
    # so that tenant B's lookups do not pay first-touch page faults that a
    # running server does not have.
    scan = Load(args.url, 2 * args.procs)
    _, _, wrong, _, _, _ = scan.run(0, lambda: (scan.request(args.token_b, 'nickName co "zz"'), 0))
    if wrong:
        raise Failed(f"the full-table request failed: {wrong[0]!r}")
    # Warm-up: every kind in both tenants, so that each worker's statements
    # are prepared and past the plan cache's first 5 runs.
    for kind in KINDS:
        for label in ("A", "B"):
            _, _, wrong, _, _, _ = load.run(args.warmup, generator(kind, label))
            if wrong:
                raise Failed(f"{kind} in tenant {label}: wrong answer {wrong[0]!r}")
    cpu = ServerCpu(args)
    # The kinds take turns within each round, so that whatever drifts during
    # the run (the machine's other work, caches) falls on every kind.
    totals = {(k, t): [0, 0.0, 0.0, 0] for k in KINDS for t in "AB"}
    lat = {(k, t): [] for k in KINDS for t in "AB"}
    worst = {(k, t): (0.0, b"") for k in KINDS for t in "AB"}
    pairs = {k: [] for k in KINDS}
    for r in range(args.rounds):
        for n_kind, kind in enumerate(KINDS):
            order = ("A", "B") if (r + n_kind) % 2 == 0 else ("B", "A")
            rate = {}
            for label in order:
                n, elapsed, wrong, latencies, used, slowest = load.run(args.slice, generator(kind, label), cpu)
                if wrong:
                    raise Failed(f"{kind} in tenant {label}: {len(wrong)} wrong answers, e.g. {wrong[0]!r}")
                key = (kind, label)
                worst[key] = max(worst[key], slowest)
                totals[key][0] += n
                totals[key][1] += elapsed
                totals[key][2] += used[0]
                totals[key][3] += used[1]
                lat[key] += latencies
                rate[label] = n / elapsed
            pairs[kind].append(rate["B"] / rate["A"])
        if (r + 1) % 10 == 0 and r + 1 < args.rounds:
            print(f"  {r + 1} rounds done", flush=True)
    results = {}
    for kind in KINDS:
        ta, tb = totals[(kind, "A")], totals[(kind, "B")]
        rate_a, rate_b = ta[0] / ta[1], tb[0] / tb[1]
        cpu_a, cpu_b = ta[2] / ta[0] * 1e6, tb[2] / tb[0] * 1e6
        faults_a, faults_b = ta[3] / ta[0], tb[3] / tb[0]
        results[kind] = (rate_a, rate_b, rate_b / rate_a, sorted(pairs[kind]),
                         {t: lat[(kind, t)] for t in "AB"}, cpu_a, cpu_b,
                         {t: worst[(kind, t)] for t in "AB"})
        print(f"  {kind:10s} A {rate_a:7.0f} req/s   B {rate_b:7.0f} req/s   ratio {rate_b / rate_a:.3f}  "
              f"(rounds: {min(pairs[kind]):.2f}..{max(pairs[kind]):.2f}, median "
              f"{statistics.median(pairs[kind]):.3f}); server CPU per request A {cpu_a:.0f} us, "
              f"B {cpu_b:.0f} us; backend minor page faults per request A {faults_a:.2f}, B {faults_b:.2f}",
              flush=True)

    # sw and co: sequential requests, one connection, random prefixes and fragments.
    c = Client(args.url, args.token_a)
    search = {}
    for kind in SEARCHES:
        for label in ("A", "B"):
            tag, token, size = tenants[label]
            times, totals = [], []
            for n in range(args.searches + 3):
                f = search_filter(kind, tag, rng, size)
                t = time.perf_counter()
                status, payload = c.send("GET", list_path(f), token=token)
                t = time.perf_counter() - t
                if status != 200:
                    raise Failed(f"{f}: {status} {payload[:300]!r}")
                if n >= 3:
                    times.append(t)
                    totals.append(json.loads(payload)["totalResults"])
            search[(kind, label)] = (times, totals)

    def ms(s):
        return f"{s * 1000:.2f} ms"

    print()
    print(f"lookups, {args.connections} connections, {args.rounds * args.slice:g} s per tenant and kind "
          f"({args.hit_ratio:.0%} existing users):")
    print(f"  {'lookup':11s} {'A: ' + str(args.small) + ' users':>16s} {'B: ' + str(args.users) + ' users':>19s}"
          f" {'ratio B/A':>9s}   {'server CPU/request A':>20s} {'B':>6s} {'A/B':>5s}"
          f"   {'latency p50 / p99 / max A':>27s} {'B':>26s}")
    failed = []
    for kind in KINDS:
        rate_a, rate_b, ratio, pairs, lat, cpu_a, cpu_b, worst = results[kind]
        pct = {k: sorted(v) for k, v in lat.items()}
        p = {k: (v[len(v) // 2], v[int(len(v) * 0.99)], v[-1]) for k, v in pct.items()}
        print(f"  {kind:11s} {rate_a:10.0f} req/s {rate_b:13.0f} req/s {ratio:9.3f}   "
              f"{cpu_a:17.0f} us {cpu_b:3.0f} us {cpu_a / cpu_b:5.2f}   "
              f"{ms(p['A'][0]):>8s} /{ms(p['A'][1]):>9s} /{ms(p['A'][2]):>11s}"
              f" {ms(p['B'][0]):>8s} /{ms(p['B'][1]):>9s} /{ms(p['B'][2]):>11s}")
        if ratio < args.min_ratio:
            failed.append(f"{kind} ratio {ratio:.3f}")
    for kind in KINDS:
        worst = results[kind][7]
        for label in ("A", "B"):
            t, line = worst[label]
            if t > 1.0:
                print(f"  slowest {kind} request in tenant {label}: {t * 1000:.0f} ms: "
                      f"{urllib.parse.unquote(line.decode(errors='replace'))}")
    print(f"searches, one connection, {args.searches} sequential requests each (random prefix / fragment):")
    for kind in SEARCHES:
        for label in ("A", "B"):
            times, totals = search[(kind, label)]
            times.sort()
            print(f"  {kind:12s} tenant {label} ({tenants[label][2]} users): median {ms(statistics.median(times))}, "
                  f"p90 {ms(times[int(len(times) * 0.9)])}, max {ms(times[-1])}; "
                  f"totalResults median {statistics.median(totals):g} (page of at most 100)")
    if failed:
        print(f"FAIL: throughput ratio below {args.min_ratio}: " + ", ".join(failed))
        sys.exit(1)
    print(f"PASS: every lookup keeps at least {args.min_ratio:.0%} of its throughput from "
          f"{args.small} to {args.users} users")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--users", type=int, required=True, help="users of tenant B")
    common.add_argument("--small", type=int, default=1000, help="users of tenant A")
    common.add_argument("--seed", type=int, default=1)
    common.add_argument("--psql")
    common.add_argument("--database")
    common.add_argument("--url")
    common.add_argument("--tenant-a")
    common.add_argument("--tenant-b")
    common.add_argument("--tenant-verify")
    common.add_argument("--token-a")
    common.add_argument("--token-b")
    common.add_argument("--token-verify")
    sub.add_parser("load", parents=[common])
    sub.add_parser("verify", parents=[common])
    p = sub.add_parser("plans", parents=[common])
    p.add_argument("--pg-log", required=True)
    m = sub.add_parser("measure", parents=[common])
    m.add_argument("--socket-dir", required=True, help="lighttpd's directory (workers' sockets, pid file)")
    m.add_argument("--connections", type=int, default=4)
    m.add_argument("--procs", type=int, default=2, help="FastCGI workers (one full-table request each)")
    m.add_argument("--rounds", type=int, default=12)
    m.add_argument("--slice", type=float, default=1.0)
    m.add_argument("--warmup", type=float, default=1.0)
    m.add_argument("--hit-ratio", type=float, default=0.75)
    m.add_argument("--searches", type=int, default=40)
    m.add_argument("--min-ratio", type=float, default=0.90)
    args = ap.parse_args()
    if args.users < 2 or args.small < 2:
        ap.error("--users and --small must be at least 2")
    {"load": cmd_load, "verify": cmd_verify, "plans": cmd_plans, "measure": cmd_measure}[args.cmd](args)


if __name__ == "__main__":
    try:
        main()
    except Failed as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        sys.exit(2)
