"""The local stack: template.yaml deployed into moto, wired as AWS wires it.

* moto runs in server mode, in this process (so :mod:`local.moto_ext` can add what its
  CloudFormation lacks), or with ``moto_process=True`` in a process of its own
  (:mod:`local.moto_process`: for long runs, where this process is busy itself); everything
  talks to it over HTTP through ``AWS_ENDPOINT_URL``.
* template.yaml is SAM-transformed and deployed into moto's CloudFormation: the queues,
  tables, secrets, parameter, functions and event source mappings that exist afterwards
  are the ones AWS would create, named from the stack name.
* Each deployed function runs in warm worker processes with the environment moto resolved
  for it (:mod:`local.functions`).
* The template's ``HttpApi`` routes are served on a local port as API Gateway HTTP API
  (payload v2) would: the request becomes a v2 event, the function's answer the response.
* Each SQS event source mapping is polled as Lambda polls it: real SQS batches up to the
  batch size, ``ReportBatchItemFailures`` honoured, failed records left to the visibility
  timeout and the queue's redrive policy.

* EventBridge schedules are not run by moto: :meth:`LocalStack.run_schedule` invokes a
  function now with the event its ``Schedule`` (or ``ScheduleV2``) would send.

Handlers run unchanged. The only things that differ from AWS are ``AWS_ENDPOINT_URL``, the
Xero URLs and the API's public URL (``PublicApiUrl``: where the store and Xero deliver
webhooks), which are template parameters.
"""

import base64
import contextlib
import importlib
import io
import json
import logging
import os
import socket
import threading
import time
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
from botocore.config import Config

from local import moto_ext  # registers CloudFormation models before moto caches its list
from local.functions import FunctionConfig, InvokeResult, LocalFunction
from local.http import QuietHTTPServer
from local.sam import CODE_BUCKET, ROOT, HttpRoute, Template, http_routes, load

REGION = "us-east-1"
ACCOUNT = "123456789012"
NOT_DEPLOYED = ("AWS::ApiGatewayV2::", "AWS::CloudWatch::Alarm", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy")
# Inside a batching window, a poller holding some records asks a quiet queue again after this long
# rather than at once: asking back to back kept this process (where moto serves the functions' AWS
# calls too) busy for the whole window. A batch still closes when the window ends or it is full.
WINDOW_POLL = 0.05
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
# Where the stacks' function logs go, one folder a stack name: local/.run/logs, or the folder this
# names. A stack empties its folder when it starts, so two processes that may each start a stack of
# one name (the test suite's parallel workers) give each its own (tests/conftest.py).
LOGS_VARIABLE = "XEROSYNC_RUN_LOGS"


def logs_root() -> Path:
    return Path(os.environ.get(LOGS_VARIABLE) or ROOT / "local" / ".run" / "logs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PollerStats:
    batches: int = 0
    records: int = 0
    failed_records: int = 0
    failed_invocations: int = 0
    in_flight: int = 0
    oldest_age_ms: int = 0  # the oldest message received (SentTimestamp to its receive), wall clock
    runner_errors: list[str] = field(default_factory=list)  # the runner's own (receive, delete) failures


class LocalStack:
    def __init__(
        self,
        *,
        stack_name: str = "xerosync-local",
        store_name: str = "local",
        parameters: dict[str, str] | None = None,
        log_dir: Path | None = None,
        moto_port: int | None = None,
        api_port: int | None = None,
        poll: bool = True,
        extra_env: dict[str, str] | None = None,
        extra_layers: tuple[Path, ...] = (),
        share_aws_with: "LocalStack | None" = None,
        moto_process: bool = False,
        moto_setup: tuple[str, ...] = (),
    ) -> None:
        """``share_aws_with``: deploy into that (started) stack's moto instead of a moto of its
        own, as a merchant's second stack shares the first one's account and region (the
        multi-store run: one stack's table is the other's Xero budget). ``extra_env`` reaches every
        function besides what the template sets: only for simulations (the benchmark's faster
        clock, XEROSYNC_TIME_SCALE/EPOCH). ``extra_layers`` are folders every function gets as
        further layers, after the template's: as a merchant adds a layer holding a store adapter
        kept outside the package. ``moto_process``: moto in a child process (:mod:`local.moto_process`),
        ``moto_setup`` the ``"module:function"`` names it calls before serving (the benchmark's meter)."""
        self.stack_name = stack_name
        self.store_name = store_name
        self.parameters = {"StoreName": store_name, **(parameters or {})}
        self.log_dir = log_dir or logs_root() / stack_name
        self.moto_port: int = share_aws_with.moto_port if share_aws_with else moto_port or free_port()
        self._owns_moto = share_aws_with is None
        self._moto_host: LocalStack = share_aws_with or self
        self.moto_process = moto_process
        self.moto_setup = tuple(moto_setup)
        self.api_port = api_port or free_port()
        self.poll = poll
        self.extra_env = dict(extra_env or {})
        self.extra_layers = tuple(extra_layers)
        self.aws_endpoint = f"http://127.0.0.1:{self.moto_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.functions: dict[str, LocalFunction] = {}
        self.outputs: dict[str, str] = {}
        self.resources: dict[str, str] = {}  # logical id -> physical id
        self.pollers: list[_QueuePoller] = []
        self.poller_stats: dict[str, PollerStats] = {}
        self._moto: Any = None
        self._api: QuietHTTPServer | None = None
        self._stop = threading.Event()
        self.pollers_held = threading.Event()
        self.template: Template | None = None
        self.routes: list[HttpRoute] = []

    # --- AWS clients for the tooling (never for the functions, which build their own) ---------
    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.aws_endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's
            config=Config(retries={"max_attempts": 2}),
        )

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> "LocalStack":
        if self._owns_moto:
            self._start_moto()
        self.template = load(region=REGION)
        if "PublicApiUrl" in self.template.source.get("Parameters", {}):
            # the store and Xero reach the stack here, not at an execute-api URL
            self.parameters.setdefault("PublicApiUrl", self.api_url)
        self._deploy(self.template)
        self._load_functions(self.template)
        self.routes = http_routes(self.template)
        self._start_api()
        if self.poll:
            self._start_pollers()
        return self

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for poller in self.pollers:
            poller.join(timeout=5)
        if self._api:
            self._api.shutdown()
            self._api.server_close()
        for function in self.functions.values():
            function.close()
        if self._moto:
            self._moto.stop()

    def _start_moto(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call otherwise
        # The HTTP API is served by this runner from the template's routes, not by moto.
        # Nor are the alarms and the email subscription: nothing here runs CloudWatch or SNS email.
        warnings.filterwarnings("ignore", message=f".*({'|'.join(NOT_DEPLOYED)}).*")
        logging.getLogger("moto").addFilter(lambda record: not any(t in record.getMessage() for t in NOT_DEPLOYED))
        if self.moto_process:
            from local.moto_process import MotoProcess

            self._moto = MotoProcess(self.moto_port, setup=self.moto_setup, quiet=NOT_DEPLOYED)
            return
        self._moto = moto_ext.start_moto(self.moto_port)

    def in_moto(self, target: str, *args: Any) -> Any:
        """``"module:function"(*args)`` where moto's backends are: in the moto process when there
        is one, else here."""
        host = self._moto_host._moto
        if host is not None and hasattr(host, "call"):
            return host.call(target, *args)
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module), name)(*args)

    def _deploy(self, template: Template) -> None:
        s3 = self.client("s3")
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=CODE_BUCKET)
        placeholder = io.BytesIO()
        with zipfile.ZipFile(placeholder, "w") as z:
            z.writestr("README", "the local runner runs the code from its folder")
        for logical_id in template.code_paths:
            s3.put_object(Bucket=CODE_BUCKET, Key=f"{logical_id}.zip", Body=placeholder.getvalue())

        cloudformation = self.client("cloudformation")
        cloudformation.create_stack(
            StackName=self.stack_name,
            TemplateBody=json.dumps(template.cloudformation),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        stack = cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"][0]
        if stack["StackStatus"] != "CREATE_COMPLETE":
            raise RuntimeError(f"stack {self.stack_name}: {stack['StackStatus']} {stack.get('StackStatusReason')}")
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        summaries = cloudformation.list_stack_resources(StackName=self.stack_name)["StackResourceSummaries"]
        self.resources = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in summaries}
        self.in_moto("local.moto_ext:detach_queue_triggers", ACCOUNT, REGION)

    def _layers_of(self, template: Template, logical_id: str) -> tuple[Path, ...]:
        source = template.source["Resources"]
        globals_layers = template.source.get("Globals", {}).get("Function", {}).get("Layers", [])
        layers = source[logical_id].get("Properties", {}).get("Layers", globals_layers)
        paths = []
        for layer in layers:
            ref = layer.get("Ref") if isinstance(layer, dict) else None
            if ref and ref in template.code_paths:
                paths.append(template.code_paths[ref])
        return tuple(paths)

    def _base_env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "PYTHONUNBUFFERED": "1",
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            **self.extra_env,
        }

    def _load_functions(self, template: Template) -> None:
        for old in self.log_dir.glob("*.log"):  # a stack's logs start with the stack
            old.unlink()
        lambda_client = self.client("lambda")
        for logical_id, res in template.source["Resources"].items():
            if res["Type"] != "AWS::Serverless::Function":
                continue
            deployed = lambda_client.get_function_configuration(FunctionName=self.resources[logical_id])
            config = FunctionConfig(
                logical_id=logical_id,
                name=deployed["FunctionName"],
                handler=deployed["Handler"],
                code_dir=template.code_paths[logical_id],
                layers=(*self._layers_of(template, logical_id), *self.extra_layers),
                # Lambda's environment values are strings; moto hands numeric !Refs back as numbers
                environment={k: str(v) for k, v in deployed.get("Environment", {}).get("Variables", {}).items()},
                timeout=float(deployed.get("Timeout", 3)),
                memory_mb=int(deployed.get("MemorySize", 128)),
            )
            self.functions[logical_id] = LocalFunction(
                config, self._base_env(), self.log_dir / f"{logical_id}.log", max_workers=8
            )

    # --- API Gateway HTTP API ----------------------------------------------------------------
    def _start_api(self) -> None:
        stack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = stack.http_request(
                    self.command, self.path, dict(self.headers), body, self.client_address[0]
                )
                self.send_response(status)
                for name, value in headers.items():
                    for line in value.split("\n"):  # Set-Cookie: one header per cookie (_http_response)
                        self.send_header(name, line)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._api = QuietHTTPServer(("127.0.0.1", self.api_port), Handler)
        self._api.daemon_threads = True
        threading.Thread(target=self._api.serve_forever, args=(0.05,), daemon=True, name="http-api").start()

    def _match(self, method: str, path: str) -> HttpRoute | None:
        # as API Gateway does, the most specific route wins: /webhooks/xero before /webhooks/{source}
        matches = [r for r in self.routes if r.method in (method, "ANY") and _path_matches(r.path, path)]
        return min(matches, key=lambda r: r.path.count("{"), default=None)

    def http_request(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str = "127.0.0.1"
    ) -> tuple[int, dict[str, str], bytes]:
        """One request through the HTTP API, as API Gateway would make it (payload format 2.0)."""
        url = urlsplit(raw_path)
        route = self._match(method, url.path)
        if route is None:
            return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
        lower = {k.lower(): v for k, v in headers.items()}
        # payload 2.0 carries the Cookie header's cookies in "cookies", not among the headers
        cookies = [c.strip() for c in lower.pop("cookie", "").split(";") if c.strip()]
        content_type = lower.get("content-type", "")
        is_text = content_type.startswith(TEXT_TYPES) or content_type.endswith("+json")
        now = datetime.now(UTC)
        event = {
            "version": "2.0",
            "routeKey": f"{route.method} {route.path}",
            "rawPath": url.path,
            "rawQueryString": url.query,
            "headers": lower,
            **({"cookies": cookies} if cookies else {}),
            "queryStringParameters": dict(parse_qsl(url.query)) or None,
            "pathParameters": _path_parameters(route.path, url.path),
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": "local",
                "domainName": lower.get("host", "127.0.0.1"),
                "domainPrefix": "local",
                "http": {
                    "method": method,
                    "path": url.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": source_ip,
                    "userAgent": lower.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": f"{route.method} {route.path}",
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "body": (body.decode("utf-8") if is_text else base64.b64encode(body).decode()) if body else None,
            "isBase64Encoded": bool(body) and not is_text,
        }
        result = self.functions[route.function].invoke(event)
        return _http_response(result)

    # --- SQS event source mappings ------------------------------------------------------------
    def _start_pollers(self) -> None:
        mappings = self.client("lambda").list_event_source_mappings()["EventSourceMappings"]
        by_name = {f.config.name: f for f in self.functions.values()}
        sqs = self.client("sqs")
        for esm in mappings:
            function = by_name.get(esm["FunctionArn"].rsplit(":", 1)[-1])
            if function is None or ":sqs:" not in esm["EventSourceArn"] or esm.get("State") != "Enabled":
                continue
            queue_name = esm["EventSourceArn"].rsplit(":", 1)[-1]
            queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            stats = self.poller_stats.setdefault(function.config.logical_id, PollerStats())
            concurrency = int((esm.get("ScalingConfig") or {}).get("MaximumConcurrency", 2))
            for _ in range(concurrency):
                poller = _QueuePoller(self, esm, queue_url, function, stats)
                poller.start()
                self.pollers.append(poller)

    @contextlib.contextmanager
    def hold_pollers(self) -> Iterator[None]:
        """Stop receiving from the queues while a bulk enqueue runs. Simulation only: moto's
        SQS lives in this process, and pollers receiving from a queue that grows by thousands
        starve the thread that fills it (in AWS, the sender and the pollers do not share a CPU)."""
        self.pollers_held.set()
        try:
            yield
        finally:
            self.pollers_held.clear()

    def queue_depths(self) -> dict[str, int]:
        """Visible plus in-flight messages of every queue in the stack."""
        sqs = self.client("sqs")
        depths = {}
        for logical_id, physical in self.resources.items():
            if physical.startswith("https://sqs.") or physical.startswith("http://"):
                attrs = sqs.get_queue_attributes(
                    QueueUrl=physical,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                depths[logical_id] = int(attrs["ApproximateNumberOfMessages"]) + int(
                    attrs["ApproximateNumberOfMessagesNotVisible"]
                )
        return depths

    def wait_idle(self, timeout: float = 60.0, *, queues: tuple[str, ...] = ()) -> bool:
        """Wait until the source queues (all non-DLQ queues by default) are empty and nothing runs."""
        deadline = time.monotonic() + timeout
        watched = queues or tuple(k for k in self.resources if k.endswith("Queue"))
        urls = [self.resources[q] for q in watched if self.resources.get(q, "").startswith(("https://sqs.", "http://"))]
        sqs_calls = self.client("sqs")
        while time.monotonic() < deadline:
            # busy without asking moto while an invocation runs (each ask takes this process's time
            # from the functions' AWS calls, which moto serves here too); idle when the queues are
            # empty and no invocation ran meanwhile (one that started and ended between two asks
            # may have sent to a queue already asked)
            before = self._invocations()
            if (
                before is not None
                and all(self._depth(sqs_calls, url) == 0 for url in urls)
                and self._invocations() == before
            ):
                return True
            time.sleep(0.1)
        return False

    def _invocations(self) -> int | None:
        """The batches the pollers have delivered so far, or None while one is being delivered."""
        stats = list(self.poller_stats.values())
        if any(s.in_flight for s in stats):
            return None
        return sum(s.batches for s in stats)

    @staticmethod
    def _depth(sqs: Any, queue_url: str) -> int:
        attrs = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def queue_url(self, logical_id: str) -> str:
        return self.resources[logical_id]

    # --- EventBridge schedules (moto does not run them) -----------------------------------------
    def run_schedule(self, logical_id: str, *, when: datetime | None = None) -> InvokeResult:
        """Invoke ``logical_id`` now with the event its ``Schedule``/``ScheduleV2`` would send,
        as EventBridge (or EventBridge Scheduler) invokes it: asynchronously in AWS, here in the
        caller's thread, returning the result."""
        return self.functions[logical_id].invoke(self.scheduled_event(logical_id, when=when))

    def scheduled_event(self, logical_id: str, *, when: datetime | None = None) -> dict[str, Any]:
        assert self.template is not None, "start the stack first"
        events = self.template.source["Resources"][logical_id].get("Properties", {}).get("Events") or {}
        for name, event in events.items():
            if event.get("Type") in ("Schedule", "ScheduleV2"):
                v2 = event["Type"] == "ScheduleV2"
                physical = self.resources.get(f"{logical_id}{name}", f"{logical_id}{name}")
                kind = "schedule" if v2 else "rule"
                arn = (
                    physical
                    if physical.startswith("arn:")
                    else f"arn:aws:{'scheduler' if v2 else 'events'}:{REGION}:{ACCOUNT}:{kind}/{physical}"
                )
                return {
                    "version": "0",
                    "id": str(uuid.uuid4()),
                    "detail-type": "Scheduled Event",
                    "source": "aws.scheduler" if v2 else "aws.events",
                    "account": ACCOUNT,
                    "time": (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "region": REGION,
                    "resources": [arn],
                    "detail": {},
                }
        raise ValueError(f"{logical_id} has no Schedule or ScheduleV2 event in template.yaml")

    def secret_arn(self, logical_id: str) -> str:
        return self.resources[logical_id]

    def put_secret(self, logical_id: str, value: str) -> None:
        self.client("secretsmanager").put_secret_value(SecretId=self.resources[logical_id], SecretString=value)

    def put_settings(self, text: str) -> None:
        self.client("ssm").put_parameter(
            Name=self.outputs["SettingsParameterName"], Value=text, Type="String", Overwrite=True
        )


def _path_matches(pattern: str, path: str) -> bool:
    want, got = pattern.strip("/").split("/"), path.strip("/").split("/")
    if want and want[-1].endswith("+}"):
        return len(got) >= len(want) - 1 and all(
            w == g or w.startswith("{") for w, g in zip(want[:-1], got, strict=False)
        )
    return len(want) == len(got) and all(
        w == g or (w.startswith("{") and w.endswith("}")) for w, g in zip(want, got, strict=True)
    )


def _path_parameters(pattern: str, path: str) -> dict[str, str] | None:
    """The values of a route's ``{name}`` segments in ``path`` (``{name+}`` takes the rest)."""
    want, got = pattern.strip("/").split("/"), path.strip("/").split("/")
    found = {}
    for i, segment in enumerate(want):
        if segment.startswith("{") and segment.endswith("+}"):
            found[segment[1:-2]] = "/".join(got[i:])
        elif segment.startswith("{") and segment.endswith("}") and i < len(got):
            found[segment[1:-1]] = got[i]
    return found or None


def _http_response(result: InvokeResult) -> tuple[int, dict[str, str], bytes]:
    if not result.ok:
        if result.error and result.error.get("errorType") == "Sandbox.Timedout":
            return 503, {"content-type": "application/json"}, b'{"message":"Service Unavailable"}'
        return 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}'
    payload = result.payload
    if isinstance(payload, dict) and "statusCode" in payload:
        body = payload.get("body") or ""
        raw = base64.b64decode(body) if payload.get("isBase64Encoded") else str(body).encode()
        headers = {str(k).lower(): str(v) for k, v in (payload.get("headers") or {}).items()}
        if payload.get("cookies"):  # API Gateway sends each as a Set-Cookie header of its own
            headers["set-cookie"] = "\n".join(str(c) for c in payload["cookies"])
        return int(payload["statusCode"]), headers, raw
    return 200, {"content-type": "application/json"}, json.dumps(payload).encode()


class _QueuePoller(threading.Thread):
    """One of Lambda's pollers for an SQS event source mapping."""

    def __init__(
        self, stack: LocalStack, esm: dict[str, Any], queue_url: str, function: LocalFunction, stats: PollerStats
    ) -> None:
        super().__init__(daemon=True, name=f"poller-{function.config.logical_id}")
        self.stack = stack
        self.esm = esm
        self.queue_url = queue_url
        self.function = function
        self.stats = stats
        self.batch_size = int(esm.get("BatchSize", 10))
        # the window is in the functions' clock (a simulation's faster clock shortens it, as it does
        # the functions' own retry delays), so that a batch gathers what Lambda's would
        scale = float(stack.extra_env.get("XEROSYNC_TIME_SCALE", "1") or 1)
        self.window = float(esm.get("MaximumBatchingWindowInSeconds", 0)) / max(scale, 1.0)
        self.report_failures = "ReportBatchItemFailures" in (esm.get("FunctionResponseTypes") or [])
        self.sqs = stack.client("sqs")

    def run(self) -> None:
        while not self.stack._stop.is_set():
            if self.stack.pollers_held.is_set():  # a bulk enqueue in progress (see hold_pollers)
                self.stack._stop.wait(0.2)
                continue
            try:
                messages = self._receive()
            except Exception as exc:  # moto stopping, or a transient error: poll again
                self._runner_error("receive", exc)
                if self.stack._stop.wait(0.5):
                    return
                continue
            if messages:
                try:
                    self._deliver(messages)
                except Exception as exc:  # the runner's own failure: the messages come back after their timeout
                    self._runner_error("deliver", exc)
                    logging.getLogger("local.stack").exception("delivering a batch failed")

    def _runner_error(self, doing: str, exc: Exception) -> None:
        if not self.stack._stop.is_set():
            self.stats.runner_errors.append(f"{doing}: {type(exc).__name__}: {exc}"[:300])

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.window
        while len(messages) < self.batch_size:
            try:
                reply = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                    WaitTimeSeconds=0 if messages else 1,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            except Exception as exc:
                if not messages:
                    raise
                # the messages already received are invisible now: deliver them rather than
                # leave them hidden for the whole visibility timeout
                self._runner_error("receive", exc)
                break
            got = reply.get("Messages", [])
            messages.extend(got)
            if not got and (not messages or time.monotonic() >= deadline):
                break
            if messages and time.monotonic() >= deadline and len(got) < 10:
                break
            if not got and self.stack._stop.wait(min(WINDOW_POLL, max(0.0, deadline - time.monotonic()))):
                break  # a quiet queue inside the window: ask again shortly, not at once (see WINDOW_POLL)
        return messages

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = {
            name: {
                "stringValue": a.get("StringValue"),
                "binaryValue": a.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": a.get("DataType", "String"),
            }
            for name, a in (message.get("MessageAttributes") or {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.esm["EventSourceArn"],
            "awsRegion": REGION,
        }

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        now_ms = int(time.time() * 1000)
        sent = [int((m.get("Attributes") or {}).get("SentTimestamp", now_ms)) for m in messages]
        self.stats.oldest_age_ms = max(self.stats.oldest_age_ms, now_ms - min(sent, default=now_ms))
        self.stats.in_flight += 1
        try:
            result = self.function.invoke({"Records": [self._record(m) for m in messages]})
            self.stats.batches += 1
            self.stats.records += len(messages)
            failed = self._failed_ids(result, messages)
            self.stats.failed_records += len(failed)
            done = [m for m in messages if m["MessageId"] not in failed]
            for i in range(0, len(done), 10):
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done[i : i + 10])
                    ],
                )
        finally:
            self.stats.in_flight -= 1

    def _failed_ids(self, result: InvokeResult, messages: list[dict[str, Any]]) -> set[str]:
        everything = {m["MessageId"] for m in messages}
        if not result.ok:
            self.stats.failed_invocations += 1
            return everything  # the whole batch returns to the queue after its visibility timeout
        if not self.report_failures:
            return set()
        payload = result.payload
        if not isinstance(payload, dict):
            return set() if payload is None else everything
        failures = payload.get("batchItemFailures") or []
        ids = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
        if any(not i or i not in everything for i in ids):
            return everything  # Lambda treats an unknown or empty identifier as a failure of the whole batch
        return {str(i) for i in ids}
