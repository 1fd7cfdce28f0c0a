-- pgbench-insert.sql - bench/throughput's ceiling for writes: what
-- PostgreSQL itself does per second when each transaction inserts one user
-- into bench_users (users' columns and every index of users) as the
-- service's create does (src/store/store_users.c): the same statement
-- shape, the document the create workload stored, a unique userName.
-- Run with -M prepared and -D tenant=UUID -D prefix=TEXT -D doc=JSON.
\set n random(1, 1000000000000000000)
INSERT INTO bench_users AS r (tenant_id, user_name, external_id, display_name, active, doc,
                              created, last_modified)
SELECT :tenant::uuid, s.d->>'userName', s.d->>'externalId', s.d->>'displayName',
       coalesce((s.d->>'active')::boolean, true), s.d, s.t, s.t
  FROM (SELECT jsonb_set(:doc::jsonb, '{userName}',
                         to_jsonb('pgbench-' || :prefix::text || '-' || :client_id::text || '-'
                                  || :n::text || '@contoso.example.com')) AS d,
               date_trunc('milliseconds', now()) AS t) s
RETURNING r.id, r.version;
