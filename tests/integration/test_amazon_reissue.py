"""A settlement Amazon re-issues (the same settlement id in a new report, corrected), through the
Amazon adapter over HTTP to the SP-API simulator and the Xero sandbox over HTTP (validated
against Xero's spec). "Xero is king" once the deposit is reconciled there.

Given a settlement posted (its invoices approved and paid from the bank by xerosync), when the
poll runs again, then the report is not downloaded again and Xero is not called. When Amazon
re-issues it with a corrected line, then the next poll replaces the documents in place (the
payment deleted, the lines updated, the new deposit paid), once; the same content in yet another
report posts nothing and calls Xero for nothing. Once the payment is reconciled in Xero, a
further re-issue changes nothing in Xero and is reported as held with the difference named. A
re-issue that turns the settlement negative voids the invoice and posts a bill instead. A
replacement cut short (a document update refused, the new payment's answer lost) is finished by
the next poll with exactly one payment of the new deposit.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.amazon_sp import AmazonSP
from local.amazon_sp.reports import Report
from local.amazon_sp.settlement import Line
from local.xero_sandbox import XeroSandbox
from tests.fakes import InMemoryMappings
from tests.integration.test_amazon_settlement_xero import xero  # noqa: F401 (the sandbox, its accounts)
from tests.integration.test_amazon_sp_client import NOW, Http, client, since, sp  # noqa: F401 (fixtures)
from tests.unit.test_amazon_settlement import amazon_settings
from xerosync.sources.amazon.adapter import AmazonStore
from xerosync.sync.settlements import PollReport, poll
from xerosync.xero.client import XeroClient

pytestmark = pytest.mark.integration
D = Decimal


def reimbursement(report: Report, amount: str) -> Line:
    assert report.settlement is not None
    return Line(
        "other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", D(amount), report.settlement.end
    )


class Books:
    def __init__(
        self, simulator: AmazonSP, sandbox: XeroSandbox, org: Any, xero_client: XeroClient, settings: Any
    ) -> None:
        self.sp, self.sandbox, self.org, self.xero = simulator, sandbox, org, xero_client
        self.store = AmazonStore(client(simulator, Http()))
        self.mappings = InMemoryMappings()
        self.settings = settings

    def poll(self) -> PollReport:
        self.sp.clock.advance(3600)  # an hour apart, as the schedule runs: Amazon's download budget refills
        return poll(
            self.store,
            since=NOW - timedelta(days=89),
            settings=self.settings,
            sales=lambda s: {},
            mappings=self.mappings,
            xero=self.xero,
        )

    def calls(self) -> int:
        return sum(n for (tenant, _), n in self.sandbox.state.calls.items() if tenant != "-")

    def downloads(self) -> int:
        return sum(self.sp.reports.downloads.values())

    def documents(self, settlement_id: str) -> list[dict[str, Any]]:
        return sorted(
            (
                i
                for i in self.org.invoices.values()
                if str(i.get("InvoiceNumber", "")).startswith(f"AMZ-{settlement_id}")
            ),
            key=lambda i: str(i["InvoiceNumber"]),
        )

    def live_payments(self) -> list[dict[str, Any]]:
        return [p for p in self.org.payments.values() if p["Status"] != "DELETED"]


@pytest.fixture
def books(sp: AmazonSP, xero: tuple[XeroSandbox, Any, XeroClient]) -> Books:  # noqa: F811 (the fixtures)
    sandbox, org, xero_client = xero
    return Books(sp, sandbox, org, xero_client, amazon_settings())


def test_a_reissued_settlement_replaces_its_unreconciled_documents_once_then_xero_is_king(books: Books) -> None:
    first = books.sp.settle("Amazon.com", month_end=True, compressed=True, orders=15)
    assert first.settlement is not None and first.settlement.total > 0
    sid = first.settlement.id
    done = books.poll()
    assert done.count("created") == 1 and done.failed == [], (done.outcomes, done.failed)
    earlier, last = books.documents(sid)
    assert last["Total"] == first.settlement.total and last["Status"] == "PAID" and earlier["Total"] == 0
    assert books.downloads() == 1

    # the same report again: not downloaded, Xero not called
    calls = books.calls()
    again = books.poll()
    assert again.count("created", "replaced") == 0 and books.downloads() == 1 and books.calls() == calls

    # Amazon re-issues it: a reimbursement the first report left out
    second = books.sp.reissue(first, [reimbursement(first, "12.34")])
    assert second.id != first.id and second.settlement is not None
    new_total = first.settlement.total + D("12.34")
    assert second.settlement.total == new_total
    replaced = books.poll()
    [outcome] = [o for o in replaced.outcomes if o.action == "replaced"]
    assert outcome.key == f"settlement:{sid}" and "payment deleted" in outcome.also, outcome
    assert f"deposit {new_total} USD (was {first.settlement.total})" in outcome.reason
    earlier2, last2 = books.documents(sid)
    assert (earlier2["InvoiceID"], last2["InvoiceID"]) == (earlier["InvoiceID"], last["InvoiceID"])  # in place
    assert last2["Total"] == new_total and last2["Status"] == "PAID" and earlier2["Total"] == 0
    [payment] = [p for p in books.live_payments() if p["Document"][1] == last["InvoiceID"]]
    assert payment["Amount"] == new_total
    assert books.downloads() == 2  # the new report, once

    # nothing more: the next poll reads neither report again and calls Xero for nothing
    calls = books.calls()
    assert books.poll().count("created", "replaced", "held") == 0
    assert books.calls() == calls and books.downloads() == 2

    # the same corrected content in yet another report: downloaded once, nothing posted, no Xero call
    books.sp.reissue(first, [reimbursement(first, "12.34")])
    same = books.poll()
    assert same.count("created", "replaced", "held") == 0 and same.failed == []
    assert books.calls() == calls and books.downloads() == 3

    # the bookkeeper reconciles the deposit in Xero; then Amazon re-issues once more: Xero is king
    books.org.payments[payment["PaymentID"]]["IsReconciled"] = True
    books.sp.reissue(first, [reimbursement(first, "12.34"), reimbursement(first, "-2.00")])
    held = books.poll()
    [kept] = [o for o in held.outcomes if o.action == "held"]
    assert "reconciled" in kept.reason and f"Xero holds {new_total}" in kept.reason and "(-2.00 apart)" in kept.reason
    assert books.documents(sid)[-1]["Total"] == new_total and len(books.live_payments()) == 1
    known = books.mappings.get(f"settlement:{sid}")
    assert known is not None and known.data["reissued"]["difference"] == "-2.00"
    calls = books.calls()
    assert books.poll().count("held") == 0 and books.calls() == calls  # reported once, not every poll

    # the bookkeeper un-reconciles it in Xero; the operator's push (again_held) applies the re-issue
    books.org.payments[payment["PaymentID"]]["IsReconciled"] = False
    books.sp.clock.advance(3600)
    pushed = poll(books.store, since=NOW - timedelta(days=89), settings=books.settings, sales=lambda s: {},
                  mappings=books.mappings, xero=books.xero, again_held=True)  # fmt: skip
    assert pushed.count("replaced") == 1 and pushed.failed == [], (pushed.outcomes, pushed.failed)
    assert books.documents(sid)[-1]["Total"] == new_total - D("2.00")
    assert [p["Amount"] for p in books.live_payments()] == [new_total - D("2.00")]
    assert books.sandbox.spec_violations == []


def test_a_reissue_that_turns_the_settlement_negative_voids_the_invoice_and_posts_a_bill(
    sp: AmazonSP,  # noqa: F811 (the fixture)
    xero: tuple[XeroSandbox, Any, XeroClient],  # noqa: F811 (the fixture)
) -> None:
    sandbox, org, xero_client = xero
    books = Books(sp, sandbox, org, xero_client, amazon_settings("  negative: bill\n  status: DRAFT"))
    first = books.sp.settle("Amazon.com", compressed=False, days=6, orders=15)
    assert first.settlement is not None and first.settlement.total > 0 and not first.settlement.spans_month_end()
    sid = first.settlement.id
    assert books.poll().count("created") == 1
    [draft] = books.documents(sid)
    assert draft["Status"] == "DRAFT" and draft["Type"] == "ACCREC" and books.live_payments() == []
    charge = D("-1000.00")  # Amazon's correction: a charge larger than the deposit
    books.sp.reissue(first, [reimbursement(first, str(charge))])
    replaced = books.poll()
    [outcome] = [o for o in replaced.outcomes if o.action == "replaced"]
    assert f"AMZ-{sid} created" in outcome.also and f"AMZ-{sid} deleted" in outcome.also, outcome.also
    documents = books.documents(sid)
    assert {d["Status"] for d in documents if d["Type"] == "ACCREC"} == {"DELETED"}
    [bill] = [d for d in documents if d["Type"] == "ACCPAY"]
    assert bill["Status"] == "DRAFT" and bill["Total"] == -(first.settlement.total + charge)
    known = books.mappings.get(f"settlement:{sid}")
    assert known is not None and known.xero_id == bill["InvoiceID"] and known.data["document"] == "bill"
    calls = books.calls()
    assert books.poll().count("created", "replaced") == 0 and books.calls() == calls
    assert sandbox.spec_violations == []


@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [("POST /Invoices", "error"), ("PUT /Payments", "lost_response")],
    ids=["a-document-update-refused", "the-new-payment-answer-lost"],
)
def test_a_replacement_cut_short_is_finished_by_the_next_poll_with_one_payment(
    books: Books, endpoint: str, fault: str
) -> None:
    first = books.sp.settle("Amazon.com", month_end=True, compressed=False, orders=15)
    assert first.settlement is not None
    sid = first.settlement.id
    assert books.poll().count("created") == 1
    invoices = [d["InvoiceID"] for d in books.documents(sid)]
    books.sp.reissue(first, [reimbursement(first, "7.77")])
    new_total = first.settlement.total + D("7.77")
    # the old payment deleted, then a document update fails, or the new payment's answer is lost (written)...
    books.sandbox.faults.next(1, fault, endpoint=endpoint)
    cut = books.poll()
    assert cut.count("replaced") == 0 and len(cut.failed) == 1, (cut.outcomes, cut.failed)
    # ...and the next poll finishes it: a payment Xero wrote is found, not made twice
    done = books.poll()
    assert done.count("replaced") == 1 and done.failed == [], (done.outcomes, done.failed)
    assert [d["InvoiceID"] for d in books.documents(sid)] == invoices and books.documents(sid)[-1]["Total"] == new_total
    [payment] = books.live_payments()
    assert payment["Amount"] == new_total and payment["Document"][1] == invoices[-1]
    calls = books.calls()
    assert books.poll().count("created", "replaced", "held") == 0 and books.calls() == calls
    assert books.sandbox.spec_violations == []
