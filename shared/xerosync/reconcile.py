"""The scheduled reconciliation: what the store's webhooks missed reaches Xero anyway.

WooCommerce delivers each webhook once, never retries, and disables a webhook after 7 failures
in a row (research/store.md 1.2). So on a schedule (the stack parameter ReconcileSchedule) this:

1. checks the store's webhooks to this stack and repairs them (:mod:`xerosync.store_webhooks`);
2. lists the store's orders and products (variations included) modified since its watermark,
   minus a small overlap, and the customers registered since then (WooCommerce cannot list
   customers by modification date, so changed customers are found by a full sweep every
   ``reconcile.customer_sweep_hours``, comparing each customer's date with the mapping table);
3. compares each record with the mapping table and enqueues the ones that are missing from
   Xero or whose store state is newer than the one synced, on the same queues and in the same
   envelope as a webhook (:mod:`xerosync.envelopes`): one sync path;
4. moves the watermark forward only past what it enqueued (or found in step): a record it did
   not get to, or that SQS refused, keeps the watermark before it, so the next run sees it again.

The first run starts at the install time (when the store's first webhook to this stack was
created): history moves only when asked (``xerosync push``).

Everything here is pure but :func:`run`'s calls through its ports; the dates compared are the
store's own (``date_modified_gmt``), so a clock difference between the store and AWS never loses
a record.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from xerosync import store_webhooks
from xerosync.config import CANCELLED_STATUSES, StoreSettings
from xerosync.envelopes import Message, store_message
from xerosync.store_webhooks import StoreWebhooks, WebhookAction, store_time
from xerosync.sync.ports import Mapping
from xerosync.webhooks import DRAFT_ORDER_STATUSES
from xerosync.xero.payloads import item_code

ONE_SECOND = timedelta(seconds=1)
DONE_STATES = ("voided", "deleted", "credited")


class Store(StoreWebhooks, Protocol):
    def records(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]: ...


class MappingReader(Protocol):
    def get(self, key: str) -> Mapping | None: ...


class Sender(Protocol):
    def __call__(self, messages: list[Message]) -> set[str]:
        """Enqueue ``messages``; returns the keys of those that could not be enqueued."""
        ...


# --- what needs syncing (pure) ---------------------------------------------------------------
def iso(moment: datetime) -> str:
    """A watermark as WooCommerce's date filters take it (UTC, whole seconds, no zone)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def stale(known: Mapping | None, modified: Any) -> bool:
    """True when the store state (``date_modified_gmt``) is newer than the one the mapping synced."""
    if known is None:
        return True
    synced, current = store_time(known.source_modified), store_time(modified)
    if synced is None or current is None:
        return synced is None and current is not None
    return current > synced


def order_reason(order: dict[str, Any], known: Mapping | None, settings: StoreSettings) -> str | None:
    """Why ``order`` must be enqueued ("missing", "stale", "cancelled", "trashed"), or None."""
    if not settings.sync.orders:
        return None
    status = str(order.get("status", ""))
    if status in DRAFT_ORDER_STATUSES:
        return None
    state = known.data.get("state", "open") if known else None
    if status == "trash":
        return "trashed" if known is not None and state not in DONE_STATES else None
    if status in CANCELLED_STATUSES:
        return "cancelled" if known is not None and state not in DONE_STATES else None
    if known is None:
        if settings.order_statuses.get(status, "skip") == "skip":
            return None  # the sync would skip it too
        if _amount(order.get("total")) == 0 and not settings.zero_total_orders:
            return None
        return "missing"
    return "stale" if stale(known, order.get("date_modified_gmt")) else None


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except ArithmeticError:
        return Decimal(0)


def customer_reason(customer: dict[str, Any], known: Mapping | None, settings: StoreSettings) -> str | None:
    if not settings.sync.customers:
        return None
    if known is None:
        return "missing"
    return "stale" if stale(known, customer.get("date_modified_gmt")) else None


def product_reason(product: dict[str, Any], known: Mapping | None, settings: StoreSettings) -> str | None:
    if not settings.sync.products or product.get("type") == "variable" or product.get("status") == "trash":
        return None  # a variable product is sold as its variations; a trashed one keeps its item
    if item_code(str(product.get("sku") or "").strip() or None, settings).code is None:
        return None  # no SKU (or one too long to keep): no Xero item
    if known is None:
        return "missing"
    return "stale" if stale(known, product.get("date_modified_gmt")) else None


def advance(old: datetime, handled: Iterable[datetime], unhandled: Iterable[datetime]) -> datetime:
    """The new watermark: past every record handled (enqueued or found in step), but a second
    short of the earliest record that was not (WooCommerce's ``modified_after`` excludes its
    bound and compares whole seconds, so the next run lists that record again). Never back."""
    pending = list(unhandled)
    if pending:
        return max(old, min(pending).replace(microsecond=0) - ONE_SECOND)
    return max([old, *handled])


# --- the run ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    resource: str  # order | product | customer
    record: dict[str, Any]
    at: datetime | None  # the store time the watermark arithmetic uses (modified, or registered)

    @property
    def key(self) -> str:
        return f"{'product' if self.resource == 'variation' else self.resource}:{self.record.get('id')}"


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


def _listing(
    store: Store, resource: str, params: dict[str, Any], deadline: Callable[[], bool], report: Report, label: str
) -> Iterator[dict[str, Any]]:
    """Every record of a listing, counted; stops (and marks the run incomplete) at the deadline."""
    for record in store.records(resource, params):
        report.listed[label] = report.listed.get(label, 0) + 1
        yield record
        if deadline():
            report.complete = False
            return


def run(
    *,
    store: Store,
    send: Sender,
    mappings: MappingReader,
    settings: StoreSettings,
    store_url: str,
    webhook_url: str,
    webhook_secret: Callable[[], str],
    state: dict[str, Any],
    now: datetime,
    deadline: Callable[[], bool] = lambda: False,
) -> Report:
    """One reconciliation. ``state`` (the job's memory) is updated in place."""
    options = settings.reconcile
    report = Report(started_at=now.isoformat(timespec="seconds"), watermark_before=str(state.get("watermark", "")))
    reenabled: dict[str, str] = dict(state.get("reenabled") or {})

    hooks: list[dict[str, Any]] = []
    if options.webhooks or "watermark" not in state:
        try:
            hooks = store.webhooks()
        except Exception as exc:
            report.errors.append(f"listing the store's webhooks failed: {exc}")
    if options.webhooks and not report.errors and webhook_url:
        actions = store_webhooks.plan(hooks, webhook_url, store_webhooks.wanted_topics(settings), reenabled, now)
        if any(a.repair for a in actions):
            secret = webhook_secret()
            report.webhooks, created = store_webhooks.apply(actions, store, webhook_url, secret, reenabled, now)
            hooks = hooks + created
        else:
            report.webhooks = actions
    state["reenabled"] = reenabled

    if "watermark" not in state:
        # the first run: from the install time on, never history (that is `xerosync push`)
        installed = store_webhooks.install_time(hooks, webhook_url) or now
        state["watermark"] = iso(installed)
        state["installed_at"] = iso(installed)
        state.setdefault("customers_mark", iso(installed))
        report.initialised = True
    watermark = store_time(state["watermark"]) or now
    since = watermark - timedelta(seconds=options.overlap_seconds)
    window = {"modified_after": iso(since), "dates_are_gmt": "true", "orderby": "id", "order": "asc"}

    candidates: list[Candidate] = []
    try:
        if settings.sync.orders:
            for status in ("any", "trash"):
                for order in _listing(store, "orders", {**window, "status": status}, deadline, report, "orders"):
                    candidates.append(Candidate("order", order, store_time(order.get("date_modified_gmt"))))
        if settings.sync.products and report.complete:
            for product in _listing(store, "products", window, deadline, report, "products"):
                candidates.append(Candidate("product", product, store_time(product.get("date_modified_gmt"))))
            # a variation's change need not touch its product's date: every variable product's
            # variations modified since the watermark are listed (one call per variable product)
            variable = {"type": "variable", "orderby": "id", "order": "asc"}
            parents = [int(p["id"]) for p in _listing(store, "products", variable, deadline, report, "variable")]
            for parent in parents if report.complete else []:
                for variation in _listing(
                    store, f"products/{parent}/variations", window, deadline, report, "variations"
                ):
                    at = store_time(variation.get("date_modified_gmt"))
                    candidates.append(Candidate("variation", variation, at))
        if settings.sync.customers and report.complete:
            registered = {"orderby": "registered_date", "order": "desc"}
            for customer in _listing(store, "customers", registered, deadline, report, "customers"):
                registered_at = store_time(customer.get("date_created_gmt"))
                if registered_at is not None and registered_at <= since:
                    break  # newest first: everyone after this registered before the window
                candidates.append(Candidate("customer", customer, registered_at))
    except Exception as exc:
        report.errors.append(f"listing the store failed: {exc}")
        report.complete = False

    handled, unhandled = _enqueue(candidates, send, mappings, settings, store_url, options.max_records, report)
    if report.complete:
        state["watermark"] = iso(advance(watermark, handled, unhandled))
    report.watermark_after = state["watermark"]

    if settings.sync.customers and options.customer_sweep_hours and not deadline():
        _sweep_customers(store, send, mappings, settings, store_url, state, now, deadline, report)
    state["last_run"] = report.summary()
    return report


def _enqueue(
    candidates: list[Candidate],
    send: Sender,
    mappings: MappingReader,
    settings: StoreSettings,
    store_url: str,
    limit: int,
    report: Report,
    origin: str = "reconcile",
) -> tuple[list[datetime], list[datetime]]:
    """Decide and enqueue; returns the store times of the records handled and of those not."""
    reasons = {"order": order_reason, "product": product_reason, "variation": product_reason}
    reasons["customer"] = customer_reason
    handled: list[datetime] = []
    unhandled: list[datetime] = []
    pending: list[tuple[Candidate, Message, str]] = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.key in seen:
            if candidate.at:
                handled.append(candidate.at)
            continue
        seen.add(candidate.key)
        why = reasons[candidate.resource](candidate.record, mappings.get(candidate.key), settings)
        message = None
        if why:
            message = store_message(candidate.resource, candidate.record, store_url=store_url, origin=origin)
        if message is None:
            report.in_step += 1
            if candidate.at:
                handled.append(candidate.at)
        elif len(pending) >= limit:
            if candidate.at:
                unhandled.append(candidate.at)
        else:
            pending.append((candidate, message, why or ""))
    refused = send([m for _, m, _ in pending]) if pending else set()
    for candidate, message, why in pending:
        if message.key in refused:
            report.not_sent.append(message.key)
            if candidate.at:
                unhandled.append(candidate.at)
        else:
            report.enqueued.append((message.key, why))
            if candidate.at:
                handled.append(candidate.at)
    return handled, unhandled


def _sweep_customers(
    store: Store,
    send: Sender,
    mappings: MappingReader,
    settings: StoreSettings,
    store_url: str,
    state: dict[str, Any],
    now: datetime,
    deadline: Callable[[], bool],
    report: Report,
) -> None:
    """Every ``customer_sweep_hours``: every customer, for the changes no listing by date can find."""
    last = store_time(state.get("customers_swept_at"))
    if last is not None and now - last < timedelta(hours=settings.reconcile.customer_sweep_hours):
        return
    mark = store_time(state.get("customers_mark")) or store_time(state.get("installed_at")) or now
    since = mark - timedelta(seconds=settings.reconcile.overlap_seconds)
    sweep = Report(started_at=report.started_at, watermark_before=iso(mark))
    already = {key for key, _ in report.enqueued}  # new customers this run enqueued already
    candidates = []
    try:
        for customer in _listing(store, "customers", {"orderby": "id", "order": "asc"}, deadline, sweep, "customers"):
            modified = store_time(customer.get("date_modified_gmt"))
            if modified is not None and modified > since:  # changed since the last sweep (or since install)
                candidate = Candidate("customer", customer, modified)
                if candidate.key not in already:
                    candidates.append(candidate)
    except Exception as exc:
        report.errors.append(f"sweeping the store's customers failed: {exc}")
        return
    handled, unhandled = _enqueue(
        candidates, send, mappings, settings, store_url, settings.reconcile.max_records, sweep, "reconcile-sweep"
    )
    report.enqueued.extend(sweep.enqueued)
    report.not_sent.extend(sweep.not_sent)
    report.in_step += sweep.in_step
    report.listed["customers (sweep)"] = sweep.listed.get("customers", 0)
    if sweep.complete:
        state["customers_mark"] = iso(advance(mark, handled, unhandled))
        if not unhandled:
            state["customers_swept_at"] = iso(now)
        report.customers_swept = True
