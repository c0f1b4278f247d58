"""Test helpers: a real `agentic serve` process on 127.0.0.1, and a small JSON client of its API.

AgenticServer is a trimmed copy of the one in clients/python/tests/support.py (the dashboard tests
are a package of their own and do not import across): started on ``--port 0``, the port read from
its log, ready once ``/health/ready`` answers 200, stopped with SIGTERM (SIGKILL if need be).
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

import httpx

REPO = Path(__file__).resolve().parents[1]


def agentic_bin() -> str:
    return os.environ.get("AGENTIC_BIN") or str(REPO / ".build" / "debug" / "agentic")


def artifacts_dir() -> Path:
    """Where screenshots go (scripts/dashboard-test sets it; .build/ is ignored by git)."""
    path = Path(os.environ.get("AGENTIC_ARTIFACTS") or REPO / ".build" / "artifacts" / "dashboard")
    path.mkdir(parents=True, exist_ok=True)
    return path


try:
    _LIBC: Optional[ctypes.CDLL] = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover
    _LIBC = None


def die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, so no server outlives it."""
    if _LIBC is not None and sys.platform.startswith("linux"):
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_until(
    condition: Callable[[], object], timeout: float, interval: float = 0.05, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class AgenticServer:
    """One `agentic serve` process on 127.0.0.1, stopped (and killed if need be) by :meth:`stop`."""

    def __init__(self, database_url: str, admin_key: str, log_path: Path) -> None:
        self.database_url = database_url
        self.admin_key = admin_key
        self.log_path = log_path
        self.port = 0
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Starts the server on ``--port 0`` (scripts/test knows leftover test servers by that) and
        waits until it is ready; the port it got is read from its log."""
        binary = agentic_bin()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"no agentic binary at {binary} (set AGENTIC_BIN or build it)")
        # None of the caller's AGENTIC_* settings (a database URL, a port) may leak into the server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTIC_")}
        env["AGENTIC_ADMIN_KEY"] = self.admin_key
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [binary, "serve", "--port", "0", "--host", "127.0.0.1", "--database-url", self.database_url],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"agentic serve exited with {self.process.returncode}:\n{self.log_tail()}")
            if not self.port:
                found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", self.log_path.read_bytes())
                if found:
                    self.port = int(found.group(1))
            try:
                if self.port and httpx.get(self.base_url + "/health/ready", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop(signal.SIGKILL)
                raise RuntimeError(f"agentic serve not ready after {timeout} s:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class ApiError(AssertionError):
    """A non-2xx answer; the message carries the method, path, status and the body (the problem JSON).

    An AssertionError so that pytest shows it as a failed check, not as a crash of the harness."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status}: {body}")
        self.method = method
        self.path = path
        self.status = status
        self.body = body


class Api:
    """JSON calls to the server with one key: ``api.post("/api/v1/agents", {"name": "x"})``.

    Each call returns the parsed JSON answer (None for an empty one, like a 204) and raises
    :class:`ApiError` on anything but 2xx. One request per call, no retries: what the test asked for
    is exactly what the server saw."""

    def __init__(self, base_url: str, key: str, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.key = key
        self.timeout = timeout

    def with_key(self, key: str) -> "Api":
        """The same server, another key (a read-only one, say)."""
        return Api(self.base_url, key, self.timeout)

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: Optional[dict[str, Any]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> Any:
        response = httpx.request(
            method,
            self.base_url + path,
            json=json,
            params=params,
            headers={"X-API-Key": self.key, **(headers or {})},
            timeout=self.timeout,
        )
        if not response.is_success:
            raise ApiError(method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def get(self, path: str, params: Optional[dict[str, Any]] = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def patch(self, path: str, json: Any, headers: Optional[dict[str, str]] = None) -> Any:
        return self.request("PATCH", path, json=json, headers=headers)

    def delete(self, path: str, headers: Optional[dict[str, str]] = None) -> Any:
        return self.request("DELETE", path, headers=headers)


def screenshot(driver: Any, name: str) -> Path:
    """Saves what the browser shows as ``<artifacts>/<name>.png`` and returns the path."""
    path = artifacts_dir() / f"{name}.png"
    if not driver.save_screenshot(str(path)):
        raise AssertionError(f"the browser took no screenshot {path}")
    return path


def console_errors(driver: Any) -> list[str]:
    """The browser console's errors (level SEVERE) since the last call: uncaught exceptions, failed
    loads, console.error(). Reading them empties the browser's buffer. They arrive asynchronously,
    so read them once the page has settled. Mind that Chromium asks every site for /favicon.ico:
    a page that names no icon of its own gets a 404 for it logged here."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
