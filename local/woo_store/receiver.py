"""A webhook receiver for tests and drills: records every request and answers with a status
you choose (a fixed code, or a function of the request), optionally after a delay."""

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
    headers: dict[str, str]
    body: bytes

    @property
    def topic(self) -> str:
        return self.headers.get("x-wc-webhook-topic", "")

    @property
    def is_ping(self) -> bool:
        return not self.topic and self.body.startswith(b"webhook_id=")


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
                body = b'{"ok":true}'
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", receiver.url + "/moved")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting (a timeout drill)
                    return

        self._server = QuietHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True, name="receiver").start()
        return self

    def deliveries(self, topic: str | None = None) -> list[Received]:
        """Webhook deliveries received (pings left out), optionally of one topic."""
        with self._lock:
            return [r for r in self.requests if not r.is_ping and (topic is None or r.topic == topic)]

    def pings(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.is_ping]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
