"""A webhook receiver for tests and drills: records every request and answers with a status you
choose (a fixed code, or a function of the request), optionally after a delay (real seconds)."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from local.http import QuietHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def topic(self) -> str:
        return self.headers.get("x-shopify-topic", "")

    @property
    def webhook_id(self) -> str:
        return self.headers.get("x-shopify-webhook-id", "")


class Receiver:
    def __init__(self, status: int | Callable[[Received], int] = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._server: QuietHTTPServer | None = None
        self.url = ""

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                with receiver._lock:
                    receiver.requests.append(got)
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.status(got) if callable(receiver.status) else receiver.status
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting
                    return

        self._server = QuietHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True, name="receiver").start()
        return self

    def deliveries(self, topic: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if topic is None or r.topic == topic]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
