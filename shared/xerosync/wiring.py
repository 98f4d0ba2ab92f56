"""Builds what the sync functions need from their environment (:mod:`xerosync.environment`),
once per container (the settings, the store's client and the Xero client: again when they
change, see :func:`_xero`), and the Xero client and sync log the jobs build the same way.

Handlers call :func:`sync_context`; nothing below the handlers reads the environment.
"""

import threading
import time
from functools import cache
from typing import TYPE_CHECKING

from xerosync import sources
from xerosync.aws import parameters, secrets
from xerosync.aws.deadletters import SqsDeadLetters
from xerosync.aws.governor import DynamoBudget
from xerosync.aws.jobstate import DynamoSyncSwitch
from xerosync.aws.mappings import DynamoMappings
from xerosync.aws.synclog import DynamoSyncLog
from xerosync.aws.tokens import DynamoAccessTokens, DynamoTokenStore
from xerosync.config import StoreSettings, parse_settings
from xerosync.environment import Environment, current
from xerosync.frozen import record
from xerosync.sources.port import StoreClient, StoreSource, remembers_writes
from xerosync.sync.ports import Mappings, Stopped
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.governor import Governor, Limits
from xerosync.xero.tokens import AuthorizationCode

if TYPE_CHECKING:  # the quotes' and privacy use cases load on their own paths (a cold start needs neither)
    from xerosync.sync.privacy import Privacy
    from xerosync.sync.quotes import QuoteXero

# How long a warm container keeps the settings it read: a save reaches every record synced this
# long after it (the console's Map says so, with the time: xerosync.console.map_html.saved_note).
# Not a read per batch: GetParameter's default throughput is 40 a second for the whole account and
# region (https://docs.aws.amazon.com/general/latest/gr/ssm.html). A retried record reads afresh.
SETTINGS_MAX_AGE = 300.0


@record
class SyncContext:
    """What a sync function's use cases work with for one invocation."""

    settings: StoreSettings
    xero: "QuoteXero"  # the client, or the batching facade over it for one invocation (orders' and quotes' calls)
    mappings: Mappings
    store: StoreClient | None  # None until the store's API credentials are filled in
    batching: bool = True  # Environment.batching off: one document per Xero request (the benchmark's baseline)
    stopped: Stopped | None = None  # the sync is stopped (xerosync.sync.privacy): records are skipped


_settings_cache: tuple[float, StoreSettings] | None = None


def forget_settings() -> None:
    """Read the settings afresh at the next :func:`load_settings`: for a retried record, whose
    failure a setting may have caused and whose retry comes after that setting was fixed."""
    global _settings_cache
    _settings_cache = None


def load_settings() -> StoreSettings:
    """The store settings from the SSM parameter named in SETTINGS_PARAMETER (cached 5 minutes)."""
    global _settings_cache
    now = time.monotonic()
    if _settings_cache and now - _settings_cache[0] < SETTINGS_MAX_AGE:
        return _settings_cache[1]
    name = current().require("SETTINGS_PARAMETER").settings_parameter
    text = parameters.get_parameter(name)
    store = store_source()
    settings = parse_settings(
        text, source=f"SSM parameter {name}", defaults=store.settings_defaults, check=store.check_settings
    )
    _settings_cache = (now, settings)
    return settings


def limits(env: Environment) -> Limits:
    return Limits(per_minute=env.xero_minute_limit, per_day=env.xero_day_limit, headroom=env.xero_headroom)


def xero_credentials(env: Environment) -> XeroCredentials:
    """The Xero connection's credentials, from Secrets Manager (read again every few minutes)."""
    arn = env.require("XERO_CREDENTIALS_SECRET_ARN").xero_secret_arn
    return XeroCredentials.from_dict(secrets.get_secret_json(arn))


def xero_from(env: Environment, *, budget_wait: float = 0.0, credentials: XeroCredentials | None = None) -> XeroClient:
    """The Xero client of ``env``'s connection (its credentials read from Secrets Manager)."""
    return xero_client(
        credentials or xero_credentials(env),
        api_url=env.xero_api_url,
        identity_url=env.xero_identity_url,
        table=env.mappings_table or None,
        budget_table=env.budget_table or None,
        limits=limits(env),
        budget_wait=budget_wait,
    )


def sync_log_from(env: Environment) -> DynamoSyncLog | None:
    return DynamoSyncLog(env.sync_log_table, env.sync_log_days) if env.sync_log_table else None


def xero_client(
    credentials: XeroCredentials,
    *,
    api_url: str,
    identity_url: str,
    table: str | None,
    limits: Limits,
    budget_wait: float = 0.0,
    budget_table: str | None = None,
) -> XeroClient:
    """The Xero client every function and command uses: under the organisation's shared rate
    governor when there is a table to keep it in (``budget_table``, else ``table``: another
    stack's, when several stores share one organisation), and, for a standard app's connection
    (a refresh token in the secret), on the token set shared through ``table``."""
    budget = budget_table or table
    client = XeroClient(
        credentials,
        api_url=api_url,
        identity_url=identity_url,
        governor=Governor(DynamoBudget(budget), limits) if budget else None,
    )
    client.budget_wait = budget_wait
    if credentials.refresh_token and table:
        client.tokens = AuthorizationCode(
            DynamoTokenStore(table),
            client.http,
            client.identity_url,
            credentials.client_id,
            credentials.client_secret,
            credentials.refresh_token,
        )
    return client


_xero_cache: tuple[XeroCredentials, XeroClient] | None = None
_xero_lock = threading.Lock()


def _xero() -> XeroClient:
    """The Xero client, kept while its credentials are the same: the secret is read again as the
    secrets cache allows (every 5 minutes), and a rotated client secret or a reconnected
    organisation (a new refresh token, tenant) gets a new client without waiting for a cold start."""
    global _xero_cache
    env = current()
    credentials = xero_credentials(env)
    with _xero_lock:
        if _xero_cache is None or _xero_cache[0] != credentials:
            _xero_cache = (credentials, xero_from(env, credentials=credentials))
        return _xero_cache[1]


@cache
def sync_log() -> DynamoSyncLog | None:
    return sync_log_from(current())


@cache
def _mappings() -> DynamoMappings:
    env = current().require("MAPPINGS_TABLE")
    return DynamoMappings(env.mappings_table, lease_seconds=env.record_lease_seconds)


def store_source() -> StoreSource:
    """The store source this stack serves (the template parameter StoreSource)."""
    return sources.source(current().store_source or sources.DEFAULT)


_store_cache: tuple[float, StoreClient | None] | None = None


def _store() -> StoreClient | None:
    """The store's API client, re-read every few minutes (the merchant fills the secret in later)."""
    global _store_cache
    now = time.monotonic()
    if _store_cache and now - _store_cache[0] < SETTINGS_MAX_AGE:
        return _store_cache[1]
    env = current()
    arn = env.store_secret_arn
    client = store_source().client(secrets.get_secret_json(arn), store_tokens(env)) if arn else None
    rememberer = remembers_writes(client)
    if rememberer is not None and env.mappings_table:
        from xerosync.sync.writeback import MappingMemory  # a store that records Xero's writes back

        rememberer.remember_writes_in(MappingMemory(_mappings()))  # it knows its own writes when they come back
    _store_cache = (now, client)
    return client


def store_tokens(env: Environment) -> DynamoAccessTokens | None:
    """Where the store adapter keeps the access tokens it mints: the stack's mapping table, shared by
    every function and container (a token minted once for its lifetime, not once per invocation)."""
    return DynamoAccessTokens(env.mappings_table) if env.mappings_table else None


@cache
def _switch() -> DynamoSyncSwitch:
    return DynamoSyncSwitch(current().require("MAPPINGS_TABLE").mappings_table)


SWEEP_SECONDS = 30.0  # a sync function's share of its invocation for searching the DLQs


def privacy_from(
    env: Environment, dead_letter_queues: list[str] | None = None, *, sweep_seconds: float = SWEEP_SECONDS
) -> "Privacy":
    """What the privacy use cases work on: the stack's sync log, mapping table, stop flag and
    dead-letter queues (the function's from PRIVACY_DEAD_LETTER_QUEUES; the CLI passes the stack's,
    and more time: a sweep cut short says so, and the operator's ``xerosync privacy redact`` ends it)."""
    from xerosync.sync.privacy import Privacy

    env.require("MAPPINGS_TABLE")
    queues = env.dead_letter_queues if dead_letter_queues is None else dead_letter_queues
    return Privacy(
        log=sync_log_from(env),
        mappings=DynamoMappings(env.mappings_table, lease_seconds=env.record_lease_seconds),
        switch=DynamoSyncSwitch(env.mappings_table),
        dead_letters=SqsDeadLetters(queues, seconds=sweep_seconds) if queues else None,
    )


@cache
def privacy() -> "Privacy":
    return privacy_from(current())


def sync_context() -> SyncContext:
    return SyncContext(
        settings=load_settings(),
        xero=_xero(),
        mappings=_mappings(),
        store=_store(),
        batching=current().batching,
        stopped=_switch().stopped(),  # one read per invocation: a stop takes effect at the next batch
    )
