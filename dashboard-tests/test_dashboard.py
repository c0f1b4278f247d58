"""The dashboard in a real browser (headless Chromium over WebDriver) against a real server, with
data made through the API: what the screens show must be what the API says, live, and a key may only
do what its scope allows — in the page and when a script forces the call."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait
from support import console_errors, screenshot

WAIT = 15  # seconds: every wait is bounded


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], Any], message: str) -> Any:
    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(condition, message)


def sign_in(driver: WebDriver, base_url: str, key: str, view: str = "overview") -> None:
    driver.get(f"{base_url}/ui")
    field = wait_for(driver, lambda d: d.find_element(By.ID, "key"), "the sign-in form")
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "identity").text, "signed in")
    assert not driver.find_element(By.ID, "sign-in").is_displayed(), "the sign-in form goes away"
    go(driver, view)


def go(driver: WebDriver, view: str) -> None:
    driver.execute_script("location.hash = arguments[0]", f"#/{view}")


def css(driver: WebDriver, selector: str) -> list[Any]:
    return driver.find_elements(By.CSS_SELECTOR, selector)


# Views redraw as events arrive, so reads that span several elements happen in one script (one
# consistent DOM) rather than element by element (which could meet a node just replaced).

def counts_shown(driver: WebDriver, container: str) -> dict[str, int]:
    return dict(driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll(`#${arguments[0]} [data-status][data-count]`)]"
        ".map((e) => [e.dataset.status, Number(e.dataset.count)]))", container))


def text_of(driver: WebDriver, selector: str) -> str:
    return str(driver.execute_script("return document.querySelector(arguments[0])?.textContent ?? ''", selector))


def texts(driver: WebDriver, selector: str) -> list[str]:
    return list(driver.execute_script("return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent)", selector))


def click(driver: WebDriver, selector: str) -> None:
    """Clicks the first match, once it exists — retried if a redraw replaces it under the click."""
    def clicked(d: WebDriver) -> bool:
        try:
            found = css(d, selector)
            if not found:
                return False
            found[0].click()
            return True
        except StaleElementReferenceException:
            return False
    wait_for(driver, clicked, f"a click on {selector}")


def graph_nodes(driver: WebDriver) -> dict[str, dict[str, Any]]:
    """Each drawn task: its status and where its box sits (from the node's translate)."""
    return dict(driver.execute_script(
        """return Object.fromEntries([...document.querySelectorAll("#plan-graph [data-task-id]")].map((n) => {
            const [x, y] = n.getAttribute("transform").match(/-?[0-9.]+/g).map(Number);
            return [n.dataset.taskId, {status: n.dataset.status, x, y}];
        }))"""))


def graph_edges(driver: WebDriver) -> list[tuple[str, str]]:
    return [tuple(e) for e in driver.execute_script(
        "return [...document.querySelectorAll('#plan-graph path.edge')].map((e) => [e.dataset.from, e.dataset.to])")]


def fields_in(driver: WebDriver, container: str) -> dict[str, str]:
    """A definition list's fields as shown: label → text."""
    return dict(driver.execute_script(
        "return [...document.querySelectorAll(`${arguments[0]} dl.fields > dt`)].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])",
        container))


def local_time(driver: WebDriver, value: str) -> str:
    """A timestamp as the page writes it (the browser's locale)."""
    return str(driver.execute_script("return new Date(arguments[0]).toLocaleString()", value))


def event_ids_shown(driver: WebDriver, container: str) -> list[int]:
    return [int(i) for i in driver.execute_script(
        "return [...document.querySelectorAll(`${arguments[0]} li[data-event-id]`)].map((li) => li.dataset.eventId)", container)]


def claim(api: Any, agent_id: str, plan_id: str | None = None) -> dict[str, Any]:
    body = {"agent_id": agent_id} | ({"plan_id": plan_id} if plan_id else {})
    claimed = api.post("/api/v1/tasks/claim", body)["data"]
    assert claimed, "a task was ready"
    return claimed[0]


def make_plan(api: Any, tasks: list[dict[str, Any]], name: str = "plan") -> dict[str, Any]:
    goal = api.post("/api/v1/goals", {"goal_text": f"goal of {name}"})
    return api.post("/api/v1/plans", {"goal_id": goal["goal_id"], "name": name, "tasks": tasks})


def fifty_tasks() -> list[dict[str, Any]]:
    """A diamond-heavy graph: a root, then layers that each depend on two of the layer before."""
    tasks = [{"ref": "t0", "name": "start", "task_type": "step"}]
    for i in range(1, 50):
        parents = sorted({f"t{max(0, i - 3)}", f"t{max(0, i - 5)}"})
        tasks.append({"ref": f"t{i}", "name": f"step {i}", "task_type": "step", "depends_on_refs": parents})
    return tasks


def test_sign_in_and_the_overview_counts_match_the_api(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    agents = [api.post("/api/v1/agents", {"name": f"agent {i}"}) for i in range(3)]
    api.patch(f"/api/v1/agents/{agents[0]['agent_id']}", {"status": "active"})
    api.patch(f"/api/v1/agents/{agents[1]['agent_id']}", {"status": "suspended"})
    make_plan(api, [{"ref": "a", "name": "a"}, {"ref": "b", "name": "b", "depends_on_refs": ["a"]}, {"ref": "c", "name": "c"}])
    claimed = claim(api, agents[0]["agent_id"])
    api.post(f"/api/v1/tasks/{claimed['task_id']}/complete", {"agent_id": agents[0]["agent_id"], "outputs": {"ok": True}})
    # A failed attempt that is retried: a failure in /stats' activity, but no failed task.
    retried = claim(api, agents[0]["agent_id"])
    api.post(f"/api/v1/tasks/{retried['task_id']}/fail", {"agent_id": agents[0]["agent_id"], "error": "flaky", "retryable": True})

    # A wrong key is refused with a message, and nothing is kept.
    driver.get(f"{base_url}/ui")
    wait_for(driver, lambda d: d.find_element(By.ID, "key"), "the sign-in form").send_keys("agk_" + "x" * 43)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    wait_for(driver, lambda d: "not valid" in d.find_element(By.ID, "sign-in-error").text, "a refusal")
    assert driver.execute_script("return sessionStorage.length") == 0
    # The browser logs the refused call itself; nothing else went wrong.
    refused = wait_for(driver, lambda d: console_errors(d), "the refused call in the console")
    assert len(refused) == 1 and "/api/v1/whoami" in refused[0] and "401" in refused[0], refused

    sign_in(driver, base_url, tenant.key)
    stats = api.get("/api/v1/stats")
    wait_for(driver, lambda d: counts_shown(d, "tasks-by-status") == stats["tasks"], "task counts as the API has them")
    assert counts_shown(driver, "agents-by-status") == stats["agents"]
    assert text_of(driver, "#ready-tasks") == str(stats["ready_tasks"])
    assert text_of(driver, "#claims-minute") == str(stats["last_minute"]["claims"])
    assert text_of(driver, "#completions-minute") == str(stats["last_minute"]["completions"])
    # The chart draws the API's last ten minutes, minute by minute.
    for name in ["claims", "completions", "failures"]:
        drawn = driver.execute_script("return document.querySelector(`#activity-chart [data-series=${arguments[0]}]`).dataset.values", name)
        assert drawn == ",".join(str(minute[name]) for minute in stats["minutes"]), name
    # The key lives in this tab's session storage only — never in the URL, never in local storage.
    assert tenant.key not in driver.current_url
    assert driver.execute_script("return localStorage.length") == 0
    assert driver.execute_script("return sessionStorage.getItem('agentic.key')") == tenant.key

    # Live: work done through the API shows without a reload.
    more = claim(api, agents[0]["agent_id"])
    api.post(f"/api/v1/tasks/{more['task_id']}/fail", {"agent_id": agents[0]["agent_id"], "error": "no", "retryable": False})
    wait_for(driver, lambda d: counts_shown(d, "tasks-by-status") == api.get("/api/v1/stats")["tasks"], "counts updated live")
    stats = api.get("/api/v1/stats")
    wait_for(driver, lambda d: text_of(d, "#failures-hour") == str(stats["last_hour"]["failures"]), "the last hour's failures")
    # /stats counts failed attempts (the retry included), not failed tasks, and the page says so.
    assert (stats["last_hour"]["failures"], stats["tasks"]["failed"]) == (2, 1)
    label = driver.find_element(By.ID, "failures-hour-label")
    assert label.text == "2 failed attempts"
    assert "retried" in label.get_attribute("title") and "failed tasks" in label.get_attribute("title")
    screenshot(driver, "overview")
    assert console_errors(driver) == [], "the console stays clean"


def test_a_task_created_through_the_api_appears_without_a_reload(driver: WebDriver, base_url: str, tenant: Any) -> None:
    plan = make_plan(tenant.api, [{"ref": "first", "name": "first"}], "growing")
    sign_in(driver, base_url, tenant.key, f"plans/{plan['plan_id']}")
    wait_for(driver, lambda d: len(css(d, "#plan-graph [data-task-id]")) == 1, "the plan's one task")
    driver.execute_script("window.notReloaded = true")

    created = tenant.api.post("/api/v1/tasks", {"plan_id": plan["plan_id"], "name": "second", "depends_on": [plan["tasks"][0]["task_id"]]})
    wait_for(driver, lambda d: css(d, f"#plan-graph [data-task-id='{created['task_id']}']"), "the new task in the graph")
    assert len(css(driver, "#plan-graph path.edge")) == 1
    assert driver.execute_script("return window.notReloaded") is True

    # The events tail shows it too, and the task's later events as they happen.
    go(driver, "events")
    wait_for(driver, lambda d: css(d, f"#event-tail li[data-type='task.created']"), "task.created in the tail")
    tenant.api.post("/api/v1/events", {"type": "x.note", "resource_id": created["task_id"], "data": {"said": "hello"}})
    wait_for(driver, lambda d: css(d, "#event-tail li[data-type='x.note']"), "a client event in the tail")
    # Paused, new events wait; resumed, they show.
    driver.find_element(By.ID, "events-pause").click()
    tenant.api.post("/api/v1/events", {"type": "x.later", "data": {}})
    wait_for(driver, lambda d: "1 new" in d.find_element(By.ID, "events-state").text, "held while paused")
    assert not css(driver, "#event-tail li[data-type='x.later']")
    driver.find_element(By.ID, "events-pause").click()
    wait_for(driver, lambda d: css(d, "#event-tail li[data-type='x.later']"), "shown once resumed")
    # Each event expands to its data; a type filter hides the others.
    item = css(driver, "#event-tail li[data-type='x.note']")[0]
    item.find_element(By.TAG_NAME, "summary").click()
    assert '"said": "hello"' in item.find_element(By.TAG_NAME, "pre").text
    driver.find_element(By.ID, "kind-task.").click()
    wait_for(driver, lambda d: not css(d, "#event-tail li[data-type^='task.']"), "task events filtered out")
    screenshot(driver, "events")
    assert console_errors(driver) == []


def test_a_plan_of_fifty_tasks_is_drawn_with_the_right_statuses_and_cancelled_from_the_ui(
    driver: WebDriver, base_url: str, tenant: Any
) -> None:
    api = tenant.api
    plan = make_plan(api, fifty_tasks(), "fifty")
    agent = api.post("/api/v1/agents", {"name": "worker"})
    # Work some of it: completed, a failure (its dependents are skipped), one running.
    # The root and two of its three children: whichever two, at least two tasks are then ready.
    for _ in range(3):
        task = claim(api, agent["agent_id"], plan["plan_id"])
        api.post(f"/api/v1/tasks/{task['task_id']}/complete", {"agent_id": agent["agent_id"], "outputs": {"n": 1}})
    # Two at once (which tasks are ready depends on claim order): one fails, one stays running.
    pair = api.post("/api/v1/tasks/claim", {"agent_id": agent["agent_id"], "plan_id": plan["plan_id"], "limit": 2})["data"]
    assert len(pair) == 2
    running, broken = pair
    api.post(f"/api/v1/tasks/{broken['task_id']}/fail", {"agent_id": agent["agent_id"], "error": "broke", "retryable": False})

    sign_in(driver, base_url, tenant.key, f"plans/{plan['plan_id']}")
    wait_for(driver, lambda d: len(graph_nodes(d)) == 50, "fifty nodes")
    truth = {t["task_id"]: t["status"] for t in api.get("/api/v1/tasks", {"plan_id": plan["plan_id"], "limit": 200})["data"]}
    nodes = graph_nodes(driver)
    assert {task_id: node["status"] for task_id, node in nodes.items()} == truth
    assert {"completed", "failed", "skipped", "running", "pending"} <= set(truth.values())
    edges = graph_edges(driver)
    assert len(edges) == sum(len(t.get("depends_on_refs", [])) for t in fifty_tasks())
    # Left to right: every edge runs from a node to one further right.
    for parent, child in edges:
        assert nodes[parent]["x"] < nodes[child]["x"]
    counts = counts_shown(driver, "plan-counts")
    assert {status: n for status, n in counts.items() if n} == {s: list(truth.values()).count(s) for s in set(truth.values())}

    # A task's detail: inputs, outputs, error, attempts, lease and its history, progress included.
    api.post(f"/api/v1/tasks/{running['task_id']}/progress", {"agent_id": agent["agent_id"], "message": "halfway", "percent": 50})
    click(driver, f"#plan-graph [data-task-id='{running['task_id']}']")
    wait_for(driver, lambda d: css(d, "#task-history li[data-type='task.progress']"), "progress in the task's history")
    panel = text_of(driver, "#task-panel")
    assert "Lease until" in panel and "Attempts" in panel and "1 of 3" in panel
    assert driver.execute_script("return [...document.querySelectorAll('#task-history li')].map((li) => li.dataset.type)") == [
        "task.progress", "task.claimed", "task.created"]
    screenshot(driver, "plan-graph")

    # Live: the running task completes through the API and its node turns green in place.
    api.post(f"/api/v1/tasks/{running['task_id']}/complete", {"agent_id": agent["agent_id"], "outputs": {}})
    wait_for(driver, lambda d: graph_nodes(d)[running["task_id"]]["status"] == "completed", "recoloured live")

    # Cancel the plan from the UI; the API reports it cancelled, its open tasks too.
    click(driver, "[data-action=cancel-plan]")
    driver.switch_to.alert.accept()
    wait_for(driver, lambda d: api.get(f"/api/v1/plans/{plan['plan_id']}")["status"] == "cancelled", "the plan cancelled")
    statuses = {t["status"] for t in api.get("/api/v1/tasks", {"plan_id": plan["plan_id"], "limit": 200})["data"]}
    assert statuses <= {"completed", "failed", "skipped", "cancelled"}
    wait_for(driver, lambda d: text_of(d, "#plan-status") == "cancelled", "the page says so")
    wait_for(driver, lambda d: not css(d, "#plan-graph [data-status=pending]"), "no pending node left")
    assert console_errors(driver) == []


def test_goals_lead_to_their_plans_and_agents_can_be_searched_and_suspended(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    for name in ["alpha-one", "alpha-two", "beta"]:
        api.post("/api/v1/agents", {"name": name})
    plan = make_plan(api, [{"ref": "x", "name": "x"}], "only plan")
    sign_in(driver, base_url, tenant.key, "agents")
    wait_for(driver, lambda d: len(texts(d, "#agent-list tbody a")) == 3, "three agents")
    screenshot(driver, "agents")
    driver.find_element(By.ID, "agent-search").send_keys("alpha")
    wait_for(driver, lambda d: sorted(texts(d, "#agent-list tbody a")) == ["alpha-one", "alpha-two"], "a name search")
    click(driver, "#agent-list tbody a")
    wait_for(driver, lambda d: css(d, "[data-action=suspend]"), "the agent's page")
    agent_id = driver.execute_script("return location.hash").split("/")[-1]
    click(driver, "[data-action=suspend]")
    wait_for(driver, lambda d: api.get(f"/api/v1/agents/{agent_id}")["status"] == "suspended", "suspended through the UI")
    wait_for(driver, lambda d: css(d, "[data-action=resume]"), "a resume button")
    wait_for(driver, lambda d: len(css(d, "#agent-status-changes tbody tr")) == 2, "created → suspended in its status changes")
    screenshot(driver, "agent")

    go(driver, "plans")
    wait_for(driver, lambda d: texts(d, "#plans-list tbody a") == ["only plan"], "the plans list")
    screenshot(driver, "plans")
    go(driver, "goals")
    wait_for(driver, lambda d: texts(d, "#goals-list tbody a") == ["goal of only plan"], "the goals list")
    screenshot(driver, "goals")
    click(driver, "#goals-list tbody a")
    click(driver, "#goal-plans tbody a")
    wait_for(driver, lambda d: d.execute_script("return location.hash") == f"#/plans/{plan['plan_id']}", "the plan's page")
    wait_for(driver, lambda d: len(css(d, "#plan-graph [data-task-id]")) == 1, "its graph")
    assert console_errors(driver) == []


def test_an_admin_creates_and_revokes_keys(driver: WebDriver, base_url: str, tenant: Any) -> None:
    victim, victim_id = tenant.make_key("read")
    sign_in(driver, base_url, tenant.key, "keys")
    wait_for(driver, lambda d: css(d, f"[data-action=revoke][data-key-id='{victim_id}']"), "the key's revoke button")

    driver.find_element(By.ID, "key-name").send_keys("made in the ui")
    driver.find_element(By.ID, "key-create").click()
    secret = wait_for(driver, lambda d: d.find_element(By.ID, "new-key-secret").text, "the new secret, shown once")
    made = tenant.api.with_key(secret).get("/api/v1/whoami")
    assert made["scope"] == "read" and made["tenant"] == tenant.name

    driver.find_element(By.CSS_SELECTOR, f"[data-action=revoke][data-key-id='{victim_id}']").click()
    driver.switch_to.alert.accept()
    wait_for(driver, lambda d: not css(d, f"[data-action=revoke][data-key-id='{victim_id}']"), "revoked")
    listed = {k["key_id"]: k for k in tenant.api.get("/api/v1/keys")["data"]}
    assert listed[victim_id]["revoked_at"] is not None
    assert httpx.get(f"{base_url}/api/v1/whoami", headers={"X-API-Key": victim}).status_code == 401
    screenshot(driver, "keys")
    assert console_errors(driver) == []


def test_a_read_key_sees_everything_and_can_change_nothing(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    agent = api.post("/api/v1/agents", {"name": "watched"})
    plan = make_plan(api, [{"ref": "a", "name": "a"}], "read only")
    key, _ = tenant.make_key("read")
    sign_in(driver, base_url, key, f"plans/{plan['plan_id']}")
    wait_for(driver, lambda d: len(css(d, "#plan-graph [data-task-id]")) == 1, "the graph")
    click(driver, "#plan-graph [data-task-id]")
    wait_for(driver, lambda d: css(d, "#task-history li"), "the task's history")
    for view in [f"plans/{plan['plan_id']}", f"goals/{plan['goal_id']}", f"agents/{agent['agent_id']}", f"tasks/{plan['tasks'][0]['task_id']}"]:
        go(driver, view)
        wait_for(driver, lambda d: css(d, "#view h1, #view h2"), view)
        assert css(driver, "[data-action]") == [], f"no write buttons on {view}"
    assert not driver.find_element(By.CSS_SELECTOR, "nav a[data-view=keys]").is_displayed()
    go(driver, "keys")
    wait_for(driver, lambda d: "Only an admin key" in d.find_element(By.ID, "view").text, "no key management")

    # Forced: the page's own key, used by a script for writes, is refused by the server.
    forced = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const key = sessionStorage.getItem("agentic.key");
        const call = (method, path, body) => fetch("/api/v1" + path, {method,
            headers: {"X-API-Key": key, "Content-Type": "application/json"}, body: body && JSON.stringify(body)})
            .then((r) => r.status);
        Promise.all([
            call("POST", "/agents", {name: "sneaky"}),
            call("PATCH", "/agents/" + arguments[0], {status: "terminated"}),
            call("POST", "/plans/" + arguments[1] + "/cancel", {}),
            call("POST", "/keys", {name: "escalate", scope: "admin"}),
            call("GET", "/keys"),
        ]).then(done);
        """,
        agent["agent_id"],
        plan["plan_id"],
    )
    assert forced == [403, 403, 403, 403, 403]
    assert api.get(f"/api/v1/agents/{agent['agent_id']}")["status"] == "created"
    assert api.get(f"/api/v1/plans/{plan['plan_id']}")["status"] != "cancelled"
    assert [a["name"] for a in api.get("/api/v1/agents")["data"]] == ["watched"]
    screenshot(driver, "read-key")


def test_security_headers_and_no_inline_script(base_url: str) -> None:
    page = httpx.get(f"{base_url}/ui")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and "http://" not in page.text and "https://" not in page.text
    # Unchanged files cost a 304; unknown ones are a problem+json 404.
    again = httpx.get(f"{base_url}/ui/app.js", headers={"If-None-Match": httpx.get(f"{base_url}/ui/app.js").headers["etag"]})
    assert again.status_code == 304
    missing = httpx.get(f"{base_url}/ui/../api/v1/keys")
    assert missing.status_code in (401, 404)
    assert httpx.get(f"{base_url}/ui/nothing.js").status_code == 404


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_readable_on_a_phone_in_either_colour_scheme(driver: WebDriver, base_url: str, tenant: Any, scheme: str) -> None:
    plan = make_plan(tenant.api, fifty_tasks(), "phone")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    sign_in(driver, base_url, tenant.key, f"plans/{plan['plan_id']}")
    wait_for(driver, lambda d: len(css(d, "#plan-graph [data-task-id]")) == 50, "the graph on a phone")
    # The page itself does not scroll sideways (the graph scrolls within its frame).
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    red, green, blue = [int(part) for part in background[background.index("(") + 1 : background.index(")")].split(",")[:3]]
    assert (red + green + blue < 200) == (scheme == "dark"), background
    screenshot(driver, f"phone-{scheme}")


def test_every_event_type_shows_in_the_tail(driver: WebDriver, base_url: str, tenant: Any) -> None:
    # Types outside the named prefixes (settings, rate and concurrency limits, and whatever comes
    # later) are "other": from the recent past and live.
    api = tenant.api
    api.request("PUT", "/api/v1/limits/concurrency/gpu", json={"max_running": 2})
    sign_in(driver, base_url, tenant.key, "events")
    wait_for(driver, lambda d: css(d, "#event-tail li[data-type='concurrency_limit.set']"), "an earlier limit event in the tail")
    api.request("PUT", "/api/v1/limits/rate/summarise", json={"per_second": 5, "burst": 5})
    api.patch("/api/v1/settings", {"default_retry_policy": {"initial_seconds": 2}})
    api.delete("/api/v1/limits/rate/summarise")
    api.post("/api/v1/events", {"type": "x.marker", "data": {}})
    others = ["concurrency_limit.set", "rate_limit.set", "settings.updated", "rate_limit.deleted"]
    wait_for(driver, lambda d: set(others + ["x.marker"]) <= set(d.execute_script(
        "return [...document.querySelectorAll('#event-tail li')].map((li) => li.dataset.type)")), "each of them, live")
    item = css(driver, "#event-tail li[data-type='rate_limit.set']")[0]
    item.find_element(By.TAG_NAME, "summary").click()
    assert '"per_second": 5' in item.find_element(By.TAG_NAME, "pre").text
    screenshot(driver, "events-other")

    # The "other" box hides exactly those; the named kinds stay.
    driver.find_element(By.ID, "kind-other").click()
    wait_for(driver, lambda d: not any(css(d, f"#event-tail li[data-type='{t}']") for t in others), "other types filtered out")
    assert css(driver, "#event-tail li[data-type='x.marker']")
    driver.find_element(By.ID, "kind-other").click()
    wait_for(driver, lambda d: all(css(d, f"#event-tail li[data-type='{t}']") for t in others), "shown again")
    assert console_errors(driver) == []


def test_a_plan_of_two_hundred_tasks_stays_readable(driver: WebDriver, base_url: str, tenant: Any) -> None:
    # Ten layers of twenty; each task waits for two of the layer before, some for one two back.
    tasks = []
    for layer in range(10):
        for i in range(20):
            parents = set()
            if layer:
                parents |= {f"{layer - 1}-{i}", f"{layer - 1}-{(i * 7 + 3) % 20}"}
            if layer >= 2 and i % 5 == 0:
                parents.add(f"{layer - 2}-{(i + 10) % 20}")
            name = f"layer {layer} step {i}" if i != 7 else f"summarise the findings of layer {layer} for review"
            tasks.append({"ref": f"{layer}-{i}", "name": name, "task_type": "step", "depends_on_refs": sorted(parents)})
    plan = make_plan(tenant.api, tasks, "two hundred")
    sign_in(driver, base_url, tenant.key, f"plans/{plan['plan_id']}")
    wait_for(driver, lambda d: len(graph_nodes(d)) == 200, "two hundred nodes")
    assert set(graph_nodes(driver)) == {t["task_id"] for t in plan["tasks"]}
    assert len(graph_edges(driver)) == sum(len(t["depends_on_refs"]) for t in tasks) == 392

    # Every box where it is drawn (screen pixels), each label's size and extent.
    drawn = driver.execute_script(
        """const svg = document.querySelector("#plan-graph svg");
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll("[data-task-id]")].map((node) => {
            const box = node.querySelector("rect").getBoundingClientRect();
            const text = node.querySelector("text");
            const label = text.getBoundingClientRect();
            return {id: node.dataset.taskId, box: [box.left, box.top, box.right, box.bottom],
                    label: [label.left, label.top, label.right, label.bottom],
                    font: parseFloat(getComputedStyle(text).fontSize) * scale};
        });""")
    for node in drawn:
        assert node["font"] >= 10, f"a label at {node['font']:.1f} px"
        left, top, right, bottom = node["box"]
        l_left, l_top, l_right, l_bottom = node["label"]
        assert left <= l_left and l_right <= right and top <= l_top and l_bottom <= bottom, f"a label outside its box: {node}"
    boxes = sorted((node["box"], node["id"]) for node in drawn)
    for i, (a, a_id) in enumerate(boxes):
        for b, b_id in boxes[i + 1:]:
            if b[0] >= a[2]:
                break  # sorted by left edge: nothing further can overlap a
            assert b[1] >= a[3] or a[1] >= b[3], f"boxes of {a_id} and {b_id} overlap"
    # The graph keeps its size and scrolls within its frame instead of shrinking to fit.
    assert driver.execute_script(
        "const g = document.getElementById('plan-graph'); return g.scrollWidth > g.clientWidth && g.scrollHeight > g.clientHeight")
    screenshot(driver, "plan-graph-200")
    assert console_errors(driver) == []


def test_a_task_history_longer_than_a_page_is_read_to_its_end(driver: WebDriver, base_url: str, tenant: Any) -> None:
    plan = make_plan(tenant.api, [{"ref": "a", "name": "much revised"}], "long history")
    task_id = plan["tasks"][0]["task_id"]
    # 1,050 revisions: more than one page (1,000) of GET /tasks/{id}/events.
    tenant.api.repeat("PATCH", f"/api/v1/tasks/{task_id}", [{"description": f"revision {i}"} for i in range(1, 1051)])
    truth = []
    after = 0
    while True:
        page = tenant.api.get(f"/api/v1/tasks/{task_id}/events", {"after": after, "limit": 1000})
        truth += [event["event_id"] for event in page["data"]]
        if len(page["data"]) < 1000:
            break
        after = page["next_after"]
    assert len(truth) == 1051

    sign_in(driver, base_url, tenant.key, f"tasks/{task_id}")
    wait_for(driver, lambda d: "History (1051)" in texts(d, "#view h3"), "the whole history")
    assert event_ids_shown(driver, "#task-history") == truth[::-1]
    assert fields_in(driver, "#view")["Description"] == "revision 1050"
    # Live, only what is new is read, and it joins the rest.
    tenant.api.patch(f"/api/v1/tasks/{task_id}", {"description": "one more"})
    wait_for(driver, lambda d: "History (1052)" in texts(d, "#view h3"), "the next event")
    shown = event_ids_shown(driver, "#task-history")
    assert shown[1:] == truth[::-1] and shown[0] > truth[-1]
    assert console_errors(driver) == []


def test_an_agent_page_shows_its_newest_events(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    agent = api.post("/api/v1/agents", {"name": "chatty"})
    path = f"/api/v1/agents/{agent['agent_id']}"
    api.patch(path, {"status": "active"})
    # More events than one page of GET /events (1,000), then the change that matters now.
    api.repeat("PATCH", path, [{"metadata": {"beat": i}} for i in range(1100)])
    api.patch(path, {"status": "suspended"})
    truth = []
    after = 0
    while True:
        page = api.get("/api/v1/events", {"resource_id": agent["agent_id"], "after": after, "limit": 1000})
        truth += [event["event_id"] for event in page["data"]]
        if len(page["data"]) < 1000:
            break
        after = page["next_after"]
    assert len(truth) == 1103

    sign_in(driver, base_url, tenant.key, f"agents/{agent['agent_id']}")
    wait_for(driver, lambda d: event_ids_shown(d, "#agent-events") == truth[::-1][:50], "the fifty newest events, newest first")
    # Status changes are read from its newest events: the suspension shows; the first metadata
    # change read (no status change) is not mistaken for one.
    changes = driver.execute_script(
        "return [...document.querySelectorAll('#agent-status-changes tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent))")
    assert [row[1:3] for row in changes] == [["active", "suspended"]], changes
    assert "last 200 events" in text_of(driver, "#agent-events-reach")
    # Live: a new event is read after the last one shown.
    api.patch(path, {"status": "active"})
    wait_for(driver, lambda d: len(css(d, "#agent-status-changes tbody tr")) == 2, "the resumption")
    assert event_ids_shown(driver, "#agent-events")[1:] == truth[::-1][:49]
    assert console_errors(driver) == []


def test_a_write_key_gets_the_write_buttons_but_no_keys(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    busy = api.post("/api/v1/agents", {"name": "busy one"})
    resting = api.post("/api/v1/agents", {"name": "resting one"})
    api.post("/api/v1/agents", {"name": "new one"})
    api.patch(f"/api/v1/agents/{busy['agent_id']}", {"status": "active"})
    api.patch(f"/api/v1/agents/{resting['agent_id']}", {"status": "suspended"})
    plan = make_plan(api, [{"ref": "a", "name": "a"}], "writable")
    key, _ = tenant.make_key("write")
    sign_in(driver, base_url, key, "agents")
    assert not driver.find_element(By.CSS_SELECTOR, "nav a[data-view=keys]").is_displayed()

    # The status filter.
    wait_for(driver, lambda d: len(texts(d, "#agent-list tbody a")) == 3, "three agents")
    Select(driver.find_element(By.ID, "agent-status")).select_by_value("suspended")
    wait_for(driver, lambda d: texts(d, "#agent-list tbody a") == ["resting one"], "only the suspended agent")
    click(driver, "#agent-list tbody a")
    wait_for(driver, lambda d: sorted(d.execute_script("return [...document.querySelectorAll('[data-action]')].map((b) => b.dataset.action)"))
             == ["resume", "terminate"], "resume and terminate for a suspended agent")

    go(driver, f"agents/{busy['agent_id']}")
    wait_for(driver, lambda d: sorted(d.execute_script("return [...document.querySelectorAll('[data-action]')].map((b) => b.dataset.action)"))
             == ["suspend", "terminate"], "suspend and terminate for an active agent")
    click(driver, "[data-action=terminate]")
    driver.switch_to.alert.accept()
    wait_for(driver, lambda d: api.get(f"/api/v1/agents/{busy['agent_id']}")["status"] == "terminated", "terminated through the UI")
    wait_for(driver, lambda d: not css(d, "[data-action]"), "nothing left to do for a terminated agent")
    go(driver, "agents")
    Select(wait_for(driver, lambda d: d.find_element(By.ID, "agent-status"), "the filter")).select_by_value("terminated")
    wait_for(driver, lambda d: texts(d, "#agent-list tbody a") == ["busy one"], "the terminated agent under its status")

    for view, action in [(f"goals/{plan['goal_id']}", "cancel-goal"), (f"plans/{plan['plan_id']}", "cancel-plan"),
                         (f"tasks/{plan['tasks'][0]['task_id']}", "cancel-task")]:
        go(driver, view)
        wait_for(driver, lambda d: css(d, f"[data-action={action}]"), f"{action} on {view}")
    go(driver, "keys")
    wait_for(driver, lambda d: "Only an admin key" in d.find_element(By.ID, "view").text, "no key management")
    assert console_errors(driver) == []


def test_goal_and_task_pages_show_limits_and_schedules(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    deadline = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    goal = api.post("/api/v1/goals", {"goal_text": "ship the report", "constraints": {
        "max_parallelism": 3, "deadline": deadline, "allowed_agent_types": ["writer", "editor"], "cost_limit_usd": 12.5}})
    plan = api.post("/api/v1/plans", {"goal_id": goal["goal_id"], "name": "report", "tasks": [
        {"ref": "draft", "name": "draft", "delay_seconds": 3600, "concurrency_key": "gpu",
         "retry_policy": {"initial_seconds": 2, "multiplier": 3, "max_seconds": 60, "jitter": False}},
        {"ref": "review", "name": "review", "depends_on_refs": ["draft"]}]})
    draft, review = (api.get(f"/api/v1/tasks/{t['task_id']}") for t in plan["tasks"])
    assert goal["expires_at"] and draft["not_before"]

    sign_in(driver, base_url, tenant.key, f"goals/{goal['goal_id']}")
    wait_for(driver, lambda d: fields_in(d, "#goal-constraints"), "the goal's constraints")
    assert fields_in(driver, "#goal-constraints") == {
        "Max parallelism": "3 tasks at once",
        "Deadline": f"{local_time(driver, deadline)} (in 2.0 h)",
        "Max execution time": "—", "Token budget": "—", "Cost limit": "$12.50", "Needs approval": "no",
        "Allowed agent types": "writer, editor", "Forbidden tools": "none",
    }
    assert fields_in(driver, "#goal-fields")["Expires"] == f"{local_time(driver, goal['expires_at'])} (in 2.0 h)"
    screenshot(driver, "goal")

    go(driver, f"tasks/{draft['task_id']}")
    wait_for(driver, lambda d: text_of(d, "#task-name").startswith("draft"), "the task's page")
    shown = fields_in(driver, "#view")
    assert shown["Retry policy"] == "2 s, ×3 after each retry, at most 60 s"
    assert shown["Not before"] == f"{local_time(driver, draft['not_before'])} (in 60 min)"
    assert shown["Concurrency key"] == "gpu"
    screenshot(driver, "task")
    go(driver, f"tasks/{review['task_id']}")
    wait_for(driver, lambda d: text_of(d, "#task-name").startswith("review"), "the other task's page")
    shown = fields_in(driver, "#view")
    assert (shown["Retry policy"], shown["Not before"], shown["Concurrency key"]) == (
        "none of its own (the tenant's default applies)", "—", "—")
    assert console_errors(driver) == []


def work_one(api: Any, agent_id: str, plan_id: str, usage: dict[str, Any]) -> dict[str, Any]:
    """Claims a task of the plan and completes it, reporting what it cost."""
    task = claim(api, agent_id, plan_id)
    api.post(f"/api/v1/tasks/{task['task_id']}/complete", {"agent_id": agent_id, "outputs": {}, "usage": usage})
    return task


def exhausted_shown(driver: WebDriver) -> list[str]:
    """Whose used-up budgets the page's banners name ("goal", "plan", "agent")."""
    return list(driver.execute_script("return [...document.querySelectorAll('#view .exhausted')].map((e) => e.dataset.exhausted)"))


def test_usage_against_budgets_and_a_used_up_budget_until_an_admin_raises_it(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    # Each attempt reports 60 + 30 tokens and a cent and a quarter. The goal's 250 tokens and the
    # agent's 270 are both reached by the third report (270 tokens); the plan's 1,000 and $2 are not.
    report = {"input_tokens": 60, "output_tokens": 30, "cost_usd": 0.0125}
    agent = api.post("/api/v1/agents", {"name": "metered worker", "resource_limits": {"max_tokens": 270, "max_concurrent_tasks": 2}})
    constraints = {"max_token_budget": 250, "cost_limit_usd": 5}
    goal = api.post("/api/v1/goals", {"goal_text": "summarise the corpus", "constraints": constraints})
    plan = api.post("/api/v1/plans", {"goal_id": goal["goal_id"], "name": "metered", "resource_budget": {"max_tokens": 1000, "max_cost_usd": 2},
                                      "tasks": [{"ref": f"part {i}", "name": f"part {i}", "schedule_to_start_seconds": 3600} for i in range(5)]})
    agent_id, plan_id, goal_id = agent["agent_id"], plan["plan_id"], goal["goal_id"]

    # Live on the plan's page: a report moves its usage.
    sign_in(driver, base_url, tenant.key, f"plans/{plan_id}")
    wait_for(driver, lambda d: fields_in(d, "#plan-usage").get("Tokens") == "0 / 1,000 tokens (0 in, 0 out)", "the plan's usage, none yet")
    assert driver.execute_script("return navigator.language") == "en-US", "numbers are written as in en-US (conftest's --lang)"
    done = [work_one(api, agent_id, plan_id, report)]
    wait_for(driver, lambda d: fields_in(d, "#plan-usage") == {
        "Tokens": "90 / 1,000 tokens (60 in, 30 out)", "Cost": "$0.0125 / $2.00"}, "the first report on the plan's page")

    # Live on the goal's page: its plan's reports, then its budget used up.
    go(driver, f"goals/{goal_id}")
    wait_for(driver, lambda d: fields_in(d, "#goal-usage").get("Tokens") == "90 / 250 tokens (60 in, 30 out)", "the goal's usage")
    driver.execute_script("window.notReloaded = true")
    done.append(work_one(api, agent_id, plan_id, report))
    wait_for(driver, lambda d: fields_in(d, "#goal-usage") == {
        "Tokens": "180 / 250 tokens (120 in, 60 out)", "Cost": "$0.025 / $5.00"}, "180 of 250 tokens")
    assert exhausted_shown(driver) == []
    done.append(work_one(api, agent_id, plan_id, report))
    wait_for(driver, lambda d: exhausted_shown(d) == ["goal"], "the goal's budget used up, live")
    assert "Budget used up — no new work is handed out" in text_of(driver, "#view .exhausted")
    assert fields_in(driver, "#goal-usage")["Tokens"] == "270 / 250 tokens (180 in, 90 out)"
    assert driver.execute_script("const m = document.querySelector('#goal-usage meter'); return [m.value, m.max]") == [250, 250]
    assert fields_in(driver, "#goal-constraints")["Token budget"] == "250 tokens"
    assert driver.execute_script("return window.notReloaded") is True
    screenshot(driver, "budget-goal")
    # What the banner says is so: no new work for the goal (nor for the agent, whose budget is used up too).
    assert api.get(f"/api/v1/goals/{goal_id}")["budget_exhausted"] and api.get(f"/api/v1/agents/{agent_id}")["budget_exhausted"]
    assert api.post("/api/v1/tasks/claim", {"agent_id": agent_id})["data"] == []

    # The lists: a badge on the goal and the agent; the plan's own budget is not used up.
    go(driver, "goals")
    wait_for(driver, lambda d: css(d, "#goals-list tbody tr [data-exhausted]"), "the goal's badge")
    assert texts(driver, "#goals-list .usage-summary") == ["270 tokens · $0.0375"]
    screenshot(driver, "budget-goals")
    go(driver, "plans")
    wait_for(driver, lambda d: texts(d, "#plans-list .usage-summary") == ["270 tokens · $0.0375"], "the plan's usage in the list")
    assert not css(driver, "#plans-list [data-exhausted]")
    go(driver, "agents")
    wait_for(driver, lambda d: css(d, "#agent-list tbody tr [data-exhausted]"), "the agent's badge")

    # The plan's page: its own budget has room, but its goal's is used up.
    go(driver, f"plans/{plan_id}")
    wait_for(driver, lambda d: exhausted_shown(d) == ["goal"], "the goal's banner on its plan's page")
    assert fields_in(driver, "#plan-usage") == {"Tokens": "270 / 1,000 tokens (180 in, 90 out)", "Cost": "$0.0375 / $2.00"}
    screenshot(driver, "budget-plan")

    # The agent's page: its own budget, used up, and its other limits.
    go(driver, f"agents/{agent_id}")
    wait_for(driver, lambda d: exhausted_shown(d) == ["agent"], "the agent's banner")
    assert "its claims get nothing" in text_of(driver, "#view .exhausted")
    assert fields_in(driver, "#agent-usage") == {
        "Tokens": "270 / 270 tokens (180 in, 90 out)", "Cost": "$0.0375", "Tasks at once": "at most 2"}
    screenshot(driver, "budget-agent")

    # A finished task: what its attempt cost, when it entered the queue, its bound on the wait.
    finished = api.get(f"/api/v1/tasks/{done[0]['task_id']}")
    go(driver, f"tasks/{finished['task_id']}")
    wait_for(driver, lambda d: text_of(d, "#task-name").startswith(finished["name"]), "a finished task's page")
    shown = fields_in(driver, "#view")
    assert (shown["Tokens"], shown["Cost"]) == ("90 tokens (60 in, 30 out)", "$0.0125")
    assert shown["Ready at"] == local_time(driver, finished["ready_at"])
    assert shown["Schedule to start"] == "a worker must claim it within 1 h of its becoming due"
    assert exhausted_shown(driver) == [], "a finished task needs no banner"
    # A waiting one: passed over while its goal's budget is used up, and when it would expire unclaimed.
    waiting = next(api.get(f"/api/v1/tasks/{t['task_id']}") for t in plan["tasks"] if t["task_id"] not in {d["task_id"] for d in done})
    go(driver, f"tasks/{waiting['task_id']}")
    wait_for(driver, lambda d: exhausted_shown(d) == ["goal"], "the goal's banner on a waiting task's page")
    shown = fields_in(driver, "#view")
    assert (shown["Tokens"], shown["Cost"]) == ("0 tokens (0 in, 0 out)", "$0.00")
    expires = datetime.fromisoformat(waiting["ready_at"].replace("Z", "+00:00")) + timedelta(hours=1)
    expected = f"a worker must claim it within 1 h of its becoming due: unclaimed, it expires at {local_time(driver, expires.isoformat())} (in "
    assert shown["Schedule to start"].startswith(expected), shown["Schedule to start"]
    screenshot(driver, "budget-task")

    # An admin raises the goal's budget (the whole constraints object, as a PATCH replaces it):
    # the waiting task's banner goes, live; the goal's and plan's pages show none.
    driver.execute_script("window.notReloaded = true")
    api.patch(f"/api/v1/goals/{goal_id}", {"constraints": constraints | {"max_token_budget": 1000}})
    wait_for(driver, lambda d: exhausted_shown(d) == [], "the banner gone from the task's page, live")
    assert driver.execute_script("return window.notReloaded") is True
    go(driver, f"goals/{goal_id}")
    wait_for(driver, lambda d: fields_in(d, "#goal-usage").get("Tokens") == "270 / 1,000 tokens (180 in, 90 out)", "the raised budget")
    assert exhausted_shown(driver) == []
    go(driver, f"plans/{plan_id}")
    wait_for(driver, lambda d: fields_in(d, "#plan-usage").get("Tokens"), "the plan's usage")
    assert exhausted_shown(driver) == []
    # The agent's budget is its own: still used up, so it still gets nothing, until that is raised too.
    assert api.post("/api/v1/tasks/claim", {"agent_id": agent_id})["data"] == []
    go(driver, f"agents/{agent_id}")
    wait_for(driver, lambda d: exhausted_shown(d) == ["agent"], "the agent's banner, still")
    driver.execute_script("window.notReloaded = true")
    api.patch(f"/api/v1/agents/{agent_id}", {"resource_limits": {"max_tokens": 1000, "max_concurrent_tasks": 2}})
    wait_for(driver, lambda d: exhausted_shown(d) == [], "the agent's banner gone, live")
    assert fields_in(driver, "#agent-usage")["Tokens"] == "270 / 1,000 tokens (180 in, 90 out)"
    assert driver.execute_script("return window.notReloaded") is True
    go(driver, "goals")
    wait_for(driver, lambda d: texts(d, "#goals-list tbody a") == ["summarise the corpus"], "the goals list")
    assert not css(driver, "#goals-list [data-exhausted]")
    # And work is handed out again.
    assert claim(api, agent_id, plan_id)["plan_id"] == plan_id
    assert console_errors(driver) == []
