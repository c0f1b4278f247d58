"""Test helpers: a real `agentic serve` process on 127.0.0.1 (the Python client tests' own
`AgenticServer`), a small JSON client of its API, screenshots and the browser's console."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Optional

import httpx

REPO = Path(__file__).resolve().parents[1]


# The server the tests run is started and stopped by the Python client's own test harness (one
# implementation of starting `agentic serve --port 0`, reading its port and waiting for readiness).
# Both test folders name their helpers `support`, so that one is loaded under a name of its own.
_spec = importlib.util.spec_from_file_location("agentic_server_harness", REPO / "clients" / "python" / "tests" / "support.py")
assert _spec is not None and _spec.loader is not None
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
AgenticServer = _harness.AgenticServer
agentic_bin = _harness.agentic_bin


def artifacts_dir() -> Path:
    """Where screenshots go (scripts/dashboard-test sets it; .build/ is ignored by git)."""
    path = Path(os.environ.get("AGENTIC_ARTIFACTS") or REPO / ".build" / "artifacts" / "dashboard")
    path.mkdir(parents=True, exist_ok=True)
    return path


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

    def repeat(self, method: str, path: str, bodies: list[Any]) -> list[Any]:
        """The same call once per body, one after another on one connection (for tests that need a
        resource with a long history): the answers, raising :class:`ApiError` at the first refusal."""
        answers = []
        with httpx.Client(base_url=self.base_url, headers={"X-API-Key": self.key}, timeout=self.timeout) as client:
            for body in bodies:
                response = client.request(method, path, json=body)
                if not response.is_success:
                    raise ApiError(method, path, response.status_code, response.text)
                answers.append(response.json() if response.content else None)
        return answers


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
