-- 004_lookup_plans.sql - what keeps lookups on their indexes at a million
-- users in one tenant (bench/lookups measures it).

-- scim_fold() without STRICT: PostgreSQL inlines a SQL function only when
-- it is not STRICT or its body is strict too, and a CASE is not. Inlined,
-- the planner sees the expression itself, in the filters and in the index
-- definitions alike, and no longer calls the function (re-reading its body)
-- for each row. The body already gives NULL for NULL, so nothing else
-- changes: not its results, not the indexes built with it.
CREATE OR REPLACE FUNCTION scim_fold(text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT CASE WHEN octet_length($1) = char_length($1) THEN lower($1 COLLATE "C")
		ELSE pg_catalog.translate(lower($1 COLLATE "C"),
			U&'\00C0\00C1\00C2\00C3\00C4\00C5\00C6\00C7\00C8\00C9\00CA\00CB\00CC\00CD\00CE\00CF\00D0\00D1\00D2\00D3\00D4\00D5\00D6\00D8\00D9\00DA\00DB\00DC\00DD\00DE',
			U&'\00E0\00E1\00E2\00E3\00E4\00E5\00E6\00E7\00E8\00E9\00EA\00EB\00EC\00ED\00EE\00EF\00F0\00F1\00F2\00F3\00F4\00F5\00F6\00F8\00F9\00FA\00FB\00FC\00FD\00FE')
		END $$;

-- userName co: the trigram index of 002 covers every tenant, so a fragment
-- common in a large tenant made the planner prefer another plan. With the
-- tenant as the first column (btree_gin lets a GIN index hold it; trusted,
-- like pg_trgm) the index finds one tenant's matches only. Where either
-- extension is missing, the index of 002 stays, and this says so.
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
	CREATE EXTENSION IF NOT EXISTS btree_gin;
	-- Built before the old one is dropped: the build holds writes to users,
	-- the drop (briefly, at the end) reads too.
	CREATE INDEX users_user_name_trigram_new ON users
		USING gin (tenant_id, scim_fold(user_name) gin_trgm_ops);
	DROP INDEX IF EXISTS users_user_name_trigram;
	ALTER INDEX users_user_name_trigram_new RENAME TO users_user_name_trigram;
	COMMENT ON INDEX users_user_name_trigram IS 'Serves userName co (substring) searches within a tenant.';
EXCEPTION WHEN insufficient_privilege OR undefined_file OR undefined_object THEN
	RAISE WARNING 'btree_gin or pg_trgm is not available (%): userName co searches keep the index of 002', SQLERRM;
END
$$;
