"""The console: every route, and an HTTP API event answered by the one that matches.

Pages register themselves on :data:`xerosync.console.web.router` when their module is imported;
:data:`PAGES` names the modules (add yours there: README.md beside this file).
"""

import importlib
from typing import Any
from urllib.parse import unquote

from xerosync.console import auth, context
from xerosync.console.page import problem
from xerosync.console.web import Request, router

PAGES = (
    "xerosync.console.access",  # sign in, sign out
    "xerosync.console.watch",  # status, the sync log, a record
    "xerosync.console.fix",  # retry, push, reconcile, drift
)

for _module in PAGES:
    importlib.import_module(_module)
auth.use(context.sessions)


def handle(event: dict[str, Any]) -> dict[str, Any]:
    request = Request.from_event(event)
    found = router.match(request.method, request.path)
    if found is None:
        return problem(404, "Not found", f"There is no page at {request.path}.").to_event()
    if found == "method":
        return problem(405, "Not allowed", f"{request.method} is not how this page is used.").to_event()
    assert not isinstance(found, str)
    route, params = found
    request.params = {k: unquote(v) for k, v in params.items()}
    return route.handler(request).to_event()
