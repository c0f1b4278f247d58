"""Creates the resources the fuzzer's generated references point at, and writes their ids as
schemathesis dictionaries (fuzz/ids/*.dict, read through fuzz/schemathesis.toml).

A schema can say that `goal_id` is a UUID; it cannot say that the UUID names a goal of this tenant.
Without real ids every generated plan, task or goal that names another resource is (rightly)
refused with 422, every request to `/tasks/{id}/…` is a 404, and schemathesis reports those
operations as mostly rejecting valid data.

Two kinds of fixtures, so that what one operation changes never breaks what another refers to:
- *referenced* resources (`agents`, `goals`, `plans`, `tasks`: a new task's plan and dependencies)
  are only ever read or named by the fuzzer, never changed, cancelled or deleted;
- *spare* resources (`spare_*`, `work_tasks`, `schedules`, …) are what the operations that change,
  cancel or delete get to act on.

    python3 fuzz/fixtures.py BASE_URL API_KEY OUT_DIR
"""

import json
import pathlib
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any, Optional

# A not_before no run reaches: a task that waits for it is never ready, so a generated claim that names
# neither a plan nor task types (it may take any ready task of the tenant) cannot lease it.
NEVER = "2999-01-01T00:00:00Z"


def call(base: str, key: str, method: str, path: str, body: Optional[dict] = None) -> Any:
    request = urllib.request.Request(
        f"{base}/api/v1/{path}", data=None if body is None else json.dumps(body).encode(), method=method,
        headers={"X-API-Key": key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        raise SystemExit(f"fixtures: {method} {path} answered {error.code}: {error.read().decode(errors='replace')}") from None


def main() -> None:
    base, key, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    ids: dict[str, list[str]] = {}

    def post(path: str, body: dict) -> Any:
        return call(base, key, "POST", path, body)

    def add(name: str, value: str) -> None:
        ids.setdefault(name, []).append(value)

    for n in range(4):
        add("agents", post("agents", {"name": f"fuzz-fixture-{n}", "agent_type": "worker"})["agent_id"])
    # One goal and one plan: a generated task's plan_id and depends_on then always name the same plan.
    goal = post("goals", {"goal_text": "fuzz fixture"})
    add("goals", goal["goal_id"])
    plan = post("plans", {
        "goal_id": goal["goal_id"], "name": "fuzz fixture",
        # As many as one request may bring (500): schemathesis replaces each item of a generated
        # depends_on on its own, so the list repeats an id (a 422, though the schema says uniqueItems)
        # with odds of about n²/2·500 for n items, not n²/2·100.
        "tasks": [{"ref": f"t{n}", "task_type": "fixture", "not_before": NEVER} for n in range(500)],
    })
    add("plans", plan["plan_id"])
    for task in plan["tasks"]:
        add("tasks", task["task_id"])

    # Tasks for the operations on one task, in plans of their own: plain pending tasks to patch,
    # cancel and retry; others in their plan that a patch's depends_on names (were they the patched
    # ones too, a patch would make a task depend on itself or close a cycle, both rightly refused);
    # spares to delete; tasks leased for an hour by one agent (`holder`) to heartbeat, release,
    # complete, fail, report on and ask about; and tasks waiting for an approval, created with another
    # key, since the key that created a task may not decide on it. None but the leased ones is ever
    # due, so no claim takes them.
    holder = ids["agents"][0]
    add("holder", holder)
    work_goal = post("goals", {"goal_text": "fuzz work"})["goal_id"]
    work = post("plans", {
        "goal_id": work_goal, "name": "fuzz work",
        # 300 plain ones (150 to patch, cancel and retry, 50 their depends_on names, 100 spares) and
        # 200 to lease: 500, as many as one request may bring.
        "tasks": [{"ref": f"w{n}", "task_type": "work", "not_before": NEVER} for n in range(300)]
                 + [{"ref": f"l{n}", "task_type": "leased"} for n in range(200)],
    })
    for task in work["tasks"]:
        if task["ref"].startswith("w"):
            n = int(task["ref"][1:])
            add("work_tasks" if n < 150 else "work_deps" if n < 200 else "spare_tasks", task["task_id"])
    for _ in range(2):
        claimed = post("tasks/claim", {"agent_id": holder, "plan_id": work["plan_id"], "task_types": ["leased"], "limit": 100, "lease_seconds": 3600})
        for task in claimed["data"]:
            add("leased_tasks", task["task_id"])
    creator = post("keys", {"name": "fuzz-fixture-creator", "scope": "admin"})["key"]
    approvals = call(base, creator, "POST", "plans", {
        "goal_id": work_goal, "name": "fuzz approvals",
        "tasks": [{"ref": f"a{n}", "task_type": "approval", "requires_approval": True} for n in range(200)],
    })
    for task in approvals["tasks"]:
        add("awaiting_tasks", task["task_id"])
    # Claims (and claim_next) and bulk actions each act on a plan of their own: a generated claim
    # leased the tasks PATCH acts on, and a bulk cancel cancelled them all, after which every PATCH
    # of a task was (rightly) refused for the rest of the run. (Bulk actions also run only after
    # everything else, as scripts/fuzz says: a filter of only a status or an agent reaches every plan.)
    for name, refs in (("claim_plans", 400), ("bulk_plans", 300)):
        plan = post("plans", {"goal_id": work_goal, "name": f"fuzz {name}", "tasks": [{"ref": f"c{n}"} for n in range(refs)]})
        add(name, plan["plan_id"])

    # Spares for the operations that change, cancel or delete agents, goals and plans.
    for n in range(150):
        add("spare_agents", post("agents", {"name": f"fuzz-spare-{n}"})["agent_id"])
        spare_goal = post("goals", {"goal_text": f"fuzz spare {n}"})["goal_id"]
        add("spare_goals", spare_goal)
        add("spare_plans", post("plans", {"goal_id": spare_goal, "name": f"fuzz spare {n}"})["plan_id"])

    schedule = {
        "cron": "0 0 1 1 *", "time_zone": "UTC", "paused": True,
        "goal_template": {"goal_text": "fuzz scheduled"}, "plan_template": {"name": "fuzz", "tasks": [{"ref": "one", "name": "one"}]},
    }
    for n in range(80):
        add("schedules" if n < 20 else "spare_schedules", post("schedules", {**schedule, "name": f"fuzz-{n}"})["schedule_id"])

    # Webhooks only ever point at this machine's discard port; they listen for an event type nothing
    # sends, except the one whose deliveries the redeliver operation names.
    call(base, key, "PUT", "webhooks/allowed-hosts", {"hosts": ["127.0.0.1"]})
    for n in range(80):
        hook = post("webhooks", {"url": f"http://127.0.0.1:9/fuzz-{n}", "types": ["x.fuzz-never"]})
        add("webhooks" if n < 20 else "spare_webhooks", hook["webhook_id"])
    redeliver = post("webhooks", {"url": "http://127.0.0.1:9/fuzz-redeliver", "types": ["x.fuzz-ping"]})["webhook_id"]
    add("redeliver_webhook", redeliver)
    for n in range(5):
        post("events", {"type": "x.fuzz-ping", "data": {"n": n}})
    for delivery in call(base, key, "GET", f"webhooks/{redeliver}/deliveries")["data"]:
        add("deliveries", delivery["delivery_id"])

    for n in range(40):
        add("spare_keys", post("keys", {"name": f"fuzz-spare-{n}", "scope": "read"})["key_id"])
    for n in range(5):
        call(base, key, "PUT", f"limits/concurrency/fuzz-{n}", {"max_running": 3})
        add("concurrency_keys", f"fuzz-{n}")
        call(base, key, "PUT", f"limits/rate/fuzz-{n}", {"per_second": 5, "burst": 5})
        add("rate_types", f"fuzz-{n}")

    # Fresh ids for the id a create request may choose (a new goal's goal_id): generated UUIDs
    # repeat often, and each repeat is (rightly) a 409.
    ids["fresh"] = [str(uuid.uuid4()) for _ in range(20_000)]
    out.mkdir(parents=True, exist_ok=True)
    for name, values in ids.items():
        (out / f"{name}.dict").write_text("".join(f'"{value}"\n' for value in values))


if __name__ == "__main__":
    main()
