"""The local servers' HTTP server: threaded, and quiet about clients that hang up.

Clients hanging up mid-request is normal here (the sandbox's dropped-connection faults, workers
killed by the chaos run, urllib3 discarding pooled connections): the standard library would
print a traceback for each one.
"""

import sys
from http.server import ThreadingHTTPServer
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
