-- member.lua - Entra's membership changes: PATCH /Groups/{id} adding one
-- member, then PATCH removing it again, for a random user and group. Each
-- request() is the pair, pipelined on one connection, so that the remove
-- always follows its add (wrk counts two requests; a latency is the
-- pair's). Each thread takes the users of its own share in a random order,
-- so that no user is in two pairs in flight at once. Answers: 204 (or 200).
local c = require "common"
setup, done = c.setup, c.done

local users, groups = {}, nil
local next_user = 1

local function shuffle(t)
	for i = #t, 2, -1 do
		local j = math.random(i)
		t[i], t[j] = t[j], t[i]
	end
end

local function patch(group, operation)
	return c.send("PATCH", "/Groups/" .. group,
		'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' .. operation .. ']}')
end

function init(args)
	c.init(args, function(status, body, what)
		if status ~= 204 and status ~= 200 then
			return "not 204 for " .. what
		end
	end)
	groups = c.lines("group-ids")
	for i, id in ipairs(c.lines("member-ids")) do
		if i % c.threads == c.thread - 1 then
			table.insert(users, id)
		end
	end
	assert(#users > 0, "no users for this thread")
	shuffle(users)
end

function request()
	if next_user > #users then
		shuffle(users)
		next_user = 1
	end
	local user = users[next_user]
	next_user = next_user + 1
	local group = groups[math.random(#groups)]
	if c.checking then
		c.expect({ "add", "remove" })
	end
	return patch(group, '{"op":"add","path":"members","value":[{"value":"' .. user .. '"}]}')
		.. patch(group, '{"op":"remove","path":"members[value eq \\"' .. user .. '\\"]"}')
end
