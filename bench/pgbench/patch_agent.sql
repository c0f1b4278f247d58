-- PATCH /api/v1/agents/{id}
\set n random(1, 10000)
BEGIN;
SELECT agent_id, tenant, did, name, agent_type, status, configuration, metadata, resource_limits, version, created_at, updated_at
FROM agents WHERE agent_id = md5('seed-' || :n::text)::uuid AND tenant = 'bench' FOR UPDATE;
WITH w0 AS (UPDATE agents SET did = did, name = name, agent_type = agent_type, status = 'active', configuration = E'{"max_tokens"\x3a 500}', metadata = metadata,
    resource_limits = resource_limits, version = version + 1, updated_at = now() WHERE agent_id = md5('seed-' || :n::text)::uuid)
INSERT INTO events (event_id, tenant, type, resource_id, data, actor, created_at)
SELECT (pg_current_xact_id()::text::bigint << 20) + 0 + u.ord, 'bench', u.type, NULLIF(u.rid, '')::uuid, u.data::json, '0144ee10-97c6-4d45-bbc4-1b7596e0f201', now()
FROM unnest(ARRAY['agent.updated']::text[], ARRAY[md5('seed-' || :n::text)]::text[], ARRAY[E'{"agent_id"\x3a"00000000-0000-0000-0000-000000000000","did"\x3a"did\x3aagent\x3abench\x3a00000000","name"\x3a"bench-agent","agent_type"\x3a"general","status"\x3a"active","configuration"\x3a{"max_tokens"\x3a500},"metadata"\x3a{},"resource_limits"\x3a{},"version"\x3a2,"created_at"\x3a"2026-11-29T22\x3a43\x3a46.448441Z","updated_at"\x3a"2026-11-29T22\x3a43\x3a46.791349Z"}']::text[]) WITH ORDINALITY AS u(type, rid, data, ord);
COMMIT;
