-- wrk script: POST /api/v1/tasks/claim as one worker agent (AGENTIC_BENCH_AGENT), key AGENTIC_BENCH_KEY.
wrk.method = "POST"
wrk.path = "/api/v1/tasks/claim"
wrk.headers["X-API-Key"] = os.getenv("AGENTIC_BENCH_KEY")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"agent_id":"' .. os.getenv("AGENTIC_BENCH_AGENT") .. '","lease_seconds":3600,"limit":1}'
