"""Drains a plan with a Worker: each handler does its part and hands its outputs to what follows.

    python worker.py PLAN_ID [--concurrency 4]

Run several at once (in other terminals, or other machines): each task is done exactly once. A worker
exits when the plan is finished, or on Ctrl-C / SIGTERM after finishing the tasks it holds.
Reads AGENTIC_URL and AGENTIC_API_KEY from the environment.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import time
from typing import Any, Dict, List

from agentic_client import Client, NonRetryable, Worker, WorkerTask
from agentic_client.types import FINAL_PLAN_STATUSES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan_id")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request

    client = Client()
    worker = Worker(
        client, agent_name=f"example-worker-{os.getpid()}", plan_id=args.plan_id, concurrency=args.concurrency
    )

    def outputs_of_dependencies(task: WorkerTask) -> List[Dict[str, Any]]:
        return [client.tasks.get(dep)["outputs"] for dep in task.data["depends_on"]]

    @worker.task("research")
    def research(task: WorkerTask) -> Dict[str, Any]:
        if task.wait_cancelled(random.uniform(0.2, 0.6)):  # "working"; stops early if the task is cancelled
            return {}
        return {"notes": f"three facts about {task.inputs['topic']}"}

    @worker.task("write")
    def write(task: WorkerTask) -> Dict[str, Any]:
        sources = outputs_of_dependencies(task)
        text = "; ".join(s.get("notes") or s.get("text", "") for s in sources)
        written = f"{task.inputs['part']}: {text}"
        # Where a model would write it: count what the call cost (here, a word a token). The worker
        # sends it with the completion; the task, plan, goal and agent each sum it as their usage.
        tokens_in, tokens_out = len(text.split()), len(written.split())
        task.add_usage(tokens_in, tokens_out, cost_usd=(tokens_in + tokens_out) * 0.000002)
        return {"text": written}

    @worker.task("review")
    async def review(task: WorkerTask) -> Dict[str, Any]:  # handlers may be async too
        await task.sleep(0.2)
        return {"approved": True}

    @worker.task("publish")
    def publish(task: WorkerTask) -> Dict[str, Any]:
        if not all(dep.get("approved") for dep in outputs_of_dependencies(task)):
            raise NonRetryable("the draft was not approved")
        return {"url": f"https://wiki.example/{task.inputs['channel']}/ants", "at": time.time()}

    stats = worker.run(until=lambda: client.plans.get(args.plan_id)["status"] in FINAL_PLAN_STATUSES)
    plan = client.plans.get(args.plan_id)
    counts, usage = plan["task_counts"], plan["usage"]
    print(f"plan {plan['status']}: {counts}, usage {usage}; this worker completed {stats.completed} task(s)")


if __name__ == "__main__":
    main()
