"""Acme's side, for the tests: its REST API over HTTP (records the test puts in it) and its signed
webhook deliveries. Written apart from the adapter (the signature, the page shape), so the two
check each other. Not part of the adapter: the layer carries it only because it sits beside it.
"""

import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PAGE = 2  # small pages, so a listing follows its cursor
CREATED = "2026-11-20T00:00:00Z"  # when a webhook made through the API was created


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def deliver(
    url: str,
    kind_change: str,
    record: dict[str, Any],
    secret: str,
    *,
    shop: str = "acme-e2e.example",
    sign_with: str | None = None,
    body: bytes | None = None,
) -> tuple[int, bytes]:
    """POST one Acme event to ``url`` as Acme sends it: the record in ``data``, signed (with
    ``sign_with`` instead of the secret to forge; ``body`` to send other bytes, signed)."""
    event = {"type": kind_change, "eventId": f"evt_{uuid.uuid4().hex[:12]}", "shop": shop, "data": record}
    raw = body if body is not None else json.dumps(event).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Acme-Hooks/2.1"}
    if sign_with != "":
        headers["X-Acme-Signature"] = signature(raw, sign_with if sign_with is not None else secret)
    request = urllib.request.Request(url, data=raw, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class AcmeShop:
    """Acme's API for one shop: ``/v1/{orders,customers,products,webhooks}``, bearer key."""

    api_key: str = "acme_live_e2e"
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"orders": {}, "customers": {}, "products": {}, "webhooks": {}}
    )
    requests: list[str] = field(default_factory=list)  # "GET /v1/orders/ord_7Hx2", in order
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/shops/e2e"

    def put(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        self.records[collection][record["id"]] = json.loads(json.dumps(record))
        return record

    def start(self) -> "AcmeShop":
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self) -> None:
                url = urlsplit(self.path)
                shop.requests.append(f"{self.command} {url.path.removeprefix('/shops/e2e')}")
                if self.headers.get("Authorization") != f"Bearer {shop.api_key}":
                    return self._answer(401, {"error": "bad key"})
                parts = [unquote(p) for p in url.path.removeprefix("/shops/e2e/v1/").split("/") if p]
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                if not parts or parts[0] not in shop.records:
                    return self._answer(404, {"error": "no such collection"})
                status, answer = shop.handle(self.command, parts, parse_qs(url.query), body)
                return self._answer(status, answer)

            do_GET = do_POST = do_PATCH = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, method: str, parts: list[str], query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        collection = self.records[parts[0]]
        if len(parts) == 2:
            record = collection.get(parts[1])
            if record is None:
                return 404, {"error": f"no {parts[0]} {parts[1]}"}
            if method == "PATCH":
                record.update(body or {})
            return 200, record
        if method == "POST":
            made = {
                **(body or {}),
                "id": f"wh_{len(collection) + 1}",
                "active": True,
                "createdAt": "2026-11-20T00:00:00Z",
            }
            collection[made["id"]] = made
            return 201, made
        found = [r for r in collection.values() if _matches(r, {k: v[0] for k, v in query.items()})]
        start = int((query.get("cursor") or ["0"])[0])
        page = found[start : start + PAGE]
        return 200, {"data": page, "next": str(start + PAGE) if start + PAGE < len(found) else None}


def _matches(record: dict[str, Any], query: dict[str, str]) -> bool:
    if record.get("deleted") and query.get("include") != "deleted":
        return False
    if "updatedSince" in query and _when(record.get("updatedAt")) <= _when(query["updatedSince"]):
        return False
    placed = str(record.get("placedAt", ""))[:10]
    return query.get("placedFrom", "") <= placed <= query.get("placedTo", "9999") if "placedFrom" in query else True


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(str(value or "1970-01-01T00:00:00+00:00").replace("Z", "+00:00"))
