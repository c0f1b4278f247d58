-- GET /api/v1/agents/{id}
\set n random(1, 10000)
SELECT agent_id, tenant, did, name, agent_type, status, configuration, metadata, resource_limits, version, created_at, updated_at
FROM agents WHERE agent_id = md5('seed-' || :n::text)::uuid AND tenant = 'bench';
