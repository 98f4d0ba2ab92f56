"""The simulator's HTTP face: the REST API under ``/wp-json/wc/v3/`` and, for test harnesses
in another process, inspection endpoints under ``/_store/`` (no authentication):

* ``GET /_store/state``: URLs, credentials, settings, record counts, webhooks with their
  ``failure_count``/``pending_delivery``/outage switch, pending deliveries;
* ``GET /_store/deliveries[?webhook_id=N&since=I]``: the delivery log from entry ``I`` on;
* ``POST /_store/outage`` ``{"outage": true[, "webhook_id": N]}``: deliveries fail as if the
  receiver could not be reached (all webhooks, or one);
* ``POST /_store/hold`` ``{"held": true}``: deliveries wait (a stalled WP-Cron);
* ``POST /_store/flush`` ``{"timeout": 10}``: wait for queued deliveries; ``{"flushed": bool}``.

and WooCommerce's application authentication endpoint under ``/wc-auth/v1/`` (``wc_auth.py``).
"""

import json
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from local import woo
from local.http import QuietHTTPServer
from local.woo_store import wc_auth

if TYPE_CHECKING:
    from local.woo_store.store import WooStore

Response = tuple[int, dict[str, str], bytes]


def inspect(store: "WooStore", method: str, target: str, body: bytes) -> Response:
    url = urlsplit(target)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    data: dict[str, Any] = {}
    if body.strip():
        try:
            loaded = json.loads(body)
        except ValueError:
            return _json(400, {"error": "invalid JSON"})
        data = loaded if isinstance(loaded, dict) else {}
    path = url.path.rstrip("/")
    if method == "GET" and path == "/_store/state":
        return _json(200, state_summary(store))
    if method == "GET" and path == "/_store/deliveries":
        log = store.delivery_log()[int(query.get("since", 0)) :]
        if "webhook_id" in query:
            log = [r for r in log if r.webhook_id == int(query["webhook_id"])]
        return _json(200, [r.as_json() for r in log])
    if method == "POST" and path == "/_store/outage":
        webhook_id = data.get("webhook_id")
        store.set_outage(bool(data.get("outage", True)), int(webhook_id) if webhook_id is not None else None)
        return _json(200, state_summary(store))
    if method == "POST" and path == "/_store/hold":
        store.hold_webhooks(bool(data.get("held", True)))
        return _json(200, {"held": bool(data.get("held", True))})
    if method == "POST" and path == "/_store/flush":
        return _json(200, {"flushed": store.flush_webhooks(float(data.get("timeout", 10)))})
    return _json(404, {"error": f"no inspection endpoint {method} {path}"})


def state_summary(store: "WooStore") -> dict[str, Any]:
    with store.lock:
        state = store.state
        settings = asdict(state.settings)
        settings["tax_classes"] = list(settings["tax_classes"])
        return {
            "url": store.url,
            "api_url": store.api_url,
            "home_url": state.home_url,
            "consumer_key": store.consumer_key,
            "consumer_secret": store.consumer_secret,
            "api_keys": wc_auth.keys_json(store.api_keys),
            "key_grants": list(store.auth_log),
            "settings": {**settings, "decimals": state.settings.decimals},
            "counts": {
                "customers": len(state.customers),
                "products": len(state.products),
                "variations": len(state.variations),
                "orders": len(state.orders),
                "refunds": len(state.refunds),
                "tax_rates": len(state.tax_rates),
                "coupons": len(state.coupons),
            },
            "outage": store.outage,
            "webhooks": [
                {
                    "id": w.id,
                    "topic": w.topic,
                    "status": w.status,
                    "delivery_url": w.delivery_url,
                    "failure_count": w.failure_count,
                    "pending_delivery": w.pending_delivery,
                    "outage": w.outage,
                }
                for w in state.webhooks.values()
            ],
            "pending_deliveries": len(store.pending_deliveries()),
            "deliveries": len(store.delivery_log()),
        }


def _json(status: int, payload: Any) -> Response:
    return status, {"Content-Type": "application/json; charset=UTF-8"}, woo.wp_json_encode(payload)


def serve(store: "WooStore", host: str, port: int) -> QuietHTTPServer:
    from local.woo_store.api import RestApi

    api = RestApi(store)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.startswith("/_store/"):
                status, headers, payload = inspect(store, self.command, self.path, body)
            elif self.path.startswith("/wc-auth/v1/"):
                status, headers, payload = wc_auth.handle(store, self.command, self.path)
            else:
                status, headers, payload = api.handle(self.command, self.path, dict(self.headers), body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    server = QuietHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True, name="woo-store").start()
    return server
