"""Fixtures: a real `agentic serve` per store (SQLite always; PostgreSQL when
AGENTIC_TEST_POSTGRES_URL is set), and a fresh tenant — its own admin key — for every test."""

from __future__ import annotations

import os
import secrets
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import AgenticServer, FaultProxy, agentic_bin  # noqa: E402

from agentic_client import Client, RetryPolicy  # noqa: E402

POSTGRES_URL = os.environ.get("AGENTIC_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])

FAST_RETRY = RetryPolicy(max_attempts=4, backoff_initial=0.02, backoff_max=0.5, in_progress_wait=10.0)


def pytest_report_header(config: pytest.Config) -> str:
    stores = (
        "SQLite and PostgreSQL" if POSTGRES_URL else "SQLite only (set AGENTIC_TEST_POSTGRES_URL for PostgreSQL too)"
    )
    return f"agentic binary: {agentic_bin()}; stores: {stores}"


@dataclass
class Backend:
    name: str
    database_url: str
    """A database URL for another server of this store (SQLite: a new file each time it is asked)."""


@dataclass
class Tenant:
    server: AgenticServer
    backend: str
    name: str
    key: str
    key_id: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def client(self, **kwargs: object) -> Client:
        kwargs.setdefault("retry", FAST_RETRY)
        return Client(self.base_url, self.key, **kwargs)  # type: ignore[arg-type]


def _database_url(backend: str, directory: Path) -> str:
    if backend == "postgres":
        assert POSTGRES_URL
        return POSTGRES_URL
    return f"sqlite://{directory / ('agentic-' + uuid.uuid4().hex[:8] + '.sqlite')}"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgenticServer]:
    directory = tmp_path_factory.mktemp(f"server-{backend}")
    instance = AgenticServer(
        _database_url(backend, directory), "admin-" + secrets.token_hex(24), directory / "server.log"
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def admin(server: AgenticServer) -> Iterator[Client]:
    """An admin client of the default tenant (the operator's key)."""
    with Client(server.base_url, server.admin_key, retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
def tenant(server: AgenticServer, backend: str, admin: Client) -> Tenant:
    """A fresh tenant for this test, with an admin key of its own: nothing of another test shows."""
    name = "t" + uuid.uuid4().hex[:20]
    created = admin.keys.create(f"test {name}", "admin", tenant=name)
    return Tenant(server, backend, name, created["key"], created["key_id"])


@pytest.fixture
def client(tenant: Tenant) -> Iterator[Client]:
    with tenant.client() as c:
        yield c


@pytest.fixture
def new_server(backend: str, tmp_path: Path) -> Iterator[AgenticServer]:
    """A server of its own (for tests that stop it), on a new SQLite file or the shared PostgreSQL."""
    instance = AgenticServer(
        _database_url(backend, tmp_path), "admin-" + secrets.token_hex(24), tmp_path / "own-server.log"
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def proxy(server: AgenticServer) -> Iterator[FaultProxy]:
    instance = FaultProxy(server.port).start()
    try:
        yield instance
    finally:
        instance.stop()
