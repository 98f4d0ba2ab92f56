"""The Finances API, served from the same seeded history as the settlement reports: what Amazon
has posted, event by event, before (and after) a settlement closes.

* ``GET /finances/v0/financialEventGroups`` (listFinancialEventGroups, ``financesV0.json`` in
  amzn/selling-partner-api-models): ``FinancialEventGroupStartedAfter`` (required here),
  ``FinancialEventGroupStartedBefore``, ``MaxResultsPerPage`` 1-100 (default 100), ``NextToken`` →
  ``{"payload": {"FinancialEventGroupList": [...], "NextToken"?}}``. A group is a settlement period:
  one ``Closed`` group per settlement published (``OriginalTotal`` = its total, ``FundTransferDate``
  = its deposit date), and one ``Open`` group for the period running now (no end, no total).
* ``GET /finances/2024-06-19/transactions`` (listTransactions, ``finances_2024-06-19.json``):
  ``postedAfter`` (required without a related identifier; more than two minutes before now),
  ``postedBefore`` (default two minutes before now), ``marketplaceId``, ``transactionStatus``,
  ``relatedIdentifierName``/``relatedIdentifierValue`` (``FINANCIAL_EVENT_GROUP_ID``, ``ORDER_ID``),
  ``nextToken`` sent *with* the same arguments (the model: "include the same arguments as the call
  that produced the token") → ``{"payload": {"transactions": [...], "nextToken"?}}``, up to 500 a page.
* Rate limits: 0.5 requests/s, burst 30 (v0) and burst 10 (2024-06-19), their models' usage plans.

What the transactions are made of (all **guesses** at Amazon's grouping, consistent with the flat
file): the lines of one transaction of the settlement flat file (one order's shipment, one refund,
one fee) become one transaction whose ``totalAmount`` is their sum and whose ``breakdowns`` are
the lines (``breakdownType`` = amount-type, nested by amount-description). ``transactionType``:
``Order`` → ``Shipment`` (the model's example), ``Refund`` → ``Refund``, reimbursements →
``Adjustment``, fees and the rest → ``ServiceFee``. Reserve lines are balances, not events: they are
not transactions. Amounts are JSON numbers with two decimals, as the models' ``BigDecimal``.

The open period is the generator's next settlement as far as it has happened: the lines posted
before now of what :meth:`AmazonSP.settle` will publish next (same seed, same lines), so the
provisional view of a period and its settlement agree.
"""

import copy
import json
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.amazon_sp.limits import QUOTA_EXCEEDED
from local.amazon_sp.reports import error, iso
from local.amazon_sp.settlement import Line, Settlement

if TYPE_CHECKING:
    from local.amazon_sp.simulator import AmazonSP
    from local.http import Response

GROUPS = "/finances/v0/financialEventGroups"
TRANSACTIONS = "/finances/2024-06-19/transactions"
TRANSACTIONS_PAGE = 500
SETTLE_DELAY = timedelta(minutes=2)  # "more than two minutes before the time of the request"
TYPES = {"order": "Shipment", "refund": "Refund"}
DESCRIPTIONS = {"Shipment": "Order Payment", "Refund": "Refund Order", "Adjustment": "Adjustment",
                "ServiceFee": "Service Fee"}  # fmt: skip


def _money(amount: Decimal, currency: str, *, upper: bool = False) -> dict[str, Any]:
    number = float(amount)  # two decimals: the float's shortest repr is the exact amount
    if upper:
        return {"CurrencyCode": currency, "CurrencyAmount": number}
    return {"currencyCode": currency, "currencyAmount": number}


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _aware(when: datetime, like: datetime) -> datetime:
    """A date given without a zone is UTC (the simulator's clock)."""
    return when if when.tzinfo else when.replace(tzinfo=like.tzinfo)


def group_id(settlement: Settlement) -> str:
    return f"grp-{settlement.id}"


def open_period(sp: "AmazonSP", marketplace: str = "Amazon.com") -> Settlement:
    """The settlement running now, whole (its lines in the future too): the generator's next."""
    return copy.deepcopy(sp.generator(marketplace)).next()


def _settled(sp: "AmazonSP") -> list[Settlement]:
    return sorted((r.settlement for r in sp.reports.reports.values() if r.settlement), key=lambda s: s.start)


def groups(sp: "AmazonSP") -> list[dict[str, Any]]:
    found = []
    for settlement in _settled(sp):
        found.append(
            {
                "FinancialEventGroupId": group_id(settlement),
                "ProcessingStatus": "Closed",
                "FundTransferStatus": "Succeeded",
                "OriginalTotal": _money(settlement.total, settlement.currency, upper=True),
                "FundTransferDate": iso(settlement.deposit),
                "TraceId": f"trace-{settlement.id}",
                "FinancialEventGroupStart": iso(settlement.start),
                "FinancialEventGroupEnd": iso(settlement.end),
            }
        )
    for name in sorted(sp.generators):
        running = open_period(sp, name)
        found.append(
            {
                "FinancialEventGroupId": group_id(running),
                "ProcessingStatus": "Open",
                "FundTransferStatus": "Unknown",
                "FinancialEventGroupStart": iso(running.start),
            }
        )
    return found


def _kind(line: Line) -> str:
    if line.transaction_type.casefold() in TYPES:
        return TYPES[line.transaction_type.casefold()]
    if "reimbursement" in line.amount_type.casefold():
        return "Adjustment"
    return "ServiceFee"


def transactions(sp: "AmazonSP", now: datetime) -> list[dict[str, Any]]:
    """Every transaction posted so far, oldest first: the settled periods' and the running one's."""
    periods = [(s, "RELEASED") for s in _settled(sp)]
    periods += [(open_period(sp, name), "RELEASED") for name in sorted(sp.generators)]
    found: list[dict[str, Any]] = []
    for settlement, status in periods:
        by_transaction: dict[tuple[str, str, str, datetime], list[Line]] = defaultdict(list)
        for line in settlement.lines:
            if "reserve" in line.amount_description.casefold() or line.posted >= now:
                continue
            key = (line.transaction_type, line.order_id, line.adjustment_id or line.amount_description, line.posted)
            by_transaction[key].append(line)
        for (_, order_id, _, posted), lines in by_transaction.items():
            kind = _kind(lines[0])
            currency = settlement.currency
            nested: dict[str, list[Line]] = defaultdict(list)
            for line in lines:
                nested[line.amount_type].append(line)
            identifiers = [{"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
                            "relatedIdentifierValue": group_id(settlement)}]  # fmt: skip
            if order_id:
                identifiers.append({"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id})
            found.append(
                {
                    "sellingPartnerMetadata": {
                        "sellingPartnerId": sp.seller_id,
                        "accountType": "Standard Orders",
                        "marketplaceId": settlement.marketplace.id,
                    },
                    "relatedIdentifiers": identifiers,
                    "transactionType": kind,
                    "transactionId": f"{settlement.id}-{len(found)}",
                    "transactionStatus": status,
                    "description": DESCRIPTIONS[kind],
                    "postedDate": iso(posted),
                    "totalAmount": _money(sum((x.amount for x in lines), Decimal(0)), currency),
                    "marketplaceDetails": {
                        "marketplaceId": settlement.marketplace.id,
                        "marketplaceName": settlement.marketplace.name,
                    },
                    "breakdowns": [
                        {
                            "breakdownType": amount_type,
                            "breakdownAmount": _money(sum((x.amount for x in parts), Decimal(0)), currency),
                            "breakdowns": [
                                {
                                    "breakdownType": x.amount_description,
                                    "breakdownAmount": _money(x.amount, currency),
                                    "breakdowns": [],
                                }
                                for x in parts
                            ],
                        }
                        for amount_type, parts in nested.items()
                    ],
                }
            )
    return sorted(found, key=lambda t: t["postedDate"])


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> "Response":
    reply = {"Content-Type": "application/json", "x-amzn-RequestId": secrets.token_hex(16), **(headers or {})}
    return status, reply, json.dumps(payload).encode()


def finances_api(sp: "AmazonSP", path: str, query: dict[str, list[str]], headers: dict[str, str]) -> "Response":
    refusal = sp.tokens.refuse(headers.get("x-amz-access-token"))
    if refusal is not None:
        return _json(403, refusal)
    operation = {GROUPS: "listFinancialEventGroups", TRANSACTIONS: "listTransactions"}.get(path)
    if operation is None:
        return _json(404, error("NotFound", "Resource not found"))
    limit = sp.limits.headers(operation)
    now = sp.now()
    if not sp.limits.take(operation, now):
        return _json(429, QUOTA_EXCEEDED, limit)
    args = {k: v[-1] for k, v in query.items()}
    if operation == "listFinancialEventGroups":
        return _groups(sp, args, limit)
    return _transactions(sp, args, now, limit)


def _page(sp: "AmazonSP", args: dict[str, str], items: list[dict[str, Any]], size: int, token_name: str,
          same: dict[str, str]) -> tuple[list[dict[str, Any]], str | None] | None:  # fmt: skip
    """One page of ``items`` (offset from the token, which must come with the same arguments)."""
    pages = sp.finance_pages
    offset = 0
    token = args.get(token_name)
    if token:
        if token not in pages or pages[token][0] != same:
            return None
        offset = pages.pop(token)[1]
    page = items[offset : offset + size]
    if offset + size < len(items):
        following = secrets.token_urlsafe(18)
        pages[following] = (same, offset + size)
        return page, following
    return page, None


def _groups(sp: "AmazonSP", args: dict[str, str], limit: dict[str, str]) -> "Response":
    after = _time(args.get("FinancialEventGroupStartedAfter"))
    before = _time(args.get("FinancialEventGroupStartedBefore"))
    if after is None:
        return _json(400, error("InvalidInput", "FinancialEventGroupStartedAfter is required"), limit)
    try:
        size = int(args.get("MaxResultsPerPage", "100"))
    except ValueError:
        size = 0
    if not 1 <= size <= 100:
        return _json(400, error("InvalidInput", "MaxResultsPerPage must be between 1 and 100"), limit)
    found = []
    for group in groups(sp):
        start = datetime.fromisoformat(group["FinancialEventGroupStart"])
        if start >= _aware(after, start) and (before is None or start < _aware(before, start)):
            found.append(group)
    same = {k: v for k, v in args.items() if k != "NextToken"}
    paged = _page(sp, args, found, size, "NextToken", same)
    if paged is None:
        return _json(400, error("InvalidInput", "Invalid NextToken"), limit)
    page, token = paged
    payload: dict[str, Any] = {"FinancialEventGroupList": page}
    if token:
        payload["NextToken"] = token
    return _json(200, {"payload": payload}, limit)


def _transactions(sp: "AmazonSP", args: dict[str, str], now: datetime, limit: dict[str, str]) -> "Response":
    latest = now - SETTLE_DELAY
    after = _time(args.get("postedAfter"))
    before = _time(args.get("postedBefore")) or latest
    name, value = args.get("relatedIdentifierName"), args.get("relatedIdentifierValue")
    if after is None and not (name and value):
        return _json(400, error("InvalidInput", "Start date cannot be null"), limit)  # the model's example
    if (after is not None and _aware(after, now) > latest) or _aware(before, now) > latest:
        return _json(400, error("InvalidInput", "Dates must be more than two minutes before now"), limit)
    found = []
    for t in transactions(sp, now):
        posted = datetime.fromisoformat(t["postedDate"])
        if after is not None and posted < _aware(after, posted):
            continue
        if posted >= _aware(before, posted):
            continue
        if args.get("marketplaceId") and t["marketplaceDetails"]["marketplaceId"] != args["marketplaceId"]:
            continue
        if args.get("transactionStatus") and t["transactionStatus"] != args["transactionStatus"]:
            continue
        if (
            name
            and value
            and not any(
                i["relatedIdentifierName"] == name and i["relatedIdentifierValue"] == value
                for i in t["relatedIdentifiers"]
            )
        ):
            continue
        found.append(t)
    same = {k: v for k, v in args.items() if k != "nextToken"}
    size = sp.transactions_page
    paged = _page(sp, args, found, size, "nextToken", same)
    if paged is None:
        return _json(400, error("InvalidInput", "Invalid nextToken"), limit)
    page, token = paged
    payload: dict[str, Any] = {"transactions": page}
    if token:
        payload["nextToken"] = token
    return _json(200, {"payload": payload}, limit)
