-- The minimal queue (issue 13's ceiling): a task table with the two partial indexes a queue needs
-- and an event table; every change writes its row and its event in one statement.
CREATE SCHEMA IF NOT EXISTS minimal;
DROP TABLE IF EXISTS minimal.tasks, minimal.events;
CREATE TABLE minimal.tasks (
    task_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id uuid NOT NULL,
    name text NOT NULL,
    status text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    inputs jsonb NOT NULL DEFAULT '{}',
    outputs jsonb,
    lease_expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_pending ON minimal.tasks (priority DESC, created_at) WHERE status = 'pending';
CREATE INDEX tasks_running ON minimal.tasks (updated_at) WHERE status = 'running';
CREATE TABLE minimal.events (
    event_id bigserial PRIMARY KEY,
    type text NOT NULL,
    resource_id uuid,
    data jsonb NOT NULL
);
