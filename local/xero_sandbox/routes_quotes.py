"""``/Quotes`` and ``/PurchaseOrders``: listing, lookup and writes (rules in :mod:`quotes`).

The list filters are the spec's own for each (getQuotes: ``DateFrom``/``DateTo``,
``ExpiryDateFrom``/``ExpiryDateTo``, ``ContactID``, ``Status``, ``QuoteNumber``, ``order``,
``page``; getPurchaseOrders: ``Status``, ``DateFrom``/``DateTo``, ``order``, ``page``,
``pageSize``), with ``If-Modified-Since`` for both. Neither operation takes ``where`` in the
spec, so it is not read here. Lines come with every listed document (the spec's examples show
them); a page holds 100 unless ``pageSize`` says otherwise (purchase orders only), and only
purchase orders answer with ``pagination`` (the ``Quotes`` schema has none). Deleted documents
are listed only when ``Status=DELETED`` asks for them (guessed).
"""

from datetime import date
from typing import TYPE_CHECKING, Any

from local.xero_sandbox import quotes
from local.xero_sandbox.api import GUID, PAGE_SIZE, Handled, Request, elements, ordered, page, since, write
from local.xero_sandbox.dates import parse_date
from local.xero_sandbox.errors import ElementInvalid, bad_request, not_found
from local.xero_sandbox.quotes import PURCHASE_ORDER, QUOTE, Kind

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox


def _day(request: Request, name: str) -> date | None:
    raw = request.arg(name)
    try:
        return parse_date(raw) if raw else None
    except ValueError:
        raise bad_request(f"{name} '{raw}' is not a date") from None  # wording guessed


def _between(value: date | None, low: date | None, high: date | None) -> bool:
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def _matches(request: Request, kind: Kind, record: dict[str, Any]) -> bool:
    status = (request.arg("Status") or "").strip().upper()
    contact = (request.arg("ContactID") or "").strip().lower() if kind is QUOTE else ""
    number = (request.arg("QuoteNumber") or "").strip().casefold() if kind is QUOTE else ""
    return (
        (record["Status"] == status if status else record["Status"] != "DELETED")
        and (not contact or record["ContactID"] == contact)
        and (not number or str(record.get(kind.number_field, "")).casefold() == number)
        and _between(record.get("Date"), _day(request, "DateFrom"), _day(request, "DateTo"))
        and (
            kind is not QUOTE
            or _between(record.get("ExpiryDate"), _day(request, "ExpiryDateFrom"), _day(request, "ExpiryDateTo"))
        )
        and since(record, request.modified_since())
    )


def register(box: "XeroSandbox") -> None:
    def lookup(request: Request, kind: Kind, key: str) -> dict[str, Any]:
        org = request.organisation
        if GUID.match(key):
            record = kind.store(org).get(key.lower())
        elif kind is PURCHASE_ORDER:  # getPurchaseOrderByNumber shares the path
            record = quotes.find(org, kind, {kind.number_field: key})
        else:
            record = None
        if record is None:
            raise not_found()
        return record

    def listing(request: Request, kind: Kind) -> Handled:
        org = request.organisation
        found = [quotes.render(org, kind, r) for r in kind.store(org).values() if _matches(request, kind, r)]
        found.sort(key=lambda r: (r["Date"], r["UpdatedDateUTC"]))
        found = ordered(request, found)
        if kind is PURCHASE_ORDER:
            return 200, page(request, found, kind.plural)
        number = request.arg("page")
        if number is None:
            return 200, {kind.plural: found}
        try:
            current = max(int(number), 1)
        except ValueError:
            raise bad_request("page must be a whole number") from None
        return 200, {kind.plural: found[(current - 1) * PAGE_SIZE : current * PAGE_SIZE]}

    def put(request: Request, kind: Kind) -> Handled:
        org = request.organisation
        body = elements(request.json(), kind.plural)
        return write(
            request,
            kind.plural,
            body,
            lambda e: quotes.create(org, kind, e, box.time()),
            lambda r: quotes.render(org, kind, r),
            "HasErrors" if kind is PURCHASE_ORDER else None,
        )

    def post(request: Request, kind: Kind) -> Handled:
        org = request.organisation

        def upsert(element: dict[str, Any]) -> dict[str, Any]:
            existing = quotes.find(org, kind, element)
            if existing is None and element.get(kind.id_field):
                raise ElementInvalid(f"An existing {kind.label} with the specified {kind.id_field} could not be found")
            if existing:
                return quotes.update(org, kind, existing, element, box.time())
            return quotes.create(org, kind, element, box.time())

        body = elements(request.json(), kind.plural)
        flag = "HasErrors" if kind is PURCHASE_ORDER else None
        return write(request, kind.plural, body, upsert, lambda r: quotes.render(org, kind, r), flag)

    def post_one(request: Request, kind: Kind, key: str) -> Handled:
        org = request.organisation
        record = lookup(request, kind, key)
        body = elements(request.json(), kind.plural)[:1]
        return write(
            request,
            kind.plural,
            body,
            lambda e: quotes.update(org, kind, record, e, box.time()),
            lambda r: quotes.render(org, kind, r),
            "HasErrors" if kind is PURCHASE_ORDER else None,
        )

    def bind(kind: Kind) -> None:
        path, key = f"/{kind.plural}", "{" + kind.id_field + "}"
        box.api("GET", path, lambda request: listing(request, kind))
        box.api("PUT", path, lambda request: put(request, kind))
        box.api("POST", path, lambda request: post(request, kind))
        box.api(
            "GET",
            f"{path}/{key}",
            lambda request, **ids: (
                200,
                {kind.plural: [quotes.render(request.organisation, kind, lookup(request, kind, *ids.values()))]},
            ),
        )
        box.api("POST", f"{path}/{key}", lambda request, **ids: post_one(request, kind, *ids.values()))

    bind(QUOTE)
    bind(PURCHASE_ORDER)
