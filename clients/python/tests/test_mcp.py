"""The MCP server, through the reference MCP client (the `mcp` package) over both transports:
Streamable HTTP at /mcp of a live `agentic serve`, and stdio through `agentic mcp --url --api-key`.
Each lists the tools, runs a whole plan by tool calls, and sees a read key refused a write tool."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Dict

import httpx
import pytest
from conftest import Tenant
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from support import agentic_bin

TRANSPORTS = ["http", "stdio"]
WRITE_TOOLS = {
    "register_agent",
    "create_goal",
    "claim_task",
    "heartbeat_task",
    "report_progress",
    "complete_task",
    "fail_task",
    "request_approval",
}
READ_TOOLS = {"get_plan", "get_task", "wait_for_events"}


@asynccontextmanager
async def session(transport: str, base_url: str, key: str) -> AsyncIterator[ClientSession]:
    if transport == "http":
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(60.0)) as http:
            async with streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write, _):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    yield s
    else:
        params = StdioServerParameters(command=agentic_bin(), args=["mcp", "--url", base_url, "--api-key", key])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                yield s


async def call(s: ClientSession, tool: str, **arguments: Any) -> Dict[str, Any]:
    result = await s.call_tool(tool, arguments)
    assert not result.isError, f"{tool}: {result.content}"
    assert result.structuredContent is not None
    # The text content is the same JSON, for clients that read only text.
    assert json.loads(result.content[0].text) == result.structuredContent  # type: ignore[union-attr]
    return result.structuredContent


def run(scenario: Callable[[], Any]) -> Any:
    return asyncio.run(scenario())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_lists_tools_with_their_scopes(tenant: Tenant, transport: str) -> None:
    async def scenario() -> None:
        async with session(transport, tenant.base_url, tenant.key) as s:
            tools = {tool.name: tool for tool in (await s.list_tools()).tools}
            assert WRITE_TOOLS | READ_TOOLS <= set(tools)
            for name in WRITE_TOOLS:
                assert "Needs a `write` key." in (tools[name].description or "")
            for name in READ_TOOLS:
                assert "Needs a `read` key." in (tools[name].description or "")
            assert tools["claim_task"].inputSchema["required"] == ["agent_id"]
            templates = {t.uriTemplate for t in (await s.list_resource_templates()).resourceTemplates}
            assert templates == {f"agentic://{kind}/{{{kind[:-1]}_id}}" for kind in ("agents", "goals", "plans", "tasks")}

    run(scenario)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_runs_a_whole_plan_by_tool_calls(tenant: Tenant, transport: str) -> None:
    async def scenario() -> None:
        async with session(transport, tenant.base_url, tenant.key) as s:
            agent = (await call(s, "register_agent", name="mcp-worker"))["agent_id"]
            created = await call(
                s,
                "create_goal",
                goal_text="Write a report",
                plan={
                    "name": "draft",
                    "tasks": [
                        {"ref": "research", "description": "find sources"},
                        {"ref": "write", "description": "write it", "depends_on_refs": ["research"]},
                    ],
                },
            )
            plan = created["plan"]["plan_id"]
            assert created["goal"]["goal_id"] == created["plan"]["goal_id"]
            ids = {t["ref"]: t["task_id"] for t in created["plan"]["tasks"]}
            start = (await call(s, "wait_for_events", wait_seconds=0, types="task.completed"))["next_after"]

            for ref in ("research", "write"):
                [task] = (await call(s, "claim_task", agent_id=agent, plan_id=plan))["data"]
                assert task["task_id"] == ids[ref]  # `write` waits for `research`
                assert (await call(s, "claim_task", agent_id=agent, plan_id=plan))["data"] == []
                event = await call(s, "report_progress", task_id=task["task_id"], agent_id=agent, message="halfway", percent=50)
                assert event["type"] == "task.progress"
                done = await call(s, "complete_task", task_id=task["task_id"], agent_id=agent, outputs={"ref": ref})
                assert done["status"] == "completed" and done["outputs"] == {"ref": ref}
                waited = await call(s, "wait_for_events", after=start, types="task.completed", wait_seconds=5)
                assert waited["data"][0]["resource_id"] == task["task_id"]
                start = waited["next_after"]

            finished = await call(s, "get_plan", plan_id=plan)
            assert finished["status"] == "completed"
            assert sorted(t["status"] for t in finished["tasks"]) == ["completed", "completed"]
            # The same plan as a resource.
            read = await s.read_resource(f"agentic://plans/{plan}")  # type: ignore[arg-type]
            assert json.loads(read.contents[0].text)["status"] == "completed"  # type: ignore[union-attr]

            # A domain refusal is a tool error the agent can read, with the problem's code.
            refused = await s.call_tool("complete_task", {"task_id": ids["write"], "agent_id": agent, "outputs": {}})
            assert refused.isError and refused.structuredContent is not None
            assert refused.structuredContent["status"] == 409

    run(scenario)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_read_key_is_refused_write_tools(tenant: Tenant, transport: str) -> None:
    with tenant.client() as admin:
        read_key = admin.keys.create("mcp reader", "read")["key"]
        plan = admin.create_plan(admin.goals.create("g")["goal_id"], None, [{"name": "only"}])["plan_id"]

    async def scenario() -> None:
        async with session(transport, tenant.base_url, read_key) as s:
            refused = await s.call_tool("register_agent", {"name": "nope"})
            assert refused.isError and refused.structuredContent is not None
            assert refused.structuredContent["code"] == "forbidden"
            assert refused.structuredContent["detail"].endswith("needs `write`")
            # Reading is what a read key is for.
            assert (await call(s, "get_plan", plan_id=plan))["plan_id"] == plan

    run(scenario)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_agent_asks_a_person_by_tool_call(tenant: Tenant, transport: str) -> None:
    """request_approval gives the lease back and parks the task; a person's approve key (not the
    agent's) lets it be claimed again."""
    with tenant.client() as admin:
        approver_key = admin.keys.create("mcp approver", "approve")["key"]
        worker_key = admin.keys.create("mcp worker", "write")["key"]

    async def scenario() -> None:
        async with session(transport, tenant.base_url, worker_key) as s:
            agent = (await call(s, "register_agent", name="asker"))["agent_id"]
            created = await call(s, "create_goal", goal_text="Delete old data", plan={"tasks": [{"ref": "purge"}]})
            plan = created["plan"]["plan_id"]
            [task] = (await call(s, "claim_task", agent_id=agent, plan_id=plan))["data"]
            asked = await call(
                s, "request_approval", task_id=task["task_id"], agent_id=agent, question="Purge 3 tables?", data={"tables": 3}
            )
            assert asked["status"] == "awaiting_approval" and asked["lease_expires_at"] is None
            assert asked["approval"]["question"] == "Purge 3 tables?" and asked["approval"]["data"] == {"tables": 3}
            assert (await call(s, "claim_task", agent_id=agent, plan_id=plan))["data"] == [], "it waits for a person"
            # The agent's own key cannot say yes.
            own = httpx.post(
                f"{tenant.base_url}/api/v1/tasks/{task['task_id']}/approve", headers={"X-API-Key": worker_key}, json={}
            )
            assert own.status_code == 403

            approved = httpx.post(
                f"{tenant.base_url}/api/v1/tasks/{task['task_id']}/approve",
                headers={"X-API-Key": approver_key},
                json={"comment": "go"},
            )
            assert approved.status_code == 200, approved.text
            [again] = (await call(s, "claim_task", agent_id=agent, plan_id=plan))["data"]
            assert again["task_id"] == task["task_id"] and again["attempts"] == 1, "asking did not use up an attempt"

    run(scenario)
