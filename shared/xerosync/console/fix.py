"""Fix: retry failed records (one or all), push a date range and follow it, run a reconciliation
now, and a day's drift report (with the fixable differences re-enqueued on request).

Every change is written to the sync log with who asked for it (:func:`xerosync.console.context.audit`).
What runs here runs as the operator's commands run it (``xerosync.ops``, ``xerosync.push``,
``xerosync.jobs``): the console is another way in, not another implementation.
"""

import secrets
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from xerosync.console import context
from xerosync.console.auth import csrf_field, signed_in
from xerosync.console.page import Html, badge, esc, join, page, problem, table, tag
from xerosync.console.record import record_link
from xerosync.console.web import Request, Response, redirect, router

FINAL = ("applied", "unchanged", "skipped", "superseded", "duplicate", "failed")
MOST_DAYS = 92  # a push from the console covers at most this many days (the CLI any)
ENQUEUE_SECONDS = 12.0  # enqueueing per page view (the HTTP API waits 30 s for an answer)
PUSH_KEPT = 7 * 86400  # a push's progress page works this long
REFRESH = 2  # seconds between looks at a push's progress


def _form(session: Any, action: str, fields: Any, button: str) -> Html:
    return tag(
        "form",
        Html(csrf_field(session) + fields + tag("button", button, type="submit")),
        method="post",
        action=action,
        class_="row",
    )


def _field(label: str, name: str, value: str = "", kind: str = "date") -> Html:
    field = f'<input type="{esc(kind)}" name="{esc(name)}" value="{esc(value)}" required>'
    return tag("label", Html(esc(label) + field))


@router.get("/console/fix")
@signed_in
def fix(request: Request) -> Response:
    from xerosync import ops

    session = request.session
    since = datetime.now(UTC) - timedelta(days=7)
    latest: dict[str, Any] = {}
    for entry in context.journal().between(since, datetime.now(UTC)):
        latest[entry.key] = entry
    failed = [e for e in latest.values() if e.outcome == "failed" and ":" in e.key]
    dead = sum(row.get("dead", 0) for row in ops.queue_depths(context.stack()).values())
    rows = [
        [
            Html(record_link(e.key) + tag("div", e.at[:16].replace("T", " "), class_="muted")),
            e.reason,
            _form(
                session, "/console/retry", Html(f'<input type="hidden" name="record" value="{esc(e.key)}">'), "Retry"
            ),
        ]
        for e in sorted(failed, key=lambda e: e.at, reverse=True)[:100]
    ]
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    content = join(
        [
            tag("h2", f"Failed records ({dead} in the dead-letter queues)"),
            table(("record", "why it failed", ""), rows, empty="none in the last 7 days"),
            _form(session, "/console/retry", Html(""), "Retry every failed record"),
            tag("h2", "Push orders to Xero"),
            tag(
                "p", "Orders created in the store on these days, through the queues (each lands once).", class_="muted"
            ),
            _form(session, "/console/push", Html(_field("From", "from") + _field("To", "to")), "Push"),
            tag("h2", "Reconcile now"),
            tag("p", "What the store's webhooks missed is enqueued, and its webhooks repaired.", class_="muted"),
            _form(session, "/console/reconcile", Html(""), "Run a reconciliation"),
            tag("h2", "Drift report"),
            tag(
                "form",
                Html(_field("Day", "day", yesterday) + tag("button", "Show", type="submit")),
                method="get",
                action="/console/drift",
                class_="row",
            ),
        ]
    )
    return page("Fix", content, session=session, flash=request.query.get("done", ""))


@router.post("/console/retry")
@signed_in
def retry(request: Request) -> Response:
    """Dead-lettered records back to their queues: one (``record``) or all."""
    from xerosync import ops

    record = request.form.get("record", "").strip() or None
    what = f"retry of {record}" if record else "retry of every failed record"
    context.audit(request.session, record or "console", "retry", what)
    moved = sum(r.moved for r in ops.retry(context.stack(), record=record))
    said = f"{moved} dead-lettered message(s) sent back to their queues"
    if record:
        return redirect(f"/console/record/{quote(record, safe=':')}?done={quote(said)}")
    return redirect(f"/console/fix?done={quote(said)}")


# --- push --------------------------------------------------------------------------------------------
@router.post("/console/push")
@signed_in
def push(request: Request) -> Response:
    try:
        start = date.fromisoformat(request.form.get("from", ""))
        end = date.fromisoformat(request.form.get("to", "") or start.isoformat())
    except ValueError:
        return problem(400, "Not a date range", "From and To are days (YYYY-MM-DD).", session=request.session)
    if end < start or (end - start).days >= MOST_DAYS:
        return problem(
            400,
            "Not a date range",
            f"To is before From, or the range is over {MOST_DAYS} days.",
            session=request.session,
        )
    job = context.job()
    try:
        job.check_running()  # a stopped sync would skip every record pushed
    except Exception as exc:
        return problem(409, "The sync is stopped", str(exc), session=request.session)
    push_id = secrets.token_hex(8)
    context.audit(request.session, "console", "push", f"push of orders created {start} to {end} (push {push_id})")
    state = {"from": start.isoformat(), "to": end.isoformat(), "next": start.isoformat(), "keys": [], "refused": []}
    state["started"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    context.sessions().put_push(push_id, state, time.time() + PUSH_KEPT)
    return redirect(f"/console/push/{push_id}")


@router.get("/console/push/{push_id}")
@signed_in
def push_progress(request: Request) -> Response:
    """A push's progress: its days enqueued a slice per view, then its records followed in the
    sync log; the page reloads itself until every record has a final outcome."""
    push_id = request.params["push_id"]
    state = context.sessions().push(push_id)
    if state is None:
        return problem(404, "No such push", "It finished over a week ago, or never started.", session=request.session)
    error = ""
    if date.fromisoformat(state["next"]) <= date.fromisoformat(state["to"]):
        try:
            _enqueue(state)
        except Exception as exc:  # the store refused or is away: say so; the next view tries again
            error = f"enqueueing stopped at {state['next']}: {type(exc).__name__}: {exc}"
        context.sessions().put_push(push_id, state, time.time() + PUSH_KEPT)
    enqueueing = date.fromisoformat(state["next"]) <= date.fromisoformat(state["to"])
    outcomes = _outcomes(state)
    done = sum(1 for o in outcomes.values() if o in FINAL)
    total = len(outcomes)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    rows = [[record_link(k), badge(o)] for k, o in sorted(outcomes.items()) if o != "applied"][:200]
    finished = not enqueueing and done == total
    when = state["started"][:19].replace("T", " ")
    said = (
        f"enqueueing: up to {state['next']}, {total} record(s) so far"
        if enqueueing
        else f"{done} of {total} record(s) synced"
    )
    content = join(
        [
            tag(
                "p",
                f"Orders created {state['from']} to {state['to']}, pushed {when} UTC.",
            ),
            Html(f'<progress max="{max(total, 1)}" value="{done}" style="width:100%"></progress>'),
            tag("p", said + ("" if finished else " (this page reloads itself)")),
            table(("outcome", "records"), [[badge(o), n] for o, n in sorted(counts.items())]),
            tag("h2", "Not written by this push (already in Xero, skipped, failed or waiting)"),
            table(("record", "outcome"), rows, empty="none"),
        ]
    )
    return page("Push", content, session=request.session, refresh=None if finished else REFRESH, error=error)


def _enqueue(state: dict[str, Any]) -> None:
    """Enqueue the push's next days, a day at a time, for up to :data:`ENQUEUE_SECONDS`."""
    from xerosync import push as pushing

    job = context.job()
    store = job.store
    began = time.monotonic()
    day, last = date.fromisoformat(state["next"]), date.fromisoformat(state["to"])
    while day <= last and time.monotonic() - began < ENQUEUE_SECONDS:
        messages = []
        for found in pushing.records(store, pushing.Selection("range", start=day, end=day)):
            message = job.source.message(found, store=store.url, origin="push")
            if message is not None:  # what the store's webhooks never deliver: never synced
                messages.append(message)
        refused: set[str] = set()
        for i in range(0, len(messages), 100):
            refused |= job.send(messages[i : i + 100])
        state["keys"] = list(dict.fromkeys([*state["keys"], *(m.key for m in messages if m.key not in refused)]))
        state["refused"] = sorted({*state["refused"], *refused})
        day += timedelta(days=1)
        state["next"] = day.isoformat()


def _outcomes(state: dict[str, Any]) -> dict[str, str]:
    """Each pushed record's last outcome in the sync log since the push began ("waiting" before any)."""
    wanted = set(state["keys"])
    started = datetime.fromisoformat(state["started"])
    last: dict[str, str] = dict.fromkeys(wanted, "waiting")
    wrote: set[str] = set()
    for entry in context.journal().between(started - timedelta(seconds=5), datetime.now(UTC) + timedelta(minutes=1)):
        if entry.key in wanted and entry.at >= state["started"] and entry.outcome in (*FINAL, "retrying"):
            last[entry.key] = entry.outcome
            if entry.outcome == "applied":
                wrote.add(entry.key)
    for key in state["refused"]:
        last[key] = "refused"
    return {k: "applied" if k in wrote and last[k] in FINAL else v for k, v in last.items()}


# --- reconcile, drift ------------------------------------------------------------------------------------
@router.post("/console/reconcile")
@signed_in
def reconcile(request: Request) -> Response:
    from xerosync.jobs import Job, reconcile_job

    context.audit(request.session, "console", "reconcile", "a reconciliation now")
    # the store's webhooks are repaired to the stack's WebhookUrl (an output: see template.yaml)
    environment = replace(context.environment(), webhook_url=context.stack().outputs.get("WebhookUrl", ""))
    began = time.monotonic()
    try:
        report = reconcile_job(Job(environment), deadline=lambda: time.monotonic() - began > 20, lease_seconds=60)
    except Exception as exc:  # not configured, stopped, the store away: say why
        return redirect(f"/console/fix?done={quote(f'reconciliation not run: {exc}')}")
    if report is None:
        return redirect(f"/console/fix?done={quote('a reconciliation is running already')}")
    summary = report.summary()
    said = f"reconciled: listed {summary['listed']}, enqueued {summary['enqueued']}, in step {summary['in_step']}"
    if report.errors:
        said += "; " + "; ".join(report.errors)
    return redirect(f"/console/fix?done={quote(said)}")


@router.get("/console/drift")
@signed_in
def drift(request: Request) -> Response:
    """The drift report of a day, as ``xerosync drift`` shows it (reads only)."""
    return _drift(request, fix=False)


@router.post("/console/drift")
@signed_in
def drift_fix(request: Request) -> Response:
    """The same, with the fixable differences re-enqueued and the report written to the sync log."""
    context.audit(request.session, "console", "drift fix", f"re-enqueue the drift of {request.form.get('day', '')}")
    return _drift(request, fix=True)


def _drift(request: Request, *, fix: bool) -> Response:
    from xerosync.jobs import RECONCILE, drift_job
    from xerosync.timestamps import store_time

    text = (request.form if fix else request.query).get("day", "")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return problem(400, "Not a day", f"{text!r} is not a day (YYYY-MM-DD).", session=request.session)
    job = context.job()
    state, _ = job.states.load(RECONCILE)
    try:
        report = drift_job(job, day, fix=fix, since=store_time(state.get("installed_at")))
    except Exception as exc:  # Xero or the store away, not configured
        return problem(502, f"Drift {day}", f"The report could not be made: {exc}", session=request.session)
    rows = [
        [
            record_link(d.key),
            d.what,
            d.store,
            d.xero,
            badge("re-enqueued" if fix and d.fixable else "fixable" if d.fixable else "reported"),
            d.reason,
        ]
        for d in report.differences
    ]
    fixable = [d for d in report.differences if d.fixable]
    parts = [tag("p", report.summary()), table(("record", "what", "store", "Xero", "", "why"), rows, empty="no drift")]
    if fixable and not fix:
        parts.append(
            _form(
                request.session,
                "/console/drift",
                Html(f'<input type="hidden" name="day" value="{esc(day)}">'),
                f"Re-enqueue the {len(fixable)} fixable",
            )
        )
    return page(f"Drift {day}", join(parts), session=request.session)
