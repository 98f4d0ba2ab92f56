"""``/_sandbox/...``: inspection and control for tests, the demo, a CLI or a benchmark in another process.

* ``GET  /_sandbox/state``   organisations and what each stores, apps, validation status
* ``GET  /_sandbox/calls``   calls per tenant and endpoint, and the limiter's counters
* ``POST /_sandbox/reset``   every organisation back to its seed state
* ``POST /_sandbox/organisations`` ``{"name", "limits": {"day": 1000}}`` -> the new tenant
* ``POST /_sandbox/clients`` ``{"tenant_ids": [...], "custom_connection": true}`` -> credentials
* ``POST /_sandbox/authorize`` ``{"client_id", "tenant_ids", "redirect_uri"?, "code_challenge"?,
  "code_challenge_method"?}`` -> an authorization code (consent without the consent screen)
* ``GET|POST /_sandbox/consent`` ``{"auto": true}``: the authorize endpoint consents at once (no screen)
* ``GET|POST|DELETE /_sandbox/faults`` list, add (``{"kind", "tenant", "endpoint", "rate", "count", ...}``), clear
* ``GET|POST /_sandbox/clock`` the sandbox's time; ``{"advance": seconds}`` moves it
* ``POST /_sandbox/webhooks`` ``{"url", "key"}`` subscribe; ``POST /_sandbox/webhooks/deliver``
* ``POST /_sandbox/save`` ``{"path"}`` writes the state file
"""

import json
from typing import TYPE_CHECKING, Any

from local.xero_sandbox import persist
from local.xero_sandbox.api import Handled, Request
from local.xero_sandbox.errors import SandboxError
from local.xero_sandbox.server import encode

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox

STORES = (
    "contacts",
    "items",
    "invoices",
    "credit_notes",
    "payments",
    "bank_transactions",
    "quotes",
    "purchase_orders",
    "accounts",
    "tax_rates",
    "tracking_categories",
)


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        parsed = json.loads(request.body)
    except ValueError:
        raise SandboxError(400, {"error": "the body is not JSON"}) from None
    if not isinstance(parsed, dict):
        raise SandboxError(400, {"error": "the body must be a JSON object"})
    return parsed


def state_snapshot(box: "XeroSandbox") -> dict[str, Any]:
    with box.state.lock:
        organisations = {
            tenant: {
                "name": org.name,
                "limits": vars(org.limits),
                **{store: list(getattr(org, store).values()) for store in STORES},
            }
            for tenant, org in box.state.organisations.items()
        }
        clients = [
            {"client_id": c.client_id, "tenant_ids": c.tenant_ids, "custom_connection": c.custom_connection}
            for c in box.state.clients.values()
        ]
    return {"validation": box.validation, "now": box.time(), "organisations": organisations, "clients": clients}


def register(box: "XeroSandbox") -> None:
    def state(request: Request) -> Handled:
        return 200, json.loads(json.dumps(state_snapshot(box), default=encode))

    def calls(request: Request) -> Handled:
        with box.state.lock:
            rows = [{"tenant": t, "endpoint": e, "count": n} for (t, e), n in sorted(box.state.calls.items())]
        return 200, {"calls": rows, "total": sum(r["count"] for r in rows), "limits": box.limits.snapshot()}

    def reset(request: Request) -> Handled:
        box.reset()
        return 200, {"reset": True}

    def add_organisation(request: Request) -> Handled:
        body = _body(request)
        org = box.add_organisation(str(body.get("name") or "Demo Store Pty Ltd"), limits=body.get("limits"))
        return 200, {"tenant_id": org.tenant_id, "name": org.name}

    def add_client(request: Request) -> Handled:
        body = _body(request)
        try:
            client = box.add_client(
                list(body.get("tenant_ids") or []),
                client_id=body.get("client_id"),
                client_secret=body.get("client_secret"),
                custom_connection=bool(body.get("custom_connection", True)),
                redirect_uris=body.get("redirect_uris"),
            )
        except ValueError as exc:
            raise SandboxError(400, {"error": str(exc)}) from None
        return 200, {"client_id": client.client_id, "client_secret": client.client_secret}

    def authorize(request: Request) -> Handled:
        body = _body(request)
        try:
            code = box.authorize(
                str(body.get("client_id")),
                list(body.get("tenant_ids") or []),
                redirect_uri=str(body.get("redirect_uri") or ""),
                code_challenge=str(body.get("code_challenge") or ""),
                code_challenge_method=str(body.get("code_challenge_method") or ""),
            )
        except ValueError as exc:
            raise SandboxError(400, {"error": str(exc)}) from None
        return 200, {"code": code}

    def consent(request: Request) -> Handled:
        if request.method == "POST":
            box.consent.auto = bool(_body(request).get("auto"))
        return 200, {"auto": box.consent.auto}

    def faults(request: Request) -> Handled:
        if request.method == "DELETE":
            box.faults.clear(_body(request).get("seed"))
        elif request.method == "POST":
            body = _body(request)
            try:
                box.faults.add(
                    str(body.pop("kind", "")),
                    **{k: body[k] for k in ("tenant", "endpoint", "rate", "count", "status", "delay") if k in body},
                )
            except (TypeError, ValueError) as exc:
                raise SandboxError(400, {"error": str(exc)}) from None
        return 200, {"faults": box.faults.list(), "seed": box.faults.seed}

    def clock(request: Request) -> Handled:
        if request.method == "POST":
            box.advance(float(_body(request).get("advance", 0)))
        return 200, {"now": box.time().isoformat()}

    def webhooks(request: Request) -> Handled:
        body = _body(request)
        sub = box.subscribe_webhooks(str(body["url"]), str(body["key"]))
        intent = sub.intent
        return 200, {"intent_to_receive": None if intent is None else {"passed": intent.passed, **vars(intent)}}

    def deliver(request: Request) -> Handled:
        made = box.deliver_webhooks()
        return 200, {"deliveries": [{"url": d.url, "status": d.status, "events": d.events} for d in made]}

    def save(request: Request) -> Handled:
        path = _body(request).get("path")
        if not path:
            raise SandboxError(400, {"error": "path is required"})
        persist.save(box, path)
        return 200, {"saved": path}

    box.admin_route("GET", "/_sandbox/state", state)
    box.admin_route("GET", "/_sandbox/calls", calls)
    box.admin_route("POST", "/_sandbox/reset", reset)
    box.admin_route("POST", "/_sandbox/organisations", add_organisation)
    box.admin_route("POST", "/_sandbox/clients", add_client)
    box.admin_route("POST", "/_sandbox/authorize", authorize)
    for method in ("GET", "POST"):
        box.admin_route(method, "/_sandbox/consent", consent)
    for method in ("GET", "POST", "DELETE"):
        box.admin_route(method, "/_sandbox/faults", faults)
    for method in ("GET", "POST"):
        box.admin_route(method, "/_sandbox/clock", clock)
    box.admin_route("POST", "/_sandbox/webhooks", webhooks)
    box.admin_route("POST", "/_sandbox/webhooks/deliver", deliver)
    box.admin_route("POST", "/_sandbox/save", save)
