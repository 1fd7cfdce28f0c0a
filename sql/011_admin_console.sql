-- 011_admin_console.sql - the accounts of the admin console and their
-- sessions. (The console's own actions land in the provisioning log, with
-- the administrator's name: provisioning_log.admin, migration 010.)
--
-- An operator's account (tenant_id NULL) sees every tenant; a tenant's
-- account sees that tenant only. Passwords are stored as argon2id hashes
-- (libsodium's crypto_pwhash_str), session ids as SHA-256: neither can be
-- read back. scimctl admin add/password/list/remove manage the accounts.

CREATE TABLE admins (
	admin_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL UNIQUE,
	tenant_id uuid REFERENCES tenants ON DELETE CASCADE,
	password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
	created timestamptz NOT NULL DEFAULT now(),
	last_sign_in timestamptz
);
COMMENT ON TABLE admins IS 'Accounts of the admin console (scimctl admin add). Without any, the console answers 404.';
COMMENT ON COLUMN admins.admin_id IS 'Stable identifier of the account.';
COMMENT ON COLUMN admins.name IS 'The name the administrator signs in with.';
COMMENT ON COLUMN admins.tenant_id IS 'The one tenant this account administers; NULL for an operator, who sees every tenant and can add tenants.';
COMMENT ON COLUMN admins.password_hash IS 'argon2id hash of the password in the PHC string format (libsodium crypto_pwhash_str); the password cannot be recovered from it.';
COMMENT ON COLUMN admins.created IS 'When the account was added.';
COMMENT ON COLUMN admins.last_sign_in IS 'The last successful sign-in; NULL when never.';

CREATE TABLE admin_sessions (
	session_hash bytea PRIMARY KEY CHECK (length(session_hash) = 32),
	admin_id bigint NOT NULL REFERENCES admins ON DELETE CASCADE,
	created timestamptz NOT NULL DEFAULT now(),
	last_seen timestamptz NOT NULL DEFAULT now(),
	client_address text
);
COMMENT ON TABLE admin_sessions IS 'Signed-in console sessions. The session id lives only in the browser''s cookie; here its SHA-256. A session ends after 30 minutes idle or 12 hours in all, at sign-out, and with its account.';
COMMENT ON COLUMN admin_sessions.session_hash IS 'SHA-256 of the session id (256 random bits).';
COMMENT ON COLUMN admin_sessions.admin_id IS 'The account signed in.';
COMMENT ON COLUMN admin_sessions.created IS 'When the session began: it ends 12 hours later at most.';
COMMENT ON COLUMN admin_sessions.last_seen IS 'Its last request: it ends 30 minutes after.';
COMMENT ON COLUMN admin_sessions.client_address IS 'Where it signed in from.';

CREATE TABLE admin_sign_in_failures (
	client_address text NOT NULL,
	at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_sign_in_failures_address ON admin_sign_in_failures (client_address, at);
COMMENT ON TABLE admin_sign_in_failures IS 'Failed sign-ins by client address, the last 15 minutes of them: the console slows an address down after 5 and refuses it after 20.';
COMMENT ON COLUMN admin_sign_in_failures.client_address IS 'The address that failed to sign in.';
COMMENT ON COLUMN admin_sign_in_failures.at IS 'When.';
