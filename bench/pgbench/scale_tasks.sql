-- Adds :plans plans of 1,000 pending, ready tasks each (tenant bench), numbered from :first.
-- Used by bench/scale to grow the tasks table to a million rows.
INSERT INTO plans (plan_id, tenant, goal_id, agent_id, name, status, resource_budget, metadata, started_at, completed_at, version, created_at, updated_at)
SELECT md5('plan-' || p)::uuid, 'bench', md5('goal-scale')::uuid, NULL, 'scale plan ' || p, 'draft', '{}', '{}', NULL, NULL, 1, now(), now()
FROM generate_series(:first, :first + :plans - 1) AS p;
INSERT INTO tasks (task_id, tenant, plan_id, agent_id, name, description, task_type, status, inputs, outputs, depends_on, unmet_dependencies,
                   priority, timeout_seconds, max_attempts, attempts, lease_expires_at, error, tool_name, started_at, completed_at, version,
                   created_at, updated_at)
SELECT md5('task-' || p || '-' || t)::uuid, 'bench', md5('plan-' || p)::uuid, NULL, 'task ' || t, 'scale test task', 'work', 'pending',
       '{"n": 1}', '{}', '{}', 0, (p + t) % 11, 300, 3, 0, NULL, NULL, NULL, NULL, NULL, 1,
       now() - make_interval(secs => (p * 1000 + t) / 1000.0), now()
FROM generate_series(:first, :first + :plans - 1) AS p, generate_series(1, 1000) AS t;
ANALYZE;
