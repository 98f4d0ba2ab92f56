"""The drift report for Amazon settlements, against the SP-API simulator and the Xero sandbox over
HTTP: each settlement's latest report against Xero's documents.

Given settlements posted by the poll (one across a month end), when the drift report runs, then it
finds nothing, reads no report again and totals the deposits as Xero does. A report not posted yet
is fixable; a month's document voided by hand in Xero is named as missing; a re-issue Xero holds
(its payment reconciled) is reported with the difference, and one not yet replaced is fixable.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.amazon_sp import AmazonSP
from local.xero_sandbox import XeroSandbox
from tests.integration.test_amazon_reissue import Books, reimbursement
from tests.integration.test_amazon_settlement_xero import xero  # noqa: F401 (the sandbox, its accounts)
from tests.integration.test_amazon_sp_client import NOW, sp  # noqa: F401 (the simulator)
from tests.unit.test_amazon_settlement import amazon_settings
from xerosync.settlement_drift import SettlementReport, report
from xerosync.xero.client import XeroClient

pytestmark = pytest.mark.integration
D = Decimal


def drift(books: Books) -> SettlementReport:
    return report(books.store, books.mappings, books.xero, NOW - timedelta(days=89), books.sp.now() + timedelta(1))


def test_amazon_settlements_against_their_deposits(
    sp: AmazonSP,  # noqa: F811 (the fixture)
    xero: tuple[XeroSandbox, Any, XeroClient],  # noqa: F811 (the fixture)
) -> None:
    sandbox, org, xero_client = xero
    books = Books(sp, sandbox, org, xero_client, amazon_settings())
    spans = sp.settle("Amazon.com", month_end=True, orders=12, compressed=True)
    plain = sp.settle("Amazon.com", orders=12, compressed=False)
    assert spans.settlement is not None and plain.settlement is not None
    assert books.poll().count("created") == 2
    downloads = books.downloads()

    clean = drift(books)
    assert clean.differences == [] and clean.settlements == 2, clean.differences
    assert clean.deposits == clean.xero == spans.settlement.total + plain.settlement.total
    assert books.downloads() == downloads  # the reports' totals come from what the poll kept

    # a report the poll has not read yet: fixable, read by the drift report to know its settlement
    later = sp.settle("Amazon.com", orders=12, compressed=True)
    assert later.settlement is not None
    [unposted] = drift(books).differences
    assert unposted.key == f"settlement:{later.settlement.id}" and unposted.fixable
    assert unposted.store == f"{later.settlement.total:.2f}" and "not posted yet" in unposted.reason
    assert books.poll().count("created") == 1 and drift(books).differences == []

    # August's document of the month-end settlement voided by hand in Xero: named as missing
    sid = spans.settlement.id
    earlier, _ = books.documents(sid)
    assert earlier["Total"] == 0
    org.invoices[earlier["InvoiceID"]]["Status"] = "VOIDED"
    [missing] = drift(books).differences
    assert missing.key == f"settlement:{sid}" and missing.what == "missing" and not missing.fixable
    assert missing.xero == "VOIDED" and "#20" in missing.reason  # the month's part key

    # Amazon re-issues the plain one: fixable until the poll replaces it
    pid = plain.settlement.id
    sp.reissue(plain, [reimbursement(plain, "5.00")])
    differences = [d for d in drift(books).differences if d.key == f"settlement:{pid}"]
    [pending] = differences
    assert pending.what == "re-issue" and pending.fixable and pending.store == f"{plain.settlement.total + 5:.2f}"
    assert books.poll().count("replaced") == 1
    assert [d for d in drift(books).differences if d.key == f"settlement:{pid}"] == []

    # its payment reconciled in Xero, then re-issued again: held, and reported with the difference
    [payment] = [p for p in books.live_payments() if p["Document"][1] == books.documents(pid)[-1]["InvoiceID"]]
    org.payments[payment["PaymentID"]]["IsReconciled"] = True
    sp.reissue(plain, [reimbursement(plain, "5.00"), reimbursement(plain, "-1.25")])
    assert books.poll().count("held") == 1
    [held] = [d for d in drift(books).differences if d.key == f"settlement:{pid}"]
    assert held.what == "re-issue" and not held.fixable and "-1.25 apart" in held.reason, held
    assert held.store == f"{plain.settlement.total + D('3.75'):.2f}" and held.xero == f"{plain.settlement.total + 5}"
    assert sandbox.spec_violations == []
