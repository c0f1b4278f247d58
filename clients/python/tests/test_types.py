"""The client's TypedDicts against the contract: each one's fields are its OpenAPI schema's properties
(nested types where the schema refers to another schema), and real answers of the server have just
those fields with values of those types — so a field the server adds or renames shows up here."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Tuple, Union, get_args, get_origin, get_type_hints

import pytest

from agentic_client import Client, types

SCHEMAS: Dict[str, type] = {
    "Agent": types.Agent,
    "Goal": types.Goal,
    "GoalConstraints": types.GoalConstraints,
    "Plan": types.Plan,
    "TaskCounts": types.TaskCounts,
    "Task": types.Task,
    "Usage": types.Usage,
    "Event": types.Event,
    "EventPage": types.EventPage,
    "RateLimit": types.RateLimit,
    "Key": types.ApiKey,
    "KeyCreated": types.ApiKeyCreated,
    "WhoAmI": types.WhoAmI,
    "TaskOutcome": types.CompleteResult,
    "BulkTaskOutcome": types.BulkOutcome,
    "RetryPolicy": types.TaskRetryPolicy,
    "TenantSettings": types.TenantSettings,
    "ConcurrencyLimit": types.ConcurrencyLimit,
    "Webhook": types.Webhook,
    "WebhookCreated": types.WebhookCreated,
    "WebhookDelivery": types.WebhookDelivery,
    "WebhookAllowedHosts": types.WebhookAllowedHosts,
}
"""Each OpenAPI component schema the server answers with, and the client's type for it."""

REF = re.compile(r"#/components/schemas/(\w+)")


def schema(document: str, name: str) -> Tuple[Dict[str, str], List[str]]:
    """The properties of component schema ``name`` (each with the text that defines it, nested lines
    included) and its ``required`` list, read from the document's layout: schemas at four spaces,
    their keys at six, properties at eight."""
    properties: Dict[str, str] = {}
    required: List[str] = []
    inside = in_properties = False
    current = ""
    for line in document.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if indent == 4 and line.rstrip().endswith(":"):
            if inside:
                break
            inside = line.strip() == f"{name}:"
            continue
        if not inside or not line.strip():
            continue
        if indent == 6:
            in_properties = line.strip() == "properties:"
            if line.strip().startswith("required: ["):
                required = [r.strip() for r in line.split("[", 1)[1].rsplit("]", 1)[0].split(",")]
        elif indent == 8 and in_properties:
            current, _, text = line.strip().partition(":")
            properties[current] = text
        elif indent > 8 and in_properties and current:
            properties[current] += "\n" + line
    assert properties, f"no schema {name} in the OpenAPI document"
    return properties, required


def is_typeddict(annotation: Any) -> bool:
    """``typing.is_typeddict``, which Python 3.9 lacks."""
    return isinstance(annotation, type) and issubclass(annotation, dict) and hasattr(annotation, "__required_keys__")


def typeddicts_in(annotation: Any) -> List[type]:
    """The TypedDicts an annotation names, through Optional, List and Dict."""
    if is_typeddict(annotation):
        return [annotation]
    return [found for arg in get_args(annotation) for found in typeddicts_in(arg)]


def test_typed_dicts_are_the_openapi_schemas(client: Client) -> None:
    document = client.openapi()
    names = {cls: name for name, cls in SCHEMAS.items()}
    for name, cls in SCHEMAS.items():
        properties, required = schema(document, name)
        hints = get_type_hints(cls)
        assert set(hints) == set(properties), f"{cls.__name__} vs schema {name}"
        assert set(required) == set(properties) == set(cls.__required_keys__), f"{name}: every field is always sent"
        for field, text in properties.items():
            expected = {SCHEMAS[ref] for ref in REF.findall(text) if ref in SCHEMAS}
            found = {c for c in typeddicts_in(hints[field]) if c in names}  # not inline ones (BulkProblem)
            assert found == expected, (
                f"{cls.__name__}.{field} is {hints[field]}; the schema refers to {[names[c] for c in expected]}"
            )
    assert get_type_hints(types.Task)["usage"] is types.Usage  # the check above does see nested types


def conforms(value: Any, annotation: Any, where: str) -> List[str]:
    """What in a decoded JSON ``value`` does not fit ``annotation`` (TypedDicts with exactly their keys)."""
    if annotation is Any:
        return []
    if is_typeddict(annotation):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not an object"]
        hints = get_type_hints(annotation)
        problems = [f"{where}: unexpected {k!r}" for k in value if k not in hints]
        problems += [f"{where}: no {k!r}" for k in hints if k not in value]
        for key, hint in hints.items():
            if key in value:
                problems += conforms(value[key], hint, f"{where}.{key}")
        return problems
    origin = get_origin(annotation)
    if origin is Union:
        options = [conforms(value, option, where) for option in get_args(annotation)]
        return [] if any(not o for o in options) else [f"{where}: {value!r} is not {annotation}"]
    if origin in (list, List):
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        (item,) = get_args(annotation)
        return [p for i, v in enumerate(value) for p in conforms(v, item, f"{where}[{i}]")]
    if origin in (dict, Dict, Mapping):
        return [] if isinstance(value, dict) else [f"{where}: {value!r} is not an object"]
    if annotation is type(None):
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if annotation is float:  # JSON has one number type: 2.0 may come as 2
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, annotation)
    return [] if ok else [f"{where}: {value!r} is not {annotation.__name__}"]


def test_server_answers_have_the_typed_fields(client: Client) -> None:
    """Every resource as the server answers it — usage reported, budgets set — fits its type."""
    agent = client.agents.create("typed", resource_limits={"max_tokens": 10_000, "max_concurrent_tasks": 4})
    goal = client.goals.create("g", constraints={"max_token_budget": 10_000, "cost_limit_usd": 5})
    plan = client.plans.create(goal["goal_id"], resource_budget={"max_cost_usd": 2.5, "team": "a"})
    first = client.tasks.create(plan["plan_id"], name="a", schedule_to_start_seconds=600, retry_policy={"initial_seconds": 0})
    second = client.tasks.create(plan["plan_id"], name="b", depends_on=[first["task_id"]])
    [claimed] = client.tasks.claim(agent["agent_id"])
    failed = client.tasks.fail(claimed["task_id"], agent["agent_id"], "flaky", usage={"input_tokens": 3})
    assert [t["task_id"] for t in client.tasks.claim(agent["agent_id"])] == [first["task_id"]]
    outcome = client.tasks.complete(
        first["task_id"],
        agent["agent_id"],
        {"x": 1},
        claim_next={"limit": 1},
        usage={"input_tokens": 5, "output_tokens": 7, "cost_usd": 0.5},
    )
    assert [t["task_id"] for t in outcome["next"]] == [second["task_id"]]
    client.limits.set_concurrency("typed", 2)
    client.settings.update(default_retry_policy={"initial_seconds": 2})
    fresh_hosts = client.webhooks.allowed_hosts()  # updated_at null: never set
    hosts = client.webhooks.set_allowed_hosts(["hooks.example.com"])
    # No type of this tenant's events matches, so nothing is ever sent to the (unreachable) host.
    webhook = client.webhooks.create("https://hooks.example.com/typed", ["x.typed-never"])
    answers: List[Tuple[Any, Any]] = [
        (agent, types.Agent),
        (client.agents.get(agent["agent_id"]), types.Agent),
        (goal, types.Goal),
        (client.goals.get(goal["goal_id"]), types.Goal),
        (plan, types.Plan),
        (client.plans.get(plan["plan_id"]), types.Plan),
        (first, types.Task),
        (failed, types.Task),
        (outcome, types.CompleteResult),
        (client.tasks.get(first["task_id"]), types.Task),
        (client.events.list(after=0, limit=100), types.EventPage),
        (client.keys.whoami(), types.WhoAmI),
        (client.keys.create("reader", "read", rate_limit={"requests_per_second": 5, "burst": 10}), types.ApiKeyCreated),
        (client.keys.list(), List[types.ApiKey]),
        (client.limits.get_concurrency("typed"), types.ConcurrencyLimit),
        (client.settings.get(), types.TenantSettings),
        (client.tasks.bulk("cancel", plan_id=plan["plan_id"]), types.BulkOutcome),
        (fresh_hosts, types.WebhookAllowedHosts),
        (hosts, types.WebhookAllowedHosts),
        (webhook, types.WebhookCreated),
        (client.webhooks.get(webhook["webhook_id"]), types.Webhook),
        (client.webhooks.list(), List[types.Webhook]),
    ]
    problems = [p for value, annotation in answers for p in conforms(value, annotation, "answer")]
    assert problems == []

    done = client.tasks.get(first["task_id"])
    assert done["usage"] == {"input_tokens": 8, "output_tokens": 7, "cost_usd": 0.5}
    assert done["schedule_to_start_seconds"] == 600 and done["ready_at"] is not None
    assert client.goals.get(goal["goal_id"])["budget_exhausted"] is False


@pytest.mark.parametrize(
    "value, annotation, problem",
    [
        ({"input_tokens": 1, "output_tokens": 2}, types.Usage, "no 'cost_usd'"),
        ({"input_tokens": 1, "output_tokens": 2, "cost_usd": 0, "extra": 1}, types.Usage, "unexpected 'extra'"),
        ({"input_tokens": "1", "output_tokens": 2, "cost_usd": 0.5}, types.Usage, "is not int"),
        ({"input_tokens": True, "output_tokens": 2, "cost_usd": 0.5}, types.Usage, "is not int"),
        ([{"data": [], "next_after": None}], List[types.EventPage], "is not int"),
    ],
)
def test_conforms_finds_what_does_not_fit(value: Any, annotation: Any, problem: str) -> None:
    """The check the answers go through does catch a missing, extra or mistyped field."""
    assert any(problem in p for p in conforms(value, annotation, "x"))
