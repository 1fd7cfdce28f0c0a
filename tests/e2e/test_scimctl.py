"""scimctl as an administrator meets it: help for the tool and each command,
errors that name what is wrong and what is expected, documented exit
statuses (0 done, 1 failed, 2 the command line is wrong), tenants renamed
and deleted, tokens rotated, and the provisioning log read and pruned."""

import json

from harness import Client, expect_error, expect_status
from resources import create_user, patch_user, user_body

USAGE, FAILED = 2, 1


def _run(ctx, *args, env=None):
    rc, out, err = ctx.scimctl(*args, env=env)
    return rc, out, err.strip()


def _expect(ctx, args, rc, message, env=None):
    got_rc, out, err = _run(ctx, *args, env=env)
    assert (got_rc, err) == (rc, message), "scimctl %s: rc %d, %r\n  wanted rc %d, %r" % (
        " ".join(args), got_rc, err, rc, message)
    assert out == "", out


def test_help_and_version(ctx):
    rc, out, err = _run(ctx, "--help")
    assert rc == 0 and err == "", (rc, err)
    for line in ("scimctl migrate", "scimctl tenant delete NAME [--yes]", "scimctl token rotate",
                 "scimctl log [--tenant NAME]", "scimctl log prune", "Exit status: 0 done"):
        assert line in out, "scimctl --help names %r:\n%s" % (line, out)
    rc, out, err = _run(ctx, "token", "add", "--help")
    assert rc == 0 and "--title TITLE" in out and "--allow CIDR" in out and "--expires TIME" in out, out
    rc, out, err = _run(ctx, "log", "prune", "--help")
    assert rc == 0 and "SCIM_PROVISIONING_LOG_DAYS" in out, out
    rc, out, err = _run(ctx, "--version")
    assert rc == 0 and out.startswith("scimctl (scim-endpoint) "), out
    rc, out, err = ctx.scimctl()
    assert rc == USAGE and "Usage:" in out, (rc, out)


def test_the_worker_has_a_version_and_refuses_a_bad_setting(ctx):
    import subprocess
    proc = subprocess.run([ctx.worker_path, "--version"], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 0 and proc.stdout.startswith("scim-fcgi (scim-endpoint) "), proc
    r, log = ctx.cgi("GET", "/Users", env={"SCIM_MAX_BODY": "8MB"})
    assert r.status == 0, "the worker does not start: %r" % r
    assert "SCIM_MAX_BODY=8MB: not a number of bytes from 1024 to 268435456; not starting" in log, log
    r, log = ctx.cgi("GET", "/Users", env={"SCIM_LOG_LEVEL": "verbose"})
    assert "SCIM_LOG_LEVEL=verbose: not one of error, warning, info, debug; not starting" in log, log


def test_usage_errors_name_what_is_wrong(ctx):
    tenant = ctx.unique("usage-")
    ctx.new_tenant(tenant)
    _expect(ctx, ["frob"], USAGE, "scimctl: unknown command 'frob' (see scimctl --help)")
    _expect(ctx, ["tenant", "frob"], USAGE, "scimctl: unknown command 'tenant frob' (see scimctl --help)")
    _expect(ctx, ["token", "add", tenant, "--titel", "x"], USAGE,
            "scimctl token add: unknown option '--titel' (see scimctl token add --help)")
    _expect(ctx, ["token", "add", tenant], USAGE,
            "scimctl token add: --title TITLE is required: what the administrator calls this "
            "provider, e.g. \"Entra production\" (see scimctl token add --help)")
    _expect(ctx, ["token", "add", tenant, "--title"], USAGE,
            "scimctl token add: --title needs a value (see scimctl token add --help)")
    _expect(ctx, ["tenant", "add"], USAGE, "scimctl tenant add: missing an argument; usage: "
            "scimctl tenant add NAME")
    _expect(ctx, ["tenant", "list", "extra"], USAGE,
            "scimctl tenant list: unexpected argument 'extra' (see scimctl tenant list --help)")
    _expect(ctx, ["token", "revoke", "abc"], USAGE,
            "scimctl token revoke: abc: not a token id (a number, as scimctl token list shows)")
    _expect(ctx, ["token", "add", tenant, "--title", "x", "--allow", "banana"], USAGE,
            "scimctl token add: --allow banana: not an address or network "
            "(e.g. 20.0.0.0/8 or 2001:db8::/32)")
    _expect(ctx, ["token", "add", tenant, "--title", "x", "--allow", "10.0.0.1/8"], USAGE,
            "scimctl token add: --allow 10.0.0.1/8: host bits set (a network has no bit set "
            "beyond its prefix, e.g. 10.0.0.0/8)")
    _expect(ctx, ["token", "add", tenant, "--title", "x", "--expires", "banana"], USAGE,
            "scimctl token add: --expires banana: not a time (e.g. 2027-01-31, "
            "\"2027-01-31 17:00\" or \"2027-01-31 17:00+01\")")
    _expect(ctx, ["log", "--action", "vanished"], USAGE,
            "scimctl log: --action vanished: not an action (created, replaced, modified, disabled, "
            "enabled, unchanged, deleted, failed, read, refused, provider added, provider revoked, "
            "provider rotated, tenant added) (see scimctl log --help)")
    _expect(ctx, ["log", "prune", "--days", "soon"], USAGE,
            "scimctl log prune: --days soon: not a number of days from 1 to 99999 "
            "(see scimctl log prune --help)")


def test_failures_say_why(ctx):
    tenant = ctx.unique("fail-")
    ctx.new_tenant(tenant)
    _expect(ctx, ["tenant", "add", tenant], FAILED,
            "scimctl tenant add: tenant \"%s\" already exists" % tenant)
    _expect(ctx, ["token", "add", "no-" + tenant, "--title", "x"], FAILED,
            "scimctl token add: no tenant named \"no-%s\"" % tenant)
    _expect(ctx, ["token", "revoke", "999999999"], FAILED, "scimctl token revoke: no valid token 999999999")
    _expect(ctx, ["tenant", "list"], FAILED,
            "scimctl: SCIM_MAX_BODY=8MB: not a number of bytes from 1024 to 268435456",
            env={"SCIM_MAX_BODY": "8MB"})
    _expect(ctx, ["tenant", "list"], FAILED,
            "scimctl: SCIM_LOG_LEVEL=verbose: not one of error, warning, info, debug",
            env={"SCIM_LOG_LEVEL": "verbose"})
    _expect(ctx, ["tenant", "list"], FAILED, "scimctl tenant list: SCIM_DATABASE is not a connection "
            "string libpq reads: invalid connection option \"hots\"", env={"SCIM_DATABASE": "hots=x"})
    rc, out, err = _run(ctx, "tenant", "list", env={"SCIM_DATABASE": "host=/nonexistent dbname=scim"})
    assert rc == FAILED and err.startswith("scimctl tenant list: cannot reach the database (is it "
                                           "running, and is SCIM_DATABASE right?): "), err
    rc, out, err = _run(ctx, "migrate", "--sql-dir", "/nonexistent")
    assert (rc, err) == (FAILED, "scimctl migrate: no migrations in /nonexistent: No such file or "
                                 "directory (give --sql-dir DIR, or set SCIM_SQL_DIR)"), (rc, err)


def _token_id(ctx, tenant):
    rc, out, err = _run(ctx, "token", "list", tenant)
    return [line.split("\t")[0] for line in out.splitlines()[1:]]


def test_tenant_rename_and_delete(ctx):
    old, new = ctx.unique("rename-"), ctx.unique("renamed-")
    c = ctx.new_tenant(old)
    uid = create_user(c, user_body(ctx, "delete."))["id"]
    rc, out, err = _run(ctx, "tenant", "rename", old, new)
    assert rc == 0 and out.strip() == "renamed tenant \"%s\" to \"%s\"" % (old, new), (rc, out, err)
    expect_status(c.get("/Users/" + uid), 200, "its token keeps working")
    _expect(ctx, ["tenant", "rename", old, new], FAILED, "scimctl tenant rename: no tenant named \"%s\"" % old)
    _expect(ctx, ["tenant", "delete", new], FAILED,
            "scimctl tenant delete: this removes tenant \"%s\" with 1 users, 0 groups, 1 tokens and "
            "1 rows of its provisioning log; run it again with --yes to do it" % new)
    expect_status(c.get("/Users/" + uid), 200, "nothing was deleted")
    rc, out, err = _run(ctx, "tenant", "delete", new, "--yes")
    assert rc == 0 and "deleted tenant \"%s\"" % new in out, (rc, out, err)
    expect_error(c.get("/Users/" + uid), 401)
    left = ctx.psql("SELECT (SELECT count(*) FROM users WHERE tenant_id = '{0}') + "
                    "(SELECT count(*) FROM provisioning_log WHERE tenant_id = '{0}')".format(c.tenant_id))
    assert left.strip() == "0", "the tenant's users and log went with it"


def test_token_rotate_keeps_the_provider(ctx):
    tenant = ctx.unique("rotate-")
    ctx.new_tenant(tenant)
    rc, out, err = _run(ctx, "token", "add", tenant, "--title", "Entra", "--allow", "127.0.0.0/8")
    assert rc == 0, err
    old_token, old_id = out.strip(), _token_id(ctx, tenant)[-1]
    rc, out, err = _run(ctx, "token", "rotate", old_id)
    assert rc == 0 and "keeps working until you revoke it" in err, (rc, err)
    new_token = out.strip()
    assert new_token and new_token != old_token
    rows = [line.split("\t") for line in _run(ctx, "token", "list", tenant)[1].splitlines()[1:]]
    new_row = [r for r in rows if r[0] not in (old_id,) and r[2] == "Entra"][-1]
    assert new_row[5] == "127.0.0.0/8" and new_row[7] == "valid", new_row
    for token in (old_token, new_token):
        expect_status(Client(ctx.base_url, token).get("/Users"), 200)
    assert _run(ctx, "token", "revoke", old_id)[0] == 0
    expect_error(Client(ctx.base_url, old_token).get("/Users"), 401)
    expect_status(Client(ctx.base_url, new_token).get("/Users"), 200)


def _log_json(ctx, *args):
    rc, out, err = _run(ctx, "log", "--json", *args)
    assert rc == 0, err
    return json.loads(out)


def test_log_filters_and_tenants_apart(ctx):
    a, b = ctx.new_tenant(), ctx.new_tenant()
    body = user_body(ctx, "ada.")
    uid = create_user(a, body)["id"]
    patch_user(a, uid, {"op": "replace", "path": "active", "value": False})
    expect_error(a.post("/Users", body), 409, "uniqueness")
    create_user(b, user_body(ctx, "bob."))

    rows = _log_json(ctx, "--tenant", a.tenant)
    assert [(r["action"], r["status"]) for r in rows] == [("failed", 409), ("disabled", 200),
                                                          ("created", 201)], rows
    assert all(r["tenant"] == a.tenant and r["provider"] == "e2e" for r in rows), rows
    assert [r["resource_name"] for r in _log_json(ctx, "--tenant", b.tenant)] != [], "B has its own"
    assert all(r["tenant"] == b.tenant for r in _log_json(ctx, "--tenant", b.tenant)), \
        "tenant B never sees tenant A's rows"
    history = _log_json(ctx, "--resource", body["userName"].upper())
    assert [r["action"] for r in history] == ["disabled", "created"], history
    assert [r["action"] for r in _log_json(ctx, "--resource", uid)] == ["disabled", "created"]
    assert [r["status"] for r in _log_json(ctx, "--tenant", a.tenant, "--failed")] == [409]
    assert [r["action"] for r in _log_json(ctx, "--tenant", a.tenant, "--action", "disabled")] == ["disabled"]
    assert [r["action"] for r in _log_json(ctx, "--tenant", a.tenant, "--status", "201")] == ["created"]
    assert _log_json(ctx, "--tenant", a.tenant, "--since", "2999-01-01") == []
    assert len(_log_json(ctx, "--tenant", a.tenant, "--until", "2999-01-01", "--limit", "2")) == 2
    provider = _token_id(ctx, a.tenant)[0]
    assert len(_log_json(ctx, "--provider", provider)) == 3

    rc, out, err = _run(ctx, "log", "--tenant", a.tenant)
    lines = out.splitlines()
    assert lines[0].split("\t") == ["TIME", "TENANT", "PROVIDER", "ACTION", "TYPE", "RESOURCE", "CHANGED",
                                    "STATUS", "DETAIL", "REQUEST"], lines
    disabled = lines[2].split("\t")
    assert disabled[3:8] == ["disabled", "User", body["userName"], "active", "200"], disabled


def test_log_prune_removes_old_rows_only(ctx):
    c = ctx.new_tenant()
    create_user(c, user_body(ctx, "prune."))
    ctx.psql("INSERT INTO provisioning_log (at, tenant_id, request_id, method, action, status)"
             " VALUES (now() - interval '100 days', '%s', 'old', 'POST', 'created', 201),"
             " (now() - interval '10 days', '%s', 'recent', 'POST', 'created', 201)"
             % (c.tenant_id, c.tenant_id))
    rc, out, err = _run(ctx, "log", "prune")
    assert rc == 0 and out.startswith("removed ") and out.strip().endswith("rows older than 90 days"), \
        (rc, out, err)
    left = ctx.psql("SELECT string_agg(request_id, ',' ORDER BY at) FROM provisioning_log"
                    " WHERE tenant_id = '%s' AND request_id IN ('old', 'recent')" % c.tenant_id).strip()
    assert left == "recent", left
    rc, out, err = _run(ctx, "log", "prune", "--days", "5")
    assert rc == 0, err
    assert [r["request_id"] for r in _log_json(ctx, "--tenant", c.tenant)] != [], "today's rows stay"
    assert "recent" not in [r["request_id"] for r in _log_json(ctx, "--tenant", c.tenant)]


def test_every_command_explains_itself(ctx):
    rc, out, err = _run(ctx, "--help")
    commands = [line.split()[1:3] for line in out.splitlines() if line.startswith("  scimctl ")
                and not line.split()[1].startswith("--")]
    assert len(commands) >= 12, out
    for words in commands:
        words = [w for w in words if w.isalpha()]
        rc, text, err = _run(ctx, *words, "--help")
        assert rc == 0 and text.startswith("Usage:\n  scimctl " + " ".join(words)), (words, rc, text, err)


def test_migrate_from_the_checkout_finds_its_sql(ctx):
    """The scimctl built in the checkout (src/scimctl) finds the checkout's
    sql/ without SCIM_SQL_DIR."""
    import os
    import subprocess
    built = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "scimctl")
    env = {k: v for k, v in ctx._env.items() if k != "SCIM_SQL_DIR"}
    proc = subprocess.run([built, "migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "database is up to date" in proc.stdout, proc


def _admin(ctx, *args, password=None):
    """scimctl admin ... with `password` on standard input."""
    import subprocess
    proc = subprocess.run([ctx.scimctl_path, "admin", *args], env=ctx._env, capture_output=True,
                          text=True, timeout=60, input=password)
    return proc.returncode, proc.stdout, proc.stderr.strip()


def test_admin_accounts_with_argon2id_passwords(ctx):
    tenant = ctx.unique("admins-")
    ctx.new_tenant(tenant)
    operator, local = ctx.unique("op-"), ctx.unique("local-")
    password = ctx.unique("correct horse ")
    rc, out, err = _admin(ctx, "add", operator, password=password + "\n")
    assert rc == 0 and out.strip() == "added admin \"%s\" for every tenant" % operator, (rc, out, err)
    rc, out, err = _admin(ctx, "add", local, "--tenant", tenant, password=password + "\n")
    assert rc == 0 and out.strip() == "added admin \"%s\" for tenant \"%s\"" % (local, tenant), (rc, out, err)
    stored = ctx.psql("SELECT password_hash FROM admins WHERE name = '%s'" % local).strip()
    assert stored.startswith("$argon2id$") and password not in stored, stored
    assert _admin(ctx, "add", local, password=password + "\n")[2] == \
        "scimctl admin add: admin \"%s\" already exists" % local
    assert _admin(ctx, "add", ctx.unique("x-"), "--tenant", "no-" + tenant, password=password + "\n")[2] == \
        "scimctl admin add: no tenant named \"no-%s\"" % tenant
    assert _admin(ctx, "add", ctx.unique("x-"), password="short\n")[:3:2] == \
        (1, "scimctl admin add: the password is too short: at least 10 characters")
    assert _admin(ctx, "add", ctx.unique("x-"), password="")[:3:2] == \
        (1, "scimctl admin add: no password on standard input (one line, at most 1024 characters)")
    rc, out, err = _admin(ctx, "password", local, password=password + "-new\n")
    assert rc == 0, err
    assert ctx.psql("SELECT password_hash <> '%s' FROM admins WHERE name = '%s'" % (stored, local)).strip() == "t"
    rows = [line.split("\t") for line in _admin(ctx, "list")[1].splitlines()]
    assert rows[0] == ["NAME", "TENANT", "CREATED", "LAST SIGN-IN"], rows
    mine = {r[0]: r for r in rows[1:]}
    assert mine[operator][1] == "(every tenant)" and mine[local][1] == tenant and mine[local][3] == "never", rows
    assert _admin(ctx, "remove", local)[:2] == (0, "removed admin \"%s\"\n" % local)
    assert _admin(ctx, "remove", local)[2] == "scimctl admin remove: no admin named \"%s\"" % local
    assert _admin(ctx, "remove", operator)[0] == 0
