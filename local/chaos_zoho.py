"""``make chaos CHAOS_SOURCE=zoho``: exactly-once effect in Xero for a Zoho CRM organisation,
whatever Zoho's notifications, Zoho's limits and Xero do (``local/chaos.py`` is the WooCommerce
run; this one reuses its Xero faults, its other Xero app and its dead-letter reading, and follows
``local/chaos_shopify.py``).

A seeded CRM history (the simulator's generator, ``local.zoho_crm.generate``: vendors, products with
``Product_Code``, accounts and their contacts, every third without an email, quotes, sales orders,
invoices tax exclusive and inclusive with line and record discounts, adjustments and GST, VAT or
sales tax, purchase orders) is written as the CRM's users write it, each record a change the
stack's notification channel (enabled by its own first reconciliation) tells it about, then edited:
invoice quantities changed, invoices cancelled, deleted (one at least while the channel works, one
while it is gone) or added, contacts given a phone or their first email, accounts moved, product
prices changed. Meanwhile:

* 10% of notifications lost (Zoho documents no retries: a lost one is lost) and 20% delivered
  twice (the same body, as a second channel or a retry would bring it);
* Zoho's limits, answered as the simulator answers them: the organisation's concurrency squeezed to
  2 calls in flight (429 ``TOO_MANY_REQUESTS``; 2 is below any edition's, so that a small run meets
  it), and once, another app of the organisation having spent all but a few of the day's credits
  23 h 59 min before, every call refused 429 ``LIMIT_EXCEEDED`` until those credits leave Zoho's
  rolling 24 hours (``resets_at`` in the answer: about a minute later);
* sync workers killed mid-batch (15% of invocations); the Xero sandbox answering a share of calls
  with 5xx, dropped connections and writes whose response is lost, and 429s from another app
  spending the organisation's minute;
* the channel near its expiry (the scheduled reconciliation must renew it), then expired (as after a
  week without a run): changes made meanwhile are notified to no one; the next scheduled run
  re-creates the channel, and its listing by ``Modified_Time`` since its watermark (and the deleted
  records list) brings what was missed, as it brings every lost notification.

Checked at the end, against the CRM's own records: every Account, Contact and Vendor exactly one
active Xero contact (its ``ContactNumber`` the record's module and id), no email and no contact
number on two contacts; every Product with a code exactly one Xero item with that code; every
booked Invoice exactly one Xero invoice (``ZC-`` and its number, never a second document, voided or
not), Total equal to the CRM's Grand_Total and TotalTax to its taxes, to the cent; every cancelled or
deleted one off the books (voided, deleted, or never made); every notification answered 2xx and
accounted for in the sync log; nothing failed and nothing dead-lettered; the channel renewed and
re-created.

``python -m local.chaos_zoho --seed 7 --events 200``: prints the figures and exits non-zero when
an invariant breaks.
"""

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
from local.xero_sandbox import Organisation
from local.xero_sandbox.settings import create_tax_rate
from local.zoho import ZohoStack, start
from local.zoho_crm import ZohoCRM
from local.zoho_crm.generate import populate
from local.zoho_crm.limits import WINDOW
from local.zoho_crm.records import Change
from xerosync.sources.zoho.settings import zoho_settings
from xerosync.sources.zoho.webhook import decide

D = Decimal
DROP, TWICE = 0.10, 0.20  # shares of notifications lost, and delivered twice
SQUEEZED = 2  # calls in flight the organisation answers before TOO_MANY_REQUESTS
LATENCY = 0.03  # real seconds each Zoho call holds its slot: so that calls overlap
CREDITS_BACK_IN = 60  # seconds until the other app's credits leave the rolling 24 hours
CREDITS_LEFT = 5  # credits the other app left in the day's allowance
TAXES = {"VAT": D(20), "Sales Tax": D("8.25")}  # the generator's taxes besides GST, made in Xero
LIVE = ("AUTHORISED", "SUBMITTED", "DRAFT", "PAID")
PARTIES = ("Accounts", "Contacts", "Vendors")
NAME = {"Accounts": "Account_Name", "Contacts": "Full_Name", "Vendors": "Vendor_Name"}


@dataclass
class ZohoReport(Report):
    records: dict[str, int] = field(default_factory=dict)  # the CRM's records at the end, by module
    edits: int = 0
    notifications: int = 0  # the channel's POSTs (duplicates included), lost ones apart
    lost: int = 0
    twice: int = 0
    not_answered: int = 0  # POSTs the stack did not answer 2xx (lost too: Zoho does not retry)
    renewed: str = ""  # the channel's expiry before and after the renewal
    missed_while_expired: int = 0  # changes made while the channel was gone
    recreated: bool = False
    zoho_refused: dict[str, int] = field(default_factory=dict)
    zoho_credits: int = 0  # credits the stack spent (the simulator's count)
    tokens_minted: int = 0
    checked: dict[str, int] = field(default_factory=dict)


class _Live:
    """The simulator as the generator sees it, each record written as a CRM user's change at the
    moment it is made (its notification sent), not seeded into the past."""

    pinned = None

    def __init__(self, crm: ZohoCRM) -> None:
        self.crm, self.user, self.store, self.clock = crm, crm.user, self, self

    def now(self) -> datetime:
        return self.crm.now()

    def pin(self, when: datetime | None) -> None:
        pass  # the records' times are the moments they are written

    def put(self, module: str, data: dict[str, Any], user: Any) -> dict[str, Any]:
        (answer,) = self.crm.user_edit(module, [data], user)
        if answer["status"] != "success":
            raise RuntimeError(f"the CRM refused a generated {module} record: {answer}")
        record = self.crm.store.get(module, str(answer["details"]["id"]))
        assert record is not None
        return record


def settings_text(org: Organisation) -> str:
    """The local settings, with a Xero tax rate for each of the generator's taxes besides GST, on
    sales and (the purchase orders') on purchases."""
    rates, purchases = {"GST": "OUTPUT"}, {"GST": "INPUT"}
    for name, percent in TAXES.items():
        for side, report, into in (("", "OUTPUT", rates), (" on purchases", "INPUT", purchases)):
            made = create_tax_rate(
                org,
                {
                    "Name": f"CRM {name}{side}",
                    "TaxComponents": [{"Name": name, "Rate": percent}],
                    "ReportTaxType": report,
                },
            )
            into[name] = str(made["TaxType"])
    return json.dumps(
        {
            "invoice_prefix": "ZC-",
            "accounts": {"sales": "200", "rounding": "860"},
            "tax": {"rates": rates, "no_tax": "EXEMPTOUTPUT", "rounding": "BASEXCLUDED"},
            "purchasing": {"account": "310", "tax_rates": purchases, "no_tax": "EXEMPTEXPENSES"},
            "store": {"data_centre": "eu", "currency": "AUD", "sales_orders": False},
        }
    )


def unreliable(crm: ZohoCRM, rng: random.Random) -> Callable[[bool], None]:
    """Lose or double a share of the channel's notifications (one per change: one channel); returns
    the switch that turns it off and on."""
    original = crm.changed
    on = [True]

    def changed(change: Change) -> None:
        channels = crm.channels
        if on[0] and change.ids and channels is not None:
            roll = rng.random()
            with channels.lock:
                if roll < DROP:
                    channels.faults.drop += 1
                elif roll < DROP + TWICE:
                    channels.faults.twice += 1
        original(change)

    setattr(crm, "changed", changed)  # noqa: B010 (an instance's method replaced for the run)

    def switch(value: bool) -> None:
        on[0] = value

    return switch


def edit(crm: ZohoCRM, rng: random.Random, report: ZohoReport, count: int) -> None:
    """``count`` changes as the CRM's users make them (each notified, or not, by the channel)."""
    for _ in range(count):
        roll = rng.random()
        invoices = crm.store.all("Invoices")
        if roll < 0.55 and invoices:
            invoice = rng.choice(invoices)
            if roll < 0.05:  # deleted in the CRM (to its recycle bin)
                _, removed = crm.store.delete("Invoices", [invoice["id"]], crm.user)
                crm.changed(removed)
            elif roll < 0.12:
                crm.user_edit("Invoices", [{"id": invoice["id"], "Status": "Cancelled"}])
            elif roll < 0.20:  # another invoice for the same account
                row: dict[str, Any] = {
                    k: invoice[k] for k in ("Account_Name", "Tax_Inclusive", "Adjustment") if k in invoice
                }
                row["Invoiced_Items"] = [
                    {"Product_Name": {"id": r["Product_Name"]["id"]}, "Quantity": rng.randint(1, 5),
                     "Line_Tax": r.get("Line_Tax") or []}
                    for r in invoice["Invoiced_Items"]
                ]  # fmt: skip
                row.update(Subject=f"Follow-up {report.edits}", Status="Approved",
                           Invoice_Date=crm.now().date().isoformat())  # fmt: skip
                crm.user_edit("Invoices", [row])
            else:  # a line's quantity changed (the rows sent whole: a subform update replaces them)
                rows = [dict(r) for r in invoice["Invoiced_Items"]]
                rows[rng.randrange(len(rows))]["Quantity"] = rng.randint(1, 20)
                crm.user_edit("Invoices", [{"id": invoice["id"], "Invoiced_Items": rows}])
        elif roll < 0.75:
            contact = rng.choice(crm.store.all("Contacts"))
            change: dict[str, Any] = {"id": contact["id"], "Phone": f"+61 7 {rng.randint(1000, 9999)} {report.edits}"}
            if not contact.get("Email") and rng.random() < 0.5:  # the one without an email gets one
                change["Email"] = f"late{report.edits}.{contact['id'][-4:]}@customer.example"
            crm.user_edit("Contacts", [change])
        elif roll < 0.87:
            account = rng.choice(crm.store.all("Accounts"))
            crm.user_edit(
                "Accounts", [{"id": account["id"], "Billing_City": rng.choice(("Perth", "Hobart", "Cairns"))}]
            )
        else:
            product = rng.choice(crm.store.all("Products"))
            crm.user_edit("Products", [{"id": product["id"], "Unit_Price": D(rng.randint(100, 99_999)) / 100}])
        report.edits += 1
        time.sleep(rng.uniform(0, 0.05))  # the users' pace: the stack works meanwhile


def delete_invoice(crm: ZohoCRM, rng: random.Random, report: ZohoReport) -> None:
    """A booked invoice deleted in the CRM (to its recycle bin), as a user deletes one."""
    booked = [r for r in crm.store.all("Invoices") if r.get("Status") != "Cancelled"]
    if booked:
        _, removed = crm.store.delete("Invoices", [rng.choice(booked)["id"]], crm.user)
        crm.changed(removed)
        report.edits += 1


def squeeze_credits(crm: ZohoCRM) -> datetime:
    """Another app of the organisation spent all but :data:`CREDITS_LEFT` of the day's credits
    23 h 59 min ago: calls are refused ``LIMIT_EXCEEDED`` until those credits leave the rolling 24
    hours (Zoho's answer names when). Returns that moment."""
    limits, now = crm.limits, crm.now()
    with limits.lock:
        used = sum(cost for _, cost in limits.spent)
        back = now + timedelta(seconds=CREDITS_BACK_IN)
        limits.spent.appendleft((back - WINDOW, max(0, limits.credits - used - CREDITS_LEFT)))
    return back


def channel_of(running: ZohoStack) -> Any:
    assert running.crm.channels is not None
    live = running.crm.channels.live(running.crm.now())
    return next((c for c in live if c.notify_url == running.webhook_url), None)


def reconcile(running: ZohoStack, report: ZohoReport, what: str, timeout: float) -> list[str]:
    result = running.stack.run_schedule("ReconcileFunction")
    if not result.ok:
        report.problems.append(f"the reconciliation ({what}) failed: {result.error}")
        return []
    payload: dict[str, Any] = result.payload or {}
    if payload.get("errors"):
        report.problems.append(f"the reconciliation ({what}) reported errors: {payload.get('errors')}")
    if not running.settle(timeout):
        report.problems.append(
            f"after the reconciliation ({what}) the stack did not settle: {running.stack.queue_depths()}"
        )
    return [str(line) for line in payload.get("webhooks", [])]


def renew_and_expire(running: ZohoStack, rng: random.Random, report: ZohoReport, quiet: Callable[[bool], None],
                     timeout: float) -> None:  # fmt: skip
    crm = running.crm
    channel = channel_of(running)
    if channel is None:
        report.problems.append("the stack's channel was gone before its renewal")
        return
    channel.expiry = crm.now() + timedelta(hours=2)  # within the stack's margin: to be renewed
    before = channel.expiry
    reconcile(running, report, "renewal", timeout)
    renewed = channel_of(running)
    after = renewed.expiry if renewed is not None else None
    report.renewed = f"{before:%Y-%m-%d %H:%M} -> {after:%Y-%m-%d %H:%M}" if after else "gone"
    if after is None or after - crm.now() < timedelta(days=5):
        report.problems.append(f"the channel expiring at {before} was not renewed for days: {report.renewed}")
    # then it expires, as after a week without a run: changes meanwhile are notified to no one
    if renewed is not None:
        renewed.expiry = crm.now() - timedelta(seconds=1)
    assert channel_of(running) is None
    quiet(False)
    deliveries = len(crm.channels.deliveries) if crm.channels else 0
    edits = report.edits
    delete_invoice(crm, rng, report)  # found by the deleted-records list, or not at all
    edit(crm, rng, report, max(5, report.edits // 5))
    report.missed_while_expired = report.edits - edits
    if crm.channels and len(crm.channels.deliveries) != deliveries:
        report.problems.append("the expired channel still delivered")
    quiet(True)
    lines = reconcile(running, report, "after the channel expired", timeout)
    report.recreated = channel_of(running) is not None and any(": create" in line for line in lines)
    if not report.recreated:
        report.problems.append(f"the expired channel was not re-created: {lines}")


def check(running: ZohoStack, report: ZohoReport) -> None:
    crm, org, stack, problems = running.crm, running.org, running.stack, report.problems
    letters = dead_letters(stack)  # read once: reading hides them for a while
    # --- no duplicate contact ------------------------------------------------------------------
    active = [c for c in org.contacts.values() if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]
    numbers = Counter(c.get("ContactNumber") for c in active if c.get("ContactNumber"))
    problems += [f"contact number {n} is on {k} contacts" for n, k in numbers.items() if k > 1]
    emails = Counter(str(c.get("EmailAddress", "")).lower() for c in active if c.get("EmailAddress"))
    problems += [f"email {e} is on {k} contacts" for e, k in emails.items() if k > 1]
    # --- every account, contact and vendor: one Xero contact -------------------------------------
    by_number = {str(c.get("ContactNumber")): c for c in active if c.get("ContactNumber")}
    parties = 0
    for module in PARTIES:
        for record in crm.store.all(module):
            number, name = f"{module}:{record['id']}", str(record.get(NAME[module]) or "")
            contact = by_number.get(number)
            if contact is None:
                problems.append(f"{module} {record['id']} ({name}) has no Xero contact")
                continue
            parties += 1
            if not str(contact.get("Name", "")).startswith(name):
                problems.append(f"{number}: Xero contact {contact.get('Name')!r}, the CRM's {name!r}")
            email = str(record.get("Email") or "").lower()
            if email and str(contact.get("EmailAddress", "")).lower() != email:
                problems.append(f"{number}: Xero email {contact.get('EmailAddress')!r}, the CRM's {email!r}")
    # --- every product with a code: one Xero item ------------------------------------------------
    codes = Counter(str(i.get("Code")) for i in org.items.values())
    products = 0
    for product in crm.store.all("Products"):
        code = str(product.get("Product_Code") or "")
        if code:
            products += 1
            if codes[code] != 1:
                problems.append(f"Products {product['id']}: {codes[code]} Xero items with code {code}")
    # --- every invoice as the CRM ended it --------------------------------------------------------
    statuses = zoho_settings({}).statuses("Invoices")
    documents: dict[str, list[dict[str, Any]]] = {}
    for invoice in org.invoices.values():
        if invoice.get("Type") == "ACCREC" and invoice["Status"] != "DELETED":
            documents.setdefault(str(invoice.get("InvoiceNumber")), []).append(invoice)
    booked = 0
    for record in sorted(crm.store.all("Invoices"), key=lambda r: r["id"]):
        number = "ZC-" + str(record.get("Invoice_Number") or record["id"])
        found = documents.get(number, [])
        live = [d for d in found if d["Status"] in LIVE]
        stage = statuses.get(str(record.get("Status") or ""), "unconfirmed")
        if stage in ("cancelled", "unconfirmed"):
            if live:
                problems.append(f"{number} is {record.get('Status')} in the CRM but {live[0]['Status']} in Xero")
            continue
        if len(found) != 1 or not live:
            problems.append(f"{number} ({record.get('Status')}): {[d['Status'] for d in found]} in Xero, not one")
            continue
        booked += 1
        xero = live[0]
        tax = sum((D(str(r.get("Tax") or 0)) for r in record["Invoiced_Items"]), D(0)) + D(str(record.get("Tax") or 0))
        if (D(str(xero["Total"])), D(str(xero["TotalTax"]))) != (D(str(record["Grand_Total"])), tax):
            problems.append(
                f"{number}: Xero {xero['Total']} tax {xero['TotalTax']}, the CRM's {record['Grand_Total']} tax {tax}"
            )
    for gone in crm.store.deleted["Invoices"]:
        live = [d for d in documents.get(f"ZC-{gone.id}", []) if d["Status"] in LIVE]
        if live:
            problems.append(f"ZC-{gone.id} was deleted in the CRM but is {live[0]['Status']} in Xero")
    report.records = {m: len(crm.store.all(m)) for m in crm.store.records}
    report.records["Invoices deleted"] = len(crm.store.deleted["Invoices"])
    live_payments = [p for p in org.payments.values() if p["Status"] != "DELETED"]
    report.xero = {**xero_counts(org, live_payments, booked), "items": len(org.items)}
    report.checked = {"contacts": parties, "items": products, "invoices": booked}
    # --- every notification the stack answered, accounted for --------------------------------------
    log, terminal = account_log(stack, report)
    assert crm.channels is not None
    bodies: Counter[int] = Counter()
    refused: Counter[int | None] = Counter()
    for delivery in list(crm.channels.deliveries):
        if delivery.dropped:
            report.lost += 1
            continue
        report.notifications += 1
        bodies[id(delivery.body)] += 1
        if delivery.status is None or not 200 <= delivery.status < 300:
            report.not_answered += 1  # Zoho does not deliver it again: only the reconciliation finds it
            refused[delivery.status] += 1
            continue
        report.enqueued += 1
        decision = decide({}, json.dumps(delivery.body).encode(), lambda: running.token, None)
        for message in decision.messages:
            event = json.loads(message.body)
            key = f"{event['resource']}:{event['id']}"
            if (key, event["sha256"]) not in terminal:
                problems.append(f"notification {event['topic']} {key} is not accounted for in the sync log")
    report.twice = sum(1 for n in bodies.values() if n > 1)
    problems += [f"the stack answered {status} to {n} notifications" for status, n in refused.items()]
    report.events_sent, report.duplicates_sent = report.notifications, report.twice
    problems += [f"failed: {e['key']}: {str(e.get('reason'))[:160]}" for e in log if e["outcome"] == "failed"][:20]
    report.dead_letters = len(letters)
    problems += [f"dead letter {x['record']} ({x['queue']}): {x['reason'][:160]}" for x in letters]


def run(seed: int, events: int, *, kill_rate: float = 0.15, timeout: float = 900.0) -> ZohoReport:
    """``kill_rate``: the share of sync invocations whose worker is killed (higher than the other
    runs': a CRM history of a few hundred records makes few invocations)."""
    started = time.monotonic()
    report = ZohoReport(seed)
    rng = random.Random(seed)
    sandbox, org, connection = faulty_sandbox(seed)
    crm = ZohoCRM(dc="eu", edition="standard", users=5)
    running: ZohoStack | None = None
    try:
        running = start(
            f"chaos-zoho-{seed}",
            sandbox,
            org,
            connection,
            crm=crm,
            settings=settings_text(org),
            parameters={
                "XeroMinuteLimit": "100000",
                "XeroDayLimit": "5000",
                "SyncTimeout": "20",
                "QueueVisibilityTimeout": "30",  # the least the template allows: killed workers' records soon back
                "RecordLeaseSeconds": "25",
                "MaxReceiveCount": "50",
            },
        )
        quiet = unreliable(crm, random.Random(rng.random()))
        crm.limits.concurrency, crm.latency = SQUEEZED, LATENCY
        inject_faults(sandbox, org)
        neighbour = Neighbour(sandbox, org, per_second=SANDBOX_MINUTE_LIMIT / 60 / 3)  # a third of the budget
        neighbour.start()
        for name, function in running.stack.functions.items():
            if name.startswith("Sync"):  # workers die mid-batch; the webhook receiver is left alone
                function.chaos(random.Random(rng.random()), kill_rate)
        live: Any = _Live(crm)
        populate(live, seed=seed, start=crm.now() - timedelta(days=20), accounts=max(4, events // 10),
                 documents=max(4, events // 8))  # fmt: skip
        edits = max(10, events // 4)
        edit(crm, rng, report, edits // 2)
        delete_invoice(crm, rng, report)
        back = squeeze_credits(crm)
        edit(crm, rng, report, edits - edits // 2)
        if not running.settle(timeout):
            report.problems.append(f"the history did not settle within {timeout:.0f} s: {running.stack.queue_depths()}")
        time.sleep(max(0.0, (back - crm.now()).total_seconds() + 1))  # the other app's credits are back
        renew_and_expire(running, rng, report, quiet, timeout)
        reconcile(running, report, "the last", timeout)
        neighbour.stop.set()
        report.faults = {
            f["kind"] + (f"({f['status']})" if f["kind"] == "error" else ""): f["fired"] for f in sandbox.faults.list()
        }
        sandbox.faults.clear()
        report.workers_killed = sum(f.stats.killed for f in running.stack.functions.values())
        report.zoho_refused = {
            "TOO_MANY_REQUESTS": crm.limits.refused_concurrency,
            "LIMIT_EXCEEDED": crm.limits.refused_credits,
        }
        report.zoho_credits = crm.limits.used(crm.now())
        report.tokens_minted = crm.accounts.minted
        check(running, report)
    finally:
        if running is not None:
            running.stop()
        else:
            crm.stop()
        sandbox.stop()
    report.seconds = round(time.monotonic() - started, 1)
    return report


def print_report(report: ZohoReport) -> None:
    print(f"Zoho CRM chaos run, seed {report.seed}: {report.seconds} s, {report.edits} edits after the history")
    print(f"  CRM records        {report.records}")
    print(
        f"  notifications      {report.notifications} POSTed ({report.twice} twice), {report.lost} lost; "
        f"{report.enqueued} answered 2xx, {report.not_answered} not"
    )
    print(
        f"  channel            renewed {report.renewed}; expired, {report.missed_while_expired} changes notified to "
        f"no one; re-created by the reconciliation: {report.recreated}"
    )
    print(
        f"  Zoho limits        refused {report.zoho_refused}; {report.zoho_credits} credits spent; "
        f"{report.tokens_minted} access tokens minted"
    )
    print(f"  faults injected    {report.faults}; sync workers killed mid-batch: {report.workers_killed}")
    print(f"  sync log           {report.outcomes}")
    print(f"  Xero end state     {report.xero}; checked {report.checked}")
    print(f"  dead letters       {report.dead_letters}")
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
