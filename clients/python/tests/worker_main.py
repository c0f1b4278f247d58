"""A worker process for the tests: `python worker_main.py --url ... --key ... --agent ...`.

Every handler call appends `start`/`end`/`cancelled` lines (JSON) to --record; the process prints its
stats as JSON on stdout when it ends."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from typing import Any, Dict

from agentic_client import Client, RetryPolicy, Worker, WorkerTask
from agentic_client.types import FINAL_PLAN_STATUSES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease", type=int, default=10)
    parser.add_argument("--sleep", type=float, default=0.01)
    parser.add_argument("--drain-timeout", type=float, default=30.0)
    parser.add_argument("--until-plan-final", action="store_true")
    args = parser.parse_args()

    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    client = Client(args.url, args.key, retry=RetryPolicy(max_attempts=10, backoff_initial=0.05, backoff_max=1.0))
    worker = Worker(
        client,
        agent_id=args.agent,
        concurrency=args.concurrency,
        lease_seconds=args.lease,
        plan_id=args.plan,
        poll_interval=2.0,
        drain_timeout=args.drain_timeout,
    )
    lock = threading.Lock()

    def record(kind: str, task: WorkerTask) -> None:
        line = json.dumps(
            {"kind": kind, "task": task.task_id, "pid": os.getpid(), "t": time.time(), "attempt": task.attempts}
        )
        with lock, open(args.record, "a") as out:
            out.write(line + "\n")

    @worker.task()
    def handle(task: WorkerTask) -> Dict[str, Any]:
        record("start", task)
        if task.wait_cancelled(args.sleep):
            record("cancelled", task)
            return {}
        record("end", task)
        return {"pid": os.getpid()}

    def plan_final() -> bool:
        return client.plans.get(args.plan)["status"] in FINAL_PLAN_STATUSES

    stats = worker.run(until=plan_final if args.until_plan_final else None)
    print(json.dumps(stats.__dict__), flush=True)


if __name__ == "__main__":
    main()
