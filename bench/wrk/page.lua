-- page.lua - a page of 100 users from a random place in the list:
-- GET /Users?startIndex=R&count=100, R from 1 to the loaded users less 99.
local c = require "common"
setup, done = c.setup, c.done

local last

function init(args)
	c.init(args, function(status, body, start)
		if status ~= 200 then
			return "not 200"
		elseif not body:find('"startIndex":' .. start .. '[,}]') or not body:find('"itemsPerPage":100[,}]') then
			return "not the page at " .. start
		end
	end)
	last = math.max(1, #c.lines("user-ids") - 99)
end

function request()
	local start = math.random(last)
	if c.checking then
		c.expect({ start })
	end
	return c.get("/Users?startIndex=" .. start .. "&count=100")
end
