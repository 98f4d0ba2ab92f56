"""A property over re-issued Amazon settlements, posted to the Xero sandbox over HTTP (validated
against Xero's spec): whatever the settlement (across a month end or not, negative or not, draft
or approved, a bill or a credit note when negative) and whatever Amazon corrects (a line added
that may turn its sign), once it is replaced Xero's live documents of it total the new deposit
(earlier months zero), approved ones carry exactly one payment of it, and a second pass calls Xero
for nothing; once its payment is reconciled in Xero, nothing in Xero changes and it is held with
the difference.
"""

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from local.amazon_sp.marketplaces import MARKETPLACES
from local.amazon_sp.settlement import Line, SettlementGenerator
from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.settings import create_account
from local.xero_sandbox.state import Limits
from tests.fakes import InMemoryMappings
from tests.unit.test_amazon_settlement import ACCOUNTS, amazon_settings
from xerosync.settlement import book
from xerosync.sources.amazon.flatfile import parse
from xerosync.sources.amazon.settlements import to_settlement
from xerosync.sync.settlements import settle
from xerosync.xero.client import XeroClient, XeroCredentials

pytestmark = pytest.mark.integration
D = Decimal
counter = itertools.count(1)
GONE = ("DELETED", "VOIDED")


class Sandbox(tuple[XeroSandbox]):
    def __repr__(self) -> str:  # hypothesis prints arguments: keep the sandbox out of it
        return "<the sandbox>"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = XeroSandbox().start()
    yield Sandbox((box,))
    box.stop()


def organisation(box: XeroSandbox) -> tuple[Any, XeroClient]:
    org = box.add_organisation(
        f"Re-issues {next(counter)}", base_currency="USD", country="US", limits=Limits(5, 10**5, 10**6)
    )
    now = datetime.now(UTC)
    for code in [*ACCOUNTS.values(), "899"]:
        if org.account_by_code(code) is None:
            create_account(org, {"Code": code, "Name": f"Amazon {code}", "Type": "CURRENT"}, now)
    connection = box.add_client([org.tenant_id])
    client = XeroClient(
        XeroCredentials(connection.client_id, connection.client_secret), api_url=box.url, identity_url=box.url
    )
    return org, client


def live(org: Any, settlement_id: str) -> list[dict[str, Any]]:
    documents = [*org.invoices.values(), *org.credit_notes.values()]
    number = lambda d: str(d.get("InvoiceNumber") or d.get("CreditNoteNumber") or "")  # noqa: E731
    mine = [d for d in documents if number(d).startswith(f"AMZ-{settlement_id}") and d["Status"] not in GONE]
    return sorted(mine, key=number)


def calls(box: XeroSandbox, org: Any) -> int:
    return sum(n for (tenant, _), n in box.state.calls.items() if tenant == org.tenant_id)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example is a few HTTP calls
)
@given(
    seed=st.integers(0, 10_000),
    orders=st.integers(1, 5),
    month_end=st.booleans(),
    negative=st.booleans(),
    status=st.sampled_from(["AUTHORISED", "DRAFT"]),
    as_bill=st.booleans(),
    correction=st.integers(-40_000, 40_000).filter(lambda c: c != 0).map(lambda c: D(c).scaleb(-2)),
    reconciled=st.booleans(),
)
# found by a generated run: a negative settlement held as a bill, re-issued positive; the reason
# named Xero's bill as a positive deposit (7.00 apart instead of 20.26)
@example(
    seed=145,
    orders=4,
    month_end=False,
    negative=True,
    status="AUTHORISED",
    as_bill=True,
    correction=D("20.26"),
    reconciled=True,
)
def test_a_replaced_settlement_totals_the_new_deposit_with_one_payment_or_is_held(
    sandbox: Sandbox,
    seed: int,
    orders: int,
    month_end: bool,
    negative: bool,
    status: str,
    as_bill: bool,
    correction: Decimal,
    reconciled: bool,
) -> None:
    (box,) = sandbox
    org, client = organisation(box)
    config = amazon_settings(f"  status: {status}\n  negative: {'bill' if as_bill else 'credit_note'}")
    generated = SettlementGenerator(seed, MARKETPLACES["Amazon.com"]).next(
        orders=orders, month_end=month_end, negative=negative
    )
    mappings = InMemoryMappings()
    first = to_settlement(parse(generated.document()))
    assert settle(book(first, config), mappings=mappings, xero=client).action == "created"
    paid = [p for p in org.payments.values() if p["Status"] != "DELETED"]
    locked = reconciled and bool(paid)
    for payment in paid if locked else []:
        payment["IsReconciled"] = True  # the bookkeeper matched the deposit in Xero
    before = {d.get("InvoiceID") or d.get("CreditNoteID"): d["Total"] for d in live(org, first.id)}

    extra = Line("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", correction, generated.end)
    corrected = to_settlement(parse(generated.corrected([extra]).document()))
    assert corrected.deposit == first.deposit + correction
    outcome = settle(book(corrected, config), mappings=mappings, xero=client)
    documents = live(org, first.id)
    if locked:
        assert outcome.action == "held" and f"({correction} apart)" in outcome.reason, outcome
        assert {d.get("InvoiceID") or d.get("CreditNoteID"): d["Total"] for d in documents} == before
    else:
        assert outcome.action == "replaced", outcome
        *earlier, last = documents
        assert all(d["Total"] == 0 for d in earlier) and last["Total"] == abs(corrected.deposit)
        sign = "ACCREC" if corrected.deposit >= 0 else ("ACCPAY" if as_bill else "ACCRECCREDIT")
        assert last["Type"] == sign and {d["Type"] for d in earlier} <= {sign}
        assert last["Status"] == ("PAID" if status == "AUTHORISED" and corrected.deposit else status)
        assert {d["Status"] for d in earlier} <= {status, "PAID"}  # an approved document of 0 is paid
        live_payments = [p for p in org.payments.values() if p["Status"] != "DELETED"]
        expected = [abs(corrected.deposit)] if status == "AUTHORISED" and corrected.deposit else []
        assert [p["Amount"] for p in live_payments] == expected
    done = calls(box, org)
    again = settle(book(corrected, config), mappings=mappings, xero=client)
    assert again.action in ("unchanged", "held") and (again.action == "unchanged" or locked)
    if not locked:
        assert calls(box, org) == done  # the same content again: no Xero call
    assert box.spec_violations == []
