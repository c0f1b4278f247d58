-- One task lifecycle on the minimal queue: (1) insert a task, (2) claim the oldest pending one,
-- (3) complete the oldest running one with outputs — three statements, three commits.
\set n random(1, 1000000)
WITH t AS (
    INSERT INTO minimal.tasks (plan_id, name, status, inputs)
    VALUES ('00000000-0000-4000-8000-000000000001', 'bench', 'pending', jsonb_build_object('n', (:n)::integer))
    RETURNING *)
INSERT INTO minimal.events (type, resource_id, data) SELECT 'task.created', t.task_id, to_jsonb(t) FROM t;
WITH c AS (
    SELECT task_id FROM minimal.tasks WHERE status = 'pending'
    ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED),
t AS (
    UPDATE minimal.tasks SET status = 'running', attempts = attempts + 1,
        lease_expires_at = now() + interval '60 seconds', updated_at = now()
    FROM c WHERE minimal.tasks.task_id = c.task_id RETURNING minimal.tasks.*)
INSERT INTO minimal.events (type, resource_id, data) SELECT 'task.claimed', t.task_id, to_jsonb(t) FROM t;
WITH c AS (
    SELECT task_id FROM minimal.tasks WHERE status = 'running'
    ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED),
t AS (
    UPDATE minimal.tasks SET status = 'completed', outputs = '{"result": "done", "tokens": 42}',
        lease_expires_at = NULL, updated_at = now()
    FROM c WHERE minimal.tasks.task_id = c.task_id RETURNING minimal.tasks.*)
INSERT INTO minimal.events (type, resource_id, data) SELECT 'task.completed', t.task_id, to_jsonb(t) FROM t;
