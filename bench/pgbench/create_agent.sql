-- POST /api/v1/agents: the statements the server sends (captured with log_statement = all; since
-- issue 13 a change and its event leave as one statement of data-modifying WITH steps).
-- JSON literals spell ':' as \x3a: pgbench would read :"name" as a variable.
\set a random(1, 2000000000)
\set b random(1, 2000000000)
BEGIN;
WITH w0 AS (INSERT INTO agents (agent_id, tenant, did, name, agent_type, status, configuration, metadata, resource_limits, version, created_at, updated_at)
VALUES (md5('new-' || :client_id::text || '-' || :a::text || '-' || :b::text)::uuid, 'bench', E'did\x3aagent\x3abench\x3a' || md5('new-' || :client_id::text || '-' || :a::text || '-' || :b::text), 'bench-agent', 'general', 'created', '{}', E'{"load_test"\x3a true}', '{}', 1, now(), now()))
INSERT INTO events (event_id, tenant, type, resource_id, data, actor, created_at)
SELECT (pg_current_xact_id()::text::bigint << 20) + 0 + u.ord, 'bench', u.type, NULLIF(u.rid, '')::uuid, u.data::json, '0144ee10-97c6-4d45-bbc4-1b7596e0f201', now()
FROM unnest(ARRAY['agent.created']::text[], ARRAY[md5('new-' || :client_id::text || '-' || :a::text || '-' || :b::text)]::text[], ARRAY[E'{"agent_id"\x3a"00000000-0000-0000-0000-000000000000","did"\x3a"did\x3aagent\x3abench\x3a00000000","name"\x3a"bench-agent","agent_type"\x3a"general","status"\x3a"created","configuration"\x3a{},"metadata"\x3a{"load_test"\x3atrue},"resource_limits"\x3a{},"version"\x3a1,"created_at"\x3a"2026-11-29T22\x3a43\x3a46.448441Z","updated_at"\x3a"2026-11-29T22\x3a43\x3a46.448441Z"}']::text[]) WITH ORDINALITY AS u(type, rid, data, ord);
COMMIT;
