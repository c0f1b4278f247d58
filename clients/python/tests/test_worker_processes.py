"""Workers in real processes: two of them drain a 200-task graph (each task completed exactly once,
never held by two at a time, dependencies respected — checked on the event log); a worker killed
mid-task has its task finished by another once the lease runs out; SIGTERM drains cleanly."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from conftest import Tenant
from support import die_with_parent, tail, wait_until

from agentic_client import Client, Event

WORKER_MAIN = Path(__file__).resolve().parent / "worker_main.py"

HOLDING_ENDS = {
    "task.completed",
    "task.retried",
    "task.failed",
    "task.lease_expired",
    "task.released",
    "task.cancelled",
    "task.skipped",
}


class WorkerProcess:
    def __init__(self, tenant: Tenant, agent: str, plan: str, directory: Path, name: str, *args: str) -> None:
        self.record = directory / "record.jsonl"
        self.log = directory / f"{name}.log"
        self.out = directory / f"{name}.out"
        command = [
            sys.executable,
            str(WORKER_MAIN),
            "--url",
            tenant.base_url,
            "--key",
            tenant.key,
            "--agent",
            agent,
            "--plan",
            plan,
            "--record",
            str(self.record),
            *args,
        ]
        with open(self.log, "wb") as err, open(self.out, "wb") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent
            )

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired as expired:
            self.process.kill()
            self.process.wait(10)
            raise AssertionError(
                f"worker {self.process.pid} still running after {timeout} s:\n{tail(self.log)}"
            ) from expired

    def stats(self) -> Dict[str, Any]:
        return dict(json.loads(self.out.read_text().strip().splitlines()[-1]))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def records(path: Path) -> List[Dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def task_events(client: Client) -> List[Event]:
    return list(client.events.iter(types="task.", page_size=1000))


def check_exclusive(events: List[Event]) -> Dict[str, List[str]]:
    """Walks the event log: a task is never claimed while someone holds it. Returns each task's types."""
    holder: Dict[str, Optional[str]] = {}
    history: Dict[str, List[str]] = defaultdict(list)
    for event in events:
        task = event["resource_id"]
        assert task is not None
        history[task].append(event["type"])
        if event["type"] == "task.claimed":
            assert holder.get(task) is None, (
                f"task {task} claimed by {event['data']['agent_id']} while {holder[task]} held it"
            )
            holder[task] = event["data"]["agent_id"]
        elif event["type"] in HOLDING_ENDS:
            holder[task] = None
    return history


def test_two_processes_drain_a_200_task_graph(tenant: Tenant, tmp_path: Path) -> None:
    client = tenant.client()
    plan = client.plans.create(client.goals.create("big graph")["goal_id"])["plan_id"]
    rng = random.Random(15)
    ids: List[str] = []
    depends: Dict[str, List[str]] = {}
    for i in range(200):
        window = ids[-12:]
        deps = rng.sample(window, min(len(window), rng.choice([0, 1, 1, 2, 2, 3])))
        task = client.tasks.create(
            plan, name=f"t{i:03d}", task_type=rng.choice(["research", "write", "review"]), depends_on=deps
        )
        ids.append(task["task_id"])
        depends[task["task_id"]] = deps
    agents = [client.agents.create(f"process-{n}")["agent_id"] for n in range(2)]
    started = time.monotonic()
    workers = [
        WorkerProcess(
            tenant, agent, plan, tmp_path, f"worker-{n}", "--concurrency", "4", "--sleep", "0.01", "--until-plan-final"
        )
        for n, agent in enumerate(agents)
    ]
    try:
        for worker in workers:
            assert worker.wait(150) == 0, tail(worker.log)
    finally:
        for worker in workers:
            worker.stop()
    elapsed = time.monotonic() - started

    assert client.plans.get(plan)["status"] == "completed", client.plans.get(plan)["task_counts"]
    assert client.plans.get(plan)["task_counts"]["completed"] == 200
    events = task_events(client)
    history = check_exclusive(events)
    completed = [e for e in events if e["type"] == "task.completed"]
    assert sorted(e["resource_id"] or "" for e in completed) == sorted(ids)  # each exactly once
    claims = [e for e in events if e["type"] == "task.claimed"]
    assert {e["data"]["agent_id"] for e in claims} == set(agents)  # both processes took part
    assert all(history[t].count("task.claimed") == 1 for t in ids), "a task was claimed more than once"

    # Causality from the handlers' own clock: a dependent's handler starts only after each of its
    # dependencies' handlers ended (the server hands out a task once its dependencies completed).
    # Event ids cannot say it: on PostgreSQL they follow transaction ids, so a claim made inside a
    # transaction that began before a dependency's completion committed carries a smaller id.
    runs = records(workers[0].record)
    ended = {r["task"]: r["t"] for r in runs if r["kind"] == "end"}
    began = {r["task"]: r["t"] for r in runs if r["kind"] == "start"}
    for task, deps in depends.items():
        for dep in deps:
            assert ended[dep] <= began[task], "a task started before its dependency completed"

    starts = [r for r in runs if r["kind"] == "start"]
    assert sorted(r["task"] for r in starts) == sorted(ids)  # every handler ran once
    assert {r["pid"] for r in starts} == {w.process.pid for w in workers}
    stats = [w.stats() for w in workers]
    assert sum(s["completed"] for s in stats) == 200 and sum(s["dropped"] for s in stats) == 0
    print(f"\n200 tasks drained by 2 processes x 4 in {elapsed:.1f} s: {[s['completed'] for s in stats]}")
    client.close()


def test_killed_worker_task_finished_by_another_after_the_lease(tenant: Tenant, tmp_path: Path) -> None:
    client = tenant.client()
    plan = client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]
    victim_task = client.tasks.create(plan, name="victim")["task_id"]
    first, second = (client.agents.create(name)["agent_id"] for name in ("doomed", "rescuer"))
    doomed = WorkerProcess(
        tenant, first, plan, tmp_path, "doomed", "--concurrency", "1", "--lease", "2", "--sleep", "60"
    )
    try:
        wait_until(
            lambda: any(r["kind"] == "start" for r in records(doomed.record)), 20, what="the doomed worker to start"
        )
        time.sleep(1.0)  # it heartbeats meanwhile: the lease stays its own
        assert client.tasks.get(victim_task)["agent_id"] == first
        doomed.process.send_signal(signal.SIGKILL)
        doomed.process.wait(10)
        killed_at = time.monotonic()
        rescuer = WorkerProcess(
            tenant, second, plan, tmp_path, "rescuer", "--lease", "2", "--sleep", "0.01", "--until-plan-final"
        )
        try:
            assert rescuer.wait(30) == 0, tail(rescuer.log)
        finally:
            rescuer.stop()
    finally:
        doomed.stop()
    assert time.monotonic() - killed_at < 15
    task = client.tasks.get(victim_task)
    assert task["status"] == "completed" and task["agent_id"] == second and task["attempts"] == 2
    events = [e for e in task_events(client) if e["resource_id"] == victim_task]
    assert [e["type"] for e in events if e["type"] != "task.heartbeat"] == [
        "task.created",
        "task.claimed",
        "task.lease_expired",
        "task.claimed",
        "task.completed",
    ]
    assert [e["data"]["agent_id"] for e in events if e["type"] == "task.claimed"] == [first, second]
    assert any(e["type"] == "task.heartbeat" for e in events)
    check_exclusive(events)
    client.close()


def test_sigterm_finishes_what_it_holds_and_claims_no_more(tenant: Tenant, tmp_path: Path) -> None:
    client = tenant.client()
    plan = client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]
    for i in range(6):
        client.tasks.create(plan, name=f"t{i}")
    agent = client.agents.create("graceful")["agent_id"]
    worker = WorkerProcess(tenant, agent, plan, tmp_path, "graceful", "--concurrency", "2", "--sleep", "1.5")
    try:
        wait_until(
            lambda: len([r for r in records(worker.record) if r["kind"] == "start"]) == 2, 20, what="two tasks running"
        )
        worker.process.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0, tail(worker.log)
    finally:
        worker.stop()
    runs = records(worker.record)
    assert sorted(r["kind"] for r in runs) == ["end", "end", "start", "start"]
    counts = client.plans.get(plan)["task_counts"]
    assert counts["completed"] == 2 and counts["pending"] == 4 and counts["running"] == 0
    assert worker.stats()["completed"] == 2 and worker.stats()["released"] == 0
    claims = [e for e in task_events(client) if e["type"] == "task.claimed"]
    assert len(claims) == 2
    assert "SIGTERM" in worker.log.read_text()
    client.close()


def test_sigterm_after_the_drain_timeout_releases_tasks(tenant: Tenant, tmp_path: Path) -> None:
    """Released, not failed retryably: a task on its last attempt (max_attempts=1) is pending again
    with attempts 0 once the worker has stopped, so stopping never spends a task's retries."""
    client = tenant.client()
    plan = client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]
    task = client.tasks.create(plan, name="stuck", max_attempts=1)["task_id"]
    agent = client.agents.create("impatient")["agent_id"]
    worker = WorkerProcess(
        tenant, agent, plan, tmp_path, "impatient", "--concurrency", "1", "--sleep", "60", "--drain-timeout", "0.5"
    )
    try:
        wait_until(lambda: bool(records(worker.record)), 20, what="the task to start")
        worker.process.send_signal(signal.SIGTERM)
        assert worker.wait(15) == 0, tail(worker.log)
    finally:
        worker.stop()
    released = client.tasks.get(task)
    assert released["status"] == "pending" and released["attempts"] == 0 and released["error"] is None
    assert worker.stats()["released"] == 1 and worker.stats()["failed"] == 0
    history = [e["type"] for e in task_events(client) if e["resource_id"] == task and e["type"] != "task.heartbeat"]
    assert history == ["task.created", "task.claimed", "task.released"]
    assert [r["kind"] for r in records(worker.record)] == ["start", "cancelled"]
    client.close()
