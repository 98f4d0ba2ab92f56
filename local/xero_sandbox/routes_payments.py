"""``/Payments``: batch ``PUT``, single ``POST``, delete by ``POST /Payments/{id}`` (https://github.com/XeroAPI/Xero-OpenAPI)."""

from typing import TYPE_CHECKING, Any

from local.xero_sandbox import payments
from local.xero_sandbox.api import Handled, Request, elements, lookup, ordered, page, since, write
from local.xero_sandbox.errors import not_found
from local.xero_sandbox.invoices import Doc
from local.xero_sandbox.query import where

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox


def register(box: "XeroSandbox") -> None:
    def changed(request: Request, doc: Doc, document: dict[str, Any]) -> None:
        # Xero does not document whether a payment fires an INVOICE UPDATE webhook; the sandbox sends one
        box.event(request.organisation, doc.plural, document, False)

    def create(request: Request, element: dict[str, Any]) -> dict[str, Any]:
        record, doc, document = payments.create(request.organisation, element, box.time())
        changed(request, doc, document)
        return record

    def listing(request: Request) -> Handled:
        org = request.organisation
        test = where(request.arg("where"))
        when = request.modified_since()
        found = [payments.render(org, p) for p in org.payments.values() if since(p, when)]
        found = [p for p in found if test(p)]
        found.sort(key=lambda p: (p["Date"], p["UpdatedDateUTC"]))
        return 200, page(request, ordered(request, found), "Payments")

    def get_one(request: Request, PaymentID: str) -> Handled:
        record = lookup(request.organisation.payments, PaymentID)
        if record is None:
            raise not_found()
        return 200, {"Payments": [payments.render(request.organisation, record)]}

    def put_batch(request: Request) -> Handled:
        org = request.organisation
        body = elements(request.json(), "Payments")
        return write(
            request,
            "Payments",
            body,
            lambda e: create(request, e),
            lambda r: payments.render(org, r),
            "HasValidationErrors",
        )

    def post_single(request: Request) -> Handled:
        org = request.organisation
        body = elements(request.json(), "Payments")[:1]  # the spec's body is one Payment
        return write(
            request,
            "Payments",
            body,
            lambda e: create(request, e),
            lambda r: payments.render(org, r),
            "HasValidationErrors",
        )

    def delete(request: Request, PaymentID: str) -> Handled:
        org = request.organisation
        record = lookup(org.payments, PaymentID)
        if record is None:
            raise not_found()

        def apply(element: dict[str, Any]) -> dict[str, Any]:
            doc, document = payments.delete(org, record, element, box.time())
            changed(request, doc, document)
            return record

        body = elements(request.json(), "Payments")[:1]
        return write(request, "Payments", body, apply, lambda r: payments.render(org, r), "HasValidationErrors")

    box.api("GET", "/Payments", listing)
    box.api("GET", "/Payments/{PaymentID}", get_one)
    box.api("PUT", "/Payments", put_batch)
    box.api("POST", "/Payments", post_single)
    box.api("POST", "/Payments/{PaymentID}", delete)
