-- 003_views.sql - views for reading the provisioned data with psql: users,
-- groups and memberships in plain columns, with tenant names instead of
-- ids. Read-only conveniences over the tables of 001; the service itself
-- does not use them.
--
--   SELECT * FROM user_overview WHERE tenant = 'default' ORDER BY user_name;
--   SELECT * FROM group_overview ORDER BY tenant, display_name;
--   SELECT * FROM membership_overview WHERE group_name = 'Admins';

CREATE VIEW user_overview AS
SELECT t.name AS tenant,
       u.user_name,
       u.doc->'name'->>'givenName' AS given_name,
       u.doc->'name'->>'familyName' AS family_name,
       u.display_name,
       (SELECT e->>'value'
          FROM jsonb_array_elements(CASE jsonb_typeof(u.doc->'emails')
                                    WHEN 'array' THEN u.doc->'emails' ELSE '[]' END) e
         WHERE lower(e->>'type') = 'work'
         ORDER BY e->'primary' = 'true' DESC NULLS LAST
         LIMIT 1) AS work_email,
       u.active,
       ARRAY(SELECT g.display_name
               FROM group_members m
               JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
              WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id
              ORDER BY g.display_name) AS groups,
       ARRAY(WITH RECURSIVE member_of(group_id) AS (
                 SELECT m.group_id FROM group_members m
                  WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id
                 UNION
                 SELECT m.group_id FROM group_members m
                   JOIN member_of ON m.member_group_id = member_of.group_id
                  WHERE m.tenant_id = u.tenant_id)
             SELECT g.display_name
               FROM member_of
               JOIN groups g ON g.tenant_id = u.tenant_id AND g.id = member_of.group_id
              ORDER BY g.display_name) AS all_groups,
       u.external_id,
       u.id,
       u.created,
       u.last_modified,
       u.tenant_id
  FROM users u
  JOIN tenants t ON t.tenant_id = u.tenant_id;

COMMENT ON VIEW user_overview IS 'Provisioned users in plain columns, one row per user: name, work e-mail, active, groups. Disabled users are here too, with active = false.';
COMMENT ON COLUMN user_overview.tenant IS 'Name of the tenant (the provisioning customer) the user belongs to.';
COMMENT ON COLUMN user_overview.user_name IS 'userName: the unique sign-in name, often the e-mail address.';
COMMENT ON COLUMN user_overview.given_name IS 'name.givenName (first name).';
COMMENT ON COLUMN user_overview.family_name IS 'name.familyName (last name).';
COMMENT ON COLUMN user_overview.display_name IS 'displayName, the name to show.';
COMMENT ON COLUMN user_overview.work_email IS 'The e-mail address of type "work" (the primary one if there are several); NULL when there is none.';
COMMENT ON COLUMN user_overview.active IS 'false when the identity provider disabled or unassigned the user (soft delete).';
COMMENT ON COLUMN user_overview.groups IS 'displayName of each group the user is a direct member of, sorted; empty when none.';
COMMENT ON COLUMN user_overview.all_groups IS 'displayName of each group the user is a member of, directly or through nested groups, sorted: the groups to authorize with.';
COMMENT ON COLUMN user_overview.external_id IS 'externalId: the identity provider''s id of the user (Entra objectId).';
COMMENT ON COLUMN user_overview.id IS 'The SCIM id (users.id).';
COMMENT ON COLUMN user_overview.created IS 'When the user was provisioned (meta.created).';
COMMENT ON COLUMN user_overview.last_modified IS 'When the user''s data last changed (meta.lastModified).';
COMMENT ON COLUMN user_overview.tenant_id IS 'The tenant''s id (tenants.tenant_id), for joins.';

CREATE VIEW group_overview AS
SELECT t.name AS tenant,
       g.display_name,
       (SELECT count(*) FROM group_members m
         WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id) AS members,
       (SELECT count(*) FROM group_members m
         WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id AND m.user_id IS NOT NULL) AS user_members,
       (SELECT count(*) FROM group_members m
         WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id AND m.member_group_id IS NOT NULL) AS group_members,
       g.external_id,
       g.id,
       g.created,
       g.last_modified,
       g.tenant_id
  FROM groups g
  JOIN tenants t ON t.tenant_id = g.tenant_id;

COMMENT ON VIEW group_overview IS 'Provisioned groups with their member counts, one row per group.';
COMMENT ON COLUMN group_overview.tenant IS 'Name of the tenant the group belongs to.';
COMMENT ON COLUMN group_overview.display_name IS 'displayName: the group''s name, unique per tenant ignoring case.';
COMMENT ON COLUMN group_overview.members IS 'Number of direct members, users and groups.';
COMMENT ON COLUMN group_overview.user_members IS 'Number of users among the direct members.';
COMMENT ON COLUMN group_overview.group_members IS 'Number of nested groups among the direct members.';
COMMENT ON COLUMN group_overview.external_id IS 'externalId: the identity provider''s id of the group.';
COMMENT ON COLUMN group_overview.id IS 'The SCIM id (groups.id).';
COMMENT ON COLUMN group_overview.created IS 'When the group was provisioned (meta.created).';
COMMENT ON COLUMN group_overview.last_modified IS 'When the group or its members last changed (meta.lastModified).';
COMMENT ON COLUMN group_overview.tenant_id IS 'The tenant''s id (tenants.tenant_id), for joins.';

CREATE VIEW membership_overview AS
SELECT t.name AS tenant,
       g.display_name AS group_name,
       CASE WHEN m.user_id IS NOT NULL THEN 'User' ELSE 'Group' END AS member_type,
       coalesce(u.user_name, mg.display_name) AS member_name,
       u.active AS member_active,
       m.added,
       g.id AS group_id,
       coalesce(m.user_id, m.member_group_id) AS member_id,
       m.tenant_id
  FROM group_members m
  JOIN tenants t ON t.tenant_id = m.tenant_id
  JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
  LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
  LEFT JOIN groups mg ON mg.tenant_id = m.tenant_id AND mg.id = m.member_group_id;

COMMENT ON VIEW membership_overview IS 'Direct group memberships, one row per member of a group: a user or a nested group.';
COMMENT ON COLUMN membership_overview.tenant IS 'Name of the tenant of the group and its member.';
COMMENT ON COLUMN membership_overview.group_name IS 'displayName of the group.';
COMMENT ON COLUMN membership_overview.member_type IS 'User or Group, as in the SCIM members[].type.';
COMMENT ON COLUMN membership_overview.member_name IS 'The member''s userName (a user) or displayName (a nested group).';
COMMENT ON COLUMN membership_overview.member_active IS 'For a user, its active flag; NULL for a nested group.';
COMMENT ON COLUMN membership_overview.added IS 'When the membership was added.';
COMMENT ON COLUMN membership_overview.group_id IS 'The group''s SCIM id (groups.id).';
COMMENT ON COLUMN membership_overview.member_id IS 'The member''s SCIM id: users.id or groups.id, after member_type.';
COMMENT ON COLUMN membership_overview.tenant_id IS 'The tenant''s id (tenants.tenant_id), for joins.';

-- scimctl creates schema_migrations itself, with a comment on the table.
COMMENT ON COLUMN schema_migrations.version IS 'Number of the migration: the leading digits of its file name in sql/.';
COMMENT ON COLUMN schema_migrations.name IS 'File name of the migration, e.g. 003_views.sql.';
COMMENT ON COLUMN schema_migrations.applied IS 'When scimctl migrate applied it.';
