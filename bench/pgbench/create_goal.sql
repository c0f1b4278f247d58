-- POST /api/v1/goals (with an agent_id)
\set n random(1, 10000)
\set a random(1, 2000000000)
\set b random(1, 2000000000)
BEGIN;
SELECT agent_id, tenant, did, name, agent_type, status, configuration, metadata, resource_limits, version, created_at, updated_at
FROM agents WHERE agent_id = md5('seed-' || :n::text)::uuid AND tenant = 'bench';
WITH w0 AS (INSERT INTO goals (goal_id, tenant, agent_id, agent_did, goal_text, goal_type, status, priority, constraints, success_criteria, parent_goal_id, metadata, completed_at, version, created_at, updated_at)
VALUES (md5('goal-' || :client_id::text || '-' || :a::text || '-' || :b::text)::uuid, 'bench', md5('seed-' || :n::text)::uuid, E'did\x3aagent\x3aseed\x3a' || :n::text, 'Benchmark goal', 'compound', 'pending', 5,
    E'{"deadline"\x3a null, "cost_limit_usd"\x3a null, "forbidden_tools"\x3a [], "max_parallelism"\x3a 10, "max_token_budget"\x3a null, "require_approval"\x3a false, "allowed_agent_types"\x3a [], "max_execution_time_sec"\x3a null}',
    '[]', NULL, '{}', NULL, 1, now(), now()))
INSERT INTO events (event_id, tenant, type, resource_id, data, actor, created_at)
SELECT (pg_current_xact_id()::text::bigint << 20) + 0 + u.ord, 'bench', u.type, NULLIF(u.rid, '')::uuid, u.data::json, '0144ee10-97c6-4d45-bbc4-1b7596e0f201', now()
FROM unnest(ARRAY['goal.created']::text[], ARRAY[md5('goal-' || :client_id::text || '-' || :a::text || '-' || :b::text)]::text[], ARRAY[E'{"goal_id"\x3a"00000000-0000-0000-0000-000000000000","agent_id"\x3a"00000000-0000-0000-0000-000000000000","agent_did"\x3a"did\x3aagent\x3aseed\x3a1","goal_text"\x3a"Benchmark goal","goal_type"\x3a"compound","status"\x3a"pending","priority"\x3a5,"constraints"\x3a{"max_parallelism"\x3a10,"require_approval"\x3afalse,"allowed_agent_types"\x3a[],"forbidden_tools"\x3a[]},"success_criteria"\x3a[],"parent_goal_id"\x3anull,"metadata"\x3a{},"completed_at"\x3anull,"version"\x3a1,"created_at"\x3a"2026-11-29T22\x3a43\x3a47.449695Z","updated_at"\x3a"2026-11-29T22\x3a43\x3a47.449695Z"}']::text[]) WITH ORDINALITY AS u(type, rid, data, ord);
COMMIT;
