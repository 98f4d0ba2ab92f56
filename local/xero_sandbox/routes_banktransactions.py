"""``/BankTransactions``: create (``PUT``, a batch), list, look up, and update or delete one
(``POST /BankTransactions/{BankTransactionID}``). ``POST /BankTransactions`` (update-or-create
in a batch) is Xero's too and not routed here."""

from typing import TYPE_CHECKING, Any

from local.xero_sandbox import banktransactions
from local.xero_sandbox.api import Handled, Request, elements, lookup, ordered, page, since, write
from local.xero_sandbox.errors import not_found
from local.xero_sandbox.query import where

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox

PLURAL = "BankTransactions"


def register(box: "XeroSandbox") -> None:
    def listing(request: Request) -> Handled:
        org = request.organisation
        test = where(request.arg("where"))
        when = request.modified_since()
        paged = request.arg("page") is not None
        found = []
        for record in org.bank_transactions.values():
            if not since(record, when):
                continue
            rendered = banktransactions.render(org, record, lines=paged)
            if test(rendered):
                found.append(rendered)
        found.sort(key=lambda r: (r["Date"], r["UpdatedDateUTC"]))
        return 200, page(request, ordered(request, found), PLURAL)

    def get_one(request: Request, BankTransactionID: str) -> Handled:
        record = lookup(request.organisation.bank_transactions, BankTransactionID)
        if record is None:
            raise not_found()
        return 200, {PLURAL: [banktransactions.render(request.organisation, record)]}

    def put(request: Request) -> Handled:
        org, unitdp = request.organisation, request.unitdp()
        body = elements(request.json(), PLURAL)
        return write(
            request,
            PLURAL,
            body,
            lambda e: banktransactions.create(org, e, unitdp, box.time()),
            lambda r: banktransactions.render(org, r),
            "HasErrors",
        )

    def post_one(request: Request, BankTransactionID: str) -> Handled:
        org, unitdp = request.organisation, request.unitdp()
        record = lookup(org.bank_transactions, BankTransactionID)
        if record is None:
            raise not_found()

        def apply(element: dict[str, Any]) -> dict[str, Any]:
            return banktransactions.update(org, record, element, unitdp, box.time())

        body = elements(request.json(), PLURAL)[:1]
        return write(request, PLURAL, body, apply, lambda r: banktransactions.render(org, r), "HasErrors")

    box.api("GET", "/BankTransactions", listing)
    box.api("PUT", "/BankTransactions", put)
    box.api("GET", "/BankTransactions/{BankTransactionID}", get_one)
    box.api("POST", "/BankTransactions/{BankTransactionID}", post_one)
