"""Watch: the stack's status, the sync log, and one record's page.

The same facts ``xerosync status`` and ``xerosync log`` show (xerosync.ops, the jobs' states).
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from xerosync.console import context
from xerosync.console.auth import signed_in
from xerosync.console.page import Html, badge, esc, join, page, table, tag
from xerosync.console.record import record_link
from xerosync.console.web import Request, Response, router

FAILED = ("failed", "retrying")
OUTCOMES = ("applied", "unchanged", "skipped", "superseded", "duplicate", "retrying", "failed", "enqueued", "requested")


@router.get("/console")
@signed_in
def status(request: Request) -> Response:
    from xerosync import ops
    from xerosync.jobs import PULL, RECONCILE

    found = context.stack()
    job = context.job()
    unread: list[str] = []
    states: dict[str, str] = _safely(lambda: ops.alarm_states(found), {}, "alarms", unread)
    by_queue = ops.queue_alarms(states)
    rows = []
    dead_total = 0
    depths: dict[str, dict[str, int]] = _safely(lambda: ops.queue_depths(found), {}, "queues", unread)
    for name, row in depths.items():
        dead = row.get("dead", 0)
        dead_total += dead
        firing = [k.removesuffix("Alarm") for k, v in by_queue.get(name, {}).items() if v == "ALARM"]
        rows.append(
            [
                name,
                row.get("waiting", 0),
                row.get("in flight", 0),
                badge(str(dead)) if not dead else Html(badge("dead") + esc(f" {dead}")),
                badge("ALARM") + esc(" " + ", ".join(firing)) if firing else badge("ok"),
            ]
        )
    queued = {k for alarms in by_queue.values() for k in alarms}
    others = {k.removesuffix("Alarm"): v for k, v in states.items() if k not in queued}
    stopped = job.switch.stopped()
    reconciliation, _ = job.states.load(RECONCILE)
    pulled, _ = job.states.load(PULL)
    last = reconciliation.get("last_run") or {}
    quota = max(
        (q for q in (reconciliation.get("xero_quota"), pulled.get("xero_quota")) if q),
        key=lambda q: str(q.get("at")),
        default=None,
    )
    cards = join(
        [
            _card("Dead letters", dead_total, "records waiting for a fix and a retry" if dead_total else "none"),
            _card(
                "Sync",
                "stopped" if stopped else "running",
                f"since {stopped.since}: {stopped.reason}" if stopped else "",
            ),
            _card("Last reconciliation", str(last.get("at", "never"))[:19], _reconciled(last)),
            _card("Last pull", str((pulled.get("last_run") or {}).get("at", "never"))[:19], ""),
            _card(
                "Xero calls left today",
                quota.get("day_remaining") if quota else "unknown",
                f"as of {quota.get('at')}" if quota else "Xero says at the next job's call",
            ),
        ]
    )
    drift = (reconciliation.get("last_drift") or {}).get("summary")
    content = Html(
        tag("div", cards, class_="cards")
        + tag("h2", "Queues")
        + table(("queue", "waiting", "in flight", "dead letters", "alarms"), rows)
        + tag("h2", "Other alarms")
        + table(("alarm", "state"), [[k, badge(v)] for k, v in others.items()], empty="none in this stack")
        + tag("h2", "Last drift report")
        + tag("p", drift or "none yet")
    )
    error = f"Not readable just now: {', '.join(unread)}." if unread else ""
    return page("Status", content, session=request.session, error=error)


def _safely(read: Any, default: Any, what: str, unread: list[str]) -> Any:
    """``read()``, or ``default`` noting ``what`` as unread: one part that fails leaves the rest."""
    try:
        return read()
    except Exception as exc:
        unread.append(f"{what} ({type(exc).__name__})")
        return default


def _card(title: str, value: Any, note: str) -> Html:
    return tag("div", Html(esc(title) + tag("b", value) + tag("span", note, class_="muted")), class_="card")


def _reconciled(last: dict[str, Any]) -> str:
    if not last:
        return ""
    text = f"listed {last.get('listed')}, enqueued {last.get('enqueued')}"
    return text + (f"; {last.get('errors')}" if last.get("errors") else "")


@router.get("/console/log")
@signed_in
def sync_log(request: Request) -> Response:
    """The sync log, by record, day and outcome (the day's, else the last 24 hours')."""
    record = request.query.get("record", "").strip()
    day_text = request.query.get("day", "").strip()
    outcome = request.query.get("outcome", "").strip()
    error = ""
    now = datetime.now(UTC)
    since, until = now - timedelta(hours=24), now
    if day_text:
        try:
            day = date.fromisoformat(day_text)
            since = datetime(day.year, day.month, day.day, tzinfo=UTC)
            until = since + timedelta(days=1) - timedelta(microseconds=1)
        except ValueError:
            error = f"{day_text!r} is not a day (YYYY-MM-DD): the last 24 hours are shown"
    journal = context.journal()
    if record:
        entries = [e for e in journal.by_record(record) if not day_text or error or e.at[:10] == day_text]
    else:
        entries = journal.between(since, until)
    if outcome == "failed":
        entries = [e for e in entries if e.outcome in FAILED]
    elif outcome:
        entries = [e for e in entries if e.outcome == outcome]
    entries = sorted(entries, key=lambda e: e.at, reverse=True)[:500]
    rows = [
        [
            e.at[:19].replace("T", " "),
            record_link(e.key) if ":" in e.key else e.key,
            badge(e.outcome),
            e.action,
            "; ".join(filter(None, [e.reason, *e.also])),
        ]
        for e in entries
    ]
    options = join(
        tag("option", o or "any outcome", value=o, selected="selected" if o == outcome else None)
        for o in ("", *OUTCOMES)
    )
    search = tag(
        "form",
        Html(
            tag("label", Html("Record" + _input("record", record, "order:1001")))
            + tag("label", Html("Day" + _input("day", day_text, "YYYY-MM-DD", kind="date")))
            + tag("label", Html("Outcome" + tag("select", options, name="outcome")))
            + tag("button", "Search", type="submit")
        ),
        method="get",
        action="/console/log",
        class_="row",
    )
    shown = f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}" + (" (the newest 500)" if len(rows) == 500 else "")
    content = Html(
        search + tag("p", shown, class_="muted") + table(("time", "record", "outcome", "action", "reason"), rows)
    )
    return page("Sync log", content, session=request.session, error=error)


def _input(name: str, value: str, placeholder: str, *, kind: str = "text") -> Html:
    return Html(f'<input type="{kind}" name="{name}" value="{esc(value)}" placeholder="{esc(placeholder)}">')
