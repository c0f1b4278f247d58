"""Approvals in the dashboard (headless Chromium against a real server): a task that waits in
awaiting_approval shows its question and data, an approve key gets Approve and Reject (which asks for
a reason) and what it decides is what the API then says, a write key sees the question but no
buttons, the key that created a task is told why it may not decide (the server's 403), and the
overview lists what waits.

The server lets no key decide on a task it created or asked about, so the tasks here are made with
the tenant's admin key (tenant.api) and decided with another key the dashboard signs in with."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from support import console_errors, screenshot
from test_dashboard import claim, click, counts_shown, css, go, graph_nodes, make_plan, sign_in, text_of, texts, wait_for


def actions(driver: WebDriver) -> list[str]:
    return sorted(driver.execute_script("return [...document.querySelectorAll('#task-approval [data-action]')].map((b) => b.dataset.action)"))


def waiting_plan(api: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
    """A plan with a task that needs approval from the start ("deploy", and "announce" that depends on
    it), and one whose worker asked a question mid-task ("pay"): (plan, its tasks by ref, the task
    that asked, as the request-approval answered)."""
    plan = make_plan(api, [
        {"ref": "deploy", "name": "deploy", "task_type": "deploy", "requires_approval": True},
        {"ref": "announce", "name": "announce", "depends_on_refs": ["deploy"]},
        {"ref": "pay", "name": "pay the invoice", "task_type": "pay"},
    ], "approvals")
    by_ref = {task["ref"]: api.get(f"/api/v1/tasks/{task['task_id']}") for task in plan["tasks"]}
    assert by_ref["deploy"]["status"] == "awaiting_approval" and by_ref["deploy"]["requires_approval"] is True
    agent = api.post("/api/v1/agents", {"name": "payer"})
    claimed = api.post("/api/v1/tasks/claim", {"agent_id": agent["agent_id"], "task_types": ["pay"]})["data"]
    assert [task["task_id"] for task in claimed] == [by_ref["pay"]["task_id"]]
    asked = api.post(f"/api/v1/tasks/{claimed[0]['task_id']}/request-approval", {
        "agent_id": agent["agent_id"], "question": "Pay 1,200 EUR to ACME Ltd?", "data": {"invoice": "INV-7", "amount": 1200}})
    assert asked["status"] == "awaiting_approval"
    return plan, by_ref, asked


def test_an_approve_key_sees_the_question_and_approves_and_rejects(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    plan, tasks, asked = waiting_plan(api)
    deploy = tasks["deploy"]
    key, key_id = tenant.make_key("approve")

    # The overview lists what waits, with the question, and leads to the task.
    sign_in(driver, base_url, key)
    wait_for(driver, lambda d: text_of(d, "#awaiting-approval-count") == "2", "two tasks awaiting approval on the overview")
    assert "Pay 1,200 EUR to ACME Ltd?" in text_of(driver, "#awaiting-approval")
    assert sorted(texts(driver, "#awaiting-approval tbody td:first-child a")) == ["deploy", "pay the invoice"]
    wait_for(driver, lambda d: counts_shown(d, "tasks-by-status") == api.get("/api/v1/stats")["tasks"], "task counts as the API has them")
    assert counts_shown(driver, "tasks-by-status")["awaiting_approval"] == 2
    screenshot(driver, "approvals-overview")

    # The task that asked: its question, its data, who asked; Approve and Reject.
    click(driver, f"#awaiting-approval a[href='#/tasks/{asked['task_id']}']")
    wait_for(driver, lambda d: text_of(d, "#approval-question") == "Pay 1,200 EUR to ACME Ltd?", "the question")
    assert '"invoice": "INV-7"' in text_of(driver, "#approval-data") and '"amount": 1200' in text_of(driver, "#approval-data")
    assert text_of(driver, "#task-name .status") == "awaiting_approval"
    assert actions(driver) == ["approve-task", "reject-task"]
    assert not css(driver, "#approval-own"), "this key neither created the task nor asked"
    screenshot(driver, "approval-task")

    # Approve with a comment: the task is pending (claimable) and the page shows the decision.
    driver.find_element(By.ID, "approval-comment").send_keys("within budget")
    click(driver, "[data-action=approve-task]")
    wait_for(driver, lambda d: api.get(f"/api/v1/tasks/{asked['task_id']}")["status"] == "pending", "approved through the UI")
    approval = api.get(f"/api/v1/tasks/{asked['task_id']}")["approval"]
    assert approval["decision"] == "approved" and approval["comment"] == "within budget" and approval["decided_by"] == key_id
    wait_for(driver, lambda d: text_of(d, "#approval-decision") == "approved", "the decision on the page")
    assert text_of(driver, "#task-name .status") == "pending"
    assert "within budget" in text_of(driver, "#task-approval") and actions(driver) == [], "no buttons once decided"
    assert claim(api, api.post("/api/v1/agents", {"name": "next"})["agent_id"])["task_id"] == asked["task_id"]

    # Reject the other one: the page asks why; the task fails with that reason and its dependent is skipped.
    go(driver, f"tasks/{deploy['task_id']}")
    wait_for(driver, lambda d: actions(d) == ["approve-task", "reject-task"], "the buttons on the other task")
    assert "wait for a person's approval" in text_of(driver, "#approval-question")
    click(driver, "[data-action=reject-task]")
    prompt = driver.switch_to.alert
    prompt.send_keys("not during the freeze")
    prompt.accept()
    wait_for(driver, lambda d: api.get(f"/api/v1/tasks/{deploy['task_id']}")["status"] == "failed", "rejected through the UI")
    assert api.get(f"/api/v1/tasks/{deploy['task_id']}")["error"] == {"code": "rejected", "reason": "not during the freeze"}
    wait_for(driver, lambda d: text_of(d, "#approval-decision") == "rejected", "the rejection on the page")
    assert "not during the freeze" in text_of(driver, "#task-approval")
    assert api.get(f"/api/v1/tasks/{tasks['announce']['task_id']}")["status"] == "skipped"

    go(driver, "overview")
    wait_for(driver, lambda d: "No task awaits approval" in text_of(d, "#awaiting-approval"), "nothing waits any more")
    assert console_errors(driver) == []


def test_a_write_key_sees_the_question_but_cannot_decide(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    plan, tasks, asked = waiting_plan(api)
    deploy = tasks["deploy"]
    key, _ = tenant.make_key("write")
    sign_in(driver, base_url, key, f"tasks/{asked['task_id']}")
    wait_for(driver, lambda d: text_of(d, "#approval-question") == "Pay 1,200 EUR to ACME Ltd?", "the question")
    assert actions(driver) == [] and not css(driver, "#approval-comment")
    assert "approve or admin key" in text_of(driver, "#approval-needs")
    # Write keys keep their own buttons.
    wait_for(driver, lambda d: css(d, "[data-action=cancel-task]"), "cancel for a write key")

    # The tasks list, filtered by the link the overview offers.
    go(driver, "tasks?status=awaiting_approval")
    wait_for(driver, lambda d: sorted(texts(d, "#tasks-list tbody td:first-child a")) == ["deploy", "pay the invoice"],
             "the tasks awaiting approval")
    assert Select(driver.find_element(By.ID, "tasks-status")).first_selected_option.get_attribute("value") == "awaiting_approval"
    assert "Pay 1,200 EUR to ACME Ltd?" in text_of(driver, "#tasks-list")

    # The plan's graph and counts show the status in a colour of its own.
    go(driver, f"plans/{plan['plan_id']}")
    wait_for(driver, lambda d: len(graph_nodes(d)) == 3, "three nodes")
    assert graph_nodes(driver)[deploy["task_id"]]["status"] == "awaiting_approval"
    wait_for(driver, lambda d: counts_shown(d, "plan-counts").get("awaiting_approval") == 2, "two awaiting approval in the counts")
    announce = tasks["announce"]
    colours = driver.execute_script(
        "const fill = (id) => getComputedStyle(document.querySelector(`#plan-graph [data-task-id='${id}'] rect`)).fill;"
        "return [fill(arguments[0]), fill(arguments[1])]", deploy["task_id"], announce["task_id"])
    assert colours[0] != colours[1], f"awaiting_approval and {graph_nodes(driver)[announce['task_id']]['status']} look alike: {colours}"
    assert api.get(f"/api/v1/tasks/{deploy['task_id']}")["status"] == "awaiting_approval", "nothing was decided"
    assert console_errors(driver) == []


def test_the_key_that_created_a_task_is_told_it_cannot_approve_it(driver: WebDriver, base_url: str, tenant: Any) -> None:
    key, _ = tenant.make_key("approve")
    own = tenant.api.with_key(key)  # approve includes write: this key creates the task itself
    plan = make_plan(own, [{"ref": "x", "name": "my own", "requires_approval": True}], "own")
    task = own.get(f"/api/v1/tasks/{plan['tasks'][0]['task_id']}")
    assert task["status"] == "awaiting_approval" and task["created_by"] == own.get("/api/v1/whoami")["key_id"]

    sign_in(driver, base_url, key, f"tasks/{task['task_id']}")
    wait_for(driver, lambda d: actions(d) == ["approve-task", "reject-task"], "the buttons")
    assert "another person's key must decide" in text_of(driver, "#approval-own")
    click(driver, "[data-action=approve-task]")
    wait_for(driver, lambda d: "Not allowed" in text_of(d, "#approval-error"), "the server's refusal on the page")
    assert "cannot approve or reject a task it created" in text_of(driver, "#approval-error")
    assert "403" in text_of(driver, "#toast")
    assert tenant.api.get(f"/api/v1/tasks/{task['task_id']}")["status"] == "awaiting_approval"
    errors = console_errors(driver)
    assert len(errors) == 1 and "/approve" in errors[0] and "403" in errors[0], errors
