-- wrk script: the benchmark mix of the system Agentic replaces, against /api/v1:
-- 25 % create agent, 15 % patch agent, 45 % get agent, 10 % create goal, 5 % health (ready).
-- Get, patch and create-goal use the 10,000 agents bench/run seeds (ids md5('seed-N'), the same
-- rows pgbench addresses) and, as they appear, the agents this thread created.
-- The key comes from the environment: AGENTIC_BENCH_KEY.

local key = os.getenv("AGENTIC_BENCH_KEY") or ""
local headers = { ["X-API-Key"] = key, ["Content-Type"] = "application/json" }
local statuses = { "active", "idle", "busy", "suspended" }
local seeded = {}
local created = {}
local counter = 0


function init(args)
  -- bench/run passes the file of seeded ids (one per line) as the script's argument.
  local file = args[1] and io.open(args[1], "r")
  if file then
    for line in file:lines() do if #line == 36 then seeded[#seeded + 1] = line end end
    file:close()
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

local function any_agent()
  if #created > 0 and (#seeded == 0 or math.random(2) == 1) then return created[math.random(#created)] end
  return seeded[math.random(#seeded)]
end

function request()
  local r = math.random(100)
  counter = counter + 1
  if r <= 25 or (#seeded == 0 and #created == 0) then
    return wrk.format("POST", "/api/v1/agents", headers, '{"name":"bench-' .. counter .. '","metadata":{"load_test":true}}')
  elseif r <= 40 then
    local body = '{"status":"' .. statuses[math.random(#statuses)] .. '","configuration":{"max_tokens":' .. math.random(100, 2000) .. '}}'
    return wrk.format("PATCH", "/api/v1/agents/" .. any_agent(), headers, body)
  elseif r <= 85 then
    return wrk.format("GET", "/api/v1/agents/" .. any_agent(), headers)
  elseif r <= 95 then
    return wrk.format("POST", "/api/v1/goals", headers, '{"goal_text":"Benchmark goal","agent_id":"' .. any_agent() .. '"}')
  else
    return wrk.format("GET", "/health/ready", headers)
  end
end

function response(status, hdrs, body)
  if status == 201 and body:sub(1, 12) == '{"agent_id":' and #created < 10000 then
    created[#created + 1] = body:sub(14, 49)
  end
end
