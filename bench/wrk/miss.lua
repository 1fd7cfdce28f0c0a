-- miss.lua - Entra's Test Connection: GET /Users?filter=userName eq "GUID"
-- with a random GUID that names no user; the answer is an empty list.
-- The requests are built in init, as lookup.lua's.
local c = require "common"
setup, done = c.setup, c.done

local requests = {}

function init(args)
	c.init(args, function(status, body)
		if status ~= 200 then
			return "not 200"
		elseif not c.has(body, '"totalResults":0,') then
			return "found something"
		end
	end)
	for i = 1, 10000 do
		local guid = string.format("%08x-%04x-4%03x-a%03x-%06x%06x", math.random(0, 0x7fffffff),
			math.random(0, 0xffff), math.random(0, 0xfff), math.random(0, 0xfff),
			math.random(0, 0xffffff), math.random(0, 0xffffff))
		requests[i] = c.get("/Users?filter=" .. c.encode('userName eq "' .. guid .. '"'))
	end
end

function request()
	return requests[math.random(#requests)]
end
