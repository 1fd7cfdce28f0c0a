-- create.lua - POST /Users of a new user, as Entra creates one: core and
-- enterprise attributes, a unique userName from PREFIX (new for each wrk
-- run), the thread and a counter. Answer: 201 with the user.
local c = require "common"
setup, done = c.setup, c.done

local count = 0

function init(args)
	c.init(args, c.answer_with(201, "userName"))
end

function request()
	count = count + 1
	local tag = string.format("%s-%d-%d", c.prefix, c.thread, count)
	local name = "bench-" .. tag .. "@contoso.example.com"
	if c.checking then
		c.expect({ name })
	end
	return c.send("POST", "/Users", '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",'
		.. '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],'
		.. '"externalId":"' .. tag .. '","userName":"' .. name .. '","active":true,'
		.. '"displayName":"Bench User ' .. count .. '",'
		.. '"name":{"formatted":"Bench User ' .. count .. '","familyName":"User ' .. count .. '",'
		.. '"givenName":"Bench"},"title":"Engineer",'
		.. '"emails":[{"type":"work","value":"' .. name .. '","primary":true}],'
		.. '"phoneNumbers":[{"type":"work","value":"+1 555 ' .. string.format("%07d", count) .. '"}],'
		.. '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"'
		.. count .. '","costCenter":"CC-' .. count % 500 .. '","organization":"Contoso",'
		.. '"department":"Engineering"}}')
end
