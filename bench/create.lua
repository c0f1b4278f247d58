-- wrk script: only writes — POST /api/v1/agents, each appending one event. The key comes from the
-- environment: AGENTIC_BENCH_KEY.
local headers = { ["X-API-Key"] = os.getenv("AGENTIC_BENCH_KEY") or "", ["Content-Type"] = "application/json" }
local counter = 0

function request()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/agents", headers, '{"name":"write-' .. counter .. '"}')
end
