-- pgbench-patch.sql - what PostgreSQL itself does per second when each
-- transaction is a PATCH's, as the service runs it (src/store/
-- store_users.c): the user read FOR UPDATE, the UPDATE of its document
-- and columns, COMMIT. bench/throughput shows the PATCH workload's share
-- of it beside its share of the INSERT ceiling.
-- Run with -M prepared and -D tenant=UUID -D users=N (user N's id is
-- bench/lookups_load.py's user_id("b", N)).
\set n random(1, :users)
\set k random(1, 1000000000000)
BEGIN;
SELECT r.doc FROM bench_users r
 WHERE r.tenant_id = :tenant::uuid
   AND r.id = overlay(overlay(md5('b:' || :n) placing '4' from 13) placing 'a' from 17)::uuid
   FOR UPDATE;
UPDATE bench_users AS r
   SET doc = s.d, user_name = s.d->>'userName', external_id = s.d->>'externalId',
       display_name = s.d->>'displayName', active = coalesce((s.d->>'active')::boolean, true),
       version = r.version + 1, last_modified = date_trunc('milliseconds', now())
  FROM (SELECT jsonb_set(u.doc, '{displayName}', to_jsonb('pgbench ' || :k::text)) AS d
          FROM bench_users u
         WHERE u.tenant_id = :tenant::uuid
           AND u.id = overlay(overlay(md5('b:' || :n) placing '4' from 13) placing 'a' from 17)::uuid) s
 WHERE r.tenant_id = :tenant::uuid
   AND r.id = overlay(overlay(md5('b:' || :n) placing '4' from 13) placing 'a' from 17)::uuid
RETURNING r.id, r.version;
COMMIT;
