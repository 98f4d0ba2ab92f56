"""What goes over the wire to Xero and back, besides the bodies (pure): credentials, the quota
headers, one batch element's answer, idempotency keys, and ``where`` clauses."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from xerosync.xero.errors import XeroAuthError, validation_messages

# URL-encoded characters of one `where`: Xero's IDs= lists top out near 52 GUIDs, about 2,000
# encoded characters, which points at IIS's default 2,048-character query string; the rest of
# the query (page, unitdp, ...) keeps well within the difference
WHERE_LIMIT = 1_800
IDEMPOTENCY_KEY_MAX = 128  # https://developer.xero.com/documentation/guides/idempotent-requests/idempotency


@dataclass(frozen=True)
class XeroCredentials:
    """A custom connection (client id and secret), or a standard app's with the merchant's
    refresh token (authorization-code flow)."""

    client_id: str
    client_secret: str
    tenant_id: str | None = None
    refresh_token: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "XeroCredentials":
        try:
            return cls(
                str(data["client_id"]),
                str(data["client_secret"]),
                data.get("tenant_id") or None,
                data.get("refresh_token") or None,
            )
        except KeyError as missing:
            raise XeroAuthError(f"Xero credentials secret has no {missing.args[0]!r}") from None

    def __repr__(self) -> str:  # never print a secret
        kind = "authorization code" if self.refresh_token else "custom connection"
        return f"XeroCredentials({kind}, client_id={self.client_id!r}, tenant_id={self.tenant_id!r})"


@dataclass(frozen=True)
class RateHeaders:
    """Xero's remaining-quota headers from one response (None when absent)."""

    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_minute_remaining: int | None = None

    @classmethod
    def from_headers(cls, headers: Any) -> "RateHeaders":
        def num(name: str) -> int | None:
            value = headers.get(name)
            try:
                return int(value) if value is not None else None
            except ValueError:
                return None

        return cls(num("X-MinLimit-Remaining"), num("X-DayLimit-Remaining"), num("X-AppMinLimit-Remaining"))


@dataclass(frozen=True)
class ElementResult:
    """Xero's answer for one element of a batch write."""

    ok: bool
    record: dict[str, Any]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    rate: RateHeaders = field(default_factory=RateHeaders)


def limited_key(key: str) -> str:
    """Xero takes at most 128 characters; a longer key keeps its start and a hash of the whole,
    so that two different requests never share a key."""
    if len(key) <= IDEMPOTENCY_KEY_MAX:
        return key
    return key[: IDEMPOTENCY_KEY_MAX - 33] + ":" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def contact_keys(number: str | None, email: str, name: str = "") -> list[tuple[str, str]]:
    """The fields that find a party's contact (its ContactNumber, its email) and the contacts
    already using the name it would be created with."""
    return (
        ([("ContactNumber", number)] if number else [])
        + ([("EmailAddress", email)] if email else [])
        + ([("Name", name)] if name else [])
    )


def where_any(pairs: list[tuple[str, str]]) -> str:
    """A ``where`` matching any of the ``(field, value)`` pairs."""
    return " OR ".join(_term(name, value) for name, value in pairs)


def _term(name: str, value: str) -> str:
    return f'{name}=="{_quote(value)}"'


def where_chunks(pairs: list[tuple[str, str]], limit: int = WHERE_LIMIT) -> list[str]:
    """``where`` clauses matching any of ``pairs`` between them, each at most ``limit``
    characters once URL-encoded (so as many terms per query as the URL takes)."""
    separator = len(quote_plus(" OR "))
    chunks: list[str] = []
    current: list[str] = []
    size = 0  # of " OR ".join(current), encoded
    for name, value in pairs:
        term = _term(name, value)
        cost = len(quote_plus(term)) + (separator if current else 0)
        if current and size + cost > limit:
            chunks.append(" OR ".join(current))
            current, size, cost = [], 0, cost - separator
        current.append(term)
        size += cost
    if current:
        chunks.append(" OR ".join(current))
    return chunks


def where_in(field_name: str, values: Iterable[str]) -> str:
    """A ``where`` matching ``field_name`` equal to any of ``values``."""
    return where_any([(field_name, value) for value in values])


def element_result(element: dict[str, Any]) -> ElementResult:
    status = str(element.get("StatusAttributeString", "OK")).upper()
    errors = tuple(validation_messages(element))
    warnings = tuple(str(w.get("Message", "")) for w in element.get("Warnings") or [])
    ok = status != "ERROR" and not element.get("HasErrors") and not element.get("HasValidationErrors")
    return ElementResult(ok=ok and not errors, record=element, errors=errors, warnings=warnings)
