"""The simulator's HTTP face: Shopify's endpoints and, for harnesses in another process, a control
surface under ``/_shop/`` (no authentication):

* ``POST /admin/oauth/access_token``: the client-credentials grant (``auth.py``);
* ``POST /admin/api/{version}/graphql.json``: the Admin GraphQL API (``graphql_api.py``);
* ``GET /_bulk/{id}.jsonl``: a bulk operation's result file (stands in for Shopify's signed
  storage URL; it expires with the operation, 7 days on the shop's clock);
* ``GET /_shop/state``: URLs, credentials, counts, subscriptions, pending deliveries;
* ``GET /_shop/deliveries[?since=I]``: the delivery log from entry ``I`` on;
* ``POST /_shop/clock`` ``{"advance": seconds}`` or ``{"scale": x}``;
* ``POST /_shop/webhooks`` ``{"hold": bool}``, ``{"outage": bool}``, ``{"reorder": "reverse"|"shuffle"}``,
  ``{"duplicate": "<X-Shopify-Webhook-Id>"}``, ``{"flush": seconds}``.
"""

import json
import re
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from local.http import QuietHTTPServer
from local.shopify_store.graphql_api import handle as graphql

if TYPE_CHECKING:
    from local.shopify_store.store import ShopifyStore

Response = tuple[int, dict[str, str], bytes]
GRAPHQL = re.compile(r"^/admin/api/([^/]+)/graphql\.json$")
BULK = re.compile(r"^/_bulk/(\d+)\.jsonl$")


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, default=lambda v: str(v) if isinstance(v, Decimal) else v.isoformat()).encode()
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body


def route(store: "ShopifyStore", method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
    url = urlsplit(target)
    path = url.path
    if method == "POST" and path == "/admin/oauth/access_token":
        status, payload = store.tokens.mint(body, headers.get("content-type", ""))
        return _json(status, payload)
    match = GRAPHQL.match(path)
    if match and method == "POST":
        status, extra, payload = graphql(store, match.group(1), headers, body)
        return _json(status, payload, extra)
    match = BULK.match(path)
    if match and method == "GET":
        content = store.bulk.file(int(match.group(1)))
        if content is None:
            return 404, {"Content-Type": "application/xml"}, b"<Error><Code>ExpiredToken</Code></Error>"
        return 200, {"Content-Type": "application/jsonl"}, content
    if path.startswith("/_shop/"):
        return control(store, method, path, parse_qs(url.query), body)
    return _json(404, {"errors": "Not Found"})


def control(store: "ShopifyStore", method: str, path: str, query: dict[str, list[str]], body: bytes) -> Response:
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        return _json(400, {"error": "invalid JSON"})
    hooks = store.hooks
    if method == "GET" and path == "/_shop/state":
        return _json(200, state(store))
    if method == "GET" and path == "/_shop/deliveries":
        since = int(query.get("since", ["0"])[-1])
        return _json(200, [r.as_json() for r in store.delivery_log()[since:]])
    if method == "POST" and path == "/_shop/clock":
        if "scale" in data:
            store.clock.scale = float(data["scale"])
        if "advance" in data:
            store.clock.advance(float(data["advance"]))
        return _json(200, {"now": store.now().isoformat(), "scale": store.clock.scale})
    if method == "POST" and path == "/_shop/webhooks":
        if "hold" in data:
            hooks.hold(bool(data["hold"]))
        if "outage" in data:
            hooks.outage = bool(data["outage"])
        if "reorder" in data:
            hooks.reorder(str(data["reorder"]))
        if "duplicate" in data and not hooks.duplicate(str(data["duplicate"])):
            return _json(404, {"error": "no such delivery"})
        flushed = hooks.wait(float(data["flush"])) if "flush" in data else None
        return _json(200, {"pending": len(hooks.pending()), "flushed": flushed})
    return _json(404, {"error": f"no control endpoint {method} {path}"})


def state(store: "ShopifyStore") -> dict[str, Any]:
    with store.lock:
        return {
            "url": store.url,
            "shop_domain": store.domain,
            "graphql_url": store.graphql_url(),
            "client_id": store.app.client_id,
            "client_secret": store.app.client_secret,
            "scopes": list(store.app.scopes),
            "now": store.now().isoformat(),
            "scale": store.clock.scale,
            "counts": {
                "customers": len(store.customers),
                "products": len(store.products),
                "orders": len([o for o in store.orders.values() if not o.deleted]),
            },
            "subscriptions": [
                {"id": s.id, "topic": s.topic, "uri": s.uri} for s in store.records.subscriptions.values()
            ],
            "removed_subscriptions": [s.id for s in store.removed_subscriptions],
            "pending_deliveries": len(store.hooks.pending()),
            "deliveries": len(store.hooks.log),
            "throttled": store.throttle.refused,
        }


def serve(store: "ShopifyStore", host: str, port: int) -> QuietHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, reply, payload = route(store, self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in reply.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    server = QuietHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True, name="shopify-store").start()
    return server
