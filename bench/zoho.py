"""The ``zoho`` part of ``make bench``: Xero calls and Zoho API credits per CRM record.

A seeded CRM history from the Zoho CRM simulator's generator (``local.zoho_crm.generate.populate``,
seed 7): ``invoices`` invoices (tax exclusive and inclusive, line and record discounts,
adjustments, GST, VAT or sales tax) with their accounts (one for every four invoices), each
account's contact (every third without an email), vendors and products, plus the quotes, sales
orders and purchase orders the generator makes beside each invoice. A stack with
``StoreSource=zoho`` (batching on) gets, for every Account, Contact, Vendor, Product and Invoice,
the notification its channel would POST for the record's creation (ids only; the body of
``local.zoho_crm.watch.Channels.notify``), each through the Zoho ingress's own decision and onto
its entity queue as ``bench.harness.enqueue`` pushes the other stores' histories. The sync reads
every record whole from the simulator's v8 API (an invoice's account too), as it reads a real
CRM, and books it in Xero. Quotes, sales orders and purchase orders are not pushed: this part
measures invoices (quotes and purchase orders are booked too, as Xero quotes and purchase orders,
but not measured here yet).

Counted: Xero calls by the sandbox (``bench.meters.XeroMeter``, as every part); Zoho API calls
and credits at the simulator (:class:`ZohoMeter`: the simulator charges a credit per API call that
passes its token check and limits, as its ``limits.py`` says; token requests to the accounts
server cost none), its 429s by code (``TOO_MANY_REQUESTS``: concurrency; ``LIMIT_EXCEEDED``:
credits), access tokens minted. Checked against the CRM: every invoice one Xero invoice at its
Grand_Total, every party one contact, every product one item.
"""

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.harness import Bench, enqueue
from bench.report import summarize
from bench.runs import Options
from local.chaos_zoho import settings_text
from local.zoho_crm import ZohoCRM
from local.zoho_crm.generate import populate
from local.zoho_crm.records import plain

PUSHED = ("Vendors", "Products", "Accounts", "Contacts", "Invoices")  # the modules booked, in the order made
PER_RECORD_MINUTES = 305  # the generator's mean gap between records: the history is laid out to end now


@dataclass
class ZohoCounts:
    calls: Counter[str] = field(default_factory=Counter)  # "GET Invoices/{id}" -> API calls answered
    credits: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # 429 code -> refusals


class ZohoMeter:
    """Counts what the simulator's API is asked: calls by operation (a wrapper of
    ``local.zoho_crm.server.api``, looked up per request), the credits its limits charge and the
    429s they answer (a wrapper of the organisation's ``limits.enter``). One CRM at a time."""

    def __init__(self, crm: ZohoCRM) -> None:
        from local.zoho_crm import server as module

        server: Any = module  # its handler is replaced for as long as the meter is installed
        self.counts = ZohoCounts()
        self._lock = threading.Lock()
        self._server, self._api = server, server.api
        self._limits, self._enter = crm.limits, crm.limits.enter
        meter, api, enter = self, server.api, crm.limits.enter

        def counted(crm_: Any, user: Any, method: str, path: str, *rest: Any) -> Any:
            parts = path.split("/")[3:]  # after "", "crm", "v8"
            name = "/".join("{id}" if p.isdigit() else p for p in parts)
            with meter._lock:
                meter.counts.calls[f"{method} {name}"] += 1
            return api(crm_, user, method, path, *rest)

        def charged(now: Any, cost: int = 1) -> Any:
            refused = enter(now, cost)
            with meter._lock:
                if refused is None:
                    meter.counts.credits += cost
                else:
                    meter.counts.refused[str(refused.get("code"))] += 1
            return refused

        server.api = counted
        crm.limits.enter = charged  # type: ignore[method-assign]  # the instance's, for the run

    def uninstall(self) -> None:
        self._server.api = self._api
        self._limits.enter = self._enter  # type: ignore[method-assign]

    def reset(self) -> None:
        with self._lock:
            self.counts = ZohoCounts()


@dataclass
class _Delivery:
    """A notification as the channel POSTs it (what ``bench.harness.enqueue`` decides on)."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def notification(crm: ZohoCRM, module: str, record: dict[str, Any], token: str) -> _Delivery:
    """The body the simulator's channel sends for one record's creation (``Channels.notify``)."""
    when = record["Modified_Time"]
    body = {
        "server_time": int(datetime.fromisoformat(when).timestamp() * 1000),
        "query_params": {},
        "module": module,
        "resource_uri": f"{crm.api_domain()}/crm/v2/{module}",
        "ids": [record["id"]],
        "affected_fields": [],
        "operation": "insert",
        "channel_id": "1000000068001",
        "token": token,
    }
    return _Delivery(json.dumps(plain(body)).encode())


def run(*, invoices: int, seed: int, options: Options, stamp: str = "", log: Any = print) -> dict[str, Any]:
    name = f"bench-zoho-{stamp or time.strftime('%H%M%S')}"
    bench = Bench(
        name,
        scale=options.scale,
        batching=True,
        validate=None if options.validate else False,
        minute_limit=options.minute_limit,
        day_limit=options.day_limit,
        start_at_midnight=True,
        source="zoho",
    )
    crm = ZohoCRM(dc="eu", edition="enterprise", users=10).start()  # 60,000 credits a day, 20 calls in flight
    meter = ZohoMeter(crm)
    try:
        accounts = max(4, invoices // 4)
        expected = accounts * 3 + max(2, accounts // 3) + invoices * 4
        start = crm.now() - timedelta(minutes=PER_RECORD_MINUTES * expected)
        history = populate(crm, seed=seed, start=start, accounts=accounts, documents=invoices)
        records = {m: [crm.store.get(m, i) for i in history.ids.get(m, [])] for m in PUSHED}
        token = secrets.token_urlsafe(30)
        client = crm.accounts.client
        credentials = {
            "data_centre": crm.dc,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "refresh_token": crm.refresh_token(),
            "accounts_server": f"{crm.url}/accounts/{{dc}}",
        }
        bench.start(settings_text(bench.org), token, store_api=json.dumps(credentials))
        deliveries = [notification(crm, m, r, token) for m in PUSHED for r in records[m] if r is not None]
        counted = {m: len(records[m]) for m in PUSHED}
        log(f"  {name}: {counted} CRM records (and {sum(len(v) for v in history.ids.values()):,} in all); pushing")
        minted = crm.accounts.minted
        started = bench.begin()
        meter.reset()
        wall = time.monotonic()
        with bench.stack.hold_pollers():  # a push lands before the drain starts (bench/README.md)
            statuses = enqueue(bench.stack, "zoho", deliveries, token)
        pushed = time.monotonic() - wall
        log(f"  {name}: pushed in {pushed:.0f} s; draining (clock x{options.scale:g})")
        drained = bench.wait_drained(options.timeout)
        figures = bench.figures(name, len(deliveries), started, pushed, drained, statuses)
        zoho = meter.counts
        log(f"  {name}: drained={drained} in {figures.wall_seconds:.0f} s wall, {figures.sim_seconds:.0f} s simulated")
        summary = summarize(
            figures,
            usable_minute=options.limits.usable_minute,
            usable_day=options.limits.usable_day,
            full_orders=len(deliveries),
        )
        n = len(deliveries)
        calls = summary["xero"]["calls"]
        zoho_calls = sum(zoho.calls.values())
        return {
            "crm_records": counted,
            "crm_records_pushed": n,
            "crm_records_in_all": {m: len(v) for m, v in history.ids.items()},
            "xero_calls": calls,
            "xero_calls_per_record": calls / n if n else None,
            "xero_calls_per_invoice": calls / counted["Invoices"] if counted["Invoices"] else None,
            "xero_429s": summary["xero"]["rejected_429"],
            "zoho_calls": zoho_calls,
            "zoho_calls_by_operation": dict(sorted(zoho.calls.items())),
            "zoho_credits": zoho.credits,
            "zoho_credits_per_record": zoho.credits / n if n else None,
            "zoho_429s": dict(zoho.refused),
            "zoho_tokens_minted": crm.accounts.minted - minted,
            "drain_wall_seconds": summary["drain"]["wall_seconds"],
            "drain_simulated_seconds": summary["drain"]["simulated_seconds"],
            "check": check(crm, records, bench),
            "summary": summary,
        }
    finally:
        meter.uninstall()
        bench.stop()
        crm.stop()


def check(crm: ZohoCRM, records: dict[str, list[Any]], bench: Bench) -> dict[str, Any]:
    """The organisation against the CRM: each invoice once at its Grand_Total, each party one
    contact, each product one item (counts of those that are, and those that are not)."""
    org = bench.org
    invoices = Counter(str(i.get("InvoiceNumber")) for i in org.invoices.values() if i["Status"] != "DELETED")
    totals = {str(i.get("InvoiceNumber")): Decimal(str(i["Total"])) for i in org.invoices.values()}
    numbers = Counter(str(c.get("ContactNumber")) for c in org.contacts.values())
    codes = Counter(str(i.get("Code")) for i in org.items.values())
    matched = Counter[str]()
    for record in records["Invoices"]:
        number = f"ZC-{record.get('Invoice_Number') or record['id']}"
        good = invoices[number] == 1 and totals[number] == Decimal(str(record["Grand_Total"]))
        matched["invoices" if good else "invoices_wrong"] += 1
    for module in ("Accounts", "Contacts", "Vendors"):
        for record in records[module]:
            matched["contacts" if numbers[f"{module}:{record['id']}"] == 1 else "contacts_wrong"] += 1
    for record in records["Products"]:
        matched["items" if codes[str(record.get("Product_Code"))] == 1 else "items_wrong"] += 1
    return dict(matched)


def table(result: dict[str, Any]) -> str:
    if not result or "error" in result:
        return f"Zoho CRM: {result.get('error', 'not run') if result else 'not run'}"
    refused = result["zoho_429s"]
    rows = [
        ("Zoho CRM backfill", "", "target"),
        ("CRM records pushed", f"{result['crm_records_pushed']:,} {result['crm_records']}", ""),
        ("Xero calls per CRM record", f"{result['xero_calls_per_record']:.4f} ({result['xero_calls']:,} calls)", ""),
        ("  per invoice", f"{result['xero_calls_per_invoice']:.4f}", ""),
        ("Zoho credits per CRM record", f"{result['zoho_credits_per_record']:.3f} ({result['zoho_credits']:,})", ""),
        ("429s: Xero / Zoho", f"{result['xero_429s']} / {sum(refused.values())} {refused or ''}".rstrip(), "0 / 0"),
        ("Zoho access tokens minted", str(result["zoho_tokens_minted"]), "<= 10 in 10 min"),
        ("drain: simulated / wall", f"{result['drain_simulated_seconds']:.0f} s / "
                                    f"{result['drain_wall_seconds']:.0f} s", ""),
        ("checked against the CRM", str(result["check"]), "no *_wrong"),
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows)
