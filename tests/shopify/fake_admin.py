"""Shopify's Admin API in memory for the adapter's unit tests, behind httpx's MockTransport: the
client-credentials token endpoint (24 h tokens; a revoked token answers 401), the GraphQL
endpoint by operation name, with ``extensions.cost`` on every answer and THROTTLED (HTTP 200, or
429) when the bucket cannot pay the requested cost. ``local/shopify_store`` is the full simulator."""

import json
from collections.abc import Callable
from typing import Any

import httpx

MONEY_USD = "USD"


def bag(
    amount: str, currency: str = MONEY_USD, presentment: str | None = None, p_currency: str | None = None
) -> dict[str, Any]:
    return {
        "shopMoney": {"amount": amount, "currencyCode": currency},
        "presentmentMoney": {"amount": presentment or amount, "currencyCode": p_currency or currency},
    }


class FakeAdmin:
    def __init__(self, *, bucket: float = 2000.0, restore: float = 100.0, cost: float = 10.0) -> None:
        self.available, self.maximum, self.restore, self.cost = bucket, bucket, restore, cost
        self.minted: list[str] = []
        self.revoked: set[str] = set()
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.handlers: dict[str, Callable[[dict[str, Any]], Any]] = {}
        self.throttle_status = 200
        self.expires_in = 86_399

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def on(self, operation: str, answer: Callable[[dict[str, Any]], Any] | Any) -> None:
        self.handlers[operation] = answer if callable(answer) else (lambda _v, a=answer: a)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/admin/oauth/access_token":
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            if form.get("client_secret") != "secret":
                return httpx.Response(400, json={"error": "invalid_client"})
            token = f"shpat_{len(self.minted) + 1}"
            self.minted.append(token)
            return httpx.Response(
                200, json={"access_token": token, "scope": "read_orders", "expires_in": self.expires_in}
            )
        if request.url.path.endswith("/graphql.json"):
            token = request.headers.get("X-Shopify-Access-Token", "")
            if token in self.revoked or not token:
                return httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
            body = json.loads(request.content)
            operation = body["query"].split("{", 1)[0].split()[1].split("(", 1)[0]
            self.asked.append((operation, body.get("variables") or {}))
            cost = {
                "requestedQueryCost": self.cost,
                "actualQueryCost": self.cost,
                "throttleStatus": {
                    "maximumAvailable": self.maximum,
                    "currentlyAvailable": self.available,
                    "restoreRate": self.restore,
                },
            }
            if self.cost > self.available:
                errors = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
                return httpx.Response(self.throttle_status, json={"errors": errors, "extensions": {"cost": cost}})
            self.available -= self.cost
            cost["throttleStatus"]["currentlyAvailable"] = self.available  # type: ignore[index]
            data = self.handlers[operation](body.get("variables") or {})
            return httpx.Response(200, json={"data": data, "extensions": {"cost": cost}})
        if request.url.path.startswith("/bulk/"):
            return httpx.Response(200, content=self.handlers["bulk-result"]({}).encode())
        return httpx.Response(404)
