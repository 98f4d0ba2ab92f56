"""What goes over the wire to Xero and back, besides the bodies (pure): credentials, the quota
headers, one batch element's answer, idempotency keys, and ``where`` clauses."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import field
from typing import Any
from urllib.parse import quote_plus

from xerosync.frozen import frozen
from xerosync.xero.errors import XeroAuthError, validation_messages

# Characters of a request's query string, URL-encoded. Xero publishes no limit; what it does is
# refuse an `IDs=` list of more than 52 GUIDs (https://github.com/XeroAPI/Xero-Java/pull/331,
# moved to https://github.com/XeroAPI/Xero-OpenAPI/issues/534): 52 GUIDs joined by encoded
# commas are 2,029 characters after `IDs=`, 53 would be 2,068, so the ceiling lies between the
# two - where IIS puts it by default (`maxQueryString` 2,048:
# https://learn.microsoft.com/en-us/iis/configuration/system.webserver/security/requestfiltering/requestlimits/).
# We rely on 2,048 for the whole query string.
QUERY_LIMIT = 2_048
# URL-encoded characters of one `where`: what the query string leaves after `where=` and the
# longest other parameters sent beside a packed `where` (none for contacts; `&unitdp=4&page=1`
# for items and credit notes)
WHERE_LIMIT = QUERY_LIMIT - len("where=") - len("&unitdp=4&page=1")
# Elements per batch write. Xero's only hard limit is the body, 3.5 MB; it recommends bundles
# "of up to 50" so that large inserts answer in time
# (https://developer.xero.com/documentation/auth-and-limits/xero-api-limits). A day's 4,500
# usable calls cannot carry a 100,000-order day at 50 (bench/README.md), so small elements
# (contacts, payments: a few hundred bytes each) go 200 to a request and documents with lines
# (invoices, credit notes, items, quotes, purchase orders) 100, none over BATCH_BYTES of JSON, a quarter of the limit.
BATCH_ELEMENTS = {
    "Contacts": 200,
    "Payments": 200,
    "Invoices": 100,
    "CreditNotes": 100,
    "Items": 100,
    "Quotes": 100,
    "PurchaseOrders": 100,
}
BATCH_BYTES = 900_000
IDEMPOTENCY_KEY_MAX = 128  # https://developer.xero.com/documentation/guides/idempotent-requests/idempotency


@frozen
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


@frozen
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


@frozen
class ElementResult:
    """Xero's answer for one element of a batch write."""

    ok: bool
    record: dict[str, Any]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@frozen
class Response:
    """A Xero answer: its status, its JSON body and its rate-limit headers."""

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


def contact_keys(number: str | None, email: str, name: str = "", contact_id: str = "") -> list[tuple[str, str]]:
    """The fields that find a party's contact (the ContactID its store record keeps, when it is a
    GUID; its ContactNumber, its email) and the contacts already using the name it would be
    created with."""
    return (
        ([("ContactID", contact_id.lower())] if is_guid(contact_id) else [])
        + ([("ContactNumber", number)] if number else [])
        + ([("EmailAddress", email)] if email else [])
        + ([("Name", name)] if name else [])
    )


def where_any(pairs: list[tuple[str, str]]) -> str:
    """A ``where`` matching any of the ``(field, value)`` pairs."""
    return " OR ".join(_term(name, value) for name, value in pairs)


def is_guid(value: str) -> bool:
    """Whether ``value`` is a GUID as Xero writes ids (a store record's field may hold anything)."""
    import uuid

    try:
        return len(value) == 36 and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _term(name: str, value: str) -> str:
    # `=`, as Xero's own examples of its optimised contact filters write it (`Name="ABC limited"`,
    # https://developer.xero.com/documentation/api/accounting/contacts): a character fewer than
    # `==` per term, three once encoded; an id is compared as a Guid("..."), never as text
    if name.endswith("ID"):
        return f'{name}=Guid("{_quote(value)}")'
    return f'{name}="{_quote(value)}"'


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


def batch_chunks(plural: str, elements: list[Any], size: Callable[[Any], int]) -> list[list[Any]]:
    """``elements`` in order, cut into requests of at most ``BATCH_ELEMENTS[plural]`` elements
    and ``BATCH_BYTES`` of their JSON (``size`` of each; one larger element goes alone)."""
    most = BATCH_ELEMENTS.get(plural, 50)
    chunks: list[list[Any]] = []
    current: list[Any] = []
    used = 0
    for element in elements:
        cost = size(element)
        if current and (len(current) >= most or used + cost > BATCH_BYTES):
            chunks.append(current)
            current, used = [], 0
        current.append(element)
        used += cost
    if current:
        chunks.append(current)
    return chunks


def element_result(element: dict[str, Any]) -> ElementResult:
    status = str(element.get("StatusAttributeString", "OK")).upper()
    errors = tuple(validation_messages(element))
    warnings = tuple(str(w.get("Message", "")) for w in element.get("Warnings") or [])
    ok = status != "ERROR" and not element.get("HasErrors") and not element.get("HasValidationErrors")
    return ElementResult(ok=ok and not errors, record=element, errors=errors, warnings=warnings)
