"""What every Accounting endpoint shares: the request, listing helpers and Xero's batch semantics."""

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from local.xero_sandbox.dates import date_string, ms, parse_date
from local.xero_sandbox.errors import ElementInvalid, SandboxError, bad_request, post_data_invalid, validation_exception
from local.xero_sandbox.state import Client, Organisation, Token

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Xero sets no element cap beyond body size; Xero's guidance reports 500 for Items and recommends 50.
# The sandbox refuses more than this many elements in one request (a guess, see README).
MAX_ELEMENTS = 500
DOCUMENTS = ("Invoices", "CreditNotes", "BankTransactions")  # elements Xero gives a DateString (and DueDateString)

Handled = tuple[int, Any]


class Request:
    def __init__(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes):
        self.method = method.upper()
        self.path = path
        self.query = {k.lower(): v for k, v in query.items()}
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        self.org: Organisation | None = None
        self.token: Token | None = None
        self.client: Client | None = None
        self.template = ""  # the spec's path template this request matched
        self.endpoint = ""  # "METHOD /Resource", the key calls and faults use
        self.element_problems: dict[int, list[str]] = {}
        self._parsed: Any = None

    def arg(self, name: str) -> str | None:
        values = self.query.get(name.lower())
        return values[-1] if values else None

    def flag(self, name: str, default: bool) -> bool:
        value = self.arg(name)
        return default if value is None else value.strip().lower() == "true"  # the SDK sends "False"

    def json(self) -> Any:
        if self._parsed is not None:
            return self._parsed
        if not self.body:
            raise post_data_invalid("The request body is empty")
        try:
            self._parsed = json.loads(self.body, parse_float=Decimal)
        except ValueError:
            raise post_data_invalid("The request body is not valid JSON") from None
        return self._parsed

    def replace_body(self, body: Any) -> None:
        """The parsed body as the endpoints should read it (property names made canonical)."""
        self._parsed = body

    @property
    def organisation(self) -> Organisation:
        assert self.org is not None, "an Accounting request always has its organisation"
        return self.org

    def unitdp(self) -> int:
        return 4 if self.arg("unitdp") == "4" else 2

    def ids(self, name: str) -> set[str] | None:
        raw = ",".join(self.query.get(name.lower(), []))
        return None if not raw else {v.strip().lower() for v in raw.split(",") if v.strip()}

    def modified_since(self) -> datetime | None:
        raw = self.headers.get("if-modified-since")
        if not raw:
            return None
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = parsedate_to_datetime(raw)
            except (TypeError, ValueError):
                raise bad_request(f"The If-Modified-Since header '{raw}' is not a date") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def elements(body: Any, plural: str) -> list[dict[str, Any]]:
    """The elements of a write body: ``{"Plural": [...]}``, a bare object, or a bare list."""
    if isinstance(body, dict) and plural in body:
        items = body[plural]
    elif isinstance(body, dict):
        items = [body]
    else:
        items = body
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise post_data_invalid(f"Expected {plural} to be a list of objects")
    if len(items) > MAX_ELEMENTS:
        raise bad_request(f"A request may contain at most {MAX_ELEMENTS} {plural} (it contained {len(items)}).")
    return items


def page(request: Request, records: list[dict[str, Any]], plural: str, *, paged: bool = True) -> dict[str, Any]:
    """Xero's paging: ``page`` (1-based) and ``pageSize`` (1..1000, default 100), with ``pagination``."""
    number = request.arg("page")
    if number is None or not paged:
        return {plural: records}
    try:
        size = min(max(int(request.arg("pageSize") or PAGE_SIZE), 1), MAX_PAGE_SIZE)
        current = max(int(number), 1)
    except ValueError:
        raise bad_request("page and pageSize must be whole numbers") from None
    count = len(records)
    return {
        "pagination": {"page": current, "pageSize": size, "pageCount": -(-count // size), "itemCount": count},
        plural: records[(current - 1) * size : current * size],
    }


def since(record: dict[str, Any], when: datetime | None) -> bool:
    return when is None or record["UpdatedDateUTC"].replace(microsecond=0) >= when  # second precision


def write(
    request: Request,
    plural: str,
    items: list[dict[str, Any]],
    apply: Callable[[dict[str, Any]], dict[str, Any]],
    render: Callable[[dict[str, Any]], dict[str, Any]],
    error_flag: str | None,
    *,
    summarize_default: bool = True,
    on_saved: Callable[[dict[str, Any]], None] | None = None,
) -> Handled:
    """Xero's batch semantics: each element on its own (not transactional); with
    ``summarizeErrors=false`` a 200 with a status per element, otherwise a 400 listing only
    the failed elements (the valid ones are still saved). https://developer.xero.com/documentation/api/http-response-codes"""
    summarize = request.flag("summarizeErrors", summarize_default)
    results: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for index, element in enumerate(items):
        try:
            problems = request.element_problems.get(index)
            if problems:
                raise ElementInvalid(*problems)
            saved = apply(element)
            if on_saved is not None:
                on_saved(saved)
            record = render(saved)
            results.append({**record, "StatusAttributeString": "OK"} if not summarize else record)
        except ElementInvalid as exc:
            echo: dict[str, Any] = {**refused(element, plural), "StatusAttributeString": "ERROR"}
            if error_flag:
                echo[error_flag] = True
            echo["ValidationErrors"] = [{"Message": m} for m in exc.messages]
            results.append(echo)
            failed.append(echo)
    if summarize and failed:
        raise validation_exception(failed)
    return 200, {plural: results}


def single(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A one-element write body (Accounts, TaxRates, TrackingCategories take one per request)."""
    problems = request.element_problems.get(0)
    if problems:
        raise refuse(body, *problems)
    return body


def refuse(element: dict[str, Any], *messages: str) -> SandboxError:
    """A single-document write refused with Xero's ValidationException."""
    return validation_exception([{**refused(element), "ValidationErrors": [{"Message": m} for m in messages]}])


def refused(element: Any, plural: str = "") -> Any:
    """A refused element rendered as Xero renders the elements it saves: dates as
    ``/Date(ms+0000)/`` (invoices and credit notes with their ``DateString``s), not as sent."""
    if isinstance(element, list):
        return [refused(item) for item in element]
    if not isinstance(element, dict):
        return element
    out: dict[str, Any] = {}
    for key, value in element.items():
        when = _readable_date(value) if key.endswith(("Date", "DateUTC")) else None
        out[key] = refused(value) if when is None else ms(when)
        if when is not None and plural in DOCUMENTS and key in ("Date", "DueDate"):
            out[f"{key}String"] = date_string(when)
    return out


def _readable_date(value: Any) -> date | None:
    try:
        return parse_date(value) if isinstance(value, str) else None
    except ValueError:
        return None


def lookup(store: dict[str, dict[str, Any]], key: str) -> dict[str, Any] | None:
    return store.get(key.lower()) if GUID.match(key) else None


def ordered(request: Request, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Xero's ``order`` parameter: ``Field`` or ``Field ASC|DESC`` (dotted paths allowed)."""
    raw = (request.arg("order") or "").strip()
    if not raw:
        return records
    field, _, direction = raw.partition(" ")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9.]*", field) or direction.strip().upper() not in ("", "ASC", "DESC"):
        raise bad_request(f"The order '{raw}' is not valid", 16, "QueryParseException")

    def key(record: dict[str, Any]) -> tuple[int, str]:
        value: Any = record
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return (1, "")
        if isinstance(value, Decimal | int | float):
            return (0, f"{Decimal(value) + Decimal('1e15'):040.4f}")
        return (0, str(value).casefold() if isinstance(value, str) else str(value))

    return sorted(records, key=key, reverse=direction.strip().upper() == "DESC")
