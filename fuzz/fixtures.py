"""Creates the resources the fuzzer's generated references point at, and writes their ids as
schemathesis dictionaries (fuzz/ids/*.dict, read through fuzz/schemathesis.toml).

A schema can say that `goal_id` is a UUID; it cannot say that the UUID names a goal of this tenant.
Without real ids every generated plan, task or goal that names another resource is (rightly)
refused with 422, and schemathesis reports those operations as mostly rejecting valid data.

    python3 fuzz/fixtures.py BASE_URL API_KEY OUT_DIR
"""

import json
import pathlib
import sys
import urllib.request
import uuid


def post(base: str, key: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1/{path}", data=json.dumps(body).encode(), method="POST",
        headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main() -> None:
    base, key, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    ids: dict[str, list[str]] = {name: [] for name in ("agents", "goals", "plans", "tasks", "spare_agents", "spare_goals", "spare_plans")}
    for n in range(4):
        ids["agents"].append(post(base, key, "agents", {"name": f"fuzz-fixture-{n}", "agent_type": "worker"})["agent_id"])
    # One goal and one plan: a generated task's plan_id and depends_on then always name the same plan.
    goal = post(base, key, "goals", {"goal_text": "fuzz fixture"})
    ids["goals"].append(goal["goal_id"])
    plan = post(base, key, "plans", {
        "goal_id": goal["goal_id"], "name": "fuzz fixture",
        # Many, so a generated depends_on of several items seldom names one twice.
        "tasks": [{"ref": f"t{n}", "task_type": "fixture"} for n in range(100)],
    })
    ids["plans"].append(plan["plan_id"])
    ids["tasks"].extend(task["task_id"] for task in plan["tasks"])
    # Spares for the DELETE operations to remove, so a deletion can succeed without taking away
    # what the other operations' references point at.
    for n in range(150):
        ids["spare_agents"].append(post(base, key, "agents", {"name": f"fuzz-spare-{n}"})["agent_id"])
        spare_goal = post(base, key, "goals", {"goal_text": f"fuzz spare {n}"})["goal_id"]
        ids["spare_goals"].append(spare_goal)
        ids["spare_plans"].append(post(base, key, "plans", {"goal_id": spare_goal, "name": f"fuzz spare {n}"})["plan_id"])
    # Fresh ids for the id a create request may choose (a new goal's goal_id): generated UUIDs
    # repeat often, and each repeat is (rightly) a 409.
    ids["fresh"] = [str(uuid.uuid4()) for _ in range(20_000)]
    out.mkdir(parents=True, exist_ok=True)
    for name, values in ids.items():
        (out / f"{name}.dict").write_text("".join(f'"{value}"\n' for value in values))


if __name__ == "__main__":
    main()
