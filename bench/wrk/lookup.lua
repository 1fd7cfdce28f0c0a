-- lookup.lua - Entra's matching query before it creates or updates a user:
-- GET /Users?filter=userName eq "NAME" for a random existing user (one
-- request per user built in init: the client's cost stays small).
local c = require "common"
setup, done = c.setup, c.done

local names, requests

function init(args)
	local found = c.answer_with(200, "userName")
	c.init(args, function(status, body, name)
		return found(status, body, name)
			or (not c.has(body, '"totalResults":1,') and "not one result for " .. name or nil)
	end)
	names = c.lines("usernames")
	requests = {}
	for i, name in ipairs(names) do
		requests[i] = c.get("/Users?filter=" .. c.encode('userName eq "' .. name .. '"'))
	end
end

function request()
	local i = math.random(#requests)
	if c.checking then
		c.expect({ names[i] })
	end
	return requests[i]
end
