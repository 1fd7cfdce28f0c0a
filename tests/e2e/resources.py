"""resources.py - the SCIM requests the end-to-end tests share: request
bodies as Entra and the other clients send them, and the requests that
create, read, change and list users and groups, each asserting what every
test expects of its answer. Python 3 standard library only.

    from resources import create_user, patch_user, user_body

    def test_rename(ctx):
        c = ctx.new_tenant()
        u = create_user(c, user_body(ctx, "rename"))
        patch_user(c, u["id"], {"op": "replace", "path": "displayName", "value": "New"})
"""

import uuid
from datetime import datetime

from harness import (ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, PATCH_SCHEMA, USER_SCHEMA,
                     expect_error, expect_scim_json, expect_status, q)

# The schema Entra adds to the groups it creates.
ADSCIM_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


# --- bodies -------------------------------------------------------------------

def user_body(ctx, prefix="user", **attributes):
    """An active user with a unique userName (prefix, random hex,
    @example.com); attributes are added, or replace those."""
    body = {"schemas": [USER_SCHEMA], "userName": ctx.unique(prefix) + "@example.com", "active": True}
    body.update(attributes)
    return body


def entra_user_body(ctx, **attributes):
    """Entra's create body (its default attribute mappings), with unique names;
    attributes are added, or replace those."""
    tag = uuid.uuid4().hex[:8]
    body = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": str(uuid.uuid4()),
        "userName": ctx.unique("Test_User_" + tag) + "@testuser.com",
        "active": True,
        "emails": [{"primary": True, "type": "work",
                    "value": "Test_User_%s@testuser.com" % uuid.uuid4().hex[:8]}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName",
                 "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    }
    body.update(attributes)
    return body


def entra_group_body(ctx, name=None, members=None, external_id=None):
    """Entra's group create body (its default attribute mappings), with a unique
    displayName unless name is given; members only when given."""
    body = {"schemas": [GROUP_SCHEMA, ADSCIM_GROUP_SCHEMA],
            "externalId": external_id or str(uuid.uuid4()),
            "displayName": name or ctx.unique("Group "),
            "meta": {"resourceType": "Group"}}
    if members is not None:
        body["members"] = members
    return body


def patch_body(*operations):
    """A PatchOp request with these operations."""
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


# --- requests -----------------------------------------------------------------

def post_created(client, path, body, msg=""):
    """POST body to path ("/Users"): 201 with SCIM JSON. Returns the
    Response, for the tests that read its headers too."""
    msg = msg or "POST " + path
    return expect_scim_json(expect_status(client.post(path, body), 201, msg), msg)


def create_user(client, body):
    """POST body to /Users: 201 with SCIM JSON. Returns the user."""
    return post_created(client, "/Users", body, "create %r" % body.get("userName")).json


def create_group(client, body):
    """POST body to /Groups: 201 with SCIM JSON. Returns the group."""
    return post_created(client, "/Groups", body, "create group %r" % body.get("displayName")).json


def _get(client, path, rid, query):
    r = client.get(path + query)
    expect_status(r, 200, "GET " + path + query)
    expect_scim_json(r, "GET " + path)
    assert r.json.get("id") == rid, "expected the resource %s, got %r" % (rid, r)
    return r.json


def get_user(client, uid, query=""):
    """GET /Users/uid (query: "?attributes=..."): 200 with SCIM JSON, that
    user. Returns it."""
    return _get(client, "/Users/" + uid, uid, query)


def get_group(client, gid, query=""):
    """GET /Groups/gid (query: "?attributes=..."): 200 with SCIM JSON, that
    group. Returns it."""
    return _get(client, "/Groups/" + gid, gid, query)


def members_of(client, gid):
    """The values of the group's members as GET shows them, sorted."""
    return member_ids(get_group(client, gid))


def patch_user(client, uid, *operations, status=200):
    """PATCH the user with these operations; expects status. Returns the
    Response."""
    r = client.patch("/Users/" + uid, patch_body(*operations))
    return expect_status(r, status, "PATCH /Users/%s %r" % (uid, operations))


def patch_group(client, gid, *operations, query="", status=204):
    """PATCH the group with these operations; expects status, and with 204
    (Entra's expectation, the default) an empty body. Returns the Response."""
    r = client.patch("/Groups/" + gid + query, patch_body(*operations))
    expect_status(r, status, "PATCH /Groups/%s%s %r" % (gid, query, operations))
    if r.status == 204:
        assert r.body == b"", "expected an empty 204 body, got %r" % r.body[:200]
    return r


def list_resources(client, path, msg=""):
    """GET a list (path: "/Users?filter=..."): 200 with SCIM JSON, a
    ListResponse with Resources (even empty) and an integer totalResults.
    Returns the body."""
    msg = msg or "GET " + path
    r = client.get(path)
    expect_status(r, 200, msg)
    expect_scim_json(r, msg)
    body = r.json
    assert isinstance(body, dict) and LIST_SCHEMA in body.get("schemas", []), \
        "%s: expected a ListResponse, got %r" % (msg, r)
    assert isinstance(body.get("Resources"), list), "%s: expected Resources (even empty), got %r" % (msg, r)
    assert is_int(body.get("totalResults")), "%s: expected an integer totalResults, got %r" % (msg, r)
    return body


def search_users(client, filt, extra=""):
    """list_resources of /Users with this filter (and extra parameters,
    "&count=10")."""
    return list_resources(client, "/Users?filter=" + q(filt) + extra, "filter %s" % filt)


def search_groups(client, filt, extra=""):
    """list_resources of /Groups with this filter (and extra parameters)."""
    return list_resources(client, "/Groups?filter=" + q(filt) + extra, "filter %s" % filt)


def expect_unknown_member(resp, member):
    """The answer to a request that names member, which the tenant does not
    have: 400 invalidValue, whose detail names it. Returns the error body."""
    err = expect_error(resp, 400, "invalidValue")
    assert member in (err.get("detail") or ""), "expected the detail to name %s, got %r" % (member, err)
    return err


# --- what comes back ----------------------------------------------------------

def resource_ids(listing):
    """The ids of a ListResponse's Resources, in their order."""
    return [res.get("id") for res in listing.get("Resources", [])]


def member_ids(group):
    """The values of a group's members, sorted."""
    return sorted(m.get("value") for m in group.get("members") or [])


def is_int(value):
    """A JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


def timestamp(text):
    """A SCIM dateTime ("2024-01-31T12:00:00.123Z") as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
