"""The scheduled poll of the store's settlements (Shopify's payouts have no webhook), wired from
a stack's :class:`~xerosync.jobs.Job`: its lease and watermark in the job state, the store's
:class:`~xerosync.sources.port.SettlementStore`, the Xero client, and the sync log. The logic
is :func:`xerosync.sync.settlements.poll`.

Each run lists the settlements issued since the watermark less ``settlements.overlap_days`` (a
payout can fail days after it was paid), so each settlement is seen by several runs; the mapping
table makes every posting and reversal happen once. The watermark stays at the first settlement
not finished (pending, parked, failed), so none is left behind.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from xerosync.aws.jobstate import StateConflict
from xerosync.aws.synclog import LogEntry
from xerosync.jobs import Job, NotConfigured
from xerosync.sources.port import SettlementFound, SettlementStore, settlements_of
from xerosync.sync.base import Outcome
from xerosync.sync.settlements import PollReport, poll, read_sales
from xerosync.timestamps import store_time

SETTLEMENTS = "settlements"
LOGGED = 500  # entries per run in the sync log, at most
SHOWN = 20  # parked and failed settlements the job state keeps of a run, each


class Disabled(NotConfigured):
    """Settlements are not enabled in the settings (``settlements.enabled``)."""


def settlement_store(job: Job) -> SettlementStore:
    store = settlements_of(job.store)
    if store is None:
        raise NotConfigured(f"the {job.source.name} store pays no deposits xerosync can read (no settlements)")
    return store


def settlements_job(
    job: Job,
    *,
    now: datetime | None = None,
    deadline: Callable[[], bool] = lambda: False,
    lease_seconds: float = 900,
) -> PollReport | None:
    """One scheduled poll (None when another run holds the lease)."""
    now = now or datetime.now(UTC)
    job.check_running()
    settings = job.settings
    if not settings.settlements.enabled:
        raise Disabled("settlements are not enabled (settings: settlements.enabled)")
    store = settlement_store(job)
    token = uuid.uuid4().hex
    if not job.states.acquire(SETTLEMENTS, token, lease_seconds):
        return None
    try:
        state, version = job.states.load(SETTLEMENTS)
        previous = store_time(state.get("watermark"))
        overlap = timedelta(days=settings.settlements.overlap_days)
        first = settings.settlements.since
        start = datetime.combine(first, time(), UTC) if first else None
        since = (previous - overlap) if previous else (start or now - overlap)
        if start is not None and since < start:
            since = start
        logged = 0

        def log_now(_: SettlementFound, outcome: Outcome | None) -> None:
            # each settlement's entry once it is done, not at the end: a run that dies later (its
            # timeout, a crash) keeps what it posted in the sync log; the next run finds it all
            # recorded ("unchanged", not logged), so the entry would be lost with the run
            nonlocal logged
            if outcome is not None and outcome.action not in QUIET and logged < LOGGED:
                job.log([entry(outcome)])
                logged += 1

        report = poll(
            store,
            since=since,
            settings=settings,
            sales=lambda s: read_sales(s, job.store, job.source, settings),
            mappings=job.mappings,
            xero=job.xero,
            deadline=deadline,
            progress=log_now,
        )
        mark = report.watermark(previous)
        if mark is not None:
            state["watermark"] = mark.isoformat(timespec="seconds")
        state["last_run"] = last_run(report, now=now, since=since)
        job.note_quota(state, now)
        try:
            job.states.save(SETTLEMENTS, state, version)
        except StateConflict as exc:
            report.failed.append(("job:settlements", str(exc)))
        job.log(entries(report, outcomes=False))  # the failures and the run's own entry
        return report
    finally:
        job.states.release(SETTLEMENTS, token)


def last_run(report: PollReport, *, now: datetime, since: datetime) -> dict[str, object]:
    """What the job state keeps of a run for ``xerosync status``: its counts, and each settlement
    parked or failed with why (a parked one names its difference), a few of each at most."""
    return {
        "at": now.isoformat(timespec="seconds"),
        "since": since.isoformat(),
        "outcome": "failed" if report.failed else "polled",
        **report.summary(),
        "parked_settlements": [{"key": o.key, "reason": o.reason} for o in report.outcomes if o.action == "parked"][
            :SHOWN
        ],
        "failed_settlements": [{"key": key, "reason": why} for key, why in report.failed][:SHOWN],
        # re-issued by the store once Xero held them paid or reconciled: left as they were
        "held_settlements": [{"key": o.key, "reason": o.reason} for o in report.outcomes if o.action == "held"][:SHOWN],
    }


WORDS = {"created": "applied", "matched": "applied", "deleted": "reversed", "voided": "reversed"}


def entry(outcome: Outcome) -> LogEntry:
    return LogEntry(
        key=outcome.key,
        outcome=WORDS.get(outcome.action, outcome.action),
        action=outcome.action,
        xero_id=outcome.xero_id or "",
        reason=outcome.reason,
        also=outcome.also,
    )


QUIET = ("unchanged", "skipped")  # outcomes the sync log does not keep: nothing was done


def entries(report: PollReport, *, outcomes: bool = True) -> list[LogEntry]:
    """What the sync log keeps of a poll: every settlement it did something to, or could not
    (``outcomes=False``: only the failures and the run's entry, the rest logged as they came)."""
    done = [entry(o) for o in report.outcomes if o.action not in QUIET][:LOGGED] if outcomes else []
    done += [LogEntry(key=key, outcome="failed", action="settlement", reason=why) for key, why in report.failed]
    summary = report.summary()
    reason = ", ".join(f"{k} {v}" for k, v in summary.items() if v not in (0, "", None))
    done.append(LogEntry(key="job:settlements", outcome="failed" if report.failed else "polled", reason=reason))
    return done
