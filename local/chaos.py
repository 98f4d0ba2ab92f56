"""``make chaos``: exactly-once effect in Xero, whatever the deliveries and Xero do.

A seeded WooCommerce history (the store simulator's generator: customers, products, orders with
payments, refunds, cancellations, updates, trashes) is captured as the signed webhooks the
store sent, then delivered to the local stack badly: 20% delivered twice, all in a shuffled
order (older states after newer ones), while sync workers are killed mid-batch and the Xero
sandbox answers a share of calls with 429s, 5xx, dropped connections and writes whose response
is lost. At the end every invariant of the exactly-once issue is checked:

* no duplicate contact, invoice, payment or credit note in Xero;
* every order's Xero documents equal the store's final state: invoiced total and tax, amount
  paid, refunds credited (orders cancelled in the end: voided, deleted or credited in full);
* every enqueued event is accounted for in the sync log (applied, unchanged, skipped,
  superseded, duplicate or failed with a reason);
* the dead-letter queues hold only what the run made permanent on purpose: orders paid through
  a gateway the settings do not map.

``python -m local.chaos --seed 7 --events 1000`` (``CHAOS_SEED``/``CHAOS_EVENTS``); prints the
figures and exits non-zero if an invariant fails.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from local.stack import LocalStack
from local.woo import Delivery, post
from local.woo_store import Receiver, Settings, WooStore
from local.woo_store.generate import populate
from local.xero_sandbox import Organisation, XeroSandbox
from xerosync.sources.woocommerce.subscriptions import ALL_TOPICS as TOPICS  # what xerosync subscribes to

WEBHOOK_SECRET = "chaos-webhook-secret"
UNMAPPED_GATEWAY = "woocommerce_payments"  # left out of the settings on purpose: its paid orders are parked
FAULTS = [("error", 0.03, 503), ("error", 0.01, 500), ("drop", 0.02, 0), ("lost_response", 0.04, 0)]
# 429s come from the sandbox's own minute limit, which the stack's governor is told is far higher:
# as when the merchant's other apps spend the budget behind our back
SANDBOX_MINUTE_LIMIT = 240
DONE = {"applied", "unchanged", "skipped", "superseded", "duplicate", "failed"}
D = Decimal


@dataclass
class Report:
    seed: int
    events_sent: int = 0
    duplicates_sent: int = 0
    enqueued: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    workers_killed: int = 0
    retries: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    xero: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def settings_yaml(store: WooStore) -> str:
    """The demo settings, with every tax rate the generated shop uses (combined rates included)
    mapped, and every gateway but one mapped to a clearing account."""
    rates = {str(r.id): "OUTPUT" if r.rate else "EXEMPTOUTPUT" for r in store.state.tax_rates.values()}
    ids = sorted(rates, key=int)
    for i, a in enumerate(ids):  # US-style stacked rates arrive as combinations
        for b in ids[i + 1 :]:
            rates[f"{a}+{b}"] = "OUTPUT"
            for c in ids[ids.index(b) + 1 :]:
                rates[f"{a}+{b}+{c}"] = "OUTPUT"
    return json.dumps(
        {
            "invoice_prefix": "WC-",
            "accounts": {"sales": "200", "shipping": "210", "fees": "220", "rounding": "860"},
            "tax": {"rates": rates, "no_tax": "EXEMPTOUTPUT", "rounding": "BASEXCLUDED"},
            "payments": {"accounts": {"stripe": "092", "ppcp-gateway": "093", "bacs": "090", "cod": "090"}},
            "store": {"order_statuses": {"pending": "unconfirmed", "on-hold": "confirmed"}},
        }
    )


def capture(seed: int, events: int) -> tuple[WooStore, list[Delivery]]:
    """A seeded shop history, and the webhooks the store sent for it (signed, as sent)."""
    receiver = Receiver().start()
    store = WooStore(Settings(prices_include_tax=True))
    for topic in TOPICS:
        store.add_webhook(topic, receiver.url + "/webhooks/woocommerce", secret=WEBHOOK_SECRET)
    orders = max(10, events // 3)
    populate(store, seed=seed, customers=max(5, orders // 2), orders=orders)
    store.flush_webhooks(120)
    receiver.stop()
    deliveries = [
        Delivery(
            r.topic,
            {k: v for k, v in r.headers.items() if k.startswith("x-wc-") or k in ("content-type", "user-agent")},
            r.body,
        )
        for r in receiver.requests
        if r.topic
    ]
    return store, deliveries


def faulty_sandbox(seed: int, **organisation: Any) -> tuple[XeroSandbox, Organisation, Any]:
    """The sandbox, one organisation (``organisation``: its fields, e.g. ``base_currency``) on the
    chaos minute limit, and a custom connection to it."""
    sandbox = XeroSandbox(seed=seed).start()
    org = sandbox.add_organisation(
        "Chaos Outfitters", limits={"minute": SANDBOX_MINUTE_LIMIT, "day": 10_000_000}, **organisation
    )
    connection = sandbox.add_client([org.tenant_id])
    return sandbox, org, connection


def inject_faults(sandbox: XeroSandbox, org: Organisation) -> None:
    for kind, rate, status in FAULTS:
        options: dict[str, Any] = {"tenant": org.tenant_id, "rate": rate}
        if status:
            options["status"] = status
        sandbox.faults.add(kind, **options)


class Neighbour(threading.Thread):
    """The merchant's other Xero app, spending the same organisation's minute budget."""

    def __init__(self, sandbox: XeroSandbox, org: Organisation, per_second: float) -> None:
        super().__init__(daemon=True, name="neighbour")
        from xerosync.xero.client import XeroClient, XeroCredentials

        app = sandbox.add_client([org.tenant_id])
        self.client = XeroClient(
            XeroCredentials(app.client_id, app.client_secret), api_url=sandbox.url, identity_url=sandbox.url
        )
        self.pause = 1.0 / per_second
        self.stop = threading.Event()
        self.calls = 0

    def run(self) -> None:
        while not self.stop.wait(self.pause):
            try:
                self.client.organisation()
                self.calls += 1
            except Exception as exc:  # it is refused too, sometimes: it just tries again later
                self.refused = getattr(self, "refused", 0) + 1
                del exc


def sandbox_429s(sandbox: XeroSandbox) -> int:
    return sum(sandbox.limits.refused.values())


def deliver(stack: LocalStack, deliveries: list[Delivery], rng: random.Random, report: Report) -> None:
    sends = list(deliveries)
    extra = rng.sample(deliveries, k=len(deliveries) // 5)  # 20% arrive twice
    sends.extend(extra)
    rng.shuffle(sends)
    report.events_sent, report.duplicates_sent = len(sends), len(extra)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def send(item: Delivery) -> None:
        status, _ = post(stack.api_url + "/webhooks/woocommerce", item)
        with lock:
            statuses[status] += 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(send, sends))
    report.enqueued = statuses[202]
    if set(statuses) - {200, 202}:
        report.problems.append(f"unexpected ingress answers: {dict(statuses)}")


def sync_log(stack: LocalStack) -> list[dict[str, Any]]:
    plain = TypeDeserializer()
    items: list[dict[str, Any]] = []
    client = stack.client("dynamodb")
    kwargs: dict[str, Any] = {"TableName": stack.resources["SyncLogTable"]}
    while True:
        page = client.scan(**kwargs)
        items.extend({k: plain.deserialize(v) for k, v in i.items()} for i in page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def xero_counts(org: Organisation, live_payments: list[dict[str, Any]], checked: int) -> dict[str, int]:
    """What the organisation holds at the end of a run, for the report."""
    return {
        "contacts": len(org.contacts),
        "invoices": len(org.invoices),
        "payments": len(live_payments),
        "credit_notes": len(org.credit_notes),
        "orders_checked": checked,
    }


def account_log(stack: LocalStack, report: Report) -> tuple[list[dict[str, Any]], set[tuple[str, str]]]:
    """The stack's sync log, its outcomes counted into ``report``, and the (key, event) pairs that
    reached a final outcome, against which every delivery must be accounted for."""
    log = sync_log(stack)
    report.outcomes = dict(Counter(e["outcome"] for e in log))
    report.retries = report.outcomes.get("retrying", 0)
    return log, {(e["key"], e.get("event", "")) for e in log if e["outcome"] in DONE}


def dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    found = []
    for logical in ("OrdersDLQ", "ContactsDLQ", "ItemsDLQ"):
        seen: set[str] = set()
        while True:
            messages = sqs.receive_message(
                QueueUrl=stack.resources[logical],
                MaxNumberOfMessages=10,
                VisibilityTimeout=30,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                break
            for m in fresh:
                seen.add(m["MessageId"])
                found.append(
                    {
                        "queue": logical,
                        "record": m.get("MessageAttributes", {}).get("record", {}).get("StringValue", ""),
                        "reason": m.get("MessageAttributes", {}).get("reason", {}).get("StringValue", ""),
                    }
                )
    return found


def check(store: WooStore, org: Organisation, stack: LocalStack, report: Report, sent: list[Delivery]) -> None:
    problems = report.problems
    letters = dead_letters(stack)  # read once: reading hides them for a while
    # --- no duplicates in Xero ------------------------------------------------------------------
    numbers = Counter(c.get("ContactNumber") for c in org.contacts.values() if c.get("ContactNumber"))
    problems += [f"contact number {n} is on {k} contacts" for n, k in numbers.items() if k > 1]
    emails = Counter(
        str(c.get("EmailAddress", "")).lower()
        for c in org.contacts.values()
        if c.get("EmailAddress") and c.get("ContactStatus", "ACTIVE") == "ACTIVE"
    )
    problems += [f"email {e} is on {k} contacts" for e, k in emails.items() if k > 1]
    invoice_numbers = Counter(i.get("InvoiceNumber") for i in org.invoices.values() if i["Status"] != "DELETED")
    problems += [f"invoice number {n} appears {k} times" for n, k in invoice_numbers.items() if k > 1]
    note_numbers = Counter(c.get("CreditNoteNumber") for c in org.credit_notes.values())
    problems += [f"credit note {n} appears {k} times" for n, k in note_numbers.items() if k > 1]
    live_payments = [p for p in org.payments.values() if p["Status"] != "DELETED"]
    per_document = Counter((p["Document"], p.get("Reference")) for p in live_payments)
    problems += [f"{k} payments with reference {ref} on {doc[1]}" for (doc, ref), k in per_document.items() if k > 1]
    # --- every order as the store ended it -------------------------------------------------------
    parked = {d["record"] for d in letters}
    by_number = {i["InvoiceNumber"]: i for i in org.invoices.values() if i["Status"] != "DELETED"}
    notes = defaultdict(list)
    for note in org.credit_notes.values():
        notes[str(note.get("CreditNoteNumber", "")).split("-R")[0].split("-A")[0].split("-CN")[0]].append(note)
    checked = 0
    for order in (store.order_json(o) for o in sorted(store.state.orders)):
        key, number = f"order:{order['id']}", f"WC-{order['number']}"
        if key in parked or order["status"] in ("pending", "checkout-draft", "draft", "auto-draft"):
            continue
        invoice = by_number.get(number)
        cancelled = order["status"] in ("cancelled", "failed", "trash")
        if invoice is None:
            if not cancelled and D(order["total"]) > 0:
                problems.append(f"order {order['id']} ({order['status']}) has no invoice in Xero")
            continue
        if cancelled:
            credited_in_full = sum((n["Total"] for n in notes[number] if "-CN" in str(n.get("CreditNoteNumber"))), D(0))
            if (
                invoice["Status"] not in ("VOIDED", "DELETED")
                and credited_in_full == 0
                and not any("-R" in str(n.get("CreditNoteNumber")) for n in notes[number])
            ):
                problems.append(
                    f"order {order['id']} was {order['status']} but invoice {number} is {invoice['Status']}"
                )
            continue
        checked += 1
        extras = [i for n, i in by_number.items() if n.startswith(number + "-A")]
        reissued = [i for n, i in by_number.items() if n.startswith(number + "-") and n[len(number) + 1 :].isdigit()]
        documents = [invoice, *extras, *reissued]
        adjust_credits = sum((n["Total"] for n in notes[number] if "-A" in str(n.get("CreditNoteNumber"))), D(0))
        invoiced = sum((i["Total"] for i in documents if i["Status"] != "VOIDED"), D(0)) - adjust_credits
        if invoiced != D(order["total"]):
            problems.append(f"order {order['id']}: Xero invoiced {invoiced}, the store's total is {order['total']}")
        refunded = -sum((D(r["total"]) for r in order["refunds"]), D(0))
        credited = sum((n["Total"] for n in notes[number] if "-R" in str(n.get("CreditNoteNumber"))), D(0))
        if credited != refunded:
            problems.append(f"order {order['id']}: refunds {refunded}, credit notes {credited}")
        if order.get("date_paid") and order["status"] in ("processing", "completed", "refunded"):
            paid = sum(
                (p["Amount"] for p in live_payments if p["Document"][1] in {d["InvoiceID"] for d in documents}), D(0)
            )
            if paid != D(order["total"]):
                problems.append(f"order {order['id']}: paid {order['total']} in the store, {paid} in Xero")
    report.xero = xero_counts(org, live_payments, checked)
    # --- every event accounted for ---------------------------------------------------------------
    log, terminal = account_log(stack, report)
    for item in sent:
        payload = json.loads(item.body)
        status = payload.get("status")
        if item.topic.split(".")[0] not in ("order", "customer", "product") or status in (
            "checkout-draft",
            "draft",
            "auto-draft",
        ):
            continue
        key = f"{item.topic.split('.')[0]}:{payload.get('id')}"
        if (key, hashlib.sha256(item.body).hexdigest()) not in terminal:
            problems.append(f"event {item.topic} {key} is not accounted for in the sync log")
    # --- the DLQs hold only the deliberate failures ----------------------------------------------
    report.dead_letters = len(letters)
    failed = {e["key"] for e in log if e["outcome"] == "failed"}
    if failed - parked:
        problems.append(f"failed but not on a dead-letter queue: {sorted(failed - parked)[:10]}")
    for letter in letters:
        if UNMAPPED_GATEWAY not in letter["reason"]:
            problems.append(f"dead letter {letter['record']} ({letter['queue']}): {letter['reason'][:160]}")


def run(seed: int, events: int, *, kill_rate: float = 0.05, timeout: float = 900.0) -> Report:
    started = time.monotonic()
    report = Report(seed)
    rng = random.Random(seed)
    store, deliveries = capture(seed, events)
    sandbox, org, connection = faulty_sandbox(seed)
    stack = LocalStack(
        stack_name=f"chaos-{seed}",
        store_name="chaos",
        parameters={
            "XeroApiUrl": sandbox.url,
            "XeroIdentityUrl": sandbox.url,
            "XeroMinuteLimit": "100000",
            "XeroDayLimit": "5000",
            "SyncTimeout": "20",
            "QueueVisibilityTimeout": "30",  # the least the template allows: killed workers' records soon back
            "RecordLeaseSeconds": "25",
            "SyncBatchWindow": "1",
            "MaxReceiveCount": "50",
        },
    )
    store.start()
    try:
        stack.start()
        stack.put_secret("WebhookSecret", WEBHOOK_SECRET)
        stack.put_secret(
            "XeroCredentialsSecret",
            json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
        )
        stack.put_secret(
            "StoreApiSecret",
            json.dumps(
                {"url": store.url, "consumer_key": store.consumer_key, "consumer_secret": store.consumer_secret}
            ),
        )
        stack.put_settings(settings_yaml(store))
        inject_faults(sandbox, org)
        neighbour = Neighbour(sandbox, org, per_second=SANDBOX_MINUTE_LIMIT / 60 / 3)  # a third of the budget
        neighbour.start()
        for name, function in stack.functions.items():
            if name.startswith("Sync"):  # workers die mid-batch; the webhook receiver is left alone
                function.chaos(random.Random(rng.random()), kill_rate)
        deliver(stack, deliveries, rng, report)
        if not stack.wait_idle(timeout):
            report.problems.append(f"the queues did not drain within {timeout:.0f} s: {stack.queue_depths()}")
        neighbour.stop.set()
        report.faults = {
            f["kind"] + (f"({f['status']})" if f["kind"] == "error" else ""): f["fired"] for f in sandbox.faults.list()
        }
        sandbox.faults.clear()
        report.workers_killed = sum(f.stats.killed for f in stack.functions.values())
        check(store, org, stack, report, deliveries)
    finally:
        stack.stop()
        store.stop()
        sandbox.stop()
    report.seconds = round(time.monotonic() - started, 1)
    return report


def print_report(report: Report) -> None:
    print(f"chaos run, seed {report.seed}: {report.seconds} s")
    print(
        f"  events sent        {report.events_sent} ({report.duplicates_sent} duplicated, shuffled); "
        f"{report.enqueued} enqueued"
    )
    print(f"  faults injected    {report.faults}; sync workers killed mid-batch: {report.workers_killed}")
    print(f"  sync log           {report.outcomes}")
    print(
        f"  duplicates stopped {sum(report.outcomes.get(k, 0) for k in ('duplicate', 'superseded', 'unchanged'))} "
        "events wrote nothing (duplicate, superseded or unchanged state)"
    )
    print(f"  Xero end state     {report.xero}")
    print(
        f"  dead letters       {report.dead_letters} (orders paid through the unmapped gateway "
        f"{UNMAPPED_GATEWAY!r}, made permanent on purpose)"
    )
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
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    report = run(args.seed, args.events)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report.__dict__, indent=2, default=str))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
