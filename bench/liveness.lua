-- wrk script: GET /health/live, the trivial endpoint the generators' own ceilings are measured on.
wrk.method = "GET"
wrk.path = "/health/live"
