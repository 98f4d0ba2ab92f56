"""What can go wrong talking to Xero, classified by what the sync should do about it."""

from dataclasses import field
from typing import Any

from xerosync.frozen import record


class XeroError(Exception):
    """Base class. ``transient`` errors go back to the queue; the others do not."""

    transient = False


class XeroTransientError(XeroError):
    """Worth retrying later: 429, 5xx, timeouts, dropped connections."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class XeroRateLimited(XeroTransientError):
    def __init__(self, problem: str, retry_after: float | None) -> None:
        super().__init__(f"Xero rate limit reached ({problem or 'unknown'})", retry_after=retry_after, status=429)
        self.problem = problem


class XeroAuthError(XeroError):
    """The connection is missing, revoked or lacks a scope: retrying will not help."""


class XeroNotFound(XeroError):
    pass


@record
class XeroRejected(XeroError):
    """Xero refused the request (400): its own messages, verbatim."""

    messages: list[str]
    body: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__("; ".join(self.messages) or "Xero rejected the request")

    def __str__(self) -> str:
        return "Xero: " + ("; ".join(self.messages) or "request rejected")


def validation_messages(element: dict[str, Any]) -> list[str]:
    """Xero's ``ValidationErrors`` of an element and of its line items, in order, deduplicated."""
    found: list[str] = [str(e.get("Message", "")) for e in element.get("ValidationErrors") or []]
    for line in element.get("LineItems") or []:
        found.extend(str(e.get("Message", "")) for e in line.get("ValidationErrors") or [])
    return list(dict.fromkeys(m for m in found if m))


def error_messages(body: dict[str, Any]) -> list[str]:
    """Messages of a Xero 400 body (``Elements[].ValidationErrors[]`` or ``Message``)."""
    messages: list[str] = []
    for element in body.get("Elements") or []:
        messages.extend(validation_messages(element))
    if not messages and body.get("Message"):
        messages.append(str(body["Message"]))
    if not messages and body.get("Detail"):
        messages.append(str(body["Detail"]))
    return messages
