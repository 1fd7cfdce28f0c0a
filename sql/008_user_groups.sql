-- 008_user_groups.sql - a user's groups (the SCIM groups attribute) as one
-- function call in the query that reads the user.
--
-- The workers select each user's groups beside its document, so that a
-- lookup costs one query. Written out in that query, the recursive part
-- made the planner's work for every lookup several times the execution's;
-- in a PL/pgSQL function it is planned once per session, and the query that
-- calls it stays cheap to plan.

CREATE FUNCTION scim_user_groups(tenant uuid, member uuid) RETURNS json
	LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
	-- Most users looked up are in no group: one index probe tells.
	IF NOT EXISTS (SELECT 1 FROM group_members m
		       WHERE m.tenant_id = tenant AND m.user_id = member) THEN
		RETURN NULL;
	END IF;
	-- Direct groups, then the groups those are members of, and so on;
	-- UNION drops repeated rows, which also ends a cycle of nested groups.
	-- Groups are found by id (006_member_names.sql), their tenant checked.
	RETURN (SELECT json_agg(json_build_object('value', x.group_id, 'display', x.display_name,
						  'type', x.type) ORDER BY x.display_name, x.group_id)
		FROM (WITH RECURSIVE g(group_id, direct) AS (
			SELECT m.group_id, true FROM group_members m
			WHERE m.tenant_id = tenant AND m.user_id = member
		      UNION
			SELECT m.group_id, false FROM g JOIN group_members m
			ON m.tenant_id = tenant AND m.member_group_id = g.group_id)
		      SELECT g.group_id, gr.display_name,
			     CASE WHEN bool_or(g.direct) THEN 'direct' ELSE 'indirect' END AS type
		      FROM g JOIN groups gr ON gr.id = g.group_id
			   AND gr.tenant_id IS NOT DISTINCT FROM tenant
		      GROUP BY g.group_id, gr.display_name) x);
END
$$;
COMMENT ON FUNCTION scim_user_groups(uuid, uuid) IS 'The groups of a user, direct and through nested groups, as the SCIM groups attribute without $ref: a JSON array of {value, display, type} ordered by display name; NULL when none.';
