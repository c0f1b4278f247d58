"""Plans a small piece of work for the workers: an agent, a goal, a plan and a graph of seven tasks.

    python planner.py            # prints the plan id on stdout (what it did goes to stderr)

Reads AGENTIC_URL (default http://127.0.0.1:8080) and AGENTIC_API_KEY from the environment.
"""

from __future__ import annotations

import sys
from typing import Dict, List

from agentic_client import Client


def main() -> None:
    with Client() as client:
        planner = client.agents.create("planner", agent_type="planner", status="active")
        goal = client.goals.create(
            "Write a short report on ants",
            agent_id=planner["agent_id"],
            priority=6,
            success_criteria=["covers biology, ecology and history", "reviewed before publishing"],
        )
        # The whole graph in one request: each task names itself with a ref and what it waits for
        # with depends_on_refs; the server creates all of it or nothing.
        tasks: List[Dict[str, object]] = []

        def task(name: str, task_type: str, depends_on: List[str], **inputs: object) -> None:
            tasks.append(
                {"ref": name, "name": name, "task_type": task_type, "inputs": dict(inputs), "depends_on_refs": depends_on}
            )

        task("research biology", "research", [], topic="ant biology")
        task("research ecology", "research", [], topic="ant ecology")
        task("research history", "research", [], topic="myrmecology")
        task("outline", "write", ["research biology", "research ecology", "research history"], part="outline")
        task("draft", "write", ["outline"], part="draft")
        task("review", "review", ["draft"])
        task("publish", "publish", ["review"], channel="wiki")
        plan = client.plans.create(goal["goal_id"], name="ant report", agent_id=planner["agent_id"], tasks=tasks)
        plan_id = plan["plan_id"]
        print(f"plan {plan_id} for goal {goal['goal_id']!r}:", file=sys.stderr)
        for item in tasks:
            waits = item["depends_on_refs"]
            after = f" after {', '.join(waits)}" if waits else ""  # type: ignore[arg-type]
            print(f"  task {item['ref']} ({item['task_type']}){after}", file=sys.stderr)
        print(plan_id)


if __name__ == "__main__":
    main()
