"""Groups and memberships as Entra and Okta manage them (RFC 7643 4.2,
RFC 7644 3.5.2).

Create, read (members, attributes, excludedAttributes), filters and paging,
PUT, every PATCH shape Entra and Okta send, unknown members (nothing of the
request applied), nested groups and the users' derived groups attribute,
meta on membership changes, delete cascades, concurrent membership changes
from several connections, and application/scim+json on every response.
The whole Entra cycle is in test_groups_entra.py.
"""

import threading
import time
import uuid

from harness import GROUP_SCHEMA, expect_error, expect_scim_json, expect_status, q
from resources import (create_group, create_user, entra_group_body, expect_unknown_member, get_group,
                       get_user, list_resources, member_ids, members_of, patch_body, patch_group,
                       post_created, resource_ids, search_groups, timestamp, user_body)


# --- helpers ------------------------------------------------------------------

def _user(c, ctx, display=None):
    """Create a user with a displayName; returns its JSON."""
    body = user_body(ctx, "grp.user")
    body["displayName"] = display or "User " + body["userName"].split("@")[0]
    return create_user(c, body)


def _users(c, ctx, n):
    return [_user(c, ctx) for _ in range(n)]


def _group(c, ctx, name=None, member_ids=()):
    members = [{"value": m} for m in member_ids]
    return create_group(c, entra_group_body(ctx, name, members if members else None))


def _add(c, gid, *member_ids):
    return patch_group(c, gid, {"op": "Add", "path": "members",
                                "value": [{"value": m} for m in member_ids]})


def _list(c, query):
    return list_resources(c, "/Groups?" + query)


def _ids(listing):
    return sorted(resource_ids(listing))


def _check_unchanged(c, group, what):
    now = get_group(c, group["id"])
    assert now == group, "%s: expected the group unchanged:\n  before %r\n  after  %r" % (what, group, now)


# --- create -------------------------------------------------------------------

def test_create_entra_body(ctx):
    c = ctx.new_tenant()
    body = entra_group_body(ctx)
    r = post_created(c, "/Groups", body, "POST Entra's group body")
    g = r.json
    assert isinstance(g.get("id"), str) and g["id"], "expected an id, got %r" % g
    assert GROUP_SCHEMA in g.get("schemas", []), "expected the Group schema in schemas, got %r" % g.get("schemas")
    assert g.get("displayName") == body["displayName"], "expected displayName echoed, got %r" % g
    assert g.get("externalId") == body["externalId"], "expected externalId echoed, got %r" % g
    assert g.get("members", []) == [], "expected members [] or absent, got %r" % g.get("members")
    meta = g.get("meta") or {}
    assert meta.get("resourceType") == "Group", "expected meta.resourceType Group, got %r" % meta
    for key in ("created", "lastModified", "version", "location"):
        assert meta.get(key), "expected meta.%s, got %r" % (key, meta)
    assert meta["location"].endswith("/Groups/" + g["id"]), "expected meta.location .../Groups/<id>, got %r" % meta
    assert r.headers.get("location") == meta["location"], \
        "expected Location %r, got %r" % (meta["location"], r.headers.get("location"))
    assert r.headers.get("etag") == meta["version"], \
        "expected ETag %r, got %r" % (meta["version"], r.headers.get("etag"))
    got = c.get(meta["location"])
    expect_status(got, 200, "GET the Location")
    assert got.json == g, "expected GET of the Location to equal the POST reply, got %r" % got.json
    assert got.headers.get("etag") == meta["version"], "expected the same ETag on GET, got %r" % got.headers


def test_create_duplicate_display_name_is_409(ctx):
    c = ctx.new_tenant()
    name = ctx.unique("Dup Group ")
    first = create_group(c, entra_group_body(ctx, name))
    for other in (name, name.upper(), name.lower()):
        expect_error(c.post("/Groups", entra_group_body(ctx, other)), 409, "uniqueness")
    listing = _list(c, "startIndex=1&count=100")
    assert _ids(listing) == [first["id"]], "expected only the first group stored, got %r" % listing
    # Another tenant may use the same name.
    create_group(ctx.new_tenant(), entra_group_body(ctx, name))


def test_create_without_display_name_is_400(ctx):
    c = ctx.new_tenant()
    for body in ({"schemas": [GROUP_SCHEMA], "externalId": "x"},
                 {"schemas": [GROUP_SCHEMA], "displayName": None},
                 {"schemas": [GROUP_SCHEMA], "displayName": 17},
                 {"schemas": [GROUP_SCHEMA], "displayName": "ok", "members": "not-a-list-of-members"}):
        expect_error(c.post("/Groups", body), 400)
    assert _list(c, "")["totalResults"] == 0, "expected no group created from the bad bodies"


def test_create_with_members(ctx):
    c = ctx.new_tenant()
    u1, u2 = _users(c, ctx, 2)
    inner = _group(c, ctx)
    g = create_group(c, entra_group_body(ctx, members=[
        {"value": u1["id"]}, {"value": u2["id"], "type": "User"}, {"value": inner["id"], "type": "Group"}]))
    assert member_ids(g) == sorted([u1["id"], u2["id"], inner["id"]]), \
        "expected the three members in the POST reply, got %r" % g.get("members")
    assert get_group(c, g["id"]) == g, "expected GET to equal the POST reply"


def test_create_with_unknown_member_is_400_and_creates_nothing(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    bad = str(uuid.uuid4())
    body = entra_group_body(ctx, members=[{"value": u["id"]}, {"value": bad}])
    expect_unknown_member(c.post("/Groups", body), bad)
    found = search_groups(c, 'displayName eq "%s"' % body["displayName"])
    assert found["totalResults"] == 0, "expected no group created, got %r" % found


# --- read ---------------------------------------------------------------------

def _check_member(m, kind, target, what):
    """m is a members element for target (a user or group JSON) of kind User/Group."""
    assert m.get("value") == target["id"], "%s: expected value %s, got %r" % (what, target["id"], m)
    assert m.get("type") == kind, "%s: expected type %r, got %r" % (what, kind, m)
    ref = m.get("$ref")
    assert isinstance(ref, str) and ref.endswith("/%ss/%s" % (kind, target["id"])), \
        "%s: expected $ref ending in /%ss/%s, got %r" % (what, kind, target["id"], m)
    # display: the displayName (a user without one could show its userName).
    names = [target.get("displayName")] + ([target.get("userName")] if kind == "User" else [])
    assert m.get("display") in names, "%s: expected display one of %r, got %r" % (what, names, m)


def test_get_members_value_ref_type_display(ctx):
    c = ctx.new_tenant()
    u1, u2 = _users(c, ctx, 2)
    inner = _group(c, ctx)
    g = _group(c, ctx)
    # Entra sends neither type nor display: the server knows them.
    _add(c, g["id"], u1["id"], u2["id"])
    patch_group(c, g["id"], {"op": "add", "path": "members", "value": [{"value": inner["id"], "type": "Group"}]})
    got = get_group(c, g["id"])
    by_id = {m.get("value"): m for m in got.get("members", [])}
    assert len(got.get("members", [])) == 3 and set(by_id) == {u1["id"], u2["id"], inner["id"]}, \
        "expected exactly the 3 members, got %r" % got.get("members")
    _check_member(by_id[u1["id"]], "User", u1, "user member 1")
    _check_member(by_id[u2["id"]], "User", u2, "user member 2")
    _check_member(by_id[inner["id"]], "Group", inner, "group member")
    # $ref is a URL this server answers.
    r = c.get(by_id[u1["id"]]["$ref"])
    expect_status(r, 200, "GET the member's $ref")
    assert r.json.get("id") == u1["id"], "expected $ref to lead to the user, got %r" % r


def test_get_excluded_attributes_members(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    got = get_group(c, g["id"], "?excludedAttributes=members")
    assert "members" not in got, "expected no members key, got %r" % got.get("members")
    for key in ("id", "displayName", "externalId", "meta", "schemas"):
        assert key in got, "expected %s still returned with excludedAttributes=members, got %r" % (key, got)
    got = get_group(c, g["id"], "?excludedattributes=Members")
    assert "members" not in got, "expected parameter and attribute names case-insensitive, got %r" % got


def test_get_attributes_id_only(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    got = get_group(c, g["id"], "?attributes=id")
    # RFC 7644 3.4.2.5: the asked-for attributes plus those returned "always" (id).
    extra = set(got) - {"id", "schemas", "meta"}
    assert not extra, "expected only id (and schemas) with attributes=id, also got %r" % sorted(extra)
    got = get_group(c, g["id"], "?attributes=displayName")
    assert got.get("displayName") == g["displayName"], "expected displayName, got %r" % got
    assert "members" not in got and "externalId" not in got, \
        "expected only id and displayName with attributes=displayName, got %r" % got
    got = get_group(c, g["id"], "?attributes=members.value")
    assert member_ids(got) == [u["id"]] and "displayName" not in got, \
        "expected only members.value with attributes=members.value, got %r" % got


def test_get_unknown_group_is_404(ctx):
    c = ctx.new_tenant()
    for gid in (str(uuid.uuid4()), "010101001010101011001010101011", "not-a-group"):
        expect_error(c.get("/Groups/" + gid), 404)
        expect_error(c.patch("/Groups/" + gid, patch_body({"op": "replace", "path": "displayName", "value": "x"})), 404)
        expect_error(c.put("/Groups/" + gid, {"schemas": [GROUP_SCHEMA], "displayName": "x"}), 404)
        expect_error(c.delete("/Groups/" + gid), 404)


def test_groups_are_per_tenant(ctx):
    a = ctx.new_tenant()
    b = ctx.new_tenant()
    ua = _user(a, ctx)
    ga = _group(a, ctx, member_ids=[ua["id"]])
    expect_error(b.get("/Groups/" + ga["id"]), 404)
    expect_error(b.delete("/Groups/" + ga["id"]), 404)
    assert _list(b, "")["totalResults"] == 0, "expected tenant b to see no group"
    assert search_groups(b, 'displayName eq "%s"' % ga["displayName"])["totalResults"] == 0, \
        "expected tenant b not to find tenant a's group by name"
    # Tenant a's user is unknown to tenant b.
    gb = _group(b, ctx)
    expect_unknown_member(b.patch("/Groups/" + gb["id"], patch_body(
        {"op": "add", "path": "members", "value": [{"value": ua["id"]}]})), ua["id"])
    assert members_of(b, gb["id"]) == [], "expected no member added across tenants"
    assert members_of(a, ga["id"]) == [ua["id"]], "expected tenant a's group unchanged"


# --- list and filters -------------------------------------------------------------

def test_filter_display_name_case_insensitive(ctx):
    c = ctx.new_tenant()
    g = _group(c, ctx, name=ctx.unique("Sales Team "))
    _group(c, ctx)
    for name in (g["displayName"], g["displayName"].upper(), g["displayName"].lower()):
        found = search_groups(c, 'displayName eq "%s"' % name)
        assert _ids(found) == [g["id"]] and found["totalResults"] == 1, \
            "expected displayName eq %r to find %s, got %r" % (name, g["id"], found)
        assert found["Resources"][0].get("displayName") == g["displayName"], \
            "expected the stored spelling, got %r" % found["Resources"][0]
    found = search_groups(c, 'DISPLAYNAME EQ "%s"' % g["displayName"])
    assert _ids(found) == [g["id"]], "expected attribute names and operators case-insensitive, got %r" % found
    found = search_groups(c, 'displayName eq "%s-other"' % g["displayName"])
    assert found["totalResults"] == 0 and found["Resources"] == [], "expected no match, got %r" % found


def test_filter_external_id_case_exact(ctx):
    c = ctx.new_tenant()
    ext = "Ext-" + uuid.uuid4().hex + "-MiXeD"
    g = create_group(c, entra_group_body(ctx, external_id=ext))
    _group(c, ctx)
    assert _ids(search_groups(c, 'externalId eq "%s"' % ext)) == [g["id"]], "expected externalId eq to find the group"
    for other in (ext.upper(), ext.lower()):
        found = search_groups(c, 'externalId eq "%s"' % other)
        assert found["totalResults"] == 0, "externalId is caseExact: expected %r to find nothing, got %r" % (other, found)
    # externalId is not unique.
    g2 = create_group(c, entra_group_body(ctx, external_id=ext))
    assert _ids(search_groups(c, 'externalId eq "%s"' % ext)) == sorted([g["id"], g2["id"]]), \
        "expected both groups with the shared externalId"


def test_filter_id_eq(ctx):
    c = ctx.new_tenant()
    g = _group(c, ctx)
    _group(c, ctx)
    assert _ids(search_groups(c, 'id eq "%s"' % g["id"])) == [g["id"]], "expected id eq to find exactly the group"
    assert search_groups(c, 'id eq "%s"' % uuid.uuid4())["totalResults"] == 0, "expected an unknown id to find nothing"
    assert search_groups(c, 'id eq "not-a-uuid"')["totalResults"] == 0, "expected a non-UUID id to find nothing"


def test_filter_members_value_eq(ctx):
    c = ctx.new_tenant()
    u1, u2, u3 = _users(c, ctx, 3)
    a = _group(c, ctx, member_ids=[u1["id"], u2["id"]])
    b = _group(c, ctx, member_ids=[u2["id"]])
    _group(c, ctx)
    for uid, wanted in ((u1["id"], [a["id"]]), (u2["id"], sorted([a["id"], b["id"]])), (u3["id"], [])):
        for filt in ('members.value eq "%s"' % uid, 'members eq "%s"' % uid,
                     'members[value eq "%s"]' % uid):
            found = search_groups(c, filt)
            assert _ids(found) == wanted and found["totalResults"] == len(wanted), \
                "expected %s to find %r, got %r" % (filt, wanted, found)


def test_filter_reference_check(ctx):
    c = ctx.new_tenant()
    member, other = _users(c, ctx, 2)
    g = _group(c, ctx, member_ids=[member["id"]])
    g2 = _group(c, ctx, member_ids=[member["id"], other["id"]])
    filt = 'id eq "%s" and members eq "%s"' % (g["id"], member["id"])
    found = search_groups(c, filt, "&attributes=id")
    assert found["totalResults"] == 1 and _ids(found) == [g["id"]], \
        "expected the reference check to find the group, got %r" % found
    res = found["Resources"][0]
    assert "displayName" not in res and "members" not in res, "expected attributes=id on the list, got %r" % res
    for filt in ('id eq "%s" and members eq "%s"' % (g["id"], other["id"]),
                 'id eq "%s" and members eq "%s"' % (g["id"], uuid.uuid4())):
        found = search_groups(c, filt, "&attributes=id")
        assert found["totalResults"] == 0 and found["Resources"] == [], \
            "expected %s to find nothing, got %r" % (filt, found)
    # Lower case, as some clients send it, and with members.value.
    found = search_groups(c, 'ID EQ "%s" AND members.value eq "%s"' % (g2["id"], other["id"]), "&attributes=id")
    assert _ids(found) == [g2["id"]], "expected the reference check on g2, got %r" % found


def test_list_excluded_attributes_members(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g1 = _group(c, ctx, member_ids=[u["id"]])
    g2 = _group(c, ctx, member_ids=[u["id"]])
    for query in ("excludedAttributes=members",
                  "excludedAttributes=members&filter=" + q('displayName eq "%s"' % g1["displayName"])):
        listing = _list(c, query)
        assert listing["Resources"], "expected groups in %s, got %r" % (query, listing)
        for res in listing["Resources"]:
            assert "members" not in res, "expected no members with %s, got %r" % (query, res)
            assert res.get("displayName") in (g1["displayName"], g2["displayName"]), \
                "expected displayName still returned, got %r" % res
    listing = _list(c, "filter=" + q('id eq "%s"' % g1["id"]))
    assert member_ids(listing["Resources"][0]) == [u["id"]], \
        "expected a list without excludedAttributes to return members, got %r" % listing


def test_list_paging_is_stable(ctx):
    c = ctx.new_tenant()
    made = sorted(_group(c, ctx)["id"] for _ in range(7))
    everything = _list(c, "startIndex=1&count=100")
    assert everything["totalResults"] == 7 and _ids(everything) == made, \
        "expected the 7 groups, got %r" % everything
    seen = []
    for start in (1, 4, 7):
        page = _list(c, "startIndex=%d&count=3" % start)
        assert page["totalResults"] == 7, "expected totalResults 7 on every page, got %r" % page
        assert page.get("startIndex") == start, "expected startIndex %d, got %r" % (start, page.get("startIndex"))
        expected_items = min(3, 7 - start + 1)
        assert page.get("itemsPerPage") == expected_items == len(page["Resources"]), \
            "expected %d items at startIndex %d, got %r" % (expected_items, start, page)
        again = _list(c, "startIndex=%d&count=3" % start)
        assert [x["id"] for x in again["Resources"]] == [x["id"] for x in page["Resources"]], \
            "expected the same page twice at startIndex %d" % start
        seen += [x["id"] for x in page["Resources"]]
    assert sorted(seen) == made and len(set(seen)) == 7, "expected every group exactly once over the pages, got %r" % seen
    none = _list(c, "count=0")
    assert none["totalResults"] == 7 and none["Resources"] == [], "expected count=0 to return only the total, got %r" % none


# --- PUT ----------------------------------------------------------------------------

def test_put_replaces_name_external_id_and_members(ctx):
    c = ctx.new_tenant()
    u1, u2, u3 = _users(c, ctx, 3)
    g = _group(c, ctx, member_ids=[u1["id"], u2["id"]])
    time.sleep(1.1)
    name = ctx.unique("Renamed ")
    r = c.put("/Groups/" + g["id"], {"schemas": [GROUP_SCHEMA], "displayName": name, "externalId": "new-ext",
                                     "members": [{"value": u2["id"]}, {"value": u3["id"]}]})
    expect_status(r, 200, "PUT the group")
    expect_scim_json(r)
    p = r.json
    assert p["id"] == g["id"] and p["displayName"] == name and p.get("externalId") == "new-ext", \
        "expected the new name and externalId, got %r" % p
    assert member_ids(p) == sorted([u2["id"], u3["id"]]), "expected members u2 and u3, got %r" % p.get("members")
    assert r.headers.get("etag") == p["meta"]["version"] != g["meta"]["version"], \
        "expected a new version as ETag, got %r / %r" % (r.headers.get("etag"), p["meta"])
    assert p["meta"]["created"] == g["meta"]["created"], "expected meta.created kept, got %r" % p["meta"]
    assert get_group(c, g["id"]) == p, "expected GET to equal the PUT reply"
    assert _ids(search_groups(c, 'displayName eq "%s"' % name)) == [g["id"]], "expected the new name to find it"
    assert search_groups(c, 'displayName eq "%s"' % g["displayName"])["totalResults"] == 0, \
        "expected the old name to find nothing"
    # PUT replaces the whole resource: what is left out is gone.
    p = c.put("/Groups/" + g["id"], {"schemas": [GROUP_SCHEMA], "displayName": name}).json
    assert "externalId" not in p and p.get("members", []) == [], \
        "expected externalId and members gone after a PUT without them, got %r" % p
    assert members_of(c, g["id"]) == [], "expected no members after the PUT"


def test_put_errors_change_nothing(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    other = _group(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    bad_id = str(uuid.uuid4())
    expect_error(c.put("/Groups/" + g["id"], {"schemas": [GROUP_SCHEMA], "members": []}), 400)
    expect_error(c.put("/Groups/" + g["id"], {"schemas": [GROUP_SCHEMA], "displayName": other["displayName"].upper()}),
                 409, "uniqueness")
    expect_unknown_member(c.put("/Groups/" + g["id"], {"schemas": [GROUP_SCHEMA], "displayName": "changed",
                                                       "members": [{"value": bad_id}]}), bad_id)
    expect_error(c.put("/Groups/" + g["id"], {"schemas": [GROUP_SCHEMA], "displayName": "self",
                                              "members": [{"value": g["id"], "type": "Group"}]}), 400)
    _check_unchanged(c, g, "after the rejected PUTs")


def test_put_own_name_in_other_case_is_allowed(ctx):
    c = ctx.new_tenant()
    g = _group(c, ctx)
    r = c.put("/Groups/" + g["id"], {"schemas": [GROUP_SCHEMA], "displayName": g["displayName"].upper()})
    expect_status(r, 200, "PUT the group's own name in upper case")
    assert r.json["displayName"] == g["displayName"].upper(), "expected the new spelling, got %r" % r.json


# --- PATCH: members -------------------------------------------------------------------

def test_patch_add_many_members_in_one_op(ctx):
    c = ctx.new_tenant()
    u1, u2, u3 = _users(c, ctx, 3)
    g = _group(c, ctx)
    patch_group(c, g["id"], {"op": "Add", "path": "members",
                             "value": [{"$ref": None, "value": u1["id"]}, {"value": u2["id"]}]})
    assert members_of(c, g["id"]) == sorted([u1["id"], u2["id"]]), "expected u1 and u2 added"
    patch_group(c, g["id"], {"op": "add", "path": "members", "value": [{"value": u3["id"], "display": "ignored"}]})
    assert members_of(c, g["id"]) == sorted([u1["id"], u2["id"], u3["id"]]), "expected u3 added too"


def test_patch_add_existing_member_is_noop(ctx):
    c = ctx.new_tenant()
    u1, u2 = _users(c, ctx, 2)
    g = _group(c, ctx, member_ids=[u1["id"]])
    _add(c, g["id"], u1["id"])
    _add(c, g["id"], u1["id"], u2["id"], u2["id"])
    members = [m.get("value") for m in get_group(c, g["id"]).get("members", [])]
    assert sorted(members) == sorted([u1["id"], u2["id"]]), \
        "expected each member once after adding them again, got %r" % members


def test_patch_remove_by_value_array(ctx):
    c = ctx.new_tenant()
    u1, u2, u3, u4 = _users(c, ctx, 4)
    g = _group(c, ctx, member_ids=[u["id"] for u in (u1, u2, u3, u4)])
    patch_group(c, g["id"], {"op": "Remove", "path": "members", "value": [{"value": u1["id"]}]})
    assert members_of(c, g["id"]) == sorted([u2["id"], u3["id"], u4["id"]]), "expected exactly u1 removed"
    patch_group(c, g["id"], {"op": "Remove", "path": "members",
                             "value": [{"$ref": None, "value": u2["id"]}, {"value": u3["id"]}]})
    assert members_of(c, g["id"]) == [u4["id"]], "expected exactly u2 and u3 removed"
    assert get_user(c, u1["id"])["id"] == u1["id"], "expected the removed user to remain"


def test_patch_remove_by_value_filter_path(ctx):
    c = ctx.new_tenant()
    u1, u2, u3 = _users(c, ctx, 3)
    g = _group(c, ctx, member_ids=[u1["id"], u2["id"], u3["id"]])
    patch_group(c, g["id"], {"op": "remove", "path": 'members[value eq "%s"]' % u2["id"]})
    assert members_of(c, g["id"]) == sorted([u1["id"], u3["id"]]), "expected exactly u2 removed"
    patch_group(c, g["id"], {"op": "Remove", "path": 'members[value eq "%s"]' % u1["id"]},
                {"op": "Remove", "path": 'members[value eq "%s"]' % u3["id"]})
    assert members_of(c, g["id"]) == [], "expected u1 and u3 removed by two ops"


def test_patch_remove_all_members(ctx):
    c = ctx.new_tenant()
    users = _users(c, ctx, 3)
    g = _group(c, ctx, member_ids=[u["id"] for u in users])
    patch_group(c, g["id"], {"op": "remove", "path": "members"})
    got = get_group(c, g["id"])
    assert got.get("members", []) == [], "expected no members after remove members, got %r" % got.get("members")
    assert got["displayName"] == g["displayName"], "expected the group itself kept, got %r" % got
    for u in users:
        assert get_user(c, u["id"])["id"] == u["id"], "expected the users kept"


def test_patch_replace_all_members(ctx):
    c = ctx.new_tenant()
    u1, u2, u3 = _users(c, ctx, 3)
    g = _group(c, ctx, member_ids=[u1["id"], u2["id"]])
    patch_group(c, g["id"], {"op": "Replace", "path": "members", "value": [{"value": u2["id"]}, {"value": u3["id"]}]})
    assert members_of(c, g["id"]) == sorted([u2["id"], u3["id"]]), "expected exactly u2 and u3"
    patch_group(c, g["id"], {"op": "replace", "path": "members", "value": []})
    assert members_of(c, g["id"]) == [], "expected replace with [] to empty the group"


def test_patch_pathless_replace_members(ctx):
    c = ctx.new_tenant()
    u1, u2 = _users(c, ctx, 2)
    g = _group(c, ctx, member_ids=[u1["id"]])
    patch_group(c, g["id"], {"op": "replace", "value": {"members": [{"value": u2["id"]}]}})
    assert members_of(c, g["id"]) == [u2["id"]], "expected a pathless replace of members to set exactly u2"
    patch_group(c, g["id"], {"op": "add", "value": {"members": [{"value": u1["id"]}]}})
    assert members_of(c, g["id"]) == sorted([u1["id"], u2["id"]]), "expected a pathless add to add u1"


def test_patch_add_and_remove_apply_in_order(ctx):
    c = ctx.new_tenant()
    u1, u2, u3 = _users(c, ctx, 3)
    g = _group(c, ctx, member_ids=[u1["id"]])
    patch_group(c, g["id"],
                {"op": "Add", "path": "members", "value": [{"value": u2["id"]}, {"value": u3["id"]}]},
                {"op": "Remove", "path": "members", "value": [{"value": u1["id"]}, {"value": u2["id"]}]},
                {"op": "Add", "path": "members", "value": [{"value": u1["id"]}]})
    assert members_of(c, g["id"]) == sorted([u1["id"], u3["id"]]), "expected u1 and u3 after the three ops"


# --- PATCH: other attributes ----------------------------------------------------------------

def _renamed(ctx, op, prefix):
    """A group with a user member, renamed to a unique name (prefix) by
    PATCH op (Replace in any case). Returns the client, the user, the
    group as it was and the new name."""
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    name = ctx.unique(prefix)
    patch_group(c, g["id"], {"op": op, "path": "displayName", "value": name})
    return c, u, g, name


def test_patch_rename(ctx):
    c, u, g, name = _renamed(ctx, "Replace", "New Name ")
    got = get_group(c, g["id"])
    assert got["displayName"] == name, "expected the new displayName, got %r" % got
    assert member_ids(got) == [u["id"]], "expected the members kept by a rename, got %r" % got.get("members")
    assert _ids(search_groups(c, 'displayName eq "%s"' % name)) == [g["id"]], "expected the new name to find it"
    assert search_groups(c, 'displayName eq "%s"' % g["displayName"])["totalResults"] == 0, "expected the old name free"
    patch_group(c, g["id"], {"op": "Replace", "path": "externalId", "value": "ext-2"})
    assert get_group(c, g["id"]).get("externalId") == "ext-2", "expected externalId replaced"
    patch_group(c, g["id"], {"op": "Remove", "path": "externalId"})
    got = get_group(c, g["id"])
    assert "externalId" not in got, "expected externalId removed, got %r" % got
    assert search_groups(c, 'externalId eq "ext-2"')["totalResults"] == 0, "expected the old externalId to find nothing"


def test_patch_rename_to_taken_name_is_409(ctx):
    c = ctx.new_tenant()
    a = _group(c, ctx)
    b = _group(c, ctx)
    r = c.patch("/Groups/" + b["id"], patch_body({"op": "replace", "path": "displayName", "value": a["displayName"].upper()}))
    expect_error(r, 409, "uniqueness")
    _check_unchanged(c, b, "after the conflicting rename")


def test_patch_okta_pathless_replace_with_own_id(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    name = ctx.unique("Okta Renamed ")
    patch_group(c, g["id"], {"op": "replace", "value": {"id": g["id"], "displayName": name}})
    got = get_group(c, g["id"])
    assert got["displayName"] == name, "expected Okta's rename applied, got %r" % got
    assert member_ids(got) == [u["id"]], "expected members kept, got %r" % got.get("members")


def test_patch_pathless_replace_with_other_id_is_refused(ctx):
    c = ctx.new_tenant()
    g = _group(c, ctx)
    other = str(uuid.uuid4())
    r = c.patch("/Groups/" + g["id"], patch_body({"op": "replace", "value": {"id": other, "displayName": "stolen"}}))
    expect_error(r, 400, "mutability")
    _check_unchanged(c, g, "after the refused id change")
    expect_error(c.get("/Groups/" + other), 404)


def test_patch_empty_operations_is_noop(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    time.sleep(1.1)
    patch_group(c, g["id"])
    _check_unchanged(c, g, "after Operations []")


def test_patch_reply_200_with_attributes(ctx):
    c = ctx.new_tenant()
    u1, u2 = _users(c, ctx, 2)
    g = _group(c, ctx, member_ids=[u1["id"]])
    r = patch_group(c, g["id"], {"op": "add", "path": "members", "value": [{"value": u2["id"]}]},
                    query="?excludedAttributes=members", status=200)
    expect_scim_json(r)
    assert r.json.get("id") == g["id"] and r.json.get("displayName") == g["displayName"], \
        "expected the resource in the 200 reply, got %r" % r
    assert "members" not in r.json, "expected no members with excludedAttributes=members, got %r" % r
    assert r.headers.get("etag") == r.json["meta"]["version"], "expected ETag = meta.version, got %r" % r.headers
    r = patch_group(c, g["id"], {"op": "replace", "path": "displayName", "value": "renamed " + g["id"]},
                    query="?attributes=displayName,members", status=200)
    assert r.json.get("displayName") == "renamed " + g["id"], "expected the new name in the reply, got %r" % r
    assert member_ids(r.json) == sorted([u1["id"], u2["id"]]), "expected both members in the reply, got %r" % r
    assert "externalId" not in r.json, "expected only the asked-for attributes, got %r" % r
    assert get_group(c, g["id"], "?attributes=displayName,members") == r.json, \
        "expected GET with the same attributes to equal the PATCH reply"


def test_patch_remove_without_path_is_no_target(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    expect_error(c.patch("/Groups/" + g["id"], patch_body({"op": "remove"})), 400, "noTarget")
    _check_unchanged(c, g, "after remove without a path")


# --- PATCH: unknown members --------------------------------------------------------------

def _patch_naming_unknown(c, g, bad, *ops):
    """A PATCH of group g whose ops name bad, a member the tenant does not
    have: refused."""
    expect_unknown_member(c.patch("/Groups/" + g["id"], patch_body(*ops)), bad)


def _members_kept_after_unknown(ctx, op):
    """A group with one member, and a PATCH op of members with another user
    and an unknown UUID: refused, and the group keeps its member alone.
    Returns the client and the group."""
    c = ctx.new_tenant()
    member, other = _users(c, ctx, 2)
    g = _group(c, ctx, member_ids=[member["id"]])
    bad = str(uuid.uuid4())
    _patch_naming_unknown(c, g, bad, {"op": op, "path": "members", "value": [{"value": other["id"]}, {"value": bad}]})
    assert members_of(c, g["id"]) == [member["id"]], "%s: expected the members as they were" % op
    return c, g


def test_patch_unknown_member_uuid_applies_nothing(ctx):
    c, g = _members_kept_after_unknown(ctx, "Add")
    _check_unchanged(c, g, "after the rejected add")


def test_patch_unknown_member_non_uuid_applies_nothing(ctx):
    c = ctx.new_tenant()
    known = _user(c, ctx)
    g = _group(c, ctx)
    bad = "f648f8d5ea4e4cd38e9c"  # Entra's example id: not one of ours
    _patch_naming_unknown(c, g, bad,
                          {"op": "Add", "path": "members", "value": [{"$ref": None, "value": known["id"]},
                                                                     {"$ref": None, "value": bad}]})
    _check_unchanged(c, g, "after the rejected add of a non-UUID id")


def test_patch_unknown_member_undoes_rename_in_same_request(ctx):
    c = ctx.new_tenant()
    known = _user(c, ctx)
    g = _group(c, ctx)
    time.sleep(1.1)
    bad = str(uuid.uuid4())
    _patch_naming_unknown(c, g, bad,
                          {"op": "Replace", "path": "displayName", "value": "renamed"},
                          {"op": "Add", "path": "members", "value": [{"value": known["id"]}]},
                          {"op": "Add", "path": "members", "value": [{"value": bad}]})
    _check_unchanged(c, g, "after a request whose last op names an unknown member")
    assert search_groups(c, 'displayName eq "renamed"')["totalResults"] == 0, "expected the rename not applied"


def test_patch_replace_members_with_unknown_keeps_old_members(ctx):
    _members_kept_after_unknown(ctx, "replace")


# --- nested groups and the users' groups attribute ------------------------------------------

def _groups_of(c, uid):
    return {e.get("value"): e for e in get_user(c, uid).get("groups") or []}


def _check_user_group(entry, group, kind, what):
    assert entry.get("value") == group["id"], "%s: expected value %s, got %r" % (what, group["id"], entry)
    assert entry.get("display") == group["displayName"], \
        "%s: expected display %r, got %r" % (what, group["displayName"], entry)
    ref = entry.get("$ref")
    assert isinstance(ref, str) and ref.endswith("/Groups/" + group["id"]), \
        "%s: expected $ref ending in /Groups/%s, got %r" % (what, group["id"], entry)
    assert entry.get("type") == kind, "%s: expected type %r, got %r" % (what, kind, entry)


def test_nested_group_member(ctx):
    c = ctx.new_tenant()
    inner = _group(c, ctx)
    outer = _group(c, ctx)
    patch_group(c, outer["id"], {"op": "add", "path": "members", "value": [{"value": inner["id"], "type": "Group"}]})
    members = get_group(c, outer["id"]).get("members", [])
    assert len(members) == 1, "expected one member, got %r" % members
    _check_member(members[0], "Group", inner, "nested group")
    found = search_groups(c, 'members.value eq "%s"' % inner["id"])
    assert _ids(found) == [outer["id"]], "expected members.value eq to find the outer group, got %r" % found
    patch_group(c, outer["id"], {"op": "remove", "path": 'members[value eq "%s"]' % inner["id"]})
    assert members_of(c, outer["id"]) == [], "expected the nested group removed"


def test_user_groups_direct_and_indirect(ctx):
    c = ctx.new_tenant()
    u, loner = _users(c, ctx, 2)
    direct = _group(c, ctx, member_ids=[u["id"]])
    middle = _group(c, ctx)
    top = _group(c, ctx)
    patch_group(c, middle["id"], {"op": "add", "path": "members", "value": [{"value": direct["id"], "type": "Group"}]})
    patch_group(c, top["id"], {"op": "add", "path": "members", "value": [{"value": middle["id"], "type": "Group"}]})
    _group(c, ctx)  # an unrelated group
    raw = get_user(c, u["id"]).get("groups") or []
    assert len(raw) == 3, "expected 3 groups (1 direct, 2 indirect), each once, got %r" % raw
    groups = _groups_of(c, u["id"])
    assert set(groups) == {direct["id"], middle["id"], top["id"]}, "expected direct, middle and top, got %r" % raw
    _check_user_group(groups[direct["id"]], direct, "direct", "direct group")
    _check_user_group(groups[middle["id"]], middle, "indirect", "group one level up")
    _check_user_group(groups[top["id"]], top, "indirect", "group two levels up")
    assert (get_user(c, loner["id"]).get("groups") or []) == [], "expected no groups for a user in none"
    # The attribute follows the memberships.
    patch_group(c, middle["id"], {"op": "remove", "path": "members"})
    groups = _groups_of(c, u["id"])
    assert set(groups) == {direct["id"]}, "expected only the direct group after unnesting, got %r" % groups
    # It is also in user lists, and read-only.
    listing = c.get("/Users?filter=" + q('id eq "%s"' % u["id"])).json
    res = (listing or {}).get("Resources") or [{}]
    assert [e.get("value") for e in res[0].get("groups") or []] == [direct["id"]], \
        "expected groups in the user list too, got %r" % listing


def test_user_groups_follow_renames(ctx):
    c, u, g, name = _renamed(ctx, "replace", "Renamed ")
    entry = _groups_of(c, u["id"]).get(g["id"]) or {}
    assert entry.get("display") == name, "expected the user's groups display to follow the rename, got %r" % entry


def test_group_cannot_contain_itself(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    for member in ({"value": g["id"], "type": "Group"}, {"value": g["id"]}):
        r = c.patch("/Groups/" + g["id"], patch_body({"op": "add", "path": "members", "value": [member]}))
        expect_error(r, 400)
    _check_unchanged(c, g, "after adding the group to itself")


def test_membership_cycle_is_refused_or_harmless(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    a = _group(c, ctx, member_ids=[u["id"]])
    b = _group(c, ctx)
    patch_group(c, b["id"], {"op": "add", "path": "members", "value": [{"value": a["id"], "type": "Group"}]})
    r = c.patch("/Groups/" + a["id"], patch_body({"op": "add", "path": "members",
                                                  "value": [{"value": b["id"], "type": "Group"}]}))
    expect_status(r, (204, 400), "close the cycle a -> b -> a")
    if r.status == 400:
        expect_error(r, 400)
    # Either way the derived attributes still come back, each group once.
    raw = get_user(c, u["id"]).get("groups") or []
    assert sorted(e.get("value") for e in raw) == sorted([a["id"], b["id"]]), \
        "expected a and b once each in the user's groups, got %r" % raw
    get_group(c, a["id"])
    get_group(c, b["id"])


# --- meta -------------------------------------------------------------------------------

def _meta(c, gid):
    r = c.get("/Groups/" + gid + "?excludedAttributes=members")
    expect_status(r, 200)
    assert r.headers.get("etag") == r.json["meta"]["version"], "expected ETag = meta.version, got %r" % r
    return r.json["meta"]


def test_meta_changes_when_members_change(ctx):
    c = ctx.new_tenant()
    u1, u2 = _users(c, ctx, 2)
    g = _group(c, ctx, member_ids=[u1["id"]])
    before = _meta(c, g["id"])
    for what, op in (("add", {"op": "Add", "path": "members", "value": [{"value": u2["id"]}]}),
                     ("remove", {"op": "Remove", "path": "members", "value": [{"value": u1["id"]}]}),
                     ("remove all", {"op": "remove", "path": "members"}),
                     ("replace", {"op": "replace", "path": "members", "value": [{"value": u1["id"]}]})):
        time.sleep(1.1)
        patch_group(c, g["id"], op)
        after = _meta(c, g["id"])
        assert after["version"] != before["version"], \
            "expected meta.version to change on %s, still %r" % (what, after["version"])
        assert timestamp(after["lastModified"]) > timestamp(before["lastModified"]), \
            "expected meta.lastModified to move on %s: %r -> %r" % (what, before["lastModified"], after["lastModified"])
        assert after["created"] == before["created"], "expected meta.created kept on %s" % what
        before = after


def test_meta_unchanged_by_noop_adds(ctx):
    # RFC 7644 3.5.2.1: an add whose value is already there "SHALL NOT change
    # the modify timestamp of the resource".
    c = ctx.new_tenant()
    u1 = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u1["id"]])
    before = _meta(c, g["id"])
    time.sleep(1.1)
    for what, op in (("adding an existing member", {"op": "Add", "path": "members", "value": [{"value": u1["id"]}]}),
                     ("adding an existing member twice",
                      {"op": "add", "path": "members", "value": [{"value": u1["id"]}, {"value": u1["id"]}]}),
                     ("adding the same displayName", {"op": "add", "path": "displayName", "value": g["displayName"]})):
        patch_group(c, g["id"], op)
        after = _meta(c, g["id"])
        assert after == before, "expected meta unchanged by %s: %r -> %r" % (what, before, after)
    assert members_of(c, g["id"]) == [u1["id"]], "expected the members unchanged"


def test_etag_preconditions(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx)
    version = g["meta"]["version"]
    r = c.get("/Groups/" + g["id"], headers={"If-None-Match": version})
    expect_status(r, 304, "GET with If-None-Match of the current version")
    r = c.patch("/Groups/" + g["id"], patch_body({"op": "add", "path": "members", "value": [{"value": u["id"]}]}),
                headers={"If-Match": 'W/"not-the-version"'})
    expect_error(r, 412)
    _check_unchanged(c, g, "after a PATCH with a stale If-Match")
    r = c.patch("/Groups/" + g["id"], patch_body({"op": "add", "path": "members", "value": [{"value": u["id"]}]}),
                headers={"If-Match": version})
    expect_status(r, 204, "PATCH with the current If-Match")
    assert members_of(c, g["id"]) == [u["id"]], "expected the member added"


# --- delete -------------------------------------------------------------------------------

def test_delete_user_removes_its_memberships(ctx):
    c = ctx.new_tenant()
    u1, u2 = _users(c, ctx, 2)
    a = _group(c, ctx, member_ids=[u1["id"], u2["id"]])
    b = _group(c, ctx, member_ids=[u1["id"]])
    expect_status(c.delete("/Users/" + u1["id"]), 204, "DELETE the user")
    assert members_of(c, a["id"]) == [u2["id"]], "expected u1 gone from a"
    assert members_of(c, b["id"]) == [], "expected u1 gone from b"
    assert search_groups(c, 'members.value eq "%s"' % u1["id"])["totalResults"] == 0, \
        "expected no group to list the deleted user"
    # The same id added again is an unknown member now.
    expect_unknown_member(c.patch("/Groups/" + b["id"], patch_body(
        {"op": "add", "path": "members", "value": [{"value": u1["id"]}]})), u1["id"])


def test_delete_group_removes_its_memberships(ctx):
    c = ctx.new_tenant()
    u, v = _users(c, ctx, 2)
    inner = _group(c, ctx, member_ids=[u["id"]])
    outer = _group(c, ctx, member_ids=[v["id"]])
    patch_group(c, outer["id"], {"op": "add", "path": "members", "value": [{"value": inner["id"], "type": "Group"}]})
    assert set(_groups_of(c, u["id"])) == {inner["id"], outer["id"]}, "expected u in inner and (indirectly) outer"
    r = c.delete("/Groups/" + inner["id"])
    expect_status(r, 204, "DELETE the inner group")
    assert r.body == b"", "expected an empty 204 body, got %r" % r.body[:200]
    expect_error(c.get("/Groups/" + inner["id"]), 404)
    expect_error(c.delete("/Groups/" + inner["id"]), 404)
    assert members_of(c, outer["id"]) == [v["id"]], "expected the deleted group gone from outer"
    assert _groups_of(c, u["id"]) == {}, "expected u in no group any more, got %r" % _groups_of(c, u["id"])
    assert set(_groups_of(c, v["id"])) == {outer["id"]}, "expected v still in outer"
    assert get_user(c, u["id"])["id"] == u["id"], "expected the member user kept"
    assert search_groups(c, 'id eq "%s"' % inner["id"])["totalResults"] == 0, "expected the group gone from filters"


def test_display_name_reusable_after_delete(ctx):
    c = ctx.new_tenant()
    body = entra_group_body(ctx)
    g = create_group(c, body)
    expect_status(c.delete("/Groups/" + g["id"]), 204, "DELETE the group")
    again = create_group(c, dict(body, displayName=body["displayName"].upper()))
    assert again["id"] != g["id"], "expected a new id, got the old one"
    assert _ids(search_groups(c, 'displayName eq "%s"' % body["displayName"])) == [again["id"]], \
        "expected only the new group under the name"


# --- concurrency ----------------------------------------------------------------------------

def _in_threads(jobs):
    """Run each callable in its own thread; returns the exceptions raised."""
    errors = []
    lock = threading.Lock()

    def run(job):
        try:
            job()
        except Exception as exc:  # reported by the caller
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _change_concurrently(c, g, changes, size):
    """Each (op, member ids) of changes in a thread of its own, all starting
    together: PATCHes of group g with op of size of the members each, one
    request on a connection of its own (harness.Client). Returns the
    exceptions raised."""
    barrier = threading.Barrier(len(changes))

    def change(op, ids):
        barrier.wait()
        for i in range(0, len(ids), size):
            patch_group(c, g["id"], {"op": op, "path": "members", "value": [{"value": x} for x in ids[i:i + size]]})

    return _in_threads([lambda op=op, ids=ids: change(op, ids) for op, ids in changes])


def test_concurrent_adds_lose_nothing(ctx):
    c = ctx.new_tenant()
    users = [u["id"] for u in _users(c, ctx, 200)]
    g = _group(c, ctx)
    errors = _change_concurrently(c, g, [("Add", users[i::8]) for i in range(8)], 1)
    assert not errors, "%d of the concurrent adds failed; first: %s" % (len(errors), errors[0])
    members = [m.get("value") for m in get_group(c, g["id"]).get("members", [])]
    assert len(members) == 200 and sorted(members) == sorted(users), \
        "expected exactly the 200 members, got %d (%d distinct); missing %r" % (
            len(members), len(set(members)), sorted(set(users) - set(members))[:5])


def test_concurrent_adds_and_removes_stay_consistent(ctx):
    c = ctx.new_tenant()
    old = [u["id"] for u in _users(c, ctx, 60)]
    new = [u["id"] for u in _users(c, ctx, 60)]
    g = _group(c, ctx, member_ids=old)
    changes = [("Remove", old[i::4]) for i in range(4)] + [("Add", new[i::4]) for i in range(4)]
    errors = _change_concurrently(c, g, changes, 3)
    assert not errors, "%d of the concurrent changes failed; first: %s" % (len(errors), errors[0])
    members = [m.get("value") for m in get_group(c, g["id"]).get("members", [])]
    assert sorted(members) == sorted(new), \
        "expected exactly the 60 added members, got %d: %d old left, %d new missing" % (
            len(members), len(set(members) & set(old)), len(set(new) - set(members)))


def test_concurrent_adds_of_the_same_members(ctx):
    c = ctx.new_tenant()
    users = [u["id"] for u in _users(c, ctx, 20)]
    g = _group(c, ctx)
    # Every thread adds all 20; half of them in reverse order.
    errors = _change_concurrently(c, g, [("Add", users if i % 2 else users[::-1]) for i in range(8)], 5)
    assert not errors, "%d threads failed adding the same members; first: %s" % (len(errors), errors[0])
    members = [m.get("value") for m in get_group(c, g["id"]).get("members", [])]
    assert sorted(members) == sorted(users), \
        "expected each of the 20 members exactly once, got %d (%d distinct)" % (len(members), len(set(members)))


def test_concurrent_creates_of_one_display_name(ctx):
    c = ctx.new_tenant()
    name = ctx.unique("Race ")
    barrier = threading.Barrier(8)
    results = []
    lock = threading.Lock()

    def create(i):
        barrier.wait()
        r = c.post("/Groups", entra_group_body(ctx, name.upper() if i % 2 else name))
        with lock:
            results.append(r)

    errors = _in_threads([lambda i=i: create(i) for i in range(8)])
    assert not errors, "concurrent creates raised: %s" % errors[0]
    created = [r for r in results if r.status == 201]
    assert len(created) == 1, "expected exactly one 201 among 8 creates of one name, got %r" % (
        [r.status for r in results])
    for r in results:
        if r.status != 201:
            expect_error(r, 409, "uniqueness")
    assert search_groups(c, 'displayName eq "%s"' % name)["totalResults"] == 1, "expected one group with the name"


# --- content type ------------------------------------------------------------------------------

def test_every_group_response_is_scim_json(ctx):
    c = ctx.new_tenant()
    u = _user(c, ctx)
    g = _group(c, ctx, member_ids=[u["id"]])
    other = _group(c, ctx)
    gid = g["id"]
    requests = [
        ("GET", "/Groups", None),
        ("GET", "/Groups/" + gid, None),
        ("GET", "/Groups/" + gid + "?excludedAttributes=members", None),
        ("GET", "/Groups?filter=" + q('displayName eq "%s"' % g["displayName"]), None),
        ("GET", "/Groups?filter=" + q('members eq "%s"' % u["id"]) + "&attributes=id", None),
        ("GET", "/Groups?filter=" + q("displayName eq"), None),
        ("GET", "/Groups/" + str(uuid.uuid4()), None),
        ("POST", "/Groups", entra_group_body(ctx)),
        ("POST", "/Groups", entra_group_body(ctx, other["displayName"])),
        ("POST", "/Groups", {"schemas": [GROUP_SCHEMA]}),
        ("POST", "/Groups", "{not json"),
        ("PUT", "/Groups/" + gid, {"schemas": [GROUP_SCHEMA], "displayName": g["displayName"],
                                   "members": [{"value": u["id"]}]}),
        ("PATCH", "/Groups/" + gid + "?attributes=displayName",
         patch_body({"op": "replace", "path": "externalId", "value": "e"})),
        ("PATCH", "/Groups/" + gid, patch_body({"op": "add", "path": "members", "value": [{"value": "nobody"}]})),
        ("PATCH", "/Groups/" + gid, patch_body({"op": "bogus", "path": "members"})),
        ("PATCH", "/Groups/" + gid, patch_body({"op": "add", "path": "nosuchattr", "value": "x"})),
        ("POST", "/Groups/" + gid, entra_group_body(ctx)),
        ("DELETE", "/Groups", None),
        ("GET", "/Groups", "no-token"),
    ]
    for method, path, body in requests:
        if body == "no-token":
            r = c.request(method, path, token=None)
        else:
            r = c.request(method, path, body=body)
        what = "%s %s -> %d" % (method, path, r.status)
        assert r.status not in (204, 500), "%s: expected a JSON answer here" % what
        expect_scim_json(r, what)
        assert isinstance(r.json, dict), "%s: expected a JSON body, got %r" % (what, r.text[:200])
        if r.status >= 400:
            expect_error(r, r.status)
    for r in (c.patch("/Groups/" + gid, patch_body({"op": "add", "path": "members", "value": [{"value": u["id"]}]})),
              c.delete("/Groups/" + other["id"])):
        expect_status(r, 204)
        assert r.body == b"", "expected no body on 204, got %r" % r


def test_members_that_cannot_be_read_give_an_error_not_a_broken_200(ctx):
    """The members are read after the group: when that fails before anything
    was sent, a GET answers with the SCIM error, not a 200 cut short."""
    from harness import log_lines_with
    c = ctx.new_tenant()
    uid = _user(c, ctx)["id"]
    gid = _group(c, ctx, member_ids=[uid])["id"]
    ctx.psql("REVOKE SELECT ON group_members FROM CURRENT_USER")
    try:
        r = c.get("/Groups/" + gid)
        expect_error(r, 500)
        r = c.get("/Groups/" + gid + "?excludedAttributes=members")
        expect_status(r, 200, "no members asked for: nothing to read")
        r = c.get("/Groups?filter=" + q('displayName pr'))
        expect_error(r, 500)
    finally:
        ctx.psql("GRANT SELECT ON group_members TO CURRENT_USER")
    assert log_lines_with("method=GET path=/Groups/%s status=500" % gid), "the log names the status sent"
    assert members_of(c, gid) == [uid]
