"""``make chaos CHAOS_SOURCE=shopify``: exactly-once effect in Xero for a Shopify shop, whatever
Shopify's deliveries and Xero do (``local/chaos.py`` is the WooCommerce run; this one reuses its
faults, its other Xero app and its dead-letter reading).

A seeded Shopify history (the simulator's generator: five markets, taxes included and not, one to
three rates a line, discounts, free and taxed shipping, duties, tips, gift cards sold and
redeemed, captured and voided authorisations, declined cards, manual payments, partial and
goodwill refunds, cancellations) is delivered by the simulator itself to a Shopify stack
(local/shopify.py) whose first reconciliation subscribed it, badly:

* every delivery held, then 20% sent twice (their retry: the same ``X-Shopify-Webhook-Id``), all
  in a shuffled order; 10% held back a day on the shop's clock (late: stale states after the
  current ones);
* sync workers killed mid-batch; the Xero sandbox answering a share of calls with 5xx, dropped
  connections and writes whose response is lost, and 429s from another app spending the
  organisation's minute;
* then an outage: orders placed, paid and refunded while the stack cannot be reached, Shopify's
  8 retries over 4 hours running out (the shop's clock moved on), the subscriptions deleted; the
  next scheduled reconciliation re-creates them and brings what was missed.

Checked at the end: no duplicate contact, invoice, payment or credit note in Xero; every order as
Shopify ended it (invoice Total and TotalTax in shop money, what was paid, each refund's money as
a credit note; cancelled orders voided, deleted or credited); every delivery the stack answered
accounted for in the sync log; nothing failed or dead-lettered; the deleted subscriptions back.

Then the payouts (Shopify has no payout webhook: the settlements schedule polls them), settlements
enabled from the start in the default mode, per order: the history's payouts (some FAILED and paid
again with the next) polled by two schedule runs at once and then again and again (every payout
listed twice or more: the overlap), a share of the bank-transaction writes answered with 5xx or
their answer lost, and a paid payout that fails after it was posted. Then the shop switches to
summary mode (an invoice and its payment per payout) for new payouts: the first invoice's answer
lost, the next payment refused (a run ends between an invoice and its payment). Checked: every
PAID payout has Xero documents totalling its deposit to the cent, once (no number or reference
twice); every failed one reversed; per order, each payout's clearing lines equal the Shopify
Payments money of its orders (the clearing account nets to zero for the payout).

``python -m local.chaos_shopify --seed 7 --events 300``; ``--plan standard`` for a Standard shop's
cost bucket (2,000 points, 100 a second: order reads wait their turn; the default is Shopify Plus,
1,000 a second, so a run measures the chaos rather than the plan).
"""

import argparse
import contextlib
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from local.chaos import (
    SANDBOX_MINUTE_LIMIT,
    Neighbour,
    Report,
    account_log,
    dead_letters,
    faulty_sandbox,
    inject_faults,
    xero_counts,
)
from local.chaos_payouts import PayoutReport, payouts_check, payouts_phase, payouts_settings, print_payouts
from local.shopify import ShopifyStack, shop, start
from local.shopify_store import LineSpec
from local.shopify_store.arithmetic import financial_status, refund_money, successful, totals
from local.shopify_store.cost import Limits as CostLimits
from local.shopify_store.generate import populate
from local.shopify_store.orders import OrderError
from local.shopify_store.webhooks import Delivery
from xerosync.sources.shopify.settings import shopify_settings
from xerosync.sources.shopify.webhook import decide

D = Decimal
PLANS = {"plus": CostLimits(maximum=20_000.0, restore_rate=1_000.0), "standard": CostLimits()}
LATE = timedelta(days=1)


@dataclass
class ShopifyReport(Report):
    orders: int = 0
    late: int = 0
    outage_orders: int = 0
    subscriptions_removed: list[str] = field(default_factory=list)
    subscriptions_restored: bool = False
    throttled: int = 0  # THROTTLED answers Shopify gave
    failed_deliveries: int = 0  # history deliveries the stack did not answer 2xx in time (Shopify retried them)
    outage_attempts: int = 0  # deliveries (retries included) that found the stack unreachable
    payouts: PayoutReport = field(default_factory=PayoutReport)


def capture_history(running: ShopifyStack, seed: int, orders: int) -> list[Delivery]:
    """The shop's history, its webhooks held: the deliveries Shopify made of it."""
    store = running.store
    store.hooks.hold(True)
    end = datetime.now(UTC) - timedelta(hours=1)
    populate(store, seed=seed, customers=max(5, orders // 3), orders=orders, start=end - timedelta(days=20), end=end)
    return list(store.hooks.pending())


def deliver_badly(running: ShopifyStack, rng: random.Random, report: ShopifyReport, timeout: float) -> None:
    store = running.store
    hooks = store.hooks
    pending = hooks.pending()
    twice = rng.sample(pending, k=len(pending) // 5)
    for delivery in twice:
        hooks.duplicate(delivery.webhook_id)
    late = rng.sample(pending, k=len(pending) // 10)
    for delivery in late:
        delivery.due = store.now() + LATE
    hooks.rng.seed(rng.random())
    hooks.reorder("shuffle")
    report.events_sent, report.duplicates_sent, report.late = len(pending) + len(twice), len(twice), len(late)
    hooks.hold(False)
    store.flush_webhooks(timeout)
    running.stack.wait_idle(timeout)
    store.clock.advance(LATE.total_seconds())  # a day later, the late ones arrive
    if not running.settle(timeout):
        report.problems.append(f"the history did not settle within {timeout:.0f} s: {running.stack.queue_depths()}")
    report.failed_deliveries = sum(1 for r in store.delivery_log() if not r.ok)


def outage(running: ShopifyStack, rng: random.Random, report: ShopifyReport, timeout: float) -> None:
    """Orders while the stack cannot be reached; Shopify's retries run out; the reconciliation heals."""
    store = running.store
    store.hooks.outage = True
    products = [p for p in store.products.values() if not p.gift_card]
    customers = list(store.customers.values())
    made = []
    for n in range(5):
        product = rng.choice(products)
        variant = rng.choice(product.variants)
        line = LineSpec(product.title, variant.price, rng.randint(1, 3), (("GST", D("0.10")),), variant.sku,
                        variant.id, product.id)  # fmt: skip
        order = store.place_order([line], customer_id=rng.choice(customers).id, taxes_included=True)
        store.pay(order.id)
        if n % 2:
            with contextlib.suppress(OrderError):  # Shopify would refuse it: nothing left to give back
                store.refund(order.id, lines=[(order.line_items[0].id, 1)], amount=D("5.00"), note="outage refund")
        made.append(order.id)
    report.outage_orders = len(made)
    store.flush_webhooks(timeout)
    while pending := store.hooks.pending():  # Shopify's 8 retries over 4 hours, on the shop's clock
        store.clock.advance(max(0.0, (pending[0].due - store.now()).total_seconds()))
        store.flush_webhooks(timeout)
    store.hooks.outage = False
    report.outage_attempts = sum(1 for r in store.delivery_log() if not r.ok) - report.failed_deliveries
    report.subscriptions_removed = sorted({s.topic for s in store.removed_subscriptions})
    healed = running.stack.run_schedule("ReconcileFunction")
    if not healed.ok:
        report.problems.append(f"the reconciliation failed: {healed.error}")
    if not running.settle(timeout):
        report.problems.append(f"the reconciliation's records did not settle: {running.stack.queue_depths()}")
    subscribed = {s.topic for s in store.records.subscriptions.values()}
    report.subscriptions_restored = set(report.subscriptions_removed) <= subscribed
    if not report.subscriptions_restored:
        report.problems.append(f"subscriptions not re-created: {set(report.subscriptions_removed) - subscribed}")


def check(running: ShopifyStack, report: ShopifyReport, delivered: list[Delivery]) -> None:
    store, org, stack, problems = running.store, running.org, running.stack, report.problems
    letters = dead_letters(stack)
    # --- no duplicates in Xero ------------------------------------------------------------------
    active = [c for c in org.contacts.values() if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]
    numbers = Counter(c.get("ContactNumber") for c in active if c.get("ContactNumber"))
    problems += [f"contact number {n} is on {k} contacts" for n, k in numbers.items() if k > 1]
    emails = Counter(str(c.get("EmailAddress", "")).lower() for c in active if c.get("EmailAddress"))
    problems += [f"email {e} is on {k} contacts" for e, k in emails.items() if k > 1]
    invoice_numbers = Counter(i.get("InvoiceNumber") for i in org.invoices.values() if i["Status"] != "DELETED")
    problems += [f"invoice number {n} appears {k} times" for n, k in invoice_numbers.items() if k > 1]
    note_numbers = Counter(c.get("CreditNoteNumber") for c in org.credit_notes.values())
    problems += [f"credit note {n} appears {k} times" for n, k in note_numbers.items() if k > 1]
    live_payments = [p for p in org.payments.values() if p["Status"] != "DELETED"]
    per_document = Counter((p["Document"], p.get("Reference")) for p in live_payments)
    problems += [f"{k} payments with reference {ref} on {doc[1]}" for (doc, ref), k in per_document.items() if k > 1]

    # --- every order as Shopify ended it ---------------------------------------------------------
    cfg = shopify_settings({})
    by_number = {i["InvoiceNumber"]: i for i in org.invoices.values() if i["Status"] != "DELETED"}
    notes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for note in org.credit_notes.values():
        notes[str(note.get("CreditNoteNumber", "")).split("-R")[0].split("-CN")[0].split("-A")[0]].append(note)
    checked = 0
    for order in sorted(store.orders.values(), key=lambda o: o.number):
        if order.deleted:
            continue
        number, t = f"SH-{order.number}", totals(order)
        status = financial_status(order)
        stage = cfg.lifecycle(status, cancelled=order.cancelled_at is not None, test=order.test)
        invoice = by_number.get(number)
        refunds = {f"{number}-R{r.id}": refund_money(r).shop for r in order.refunds if refund_money(r).shop}
        credited = {n["CreditNoteNumber"]: n["Total"] for n in notes[number] if "-R" in n["CreditNoteNumber"]}
        if stage == "unconfirmed":
            continue
        if stage == "cancelled":  # off the books: voided, deleted, or credited exactly in full
            if invoice is not None and invoice["Status"] not in ("VOIDED", "DELETED"):
                in_full = sum((n["Total"] for n in notes[number]), D(0))
                if in_full != invoice["Total"]:
                    problems.append(
                        f"#{order.number} was cancelled: {number} is {invoice['Status']} {invoice['Total']}, "
                        f"credited {in_full}"
                    )
            continue
        if invoice is None:
            if t.total.shop > 0:
                problems.append(f"#{order.number} ({status}) has no invoice in Xero")
            continue
        checked += 1
        if (invoice["Total"], invoice["TotalTax"]) != (t.total.shop, t.tax.shop):
            problems.append(
                f"#{order.number}: Xero {invoice['Total']} tax {invoice['TotalTax']}, "
                f"Shopify {t.total.shop} tax {t.tax.shop}"
            )
        if credited != refunds:
            problems.append(f"#{order.number}: refunds {refunds}, credit notes {credited}")
        if stage == "paid":
            paid = sum((p["Amount"] for p in live_payments if p["Document"][1] == invoice["InvoiceID"]), D(0))
            received = successful(order.transactions, ("SALE", "CAPTURE")).shop
            if paid != received or invoice["AmountDue"] != 0:
                problems.append(f"#{order.number}: received {received} in Shopify, {paid} paid in Xero")
    report.orders = len(store.orders)
    report.xero = xero_counts(org, live_payments, checked)

    # --- every delivery the stack answered, accounted for ------------------------------------------
    log, terminal = account_log(stack, report)
    answered = {r.webhook_id for r in store.delivery_log() if r.ok}
    report.enqueued = len(answered)
    secret = store.app.client_secret
    for d in delivered:  # each message the ingress made of it (a product: one per variant, and its own)
        if d.webhook_id not in answered:
            continue
        decision = decide({k.lower(): v for k, v in d.headers.items()}, d.body, lambda: secret, None)
        for message in decision.messages:
            event = json.loads(message.body)
            key = f"{event['resource']}:{event['id']}"
            if event["resource"] in ("order", "customer", "product") and (key, event["sha256"]) not in terminal:
                problems.append(f"delivery {d.topic} {key} is not accounted for in the sync log")
    problems += [f"failed: {e['key']}: {str(e.get('reason'))[:160]}" for e in log if e["outcome"] == "failed"][:20]
    report.dead_letters = len(letters)
    problems += [f"dead letter {x['record']} ({x['queue']}): {x['reason'][:160]}" for x in letters]
    report.throttled = store.throttle.refused


def run(
    seed: int, events: int, *, plan: str = "plus", kill_rate: float = 0.05, timeout: float = 900.0
) -> ShopifyReport:
    started = time.monotonic()
    report = ShopifyReport(seed)
    rng = random.Random(seed)
    sandbox, org, connection = faulty_sandbox(seed)
    running = start(
        f"chaos-shopify-{seed}",
        sandbox,
        org,
        connection,
        store=shop(seed=seed, limits=PLANS[plan]),
        settings=payouts_settings(org, start=datetime.now(UTC) - timedelta(days=30)),
        parameters={
            "XeroMinuteLimit": "100000",
            "XeroDayLimit": "5000",
            "SyncTimeout": "20",
            "QueueVisibilityTimeout": "30",  # the least the template allows: killed workers' records soon back
            "RecordLeaseSeconds": "25",
            "MaxReceiveCount": "50",
        },
    )
    try:
        delivered = capture_history(running, seed, max(10, events // 5))
        inject_faults(sandbox, org)
        neighbour = Neighbour(sandbox, org, per_second=SANDBOX_MINUTE_LIMIT / 60 / 3)  # a third of the budget
        neighbour.start()
        for name, function in running.stack.functions.items():
            if name.startswith("Sync"):  # workers die mid-batch; the webhook receiver is left alone
                function.chaos(random.Random(rng.random()), kill_rate)
        deliver_badly(running, rng, report, timeout)
        outage(running, rng, report, timeout)
        neighbour.stop.set()
        report.faults = {
            f["kind"] + (f"({f['status']})" if f["kind"] == "error" else ""): f["fired"] for f in sandbox.faults.list()
        }
        sandbox.faults.clear()
        report.workers_killed = sum(f.stats.killed for f in running.stack.functions.values())
        check(running, report, delivered)
        payouts_phase(running, random.Random(rng.random()), report.payouts, timeout)
        payouts_check(running, report.payouts)
        report.problems += report.payouts.problems
    finally:
        running.stop()
        sandbox.stop()
    report.seconds = round(time.monotonic() - started, 1)
    return report


def print_report(report: ShopifyReport) -> None:
    print(f"Shopify chaos run, seed {report.seed}: {report.seconds} s, {report.orders} orders")
    print(
        f"  deliveries         {report.events_sent} ({report.duplicates_sent} twice, {report.late} a day late, "
        f"shuffled); {report.enqueued} answered 2xx, {report.failed_deliveries} not in time (Shopify retried them)"
    )
    print(
        f"  outage             {report.outage_orders} orders while the stack was unreachable, {report.outage_attempts} "
        f"delivery attempts failed; Shopify deleted the subscriptions to {report.subscriptions_removed}; "
        f"re-created by the reconciliation: {report.subscriptions_restored}"
    )
    print(f"  faults injected    {report.faults}; sync workers killed mid-batch: {report.workers_killed}")
    print(f"  Shopify THROTTLED  {report.throttled}")
    print(f"  sync log           {report.outcomes}")
    print(f"  Xero end state     {report.xero}")
    print(f"  dead letters       {report.dead_letters}")
    print_payouts(report.payouts)
    if report.problems:
        print(f"INVARIANTS BROKEN ({len(report.problems)}):")
        for problem in report.problems[:40]:
            print("  " + problem)
    else:
        print("every invariant holds")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CHAOS_SEED", "7")))
    parser.add_argument("--events", type=int, default=int(os.environ.get("CHAOS_EVENTS", "1000")))
    parser.add_argument("--plan", choices=sorted(PLANS), default="plus", help="the shop's Shopify plan (cost bucket)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    report = run(args.seed, args.events, plan=args.plan)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report.__dict__, indent=2, default=str))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
