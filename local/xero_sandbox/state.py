"""What the sandbox remembers: organisations (tenants), their records, clients and tokens."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


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
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # AccountID -> Account
    tax_rates: dict[str, dict[str, Any]] = field(default_factory=dict)  # TaxType -> TaxRate
    currencies: dict[str, dict[str, Any]] = field(default_factory=dict)  # Code -> Currency
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # ContactID -> Contact
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)  # InvoiceID -> Invoice
    created: datetime = field(default_factory=system_clock)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def account_by_code(self, code: str) -> dict[str, Any] | None:
        for account in self.accounts.values():
            if account.get("Code") == code and account.get("Status", "ACTIVE") == "ACTIVE":
                return account
        return None


@dataclass
class Client:
    """An app's credentials. A custom connection is bound to exactly one organisation."""

    client_id: str
    client_secret: str
    tenant_ids: list[str]
    custom_connection: bool = True


@dataclass
class Token:
    access_token: str
    client_id: str
    tenant_ids: list[str]
    expires_at: datetime
    custom_connection: bool


@dataclass
class SandboxState:
    clock: Clock = system_clock
    organisations: dict[str, Organisation] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)  # (tenant or "-", "METHOD /Path") -> count
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
