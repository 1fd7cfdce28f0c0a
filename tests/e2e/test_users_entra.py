"""The Microsoft Entra ID provisioning cycle: its requests and its deviations from the RFC.

Test Connection, create, lookups by the matching attributes, the PATCH bodies
Entra sends (capitalised op names, create-on-absent, pathless dotted/URN keys,
manager in every shape), soft delete with active=false, no-op PATCHes and the
hard delete that frees the userName.
"""

import time
import uuid

from harness import (ENTERPRISE_SCHEMA, LIST_SCHEMA, USER_SCHEMA, expect_error, expect_scim_json,
                     expect_status, q)
from resources import (create_group, create_user, entra_group_body, entra_user_body, get_user,
                       patch_user, post_created, resource_ids, search_users, timestamp)


def _work_emails(user):
    return [e for e in user.get("emails", []) if e.get("type") == "work"]


# --- Test Connection --------------------------------------------------------

def _test_connection(ctx, attribute, what):
    """Entra's Test Connection: a lookup by attribute of a random guid is
    exactly an empty ListResponse."""
    r = ctx.client.get("/Users?filter=" + q('%s eq "%s"' % (attribute, uuid.uuid4())))
    expect_status(r, 200, what)
    expect_scim_json(r)
    expected = {"schemas": [LIST_SCHEMA], "totalResults": 0, "Resources": [],
                "startIndex": 1, "itemsPerPage": 0}
    assert r.json == expected, "expected exactly %r, got %r" % (expected, r.json)


def test_test_connection_username_random_guid(ctx):
    _test_connection(ctx, "userName", "Entra Test Connection")


def test_test_connection_external_id_random_guid(ctx):
    _test_connection(ctx, "externalId", "Entra Test Connection with externalId")


# --- create -------------------------------------------------------------------

def test_create_entra_user(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    r = post_created(c, "/Users", body, "POST the Entra body")
    u = r.json
    assert isinstance(u.get("id"), str) and u["id"], "expected a string id, got %r" % u.get("id")
    assert USER_SCHEMA in u.get("schemas", []), "expected the User schema in schemas, got %r" % u.get("schemas")
    assert u.get("userName") == body["userName"], \
        "expected userName %r, got %r" % (body["userName"], u.get("userName"))
    assert u.get("externalId") == body["externalId"], \
        "expected externalId %r, got %r" % (body["externalId"], u.get("externalId"))
    assert u.get("active") is True, "expected active true, got %r" % u.get("active")
    assert u.get("name") == body["name"], "expected name %r, got %r" % (body["name"], u.get("name"))
    assert u.get("emails") == body["emails"], \
        "expected emails %r, got %r" % (body["emails"], u.get("emails"))

    meta = u.get("meta") or {}
    assert meta.get("resourceType") == "User", "expected meta.resourceType User, got %r" % meta
    for key in ("created", "lastModified", "location", "version"):
        assert isinstance(meta.get(key), str) and meta[key], "expected meta.%s, got %r" % (key, meta)
    timestamp(meta["created"])
    timestamp(meta["lastModified"])
    assert meta["location"].startswith("http") and meta["location"].endswith("/scim/v2/Users/" + u["id"]), \
        "expected an absolute meta.location ending in /scim/v2/Users/%s, got %r" % (u["id"], meta["location"])
    assert r.headers.get("location") == meta["location"], \
        "expected Location header %r, got %r" % (meta["location"], r.headers.get("location"))
    assert r.headers.get("etag") == meta["version"], \
        "expected ETag header %r, got %r" % (meta["version"], r.headers.get("etag"))

    g = c.get("/Users/" + u["id"])
    expect_status(g, 200, "GET the created user")
    expect_scim_json(g)
    assert g.json == u, "expected GET to return the created resource %r, got %r" % (u, g.json)
    assert g.headers.get("etag") == meta["version"], \
        "expected GET ETag %r, got %r" % (meta["version"], g.headers.get("etag"))


# --- lookups by the matching attribute ---------------------------------------

def test_filter_username_exact_and_other_case(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx))
    for name in (u["userName"], u["userName"].upper(), u["userName"].lower()):
        found = search_users(c, 'userName eq "%s"' % name)
        assert found.get("totalResults") == 1 and resource_ids(found) == [u["id"]], \
            "expected userName eq %r to find %s, got %r" % (name, u["id"], found)
        assert found["Resources"][0].get("userName") == u["userName"], \
            "expected the stored spelling %r, got %r" % (u["userName"], found["Resources"][0])


def test_filter_external_id_is_case_exact(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    body["externalId"] = "Ext-" + uuid.uuid4().hex + "-MiXeD"
    u = create_user(c, body)
    found = search_users(c, 'externalId eq "%s"' % body["externalId"])
    assert resource_ids(found) == [u["id"]], "expected externalId eq to find %s, got %r" % (u["id"], found)
    for other in (body["externalId"].upper(), body["externalId"].lower()):
        found = search_users(c, 'externalId eq "%s"' % other)
        assert found.get("totalResults") == 0 and resource_ids(found) == [], \
            "externalId is caseExact: expected %r to find nothing, got %r" % (other, found)


def test_filter_work_email_value(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    u = create_user(c, body)
    mail = body["emails"][0]["value"]
    found = search_users(c, 'emails[type eq "work"].value eq "%s"' % mail)
    assert resource_ids(found) == [u["id"]], "expected the work email filter to find %s, got %r" % (u["id"], found)
    found = search_users(c, 'emails[type eq "home"].value eq "%s"' % mail)
    assert resource_ids(found) == [], "expected a home email filter to find nothing, got %r" % found
    found = search_users(c, 'emails[type eq "work"].value eq "other-%s"' % mail)
    assert resource_ids(found) == [], "expected another address to find nothing, got %r" % found


def test_filter_id_eq(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx))
    create_user(c, entra_user_body(ctx))
    found = search_users(c, 'id eq "%s"' % u["id"])
    assert resource_ids(found) == [u["id"]], "expected id eq to find exactly %s, got %r" % (u["id"], found)
    found = search_users(c, 'id eq "%s"' % uuid.uuid4())
    assert resource_ids(found) == [], "expected an unknown id to find nothing, got %r" % found


def test_filter_display_name_eq(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    body["displayName"] = "Display " + uuid.uuid4().hex
    u = create_user(c, body)
    create_user(c, entra_user_body(ctx))
    found = search_users(c, 'displayName eq "%s"' % body["displayName"])
    assert resource_ids(found) == [u["id"]], "expected displayName eq to find %s, got %r" % (u["id"], found)


def test_filter_active_eq(ctx):
    c = ctx.new_tenant()
    on = create_user(c, entra_user_body(ctx))
    off = create_user(c, entra_user_body(ctx, active=False))
    found = search_users(c, "active eq false")
    assert resource_ids(found) == [off["id"]], "expected active eq false to find only %s, got %r" % (off["id"], found)
    found = search_users(c, "active eq true")
    assert resource_ids(found) == [on["id"]], "expected active eq true to find only %s, got %r" % (on["id"], found)


def test_filter_and_or_parentheses(ctx):
    c = ctx.new_tenant()
    a = create_user(c, entra_user_body(ctx))
    b = create_user(c, entra_user_body(ctx))
    d = create_user(c, entra_user_body(ctx, active=False))

    filt = 'userName eq "%s" or userName eq "%s"' % (a["userName"], d["userName"])
    found = search_users(c, filt)
    assert sorted(resource_ids(found)) == sorted([a["id"], d["id"]]) and found["totalResults"] == 2, \
        "expected %s to find a and d, got %r" % (filt, found)

    filt = '(userName eq "%s" or userName eq "%s") and active eq true' % (a["userName"], d["userName"])
    found = search_users(c, filt)
    assert resource_ids(found) == [a["id"]], "expected %s to find only a, got %r" % (filt, found)

    # "and" binds tighter than "or": a or (d and active) -> only a.
    filt = 'userName eq "%s" or userName eq "%s" and active eq true' % (a["userName"], d["userName"])
    found = search_users(c, filt)
    assert resource_ids(found) == [a["id"]], "expected and to bind tighter than or in %s, got %r" % (filt, found)

    filt = 'userName eq "%s" and active eq true' % b["userName"]
    found = search_users(c, filt)
    assert resource_ids(found) == [b["id"]], "expected %s to find b, got %r" % (filt, found)


def test_filter_username_starts_with(ctx):
    c = ctx.new_tenant()
    prefix = "sw" + uuid.uuid4().hex[:10]
    wanted = []
    for i in range(2):
        wanted.append(create_user(c, entra_user_body(ctx, userName="%s-%d@testuser.com" % (prefix, i)))["id"])
    create_user(c, entra_user_body(ctx))
    found = search_users(c, 'userName sw "%s"' % prefix)
    assert sorted(resource_ids(found)) == sorted(wanted), \
        "expected userName sw %r to find %r, got %r" % (prefix, wanted, found)
    found = search_users(c, 'userName sw "%s"' % prefix.upper())
    assert sorted(resource_ids(found)) == sorted(wanted), \
        "expected sw on userName to ignore case, got %r" % found


def test_filter_unquoted_literals_find_the_user(ctx):
    # Entra writes some literals without quotes.
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    body["externalId"] = "jyoung"
    body["name"]["familyName"] = "Employee"
    u = create_user(c, body)
    create_user(c, entra_user_body(ctx))
    for filt in ("externalId eq jyoung", "name.familyName eq Employee",
                 "name.FamilyName eq Employee"):
        found = search_users(c, filt)
        assert found.get("totalResults") == 1 and resource_ids(found) == [u["id"]], \
            "expected %s to find %s, got %r" % (filt, u["id"], found)


def test_filter_plus_in_the_query_is_a_space(ctx):
    # RFC 7644 / HTML forms: "+" in a query string decodes to a space, "%2B" to "+".
    c = ctx.new_tenant()
    tag = uuid.uuid4().hex[:8]
    u = create_user(c, entra_user_body(ctx, userName="plus %s@testuser.com" % tag))
    v = create_user(c, entra_user_body(ctx, userName="plus+%s@testuser.com" % tag))
    for raw, want in (("userName+eq+%%22plus+%s@testuser.com%%22" % tag, u),
                      ("userName%%20eq%%20%%22plus%%20%s@testuser.com%%22" % tag, u),
                      ("userName+eq+%%22plus%%2B%s@testuser.com%%22" % tag, v)):
        r = c.get("/Users?filter=" + raw)
        expect_status(r, 200, "raw filter %s" % raw)
        assert r.json.get("totalResults") == 1 and resource_ids(r.json) == [want["id"]], \
            "expected the raw query filter=%s to find %s, got %r" % (raw, want["userName"], r.json)


# --- PATCH --------------------------------------------------------------------

def test_patch_entra_body(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx))
    r = patch_user(c, u["id"],
                   {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
                   {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"})
    expect_scim_json(r)
    p = r.json
    assert p.get("id") == u["id"], "expected the patched resource in the reply, got %r" % p
    work = _work_emails(p)
    assert len(work) == 1 and work[0].get("value") == "updatedEmail@microsoft.com", \
        "expected one work email updatedEmail@microsoft.com, got %r" % p.get("emails")
    assert work[0].get("primary") is True, "expected the email to stay primary, got %r" % work
    assert p.get("name", {}).get("familyName") == "updatedFamilyName", \
        "expected familyName updatedFamilyName, got %r" % p.get("name")
    assert p.get("name", {}).get("givenName") == "givenName", \
        "expected givenName kept, got %r" % p.get("name")
    assert p["meta"]["version"] != u["meta"]["version"], \
        "expected meta.version to change, still %r" % p["meta"]["version"]
    assert r.headers.get("etag") == p["meta"]["version"], \
        "expected ETag %r, got %r" % (p["meta"]["version"], r.headers.get("etag"))
    assert get_user(c, u["id"]) == p, "expected GET to return the PATCH reply"


def test_patch_op_names_any_case(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx, displayName="to be removed"))
    p = patch_user(c, u["id"], {"op": "Add", "path": "title", "value": "Engineer"},
                   {"op": "REPLACE", "path": "nickName", "value": "nick"},
                   {"op": "Remove", "path": "displayName"}).json
    assert p.get("title") == "Engineer" and p.get("nickName") == "nick", \
        "expected title and nickName set, got %r" % p
    assert "displayName" not in p, "expected displayName removed, got %r" % p.get("displayName")


def test_patch_create_on_absent_work_email(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    del body["emails"]
    u = create_user(c, body)
    p = patch_user(c, u["id"], {"op": "Replace", "path": 'emails[type eq "work"].value',
                                "value": "new@example.com"}).json
    assert _work_emails(p) == [{"type": "work", "value": "new@example.com"}], \
        "expected create-on-absent to add {type work, value new@example.com}, got %r" % p.get("emails")
    assert get_user(c, u["id"]).get("emails") == p.get("emails"), "expected GET to show the new email"


def test_patch_create_on_absent_keeps_other_emails(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx, emails=[{"type": "home", "value": "home@example.com"}]))
    p = patch_user(c, u["id"], {"op": "Replace", "path": 'emails[type eq "work"].value',
                                "value": "work@example.com"}).json
    emails = p.get("emails", [])
    assert {"type": "home", "value": "home@example.com"} in emails, "expected the home email kept, got %r" % emails
    assert _work_emails(p) == [{"type": "work", "value": "work@example.com"}], \
        "expected a new work email, got %r" % emails


def test_patch_replace_every_email_value_with_null(ctx):
    # null unassigns (RFC 7643 2.5), as a remove of emails.value does: an
    # email without its address is no email, so every one goes.
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    body["emails"].append({"type": "home", "value": "home@example.com"})
    u = create_user(c, body)
    r = patch_user(c, u["id"], {"op": "replace", "path": "emails.value", "value": None})
    expect_scim_json(r)
    p = r.json
    assert p.get("id") == u["id"], "expected the patched user, got %r" % p
    assert "emails" not in p, "expected every email removed, got %r" % p.get("emails")
    assert p.get("userName") == u["userName"] and p.get("name") == u["name"], \
        "expected the other attributes kept, got %r" % p
    assert get_user(c, u["id"]) == p, "expected GET to return the PATCH reply"
    found = search_users(c, 'emails[type eq "work"].value eq "%s"' % u["emails"][0]["value"])
    assert found["totalResults"] == 0, "expected the old work email to find nobody, got %r" % found


def test_patch_pathless_dotted_and_urn_keys(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx))
    p = patch_user(c, u["id"], {"op": "replace", "value": {
        "displayName": "x",
        "name.givenName": "y",
        ENTERPRISE_SCHEMA + ":employeeNumber": "z"}}).json
    assert p.get("displayName") == "x", "expected displayName x, got %r" % p.get("displayName")
    assert p.get("name", {}).get("givenName") == "y", "expected name.givenName y, got %r" % p.get("name")
    assert p.get("name", {}).get("familyName") == "familyName", "expected familyName kept, got %r" % p.get("name")
    assert p.get(ENTERPRISE_SCHEMA, {}).get("employeeNumber") == "z", \
        "expected enterprise employeeNumber z, got %r" % p.get(ENTERPRISE_SCHEMA)
    assert "name.givenName" not in p and ENTERPRISE_SCHEMA + ":employeeNumber" not in p, \
        "expected dotted keys resolved, not stored literally: %r" % p
    assert get_user(c, u["id"]) == p, "expected GET to return the PATCH reply"


def test_patch_string_boolean_inside_path_filter(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx, roles=[{"value": "reader", "primary": True},
                                                   {"value": "other", "primary": False}]))
    p = patch_user(c, u["id"], {"op": "Replace", "path": 'roles[primary eq "True"].value',
                                "value": "writer"}).json
    roles = sorted(p.get("roles", []), key=lambda e: e.get("value", ""))
    assert roles == [{"value": "other", "primary": False}, {"value": "writer", "primary": True}], \
        "expected the primary role to become writer, got %r" % p.get("roles")


def _manager_of(user):
    return (user.get(ENTERPRISE_SCHEMA) or {}).get("manager")


def _check_manager(user, mid, what):
    m = _manager_of(user)
    assert isinstance(m, dict) and m.get("value") == mid, \
        "%s: expected manager.value %r, got %r" % (what, mid, m)
    assert isinstance(m.get("$ref"), str) and m["$ref"].endswith("/Users/" + mid), \
        "%s: expected manager.$ref ending in /Users/%s, got %r" % (what, mid, m)


def test_patch_manager_every_shape(ctx):
    c = ctx.new_tenant()
    managers = [create_user(c, entra_user_body(ctx))["id"] for _ in range(3)]
    u = create_user(c, entra_user_body(ctx))
    path = ENTERPRISE_SCHEMA + ":manager"
    shapes = [("Add", managers[0]),
              ("Replace", {"value": managers[1]}),
              ("Replace", [{"$ref": None, "value": managers[2]}])]
    for (op, value), mid in zip(shapes, managers):
        p = patch_user(c, u["id"], {"op": op, "path": path, "value": value}).json
        _check_manager(p, mid, "PATCH %s manager %r" % (op, value))
        _check_manager(get_user(c, u["id"]), mid, "GET after manager %r" % (value,))


def test_patch_manager_remove_with_empty_string_and_null(ctx):
    c = ctx.new_tenant()
    mid = create_user(c, entra_user_body(ctx))["id"]
    u = create_user(c, entra_user_body(ctx))
    path = ENTERPRISE_SCHEMA + ":manager"
    for empty in ("", None):
        p = patch_user(c, u["id"], {"op": "Add", "path": path, "value": mid}).json
        _check_manager(p, mid, "set manager")
        p = patch_user(c, u["id"], {"op": "Replace", "path": path, "value": empty}).json
        assert _manager_of(p) is None, "expected Replace with %r to remove the manager, got %r" % (empty, _manager_of(p))
        g = get_user(c, u["id"])
        assert _manager_of(g) is None, "expected GET without a manager after %r, got %r" % (empty, _manager_of(g))


def test_disable_user_soft_delete(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx))
    p = patch_user(c, u["id"], {"op": "Replace", "path": "active", "value": "False"}).json
    assert p.get("active") is False, "expected active false (a JSON boolean), got %r" % p.get("active")
    g = get_user(c, u["id"])
    assert g.get("active") is False, "expected GET to show active false, got %r" % g.get("active")
    found = search_users(c, 'userName eq "%s"' % u["userName"])
    assert resource_ids(found) == [u["id"]] and found["Resources"][0].get("active") is False, \
        "expected the disabled user still found by userName with active false, got %r" % found
    found = search_users(c, "active eq false")
    assert resource_ids(found) == [u["id"]], "expected active eq false to find the disabled user, got %r" % found
    found = search_users(c, 'active eq "False"')
    assert resource_ids(found) == [u["id"]], "expected active eq \"False\" (string boolean) to find it, got %r" % found


def test_patch_empty_operations_is_noop(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx))
    time.sleep(1.1)
    r = patch_user(c, u["id"])
    expect_scim_json(r)
    assert r.json == u, "expected Operations [] to return the unchanged resource %r, got %r" % (u, r.json)
    assert get_user(c, u["id"]) == u, "expected the resource unchanged after Operations []"


def test_patch_add_without_change_keeps_meta(ctx):
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx, displayName="Same Name"))
    time.sleep(1.1)
    for ops in ([{"op": "add", "path": "displayName", "value": "Same Name"}],
                [{"op": "Add", "value": {"displayName": "Same Name", "active": True}}],
                [{"op": "add", "path": "name.givenName", "value": "givenName"}]):
        p = patch_user(c, u["id"], *ops).json
        assert p["meta"]["version"] == u["meta"]["version"], \
            "expected %r to keep meta.version %r, got %r" % (ops, u["meta"]["version"], p["meta"]["version"])
        assert p["meta"]["lastModified"] == u["meta"]["lastModified"], \
            "expected %r to keep lastModified %r, got %r" % (ops, u["meta"]["lastModified"], p["meta"]["lastModified"])
    assert get_user(c, u["id"]) == u, "expected the resource unchanged"


def test_patch_without_change_shows_the_groups(ctx):
    # The row is locked without its groups; an unchanged user is answered as
    # GET shows it, groups included.
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx, displayName="Grouped"))
    g = create_group(c, entra_group_body(ctx, members=[{"value": u["id"]}]))
    before = get_user(c, u["id"])
    assert [x["value"] for x in before.get("groups", [])] == [g["id"]], \
        "expected the user in group %s, got %r" % (g["id"], before.get("groups"))
    for ops in ([], [{"op": "replace", "path": "displayName", "value": "Grouped"}]):
        p = patch_user(c, u["id"], *ops).json
        assert p == before, "expected %r to answer the user as GET does, got %r" % (ops, p)
    p = patch_user(c, u["id"], {"op": "replace", "path": "displayName", "value": "Regrouped"}).json
    assert p.get("groups") == before["groups"], \
        "expected a changed user's groups in the PATCH answer, got %r" % p.get("groups")


def test_patch_add_of_an_email_already_there_keeps_one(ctx):
    # RFC 7644 3.5.2.1: an add of a value already there changes nothing, also
    # when Entra sends primary as "True" or the address in other case.
    c = ctx.new_tenant()
    u = create_user(c, entra_user_body(ctx))
    email = u["emails"][0]
    for ops in ([{"op": "Add", "path": "emails",
                  "value": [{"type": "work", "value": email["value"], "primary": "True"}]}],
                [{"op": "Add", "path": "emails",
                  "value": [{"type": "work", "value": email["value"].upper(), "primary": True}]}],
                [{"op": "Add", "value": {"emails": [{"type": "Work", "value": email["value"].lower(),
                                                     "primary": "true"}]}}]):
        p = patch_user(c, u["id"], *ops).json
        assert p.get("emails") == [email], "expected %r to leave emails %r, got %r" % (ops, [email], p.get("emails"))
        assert p["meta"]["version"] == u["meta"]["version"], \
            "expected %r to keep meta.version %r, got %r" % (ops, u["meta"]["version"], p["meta"]["version"])
        g = get_user(c, u["id"])
        assert g.get("emails") == [email] and g["meta"] == u["meta"], \
            "expected GET after %r to show one email and the same meta, got %r" % (ops, g)


def test_patch_add_of_an_email_already_there_with_primary_promotes_it(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    body["emails"].append({"type": "home", "value": "Home-%s@example.com" % uuid.uuid4().hex[:8]})
    u = create_user(c, body)
    work, home = u["emails"]
    p = patch_user(c, u["id"], {"op": "Add", "path": "emails", "value": [
        {"type": "home", "value": home["value"].lower(), "primary": "True"}]}).json
    assert p.get("emails") == [dict(work, primary=False), dict(home, primary=True)], \
        "expected the home email made primary, not added again, got %r" % p.get("emails")
    assert p["meta"]["version"] != u["meta"]["version"], "expected meta.version to change"


# --- hard delete ---------------------------------------------------------------

def test_roles_from_entra_role_expressions(ctx):
    """AppRoleAssignmentsComplex: POST sends roles as objects, PATCH as JSON
    text inside "value"; both must end up as the same roles."""
    import json as _json
    c = ctx.client
    u = create_user(c, entra_user_body(ctx, roles=[{"primary": False, "type": "WindowsAzureActiveDirectoryRole",
                                                    "display": "Admin", "value": "Admin"}]))

    def as_text(value, display):
        return {"value": _json.dumps({"id": str(uuid.uuid4()), "value": value,
                                      "displayName": display})}

    def patch(op, roles):
        return patch_user(c, u["id"], {"op": op, "path": "roles", "value": roles}).json

    same = patch("Add", [as_text("Admin", "Admin")])
    assert same["roles"] == u["roles"], "the role already there: %r" % same["roles"]
    assert same["meta"]["version"] == u["meta"]["version"], "nothing changed"
    more = patch("Add", [as_text("25", "Role1234")])
    assert sorted((r["value"], r.get("display")) for r in more["roles"]) == \
        [("25", "Role1234"), ("Admin", "Admin")], more["roles"]
    less = patch("Remove", [as_text("Admin", "Admin")])
    assert [(r["value"], r.get("display")) for r in less["roles"]] == [("25", "Role1234")], less


def test_delete_then_404_and_username_reuse(ctx):
    c = ctx.new_tenant()
    body = entra_user_body(ctx)
    u = create_user(c, body)
    r = c.delete("/Users/" + u["id"])
    expect_status(r, 204, "DELETE the user")
    assert r.body == b"", "expected an empty 204 body, got %r" % r.body[:200]
    expect_error(c.get("/Users/" + u["id"]), 404)
    found = search_users(c, 'userName eq "%s"' % u["userName"])
    assert found["totalResults"] == 0, "expected the deleted user gone from filters, got %r" % found
    expect_error(c.delete("/Users/" + u["id"]), 404)

    again = create_user(c, body)
    assert again["id"] != u["id"], "expected a new id for the re-created user, got the old %r" % u["id"]
    found = search_users(c, 'userName eq "%s"' % u["userName"])
    assert resource_ids(found) == [again["id"]], "expected only the new user, got %r" % found
