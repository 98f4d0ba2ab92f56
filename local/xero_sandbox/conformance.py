"""Where the server meets Xero's spec: a write's body read as Xero reads it, checked against
its schema before the endpoint runs, and every answer checked against the spec's response
schema before it is sent (the rules are in :mod:`spec`; without a spec only the property-name
fallback of :mod:`casing` applies)."""

import json
from decimal import Decimal
from typing import Any

from local.xero_sandbox import casing
from local.xero_sandbox.api import Request
from local.xero_sandbox.errors import SandboxError, post_data_invalid
from local.xero_sandbox.spec import Spec

WRITES = ("PUT", "POST", "PATCH")


def read_body(spec: Spec | None, request: Request) -> None:
    """A write's body, its property names spelt as the spec spells them (see ``casing``)."""
    if request.method not in WRITES or not request.body:
        return
    body = request.json()
    ref = spec.request_schema(request.method, request.template) if spec else None
    request.replace_body(spec.canonical(ref, body) if spec and ref else casing.pascal(body))


def check_request(spec: Spec | None, request: Request) -> None:
    """Unreadable data refuses the request (``PostDataInvalidException``); ``maxLength`` and
    ``required`` breaches are remembered for their element."""
    if spec is None or request.method not in WRITES:
        return
    ref = spec.request_schema(request.method, request.template)
    if ref is None:
        return
    problems = spec.request_problems(ref, request.json())
    unreadable = [p for p in problems if not p.per_element]
    if unreadable:
        first = unreadable[0]
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        raise post_data_invalid(f"{first.where()}: {first.message}{more}")
    for problem in problems:
        request.element_problems.setdefault(problem.element(), []).append(problem.message)


def check_response(spec: Spec | None, request: Request, status: int, data: bytes, violations: list[str]) -> None:
    """A non-conforming answer is recorded in ``violations`` and becomes a 500 naming it."""
    if spec is None or not data:
        return
    ref = spec.response_schema(request.method, request.template, status)
    if ref is None:
        return
    parsed = json.loads(data, parse_float=Decimal)
    problems = [
        p for p in spec.problems(ref, parsed, request=False) if not (p.per_element and in_refused(parsed, p.path))
    ]
    if problems:
        report = "; ".join(f"{p.where()}: {p.message}" for p in problems[:5])
        message = f"{request.method} {request.template} {status}: {report}"
        violations.append(message)
        raise SandboxError(
            500, {"Title": "Sandbox response does not conform to Xero's spec", "Status": 500, "Detail": message}
        )


def in_refused(body: Any, path: tuple[str | int, ...]) -> bool:
    """Whether ``path`` lies inside a refused element. A refused element is rendered like the
    others, but what made it fail (a value over ``maxLength``, a ``required`` field left out) is
    echoed as sent, as Xero echoes it; only those two keywords are forgiven there."""
    node = body
    for part in path:
        if isinstance(node, dict):
            if node.get("StatusAttributeString") == "ERROR" or node.get("ValidationErrors"):
                return True
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    return isinstance(node, dict) and bool(node.get("ValidationErrors"))


# the identity server's answers and the identity spec's schema for each (xero-identity.yaml)
IDENTITY_ANSWERS = {
    "/connect/token": "#/components/schemas/AccessToken",
    "/connections": "#/components/schemas/Connection",  # an array of them
}


def check_identity(spec: Spec | None, template: str, status: int, payload: Any, violations: list[str]) -> None:
    """A token or connections answer that breaks the identity spec is recorded and becomes a 500."""
    ref = IDENTITY_ANSWERS.get(template)
    if spec is None or ref is None or status != 200 or payload is None:
        return
    elements = payload if isinstance(payload, list) else [payload]
    problems = [p for element in elements for p in spec.problems(ref, element, request=False)]
    if problems:
        message = f"{template} {status}: " + "; ".join(f"{p.where()}: {p.message}" for p in problems[:5])
        violations.append(message)
        raise SandboxError(500, {"Title": "Sandbox answer does not conform to Xero's identity spec", "Detail": message})
