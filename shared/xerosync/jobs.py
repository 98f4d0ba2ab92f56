"""The scheduled jobs (reconciliation, drift report, pull) and what they run on, wired from an
:class:`~xerosync.environment.Environment`: a function's own or, for the operator's command
line, a deployed stack's (``Environment.from_stack``).

The logic lives in :mod:`xerosync.reconcile`, :mod:`xerosync.drift` and :mod:`xerosync.pull`;
this module only builds their ports (DynamoDB, SQS, Secrets Manager and SSM through
``xerosync.aws``, the store's API through the adapter of the source the stack serves, the Xero
client), keeps the jobs' memory between runs, and writes what they did to the sync log.
"""

import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

from xerosync import documents, drift, pull, reconcile, sources
from xerosync.aws import parameters, queues, secrets
from xerosync.aws.jobstate import DynamoJobState, DynamoReverseLookup, DynamoSyncSwitch, StateConflict
from xerosync.aws.mappings import DynamoMappings
from xerosync.aws.synclog import LogEntry
from xerosync.config import StoreSettings, parse_settings
from xerosync.envelopes import Message
from xerosync.environment import Environment
from xerosync.sources.from_xero import creates_from_xero
from xerosync.sources.port import StoreClient, StoreSource, remembers_writes, write_back_of
from xerosync.sync import from_xero, writeback
from xerosync.sync.writeback import MappingMemory, ReverseLookup
from xerosync.timestamps import store_time
from xerosync.webhooks import by_reference
from xerosync.wiring import store_tokens, sync_log_from, xero_from
from xerosync.xero.client import XeroClient
from xerosync.xero.models import xero_date

RECONCILE = "reconcile"
PULL = "pull"
DRIFT_WAIT = timedelta(hours=14)  # a day is over everywhere (UTC-12) this long after it ends in UTC
LOGGED_RECORDS = 500  # per run, at most this many "enqueued" entries in the sync log (the rest counted)
JOB_BUDGET_WAIT = 90.0  # seconds a job's Xero call may wait for the shared minute budget (jobs have no queue)


class NotConfigured(RuntimeError):
    """Something the job needs has not been set up yet (its message says what)."""


class SyncStopped(NotConfigured):
    """The store said stop (the app was uninstalled, the shop erased): the jobs do nothing until
    ``xerosync resume`` (:mod:`xerosync.sync.privacy`)."""


class Job:
    """A store's stack, as the jobs and the operator's commands use it."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment.require("MAPPINGS_TABLE", "SETTINGS_PARAMETER")
        self.mappings = DynamoMappings(environment.mappings_table, lease_seconds=environment.record_lease_seconds)
        self.states = DynamoJobState(environment.mappings_table)
        self.journal = sync_log_from(environment)
        self.switch = DynamoSyncSwitch(environment.mappings_table)

    def check_running(self) -> None:
        """Raise :class:`SyncStopped` while the sync is stopped."""
        stopped = self.switch.stopped()
        if stopped is not None:
            raise SyncStopped(
                f"the sync is stopped since {stopped.since} ({stopped.reason}): "
                "xerosync resume --stack <stack> starts it again"
            )

    @cached_property
    def source(self) -> StoreSource:
        """The adapter of the store source the stack serves."""
        return sources.source(self.environment.store_source or sources.DEFAULT)

    @cached_property
    def settings(self) -> StoreSettings:
        name = self.environment.settings_parameter
        text = parameters.get_parameter(name)
        store = self.source
        return parse_settings(
            text, source=f"SSM parameter {name}", defaults=store.settings_defaults, check=store.check_settings
        )

    @cached_property
    def store(self) -> StoreClient:
        if not self.environment.store_secret_arn:
            raise NotConfigured("this stack has no StoreApiSecret")
        # read at each run, not from the process's cache: credentials the store renewed (a rotated
        # secret, stored by another container) are used by the next run, one call per run
        client = self.source.client(
            secrets.get_secret_json(self.environment.store_secret_arn, max_age=0), store_tokens(self.environment)
        )
        if client is None:
            raise NotConfigured(
                f"the store's API credentials are not set: put the {self.source.name} store's URL and API key "
                "in StoreApiSecret"
            )
        rememberer = remembers_writes(client)
        if rememberer is not None:
            rememberer.remember_writes_in(MappingMemory(self.mappings))  # knows its own writes coming back
        return client

    @cached_property
    def xero(self) -> XeroClient:
        return xero_from(self.environment, budget_wait=JOB_BUDGET_WAIT)

    def webhook_secret(self) -> str:
        if not self.environment.webhook_secret_arn:
            raise NotConfigured("this stack has no WebhookSecret")
        return secrets.get_secret_string(self.environment.webhook_secret_arn)

    def send(self, messages: list[Message]) -> set[str]:
        """Put ``messages`` on their queues; returns the keys SQS did not take. Never raises for a
        message: one too large for SQS goes as a reference (``webhooks.by_reference``), and a refused
        request costs only its own messages (the reconciliation then keeps its watermark before them)."""
        refused: set[str] = set()
        by_queue: dict[str, list[Message]] = {}
        for message in messages:
            by_queue.setdefault(message.queue, []).append(message)
        for queue, batch in by_queue.items():
            url = self.environment.queue_urls.get(queue)
            if not url:
                refused.update(m.key for m in batch)
                continue
            failed = queues.send_batch(url, [(m.key, by_reference(m.body), {"record": m.key}) for m in batch])
            refused.update(failed)
        return refused

    def log(self, entries: list[LogEntry]) -> None:
        if self.journal is not None:
            for entry in entries:
                self.journal.write(entry)

    def note_quota(self, state: dict[str, Any], now: datetime) -> None:
        """Remember the quota Xero last reported to this job (for ``xerosync status``)."""
        if "xero" not in self.__dict__:  # this run never called Xero
            return
        rate = self.xero.last_rate
        if rate.day_remaining is not None:
            state["xero_quota"] = {
                "day_remaining": rate.day_remaining,
                "minute_remaining": rate.minute_remaining,
                "at": now.isoformat(timespec="seconds"),
            }


# --- the reconciliation --------------------------------------------------------------------------
def drift_day_due(now: datetime, state: dict[str, Any]) -> date | None:
    """The day whose drift report is due (once every time zone has finished it), if not done yet."""
    day = (now.astimezone(UTC) - DRIFT_WAIT).date() - timedelta(days=1)
    return None if state.get("drift_day", "") >= day.isoformat() else day


def reconcile_job(
    job: Job, *, now: datetime | None = None, deadline: Callable[[], bool] = lambda: False, lease_seconds: float = 900
) -> reconcile.Report | None:
    """One scheduled reconciliation (None when another run holds the lease)."""
    now = now or datetime.now(UTC)
    job.check_running()  # stopped: the watermark stays where it was, so a resumed run catches up
    token = uuid.uuid4().hex
    if not job.states.acquire(RECONCILE, token, lease_seconds):
        return None
    try:
        state, version = job.states.load(RECONCILE)
        settings = job.settings
        result = reconcile.run(
            store=job.store,
            source=job.source,
            send=job.send,
            mappings=job.mappings,
            settings=settings,
            webhook_url=job.environment.webhook_url,
            webhook_secret=job.webhook_secret,
            state=state,
            now=now,
            deadline=deadline,
        )
        day = drift_day_due(now, state) if settings.reconcile.drift else None
        installed = store_time(state.get("installed_at"))
        if day is not None and installed is not None and day < installed.date():
            state["drift_day"] = day.isoformat()  # before xerosync was installed: nothing of ours to compare
        elif day is not None and not deadline():
            try:
                report = drift_job(job, day, fix=True, since=installed)
                state["drift_day"] = day.isoformat()
                state["last_drift"] = {
                    "day": day.isoformat(),
                    "summary": report.summary(),
                    "fixable": len(report.fixable),
                    "reported": len(report.reported),
                }
            except Exception as exc:  # the report waits for the next run; the reconciliation stands
                result.errors.append(f"drift report of {day} failed: {exc}")
        job.note_quota(state, now)
        state["last_run"] = result.summary()
        try:
            job.states.save(RECONCILE, state, version)
        except StateConflict as exc:
            result.errors.append(str(exc))
        job.log(_reconcile_entries(result))
        return result
    finally:
        job.states.release(RECONCILE, token)


def _reconcile_entries(result: reconcile.Report) -> list[LogEntry]:
    entries = [
        LogEntry(key=key, outcome="enqueued", action="reconcile", reason=f"{why}: enqueued by the reconciliation")
        for key, why in result.enqueued[:LOGGED_RECORDS]
    ]
    entries += [
        LogEntry(key=key, outcome="retrying", action="reconcile", reason="SQS did not take it; the next run will")
        for key in result.not_sent[:LOGGED_RECORDS]
    ]
    entries += [
        LogEntry(
            key=f"webhook:{a.topic}",
            outcome="failed" if a.action == "failed" else "repaired",
            action=a.action,
            reason=f"store webhook {a.webhook_id or '(new)'}: {a.detail}",
        )
        for a in result.webhooks
        if a.repair or a.action == "failed"  # a paused one is the merchant's choice: status shows it
    ]
    summary = result.summary()
    reason = (
        f"listed {summary['listed']}, enqueued {summary['enqueued']}, in step {summary['in_step']}, "
        f"watermark {summary['watermark']}" + ("; " + "; ".join(result.errors) if result.errors else "")
    )
    entries.append(LogEntry(key="job:reconcile", outcome="failed" if result.errors else "reconciled", reason=reason))
    return entries


# --- the drift report ----------------------------------------------------------------------------
def drift_job(job: Job, day: date, *, fix: bool, since: datetime | None = None) -> drift.DayReport:
    """The drift report of ``day`` (its orders created ``since`` then, when given). With ``fix``:
    fixable differences re-enqueued, and the report written to the sync log."""
    if fix:
        job.check_running()
    settings = job.settings
    organisation = job.xero.organisation()
    locks = [xero_date(organisation.get(k)) for k in ("PeriodLockDate", "EndOfYearLockDate")]
    lock_date = max((d for d in locks if d is not None), default=None)
    report = drift.report(
        day,
        store=job.store,
        source=job.source,
        xero=job.xero,
        mappings=job.mappings,
        settings=settings,
        lock_date=lock_date,
        since=since,
    )
    if not fix:
        return report
    keys = sorted({d.key for d in report.fixable})
    messages: list[Message] = []
    for key in keys:
        found = job.store.fetch("order", documents.sale_id(key))
        message = job.source.message(found, store=job.store.url, origin=f"drift:{day}")
        if message is not None:
            messages.append(message)
    refused = job.send(messages) if messages else set()
    entries = [
        LogEntry(
            key=d.key,
            outcome="drift",
            action="re-enqueued" if d.fixable and d.key not in refused else "reported",
            reason=f"{day}: {d.describe()}",
        )
        for d in report.differences
    ]
    entries.append(LogEntry(key=f"drift:{day}", outcome="drift-report", reason=report.summary()))
    entries += _settlement_drift(job, day)
    job.log(entries)
    return report


def _settlement_drift(job: Job, day: date) -> list[LogEntry]:
    """The settlements issued on ``day`` against their Xero documents (when the store has any)."""
    from xerosync.settlement_drift import report
    from xerosync.sources.port import settlements_of

    store = settlements_of(job.store) if job.settings.settlements.enabled else None
    if store is None:
        return []
    start = datetime.combine(day, datetime.min.time(), UTC)
    try:
        found = report(store, job.mappings, job.xero, start, start + timedelta(days=1))
    except Exception as exc:  # the orders' report stands; this part waits for the next day's run
        return [LogEntry(key=f"drift:{day}:settlements", outcome="failed", reason=f"{type(exc).__name__}: {exc}")]
    entries = [
        LogEntry(key=d.key, outcome="drift", action="reported", reason=f"{day}: {d.describe()}")
        for d in found.differences
    ]
    entries.append(LogEntry(key=f"drift:{day}:settlements", outcome="drift-report", reason=found.summary()))
    return entries


# --- the pull ------------------------------------------------------------------------------------
def pull_job(job: Job, *, now: datetime | None = None, apply: bool = True) -> pull.PullReport:
    now = now or datetime.now(UTC)
    job.check_running()
    settings = job.settings
    report = pull.run(store=job.store, xero=job.xero, settings=settings, apply=apply)
    if not apply:
        return report
    state, version = job.states.load(PULL)
    caught = write_back_catch_up(job, settings, state, now)
    made = from_xero_catch_up(job, settings, state, now)
    if caught is not None:
        report.notes.append(
            f"written back: {caught.count('updated')} of {caught.read} Xero document(s) changed since "
            f"{state['write_back_watermark']}" + (f", {len(caught.failed)} failed" if caught.failed else "")
        )
    state["last_run"] = {"at": now.isoformat(timespec="seconds"), **report.summary()}
    job.note_quota(state, now)
    with contextlib.suppress(StateConflict):  # another pull saved its own summary meanwhile: either will do
        job.states.save(PULL, state, version)
    entries = [
        LogEntry(key=c.product.key, outcome="pulled", action="updated", reason="from Xero: " + "; ".join(c.notes))
        for c in report.applied
    ]
    entries += [
        LogEntry(key=c.product.key, outcome="failed", action="pull", reason=f"from Xero: {error}")
        for c, error in report.failed
    ]
    for outcome in caught.outcomes if caught is not None else ():
        if outcome.action == "updated":
            entries.append(LogEntry(key=outcome.key, outcome="applied", action="written back",
                                    xero_id=outcome.xero_id or "", reason=outcome.reason))  # fmt: skip
    entries += [LogEntry(key="job:pull", outcome="failed", action="write back", reason=why)
                for why in (caught.failed if caught is not None else ())]  # fmt: skip
    for run in made:  # records made in Xero, created in the store
        report.notes.append(f"created in the store: {run.count('created')} of {run.read} Xero {run.kind}(s) changed")
        entries += [LogEntry(key=o.key, outcome="applied", action="created from Xero", xero_id=o.xero_id or "",
                             reason=o.reason) for o in run.outcomes if o.action == "created"]  # fmt: skip
        entries += [
            LogEntry(key="job:pull", outcome="failed", action="create from Xero", reason=why) for why in run.failed
        ]
    entries.append(
        LogEntry(
            key="job:pull",
            outcome="failed" if report.failed else "pulled",
            reason=f"{report.products} product(s), {report.items} Xero item(s), {len(report.applied)} written"
            + (f"; {'; '.join(report.notes[:5])}" if report.notes else ""),
        )
    )
    job.log(entries)
    return report


# --- Xero's changes written back to a store that records them (xerosync.sync.writeback) -----------
WRITE_BACK_FIRST_LOOK = timedelta(days=1)  # how far back the first pass looks
WRITE_BACK_OVERLAP = timedelta(minutes=5)  # each pass looks this far before its watermark (seen again: free)


def write_back_catch_up(
    job: Job, settings: StoreSettings, state: dict[str, Any], now: datetime, lookup: ReverseLookup | None = None
) -> writeback.CaughtUp | None:
    """With the pull, for a store that records Xero's state of each document (the port's
    ``DocumentWriteBack``): what Xero changed since the watermark in ``state`` and its webhook did
    not deliver, written back once. None for any other store, or with ``pull.write_back`` off."""
    if not settings.pull.write_back:
        return None
    try:
        store = write_back_of(job.store)
    except NotConfigured:
        return None
    if store is None:
        return None
    mark = store_time(state.get("write_back_watermark")) or now - WRITE_BACK_FIRST_LOOK
    caught = writeback.write_back_modified(
        mark - WRITE_BACK_OVERLAP,
        settings=settings,
        xero=job.xero,
        mappings=job.mappings,
        lookup=lookup or DynamoReverseLookup(job.environment.mappings_table),
        store=store,
    )
    state["write_back_watermark"] = (caught.watermark or mark).astimezone(UTC).isoformat(timespec="seconds")
    return caught


def from_xero_catch_up(
    job: Job, settings: StoreSettings, state: dict[str, Any], now: datetime
) -> list[from_xero.CaughtUp]:
    """With the pull: contacts and items made in Xero, created in a store that can (:mod:`xerosync.sync.from_xero`)."""
    try:
        store = creates_from_xero(job.store) if settings.pull.create_contacts or settings.pull.create_items else None
    except NotConfigured:
        return []
    if store is None:
        return []
    lookup = DynamoReverseLookup(job.environment.mappings_table)
    return from_xero.catch_up(state, now, settings=settings, xero=job.xero, mappings=job.mappings, lookup=lookup,
                              store=store, source=job.source)  # fmt: skip
