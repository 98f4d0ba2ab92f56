"""The local servers' HTTP server: threaded, and quiet about clients that hang up.

Clients hanging up mid-request is normal here (the sandbox's dropped-connection faults, workers
killed by the chaos run, urllib3 discarding pooled connections): the standard library would
print a traceback for each one.
"""

import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # the standard library's backlog of 5 drops connections when a batch's workers, the
    # pollers and the CLI all connect at once; a dropped SYN costs the client a second or more
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


Response = tuple[int, dict[str, str], bytes]
Route = Callable[[str, str, dict[str, str], bytes], Response]


def serve(route: Route, host: str, port: int, name: str) -> QuietHTTPServer:
    """Serve ``route(method, target, lower-cased headers, body) -> (status, headers, body)`` on a
    daemon thread: the plumbing every simulator needs, so each keeps only its routing."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, reply, payload = route(self.command, self.path, headers, body)
            self.send_response(status)
            for key, value in reply.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    server = QuietHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True, name=name).start()
    return server
