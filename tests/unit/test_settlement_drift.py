"""The payouts' drift comparison (pure): each settlement against its Xero document, the
difference named by record, fixable by the next poll or reported."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xerosync.settlement_drift import compare
from xerosync.sources.port import SettlementFound
from xerosync.sync.ports import Mapping

D = Decimal
AT = datetime(2026, 7, 14, tzinfo=UTC)


def found(status: Any = "paid", deposit: str = "41.90") -> SettlementFound:
    return SettlementFound("payout:1", "1", status, AT, D(deposit), "USD", "Shopify payout 1")


def posted(document: str = "invoice", state: str = "posted", status: str = "AUTHORISED") -> Mapping:
    return Mapping("payout:1", "doc-1", data={"document": document, "state": state, "status": status})


def test_a_paid_payout_not_posted_and_a_failed_one_still_posted_are_fixable() -> None:
    [missing] = compare(found(), None, None, None)
    assert missing.fixable and missing.what == "document" and "next poll posts" in missing.reason
    [still] = compare(found("failed"), posted(), None, {"Status": "PAID", "Total": D("41.90")})
    assert still.fixable and "reverses" in still.reason
    assert compare(found("pending"), None, None, None) == []
    assert compare(found("failed"), None, None, None) == []


def test_a_document_changed_in_xero_is_reported_with_the_difference() -> None:
    [edited] = compare(found(), posted("bank_transaction"), None, {"Status": "AUTHORISED", "Total": D("40.00")})
    assert not edited.fixable and edited.what == "total" and "1.90" in edited.reason
    [gone] = compare(found(), posted("bank_transaction"), None, {"Status": "DELETED", "Total": D("41.90")})
    assert not gone.fixable and "by hand" in gone.reason
    assert compare(found(), posted("bank_transaction"), None, {"Status": "AUTHORISED", "Total": D("41.90")}) == []


def test_a_summary_invoice_needs_its_payment_of_the_deposit() -> None:
    unpaid = {"Status": "AUTHORISED", "Total": D("41.90"), "Payments": []}
    [payment] = compare(found(), posted(), None, unpaid)
    assert payment.what == "payment" and payment.fixable  # the next poll pays it
    paid = {"Status": "PAID", "Total": D("41.90"), "Payments": [{"Amount": D("41.90")}]}
    assert compare(found(), posted(), Mapping("payout:1#payment", "p-1"), paid) == []
    assert compare(found(), posted(status="DRAFT"), None, {**unpaid, "Status": "DRAFT"}) == []
    negative = compare(found(deposit="-12.00"), posted("credit_note"), Mapping("payout:1#payment", "p"),
                       {"Status": "PAID", "Total": D("12.00"), "Payments": [{"Amount": D("12.00")}]})  # fmt: skip
    assert negative == []


def test_a_document_a_reissue_took_off_but_live_in_xero_is_named_extra() -> None:
    from xerosync.settlement_drift import compare_issue

    issue = SettlementFound("settlement-report:9", "9", "paid", AT, D(0), "", "report 9", revision="9")
    posted = Mapping("settlement:5", "doc-2", data={"document": "invoice", "state": "posted", "lines": "abc"})
    documents: dict[str, Any] = {
        "settlement:5": {"Status": "DRAFT", "Total": D("30.30"), "InvoiceNumber": "AMZ-5"},
        "off:doc-1": {"Status": "AUTHORISED", "Total": D("20.00"), "InvoiceNumber": "AMZ-5-2026-08"},
    }
    [extra] = compare_issue(issue, "settlement:5", D("30.30"), "abc", posted, None, documents)
    assert extra.what == "extra" and "AMZ-5-2026-08" in extra.reason and extra.xero == "20.00"
    documents["off:doc-1"]["Status"] = "VOIDED"
    assert compare_issue(issue, "settlement:5", D("30.30"), "abc", posted, None, documents) == []
    [total] = compare_issue(issue, "settlement:5", D("31.30"), "abc", posted, None, documents)
    assert total.what == "total" and "differs from the report by 1.00" in total.reason
