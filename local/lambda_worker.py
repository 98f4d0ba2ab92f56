"""One warm Lambda execution environment: a process that imports a handler and runs invocations.

Started by :mod:`local.functions` with the function's own environment (read back from the
deployed stack) and ``sys.path`` laid out as in Lambda (the function's code first, then
its layers). Requests arrive on stdin and answers leave on a private pipe, one JSON line
each, so whatever the handler prints (Powertools logs, EMF metrics) goes to the log file
like CloudWatch would receive it. Handlers run unchanged: they never know they are local.

Run as ``python -m local.lambda_worker <code dir> <handler> <answer fd> [layer dir ...]``.
"""

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object the Lambda Python runtime passes to handlers."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def main() -> None:
    code_dir, handler_name, answer_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    layers = sys.argv[4:]
    # Lambda's path: the function's code, then its layers, then the runtime's packages; not
    # this folder (the script's own), so a handler cannot reach the local tooling.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [code_dir, *layers, *(p for p in sys.path if p and os.path.abspath(p) != here)]
    os.chdir(code_dir)
    answers = os.fdopen(answer_fd, "w", buffering=1)
    module_name, _, function_name = handler_name.rpartition(".")

    init_error: dict[str, Any] | None = None
    handler: Any = None
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except BaseException as exc:  # an init error is reported on every invocation, as Lambda does
        init_error = _error(exc)
        traceback.print_exc()

    answers.write(json.dumps({"ready": True, "init_error": init_error}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        if init_error:
            answers.write(json.dumps({"id": request["id"], "ok": False, "error": init_error}) + "\n")
            continue
        context = LambdaContext(request["request_id"], request["deadline_ms"])
        try:
            result = handler(request["event"], context)
            answer = {"id": request["id"], "ok": True, "result": result}
            text = json.dumps(answer, default=str)
        except Exception as exc:
            traceback.print_exc()
            text = json.dumps({"id": request["id"], "ok": False, "error": _error(exc)})
        sys.stdout.flush()
        sys.stderr.flush()
        answers.write(text + "\n")


if __name__ == "__main__":
    main()
