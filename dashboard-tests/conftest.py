"""Fixtures for the dashboard's browser tests: one real `agentic serve` for the session (a throwaway
SQLite file), a fresh tenant per test, JSON API helpers, and a headless Chromium per test.

Tests import their helpers from support (this directory is put on sys.path here):

    from support import console_errors, screenshot
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import AgenticServer, Api, agentic_bin, artifacts_dir  # noqa: E402

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = os.environ.get("AGENTIC_CHROMIUM") or "/usr/bin/chromium"

CHROME_ARGUMENTS = [
    "--headless=new",
    # Chromium refuses to start as root with its sandbox on, and containers usually lack the user
    # namespaces it needs: it only ever loads our own pages from 127.0.0.1.
    "--no-sandbox",
    # /dev/shm is 64 MB in many containers, too little for the renderer; use /tmp instead.
    "--disable-dev-shm-usage",
    # A fixed size, so that layouts and screenshots are the same on every machine.
    "--window-size=1280,800",
    # One language, so that numbers ("1,000 tokens", "$0.0125") and times are written alike everywhere.
    "--lang=en-US",
]


def _version(binary: str) -> str:
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"({error})"
    return done.stdout.strip() or f"(exit {done.returncode})"


def pytest_report_header(config: pytest.Config) -> list[str]:
    # chromedriver drives only a browser of its own major version: both are shown to tell at once.
    return [
        f"agentic binary: {agentic_bin()}",
        f"browser: {CHROMIUM}: {_version(CHROMIUM)}",
        f"driver: {CHROMEDRIVER}: {_version(CHROMEDRIVER)}",
        f"screenshots: {artifacts_dir()}",
    ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Keeps each phase's report on the test item (item.report_call, ...), so that the driver fixture
    # can tell in its teardown whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgenticServer]:
    directory = tmp_path_factory.mktemp("server")
    instance = AgenticServer(
        f"sqlite://{directory / 'agentic.sqlite'}", "admin-" + secrets.token_hex(24), directory / "server.log"
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def base_url(server: AgenticServer) -> str:
    return server.base_url


@pytest.fixture(scope="session")
def api(server: AgenticServer) -> Api:
    """The API with the operator's key (admin of the default tenant). Tests that make data should use
    ``tenant.api`` instead, so that nothing of one test shows in another."""
    return Api(server.base_url, server.admin_key)


@dataclass
class Tenant:
    name: str
    key: str
    """An admin key of this tenant: what a test signs in to the dashboard with."""
    key_id: str
    api: Api
    """The API with :attr:`key`."""

    def make_key(self, scope: str) -> tuple[str, str]:
        """Another key in this tenant, of scope "read", "write" or "admin": (key, key_id)."""
        created = self.api.post("/api/v1/keys", {"name": f"{scope} key", "scope": scope})
        return created["key"], created["key_id"]


@pytest.fixture
def tenant(api: Api) -> Tenant:
    """A fresh tenant for this test, with an admin key of its own."""
    name = "t-" + secrets.token_hex(8)
    created = api.post("/api/v1/keys", {"name": f"test {name}", "scope": "admin", "tenant": name})
    return Tenant(name, created["key"], created["key_id"], api.with_key(created["key"]))


def _file_name(test_name: str) -> str:
    # Parametrized tests are named like test_x[a/b c]: keep the name, lose what a file name can't hold.
    return re.sub(r"[^\w.-]+", "_", test_name).strip("_")


@pytest.fixture
def driver(request: pytest.FixtureRequest) -> Iterator[webdriver.Chrome]:
    """Headless Chromium, new for each test (no cookies or storage left by another). The browser's
    console is recorded (``console_errors(driver)`` reads it); when the test fails, a screenshot
    ``<test name>-failed.png`` is saved to the artifacts directory."""
    for path in (CHROMEDRIVER, CHROMIUM):
        if not os.access(path, os.X_OK):
            pytest.fail(f"no {path} (scripts/system-tools chromium chromium-driver installs it)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROME_ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        # Bounded waits: a page that never finishes loading fails the test rather than hanging it.
        browser.set_page_load_timeout(30)
        browser.set_script_timeout(30)
        yield browser
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            path = artifacts_dir() / f"{_file_name(request.node.name)}-failed.png"
            try:
                browser.save_screenshot(str(path))
                print(f"screenshot of the failure: {path}")
            except WebDriverException as error:
                # A browser that crashed takes no pictures; the test's own failure is what matters.
                print(f"no screenshot of the failure: {error.msg}")
    finally:
        browser.quit()
