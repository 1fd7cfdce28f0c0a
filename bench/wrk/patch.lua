-- patch.lua - PATCH /Users/{id} of a random existing user, as Entra
-- updates an attribute: replace displayName with a value new each time
-- (PREFIX, thread, counter), so that every request changes the user.
-- Answer: 200 with the new displayName.
local c = require "common"
setup, done = c.setup, c.done

local ids
local count = 0

function init(args)
	c.init(args, c.answer_with(200, "displayName"))
	ids = c.lines("user-ids")
end

function request()
	count = count + 1
	local name = string.format("Renamed %s-%d-%d", c.prefix, c.thread, count)
	if c.checking then
		c.expect({ name })
	end
	return c.send("PATCH", "/Users/" .. ids[math.random(#ids)],
		'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
		.. '"Operations":[{"op":"replace","path":"displayName","value":"' .. name .. '"}]}')
end
