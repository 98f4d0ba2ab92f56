"""The scheduled reconciliation: what the store's webhooks missed reaches Xero anyway.

A store may deliver each webhook once, never retry it, and switch a webhook off after repeated
failed deliveries (WooCommerce, for one, does all three). So on a schedule (the stack parameter
ReconcileSchedule) this:

1. checks the store's webhooks to this stack and repairs them
   (:meth:`xerosync.sources.port.StoreClient.subscriptions`);
2. lists the store's records changed since its watermark, minus a small overlap
   (:meth:`~xerosync.sources.port.StoreClient.changed_since`). A store that cannot list customers
   by their changes lists new ones only; its changed customers are found by a full sweep every
   ``reconcile.customer_sweep_hours``, comparing each customer's time with the mapping table;
3. reads each record into the domain (the store's adapter) and compares it with the mapping
   table, enqueueing the ones that are missing from Xero, whose store state is newer than the one
   synced, or that were cancelled or deleted since, on the same queues and in the same envelope
   as a webhook (the adapter's :meth:`~xerosync.sources.port.StoreSource.message`): one sync path;
4. moves the watermark forward only past what it enqueued (or found in step): a record it did
   not get to, or that SQS refused, keeps the watermark before it, so the next run sees it again.

The first run starts at the install time (when the store's first webhook to this stack was
created): history moves only when asked (``xerosync push``).

Everything here is pure but :func:`run`'s calls through its ports; the times compared are the
store's own, so a clock difference between the store and AWS never loses a record.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from xerosync.config import StoreSettings
from xerosync.domain import Product, Sale
from xerosync.envelopes import Message
from xerosync.frozen import frozen
from xerosync.sources.port import Found, Kind, StoreClient, StoreSource, WebhookAction
from xerosync.sync.policy import plan_sale
from xerosync.sync.ports import DONE_STATES, Mapping
from xerosync.timestamps import store_time
from xerosync.xero.payloads import item_code

ONE_SECOND = timedelta(seconds=1)


class MappingReader(Protocol):
    def get(self, key: str) -> Mapping | None: ...


class Sender(Protocol):
    def __call__(self, messages: list[Message]) -> set[str]:
        """Enqueue ``messages``; returns the keys of those that could not be enqueued."""
        ...


# --- what needs syncing (pure) ---------------------------------------------------------------
def iso(moment: datetime) -> str:
    """A watermark as the job's state keeps it (UTC, whole seconds, no zone)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def stale(known: Mapping | None, modified: Any) -> bool:
    """True when the store state (its modification time) is newer than the one the mapping synced."""
    if known is None:
        return True
    synced, current = store_time(known.source_modified), store_time(modified)
    if synced is None or current is None:
        return synced is None and current is not None
    return current > synced


def synced_kinds(settings: StoreSettings) -> set[Kind]:
    """The kinds of record the settings sync."""
    on: dict[Kind, bool] = {
        "order": settings.sync.orders,
        "product": settings.sync.products,
        "customer": settings.sync.customers,
    }
    return {kind for kind, wanted in on.items() if wanted}


def _closed(known: Mapping | None) -> bool:
    """Whatever was booked for the sale is off the books already (or never was)."""
    return known is None or known.invoice.state in DONE_STATES


def order_reason(sale: Sale, known: Mapping | None, settings: StoreSettings) -> str | None:
    """Why ``sale`` must be enqueued ("missing", "stale", "cancelled"), or None."""
    if not settings.sync.orders:
        return None
    plan = plan_sale(sale, settings)
    if plan.action == "cancel":
        return None if _closed(known) else "cancelled"
    if known is None:
        return "missing" if plan.action == "invoice" else None  # else the sync would skip it too
    return "stale" if stale(known, sale.modified_at) else None


def gone_reason(known: Mapping | None, settings: StoreSettings) -> str | None:
    """Why a sale deleted in the store must be enqueued ("trashed": its documents come off), or None."""
    return "trashed" if settings.sync.orders and not _closed(known) else None


def customer_reason(known: Mapping | None, settings: StoreSettings, modified: Any) -> str | None:
    if not settings.sync.customers:
        return None
    if known is None:
        return "missing"
    return "stale" if stale(known, modified) else None


def product_reason(product: Product, known: Mapping | None, settings: StoreSettings, modified: Any) -> str | None:
    if not settings.sync.products or not product.sellable or product.deleted:
        return None  # sold only as its variants, or deleted: no item of its own to write
    if item_code(product.sku, settings).code is None:
        return None  # no SKU (or one too long to keep): no Xero item
    if known is None:
        return "missing"
    return "stale" if stale(known, modified) else None


def reason(found: Found, known: Mapping | None, settings: StoreSettings, source: StoreSource) -> str | None:
    """Why the record ``found`` must be enqueued, decided on the domain's terms, or None."""
    if found.kind == "order" and found.gone:
        return gone_reason(known, settings)
    if found.gone:
        return None  # a deleted customer or product: Xero keeps its contact or item
    if found.kind == "customer":
        return customer_reason(known, settings, found.changed_at)
    if found.kind == "order" and not settings.sync.orders:
        return None
    try:
        record = source.read(found.kind, found.raw, settings)
    except ValueError:
        # the sync reads it the same way: enqueued, it fails there and the sync log says why
        return "missing" if known is None else ("stale" if stale(known, found.changed_at) else None)
    if isinstance(record, Sale):
        return order_reason(record, known, settings)
    if isinstance(record, Product):
        return product_reason(record, known, settings, found.changed_at)
    return None


def advance(old: datetime, handled: Iterable[datetime], unhandled: Iterable[datetime]) -> datetime:
    """The new watermark: past every record handled (enqueued or found in step), but a second
    short of the earliest record that was not (listings by modification time may exclude their
    bound and compare whole seconds, so the next run lists that record again). Never back."""
    pending = list(unhandled)
    if pending:
        return max(old, min(pending).replace(microsecond=0) - ONE_SECOND)
    return max([old, *handled])


# --- the run ---------------------------------------------------------------------------------
@dataclass
class Report:
    started_at: str
    watermark_before: str
    watermark_after: str = ""
    initialised: bool = False
    listed: dict[str, int] = field(default_factory=dict)
    complete: bool = True  # every listing read to its end
    enqueued: list[tuple[str, str]] = field(default_factory=list)  # (record, why)
    in_step: int = 0
    not_sent: list[str] = field(default_factory=list)
    webhooks: list[WebhookAction] = field(default_factory=list)
    customers_swept: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "at": self.started_at,
            "watermark": self.watermark_after,
            "initialised": self.initialised,
            "listed": self.listed,
            "complete": self.complete,
            "enqueued": len(self.enqueued),
            "in_step": self.in_step,
            "not_sent": len(self.not_sent),
            "webhooks": [f"{a.topic}: {a.action}" + (f" ({a.detail})" if a.detail else "") for a in self.webhooks],
            "customers_swept": self.customers_swept,
            "errors": self.errors,
        }


def _listing(records: Iterable[Found], deadline: Callable[[], bool], report: Report, into: list[Found]) -> None:
    """Every record of a listing into ``into``, counted by its label; stops (and marks the run
    incomplete) at the deadline. What was listed before a failure stays listed."""
    for record in records:
        report.listed[record.label] = report.listed.get(record.label, 0) + 1
        into.append(record)
        if deadline():
            report.complete = False
            return


@frozen
class Ports:
    """What one run works with: the store, its adapter, the queues, the mapping table, the settings."""

    store: StoreClient
    source: StoreSource
    send: Sender
    mappings: MappingReader
    settings: StoreSettings


def run(
    *,
    store: StoreClient,
    source: StoreSource,
    send: Sender,
    mappings: MappingReader,
    settings: StoreSettings,
    webhook_url: str,
    webhook_secret: Callable[[], str],
    state: dict[str, Any],
    now: datetime,
    deadline: Callable[[], bool] = lambda: False,
) -> Report:
    """One reconciliation. ``state`` (the job's memory) is updated in place."""
    options = settings.reconcile
    ports = Ports(store, source, send, mappings, settings)
    report = Report(started_at=now.isoformat(timespec="seconds"), watermark_before=str(state.get("watermark", "")))
    reenabled: dict[str, Any] = dict(state.get("reenabled") or {})
    kinds = synced_kinds(settings)

    installed: datetime | None = None
    if options.webhooks or "watermark" not in state:
        try:
            subscriptions = store.subscriptions(
                webhook_url, webhook_secret, kinds, memory=reenabled, now=now, repair=options.webhooks
            )
            report.webhooks, installed = subscriptions.actions, subscriptions.installed_at
        except Exception as exc:
            report.errors.append(f"listing the store's webhooks failed: {exc}")
    state["reenabled"] = reenabled

    if "watermark" not in state:
        # the first run: from the install time on, never history (that is `xerosync push`)
        installed = installed or now
        state["watermark"] = iso(installed)
        state["installed_at"] = iso(installed)
        state.setdefault("customers_mark", iso(installed))
        report.initialised = True
    watermark = store_time(state["watermark"]) or now
    since = watermark - timedelta(seconds=options.overlap_seconds)

    candidates: list[Found] = []
    try:
        if kinds:
            _listing(store.changed_since(since, kinds), deadline, report, candidates)
    except Exception as exc:
        report.errors.append(f"listing the store failed: {exc}")
        report.complete = False

    handled, unhandled = _enqueue(candidates, ports, options.max_records, report)
    if report.complete:
        state["watermark"] = iso(advance(watermark, handled, unhandled))
    report.watermark_after = state["watermark"]

    sweep = settings.sync.customers and options.customer_sweep_hours and not source.lists_customer_changes
    if sweep and not deadline():
        _sweep_customers(ports, state, now, deadline, report)
    state["last_run"] = report.summary()
    return report


def _enqueue(
    candidates: list[Found], ports: Ports, limit: int, report: Report, origin: str = "reconcile"
) -> tuple[list[datetime], list[datetime]]:
    """Decide and enqueue; returns the store times of the records handled and of those not."""
    handled: list[datetime] = []
    unhandled: list[datetime] = []
    pending: list[tuple[Found, Message, str]] = []
    seen: set[str] = set()
    for found in candidates:
        if found.key in seen:
            if found.at:
                handled.append(found.at)
            continue
        seen.add(found.key)
        why = reason(found, ports.mappings.get(found.key), ports.settings, ports.source)
        message = None
        if why:
            try:
                message = ports.source.message(found, store=ports.store.url, origin=origin)
            except (ValueError, KeyError, TypeError) as exc:
                # a record the source cannot make a message of: said in the run's errors (the sync
                # log), and passed, so that it never holds the others (or the watermark) back
                report.errors.append(f"{found.key} could not be enqueued: {exc}")
                if found.at:
                    handled.append(found.at)
                continue
        if message is None:
            report.in_step += 1
            if found.at:
                handled.append(found.at)
        elif len(pending) >= limit:
            if found.at:
                unhandled.append(found.at)
        else:
            pending.append((found, message, why or ""))
    refused = ports.send([m for _, m, _ in pending]) if pending else set()
    for found, message, why in pending:
        if message.key in refused:
            report.not_sent.append(message.key)
            if found.at:
                unhandled.append(found.at)
        else:
            report.enqueued.append((message.key, why))
            if found.at:
                handled.append(found.at)
    return handled, unhandled


def _sweep_customers(
    ports: Ports, state: dict[str, Any], now: datetime, deadline: Callable[[], bool], report: Report
) -> None:
    """Every ``customer_sweep_hours``: every customer, for the changes no listing by date can find."""
    options = ports.settings.reconcile
    last = store_time(state.get("customers_swept_at"))
    if last is not None and now - last < timedelta(hours=options.customer_sweep_hours):
        return
    mark = store_time(state.get("customers_mark")) or store_time(state.get("installed_at")) or now
    since = mark - timedelta(seconds=options.overlap_seconds)
    sweep = Report(started_at=report.started_at, watermark_before=iso(mark))
    already = {key for key, _ in report.enqueued}  # new customers this run enqueued already
    listed: list[Found] = []
    try:
        _listing(ports.store.customers(), deadline, sweep, listed)
    except Exception as exc:
        report.errors.append(f"sweeping the store's customers failed: {exc}")
        return
    candidates = []
    for customer in listed:
        modified = customer.changed_at
        if modified is not None and modified > since and customer.key not in already:
            # changed since the last sweep (or since install); timed by that change
            candidates.append(replace(customer, at=modified))
    handled, unhandled = _enqueue(candidates, ports, options.max_records, sweep, "reconcile-sweep")
    report.enqueued.extend(sweep.enqueued)
    report.not_sent.extend(sweep.not_sent)
    report.in_step += sweep.in_step
    report.listed["customers (sweep)"] = sweep.listed.get("customers", 0)
    if sweep.complete:
        state["customers_mark"] = iso(advance(mark, handled, unhandled))
        if not unhandled:
            state["customers_swept_at"] = iso(now)
        report.customers_swept = True
