"""Schema extensions an administrator defines for a tenant (scimctl schema
load/list/show/remove): read in the format of RFC 7643 section 7, refused
with the JSON path of a problem, stored with the unique indexes of their
server-unique attributes, and removed only with their values."""

import json
import os
import tempfile

URN = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User"


def contoso_schema(urn=URN, **changes):
    """Every type an extension may use; changes replace attributes by name."""
    attributes = [
        {"name": "costCenter", "type": "string", "caseExact": False},
        {"name": "employeeId", "type": "string", "uniqueness": "server"},
        {"name": "badgeCode", "type": "string", "caseExact": True, "uniqueness": "server"},
        {"name": "licenseTier", "type": "string", "canonicalValues": ["basic", "pro"]},
        {"name": "isContractor", "type": "boolean"},
        {"name": "seats", "type": "integer"},
        {"name": "rate", "type": "decimal"},
        {"name": "hired", "type": "dateTime"},
        {"name": "sponsor", "type": "reference", "referenceTypes": ["User"]},
        {"name": "photo", "type": "binary"},
        {"name": "tags", "type": "string", "multiValued": True},
        {"name": "projects", "type": "complex", "multiValued": True, "subAttributes": [
            {"name": "code", "type": "string", "required": True},
            {"name": "hours", "type": "integer"}]},
    ]
    for name, value in changes.items():
        attributes = [a for a in attributes if a["name"] != name] + ([value] if value else [])
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": urn,
            "name": "ContosoUser", "description": "What Contoso keeps of a user",
            "attributes": attributes}


def load(ctx, tenant, schema, *options):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(schema, f) if not isinstance(schema, str) else f.write(schema)
    try:
        return ctx.scimctl("schema", "load", tenant, f.name, *options)
    finally:
        os.unlink(f.name)


def _schema_version(ctx, c):
    return int(ctx.psql("SELECT schema_version FROM tenants WHERE tenant_id = '%s'" % c.tenant_id))


def test_load_list_show_and_remove(ctx):
    c = ctx.new_tenant()
    version = _schema_version(ctx, c)
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "user")
    assert code == 0, err
    assert out == 'loaded %s for the users of tenant "%s": 12 attributes; unique: employeeId, ' \
        'badgeCode\n' % (URN, c.tenant), out
    assert _schema_version(ctx, c) > version, "the workers are told"
    indexes = ctx.psql("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'scim_ext_%%' AND "
                       "indexdef LIKE '%%%s%%'" % c.tenant_id).splitlines()
    assert len(indexes) == 2 and all("UNIQUE" in i for i in indexes), indexes
    assert any("scim_fold" in i and "employeeId" in i for i in indexes), indexes
    assert any("scim_fold" not in i and "badgeCode" in i for i in indexes), indexes

    code, out, err = ctx.scimctl("schema", "list", c.tenant)
    assert code == 0 and out.splitlines()[1].split("\t")[:5] == \
        [c.tenant, URN, "User", "no", "12"], out
    code, out, err = ctx.scimctl("schema", "show", c.tenant, URN.lower())
    assert code == 0 and json.loads(out) == contoso_schema(), out
    assert err == "extends the tenant's users\n", err

    # Loaded again, required now: replaced, the same indexes.
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "User", "--required")
    assert code == 0 and out.startswith("replaced %s" % URN) and ", required;" in out, (out, err)
    code, out, err = ctx.scimctl("schema", "list")
    assert "%s\t%s\tUser\tyes\t12\t" % (c.tenant, URN) in out, out

    code, out, err = ctx.scimctl("schema", "remove", c.tenant, URN)
    assert (code, out) == (0, 'removed %s from tenant "%s"\n' % (URN, c.tenant)), (out, err)
    assert ctx.psql("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'scim_ext_%%' AND "
                    "indexdef LIKE '%%%s%%'" % c.tenant_id).strip() == "0"
    code, out, err = ctx.scimctl("schema", "remove", c.tenant, URN)
    assert code == 1 and err == 'scimctl schema remove: tenant "%s" has no extension %s\n' % (
        c.tenant, URN), err


def test_a_schema_file_is_refused_with_the_path_of_its_problem(ctx):
    c = ctx.new_tenant()
    cases = [
        ('{"id": "urn:x:y", "attributes": [', "line 1, column 33: "),
        (contoso_schema(seats={"name": "seats", "type": "int"}),
         'attributes[11].type: "int" is not one of string, boolean, decimal, integer, dateTime, '
         'reference, binary, complex'),
        (contoso_schema(projects={"name": "projects", "type": "complex", "subAttributes": [
            {"name": "code", "mutablity": "readOnly"}]}),
         "attributes[11].subAttributes[0].mutablity: not an attribute characteristic of RFC 7643 "
         "section 7"),
        (contoso_schema(urn="urn:ietf:params:scim:schemas:core:2.0:User"),
         "id: urn:ietf:params:scim:schemas:core:2.0:User is a schema of RFC 7643 or 7644, not an "
         "extension"),
        (contoso_schema(employeeId={"name": "employeeId", "uniqueness": "global"}),
         'attributes[11].uniqueness: "global" cannot be enforced by one service provider'),
    ]
    for schema, detail in cases:
        code, out, err = load(ctx, c.tenant, schema, "--resource-type", "User")
        assert code == 1 and err.startswith("scimctl schema load: ") and detail in err, (detail, err)
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "Device")
    assert code == 2 and "--resource-type: User or Group" in err, err
    code, out, err = load(ctx, "no-such-tenant-" + ctx.unique(), contoso_schema(),
                          "--resource-type", "User")
    assert code == 1 and "no tenant" in err, err
    code, out, err = ctx.scimctl("schema", "list", c.tenant)
    assert out.count("\n") == 1, "nothing was loaded: %r" % out


def test_an_extension_extends_one_resource_type(ctx):
    c = ctx.new_tenant()
    assert load(ctx, c.tenant, contoso_schema(), "--resource-type", "User")[0] == 0
    code, out, err = load(ctx, c.tenant, contoso_schema(), "--resource-type", "Group")
    assert code == 1 and "extends the tenant's User already: remove it first" in err, err
    code, out, err = load(ctx, c.tenant, contoso_schema(urn=URN.upper().replace("URN:", "urn:")),
                          "--resource-type", "User")
    assert code == 1 and "differs only in case" in err, err
