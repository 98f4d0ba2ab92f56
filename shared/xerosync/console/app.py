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
from xerosync.observability import logger

PAGES = (
    "xerosync.console.access",  # sign in, sign out
    "xerosync.console.watch",  # status, the sync log
    "xerosync.console.record",  # a record: the store beside Xero
    "xerosync.console.fix",  # retry, push, reconcile, drift
    "xerosync.console.map",  # the settings as a form
    "xerosync.console.connect",  # Xero's consent, disconnect
    "xerosync.console.store_credentials",  # the store's API credentials
    "xerosync.console.store_grant",  # the store's approve page (a key it makes and sends)
)

for _module in PAGES:
    importlib.import_module(_module)
auth.use(context.sessions)


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """The answer to one request; logged by route and status (never its query: a sign-in token)."""
    request = Request.from_event(event)
    found = router.match(request.method, request.path)
    if found is None:
        response, pattern = problem(404, "Not found", f"There is no page at {request.path}."), "none"
    elif isinstance(found, str):
        response, pattern = problem(405, "Not allowed", f"{request.method} is not how this page is used."), "none"
    else:
        route, params = found
        request.params = {k: unquote(v) for k, v in params.items()}
        pattern = route.pattern
        try:
            response = route.handler(request)
        except Exception as exc:  # a page that broke says so, in the layout; the log has the trace
            logger.exception("console page failed", extra={"route": pattern, "error": type(exc).__name__})
            detail = (
                f"{type(exc).__name__}: the function's log has the details. Nothing was changed by the page itself."
            )
            response = problem(500, "This page failed", detail, session=request.session)
    who = request.session.who if request.session is not None else ""
    logger.info("console", extra={"method": request.method, "route": pattern, "status": response.status, "who": who})
    return response.to_event()
