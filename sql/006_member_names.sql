-- 006_member_names.sql - the names of a group's members and of a user's
-- groups, found by id: one index probe per member, whatever the statistics
-- say of the tenant.
--
-- Looked up by (tenant_id, id), a member's user was planned as a scan of
-- the whole tenant per member whenever the statistics believed the tenant
-- small: a tenant loaded since the last ANALYZE (a new customer's first
-- provisioning), or one among many tiny tenants. A group of 20,000 members
-- then took over a minute to read. Ids are random UUIDs, and the foreign
-- keys of group_members keep a member in its group's tenant: the store finds
-- the row by id alone, checks its tenant, and these indexes answer it.
--
-- CREATE INDEX holds writes to the table while it builds (seconds per
-- million rows): apply this migration when provisioning is quiet.

CREATE INDEX users_id ON users (id);
COMMENT ON INDEX users_id IS 'A user by id alone, for the names of a group''s members (the tenant is checked on the row).';
CREATE INDEX groups_id ON groups (id);
COMMENT ON INDEX groups_id IS 'A group by id alone, for the names of a group''s member groups and of a user''s groups (the tenant is checked on the row).';
