"""A group's members that stop in the middle of a large response (the
worker's database session ends while they are read): the client gets a
SCIM error, never a 200 that is cut short or looks whole without being so.
Through every web server the suite runs behind."""

import http.client
import threading
import time

from harness import GROUP_SCHEMA, USER_SCHEMA, expect_error, expect_status, log_lines_with
from resources import create_group, create_user

# Enough members, with long enough display names (about 9 MB of JSON), that
# the database is still sending them when the test ends its session.
MEMBERS = 20000
DISPLAY_WIDTH = 300
# Seconds a read of those members may take on a busy machine: the whole
# response is produced before its first byte is sent.
READ_TIMEOUT = 120
# Reads tried until one is caught while its members are sent.
ATTEMPTS = 5

# Waits (5 s at most) until a worker's session is sending a group's members
# and has to wait for the worker to take them, then ends that session. Its
# own session is known by its application_name meanwhile.
KILLER = "scim-test-stream-failure"
END_MEMBERS_SESSION = """DO $$
DECLARE
  victim int;
  deadline timestamptz := clock_timestamp() + interval '5 s';
BEGIN
  PERFORM set_config('application_name', '""" + KILLER + """', false);
  LOOP
    PERFORM pg_stat_clear_snapshot();
    SELECT pid INTO victim FROM pg_stat_activity
     WHERE application_name = 'scim' AND state = 'active' AND wait_event = 'ClientWrite'
       AND query LIKE '%FROM group_members m%LEFT JOIN users u%';
    EXIT WHEN victim IS NOT NULL OR clock_timestamp() > deadline;
    PERFORM pg_sleep(0.001);
  END LOOP;
  IF victim IS NULL THEN
    RAISE EXCEPTION 'no worker was reading members';
  END IF;
  PERFORM pg_terminate_backend(victim);
END $$"""


def _large_group(ctx, c):
    """A group of MEMBERS users of c's tenant, made with SQL from one user
    made through the API."""
    template = create_user(c, {"schemas": [USER_SCHEMA], "userName": "template@example.com",
                               "displayName": "Template"})["id"]
    ctx.psql("""INSERT INTO users (tenant_id, user_name, display_name, active, doc)
        SELECT t.tenant_id, n.name, n.display, true,
               t.doc || jsonb_build_object('userName', n.name, 'displayName', n.display)
          FROM users t,
               LATERAL (SELECT format('member-%%s@example.com', i) AS name,
                               format('Member %%s ', i) || repeat('x', %d) AS display
                          FROM generate_series(1, %d) i) n
         WHERE t.tenant_id = '%s' AND t.id = '%s'""" % (DISPLAY_WIDTH, MEMBERS - 1, c.tenant_id, template))
    gid = create_group(c, {"schemas": [GROUP_SCHEMA], "displayName": "Large"})["id"]
    ctx.psql("INSERT INTO group_members (tenant_id, group_id, user_id) SELECT tenant_id, '%s', id"
             " FROM users WHERE tenant_id = '%s'" % (gid, c.tenant_id))
    # Read before autovacuum has analyzed them, as after a bulk load: the
    # statistics still believe the tenant small (the suite's tenants have
    # a user or two), which must not make reading the members' names cost
    # a scan of the tenant per member (sql/006_member_names.sql).
    return gid


def _get(c, path):
    """GET path; a transfer cut short fails the test with what arrived."""
    try:
        return c.get(path, timeout=READ_TIMEOUT)
    except (http.client.IncompleteRead, ConnectionError) as exc:
        partial = getattr(exc, "partial", b"")
        raise AssertionError("the transfer of %s was cut short (%s) after %d bytes of body"
                             % (path, type(exc).__name__, len(partial)))


def _read_while_a_session_ends(ctx, c, gid):
    """GET the group while END_MEMBERS_SESSION waits for its members to be
    sent and ends that session. Returns the response, and whether a session
    was ended: a worker that reads the rows as fast as the database sends
    them (a busy machine) gives the killer nothing to catch."""
    outcome = {}

    def end_session():
        try:
            ctx.psql(END_MEMBERS_SESSION)
            outcome["ended"] = True
        except RuntimeError as exc:
            outcome["error"] = str(exc)

    killer = threading.Thread(target=end_session)
    killer.start()
    deadline = time.monotonic() + 10
    while ctx.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'"
                   " AND state = 'active'" % KILLER).strip() != "1":
        assert time.monotonic() < deadline and killer.is_alive(), \
            "the session that ends another did not start: %s" % outcome.get("error")
        time.sleep(0.05)
    r = _get(c, "/Groups/" + gid)
    killer.join()
    return r, outcome


def test_members_that_stop_midway_give_an_error(ctx):
    c = ctx.new_tenant()
    gid = _large_group(ctx, c)
    whole = expect_status(_get(c, "/Groups/" + gid), 200)
    assert len(whole.json["members"]) == MEMBERS, "%d members" % len(whole.json["members"])

    for attempt in range(ATTEMPTS):
        r, outcome = _read_while_a_session_ends(ctx, c, gid)
        if outcome.get("ended"):
            break
        expect_status(r, 200, "a read whose session was not ended")
    assert outcome.get("ended"), "no session was ended during %d requests: %s" % (
        ATTEMPTS, outcome.get("error"))
    assert not (r.status == 200 and r.json is None), \
        "a 200 whose body is not JSON (%d bytes, ending %r)" % (len(r.body), r.body[-40:])
    expect_error(r, 503)
    assert log_lines_with("method=GET path=/Groups/%s status=503" % gid), "the log names the status sent"
    again = expect_status(_get(c, "/Groups/" + gid), 200, "the next request, on a new connection")
    assert len(again.json["members"]) == MEMBERS
