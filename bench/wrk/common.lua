-- common.lua - what bench/throughput's wrk scripts share (LuaJIT, loaded
-- with require: bench/throughput_load.py puts bench/wrk/ on LUA_PATH).
--
-- Each script is run as
--   wrk ... -s bench/wrk/NAME.lua URL -- DATA_DIR PREFIX THREADS [check N]
-- DATA_DIR holds the files of existing users and groups that
-- bench/throughput_load.py wrote (one value a line); PREFIX differs from
-- one wrk run to the next (the names that create makes); THREADS is wrk's
-- -t. With "check N" (run it with -t1 -c1) the script checks each answer
-- and its thread stops after N (wrk itself still runs for its -d);
-- done() then prints "check: N answers, M wrong" and the first wrong one.
-- Without it no answer is read (wrk counts the statuses above 399).

local M = {}

-- The setup and done phases run in wrk's main Lua state: they number the
-- threads and, after a check, collect what each thread found.
local threads = {}

function M.setup(thread)
	table.insert(threads, thread)
	thread:set("thread_id", #threads)
end

function M.done()
	local answers, wrong, first = 0, 0, nil
	for _, thread in ipairs(threads) do
		if thread:get("checking") then
			answers = answers + thread:get("answers")
			wrong = wrong + thread:get("wrong")
			first = first or thread:get("first_wrong")
		end
	end
	if answers > 0 then
		io.write(string.format("check: %d answers, %d wrong\n", answers, wrong))
		if first then
			io.write("check: first wrong answer: " .. first .. "\n")
		end
	end
end

-- The lines of DATA_DIR/name.
function M.lines(name)
	local values = {}
	local f = assert(io.open(M.dir .. "/" .. name, "r"))
	for line in f:lines() do
		if line ~= "" then
			table.insert(values, line)
		end
	end
	f:close()
	assert(#values > 0, name .. " is empty")
	return values
end

-- Percent-encoding of one query parameter value.
function M.encode(text)
	return (text:gsub("[^%w%-%._~]", function(c)
		return string.format("%%%02X", c:byte())
	end))
end

-- The SCIM path under the URL's (/scim/v2).
function M.path(rest)
	return wrk.path:gsub("/$", "") .. rest
end

function M.get(rest)
	return wrk.format("GET", M.path(rest))
end

-- wrk.format takes either its own headers (-H) or the ones given: a body's
-- requests get both.
local json_headers

function M.send(method, rest, body)
	if not json_headers then
		json_headers = { ["Content-Type"] = "application/scim+json" }
		for name, value in pairs(wrk.headers) do
			json_headers[name] = value
		end
	end
	return wrk.format(method, M.path(rest), json_headers, body)
end

-- Checking: `expect` is what the last request() sent, one entry per HTTP
-- request in it (several when pipelined); verify(status, body, entry)
-- returns nil when the answer is right, otherwise what is wrong.
local expect, next_answer = {}, 1

function M.expect(entries)
	expect, next_answer = entries, 1
end

local function check_response(verify, limit)
	return function(status, headers, body)
		local entry = expect[next_answer]
		next_answer = next_answer + 1
		answers = answers + 1
		local problem = verify(status, body or "", entry)
		if problem then
			wrong = wrong + 1
			if not first_wrong then
				first_wrong = string.format("%s (status %d): %s", problem, status,
					(body or ""):sub(1, 300))
			end
		end
		if answers >= limit then
			wrk.thread:stop()
		end
	end
end

-- init(args) of a script: DATA_DIR, PREFIX, THREADS and "check N";
-- `verify` as above. Sets M.dir, M.prefix, M.threads, M.thread (this
-- thread's number, from 1) and M.checking.
function M.init(args, verify)
	M.dir, M.prefix, M.threads = args[1], args[2], tonumber(args[3])
	assert(M.dir and M.prefix and M.threads, "usage: -- DATA_DIR PREFIX THREADS [check N]")
	M.thread = thread_id
	math.randomseed(os.time() * 1000 + thread_id * 7919 + math.floor(os.clock() * 1e6))
	checking = args[4] == "check"
	M.checking = checking
	if checking then
		answers, wrong = 0, 0
		response = check_response(verify, tonumber(args[5]) or 50)
	end
end

-- Whether body contains text as it is (no pattern).
function M.has(body, text)
	return body:find(text, 1, true) ~= nil
end

-- A verify function for M.init: the answer has status `want` and a body
-- with the string member "key":"VALUE", VALUE the request's expectation.
function M.answer_with(want, key)
	return function(status, body, value)
		if status ~= want then
			return "not " .. want
		elseif not M.has(body, '"' .. key .. '":"' .. value .. '"') then
			return "no " .. key .. " " .. value
		end
	end
end

return M
