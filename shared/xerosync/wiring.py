"""Builds what the sync functions need from their environment, once per container.

Handlers call :func:`sync_context`; nothing below the handlers reads ``os.environ``.
"""

import os
import time
from dataclasses import dataclass
from functools import cache

from xerosync import sources
from xerosync.aws import parameters, secrets
from xerosync.aws.governor import DynamoBudget
from xerosync.aws.mappings import DynamoMappings
from xerosync.aws.synclog import DynamoSyncLog
from xerosync.aws.tokens import DynamoTokenStore
from xerosync.config import StoreSettings, parse_settings
from xerosync.sources.port import StoreClient, StoreSource
from xerosync.sync.ports import Mappings, Xero
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.governor import Governor, Limits
from xerosync.xero.tokens import AuthorizationCode

SETTINGS_MAX_AGE = 300.0


@dataclass
class SyncContext:
    settings: StoreSettings
    xero: Xero  # the client, or the batching facade over it for one invocation
    mappings: Mappings
    store: StoreClient | None  # None until the store's API credentials are filled in
    batching: bool = True  # XERO_BATCHING=off: one document per Xero request (the benchmark's baseline)


_settings_cache: tuple[float, StoreSettings] | None = None


def load_settings() -> StoreSettings:
    """The store settings from the SSM parameter named in SETTINGS_PARAMETER (cached 5 minutes)."""
    global _settings_cache
    now = time.monotonic()
    if _settings_cache and now - _settings_cache[0] < SETTINGS_MAX_AGE:
        return _settings_cache[1]
    name = os.environ["SETTINGS_PARAMETER"]
    text = parameters.get_parameter(name)
    store = store_source()
    settings = parse_settings(
        text, source=f"SSM parameter {name}", defaults=store.settings_defaults, check=store.check_settings
    )
    _settings_cache = (now, settings)
    return settings


def limits() -> Limits:
    return Limits(
        per_minute=int(os.environ.get("XERO_MINUTE_LIMIT", "60")),
        per_day=int(os.environ.get("XERO_DAY_LIMIT", "5000")),
        headroom=float(os.environ.get("XERO_HEADROOM", "0.1")),
    )


def xero_client(
    credentials: XeroCredentials,
    *,
    api_url: str,
    identity_url: str,
    table: str | None,
    limits: Limits,
    budget_wait: float = 0.0,
) -> XeroClient:
    """The Xero client every function and command uses: under the organisation's shared rate
    governor when there is a table to keep it in, and, for a standard app's connection (a
    refresh token in the secret), on the token set shared through that table."""
    client = XeroClient(
        credentials,
        api_url=api_url,
        identity_url=identity_url,
        governor=Governor(DynamoBudget(table), limits) if table else None,
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


@cache
def _xero() -> XeroClient:
    credentials = XeroCredentials.from_dict(secrets.get_secret_json(os.environ["XERO_CREDENTIALS_SECRET_ARN"]))
    return xero_client(
        credentials,
        api_url=os.environ.get("XERO_API_URL", "https://api.xero.com"),
        identity_url=os.environ.get("XERO_IDENTITY_URL", "https://identity.xero.com"),
        table=os.environ.get("MAPPINGS_TABLE"),
        limits=limits(),
    )


@cache
def sync_log() -> DynamoSyncLog | None:
    table = os.environ.get("SYNC_LOG_TABLE")
    return DynamoSyncLog(table, int(os.environ.get("SYNC_LOG_DAYS", "30"))) if table else None


@cache
def _mappings() -> DynamoMappings:
    return DynamoMappings(os.environ["MAPPINGS_TABLE"])


def store_source() -> StoreSource:
    """The store source this stack serves (the template parameter StoreSource)."""
    return sources.source(os.environ.get("STORE_SOURCE") or sources.DEFAULT)


_store_cache: tuple[float, StoreClient | None] | None = None


def _store() -> StoreClient | None:
    """The store's API client, re-read every few minutes (the merchant fills the secret in later)."""
    global _store_cache
    now = time.monotonic()
    if _store_cache and now - _store_cache[0] < SETTINGS_MAX_AGE:
        return _store_cache[1]
    arn = os.environ.get("STORE_API_SECRET_ARN")
    client = store_source().client(secrets.get_secret_json(arn)) if arn else None
    _store_cache = (now, client)
    return client


def sync_context() -> SyncContext:
    return SyncContext(
        settings=load_settings(),
        xero=_xero(),
        mappings=_mappings(),
        store=_store(),
        batching=os.environ.get("XERO_BATCHING", "on").lower() != "off",
    )
