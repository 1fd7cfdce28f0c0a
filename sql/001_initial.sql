-- 001_initial.sql - tenants, tokens, users, groups and memberships.
--
-- Every key is led by tenant_id: a tenant is one provisioning customer (one
-- Entra or Okta directory), and no query crosses tenants. Resources keep the
-- columns that are filtered, sorted and indexed beside the full SCIM document
-- (doc), which holds every attribute as the client sees it except id, meta and
-- the derived groups/members.

CREATE TABLE tenants (
	tenant_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL UNIQUE,
	created timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenants IS 'One provisioning customer: an Entra or Okta directory that provisions into this application. Nothing is shared between tenants.';
COMMENT ON COLUMN tenants.tenant_id IS 'Stable identifier; leads every key of every other table.';
COMMENT ON COLUMN tenants.name IS 'Name chosen by the administrator (scimctl tenant add NAME).';
COMMENT ON COLUMN tenants.created IS 'When the tenant was added.';

CREATE TABLE tokens (
	tenant_id uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
	token_id bigint GENERATED ALWAYS AS IDENTITY,
	title text NOT NULL,
	token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	allowed_networks cidr[],
	created timestamptz NOT NULL DEFAULT now(),
	last_used timestamptz,
	revoked timestamptz,
	PRIMARY KEY (tenant_id, token_id),
	UNIQUE (token_id)
);
COMMENT ON TABLE tokens IS 'Bearer tokens ("Secret Token" in Entra), one per provider. The token itself is shown once when created and never stored: only its SHA-256 hash.';
COMMENT ON COLUMN tokens.tenant_id IS 'The tenant whose data this token reads and writes.';
COMMENT ON COLUMN tokens.token_id IS 'Number used by scimctl to list and revoke the token.';
COMMENT ON COLUMN tokens.title IS 'What the administrator called this provider, e.g. "Entra production".';
COMMENT ON COLUMN tokens.token_hash IS 'SHA-256 of the token (256 random bits, base64url). The token cannot be recovered from it.';
COMMENT ON COLUMN tokens.allowed_networks IS 'IP-based access restriction: when set, requests with this token are accepted only from these networks. NULL accepts any address.';
COMMENT ON COLUMN tokens.created IS 'When the token was issued.';
COMMENT ON COLUMN tokens.last_used IS 'Last request made with the token, updated at most once a minute.';
COMMENT ON COLUMN tokens.revoked IS 'When the token was revoked; a revoked token is refused. NULL while valid.';

CREATE TABLE users (
	tenant_id uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	user_name text NOT NULL,
	external_id text,
	display_name text,
	active boolean NOT NULL DEFAULT true,
	created timestamptz NOT NULL DEFAULT now(),
	last_modified timestamptz NOT NULL DEFAULT now(),
	version bigint NOT NULL DEFAULT 1,
	doc jsonb NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
COMMENT ON TABLE users IS 'SCIM Users (RFC 7643 section 4.1, with the enterprise extension). A user disabled by the identity provider stays here with active = false; only a hard delete removes the row.';
COMMENT ON COLUMN users.tenant_id IS 'The tenant that provisioned the user.';
COMMENT ON COLUMN users.id IS 'The SCIM id, chosen by this service and returned to the client.';
COMMENT ON COLUMN users.user_name IS 'userName: the unique sign-in name. Unique per tenant ignoring case ("Bob" conflicts with "bob").';
COMMENT ON COLUMN users.external_id IS 'externalId: the identity provider''s own id for the user (Entra objectId). Case-sensitive, not unique.';
COMMENT ON COLUMN users.display_name IS 'displayName, copied from doc for filtering and sorting.';
COMMENT ON COLUMN users.active IS 'active: false when the identity provider disabled or unassigned the user (soft delete).';
COMMENT ON COLUMN users.created IS 'meta.created.';
COMMENT ON COLUMN users.last_modified IS 'meta.lastModified: changes only when the user''s data changes.';
COMMENT ON COLUMN users.version IS 'meta.version and the ETag: incremented on every change.';
COMMENT ON COLUMN users.doc IS 'The full SCIM document as returned by GET, without id, meta and groups (those come from the columns and the memberships table). Extension attributes sit under their schema URN key.';

CREATE UNIQUE INDEX users_user_name_key ON users (tenant_id, lower(user_name));
COMMENT ON INDEX users_user_name_key IS 'userName is unique per tenant, case-insensitively (RFC 7643 caseExact false); also serves userName eq lookups.';
CREATE INDEX users_user_name_prefix ON users (tenant_id, lower(user_name) text_pattern_ops);
COMMENT ON INDEX users_user_name_prefix IS 'Serves userName sw (prefix) searches.';
CREATE INDEX users_external_id ON users (tenant_id, external_id);
COMMENT ON INDEX users_external_id IS 'Serves externalId eq lookups (Entra''s other common matching attribute).';
CREATE INDEX users_display_name ON users (tenant_id, lower(display_name));
COMMENT ON INDEX users_display_name IS 'Serves displayName eq lookups.';
CREATE INDEX users_doc_lower ON users USING gin ((lower(doc::text)::jsonb) jsonb_path_ops);
COMMENT ON INDEX users_doc_lower IS 'Containment index on the lower-cased document: serves eq on multi-valued attributes, e.g. emails[type eq "work"].value eq "x".';

CREATE TABLE groups (
	tenant_id uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	display_name text NOT NULL,
	external_id text,
	created timestamptz NOT NULL DEFAULT now(),
	last_modified timestamptz NOT NULL DEFAULT now(),
	version bigint NOT NULL DEFAULT 1,
	doc jsonb NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
COMMENT ON TABLE groups IS 'SCIM Groups (RFC 7643 section 4.2). Members are rows of group_members, not part of doc.';
COMMENT ON COLUMN groups.tenant_id IS 'The tenant that provisioned the group.';
COMMENT ON COLUMN groups.id IS 'The SCIM id, chosen by this service.';
COMMENT ON COLUMN groups.display_name IS 'displayName: unique per tenant, ignoring case.';
COMMENT ON COLUMN groups.external_id IS 'externalId: the identity provider''s id for the group. Case-sensitive, not unique.';
COMMENT ON COLUMN groups.created IS 'meta.created.';
COMMENT ON COLUMN groups.last_modified IS 'meta.lastModified: also changes when members are added or removed.';
COMMENT ON COLUMN groups.version IS 'meta.version and the ETag: incremented on every change, memberships included.';
COMMENT ON COLUMN groups.doc IS 'The SCIM document without id, meta and members.';

CREATE UNIQUE INDEX groups_display_name_key ON groups (tenant_id, lower(display_name));
COMMENT ON INDEX groups_display_name_key IS 'displayName is unique per tenant, case-insensitively; also serves displayName eq lookups.';
CREATE INDEX groups_external_id ON groups (tenant_id, external_id);
COMMENT ON INDEX groups_external_id IS 'Serves externalId eq lookups.';

CREATE TABLE group_members (
	tenant_id uuid NOT NULL,
	group_id uuid NOT NULL,
	user_id uuid,
	member_group_id uuid,
	added timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (tenant_id, group_id) REFERENCES groups ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, user_id) REFERENCES users ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, member_group_id) REFERENCES groups ON DELETE CASCADE,
	CHECK (num_nonnulls(user_id, member_group_id) = 1),
	UNIQUE (tenant_id, group_id, user_id),
	UNIQUE (tenant_id, group_id, member_group_id)
);
COMMENT ON TABLE group_members IS 'Direct group memberships, one row per member. A member is a user (user_id) or a nested group (member_group_id), never both. Deleting a user or a group deletes its rows here.';
COMMENT ON COLUMN group_members.tenant_id IS 'The tenant of the group and of the member.';
COMMENT ON COLUMN group_members.group_id IS 'The group that has the member.';
COMMENT ON COLUMN group_members.user_id IS 'The member when it is a user (members[].type "User"), else NULL.';
COMMENT ON COLUMN group_members.member_group_id IS 'The member when it is a group (members[].type "Group"), else NULL.';
COMMENT ON COLUMN group_members.added IS 'When the membership was added.';

CREATE INDEX group_members_user ON group_members (tenant_id, user_id) WHERE user_id IS NOT NULL;
COMMENT ON INDEX group_members_user IS 'Finds the groups of a user (the User groups attribute).';
CREATE INDEX group_members_group ON group_members (tenant_id, member_group_id) WHERE member_group_id IS NOT NULL;
COMMENT ON INDEX group_members_group IS 'Finds the groups a group is nested in.';
