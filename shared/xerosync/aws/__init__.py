"""Everything that calls boto3 lives here (DynamoDB, SQS, Secrets Manager, SSM).

Clients are created once per process and reused across invocations (they are thread-safe, and
the sync functions apply a batch's records in parallel threads). DynamoDB tables are read and
written through the one DynamoDB client, the same one Powertools' idempotency layer uses
(:class:`Table`), not through a boto3 resource per thread: a resource is not thread-safe, and
each one built its own client, loading DynamoDB's model again and the resource model besides,
once per worker thread at a cold start (bench/README.md, "Cold start"). boto3 reads
``AWS_ENDPOINT_URL`` itself, which is how the local stack points them at moto: no code here knows
whether it runs in AWS.

Every client comes from one boto3 session (what ``boto3.client`` would make as its default
session), whose botocore session does two things otherwise, both at the first client, made at a
sync function's import (:class:`_BotocoreSession`):

* it registers botocore's built-in event handlers only for the services it can make a client for,
  when that is known: from the DepsLayer's botocore, trimmed to the services xerosync calls
  (layers/deps/botocore-services.txt), the ~80 handlers of S3, EC2, RDS, Glacier... are not
  registered (botocore inspects each one's signature and rewrites its event name as it registers
  it: 6-7 ms of CPU); a handler of another service's events never runs for these services' calls,
  so each call meets the same handlers in the same order. Anywhere else (this environment's whole
  botocore, a data path that adds models) it registers every one, as botocore does. Those it
  keeps it registers as botocore's own registration would leave them (the same event name,
  rewritten only where botocore's aliases would rewrite it; the same order) without botocore's
  check of each handler's signature, which botocore's handlers pass by construction, nor its
  search of every alias in every name none of them is part of (3-4 ms of CPU otherwise);
* it reads botocore's JSON data (models, endpoint rules, partitions) into plain dicts, not
  ``OrderedDict``s (a dict keeps its order; botocore copies what it orders into its own
  ``OrderedDict``s): DynamoDB's model decodes in a third of the time;
* when the environment holds credentials (``AWS_ACCESS_KEY_ID``: Lambda gives each function its
  role's credentials there), it resolves them with botocore's environment provider alone, the one
  botocore's chain asks first and stops at when it finds them (the session names no profile, the
  only case botocore passes it over): the same credentials, refreshable when
  ``AWS_CREDENTIAL_EXPIRATION`` says they expire, without building the chain's other providers
  (two of which build an HTTP session and its TLS context each: 2-3 ms of CPU). Without them,
  botocore's whole chain, as before.
"""

import json
import os
from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
import botocore
import botocore.session
from botocore import handlers
from botocore.config import Config
from botocore.credentials import CredentialResolver, EnvProvider
from botocore.hooks import EventAliaser, HierarchicalEmitter
from botocore.loaders import JSONFileLoader, create_loader
from botocore.utils import EVENT_ALIASES

# The services xerosync calls (layers/deps/botocore-services.txt), by the name their events carry
# (their service id, hyphenized; tests/unit/test_botocore_session.py checks both)
EVENT_NAMES = {
    "cloudformation": "cloudformation",
    "cloudwatch": "cloudwatch",
    "dynamodb": "dynamodb",
    "secretsmanager": "secrets-manager",
    "sqs": "sqs",
    "ssm": "ssm",
    "sts": "sts",
}
# A connection per record thread (a sync batch applies up to 200 records side by side: handlers'
# MAX_WORKERS). With fewer, a thread beyond the pool opens a connection for its request and
# closes it after (urllib3 discards what the pool cannot keep): on AWS a TLS handshake to
# DynamoDB for every such request; in the 2,000-order bench with 60, about 80 connections a
# second were opened and closed, and the local stack's listen queue ran full (ConnectTimeoutError).
POOL_CONNECTIONS = 200
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=3,
    read_timeout=10,
    max_pool_connections=POOL_CONNECTIONS,
)
_CONDITIONS = ("ConditionExpression", "FilterExpression", "KeyConditionExpression")
_ITEMS = ("Item", "Key", "ExclusiveStartKey")


@cache
def _codec() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """DynamoDB's attribute values from Python values and back, as a ``Table`` resource makes
    them (loaded with the first table call: the ingress never makes one)."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer().serialize, TypeDeserializer().deserialize


@cache
def client(service: str) -> Any:
    return session().client(service, config=_CONFIG)


@cache
def session() -> boto3.Session:
    """The process's one boto3 session."""
    core = _BotocoreSession(_event_names())
    if core.services is not None and core.get_config_variable("data_path"):  # AWS_DATA_PATH may add models
        core = _BotocoreSession(None)
    environment = EnvProvider()
    if environment.load() is not None:  # what botocore's chain would have found first
        core.register_component("credential_provider", CredentialResolver([environment]))
    return boto3.Session(botocore_session=core)


def _event_names() -> frozenset[str] | None:
    """The event names of the services botocore can make a client for, when every one is known:
    its data holds only services of EVENT_NAMES (the DepsLayer's trimmed botocore) and nothing
    adds models (``~/.aws/models``; a data path, ``AWS_DATA_PATH`` or the config file's, is checked
    by :func:`session`, which botocore's configuration tells). None otherwise."""
    if os.path.isdir(os.path.expanduser(os.path.join("~", ".aws", "models"))):
        return None
    with os.scandir(os.path.join(os.path.dirname(botocore.__file__), "data")) as entries:
        services = {entry.name for entry in entries if entry.is_dir()}
    if not services <= EVENT_NAMES.keys():
        return None
    return frozenset(EVENT_NAMES[name] for name in services)


class _PlainJSONFileLoader(JSONFileLoader):  # type: ignore[misc]
    """botocore's JSON file loader, decoding into dicts (botocore's: ``OrderedDict``s)."""

    def _load_file(self, full_path: str, open_method: Callable[..., Any]) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as fp:
            return json.loads(fp.read().decode("utf-8"))


class _BotocoreSession(botocore.session.Session):  # type: ignore[misc]
    """A botocore session that registers the built-in handlers of ``services`` only (event names;
    None: every handler) and reads its data into plain dicts."""

    def __init__(self, services: frozenset[str] | None) -> None:
        self.services = services
        super().__init__()

    def _register_builtin_handlers(self, events: Any) -> None:
        if self.services is None:
            super()._register_builtin_handlers(events)
            return
        # the names botocore registers these services' handlers under before it rewrites them
        # (EVENT_ALIASES: "secretsmanager" for "secrets-manager"); refused if an alias of
        # several parts led to one of them, which this reading does not follow
        names = self.services | {old for old, new in EVENT_ALIASES.items() if new in self.services}
        if any("." in name for name in names):
            super()._register_builtin_handlers(events)
            return
        # botocore's own emitters (an EventAliaser on a HierarchicalEmitter): each kept handler
        # registered under the name botocore's registration would give it, without its checks
        fast = type(events) is EventAliaser and type(events._emitter) is HierarchicalEmitter
        aliases = tuple(events._event_aliases) if fast else ()
        kinds = {handlers.REGISTER_FIRST: "_first", handlers.REGISTER_LAST: "_last"}
        for spec in handlers.BUILTIN_HANDLERS:
            event, handler = spec[0], spec[1]
            parts = event.split(".")
            if len(parts) > 1 and parts[0] != "docs" and parts[1] != "*" and parts[1] not in names:
                continue  # another service's (docs events are kept whole: they are not called)
            kind = "" if len(spec) == 2 else kinds.get(spec[2])
            if kind is None:  # as botocore: a kind of registration it does not know is skipped
                continue
            if not fast:
                getattr(events, f"register{kind}")(event, handler)
                continue
            if any(alias in event for alias in aliases):  # a name no alias is part of stays as it is
                event = events._alias_event_name(event)
            getattr(events._emitter, f"_register{kind}")(event, handler)

    def _register_data_loader(self) -> None:
        def loader() -> Any:
            found = create_loader(self.get_config_variable("data_path"))
            found.file_loader = _PlainJSONFileLoader()
            return found

        self._components.lazy_register_component("data_loader", loader)


class Table:
    """A DynamoDB table read and written as a boto3 ``Table`` resource is (Python values in and
    out, conditions from ``boto3.dynamodb.conditions``), on the process's one DynamoDB client:
    thread-safe, so every worker thread shares it. Only the operations xerosync calls."""

    def __init__(self, name: str) -> None:
        self.name = name

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("get_item", kwargs)

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("put_item", kwargs)

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("update_item", kwargs)

    def delete_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("delete_item", kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("query", kwargs)

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("scan", kwargs)

    def _call(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = _request(kwargs)
        reply: dict[str, Any] = getattr(client("dynamodb"), operation)(TableName=self.name, **params)
        return _reply(reply)


def _request(kwargs: dict[str, Any]) -> dict[str, Any]:
    """What the resource's request handlers do: conditions into expressions, values into
    DynamoDB's attribute values."""
    from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder

    serialize = _codec()[0]
    params = dict(kwargs)
    builder = None
    for name in _CONDITIONS:
        condition = params.get(name)
        if isinstance(condition, ConditionBase):
            builder = builder or ConditionExpressionBuilder()
            built = builder.build_expression(condition, is_key_condition=name == "KeyConditionExpression")
            params[name] = built.condition_expression
            params["ExpressionAttributeNames"] = {
                **params.get("ExpressionAttributeNames", {}),
                **built.attribute_name_placeholders,
            }
            params["ExpressionAttributeValues"] = {
                **params.get("ExpressionAttributeValues", {}),
                **built.attribute_value_placeholders,
            }
    for name in _ITEMS:
        if name in params:
            params[name] = {k: serialize(v) for k, v in params[name].items()}
    if "ExpressionAttributeValues" in params:
        params["ExpressionAttributeValues"] = {k: serialize(v) for k, v in params["ExpressionAttributeValues"].items()}
    return params


def _reply(reply: dict[str, Any]) -> dict[str, Any]:
    """What the resource's reply handlers do: attribute values back into Python values."""
    deserialize = _codec()[1]
    for name in ("Item", "Attributes", "LastEvaluatedKey"):
        if name in reply:
            reply[name] = {k: deserialize(v) for k, v in reply[name].items()}
    if "Items" in reply:
        reply["Items"] = [{k: deserialize(v) for k, v in item.items()} for item in reply["Items"]]
    return reply


@cache
def table(name: str) -> Table:
    """The DynamoDB table ``name``, shared by every thread of the process."""
    return Table(name)


def reset() -> None:
    """Forget the clients and tables (tests that change AWS_ENDPOINT_URL call this)."""
    client.cache_clear()
    table.cache_clear()
