-- 012_schema_extensions.sql - schema extensions an administrator defines
-- for a tenant's users or groups (scimctl schema load): an RFC 7643
-- section 7 schema each, served in that tenant's /Schemas and
-- /ResourceTypes. Their values live in the resource's document under the
-- extension's URN, as the enterprise extension's do:
--   doc -> 'urn:ietf:params:scim:schemas:extension:Contoso:2.0:User' ->> 'costCenter'
--
-- The workers keep each tenant's extensions in memory. A change raises the
-- tenant's schema_version and token_epoch (migration 007) in the same
-- transaction: every worker then checks its next request's token again,
-- learns the tenant's schema_version with it, and reads the extensions
-- again when it changed. No restart is needed.

CREATE TABLE schema_extensions (
	tenant_id uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
	urn text NOT NULL,
	resource_type text NOT NULL CHECK (resource_type IN ('User', 'Group')),
	required boolean NOT NULL DEFAULT false,
	definition jsonb NOT NULL CHECK (definition ->> 'id' = urn),
	loaded timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, urn)
);
COMMENT ON TABLE schema_extensions IS 'Schema extensions of a tenant''s users or groups (scimctl schema load/list/show/remove). Change them with scimctl, which checks the definition and builds the indexes of server-unique attributes.';
COMMENT ON COLUMN schema_extensions.tenant_id IS 'The tenant whose clients see and send the extension.';
COMMENT ON COLUMN schema_extensions.urn IS 'The schema''s id, e.g. urn:ietf:params:scim:schemas:extension:Contoso:2.0:User: the key of its values in a resource''s document and of its attribute paths in filters and PATCH.';
COMMENT ON COLUMN schema_extensions.resource_type IS 'User or Group: the resource type the extension extends.';
COMMENT ON COLUMN schema_extensions.required IS 'schemaExtensions.required of /ResourceTypes: a POST or PUT without the extension''s object is refused.';
COMMENT ON COLUMN schema_extensions.definition IS 'The schema as loaded, in the format of RFC 7643 section 7 (what /Schemas serves).';
COMMENT ON COLUMN schema_extensions.loaded IS 'When it was loaded (or loaded again).';

ALTER TABLE tenants ADD COLUMN schema_version bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN tenants.schema_version IS 'Raised with every change to the tenant''s schema_extensions; the workers read the extensions again when it differs from theirs.';

CREATE FUNCTION schema_extensions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE tenants SET schema_version = schema_version + 1
		WHERE tenant_id = coalesce(NEW.tenant_id, OLD.tenant_id);
	UPDATE token_epoch SET version = version + 1;
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION schema_extensions_changed() IS 'Raises the tenant''s schema_version and token_epoch.version: every worker checks its next request''s token again, and reads the extensions of a tenant whose schema_version changed.';
CREATE TRIGGER schema_extensions_changed AFTER INSERT OR UPDATE OR DELETE ON schema_extensions
	FOR EACH ROW EXECUTE FUNCTION schema_extensions_changed();
COMMENT ON TRIGGER schema_extensions_changed ON schema_extensions IS 'Tells the workers.';

-- An attribute with uniqueness "server" gets a unique index of its own,
-- limited to the tenant: two values the comparison of its attribute
-- (caseExact, or folded by scim_fold) calls equal cannot both be stored,
-- whatever the timing of the writes. Its name is chosen by scimctl, which
-- the workers compute alike to name the attribute in a 409.
CREATE FUNCTION scim_extension_index_create(index_name text, tenant uuid, resource_table text,
					     urn text, attribute text, case_exact boolean)
	RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF resource_table NOT IN ('users', 'groups') THEN
		RAISE EXCEPTION 'not a table of resources: %', resource_table;
	END IF;
	EXECUTE format('CREATE UNIQUE INDEX %I ON %I ((%s)) WHERE tenant_id = %L AND doc -> %L ? %L',
		index_name, resource_table,
		CASE WHEN case_exact THEN format('doc -> %L ->> %L', urn, attribute)
		     ELSE format('scim_fold(doc -> %L ->> %L)', urn, attribute) END,
		tenant, urn, attribute);
	EXECUTE format('COMMENT ON INDEX %I IS %L', index_name,
		format('%s:%s is unique in tenant %s (uniqueness server; scimctl schema load).',
		       urn, attribute, tenant));
END;
$$;
COMMENT ON FUNCTION scim_extension_index_create(text, uuid, text, text, text, boolean) IS 'Creates the unique index of a server-unique extension attribute (scimctl schema load); the names and values are quoted by format(), never pasted.';

-- The indexes of one extension are named scim_ext_<16 hex digits of the
-- tenant and URN>_<16 of the attribute>: removed together, by prefix.
CREATE FUNCTION scim_extension_indexes_drop(prefix text) RETURNS integer
	LANGUAGE plpgsql AS $$
DECLARE
	found text;
	dropped integer := 0;
BEGIN
	IF prefix !~ '^scim_ext_[0-9a-f]{16}_$' THEN
		RAISE EXCEPTION 'not the prefix of an extension''s indexes: %', prefix;
	END IF;
	FOR found IN SELECT indexname FROM pg_indexes
		WHERE schemaname = current_schema() AND starts_with(indexname, prefix)
	LOOP
		EXECUTE format('DROP INDEX %I', found);
		dropped := dropped + 1;
	END LOOP;
	RETURN dropped;
END;
$$;
COMMENT ON FUNCTION scim_extension_indexes_drop(text) IS 'Drops the unique indexes of one extension (scimctl schema remove, or load again); returns how many.';
