"""Errors raised by the client, built from the server's RFC 9457 ``application/problem+json`` answers.

Every error the client raises is an :class:`AgenticError`. The subclass follows the status (and, for
409, the problem's ``code``)::

    try:
        client.tasks.heartbeat(task_id, agent_id=me)
    except LeaseLost:
        ...  # the task was cancelled, expired or taken over
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any, Dict, List, Mapping, Optional, Type

import httpx

from .types import FieldError


class AgenticError(Exception):
    """An answer the server refused, or a request that could not be completed.

    ``status`` is the HTTP status (0 when no answer arrived: see :class:`ConnectionFailed`);
    ``code`` the problem's stable machine code (``lease_lost``, ``validation_failed``, …); ``title``,
    ``detail``, ``type`` and ``request_id`` as the server sent them; ``errors`` the field-by-field
    list of a validation problem (``[{"field": ..., "message": ...}]``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        title: str = "",
        detail: str = "",
        *,
        request_id: Optional[str] = None,
        errors: Optional[List[FieldError]] = None,
        type: str = "about:blank",
        headers: Optional[Mapping[str, str]] = None,
        body: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.request_id = request_id
        self.errors: List[FieldError] = list(errors or [])
        self.type = type
        self.headers: Dict[str, str] = dict(headers or {})
        self.body: Dict[str, Any] = dict(body or {})
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.status} {self.code}" if self.status else self.code
        if self.detail:
            text += f": {self.detail}"
        elif self.title:
            text += f": {self.title}"
        if self.request_id:
            text += f" (request {self.request_id})"
        return text

    def field_errors(self) -> Dict[str, str]:
        """``errors`` as ``{field: message}``."""
        return {e["field"]: e["message"] for e in self.errors}

    def names_field(self, field: str) -> bool:
        """Whether ``errors`` names ``field``."""
        return any(e.get("field") == field for e in self.errors)

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds the server asked to wait (``Retry-After``), if it did."""
        return parse_retry_after(self.headers.get("retry-after"))


class ConnectionFailed(AgenticError):
    """No answer from the server (refused, reset, timed out) after every allowed attempt."""

    def __init__(self, detail: str, *, cause: Optional[BaseException] = None) -> None:
        super().__init__(0, "connection_failed", "Connection failed", detail)
        self.cause = cause


class NotFound(AgenticError):
    """404: no such resource (or route) for this key's tenant."""


class Conflict(AgenticError):
    """409: the request conflicts with the resource's state (a duplicate id, a final status, …)."""


class LeaseLost(Conflict):
    """409 ``lease_lost``: the caller no longer holds the task's lease (expired, cancelled, taken)."""


class VersionMismatch(Conflict):
    """412: ``If-Match`` named a version that is no longer current."""


class Unauthorized(AgenticError):
    """401: a missing, unknown, revoked or expired key."""


class Forbidden(AgenticError):
    """403: the key's scope is too small for this route, or the key may not do this to this resource
    (approving or rejecting a task it created or asked about)."""


class ValidationError(AgenticError):
    """400 or 422: malformed JSON, no fields to change, unknown fields or bad values (see ``errors``)."""


class RateLimited(AgenticError):
    """429: the key's rate limit is spent; ``retry_after`` says for how long."""


class ServiceUnavailable(AgenticError):
    """503: the server cannot serve now (its database is unreachable); ``retry_after`` may say when to retry."""


_BY_STATUS: Dict[int, Type[AgenticError]] = {
    400: ValidationError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: VersionMismatch,
    422: ValidationError,
    429: RateLimited,
    503: ServiceUnavailable,
}


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:  # pragma: no cover - older Pythons return None
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds)


def error_from_response(response: httpx.Response) -> AgenticError:
    """The :class:`AgenticError` subclass for a 4xx/5xx answer, from its problem body when it has one."""
    status = response.status_code
    body: Dict[str, Any] = {}
    try:
        decoded = json.loads(response.content) if response.content else {}
        if isinstance(decoded, dict):
            body = decoded
    except ValueError:
        body = {}
    code = str(body.get("code") or _default_code(status))
    raw_errors = body.get("errors")
    errors: List[FieldError] = []
    if isinstance(raw_errors, list):
        for item in raw_errors:
            if isinstance(item, dict):
                errors.append(FieldError(field=str(item.get("field", "")), message=str(item.get("message", ""))))
    detail = body.get("detail")
    if detail is None and not body:
        detail = response.text[:500] if response.content else ""
    cls: Type[AgenticError] = _BY_STATUS.get(status, AgenticError)
    if status == 409 and code == "lease_lost":
        cls = LeaseLost
    return cls(
        status,
        code,
        str(body.get("title") or response.reason_phrase or ""),
        str(detail or ""),
        request_id=_str_or_none(body.get("request_id")) or response.headers.get("x-request-id"),
        errors=errors,
        type=str(body.get("type") or "about:blank"),
        headers={k.lower(): v for k, v in response.headers.items()},
        body=body,
    )


def _str_or_none(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def _default_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        412: "precondition_failed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "validation_failed",
        429: "rate_limited",
        502: "bad_gateway",
        503: "service_unavailable",
        504: "gateway_timeout",
    }.get(status, "http_%d" % status)


__all__ = [
    "AgenticError",
    "Conflict",
    "ConnectionFailed",
    "Forbidden",
    "LeaseLost",
    "NotFound",
    "RateLimited",
    "ServiceUnavailable",
    "Unauthorized",
    "ValidationError",
    "VersionMismatch",
    "error_from_response",
    "parse_retry_after",
]
