"""The merchant's console: server-rendered pages behind a sign-in (xerosync.console).

Its own function, so that nothing of it reaches the sync functions' cold start."""

from typing import Any

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync.console.app import handle
    from xerosync.observability import logger


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event)
