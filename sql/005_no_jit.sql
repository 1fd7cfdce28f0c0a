-- 005_no_jit.sql - no just-in-time compilation of queries in this database.
--
-- The service's queries are short; PostgreSQL compiles a query to machine
-- code when its estimated cost passes jit_above_cost, which a filter on
-- the memberships of a large tenant does, and the compilation alone takes
-- a few hundred milliseconds, more than the query. A setting of the
-- database, so that it holds for every worker's session (also behind a
-- connection pooler, which may refuse startup options); it needs the
-- owner of the database, which the service's role usually is. Otherwise
-- this says so, and an administrator can run the statement.
DO $$
BEGIN
	EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
	RAISE WARNING 'could not turn off jit for this database (%): run ALTER DATABASE % SET jit = off as its owner',
		SQLERRM, quote_ident(current_database());
END
$$;
