-- 007_token_changes.sql - tokens that expire, and a notification whenever a
-- token or its tenant changes in a way that affects who may use it.
--
-- Each worker keeps the tokens it has checked in memory, so that a request
-- costs no query for its token. A worker LISTENs on the channel
-- scim_tokens and forgets everything it has kept when a notification comes:
-- PostgreSQL sends it as the change commits, and the worker reads it before
-- it serves its next request. A change made with psql is notified as well as
-- one made by scimctl. Recording last use (every minute) is not a change.

ALTER TABLE tokens ADD COLUMN expires timestamptz;
COMMENT ON COLUMN tokens.expires IS 'When the token stops being accepted (scimctl token add --expires). NULL: it does not expire.';

CREATE FUNCTION tokens_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	-- One payload for all: a worker forgets every token it kept. Notifications
	-- of one transaction with the same payload are delivered once.
	PERFORM pg_notify('scim_tokens', '');
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION tokens_notify() IS 'Tells the workers (LISTEN scim_tokens) to forget the tokens they keep in memory.';

CREATE TRIGGER tokens_changed AFTER UPDATE ON tokens FOR EACH ROW
	WHEN ((OLD.tenant_id, OLD.token_hash, OLD.allowed_networks, OLD.revoked, OLD.expires)
	      IS DISTINCT FROM
	      (NEW.tenant_id, NEW.token_hash, NEW.allowed_networks, NEW.revoked, NEW.expires))
	EXECUTE FUNCTION tokens_notify();
COMMENT ON TRIGGER tokens_changed ON tokens IS 'A token revoked, restricted, expired or moved: the workers forget the tokens they keep.';
CREATE TRIGGER tokens_deleted AFTER DELETE OR TRUNCATE ON tokens FOR EACH STATEMENT
	EXECUTE FUNCTION tokens_notify();
COMMENT ON TRIGGER tokens_deleted ON tokens IS 'Tokens deleted (or their tenant): the workers forget the tokens they keep.';
CREATE TRIGGER tenants_renamed AFTER UPDATE OF name ON tenants FOR EACH STATEMENT
	EXECUTE FUNCTION tokens_notify();
COMMENT ON TRIGGER tenants_renamed ON tenants IS 'The workers keep the tenant''s name with its tokens, for their log lines.';
