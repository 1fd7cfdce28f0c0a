-- 010_provisioning_log.sql - what the identity providers did: one row per
-- write a SCIM client made (POST, PUT, PATCH, DELETE, each operation of a
-- Bulk request).
--
-- A write that succeeds inserts its row in its own transaction, with the
-- change: the row exists exactly when the change does. A write that fails
-- is logged after its rollback, on its own. With SCIM_PROVISIONING_LOG=all
-- reads and refused authentications are logged as well. The names of the
-- attributes a write changed are kept, never their values. Rows older than
-- SCIM_PROVISIONING_LOG_DAYS (90) are removed by scimctl log prune.
--
--   SELECT at, provider, action, resource_name, attributes, status
--     FROM provisioning_log_overview
--    WHERE tenant = 'contoso' ORDER BY log_id DESC LIMIT 50;
--   SELECT * FROM provisioning_log_overview
--    WHERE resource_name = 'ada@contoso.com' ORDER BY log_id;

CREATE TABLE provisioning_log (
	log_id bigint GENERATED ALWAYS AS IDENTITY,
	at timestamptz NOT NULL DEFAULT now(),
	tenant_id uuid,
	token_id bigint,
	request_id text NOT NULL,
	client_address text,
	method text NOT NULL,
	resource_type text,
	resource_id uuid,
	resource_name text,
	action text NOT NULL CHECK (action IN ('created', 'replaced', 'modified', 'disabled',
		'enabled', 'unchanged', 'deleted', 'failed', 'read', 'refused', 'provider added',
		'provider revoked', 'provider rotated', 'provider restricted', 'tenant added')),
	members_added integer,
	members_removed integer,
	status smallint NOT NULL,
	scim_type text,
	detail text,
	attributes text[] NOT NULL DEFAULT '{}',
	admin text
);
COMMENT ON TABLE provisioning_log IS 'What the SCIM clients did: one row per write (each Bulk operation its own), in the transaction of the change; failed writes too. Reads and refused authentications only with SCIM_PROVISIONING_LOG=all. Never holds a value of an attribute, a password or a token.';
COMMENT ON COLUMN provisioning_log.log_id IS 'Order of the rows: a larger log_id was written later.';
COMMENT ON COLUMN provisioning_log.at IS 'When the request''s transaction began: the lastModified of the resource it wrote.';
COMMENT ON COLUMN provisioning_log.tenant_id IS 'The tenant of the token; NULL for a refused authentication whose token belongs to none. The rows go with their tenant when it is deleted (trigger tenants_log_delete).';
COMMENT ON COLUMN provisioning_log.token_id IS 'The provider: tokens.token_id of the bearer token used. NULL when no token was accepted.';
COMMENT ON COLUMN provisioning_log.request_id IS 'The request''s id, as in the X-Request-Id response header and the worker''s log lines. The operations of one Bulk request share it.';
COMMENT ON COLUMN provisioning_log.client_address IS 'The client''s address (behind a trusted proxy: the one X-Forwarded-For names).';
COMMENT ON COLUMN provisioning_log.method IS 'HTTP method of the request or Bulk operation: POST, PUT, PATCH, DELETE (GET for reads).';
COMMENT ON COLUMN provisioning_log.resource_type IS 'User, Group or Bulk (a Bulk request that failed as a whole); NULL when the path named none.';
COMMENT ON COLUMN provisioning_log.resource_id IS 'The SCIM id of the user or group written, when there is one.';
COMMENT ON COLUMN provisioning_log.resource_name IS 'The userName or displayName of the resource as the write left it (before a delete: as it was).';
COMMENT ON COLUMN provisioning_log.action IS 'created, replaced (PUT), modified (PATCH), disabled or enabled (active changed), unchanged (nothing to change), deleted; failed for a write that changed nothing because of an error; read; refused (authentication); provider added, revoked, rotated or restricted and tenant added for actions in the admin console.';
COMMENT ON COLUMN provisioning_log.members_added IS 'Members a group write added; NULL for users.';
COMMENT ON COLUMN provisioning_log.members_removed IS 'Members a group write removed; NULL for users.';
COMMENT ON COLUMN provisioning_log.status IS 'HTTP status of the answer (of the operation, in a Bulk request).';
COMMENT ON COLUMN provisioning_log.scim_type IS 'scimType of an error answer (uniqueness, invalidFilter, ...).';
COMMENT ON COLUMN provisioning_log.detail IS 'detail of an error answer: why it failed.';
COMMENT ON COLUMN provisioning_log.admin IS 'For an action taken in the admin console: the name of the administrator; NULL for a SCIM client''s request.';
COMMENT ON COLUMN provisioning_log.attributes IS 'Names of the attributes the write changed (name.givenName, urn:...:User:department), never their values.';

-- Every write inserts a row, so the table has as few indexes as its readers
-- need: no primary key (log_id orders, the two indexes below find), and no
-- foreign key, whose check would lock the tenant's row for every write.
CREATE INDEX provisioning_log_tenant ON provisioning_log (tenant_id, log_id DESC);
COMMENT ON INDEX provisioning_log_tenant IS 'Serves "this tenant, newest first".';
CREATE INDEX provisioning_log_resource ON provisioning_log (tenant_id, resource_id, log_id DESC)
	WHERE resource_id IS NOT NULL;
COMMENT ON INDEX provisioning_log_resource IS 'Serves "this resource''s history".';
CREATE INDEX provisioning_log_at ON provisioning_log USING brin (at);
COMMENT ON INDEX provisioning_log_at IS 'Serves pruning by age and since/until: rows are appended in time order, so a BRIN index is small and cheap to keep.';

CREATE VIEW provisioning_log_overview AS
SELECT l.log_id,
       l.at,
       t.name AS tenant,
       k.title AS provider,
       l.action,
       l.resource_type,
       l.resource_name,
       l.attributes,
       l.members_added,
       l.members_removed,
       l.status,
       l.scim_type,
       l.detail,
       l.method,
       l.resource_id,
       l.client_address,
       l.request_id,
       l.token_id,
       l.tenant_id,
       l.admin
  FROM provisioning_log l
  LEFT JOIN tenants t ON t.tenant_id = l.tenant_id
  LEFT JOIN tokens k ON k.token_id = l.token_id;
COMMENT ON VIEW provisioning_log_overview IS 'The provisioning log with the tenant''s name and the provider''s title in plain columns.';
COMMENT ON COLUMN provisioning_log_overview.tenant IS 'Name of the tenant; NULL for a refused authentication of no tenant.';
COMMENT ON COLUMN provisioning_log_overview.provider IS 'Title of the token used (scimctl token add --title), e.g. "Entra production".';
COMMENT ON COLUMN provisioning_log_overview.log_id IS 'Order of the rows: a larger log_id was written later.';
COMMENT ON COLUMN provisioning_log_overview.at IS 'When the request''s transaction began.';
COMMENT ON COLUMN provisioning_log_overview.action IS 'created, replaced, modified, disabled, enabled, unchanged, deleted, failed, read or refused.';
COMMENT ON COLUMN provisioning_log_overview.resource_type IS 'User, Group or Bulk.';
COMMENT ON COLUMN provisioning_log_overview.resource_name IS 'userName or displayName of the resource, as the write left it.';
COMMENT ON COLUMN provisioning_log_overview.attributes IS 'Names of the attributes changed, never their values.';
COMMENT ON COLUMN provisioning_log_overview.members_added IS 'Members a group write added.';
COMMENT ON COLUMN provisioning_log_overview.members_removed IS 'Members a group write removed.';
COMMENT ON COLUMN provisioning_log_overview.status IS 'HTTP status of the answer.';
COMMENT ON COLUMN provisioning_log_overview.scim_type IS 'scimType of an error answer.';
COMMENT ON COLUMN provisioning_log_overview.detail IS 'Why an error answer was one.';
COMMENT ON COLUMN provisioning_log_overview.method IS 'HTTP method of the request or Bulk operation.';
COMMENT ON COLUMN provisioning_log_overview.resource_id IS 'The SCIM id of the resource.';
COMMENT ON COLUMN provisioning_log_overview.client_address IS 'The client''s address.';
COMMENT ON COLUMN provisioning_log_overview.request_id IS 'The request''s id (X-Request-Id).';
COMMENT ON COLUMN provisioning_log_overview.token_id IS 'The token used (tokens.token_id).';
COMMENT ON COLUMN provisioning_log_overview.tenant_id IS 'The tenant''s id.';
COMMENT ON COLUMN provisioning_log_overview.admin IS 'The administrator who took the action in the admin console; NULL for a SCIM client.';

CREATE FUNCTION tenants_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM provisioning_log WHERE tenant_id = OLD.tenant_id;
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION tenants_log_delete() IS 'A deleted tenant''s provisioning log goes with it (the table has no foreign key).';
CREATE TRIGGER tenants_log_delete AFTER DELETE ON tenants
	FOR EACH ROW EXECUTE FUNCTION tenants_log_delete();
