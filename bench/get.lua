-- wrk script: GET of the path in AGENTIC_BENCH_PATH with the key AGENTIC_BENCH_KEY.
wrk.method = "GET"
wrk.path = os.getenv("AGENTIC_BENCH_PATH")
wrk.headers["X-API-Key"] = os.getenv("AGENTIC_BENCH_KEY")
