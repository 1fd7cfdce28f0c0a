"""The Microsoft Entra ID group cycle (its requests and deviations from the RFC), end to end.

Entra looks a group up by displayName with excludedAttributes=members,
creates it empty with its own schema URN and meta, adds and removes members
in batches with capitalised op names and "$ref": null, checks a membership
with `id eq "g" and members eq "u"` and attributes=id, renames with Replace
on displayName, and finally deletes. It never reads the member list back and
expects 204 from every group PATCH.
"""

import uuid

from harness import expect_error, expect_scim_json, expect_status, q
from resources import (create_user, entra_group_body, entra_user_body, expect_unknown_member, list_resources,
                       members_of, patch_body, patch_group, post_created)


def _group_body(ctx):
    return entra_group_body(ctx, ctx.unique("displayName"))


def _listing(c, query, what):
    return list_resources(c, "/Groups?" + query, what)


def _reference_check(c, gid, uid):
    """Entra's membership check; returns totalResults (0 or 1)."""
    filt = 'id eq "%s" and members eq "%s"' % (gid, uid)
    body = _listing(c, "filter=" + q(filt) + "&attributes=id", "reference check " + filt)
    assert body["totalResults"] == len(body["Resources"]), "expected totalResults to match Resources: %r" % body
    for res in body["Resources"]:
        assert res.get("id") == gid, "expected only the group %s, got %r" % (gid, res)
        assert "members" not in res and "displayName" not in res, \
            "expected attributes=id to leave out members and displayName, got %r" % res
    return body["totalResults"]


def test_entra_group_cycle(ctx):
    c = ctx.new_tenant()
    users = [create_user(c, entra_user_body(ctx)) for _ in range(6)]
    ids = [u["id"] for u in users]
    body = _group_body(ctx)
    by_name = "excludedAttributes=members&filter=" + q('displayName eq "%s"' % body["displayName"])

    # 1. Look the group up by its matching attribute: not there yet.
    found = _listing(c, by_name, "lookup before create")
    assert found["totalResults"] == 0 and found["Resources"] == [], "expected no group yet, got %r" % found

    # 2. Create it empty, with Entra's schema URN and meta.
    r = post_created(c, "/Groups", body, "create")
    g = r.json
    gid = g["id"]
    assert g.get("displayName") == body["displayName"] and g.get("externalId") == body["externalId"], \
        "expected displayName and externalId echoed, got %r" % g
    assert g.get("members", []) == [], "expected members [] or absent, got %r" % g.get("members")
    assert r.headers.get("location") == g["meta"]["location"], "expected Location = meta.location, got %r" % r

    # 3. Add five members in one operation (the sixth user stays out).
    patch_group(c, gid, {"op": "Add", "path": "members",
                         "value": [{"$ref": None, "value": uid} for uid in ids[:5]]})

    # 4. Read the group back as Entra does.
    r = c.get("/Groups/" + gid + "?excludedAttributes=members")
    expect_status(r, 200, "GET with excludedAttributes=members")
    expect_scim_json(r, "GET with excludedAttributes=members")
    assert "members" not in r.json, "expected no members, got %r" % r.json.get("members")
    assert r.json.get("displayName") == body["displayName"], "expected the displayName, got %r" % r.json
    found = _listing(c, by_name, "lookup after create")
    assert [x["id"] for x in found["Resources"]] == [gid], "expected the lookup to find the group, got %r" % found
    assert "members" not in found["Resources"][0], "expected no members in the lookup, got %r" % found

    # 5. Reference checks.
    for uid in ids[:5]:
        assert _reference_check(c, gid, uid) == 1, "expected %s to be a member" % uid
    assert _reference_check(c, gid, ids[5]) == 0, "expected the sixth user not to be a member"

    # 6. Remove two members with Entra's value array.
    patch_group(c, gid, {"op": "Remove", "path": "members",
                         "value": [{"$ref": None, "value": ids[0]}, {"$ref": None, "value": ids[1]}]})
    for uid in ids[:2]:
        assert _reference_check(c, gid, uid) == 0, "expected %s removed" % uid
    for uid in ids[2:5]:
        assert _reference_check(c, gid, uid) == 1, "expected %s still a member" % uid
    assert members_of(c, gid) == sorted(ids[2:5]), "expected exactly the three remaining members"

    # 7. Rename.
    new_name = ctx.unique("renamed displayName ")
    patch_group(c, gid, {"op": "Replace", "path": "displayName", "value": new_name})
    found = _listing(c, "excludedAttributes=members&filter=" + q('displayName eq "%s"' % new_name), "lookup new name")
    assert [x["id"] for x in found["Resources"]] == [gid], "expected the new name to find the group, got %r" % found
    assert _listing(c, by_name, "lookup old name")["totalResults"] == 0, "expected the old name to find nothing"
    groups = c.get("/Users/" + ids[2]).json.get("groups") or []
    assert [(e.get("value"), e.get("display")) for e in groups] == [(gid, new_name)], \
        "expected the member's groups to show the renamed group, got %r" % groups

    # 8. Delete.
    r = c.delete("/Groups/" + gid)
    expect_status(r, 204, "DELETE")
    assert r.body == b"", "expected an empty 204 body, got %r" % r.body[:200]
    expect_error(c.get("/Groups/" + gid + "?excludedAttributes=members"), 404)
    assert _reference_check(c, gid, ids[2]) == 0, "expected the reference check on a deleted group to find nothing"
    for uid in ids:
        r = c.get("/Users/" + uid)
        expect_status(r, 200, "the members survive the group")
        assert (r.json.get("groups") or []) == [], "expected no groups after the delete, got %r" % r.json


def test_entra_lookup_by_external_id(ctx):
    c = ctx.new_tenant()
    body = _group_body(ctx)
    gid = c.post("/Groups", body).json["id"]
    found = _listing(c, "excludedAttributes=members&filter=" + q('externalId eq "%s"' % body["externalId"]),
                     "lookup by externalId")
    assert [x["id"] for x in found["Resources"]] == [gid], "expected the group, got %r" % found
    # Test Connection style: a random guid finds nothing, and that is a 200.
    found = _listing(c, "filter=" + q('displayName eq "%s"' % uuid.uuid4()), "random lookup")
    assert found["totalResults"] == 0 and found["Resources"] == [], "expected an empty result, got %r" % found


def test_entra_one_op_per_member(ctx):
    c = ctx.new_tenant()
    ids = [create_user(c, entra_user_body(ctx))["id"] for _ in range(4)]
    g = c.post("/Groups", _group_body(ctx)).json
    patch_group(c, g["id"], *[{"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid}]} for uid in ids])
    assert members_of(c, g["id"]) == sorted(ids), "expected every member of the four ops"
    patch_group(c, g["id"], *[{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": uid}]}
                              for uid in ids[:3]])
    assert members_of(c, g["id"]) == [ids[3]], "expected three removed by three ops"


def test_entra_large_batch(ctx):
    c = ctx.new_tenant()
    ids = [create_user(c, entra_user_body(ctx))["id"] for _ in range(150)]
    g = c.post("/Groups", _group_body(ctx)).json
    patch_group(c, g["id"], {"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid} for uid in ids]})
    assert members_of(c, g["id"]) == sorted(ids), "expected all 150 members of one batch"
    # The same batch again changes nothing and still succeeds.
    patch_group(c, g["id"], {"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid} for uid in ids]})
    assert members_of(c, g["id"]) == sorted(ids), "expected still exactly 150 members"
    patch_group(c, g["id"], {"op": "Remove", "path": "members", "value": [{"value": uid} for uid in ids[:100]]})
    assert members_of(c, g["id"]) == sorted(ids[100:]), "expected the 50 others left"


def test_entra_batch_with_deleted_user_fails_whole(ctx):
    c = ctx.new_tenant()
    ids = [create_user(c, entra_user_body(ctx))["id"] for _ in range(3)]
    g = c.post("/Groups", _group_body(ctx)).json
    expect_status(c.delete("/Users/" + ids[1]), 204, "delete a user before the batch")
    r = c.patch("/Groups/" + g["id"], patch_body(
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid} for uid in ids]}))
    expect_unknown_member(r, ids[1])
    assert members_of(c, g["id"]) == [], "expected nothing of the failed batch applied"
