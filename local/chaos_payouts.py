"""The payouts phase of ``make chaos CHAOS_SOURCE=shopify`` (local/chaos_shopify.py).

Shopify has no payout webhook: the settlements schedule lists payouts issued since its watermark
(less an overlap) and posts each PAID one once
(https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsPayout: a payout is
SCHEDULED, IN_TRANSIT, PAID, FAILED or CANCELED, and can fail after it was paid). Here the
schedule runs two at once and then again and again (each payout listed several times) while the
Xero sandbox refuses or loses a share of the writes, a posted payout fails, and, in summary mode,
a run ends between an invoice and its payment. The end state is checked against the simulator's
ledger, to the cent.
"""

import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.xero_sandbox import Organisation
from local.xero_sandbox.settings import create_account

if TYPE_CHECKING:
    from local.shopify import ShopifyStack

D = Decimal
CLEARING = "094"  # payments.accounts.shopify_payments in local/shopify-settings.yaml
RESERVES = "616"
MOVED = ("CHARGE", "REFUND")  # the rows whose money the orders' payments put in the clearing account
RUNS = 6  # schedule runs after the concurrent pair, at most, until nothing is left to post


@dataclass
class PayoutReport:
    per_order: dict[str, int] = field(default_factory=dict)  # payouts by status, when the per-order runs ended
    summary: dict[str, int] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)  # each run's outcome, "posted 3 failed 1" and the like
    concurrent: list[str] = field(default_factory=list)  # the two runs started together
    failed_after_posting: str = ""
    faults: dict[str, int] = field(default_factory=dict)
    xero: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    per_order_ids: set[int] = field(default_factory=set)


def settlement_overrides(start: datetime, *, mode: str = "per_order") -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "settlements": {
            "enabled": True,
            "mode": mode,
            "bank_account": "090",
            "since": start.date().isoformat(),
            "accounts": {"other": "260", "fees": "404", "reserves": RESERVES, "clearing": CLEARING},
        }
    }
    if mode == "summary":  # the sales are booked from each payout, not order by order
        overrides["sync"] = {"orders": False}
    return overrides


def payouts_settings(org: Organisation, *, start: datetime, mode: str = "per_order") -> str:
    """The local Shopify settings with settlements enabled (the organisation prepared for them)."""
    from local.shopify import prepare_organisation, settings_text

    rates = prepare_organisation(org)
    if org.account_by_code(RESERVES) is None:
        create_account(
            org, {"Code": RESERVES, "Name": "Payments reserve", "Type": "CURRENT", "EnablePaymentsToAccount": True},
            datetime.now(start.tzinfo),
        )  # fmt: skip
    return settings_text(rates, overrides=settlement_overrides(start, mode=mode))


def _run(running: "ShopifyStack", report: PayoutReport, *, log: bool = True) -> dict[str, Any]:
    result = running.stack.run_schedule("SettlementsFunction")
    payload: dict[str, Any] = result.payload if result.ok and isinstance(result.payload, dict) else {}
    if not result.ok:
        outcome = f"error: {str(result.error)[:80]}"
    else:
        words = ("posted", "reversed", "parked", "failed")
        outcome = payload.get("outcome", "?") + "".join(f" {k} {payload[k]}" for k in words if payload.get(k))
    if log:
        report.runs.append(outcome)
    return payload


def _until_done(running: "ShopifyStack", report: PayoutReport) -> None:
    """Run the schedule again and again, as EventBridge would, until a run has nothing left."""
    for _ in range(RUNS):
        payload = _run(running, report)
        if payload.get("outcome") == "polled" and not payload.get("failed") and not payload.get("posted"):
            return


def _settle_all(running: "ShopifyStack", rng: random.Random, failing: float) -> None:
    """Pay out what is left and settle every scheduled payout, a share (at least one) FAILED when
    ``failing``: its money comes back and goes out with the next payout."""
    pay = running.store.payments
    pay.pay_out()
    scheduled = [p for p in pay.payouts.values() if p.status == "SCHEDULED"]
    failed = {p.id for p in scheduled if rng.random() < failing}
    if failing and scheduled and not failed and not any(p.status == "FAILED" for p in pay.payouts.values()):
        failed.add(scheduled[0].id)
    for payout in scheduled:
        pay.settle(payout.id, "FAILED" if payout.id in failed else "PAID")
    if failed:
        _settle_all(running, rng, 0.0)  # the failed payouts' money, paid out again


def payouts_phase(running: "ShopifyStack", rng: random.Random, report: PayoutReport, timeout: float) -> None:
    store, sandbox, org = running.store, running.sandbox, running.org
    pay = store.payments
    _settle_all(running, rng, failing=0.2)
    # --- per order: two runs at once, then the schedule's repeats, with writes refused or lost ---
    faults = [
        sandbox.faults.add("lost_response", tenant=org.tenant_id, endpoint="PUT /BankTransactions", rate=0.25),
        sandbox.faults.add("error", tenant=org.tenant_id, endpoint="PUT /BankTransactions", rate=0.15, status=503),
    ]
    pair: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: pair.append(_run(running, report, log=False))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    report.concurrent = sorted(str(p.get("outcome")) for p in pair)
    _until_done(running, report)
    # --- a posted payout fails: reversed, its money paid out again with the next ---
    posted = {t.get("Reference") for t in org.bank_transactions.values() if t["Status"] != "DELETED"}
    paid = [p for p in pay.payouts.values() if p.status == "PAID" and p.trace in posted]
    if paid:
        victim = max(paid, key=lambda p: p.issued_at)
        pay.settle(victim.id, "FAILED")
        report.failed_after_posting = f"payout {victim.id} ({victim.trace}, {victim.net} {victim.currency})"
        _settle_all(running, rng, failing=0.0)
        _until_done(running, report)
    else:
        report.problems.append("no payout was posted in per-order mode: none could fail after posting")
    report.faults = {f"{f['kind']} {f['endpoint']}": f["fired"] for f in sandbox.faults.list()}
    for f in faults:
        sandbox.faults.remove(f.id)
    report.per_order_ids = set(pay.payouts)
    report.per_order = dict(Counter(p.status for p in pay.payouts.values()))

    # --- summary: new payouts as one invoice and its payment each; a run ends between the two ---
    start = min((p.issued_at for p in pay.payouts.values()), default=store.now())
    running.stack.put_settings(payouts_settings(org, start=start, mode="summary"))
    products = [p for p in store.products.values() if not p.gift_card]
    customers = list(store.customers.values())
    from local.shopify_store import LineSpec

    for _ in range(3):
        product = rng.choice(products)
        variant = rng.choice(product.variants)
        line = LineSpec(product.title, variant.price, rng.randint(1, 3), (("GST", D("0.10")),), variant.sku,
                        variant.id, product.id)  # fmt: skip
        order = store.place_order([line], customer_id=rng.choice(customers).id, taxes_included=True)
        store.pay(order.id)
    pay.record("ADJUSTMENT", D("-4.10"), reason="Chargeback fee correction")
    store.flush_webhooks(timeout)
    _settle_all(running, rng, failing=0.0)
    before = len(report.runs)
    lost = sandbox.faults.next(1, "lost_response", tenant=org.tenant_id, endpoint="PUT /Invoices")
    refused = sandbox.faults.next(1, "error", tenant=org.tenant_id, endpoint="PUT /Payments", status=503)
    _run(running, report)
    _run(running, report)  # the payout polled again: its invoice found, only its payment posted
    _until_done(running, report)
    report.faults.update({f"{f['kind']} {f['endpoint']}": f["fired"] for f in sandbox.faults.list()})
    sandbox.faults.remove(lost.id)
    sandbox.faults.remove(refused.id)
    report.summary = dict(Counter(p.status for i, p in pay.payouts.items() if i not in report.per_order_ids))
    report.runs.insert(before, "| summary:")
    running.settle(timeout)


def payouts_check(running: "ShopifyStack", report: PayoutReport) -> None:
    org, pay, problems = running.org, running.store.payments, report.problems
    live = [t for t in org.bank_transactions.values() if t["Status"] != "DELETED"]
    references = Counter(t.get("Reference") for t in live)
    problems += [f"bank transaction reference {r} appears {k} times" for r, k in references.items() if k > 1]
    invoices = [i for i in org.invoices.values() if i["Status"] not in ("DELETED", "VOIDED")]
    numbers = Counter(i.get("InvoiceNumber") for i in invoices)
    problems += [f"invoice {n} appears {k} times" for n, k in numbers.items() if k > 1 and n]
    by_reference = {t.get("Reference"): t for t in live}
    by_number = {i.get("InvoiceNumber"): i for i in invoices}
    gone = ("DELETED", "VOIDED")
    notes = {n.get("CreditNoteNumber"): n for n in org.credit_notes.values() if n["Status"] not in gone}
    payments = defaultdict(list)
    for p in org.payments.values():
        if p["Status"] != "DELETED":
            payments[p["Document"][1]].append(p)
    carried: dict[int, list[int]] = defaultdict(list)  # payout -> the failed payouts whose money it paid again
    for row in pay.rows:
        if row.type == "TRANSFER_FAILURE" and row.payout_id is not None and row.source_id is not None:
            carried[row.payout_id].append(row.source_id)
    checked = {"per_order": 0, "summary": 0, "reversed": 0, "zero": 0}
    for payout in sorted(pay.payouts.values(), key=lambda p: p.id):
        name = f"payout {payout.id} ({payout.status}, net {payout.net})"
        if payout.id in report.per_order_ids:
            made = by_reference.get(payout.trace)
            if payout.status != "PAID" or payout.net == 0:  # failed: reversed; zero: nothing to explain
                if made is not None:
                    problems.append(f"{name}: bank transaction {made['BankTransactionID']} still {made['Status']}")
                checked["reversed" if payout.status != "PAID" else "zero"] += 1
                continue
            if made is None:
                problems.append(f"{name}: no bank transaction")
                continue
            kind = "RECEIVE" if payout.net > 0 else "SPEND"
            if (made["Type"], D(str(made["Total"]))) != (kind, abs(payout.net)):
                problems.append(f"{name}: Xero {made['Type']} {made['Total']}")
            sign = 1 if payout.net > 0 else -1
            lines = made["LineItems"]
            clearing = sum((D(str(x["LineAmount"])) for x in lines if x.get("AccountCode") == CLEARING), D(0))
            theirs, todo = {payout.id}, [payout.id]
            while todo:  # a failed payout paid again in one that failed too: its money comes along
                for earlier in carried[todo.pop()]:
                    if earlier not in theirs:
                        theirs.add(earlier)
                        todo.append(earlier)
            owed = sum((r.amount for r in pay.rows if r.type in MOVED and r.payout_id in theirs), D(0))
            if sign * clearing != owed:
                problems.append(f"{name}: {sign * clearing} out of clearing, the orders paid {owed} into it")
            checked["per_order"] += 1
        else:
            number = f"SP-{payout.id}"
            document = notes.get(number) if payout.net < 0 else by_number.get(number)
            if payout.status != "PAID":
                if document is not None:
                    problems.append(f"{name}: {number} still {document['Status']}")
                checked["reversed"] += 1
                continue
            if document is None:
                problems.append(f"{name}: no summary document {number}")
                continue
            kind_id = document.get("CreditNoteID") or document.get("InvoiceID")
            paid = sum((D(str(p["Amount"])) for p in payments[kind_id]), D(0))
            if D(str(document["Total"])) != abs(payout.net) or paid != abs(payout.net) or len(payments[kind_id]) != 1:
                problems.append(
                    f"{name}: {number} totals {document['Total']}, paid {paid} in {len(payments[kind_id])} payment(s)"
                )
            checked["summary"] += 1
    report.xero = {**checked, "bank_transactions": len(org.bank_transactions)}


def print_payouts(report: PayoutReport) -> None:
    print(f"  payouts per order  {report.per_order}; summary {report.summary}")
    print(f"  settlements runs   two at once: {report.concurrent}; then one by one: {report.runs}")
    print(f"  payout faults      {report.faults}; failed after posting: {report.failed_after_posting or 'none'}")
    print(f"  payouts checked    {report.xero}")
