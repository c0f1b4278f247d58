"""The examples and the README's ten-line worker really run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from conftest import Tenant
from support import REPO, die_with_parent, tail, wait_until

EXAMPLES = REPO / "examples" / "python"
README = Path(__file__).resolve().parents[1] / "README.md"
MAIN_README = Path(__file__).resolve().parents[3] / "README.md"


def environment(tenant: Tenant) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(AGENTIC_URL=tenant.base_url, AGENTIC_API_KEY=tenant.key)
    return env


def python_blocks(text: str) -> List[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_planner_and_two_workers(tenant: Tenant, tmp_path: Path) -> None:
    env = environment(tenant)
    planned = subprocess.run(
        [sys.executable, str(EXAMPLES / "planner.py")], env=env, capture_output=True, text=True, timeout=60
    )
    assert planned.returncode == 0, planned.stderr
    plan_id = planned.stdout.strip()
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = [
        subprocess.Popen(
            [sys.executable, str(EXAMPLES / "worker.py"), plan_id, "--concurrency", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(log, "wb"),
            text=True,
            preexec_fn=die_with_parent,
        )
        for log in logs
    ]
    outputs = []
    try:
        for worker, log in zip(workers, logs):
            out, _ = worker.communicate(timeout=90)
            assert worker.returncode == 0, tail(log)
            outputs.append(out)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert all("plan completed" in out for out in outputs), outputs
    done = [int(re.search(r"completed (\d+) task", out).group(1)) for out in outputs]  # type: ignore[union-attr]
    assert sum(done) == 7
    client = tenant.client()
    tasks = {t["name"]: t for t in client.tasks.list(plan_id=plan_id)}
    assert tasks["publish"]["status"] == "completed" and tasks["publish"]["outputs"]["url"].endswith("/wiki/ants")
    assert "three facts about ant biology" in tasks["outline"]["outputs"]["text"]
    # The writers counted their words as usage: on their tasks, summed on the plan.
    written = [tasks[name]["usage"] for name in ("outline", "draft")]
    assert all(u["input_tokens"] > 0 and u["output_tokens"] > 0 and u["cost_usd"] > 0 for u in written)
    plan = client.plans.get(plan_id)
    assert plan["usage"]["input_tokens"] == sum(u["input_tokens"] for u in written)
    assert plan["usage"]["output_tokens"] == sum(u["output_tokens"] for u in written)
    assert all(f"usage {plan['usage']}" in out for out in outputs), outputs
    client.close()


def test_readme_ten_line_worker(tenant: Tenant, tmp_path: Path) -> None:
    text = README.read_text()
    worker_code, work_code = python_blocks(text.split("<!-- ten-line worker -->", 1)[1])[:2]
    assert len([line for line in worker_code.splitlines() if line.strip()]) <= 11
    # The repository's README shows the same worker: what runs here is what it shows.
    main = python_blocks(MAIN_README.read_text().split("<!-- ten-line worker -->", 1)[1])[:2]
    assert main == [worker_code, work_code]
    script = tmp_path / "ten_line_worker.py"
    script.write_text(worker_code)
    log = tmp_path / "ten.log"
    process = subprocess.Popen(
        [sys.executable, str(script)], env=environment(tenant), stderr=open(log, "wb"), preexec_fn=die_with_parent
    )
    client = tenant.client()
    try:
        namespace = {"client": client}
        exec(compile(work_code, "README.md", "exec"), namespace)
        plan_id = namespace["plan"]["plan_id"]  # type: ignore[index]
        wait_until(lambda: client.plans.get(plan_id)["status"] == "completed", 30, what="the README worker to finish")
        [task] = list(client.tasks.list(plan_id=plan_id))
        assert task["outputs"]["words"] == 5 and task["outputs"]["summary"].startswith("Ants are")
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0, tail(log)
    finally:
        if process.poll() is None:
            process.kill()
        client.close()
