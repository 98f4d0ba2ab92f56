"""What the sandbox remembers: organisations (tenants), their records, apps, tokens and grants."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class SandboxClock:
    """The sandbox's time: an injectable clock plus an offset that tests and ``/_sandbox/clock`` move."""

    def __init__(self, base: Clock = system_clock) -> None:
        self.base = base
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return self.base() + self.offset

    def advance(self, seconds: float) -> datetime:
        self.offset += timedelta(seconds=seconds)
        return self()


@dataclass
class Limits:
    """Xero's per-tenant quotas. The Starter tier's day is 1,000.
    https://developer.xero.com/documentation/guides/oauth2/limits/"""

    concurrent: int = 5
    minute: int = 60
    day: int = 5000


@dataclass
class Organisation:
    """One Xero organisation (a tenant) and everything stored in it."""

    tenant_id: str
    name: str
    country: str = "AU"
    base_currency: str = "AUD"
    short_code: str = "!xsync"
    period_lock_date: date | None = None
    end_of_year_lock_date: date | None = None
    limits: Limits = field(default_factory=Limits)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # AccountID -> Account
    tax_rates: dict[str, dict[str, Any]] = field(default_factory=dict)  # TaxType -> TaxRate
    currencies: dict[str, dict[str, Any]] = field(default_factory=dict)  # Code -> Currency
    # the stand-in for XE.com's day rate Xero takes when a document in another currency names no
    # CurrencyRate: units of the currency per unit of the base currency (absent: 1)
    day_rates: dict[str, Decimal] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # ContactID -> Contact
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)  # InvoiceID -> Invoice
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # ItemID -> Item
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)  # PaymentID -> Payment
    credit_notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # CreditNoteID -> CreditNote
    bank_transactions: dict[str, dict[str, Any]] = field(default_factory=dict)  # BankTransactionID -> one
    quotes: dict[str, dict[str, Any]] = field(default_factory=dict)  # QuoteID -> Quote
    purchase_orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # PurchaseOrderID -> PurchaseOrder
    tracking_categories: dict[str, dict[str, Any]] = field(default_factory=dict)  # TrackingCategoryID -> category
    branding_themes: dict[str, dict[str, Any]] = field(default_factory=dict)  # BrandingThemeID -> theme
    created: datetime = field(default_factory=system_clock)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def account_by_code(self, code: str) -> dict[str, Any] | None:
        for account in self.accounts.values():
            if account.get("Code") == code and account.get("Status", "ACTIVE") == "ACTIVE":
                return account
        return None


@dataclass
class Client:
    """An app's credentials. A custom connection is bound to exactly one organisation; a
    standard app (``custom_connection=False``) reaches the organisations a user authorised."""

    client_id: str
    client_secret: str
    tenant_ids: list[str]
    custom_connection: bool = True
    redirect_uris: list[str] = field(default_factory=list)
    name: str = "xerosync"  # what the consent screen calls the app


@dataclass
class Connection:
    """An app's access to one organisation (what ``GET /connections`` lists)."""

    id: str
    client_id: str
    tenant_id: str
    auth_event_id: str
    created: datetime
    updated: datetime


@dataclass
class Token:
    access_token: str
    client_id: str
    tenant_ids: list[str]
    expires_at: datetime
    custom_connection: bool
    auth_event_id: str = ""


@dataclass
class AuthCode:
    """An authorization code: single use, five minutes."""

    code: str
    client_id: str
    tenant_ids: list[str]
    scope: str
    redirect_uri: str
    expires_at: datetime
    auth_event_id: str
    used: bool = False
    code_challenge: str = ""  # PKCE (RFC 7636): the verifier must match it at the token endpoint
    code_challenge_method: str = ""  # S256 or plain


@dataclass
class RefreshToken:
    """A refresh token: rotated on every use; the replaced one still answers for the grace period."""

    token: str
    client_id: str
    scope: str
    issued_at: datetime
    auth_event_id: str
    replaced_at: datetime | None = None
    successor: str | None = None
    revoked: bool = False


@dataclass
class SandboxState:
    clock: Clock = system_clock
    organisations: dict[str, Organisation] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)  # id -> Connection
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)  # (tenant or "-", "METHOD /Path") -> count
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def connected_tenants(self, client_id: str) -> list[str]:
        with self.lock:
            return [c.tenant_id for c in self.connections.values() if c.client_id == client_id]
