-- 002_filter_indexes.sql - the case folding of filters, and the indexes that
-- answer the lookups clients make on every provisioning cycle.
--
-- Filters compare the attributes that are not caseExact (RFC 7643 2.2) after
-- scim_fold(), not lower(), whose result depends on the database's locale
-- (all of Unicode under C.UTF-8, ASCII only under C). scim_fold() folds ASCII
-- and the Latin-1 capitals U+00C0..U+00DE but U+00D7, in every database,
-- exactly as the in-memory evaluator does (src/filter_eval.c), and keeps
-- byte length and code point order, so folded text compares bytewise
-- (COLLATE "C", text_pattern_ops) as the evaluator compares it. ASCII text,
-- most of it, takes the fast way: lower() under the C collation. A plain SQL
-- function, so the planner inlines it and matches the indexes.

CREATE FUNCTION scim_fold(text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT CASE WHEN octet_length($1) = char_length($1) THEN lower($1 COLLATE "C")
		ELSE pg_catalog.translate(lower($1 COLLATE "C"),
			U&'\00C0\00C1\00C2\00C3\00C4\00C5\00C6\00C7\00C8\00C9\00CA\00CB\00CC\00CD\00CE\00CF\00D0\00D1\00D2\00D3\00D4\00D5\00D6\00D8\00D9\00DA\00DB\00DC\00DD\00DE',
			U&'\00E0\00E1\00E2\00E3\00E4\00E5\00E6\00E7\00E8\00E9\00EA\00EB\00EC\00ED\00EE\00EF\00F0\00F1\00F2\00F3\00F4\00F5\00F6\00F8\00F9\00FA\00FB\00FC\00FD\00FE')
		END $$;
COMMENT ON FUNCTION scim_fold(text) IS 'Case folding of SCIM filters on attributes that are not caseExact: ASCII and Latin-1 capitals to small letters, independent of the locale; the same as the in-memory filter evaluator.';

-- The indexes of 001 on lower() no longer serve filters: these replace them.
-- Uniqueness folds case the same way, so that a lookup that finds no
-- "Ädam" never meets a create that conflicts with one (Entra would loop:
-- the lookup misses, the create conflicts). One index keeps userName unique
-- and serves eq and sw: text_pattern_ops equality is plain equality.
DROP INDEX users_user_name_key;
DROP INDEX users_user_name_prefix;
DROP INDEX users_display_name;
DROP INDEX users_doc_lower;
DROP INDEX groups_display_name_key;

CREATE UNIQUE INDEX users_user_name_key ON users (tenant_id, scim_fold(user_name) text_pattern_ops);
CREATE UNIQUE INDEX groups_display_name_key ON groups (tenant_id, scim_fold(display_name));
COMMENT ON INDEX users_user_name_key IS 'userName is unique per tenant ignoring case (scim_fold); serves userName eq lookups, and userName sw as a range of folded text.';
CREATE INDEX users_display_name_fold ON users (tenant_id, scim_fold(display_name));
COMMENT ON INDEX users_display_name_fold IS 'Serves displayName eq lookups.';
-- The document with ASCII folded, which is cheap to check again for each
-- row the index finds: it answers eq exactly when the value is ASCII (what
-- folds to ASCII is ASCII), and filter_sql.c uses it only then.
CREATE INDEX users_doc_fold ON users USING gin ((lower(doc::text COLLATE "C")::jsonb) jsonb_path_ops);
COMMENT ON INDEX users_doc_fold IS 'Containment index on the document with ASCII letters in lower case: serves eq with an ASCII value on the attributes that are not caseExact and have no column, e.g. emails[type eq "work"].value eq "x" and title eq "x".';

COMMENT ON INDEX groups_display_name_key IS 'displayName is unique per tenant ignoring case (scim_fold); serves displayName eq lookups.';

-- userName co "x" is answered from a trigram index when pg_trgm can be
-- installed: it is a trusted extension (PostgreSQL 13+), so the owner of the
-- database may create it without being a superuser, if the server has the
-- contrib files. Otherwise co scans the tenant's users, and this says so.
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
	CREATE INDEX users_user_name_trigram ON users USING gin (scim_fold(user_name) gin_trgm_ops);
	COMMENT ON INDEX users_user_name_trigram IS 'Serves userName co (substring) searches.';
EXCEPTION WHEN insufficient_privilege OR undefined_file OR undefined_object THEN
	RAISE WARNING 'pg_trgm is not available (%): userName co searches will not use an index', SQLERRM;
END
$$;
