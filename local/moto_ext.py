"""What moto lacks for our local runtime, added in-process.

DynamoDB applies each request to an item atomically: a conditional write sees the item before
or after any other write, never between. moto's threaded server does not: its ``update_item``
reads the item, evaluates the condition, then writes, and a thread switch in between lets two
conditional writes both pass (with 12 threads and a short switch interval, 83 rounds in 200 had
two winners), and a scan beside a put can fail with "dictionary changed size during iteration".
Our claims, leases and the token-refresh lock rest on conditional writes, so :func:`start_moto`
serialises moto's DynamoDB requests. Other services run as moto runs them (SQS delivers at
least once in AWS too).

moto's SQS is quadratic in a queue's length, which a 10,000-order backfill makes plain (the
bench's drain slowed to about one order a second): every message a receive returns asks for
the queue's retention period through ``get_queue_attributes``, which computes *every*
attribute, three counts over all messages included, three times per attribute asked for;
each of those counts reads the clock once per message; a delete scans the messages twice and
copies the list. :func:`start_moto` replaces those four places with equivalents that read the
clock once and count once (same answers, same errors): :func:`speed_up_sqs`.

moto's SQS receive is not atomic either: two concurrent receives can both take the same visible
message (its first receipt handle then fails to delete it: "ReceiptHandleIsInvalid"), and a
receive iterating the queue's pending set while another request changes it fails with "Set
changed size during iteration" (both seen with six receivers and a sender, in about a second).
SQS hands a visible message to one receive only, so :func:`speed_up_sqs` also makes each receive
attempt, delete and visibility change whole under one lock; a long poll waits outside it.

moto 5.2.5 deploys every resource our SAM output needs except ``AWS::SecretsManager::Secret``
(it marks it CREATE_COMPLETE without creating anything, so ``!Ref`` to it resolves to
nothing and the functions lose their secret ARN). This registers a CloudFormation model
for it that creates the secret in moto's Secrets Manager, ``GenerateSecretString``
included. It must be imported before the first stack is created (moto caches its model
list), which :mod:`local.stack` does.
"""

import functools
import io
import json
import secrets
import string
import threading
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from botocore.exceptions import ClientError
from moto import backends
from moto.core import responses as moto_responses
from moto.core.common_models import CloudFormationModel
from moto.core.utils import unix_time, unix_time_millis
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api import recorder
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    BackendRequest,
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.secretsmanager.models import secretsmanager_backends
from moto.settings import DISABLE_GLOBAL_CORS
from moto.sqs.exceptions import InvalidAttributeName, ReceiptHandleIsInvalid
from moto.sqs.models import Message, Queue, SQSBackend
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.serving import BaseWSGIServer, make_server

_dynamodb = threading.RLock()
_unserialised = DynamoHandler.call_action


@wraps(_unserialised)
def _serialised(self: Any) -> Any:
    with _dynamodb:
        return _unserialised(self)


# werkzeug listens with a queue of 128 connections. A sync batch's 200 record threads, in each of
# several workers, connect at once when their pools are new (xerosync.aws.POOL_CONNECTIONS): past
# 128 waiting to be accepted, the kernel drops the rest and they fail after botocore's 3 s connect
# timeout (the bench's ConnectTimeoutErrors, and a lock or claim whose release failed so is held
# until its lease ends). DynamoDB's endpoints take them all; so does this.
LISTEN_QUEUE = 1024


def start_moto(port: int) -> ThreadedMotoServer:
    """moto's server on 127.0.0.1:``port``, started, one DynamoDB request at a time, its
    connections kept open between requests (:class:`KeepAliveRequestHandler`)."""
    BaseWSGIServer.request_queue_size = LISTEN_QUEUE
    DynamoHandler.call_action = _serialised  # type: ignore[method-assign]
    speed_up_sqs()
    list_modules_once()
    name_actions_once()
    server = KeepAliveMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler, but HTTP/1.1 connections stay open for the client's next request.

    werkzeug's development server answers every request with ``Connection: close`` (its
    ``run_wsgi``: http.server cannot drain a request body the application left unread before
    the next request line). Every AWS call of every function then opened a TCP connection, and
    moto started a thread for it (thousands of sockets in TIME_WAIT; on the client side urllib3's
    pool reduced to a connection per request, which AWS's endpoints never ask of a client). In a
    client loop of 3,200 DynamoDB requests, moto's CPU a request fell from 3.8 to 2.3 ms with its
    connections kept (its system time from 285 to 104 ticks).

    Here the body is read whole by its ``Content-Length`` before the application runs (so nothing
    is left unread), the answer is buffered and sent with its own ``Content-Length``, and the
    connection stays open unless the client asked to close it, the body came chunked, or the
    application failed. A body cut short (its client gone) is not run; a ``Content-Length`` that
    is not a number is answered 400. Idle connections end after ``timeout`` seconds (urllib3
    checks a pooled connection before it reuses it)."""

    timeout = 300

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # an idle connection ending, as it should: not an error of moto's
        super().log_error(format, *args)

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        keep_open = not self.close_connection
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            keep_open = False  # make_environ dechunks it as moto reads it: then close, as werkzeug does
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:  # no length to read the body by: refused, as a server would
                self._answer("400 Bad Request", [("Content-Type", "text/plain")], b"Bad Content-Length", False)
                self.close_connection = True
                return
            body = self.rfile.read(length) if length > 0 else b""
            if len(body) < length:
                # the client went away mid-request (the chaos run kills workers mid-batch): nobody
                # waits for an answer, and half a request is not given to moto to fail on
                self.close_connection = True
                return
            environ["wsgi.input"] = io.BytesIO(body)
            environ["wsgi.input_terminated"] = True
        answer: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = status, headers
            return written.append

        try:
            chunks = self.server.app(environ, start_response)
            try:
                body = b"".join([*written, *chunks])
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        except Exception as exc:  # as werkzeug's run_wsgi: a 500, logged, and this connection closed
            self.server.log("error", f"Error on request: {type(exc).__name__}: {exc}")
            answer = {"status": "500 Internal Server Error", "headers": [("Content-Type", "text/plain")]}
            body, keep_open = b"Internal Server Error", False
        self._answer(answer["status"], answer["headers"], body, keep_open)
        self.close_connection = not keep_open

    def _answer(self, status: str, headers: list[tuple[str, str]], body: bytes, keep_open: bool) -> None:
        code = int(status.split(None, 1)[0])
        lines = [f"HTTP/1.1 {status}\r\n"]
        head = self.command == "HEAD"
        for name, value in headers:
            lowered = name.lower()
            if lowered in ("connection", "transfer-encoding") or (lowered == "content-length" and not head):
                continue
            lines.append(f"{name}: {value}\r\n")
        with_body = not head and not (100 <= code < 200 or code in (204, 304))
        if with_body:
            lines.append(f"Content-Length: {len(body)}\r\n")
        lines.append("Connection: keep-alive\r\n\r\n" if keep_open else "Connection: close\r\n\r\n")
        self.wfile.write("".join(lines).encode("latin-1") + (body if with_body else b""))
        self.wfile.flush()


class KeepAliveMotoServer(ThreadedMotoServer):
    """moto's ``ThreadedMotoServer`` with :class:`KeepAliveRequestHandler` (its own start picks
    werkzeug's handler, not a parameter)."""

    def _server_entry(self) -> None:
        app = DynamoDBFirst(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=KeepAliveRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


DYNAMODB_TARGET = "DynamoDB_20120810."


class DynamoDBFirst:
    """A WSGI application that hands a DynamoDB request straight to moto's ``DynamoHandler`` and
    every other request to ``app`` (moto's dispatcher and its Flask application per service).

    DynamoDB is most of what the local stack asks of moto (some 14 requests an order, SQS under
    one). For each, moto's dispatcher picks the service's Flask application, Flask builds its
    request context, routes the only URL DynamoDB has, and wraps the answer in its ``Response``,
    CORS header included: some 11 % of moto's CPU in a backfill, around the same call this makes
    (``convert_to_flask_response``'s body: moto's own request type, the recorder, the handler's
    ``dispatch``). The answers are moto's, byte for byte (tests/integration/test_moto_keepalive.py
    compares both paths)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(DYNAMODB_TARGET) or environ.get("PATH_INFO") != "/":
            return self.app(environ, start_response)
        request = BackendRequest(environ)
        recorder._record_request(request)
        try:
            result = DynamoHandler.dispatch(request, request.raw_url, dict(request.headers))
        except ClientError as exc:  # as convert_to_flask_response
            result = 400, {}, exc.response["Error"]["Message"]
        status, headers, content = result if len(result) == 3 else (200, {}, result)
        code = int(status)
        answer = [(str(name), str(value)) for name, value in headers.items()]
        if not any(name.lower() == "content-type" for name, _ in answer):
            answer.append(("Content-Type", "text/html; charset=utf-8"))  # Flask's default
        if not DISABLE_GLOBAL_CORS:
            answer.append(("Access-Control-Allow-Origin", "*"))  # flask-cors, as moto configures it
        start_response(f"{code} {HTTP_STATUS_CODES.get(code, 'UNKNOWN').upper()}", answer)
        return [content.encode() if isinstance(content, str) else content or b""]


def name_actions_once() -> None:
    """moto looks up the action a request names among its response class's methods with
    ``inspect.getmembers`` on every request (``method_names_from_class``): some 5 % of its time
    serving DynamoDB. A class's methods do not change while it runs: list them once a class."""
    names = moto_responses.method_names_from_class  # type: ignore[attr-defined]
    if getattr(names, "cache_info", None):
        return
    moto_responses.method_names_from_class = functools.cache(names)  # type: ignore[attr-defined]


def list_modules_once() -> None:
    """moto's server asks which of its service folders exist on every request it routes (a
    directory listing and a ``stat`` per folder, some 200, under the dispatcher's lock): a third
    of its time in a backfill. The folders do not change while it runs: list them once."""
    if getattr(backends.list_of_moto_modules, "listed_once", False):
        return
    modules = tuple(backends.list_of_moto_modules())

    def listed() -> tuple[str, ...]:
        return modules

    listed.listed_once = True  # type: ignore[attr-defined]
    backends.list_of_moto_modules = listed


def _visible(queue: Queue) -> list[Message]:
    now = unix_time_millis()
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]


def _not_visible(queue: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if not now > m.visible_at)


def _delayed(queue: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if now < m.delayed_until)


def _retained(backend: SQSBackend, queue_name: str, message: Message) -> bool:
    queue: Any = backend.get_queue(queue_name)  # its attributes are set by name from the queue attributes
    retention = int(queue.message_retention_period)
    return retention + int(message.sent_timestamp or 0) / 1000 > unix_time()


_all_attributes = SQSBackend.get_queue_attributes


def _queue_attributes(backend: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
    if not attribute_names or "All" in attribute_names:
        return _all_attributes(backend, queue_name, attribute_names)
    queue = backend.get_queue(queue_name)
    valid = {"All", *queue.BASE_ATTRIBUTES, *queue.FIFO_ATTRIBUTES, *queue.KMS_ATTRIBUTES}
    invalid = next((name for name in attribute_names if name not in valid), None)
    if invalid is not None:
        raise InvalidAttributeName(invalid)
    everything = queue.attributes  # once, not three times per name
    return {name: everything[name] for name in attribute_names if everything.get(name) is not None}


# One receive, delete or visibility change at a time across moto's SQS (see the module's
# docstring). Taken before a queue's own ``_messages_lock``, never while holding it.
_sqs = threading.RLock()
_receive = SQSBackend.receive_message
_change_visibility = SQSBackend.change_message_visibility


def _receive_atomically(
    backend: SQSBackend,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    visibility_timeout: int,
    message_attribute_names: list[str] | None = None,
) -> list[Message]:
    """moto's receive, each attempt whole under the lock; a long poll waits outside it."""
    deadline = unix_time() + wait_seconds_timeout
    while True:
        with _sqs:
            result = _receive(backend, queue_name, count, 0, visibility_timeout, message_attribute_names)
        left = deadline - unix_time()
        if result or left <= 0:
            return result
        backend.get_queue(queue_name).wait_for_messages(min(1, left))  # type: ignore[arg-type]


def _change_visibility_atomically(
    backend: SQSBackend, queue_name: str, receipt_handle: str, visibility_timeout: int
) -> None:
    with _sqs:
        _change_visibility(backend, queue_name, receipt_handle, visibility_timeout)


def _delete(queue: Queue, receipt_handle: str) -> None:
    if receipt_handle in queue.deleted_messages:
        return  # already deleted: SQS accepts it again
    with _sqs, queue._messages_lock:
        for i, message in enumerate(queue._messages):
            if message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles:
                del queue._messages[i]
                queue.pending_messages.discard(message)
                queue.deleted_messages.update(h for h in message.all_receipt_handles if h)
                return
    raise ReceiptHandleIsInvalid()


def speed_up_sqs() -> None:
    """moto's SQS without its quadratic corners, each receive, delete and visibility change
    whole (see the module's docstring)."""
    Queue.messages = property(_visible)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages = property(lambda q: len(_visible(q)))  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_not_visible = property(_not_visible)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_delayed = property(_delayed)  # type: ignore[assignment,method-assign]
    Queue.delete_message = _delete  # type: ignore[method-assign,assignment]
    SQSBackend.is_message_valid_based_on_retention_period = _retained  # type: ignore[method-assign,assignment]
    SQSBackend.get_queue_attributes = _queue_attributes  # type: ignore[method-assign,assignment]
    SQSBackend.receive_message = _receive_atomically  # type: ignore[method-assign,assignment]
    SQSBackend.change_message_visibility = _change_visibility_atomically  # type: ignore[method-assign,assignment]


def _generate(spec: dict[str, Any]) -> str:
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    alphabet = "".join(c for c in alphabet if c not in spec.get("ExcludeCharacters", ""))
    value = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    template = spec.get("SecretStringTemplate")
    if template:
        data = json.loads(template)
        data[spec["GenerateStringKey"]] = value
        return json.dumps(data)
    return value


class CfnSecret(CloudFormationModel):
    def __init__(self, arn: str, name: str) -> None:
        self.arn = arn
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Id",)

    @property
    def physical_resource_id(self) -> str:
        return self.arn  # Ref of a secret is its ARN

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnSecret":
        props = cloudformation_json.get("Properties", {})
        name = props.get("Name") or resource_name
        value = props.get("SecretString")
        if value is None and "GenerateSecretString" in props:
            value = _generate(props["GenerateSecretString"])
        backend = secretsmanager_backends[account_id][region_name]
        created = backend.create_secret(
            name=name,
            secret_string=value,
            secret_binary=None,
            description=props.get("Description"),
            tags=props.get("Tags"),
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return cls(json.loads(created)["ARN"], name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        return None


def detach_queue_triggers(account_id: str, region: str) -> int:
    """Stop moto from delivering SQS messages to Lambda itself.

    moto's SQS receives a new message on behalf of each event source mapping and tries to
    run the function in Docker; without Docker the message stays hidden for the visibility
    timeout with its receive count raised. The local runner's pollers are the event source
    mappings here, so moto's own delivery is switched off (the mappings stay listed).
    """
    from moto.sqs.models import sqs_backends

    detached = 0
    for queue in sqs_backends[account_id][region].queues.values():
        detached += len(queue.lambda_event_source_mappings)
        queue.lambda_event_source_mappings = {}
    return detached
