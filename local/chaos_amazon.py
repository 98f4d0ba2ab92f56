"""``make chaos CHAOS_SOURCE=amazon``: every Amazon settlement posted once, to the cent, whatever the
notifications, the SP-API, the workers and Xero do (``local/chaos.py`` is the WooCommerce run; this
one reuses its faulty sandbox, its other Xero app and its sync-log accounting).

A seeded stream of settlements from the SP-API simulator's generator (``local/amazon_sp``: FBA and
merchant-fulfilled orders, refunds with commissions returned, promotions, storage, subscription and
advertising fees, reimbursements, facilitator tax, reserves held and released, periods across a
month end, negative settlements, a few whose lines do not add up), fourteen days apart on the
simulator's clock (which runs years behind the real one, so the stream ends before today), each
report announced by a ``REPORT_PROCESSING_FINISHED`` notification on the stack's SQS queue, a few at
a time (a stack that was away finds a backlog), while:

* notifications are lost (the schedule must find the report) or delivered twice (at least once);
* the schedule runs beside the notifications' runs, and two schedule runs start at once;
* the SP-API answers a share of its calls 429 (beside its own token buckets'), 500 and 503, the
  document's S3 URL answers 503, and document URLs expire before their download (the job must
  mint the URL again);
* settlements workers are killed at random moments, and three times on purpose: while the
  payment is on its way (between the invoice and the payment: the payment never reaches Xero),
  while the invoice is being written (Xero writes it, the worker never records it), and while
  the payment is being written (likewise);
* Xero answers a share of calls 5xx, drops connections or loses its answer after writing, and
  429s come from another app spending the organisation's minute.

Then the faults stop, the schedule runs until it has nothing left, and twice more, which must
write nothing. Checked from the sandbox's own data and the stack's sync log: every settlement that
adds up is in Xero once (one document, or one per month across a month end, the earlier ones
totalling zero, the last its deposit to the cent, of the right kind), paid once from the bank
account for exactly its deposit on its deposit date; every one that does not add up is parked in
the sync log with its difference and nothing of it is in Xero; no document number twice; nothing
in Xero that no settlement explains; every settlement posted is in the sync log as applied.

``python -m local.chaos_amazon --seed 7 --events 1000`` (``CHAOS_SEED``/``CHAOS_EVENTS``): a tenth
of the events as settlements (100 by default); prints the figures and exits non-zero if an
invariant fails.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from local.amazon_sp import AmazonSP, Notifier, Settlement
from local.amazon_sp.notify import report_finished
from local.amazon_sp.reports import Report as AmazonReport
from local.chaos import (
    SANDBOX_MINUTE_LIMIT,
    Neighbour,
    Report,
    account_log,
    faulty_sandbox,
    inject_faults,
    sandbox_429s,
)
from local.functions import LocalFunction
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.faults import Fault
from local.xero_sandbox.settings import create_account

D = Decimal
MARKETPLACE = "Amazon.com"
BANK = "090"
FUNCTION = "SettlementsFunction"
QUEUE = "SettlementNotificationsQueue"
TIMEOUT = "60"  # SettlementsTimeout: a killed poll holds the job 90 s (300 s would make it 330)
PERIOD = timedelta(days=14)  # Amazon's settlement period (the generator's)
# The chart the settings map Amazon's words to (codes of the sandbox's chart, or created)
ACCOUNTS = {
    "201": "Amazon Sales",
    "202": "Amazon Shipping Income",
    "203": "Amazon Promotions",
    "204": "Amazon Refunds",
    "262": "Amazon Reimbursements",
    "404": "Amazon Seller Fees",
    "405": "Amazon FBA Fees",
    "615": "Amazon Reserved Balances",
    "826": "Sales Tax Collected by Amazon",
    "827": "Amazon Carried Forward Balance",
    "899": "Amazon - other",
}
# Amazon's three describing columns -> account. The reimbursements for lost stock and customer
# returns are left out on purpose: they go to the "other" account, visibly.
BY_TYPE = {
    "Order / ItemPrice / Principal": "201",
    "Order / ItemPrice / Shipping": "202",
    "Order / ItemPrice / Tax": "826",
    "Order / ItemPrice / ShippingTax": "826",
    "Order / ItemWithheldTax / MarketplaceFacilitatorTax-Principal": "826",
    "Order / ItemWithheldTax / MarketplaceFacilitatorTax-Shipping": "826",
    "Order / ItemFees / Commission": "404",
    "Order / ItemFees / FBAPerUnitFulfillmentFee": "405",
    "Order / Promotion / Principal": "203",
    "Order / Promotion / Shipping": "203",
    "Refund / ItemPrice / Principal": "204",
    "Refund / ItemPrice / Tax": "826",
    "Refund / ItemWithheldTax / MarketplaceFacilitatorTax-Principal": "826",
    "Refund / ItemFees / Commission": "404",
    "Refund / ItemFees / RefundCommission": "404",
    "other-transaction / FBA Inventory Reimbursement / WAREHOUSE_DAMAGE": "262",
    "other-transaction / other-transaction / Subscription Fee": "404",
    "other-transaction / other-transaction / Storage Fee": "405",
    "ServiceFee / Cost of Advertising / TransactionTotalAmount": "400",
}
# SP-API faults: (kind, operation, rate, status)
SP_FAULTS = [
    ("throttle", "getReports", 0.05, 429),
    ("throttle", "getReportDocument", 0.05, 429),
    ("error", "getReports", 0.03, 503),
    ("error", "getReportDocument", 0.03, 500),
    ("error", "download", 0.03, 503),
    ("expired_url", "getReportDocument", 0.10, 0),
]
LOST, TWICE = 0.15, 0.2  # notifications never delivered / delivered twice
LOST_KINDS = ("Current Reserve Amount", "Storage Fee", "Subscription Fee", "Cost of Advertising", "Commission")


@dataclass
class AmazonChaosReport(Report):
    settlements: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # negative, month end, inconsistent, gzip...
    notifications: dict[str, int] = field(default_factory=dict)  # sent, twice, lost
    runs: dict[str, int] = field(default_factory=dict)  # schedule runs by outcome
    notified_runs: dict[str, int] = field(default_factory=dict)  # notification batches: handled, held
    concurrent: list[str] = field(default_factory=list)  # two schedule runs started together
    sp_faults: dict[str, int] = field(default_factory=dict)
    sp_refused: dict[str, int] = field(default_factory=dict)  # the token buckets' own 429s
    xero_429s: int = 0
    kills: list[str] = field(default_factory=list)  # the kills on purpose, each with what it left
    random_kills: int = 0
    kills_on_purpose: int = 0  # workers killed by those (a notification's run may be running beside)
    secrets_rotated: int = 0  # the LWA client secret, before each 180-day expiry
    minute_spent: list[int] = field(default_factory=list)  # calls the other app made to spend the Xero minute
    drain: list[str] = field(default_factory=list)  # the runs after the faults stopped
    rerun: str = ""
    held_notifications: int = 0  # handed back by a busy run, still hidden when the run ended
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


def settings_text(since: datetime) -> str:
    return json.dumps(
        {
            "sync": {"orders": False},
            "tax": {"no_tax": "NONE"},
            "settlements": {
                "enabled": True,
                "mode": "summary",
                "split_by_month": True,
                "negative": "credit_note",
                "bank_account": BANK,
                "since": since.date().isoformat(),
                "accounts": {"other": "899", "reserves": "615", "carried_forward": "827", "by_type": BY_TYPE},
            },
        }
    )


def prepare(org: Organisation) -> None:
    now = datetime.now(UTC)
    for code, name in ACCOUNTS.items():
        if org.account_by_code(code) is None:
            create_account(org, {"Code": code, "Name": name, "Type": "CURRENT", "EnablePaymentsToAccount": True}, now)


# --- the stream ----------------------------------------------------------------------------------
@dataclass
class Stream:
    """What was published, and the harness's handles on the running parts."""

    sp: AmazonSP
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation
    bell: Notifier
    rng: random.Random
    report: AmazonChaosReport
    published: list[AmazonReport] = field(default_factory=list)
    inconsistent: dict[str, Decimal] = field(default_factory=dict)  # settlement id -> its difference
    neighbour: Neighbour | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def function(self) -> LocalFunction:
        return self.stack.functions[FUNCTION]

    def next_settlement(self, *, negative: bool = False, month_end: bool = False, broken: bool = False) -> Settlement:
        rng = self.rng
        options: dict[str, Any] = {"negative": negative, "month_end": month_end}
        if rng.random() < 0.1:
            options["orders"] = rng.randint(30, 80)  # a busy fortnight: still one document and its payment
        settlement = self.sp.generator(MARKETPLACE).next(**options)
        if broken:
            for description in LOST_KINDS:
                try:
                    kept = settlement.inconsistent(description)
                except ValueError:
                    continue
                self.inconsistent[kept.id] = kept.total - sum((line.amount for line in kept.lines), D(0))
                return kept
        return settlement

    def publish(self, batch: list[Settlement], *, notify: bool = True) -> list[AmazonReport]:
        """The batch's periods close; Amazon makes each report an hour later and tells the queue."""
        last = max(s.end for s in batch) + timedelta(hours=1, minutes=self.rng.randint(1, 90))
        self.sp.clock.advance(max(0.0, (last - self.sp.now()).total_seconds()))
        made = [self.sp.publish(s) for s in batch]
        kinds = self.report.kinds
        for s, r in zip(batch, made, strict=True):
            kinds["negative"] = kinds.get("negative", 0) + int(s.total < 0)
            kinds["month_end"] = kinds.get("month_end", 0) + int(len(s.month_subtotals()) > 1)
            kinds["inconsistent"] = kinds.get("inconsistent", 0) + int(s.id in self.inconsistent)
            kinds["gzip"] = kinds.get("gzip", 0) + int(r.compressed)
            kinds["orders"] = kinds.get("orders", 0) + len(
                {x.order_id for x in s.lines if x.transaction_type == "Order"}
            )
        self.published += made
        if notify:
            for r in made:
                self.notify(r)
        return made

    def notify(self, made: AmazonReport) -> None:
        counts = self.report.notifications
        roll = self.rng.random()
        if roll < LOST:
            counts["lost"] = counts.get("lost", 0) + 1
            return
        body = report_finished(made, self.sp.seller_id, self.sp.application_id, self.bell.subscription_id,
                               self.sp.now())  # fmt: skip
        times = 2 if roll < LOST + TWICE else 1
        for _ in range(times):
            self.bell.send(body)
        counts["sent"] = counts.get("sent", 0) + times
        counts["twice"] = counts.get("twice", 0) + (times - 1)

    def schedule(self) -> dict[str, Any]:
        """One run of the schedule, as EventBridge starts it; its outcome counted."""
        result = self.stack.run_schedule(FUNCTION)
        payload: dict[str, Any] = result.payload if result.ok and isinstance(result.payload, dict) else {}
        outcome = str(payload.get("outcome")) if result.ok else f"died ({(result.error or {}).get('errorType')})"
        if result.ok and payload.get("failed"):
            outcome += " with failures"
        if result.ok and payload.get("stopped"):
            outcome += " stopped early"
        with self.lock:
            self.report.runs[outcome] = self.report.runs.get(outcome, 0) + 1
        return payload

    def schedules(self, n: int) -> list[dict[str, Any]]:
        """``n`` schedule runs started at once."""
        found: list[dict[str, Any]] = []
        threads = [threading.Thread(target=lambda: found.append(self.schedule())) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        return found

    def keep_secret(self) -> None:
        """The merchant rotates the app's LWA client secret before it expires (every 180 days,
        https://developer-docs.amazon.com/sp-api/docs/rotating-your-apps-lwa-credentials) and puts
        the new one in the stack's secret; the warm functions read it again (their cached copy is
        minutes old in real time; the old secret's 7-day grace is gone in one step of Amazon's)."""
        tokens = self.sp.tokens
        if tokens.secret_expires - self.sp.now() > timedelta(days=70):  # a step moves up to 56 days
            return
        secret, expires, _ = tokens.rotate()
        c = self.sp.credentials
        self.stack.put_secret("StoreApiSecret", json.dumps({
            "client_id": c.client_id, "client_secret": secret, "refresh_token": c.refresh_token, "region": "NA",
            "endpoint": self.sp.endpoint, "lwa_url": self.sp.lwa_url, "client_secret_expires": expires.isoformat(),
        }))  # fmt: skip
        self.function.kill_workers()
        self.report.secrets_rotated += 1

    def catch_up(self, timeout: float = 300.0) -> None:
        """The schedule between two settlements (every two hours for fourteen days in Amazon's
        time): run it, two hours apart on Amazon's clock, until a run goes through with nothing
        left to retry (a killed run's lease, an SP-API or Xero refusal end the others early or
        leave a settlement for the next). Amazon keeps a report 90 days: a stream that moved on
        after one failed run would lose what the schedule's next runs would have posted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            payload = self.schedule()
            if payload.get("outcome") == "polled" and not (payload.get("stopped") or payload.get("failed")):
                return
            self.sp.clock.advance(7200)
            time.sleep(5 if payload.get("outcome") != "polled" else 2)
        self.report.problems.append(f"no schedule run went through within {timeout:.0f} s")

    def spend_minute(self) -> int:
        """The merchant's other app spends what is left of the organisation's Xero minute (the
        next calls of ours get 429s). Returns the calls it made."""
        if self.neighbour is None:
            return 0
        from xerosync.xero.errors import XeroRateLimited, XeroTransientError

        for n in range(SANDBOX_MINUTE_LIMIT + 10):
            try:
                self.neighbour.client.organisation()
            except XeroRateLimited:
                return n
            except XeroTransientError:  # the sandbox's faults hit its calls too
                continue
        return SANDBOX_MINUTE_LIMIT + 10

    def quiet(self, timeout: float = 120.0) -> None:
        """Until the notifications queue shows nothing and no notification batch is running (those a
        busy run handed back stay hidden for the queue's visibility timeout: the schedule covers them)."""
        sqs = self.stack.client("sqs")
        url = self.stack.queue_url(QUEUE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            visible = int(
                sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                    "ApproximateNumberOfMessages"
                ]
            )
            stats = self.stack.poller_stats.get(FUNCTION)
            if visible == 0 and (stats is None or stats.in_flight == 0):
                return
            time.sleep(0.2)


def kill_during(stream: Stream, fault: Fault, what: str, timeout: float = 240.0) -> None:
    """Run the schedule (again, while a run is busy or never makes the call) and kill the
    settlements worker the moment the sandbox holds ``fault``'s call."""
    deadline = time.monotonic() + timeout
    killed = 0
    while not killed and time.monotonic() < deadline:
        runner = threading.Thread(target=stream.schedule)
        runner.start()
        while runner.is_alive():
            if fault.fired:
                killed = stream.function.kill_running()
                break
            time.sleep(0.01)
        runner.join(timeout)
        if not killed:
            time.sleep(5)  # a killed run's lease, or the call not made this time
    stream.sandbox.faults.remove(fault.id)
    stream.report.kills_on_purpose += killed
    time.sleep(fault.delay + 0.5)  # the held call ends (written, or dropped undone)
    unpaid = sum(1 for d in [*stream.org.invoices.values(), *stream.org.credit_notes.values()]
                 if d["Status"] == "AUTHORISED" and D(str(d.get("Total", 0))) > 0)  # fmt: skip
    left = f"killed; then {unpaid} document(s) in Xero unpaid" if killed else "NOT REACHED"
    stream.report.kills.append(f"{what}: {left}")
    if not killed:
        stream.report.problems.append(f"the kill {what!r} did not happen: no run made that call in {timeout:.0f} s")


def targeted_kill(stream: Stream, case: str) -> None:
    """One of the three kills on purpose, on a settlement of its own published without notice."""
    tenant = stream.org.tenant_id
    faults = stream.sandbox.faults
    if case == "between":  # the invoice recorded; its payment held, then dropped: it never reaches Xero
        stream.publish([stream.next_settlement()], notify=False)
        fault = faults.next(1, "hang", tenant=tenant, endpoint="PUT /Payments", delay=5.0)
        kill_during(stream, fault, "between the invoice and the payment (the payment never sent)")
    elif case == "invoice":  # Xero writes the month-end settlement's first invoice; the worker dies first
        stream.publish([stream.next_settlement(month_end=True)], notify=False)
        fault = faults.next(1, "slow", tenant=tenant, endpoint="PUT /Invoices", delay=3.0)
        kill_during(stream, fault, "after Xero wrote an invoice, before its mapping was saved")
    else:  # Xero writes the payment; the worker dies before recording it
        stream.publish([stream.next_settlement()], notify=False)
        fault = faults.next(1, "slow", tenant=tenant, endpoint="PUT /Payments", delay=3.0)
        kill_during(stream, fault, "after Xero wrote a payment, before its mapping was saved")


def flow(stream: Stream, count: int) -> None:
    """The stream: batches of settlements, their notifications, the schedule beside them and
    between them; the other app spending the Xero minute now and then; and the three kills on
    purpose at a quarter, a half and three quarters of the way."""
    rng, report = stream.rng, stream.report
    plan = ["plain"] * count
    picks = rng.sample(range(count), k=min(count, max(3, count // 5)))
    for n, i in enumerate(picks):  # at least one of each kind, then a fifth more
        plan[i] = ("negative", "month_end", "broken")[n % 3]
    marks = {count // 4: "between", count // 2: "invoice", (3 * count) // 4: "payment"}
    i = 0
    while i < count:
        size = min(count - i, rng.choice((1, 1, 1, 2, 3, 4)))  # at most 56 days: Amazon keeps reports 90
        batch = []
        for kind in plan[i : i + size]:
            batch.append(
                stream.next_settlement(
                    negative=kind == "negative" or rng.random() < 0.05,
                    month_end=kind == "month_end",
                    broken=kind == "broken",
                )
            )
        i += size
        stream.keep_secret()
        if rng.random() < 0.1:
            report.minute_spent.append(stream.spend_minute())
        stream.publish(batch)
        roll = rng.random()
        if roll < 0.15:
            report.concurrent.append(" | ".join(sorted(str(p.get("outcome")) for p in stream.schedules(2))))
        elif roll < 0.4:
            stream.schedules(1)
        stream.quiet()
        for mark in [m for m in marks if m < i]:
            targeted_kill(stream, marks.pop(mark))
        stream.catch_up()


def drain(stream: Stream, runs: int = 12) -> None:
    """The faults stopped: the schedule, every two hours of Amazon's clock, until a run has nothing
    left (a run the lease of a killed one keeps out waits for it)."""
    for _ in range(runs * 4):
        stream.sp.clock.advance(7200)
        payload = stream.schedule()
        outcome = payload.get("outcome")
        if outcome == "busy":
            time.sleep(10)
            continue
        words = ("listed", "posted", "parked", "failed", "stopped")
        stream.report.drain.append(f"{outcome} " + ", ".join(f"{k} {payload[k]}" for k in words if payload.get(k)))
        if outcome == "polled" and not (payload.get("posted") or payload.get("failed") or payload.get("stopped")):
            return
        if len(stream.report.drain) >= runs:
            break
    stream.report.problems.append(f"the schedule still had work after {len(stream.report.drain)} runs")


def writes(sandbox: XeroSandbox, tenant: str) -> int:
    return sum(n for (t, endpoint), n in sandbox.state.calls.items() if t == tenant and not endpoint.startswith("GET"))


# --- the invariants ------------------------------------------------------------------------------
def check(stream: Stream) -> None:
    org, report, problems = stream.org, stream.report, stream.report.problems
    gone = ("DELETED", "VOIDED")
    invoices = [i for i in org.invoices.values() if i["Status"] not in gone]
    notes = [n for n in org.credit_notes.values() if n["Status"] not in gone]
    numbers = Counter([i.get("InvoiceNumber") for i in invoices] + [n.get("CreditNoteNumber") for n in notes])
    problems += [f"document number {n} appears {k} times" for n, k in numbers.items() if k > 1]
    documents: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in [*invoices, *notes]:
        number = str(d.get("InvoiceNumber") or d.get("CreditNoteNumber") or "")
        documents[number[len("AMZ-") :].split("-")[0] if number.startswith("AMZ-") else number].append(d)
    payments: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in org.payments.values():
        if p["Status"] != "DELETED":
            payments[p["Document"][1]].append(p)
    bank = org.account_by_code(BANK)
    log, _ = account_log(stream.stack, report)
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in log:
        by_key[entry["key"]].append(entry)
    published = {r.settlement.id: r.settlement for r in stream.published if r.settlement is not None}
    problems += [f"Xero holds {len(d)} document(s) {k} no settlement explains" for k, d in documents.items()
                 if k not in published]  # fmt: skip
    checked: Counter[str] = Counter()
    for sid, s in published.items():
        key, mine = (
            f"settlement:{sid}",
            sorted(documents.get(sid, []), key=lambda d: str(d.get("InvoiceNumber") or d.get("CreditNoteNumber"))),
        )
        logged = by_key.get(key, [])
        if sid in stream.inconsistent:
            difference = stream.inconsistent[sid]
            parked = [e for e in logged if e["outcome"] == "parked"]
            if mine:
                problems.append(f"{key} does not add up ({difference}) but {len(mine)} document(s) are in Xero")
            if not parked:
                problems.append(f"{key} does not add up ({difference}) and is not parked in the sync log: {logged[:2]}")
            elif not any(f"{difference} unexplained" in str(e.get("reason")) for e in parked):
                problems.append(f"{key} is parked without its difference {difference}: {parked[0].get('reason')}")
            checked["parked"] += 1
            continue
        if not mine:
            why = "; ".join(f"{e['outcome']}: {e.get('reason')}" for e in logged[-2:]) or "nothing in the sync log"
            problems.append(f"{key} ({s.total} {s.currency}) is not in Xero: LOST ({why})")
            continue
        months = {min(line.posted.strftime("%Y-%m"), s.end.strftime("%Y-%m")) for line in s.lines}
        if len(mine) != len(months):
            problems.append(f"{key}: {len(mine)} documents for lines in {len(months)} month(s)")
        *earlier, last = mine
        if any(D(str(d["Total"])) != 0 for d in earlier) or D(str(last["Total"])) != abs(s.total):
            totals = [str(d["Total"]) for d in mine]
            problems.append(f"{key}: documents total {totals}, the deposit is {s.total}")
        kind = "ACCREC" if s.total >= 0 else "ACCRECCREDIT"
        if any(d["Type"] != kind for d in mine):
            problems.append(f"{key}: {[d['Type'] for d in mine]} for a deposit of {s.total} (wanted {kind})")
        paid = payments.get(str(last.get("InvoiceID") or last.get("CreditNoteID")), [])
        if s.total == 0:
            if paid:
                problems.append(f"{key}: a deposit of 0 has {len(paid)} payment(s)")
        elif len(paid) != 1:
            problems.append(f"{key}: {len(paid)} payments of its deposit {s.total}")
        else:
            p = paid[0]
            when = p["Date"].date() if isinstance(p["Date"], datetime) else p["Date"]
            if D(str(p["Amount"])) != abs(s.total) or str(when) != s.deposit.date().isoformat():
                problems.append(f"{key}: paid {p['Amount']} on {when}, the deposit is {s.total} on {s.deposit.date()}")
            if bank is None or p["AccountID"] != bank["AccountID"]:
                problems.append(f"{key}: paid from another account than {BANK}")
        if not any(e["outcome"] == "applied" for e in logged):
            problems.append(
                f"{key} is in Xero but the sync log never says it was applied: {[e['outcome'] for e in logged]}"
            )
        checked["posted"] += 1
        checked["split"] += int(len(mine) > 1)
    failed = [e for e in log if e["outcome"] == "failed" and e["key"].startswith("settlement")]
    report.outcomes = dict(Counter(e["outcome"] for e in log))
    report.xero = {
        **checked,
        "invoices": sum(1 for i in invoices if str(i.get("InvoiceNumber", "")).startswith("AMZ-")),
        "credit_notes": sum(1 for n in notes if str(n.get("CreditNoteNumber", "")).startswith("AMZ-")),
        "payments": sum(len(p) for p in payments.values()),
        "failures_logged": len(failed),
    }
    if bank is None:
        problems.append(f"no bank account {BANK} in the organisation")


def run(seed: int, events: int, *, kill_rate: float = 0.02, timeout: float = 900.0) -> AmazonChaosReport:
    started = time.monotonic()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # the simulator's notifier sends to moto
        os.environ.setdefault(name, "testing")
    count = max(10, events // 10)
    report = AmazonChaosReport(seed, settlements=count)
    rng = random.Random(seed)
    sandbox, org, connection = faulty_sandbox(seed, base_currency="USD", country="US")
    prepare(org)
    # Amazon's clock runs behind the real one by the stream's length, so the last settlement is paid
    # before today (the first ones a few weeks before the stack started: a backlog)
    behind = PERIOD * (count + count // 3 + 4)
    sp = AmazonSP(region="na", seed=seed, base_clock=lambda: datetime.now(UTC) - behind).start()
    start = sp.generator(MARKETPLACE).start
    stack = LocalStack(
        stack_name=f"chaos-amazon-{seed}",
        store_name="amazon",
        parameters={
            "StoreSource": "amazon",
            "XeroApiUrl": sandbox.url,
            "XeroIdentityUrl": sandbox.url,
            "XeroMinuteLimit": "100000",  # the sandbox's own minute (240) answers the 429s
            "XeroDayLimit": "5000",
            "SettlementsTimeout": TIMEOUT,
            "SyncTimeout": "60",  # the claims a killed poll leaves last RecordLeaseSeconds, above both
            "RecordLeaseSeconds": "75",
            "MaxReceiveCount": "50",
        },
    )
    neighbour: Neighbour | None = None
    try:
        stack.start()
        stack.put_secret(
            "XeroCredentialsSecret",
            json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
        )
        c = sp.credentials
        stack.put_secret(
            "StoreApiSecret",
            json.dumps({"client_id": c.client_id, "client_secret": c.client_secret, "refresh_token": c.refresh_token,
                        "region": "NA", "endpoint": sp.endpoint, "lwa_url": sp.lwa_url}),
        )  # fmt: skip
        stack.put_settings(settings_text(start - timedelta(days=1)))
        bell = Notifier(stack.queue_url(QUEUE), stack.aws_endpoint)
        stream = Stream(sp, stack, sandbox, org, bell, rng, report)
        inject_faults(sandbox, org)
        for kind, operation, rate, status in SP_FAULTS:
            sp.faults.add(kind, operation=operation, rate=rate, **({"status": status} if kind == "error" else {}))
        neighbour = Neighbour(sandbox, org, per_second=SANDBOX_MINUTE_LIMIT / 60 / 3)  # a third of the budget
        neighbour.start()
        stream.neighbour = neighbour
        stream.function.chaos(random.Random(rng.random()), kill_rate)
        flow(stream, count)
        # --- the faults stop; the schedule finishes the work -------------------------------------
        neighbour.stop.set()
        stream.function.chaos(random.Random(0), 0.0)
        report.faults = {f"{f['kind']}{'(' + str(f['status']) + ')' if f['kind'] == 'error' else ''}": f["fired"]
                         for f in sandbox.faults.list()}  # fmt: skip
        report.sp_faults = {f"{f['kind']} {f['operation']}": f["fired"] for f in sp.faults.list()}
        sandbox.faults.clear()
        sp.faults.clear()
        report.xero_429s = sandbox_429s(sandbox)
        report.workers_killed = stream.function.stats.killed
        report.random_kills = report.workers_killed - report.kills_on_purpose
        drain(stream)
        report.sp_refused = dict(sp.limits.refused)
        before = writes(sandbox, org.tenant_id)
        again = [stream.schedule() for _ in range(2)]
        after = writes(sandbox, org.tenant_id)
        report.rerun = f"{[a.get('posted') for a in again]} posted, {after - before} Xero writes"
        if after != before or any(a.get("posted") for a in again):
            report.problems.append(f"re-running the job wrote to Xero: {report.rerun}")
        report.held_notifications = stack.queue_depths().get(QUEUE, 0)
        stats = stack.poller_stats.get(FUNCTION)
        if stats is not None:
            report.notified_runs = {
                "batches": stats.batches,
                "records": stats.records,
                "handed_back": stats.failed_records,
            }
        report.events_sent = len(stream.published)
        check(stream)
        report.load = os.getloadavg()
    finally:
        if neighbour is not None:
            neighbour.stop.set()
        stack.stop()
        sp.stop()
        sandbox.stop()
    report.seconds = round(time.monotonic() - started, 1)
    return report


def print_report(report: AmazonChaosReport) -> None:
    print(
        f"Amazon chaos run, seed {report.seed}: {report.seconds} s, load {', '.join(f'{x:.1f}' for x in report.load)}"
    )
    print(f"  settlements        {report.events_sent} published {report.kinds}; LWA secret rotated "
          f"{report.secrets_rotated} times")  # fmt: skip
    print(f"  notifications      {report.notifications}; batches run {report.notified_runs}; "
          f"{report.held_notifications} handed back by a busy run, still hidden at the end")  # fmt: skip
    print(f"  schedule runs      {report.runs}; two at once: {report.concurrent}")
    print(f"  SP-API faults      {report.sp_faults}; the token buckets' own 429s {report.sp_refused}")
    print(f"  Xero faults        {report.faults}; 429s {report.xero_429s} (the other app spent the minute "
          f"{len(report.minute_spent)} times)")  # fmt: skip
    print(f"  kills              {report.random_kills} at random moments; on purpose: {report.kills}")
    print(f"  after the faults   {report.drain}; re-run: {report.rerun}")
    print(f"  sync log           {report.outcomes}")
    print(f"  Xero end state     {report.xero}")
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
