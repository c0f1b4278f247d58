-- 10,000 agents the get/patch/goal statements (and wrk's first requests) address by md5('seed-N').
INSERT INTO agents (agent_id, tenant, did, name, agent_type, status, configuration, metadata, resource_limits, version, created_at, updated_at)
SELECT md5('seed-' || n)::uuid, 'bench', 'did:agent:seed:' || n, 'seed-' || n, 'general', 'created', '{}', '{}', '{}', 1, now(), now()
FROM generate_series(1, 10000) AS n;
