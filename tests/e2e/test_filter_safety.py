"""Filters reach SQL only as parameters (RFC 7644 3.4.2.2).

Values full of SQL and LIKE syntax find exactly the users that hold them;
hostile filter text (NUL, invalid UTF-8, overlong, too deep, too many
comparisons, trailing SQL) is 400 invalidFilter, never a 500, and leaves
the data as it was. Also every example filter of RFC 7644 3.4.2.2, and
dateTime comparisons at sub-millisecond precision.
"""

import uuid

from harness import ENTERPRISE_SCHEMA, LIST_SCHEMA, USER_SCHEMA, expect_error, expect_status, q
from resources import create_user, list_resources, resource_ids

# Titles that mean something to SQL, to LIKE or to the filter parser.
TITLES = [
    "50%", "50_", "5\\0", "a%b", "a_b", "aXb", "O'Brien", 'say "hi"', "x' OR '1'='1",
    "'; DROP TABLE users; --", "$1", "\\%", "Zo\u00eb", "ZO\u00cb \u00c6r\u00f8", "\u65e5\u672c",
]


def _ids(c, filt, raw=False):
    """The ids a filter selects; raw: the filter is already percent-encoded."""
    listing = list_resources(c, "/Users?filter=" + (filt if raw else q(filt)) + "&count=1000", "filter %r" % filt)
    return sorted(resource_ids(listing))


def _literal(text):
    """A filter string literal (JSON escapes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _users_with_titles(ctx, c):
    by_title = {}
    for title in TITLES:
        u = create_user(c, {"schemas": [USER_SCHEMA], "userName": ctx.unique("safety") + "@example.com",
                            "title": title})
        by_title[title] = u["id"]
    return by_title


def test_sql_and_like_characters_are_literal(ctx):
    c = ctx.new_tenant()
    ids = _users_with_titles(ctx, c)

    def only(*titles):
        return sorted(ids[t] for t in titles)

    checks = [
        ("title eq " + _literal("50%"), only("50%")),
        ("title co " + _literal("%"), only("50%", "a%b", "\\%")),
        ("title co " + _literal("_"), only("50_", "a_b")),
        ("title sw " + _literal("a_"), only("a_b")),
        ("title ew " + _literal("%b"), only("a%b")),
        ("title co " + _literal("\\"), only("5\\0", "\\%")),
        ("title eq " + _literal("5\\0"), only("5\\0")),
        ("title sw " + _literal("\\%"), only("\\%")),
        ("title eq " + _literal("x' OR '1'='1"), only("x' OR '1'='1")),
        ("title eq " + _literal("'; DROP TABLE users; --"), only("'; DROP TABLE users; --")),
        ("title co " + _literal("'"), only("O'Brien", "x' OR '1'='1", "'; DROP TABLE users; --")),
        ("title co " + _literal('"'), only('say "hi"')),
        ("title eq " + _literal("$1"), only("$1")),
        ("title eq " + _literal("zo\u00cb"), only("Zo\u00eb")),
        ("title sw " + _literal("zo\u00eb \u00e6R"), only("ZO\u00cb \u00c6r\u00f8")),
        ("title eq " + _literal("\u65e5\u672c"), only("\u65e5\u672c")),
        ("title co " + _literal("' OR '"), only("x' OR '1'='1")),
        ('title co "a" and not (title co "%")', only("a_b", "aXb", 'say "hi"', "'; DROP TABLE users; --")),
    ]
    for filt, expected in checks:
        got = _ids(c, filt)
        assert got == expected, "filter %s: expected %r, got %r" % (filt, expected, got)
    # Everything is still there.
    assert len(_ids(c, "title pr")) == len(TITLES), "expected every user still stored"


# Control characters and invalid UTF-8 in a URL: lighttpd refuses them
# itself (its SCIM error page) before the worker sees the request; another server
# may pass them on, and then the filter parser refuses them.
REFUSED_EARLY = [
    ("a NUL byte", "userName%20eq%20%22a%00b%22"),
    ("a NUL in a bare word", "userName%20eq%20a%00b"),
    ("a control character", "userName%20eq%20%22a%01b%22"),
    ("a tab in a string", "userName%20eq%20%22a%09b%22"),
    ("invalid UTF-8", "userName%20eq%20%22%FF%FE%22"),
    ("a truncated UTF-8 sequence", "userName%20eq%20%22%C3%22"),
    ("an overlong UTF-8 form", "userName%20eq%20%22%C0%AF%22"),
    ("a UTF-16 surrogate", "userName%20eq%20%22%ED%A0%80%22"),
    ("an invalid attribute byte", "user%FFName%20eq%20%22a%22"),
]

HOSTILE = [
    # (what, the filter already percent-encoded)
    ("a NUL escape", "userName%20eq%20%22a%5Cu0000b%22"),
    ("an unpaired surrogate escape", "userName%20eq%20%22%5Cud800%22"),
    ("trailing SQL", "userName%20eq%20%22a%22%3B%20DROP%20TABLE%20users"),
    ("a quote closing early", "userName%20eq%20%22a%22%20OR%20%271%27%3D%271%27"),
    ("SQL as an attribute", "1%3D1%20or%20userName%20pr"),
    ("SQL comment as an attribute", "userName--%20eq%20%22a%22"),
    ("a URN made of SQL", "urn%3Ax%27%3B%20DROP%20TABLE%20users%3B--%3AuserName%20eq%20%22a%22"),
    ("an operator made of SQL", "userName%20%3D%20%22a%22"),
    ("a long value", "userName%20eq%20%22" + "a" * 4500 + "%22"),
    ("too deep", "(" * 40 + "userName%20pr" + ")" * 40),
    ("too deep with not", "not%20(" * 20 + "userName%20pr" + ")" * 20),
    ("too many comparisons", "%20or%20".join(["userName%20pr"] * 200)),
    ("a bad dateTime", "meta.created%20gt%20%222015-13-45T99%3A00%3A00Z%22"),
    ("a dateTime without a time", "meta.created%20gt%20%222015-10-10%22"),
    ("a number for a dateTime", "meta.lastModified%20lt%202015"),
    ("an ordering operator on a boolean", "active%20gt%20true"),
    ("a string for a boolean", "active%20eq%20%22yes%22"),
    ("null with gt", "userName%20gt%20null"),
    ("a complex attribute without a value", "name%20eq%20%22x%22"),
    ("a value filter on a simple attribute", "userName%5Bvalue%20eq%20%22x%22%5D"),
]


def test_hostile_filters_are_400(ctx):
    c = ctx.new_tenant()
    u = create_user(c, {"schemas": [USER_SCHEMA], "userName": ctx.unique("hostile") + "@example.com",
                        "title": "kept"})
    for what, raw in HOSTILE:
        r = c.get("/Users?filter=" + raw)
        try:
            expect_error(r, 400, "invalidFilter")
        except AssertionError as e:
            raise AssertionError("%s: %s" % (what, e)) from None
    for what, raw in REFUSED_EARLY:
        r = c.get("/Users?filter=" + raw)
        expect_status(r, 400, what)
        # lighttpd refuses these before the application sees them, with the
        # SCIM error page of lighttpd/errors/ (no scimType: it cannot know
        # which parameter was wrong); Apache passes them on to the worker.
        expect_error(r, 400)
        if "scimType" in r.json:
            expect_error(r, 400, "invalidFilter")
    # Nothing was lost on the way.
    assert _ids(c, 'title eq "kept"') == [u["id"]], "expected the user still there"


LEGAL = [
    # (what, filter) that must be answered, even if they match nothing
    ("a value of 4000 bytes", 'userName eq "' + "a" * 4000 + '"'),
    ("15 levels of parentheses", "(" * 15 + "userName pr" + ")" * 15),
    ("escapes of every kind", 'userName eq "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"'),
    ("a supplementary character", 'title co "\U0001f600"'),
    ("U+10FFFF as a prefix", 'userName sw "\U0010ffff"'),
    ("a value ending in a backslash", 'userName sw "a\\\\"'),
    ("a bare word", "externalId eq jyoung"),
    ("a boolean as a string", 'active eq "True"'),
    ("eq null", "title eq null"),
    ("an Entra value path", 'emails[type eq "work"].value eq "x@example.com"'),
]


def test_legal_filters_are_answered(ctx):
    c = ctx.new_tenant()
    for what, filt in LEGAL:
        r = c.get("/Users?filter=" + q(filt))
        expect_status(r, 200, "%s: %r" % (what, filt[:80]))
        assert LIST_SCHEMA in (r.json or {}).get("schemas", []), "%s: %r" % (what, r.text[:200])


def test_rfc_7644_example_filters(ctx):
    """Every example of RFC 7644 3.4.2.2 selects what the RFC describes."""
    c = ctx.new_tenant()
    tag = uuid.uuid4().hex[:8]
    bjensen = create_user(c, {
        "schemas": [USER_SCHEMA], "userName": "bjensen", "title": "Tour Guide", "userType": "Employee",
        "name": {"familyName": "O'Malley", "givenName": "Barbara"},
        "emails": [{"type": "work", "value": "bjensen@example.com"},
                   {"type": "home", "value": "babs@jensen.org"}]})
    jsmith = create_user(c, {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA], "userName": "Jsmith" + tag, "userType": "Intern",
        "emails": [{"type": "home", "value": "js@example.org"}],
        "ims": [{"type": "xmpp", "value": "js@foo.com"}],
        ENTERPRISE_SCHEMA: {"employeeNumber": "42"}})
    other = create_user(c, {
        "schemas": [USER_SCHEMA], "userName": "other" + tag, "userType": "Employee",
        "emails": [{"type": "work", "value": "other@elsewhere.net"}]})
    b, j, o = bjensen["id"], jsmith["id"], other["id"]
    before = "2011-05-13T04:42:34Z"
    examples = [
        ('userName eq "bjensen"', [b]),
        ('name.familyName co "O\'Malley"', [b]),
        ('userName sw "J"', [j]),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', [j]),
        ("title pr", [b]),
        ('meta.lastModified gt "%s"' % before, [b, j, o]),
        ('meta.lastModified ge "%s"' % before, [b, j, o]),
        ('meta.lastModified lt "%s"' % before, []),
        ('meta.lastModified le "%s"' % before, []),
        ('title pr and userType eq "Employee"', [b]),
        ('title pr or userType eq "Intern"', [b, j]),
        ('schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', [j]),
        ('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', [b]),
        ('userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', []),
        ('userType eq "Employee" and (emails.type eq "work")', [b, o]),
        ('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', [b]),
        ('emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', [b, j]),
    ]
    for filt, expected in examples:
        got = _ids(c, filt)
        assert got == sorted(expected), "RFC 7644 example %s: expected %r, got %r" % (filt, sorted(expected), got)


def test_datetime_precision_and_offsets(ctx):
    """meta.created compares as the milliseconds it is rendered with, in any offset."""
    c = ctx.new_tenant()
    u = create_user(c, {"schemas": [USER_SCHEMA], "userName": ctx.unique("time") + "@example.com"})
    created = u["meta"]["created"]  # e.g. 2026-11-22T20:23:47.286Z
    assert created.endswith("Z") and len(created) == 24, "unexpected meta.created %r" % created
    ms = created[20:23]
    stem = created[:19]
    same = [created, stem + "." + ms + "0000Z", stem + "." + ms + "000000+00:00"]
    for t in same:
        assert _ids(c, 'meta.created eq "%s"' % t) == [u["id"]], "meta.created eq %s" % t
        assert _ids(c, 'meta.created ge "%s"' % t) == [u["id"]], "meta.created ge %s" % t
        assert _ids(c, 'meta.created gt "%s"' % t) == [], "meta.created gt %s" % t
    # A tenth of a microsecond later: not equal, and the created time is before it.
    later = stem + "." + ms + "0001Z"
    assert _ids(c, 'meta.created eq "%s"' % later) == [], "meta.created eq %s" % later
    assert _ids(c, 'meta.created lt "%s"' % later) == [u["id"]], "meta.created lt %s" % later
    assert _ids(c, 'meta.created le "%s"' % later) == [u["id"]], "meta.created le %s" % later
    # The same instant written in another offset, with RFC 7644's seven digits.
    hour = int(stem[11:13])
    if hour >= 7:
        local = stem[:11] + "%02d" % (hour - 7) + stem[13:] + "." + ms + "0000-07:00"
        assert _ids(c, 'meta.created eq "%s"' % local) == [u["id"]], "meta.created eq %s" % local
    expect_error(c.get("/Users?filter=" + q('meta.created eq "%s"' % (stem + "." + ms + "Q"))),
                 400, "invalidFilter")
