"""Filters on the attributes made of memberships: a group's members and a
user's groups, with every operator and inside value paths, compared with
what GET shows of them (RFC 7644 3.4.2.2)."""

from harness import GROUP_SCHEMA, USER_SCHEMA, expect_error, expect_status, q
from resources import create_group, create_user


def _setup(ctx):
    """alice (display "Alice Smith") and bob (no displayName) in "Engineering",
    which is itself in "Staff"; "Empty" has no member."""
    c = ctx.new_tenant()
    alice = create_user(c, {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "Alice Smith"})["id"]
    bob = create_user(c, {"schemas": [USER_SCHEMA], "userName": "bob"})["id"]
    eng = create_group(c, {"schemas": [GROUP_SCHEMA], "displayName": "Engineering",
                           "members": [{"value": alice}, {"value": bob}]})["id"]
    staff = create_group(c, {"schemas": [GROUP_SCHEMA], "displayName": "Staff",
                             "members": [{"value": eng, "type": "Group"}]})["id"]
    empty = create_group(c, {"schemas": [GROUP_SCHEMA], "displayName": "Empty"})["id"]
    return c, {"alice": alice, "bob": bob, "Engineering": eng, "Staff": staff, "Empty": empty}


def _found(c, endpoint, f, names):
    r = expect_status(c.get("/%s?filter=%s&count=100" % (endpoint, q(f))), 200, f)
    got = sorted(x.get("userName") or x["displayName"] for x in r.json["Resources"])
    assert got == sorted(names), "%s: expected %r, got %r" % (f, sorted(names), got)
    assert r.json["totalResults"] == len(names), (f, r.json["totalResults"])


def test_group_members(ctx):
    c, ids = _setup(ctx)
    cases = [
        ('members.display eq "alice smith"', ["Engineering"]),
        ('members.display eq "bob"', ["Engineering"]),          # a user without displayName: userName
        ('members.display eq "engineering"', ["Staff"]),
        ('members.display co "SMITH"', ["Engineering"]),
        ('members.type eq "Group"', ["Staff"]),
        ('members[type eq "User" and display sw "ali"]', ["Engineering"]),
        ('members[type eq "Group" and display sw "ali"]', []),
        ('members[value eq "%s" or value eq "%s"]' % (ids["alice"], ids["Engineering"]),
         ["Engineering", "Staff"]),
        ('members[value eq "%s"]' % ids["bob"].upper(), ["Engineering"]),
        ('members eq "%s"' % ids["bob"].upper(), ["Engineering"]),
        ('members.value co "%s"' % ids["alice"][:8], ["Engineering"]),
        ('members.$ref ew "/Groups/%s"' % ids["Engineering"], ["Staff"]),
        ('members[display pr]', ["Engineering", "Staff"]),
        ('members.display pr', ["Engineering", "Staff"]),
        ('not (members pr)', ["Empty"]),
        ('members eq null', ["Empty"]),
        ('members.display ne "alice smith"', ["Engineering", "Staff"]),
        ('displayName sw "E" and members[type eq "User"]', ["Engineering"]),
        ('members[type eq "User"].display eq "Alice Smith"', ["Engineering"]),
    ]
    for f, names in cases:
        _found(c, "Groups", f, names)


def test_user_groups(ctx):
    c, ids = _setup(ctx)
    cases = [
        ('groups.display eq "engineering"', ["alice", "bob"]),
        ('groups.display eq "Staff"', ["alice", "bob"]),       # through the nested group
        ('groups[type eq "indirect" and display eq "Staff"]', ["alice", "bob"]),
        ('groups[type eq "direct" and display eq "Staff"]', []),
        ('groups.type eq "direct"', ["alice", "bob"]),
        ('groups[value eq "%s" or value eq "%s"]' % (ids["Staff"], ids["Empty"]), ["alice", "bob"]),
        ('groups eq "%s"' % ids["Staff"], ["alice", "bob"]),
        ('groups.$ref co "/Groups/%s"' % ids["Engineering"], ["alice", "bob"]),
        ('not (groups pr)', []),
        ('userName eq "alice" and groups.display sw "eng"', ["alice"]),
    ]
    for f, names in cases:
        _found(c, "Users", f, names)
    # The same users GET shows with those groups.
    r = expect_status(c.get("/Users/" + ids["alice"]), 200).json
    assert sorted((g["display"], g["type"]) for g in r["groups"]) == \
        [("Engineering", "direct"), ("Staff", "indirect")], r["groups"]


def test_membership_filter_errors(ctx):
    c, _ = _setup(ctx)
    expect_error(c.get("/Groups?filter=%s" % q('members.nosuch eq "x"')), 400, "invalidFilter")
    expect_error(c.get("/Groups?filter=%s" % q('members[nosuch eq "x"]')), 400, "invalidFilter")
    expect_error(c.get("/Users?filter=%s" % q('groups[type eq "direct" and emails[value pr]]')),
                 400, "invalidFilter")
