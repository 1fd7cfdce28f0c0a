-- 007_token_changes.sql - tokens that expire, and a counter of the changes
-- to tokens that affect who may use them.
--
-- Each worker keeps the tokens it has checked in memory, so that a request
-- costs no query for its token. Every change that matters (a token revoked,
-- restricted, expired, moved or deleted; a tenant renamed), made by scimctl
-- or with psql alike, adds one to token_epoch.version in the same
-- transaction. A worker compares it with the version it knows ahead of the
-- first statement of each request, in the same round trip; when tokens
-- changed the comparison fails (scim_tokens_changed_since()), and the worker
-- checks the token again before it runs anything. Recording last use (every minute) is not a
-- change.

ALTER TABLE tokens ADD COLUMN expires timestamptz;
COMMENT ON COLUMN tokens.expires IS 'When the token stops being accepted (scimctl token add --expires). NULL: it does not expire.';

CREATE TABLE token_epoch (
	version bigint NOT NULL,
	one boolean PRIMARY KEY DEFAULT true CHECK (one)
);
INSERT INTO token_epoch (version) VALUES (1);
COMMENT ON TABLE token_epoch IS 'One row: how many times tokens changed in a way that affects who may use them. Workers compare it with the version under which they keep tokens in memory.';
COMMENT ON COLUMN token_epoch.version IS 'Raised by the triggers of tokens and tenants; never lowered.';
COMMENT ON COLUMN token_epoch.one IS 'Keeps the table at one row.';

CREATE FUNCTION tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE token_epoch SET version = version + 1;
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION tokens_changed() IS 'Raises token_epoch.version: the workers check the tokens they keep again.';

CREATE TRIGGER tokens_changed AFTER UPDATE ON tokens FOR EACH ROW
	WHEN ((OLD.tenant_id, OLD.token_hash, OLD.allowed_networks, OLD.revoked, OLD.expires)
	      IS DISTINCT FROM
	      (NEW.tenant_id, NEW.token_hash, NEW.allowed_networks, NEW.revoked, NEW.expires))
	EXECUTE FUNCTION tokens_changed();
COMMENT ON TRIGGER tokens_changed ON tokens IS 'A token revoked, restricted, expired or moved.';
CREATE TRIGGER tokens_deleted AFTER DELETE OR TRUNCATE ON tokens FOR EACH STATEMENT
	EXECUTE FUNCTION tokens_changed();
COMMENT ON TRIGGER tokens_deleted ON tokens IS 'Tokens deleted (or their tenant).';
CREATE TRIGGER tenants_renamed AFTER UPDATE OF name ON tenants FOR EACH STATEMENT
	EXECUTE FUNCTION tokens_changed();
COMMENT ON TRIGGER tenants_renamed ON tenants IS 'The workers keep the tenant''s name with its tokens, for their log lines.';

CREATE FUNCTION scim_tokens_changed_since(version bigint) RETURNS boolean
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE EXCEPTION 'tokens changed since version %', version USING ERRCODE = 'SCTOK';
END;
$$;
COMMENT ON FUNCTION scim_tokens_changed_since(bigint) IS 'Fails with SQLSTATE SCTOK. A worker asks SELECT CASE WHEN version = $1 THEN true ELSE scim_tokens_changed_since($1) END FROM token_epoch ahead of a request answered with a token kept in memory.';
