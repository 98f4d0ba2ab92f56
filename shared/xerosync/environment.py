"""Everything a function, job or operator's command takes from its environment, read once.

The one place that reads ``os.environ`` (``xerosync.clock``'s simulated time aside, see its docstring): every
variable the template sets, its default and its check are a field of :class:`Environment`.
Functions use :func:`current` (parsed on first use, then kept for the life of the container);
the command line builds the same object from a deployed stack (:meth:`Environment.from_stack`).
What a variable means for one function only - which ones it cannot run without - the function
says with :meth:`Environment.require`; a malformed value fails here, at once, naming it.

Standard library only: the ingress function imports it and must stay light.
"""

from collections.abc import Callable, Mapping
from dataclasses import field, fields
from functools import cache
from os import environ
from typing import Any, Protocol, Self

from xerosync.frozen import frozen

ENTITY_QUEUES = ("orders", "contacts", "items")  # the store's records, one queue per kind


class DeployedStack(Protocol):
    """What a deployed stack tells about itself (:class:`xerosync.aws.stack.Stack` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def resources(self) -> Mapping[str, str]: ...  # logical id -> physical id

    @property
    def outputs(self) -> Mapping[str, str]: ...

    @property
    def parameters(self) -> Mapping[str, str]: ...


class ConfigurationError(RuntimeError):
    """A variable is missing or malformed (the message names it)."""


def _text(value: str) -> str:
    return value


def _count(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError
    return number


def _share(value: str) -> float:
    number = float(value)
    if not 0 <= number < 1:
        raise ValueError
    return number


def _switch(value: str) -> bool:
    return {"on": True, "off": False}[value.lower()]


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError
    return value


_EXPECTED: dict[Callable[[str], Any], str] = {
    _count: "a whole number above 0",
    _seconds: "a number of seconds above 0",
    _share: "a share from 0 to below 1, such as 0.1",
    _switch: '"on" or "off"',
    _url: "an http(s) URL",
}


def _setting(variable: str, default: Any = "", parse: Callable[[str], Any] = _text, *, stack: str = "") -> Any:
    """A field read from ``variable`` (unset or empty: ``default``); ``stack`` says where a
    deployed stack keeps it: ``resource:LogicalId``, ``parameter:Name`` or ``output:Name``."""
    return field(default=default, metadata={"variable": variable, "parse": parse, "stack": stack})


@frozen
class Environment:
    """A function's (or a stack's) settings, typed. An unset text setting is ``""``."""

    # DynamoDB
    mappings_table: str = _setting("MAPPINGS_TABLE", stack="resource:MappingsTable")
    idempotency_table: str = _setting("IDEMPOTENCY_TABLE", stack="resource:IdempotencyTable")
    sync_log_table: str = _setting("SYNC_LOG_TABLE", stack="resource:SyncLogTable")
    sync_log_days: int = _setting("SYNC_LOG_DAYS", 30, _count, stack="parameter:SyncLogDays")
    # how long a record's claim or lock outlives a worker that died holding it
    record_lease_seconds: float = _setting("RECORD_LEASE_SECONDS", 90.0, _seconds, stack="parameter:RecordLeaseSeconds")
    # the store platform the stack serves (unset: the source registry's default)
    store_source: str = _setting("STORE_SOURCE", stack="parameter:StoreSource")
    # the store settings (SSM parameter name)
    # (an output: the stack names the parameter but never writes it, so an update cannot overwrite it)
    settings_parameter: str = _setting("SETTINGS_PARAMETER", stack="output:SettingsParameterName")
    # SQS: one queue per kind of store record, the Xero events queue, the function's own DLQ
    orders_queue_url: str = _setting("ORDERS_QUEUE_URL", stack="resource:OrdersQueue")
    contacts_queue_url: str = _setting("CONTACTS_QUEUE_URL", stack="resource:ContactsQueue")
    items_queue_url: str = _setting("ITEMS_QUEUE_URL", stack="resource:ItemsQueue")
    xero_events_queue_url: str = _setting("XERO_EVENTS_QUEUE_URL", stack="resource:XeroEventsQueue")
    dead_letter_queue_url: str = _setting("DEAD_LETTER_QUEUE_URL")  # each sync function its own
    # the queue (its name) on which the store delivers renewed API credentials (the settlements function)
    credential_notifications_queue: str = _setting("CREDENTIAL_NOTIFICATIONS_QUEUE")
    # the dead-letter queues whose messages carry store payloads, comma-separated: a privacy request
    # removes a customer's messages from them (the contacts function; the CLI finds them itself)
    privacy_dead_letter_queues: str = _setting("PRIVACY_DEAD_LETTER_QUEUES")
    # Secrets Manager ARNs (never the values)
    webhook_secret_arn: str = _setting("WEBHOOK_SECRET_ARN", stack="resource:WebhookSecret")
    xero_webhook_key_secret_arn: str = _setting("XERO_WEBHOOK_KEY_SECRET_ARN", stack="resource:XeroWebhookKeySecret")
    store_secret_arn: str = _setting("STORE_API_SECRET_ARN", stack="resource:StoreApiSecret")
    xero_secret_arn: str = _setting("XERO_CREDENTIALS_SECRET_ARN", stack="resource:XeroCredentialsSecret")
    # where the store's webhooks must point
    webhook_url: str = _setting("STORE_WEBHOOK_URL", stack="output:WebhookUrl")
    # Xero: where it is, what it allows this organisation, how the sync functions call it
    xero_api_url: str = _setting("XERO_API_URL", "https://api.xero.com", _url, stack="parameter:XeroApiUrl")
    xero_identity_url: str = _setting(
        "XERO_IDENTITY_URL", "https://identity.xero.com", _url, stack="parameter:XeroIdentityUrl"
    )
    xero_minute_limit: int = _setting("XERO_MINUTE_LIMIT", 60, _count, stack="parameter:XeroMinuteLimit")
    xero_day_limit: int = _setting("XERO_DAY_LIMIT", 5000, _count, stack="parameter:XeroDayLimit")
    xero_headroom: float = _setting("XERO_HEADROOM", 0.1, _share, stack="parameter:XeroHeadroom")
    # the table holding the organisation's rate budget, when another stack of the merchant's (another
    # store, one Xero organisation) keeps it; unset: this stack's own MappingsTable
    xero_budget_table: str = _setting("XERO_BUDGET_TABLE", stack="parameter:XeroBudgetTable")
    # off: one document per Xero request (the benchmark's baseline)
    batching: bool = _setting("XERO_BATCHING", True, _switch, stack="parameter:XeroBatching")
    # Powertools' names for the logs and metrics (Powertools reads its other variables itself)
    service_name: str = _setting("POWERTOOLS_SERVICE_NAME", "xerosync")
    metrics_namespace: str = _setting("POWERTOOLS_METRICS_NAMESPACE", "xerosync")
    # the stack's name: every metric's "stack" dimension (several stores in one account told apart)
    stack_name: str = _setting("STACK_NAME")
    # where the values came from, for error messages
    origin: str = field(default="the function's environment", compare=False)

    @property
    def queue_urls(self) -> dict[str, str]:
        """The entity queues that are set, by name (``orders``, ``contacts``, ``items``)."""
        urls = {"orders": self.orders_queue_url, "contacts": self.contacts_queue_url, "items": self.items_queue_url}
        return {queue: url for queue, url in urls.items() if url}

    @property
    def budget_table(self) -> str:
        """Where the Xero governor keeps the organisation's budget ("" when nowhere)."""
        return self.xero_budget_table or self.mappings_table

    @property
    def dead_letter_queues(self) -> list[str]:
        return [u.strip() for u in self.privacy_dead_letter_queues.split(",") if u.strip()]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = environ) -> Self:
        """Parse and check every variable of ``env`` (an unset or empty one takes its default)."""
        values = {variable: env.get(variable, "") for variable in VARIABLES}
        return cls._parse(values, where=lambda variable: variable, origin="the function's environment")

    @classmethod
    def from_stack(cls, stack: DeployedStack) -> Self:
        """The settings a deployed stack gives its functions, from its resources, parameters
        and outputs, for the operator's commands (a variable no stack-wide place holds, such as
        a function's own dead-letter queue, is left unset)."""
        places = {"resource": stack.resources, "parameter": stack.parameters, "output": stack.outputs}
        values: dict[str, str] = {}
        for variable, f in VARIABLES.items():
            if f.metadata["stack"]:
                kind, name = f.metadata["stack"].split(":")
                values[variable] = str(places[kind].get(name) or "")

        return cls._parse(values, where=_described, origin=f"stack {stack.name}")

    @classmethod
    def _parse(cls, values: Mapping[str, str], *, where: Callable[[str], str], origin: str) -> Self:
        parsed: dict[str, Any] = {}
        problems: list[str] = []
        for variable, f in VARIABLES.items():
            raw = values.get(variable, "").strip()
            if not raw:
                continue
            try:
                parsed[f.name] = f.metadata["parse"](raw)
            except (ValueError, KeyError):
                expected = _EXPECTED.get(f.metadata["parse"], "a valid value")
                problems.append(f"{where(variable)} must be {expected}, not {raw!r}")
        if problems:
            raise ConfigurationError(f"{origin}: " + "; ".join(problems))
        return cls(**parsed, origin=origin)

    def require(self, *variables: str) -> Self:
        """Itself, if every one of ``variables`` is set; else an error naming those that are not."""
        unknown = [v for v in variables if v not in VARIABLES]
        if unknown:
            raise ValueError(f"no such setting: {', '.join(unknown)}")
        missing = [_described(v) for v in variables if getattr(self, VARIABLES[v].name) in ("", None)]
        if missing:
            raise ConfigurationError(f"{self.origin}: not set: {'; '.join(missing)}")
        return self


def _described(variable: str) -> str:
    """``MAPPINGS_TABLE (the stack's resource MappingsTable)``: the name in both places."""
    place = VARIABLES[variable].metadata["stack"]
    return f"{variable} (the stack's {place.replace(':', ' ')})" if place else variable


VARIABLES = {f.metadata["variable"]: f for f in fields(Environment) if "variable" in f.metadata}


@cache
def current() -> Environment:
    """This process's environment, parsed on first use and kept (a Lambda container's
    environment does not change; tests that change it call ``current.cache_clear()``)."""
    return Environment.from_env()
