"""The operator's commands against a store's stack: ``push``, ``pull``, ``reconcile``, ``drift``,
``setup``, ``rotate store-secret``, and what ``status`` shows of the scheduled jobs, the store's
credentials and its provisional figures.

Each finds the stack by name (``--stack`` or ``XEROSYNC_STACK``) through CloudFormation, and
works the same against a deployed stack and the local one (boto3 honours ``AWS_ENDPOINT_URL``).
Reading the store and Xero happens here, on the operator's machine, with the stack's own
secrets; records reach Xero only through the stack's queues.
"""

import contextlib
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from xerosync.aws.stack import Stack
from xerosync.cli import StackOption, _stack, app, console, errors, rotate_app
from xerosync.envelopes import Message
from xerosync.environment import ConfigurationError, Environment
from xerosync.jobs import RECONCILE, Job, NotConfigured
from xerosync.sources.port import Kind
from xerosync.timestamps import store_time

FINAL = ("applied", "unchanged", "skipped", "superseded", "duplicate", "failed")


def _job(stack: str) -> Job:
    return _stack_job(_stack(stack))


def _stack_job(stack: Stack) -> Job:
    """The jobs' wiring from a deployed stack's resources, parameters and outputs."""
    try:
        return Job(Environment.from_stack(stack))
    except ConfigurationError as exc:
        raise _fail(str(exc), 2) from None


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


# --- push ----------------------------------------------------------------------------------------
@app.command()
def push(
    stack: StackOption,
    date_from: Annotated[str | None, typer.Option("--from", help="orders created from this day (YYYY-MM-DD)")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="... to this day, included (default: --from)")] = None,
    since_last_sync: Annotated[
        bool, typer.Option("--since-last-sync", help="what changed since the reconciliation's watermark")
    ] = False,
    order: Annotated[str | None, typer.Option("--order", help="one order by id (instant sync)")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="one customer by id")] = None,
    product: Annotated[str | None, typer.Option("--product", help="one product or variant by id")] = None,
    payouts: Annotated[
        bool,
        typer.Option(
            "--payouts", "--settlements", help="with --from/--to: the payouts (settlements) issued those days"
        ),
    ] = False,
    wait: Annotated[bool, typer.Option(help="follow the records through the sync and summarise")] = True,
    timeout: Annotated[float, typer.Option(help="seconds to follow them")] = 900.0,
) -> None:
    """Send store records to Xero through the queues: history, what changed since the last sync, or one record.

    Each record lands once: pushing it again writes nothing new to Xero. With --payouts, the
    payouts issued from --from to --to are posted (each once, whoever posts it)."""
    from xerosync import push as pushing

    if payouts:
        from xerosync.cli.settlement_commands import push_payouts

        if date_from is None:
            raise _fail("--payouts takes the days the payouts were issued: --from (and --to)", 2)
        first = _day(date_from)
        last = _day(date_to) if date_to else first
        if last < first:
            raise _fail("--to is before --from", 2)
        push_payouts(_job(stack), first, last)
        return

    chosen = [
        n
        for n, v in (("--from", date_from), ("--since-last-sync", since_last_sync or None), ("--order", order))
        if v is not None
    ]
    chosen += [n for n, v in (("--customer", customer), ("--product", product)) if v is not None]
    if len(chosen) != 1:
        raise _fail("name exactly one of --from/--to, --since-last-sync, --order, --customer, --product", 2)
    job = _job(stack)
    if date_from is not None:
        start = _day(date_from)
        end = _day(date_to) if date_to else start
        if end < start:
            raise _fail("--to is before --from", 2)
        selection = pushing.Selection("range", start=start, end=end)
    elif since_last_sync:
        state, _ = job.states.load(RECONCILE)
        watermark = store_time(state.get("watermark"))
        if watermark is None:
            raise _fail("no sync yet: the reconciliation has not run (use --from/--to for history)")
        since = watermark - timedelta(seconds=job.settings.reconcile.overlap_seconds)
        selection = pushing.Selection("since", since=since)
    else:
        named: tuple[tuple[Kind, str | None], ...] = (("order", order), ("customer", customer), ("product", product))
        resource, record_id = next((r, i) for r, i in named if i)
        selection = pushing.Selection("record", resource=resource, record_id=record_id)

    try:
        job.check_running()  # a stopped sync would skip every record pushed
        store = job.store
        total = pushing.count(store, selection)
    except NotConfigured as exc:
        raise _fail(str(exc)) from None
    console.print(f"Pushing {selection.describe()} from {store.url}")
    started = datetime.now(UTC)
    seen = _logged(job, started)  # what the sync log already says: not this push's outcomes
    keys: list[str] = []
    refused: set[str] = set()
    batch: list[Message] = []
    with _progress() as progress:
        task = progress.add_task("Enqueueing", total=total)
        for found in pushing.records(store, selection):
            message = job.source.message(found, store=store.url, origin="push")
            if message is None:  # what the store's webhooks never deliver (a checkout draft): never synced
                progress.advance(task)
                continue
            batch.append(message)
            if len(batch) >= 100:
                refused |= job.send(batch)
                keys += [m.key for m in batch]
                progress.advance(task, len(batch))
                batch = []
        if batch:
            refused |= job.send(batch)
            keys += [m.key for m in batch]
            progress.advance(task, len(batch))
        progress.update(task, total=progress.tasks[0].completed)
    sent = [k for k in dict.fromkeys(keys) if k not in refused]
    console.print(
        f"enqueued {len(sent)} record(s)" + (f", [red]{len(refused)} refused by SQS[/red]" if refused else "")
    )
    if not wait or not sent:
        return
    outcomes = _follow(job, sent, started, seen, timeout)
    table = Table("outcome", "records")
    for outcome, n in sorted(outcomes.items()):
        colour = {"failed": "red", "applied": "green"}.get(outcome, "white")
        table.add_row(f"[{colour}]{outcome}[/{colour}]", str(n))
    console.print(table)
    done = sum(n for o, n in outcomes.items() if o != "waiting")
    console.print(
        f"{done} of {len(sent)} record(s) synced: {outcomes.get('applied', 0)} written to Xero, "
        f"{outcomes.get('unchanged', 0) + outcomes.get('duplicate', 0)} already there, "
        f"{outcomes.get('failed', 0)} failed" + (" (xerosync log --failed)" if outcomes.get("failed") else "")
    )
    if outcomes.get("waiting"):
        console.print(f"{outcomes['waiting']} still on their way after {timeout:.0f} s: xerosync status, xerosync log")
    if outcomes.get("failed") or outcomes.get("waiting"):
        raise typer.Exit(1)


LOOK_BACK = timedelta(minutes=15)  # the operator's clock and Lambda's may differ a little
OUT_OF_ORDER = timedelta(seconds=30)  # sync log entries written this much out of time order are still seen
POLL_SECONDS = 2.0


def _logged(job: Job, around: datetime) -> set[tuple[str, str, str]]:
    if job.journal is None:
        return set()
    return {(e.key, e.at, e.outcome) for e in job.journal.between(around - LOOK_BACK, around + LOOK_BACK)}


def _follow(
    job: Job, keys: list[str], started: datetime, seen: set[tuple[str, str, str]], timeout: float
) -> Counter[str]:
    """Watch the sync log until every pushed record has a final outcome (or ``timeout``). Entries
    that were there before the push (``seen``) are not its outcomes, whatever the clocks say.
    Each look reads only what is new since the previous one (less a margin for writers that
    finish out of order), so following thousands of records stays cheap."""
    from botocore.exceptions import BotoCoreError, ClientError

    wanted = set(keys)
    last: dict[str, str] = {}
    wrote: set[str] = set()  # a record applied, then delivered again (a retried batch), was still written
    retried: set[str] = set()
    deadline = time.monotonic() + timeout
    cursor = started - LOOK_BACK
    with _progress() as progress:
        task = progress.add_task("Syncing", total=len(wanted))
        while time.monotonic() < deadline and job.journal is not None:
            newest = cursor
            try:
                entries = job.journal.between(cursor, datetime.now(UTC) + LOOK_BACK)
            except (ClientError, BotoCoreError) as exc:
                # a slow or throttled read of the sync log says nothing about the sync: look again
                progress.console.print(
                    f"[dim]sync log not readable just now ({type(exc).__name__}); still following[/dim]"
                )
                time.sleep(POLL_SECONDS)
                continue
            for entry in entries:
                newest = max(newest, datetime.fromisoformat(entry.at))
                ours = entry.key in wanted and (entry.key, entry.at, entry.outcome) not in seen
                if ours and entry.outcome in (*FINAL, "retrying"):
                    last[entry.key] = entry.outcome
                    if entry.outcome == "applied":
                        wrote.add(entry.key)
                    elif entry.outcome == "retrying":
                        retried.add(entry.key)
                    elif entry.outcome == "unchanged" and entry.key in retried:
                        # an attempt of this push wrote it, then failed on a later call (e.g. the
                        # minute budget ran out before its read-back): the retry found it done
                        wrote.add(entry.key)
            cursor = max(cursor, newest - OUT_OF_ORDER)
            finished = sum(1 for k in wanted if last.get(k) in FINAL)
            progress.update(task, completed=finished)
            if finished == len(wanted):
                break
            time.sleep(POLL_SECONDS)
    return Counter("applied" if k in wrote else last[k] if last.get(k) in FINAL else "waiting" for k in wanted)


# --- pull, reconcile, drift ------------------------------------------------------------------------
@app.command()
def pull(
    stack: StackOption,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change, write nothing")] = False,
) -> None:
    """Pull item names, prices and stock from Xero into the store (the fields the settings give to Xero)."""
    from xerosync.jobs import pull_job

    try:
        report = pull_job(_job(stack), apply=not dry_run)
    except NotConfigured as exc:
        raise _fail(str(exc)) from None
    table = Table("product", "sku", "from Xero", "")
    for change in report.changes:
        failed = next((e for c, e in report.failed if c is change), None)
        mark = "[yellow]dry run[/yellow]" if dry_run else ("[red]failed[/red]" if failed else "[green]written[/green]")
        table.add_row(change.product.key, change.product.sku, "; ".join(change.notes), failed or mark)
    if report.changes:
        console.print(table)
    for note in report.notes:
        console.print(f"[dim]{note}[/dim]")
    console.print(
        f"{report.products} product(s) with a SKU, {report.items} matching Xero item(s), "
        f"{len(report.changes)} to change" + ("" if dry_run else f", {len(report.applied)} written")
    )
    if report.failed:
        raise typer.Exit(1)


@app.command()
def reconcile(stack: StackOption) -> None:
    """Run a reconciliation now: what the webhooks missed is enqueued, the store's webhooks repaired."""
    from xerosync.jobs import reconcile_job

    try:
        report = reconcile_job(_job(stack), lease_seconds=900)
    except NotConfigured as exc:
        raise _fail(str(exc)) from None
    if report is None:
        raise _fail("a reconciliation is running already")
    summary = report.summary()
    console.print(f"listed {summary['listed']}; enqueued {summary['enqueued']}, in step {summary['in_step']}")
    for key, why in report.enqueued[:50]:
        console.print(f"  {key}: {why}")
    for line in summary["webhooks"]:
        console.print(f"  webhook {line}")
    console.print(f"watermark {summary['watermark']}")
    for error in report.errors:
        errors.print(f"[red]{error}[/red]")
    if report.errors:
        raise typer.Exit(1)


@app.command()
def drift(
    stack: StackOption,
    day: Annotated[str | None, typer.Option(help="the day (YYYY-MM-DD, the store's date; default yesterday)")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="re-enqueue what the sync can fix; record the report")] = False,
    before_install: Annotated[
        bool, typer.Option("--before-install", help="also orders created before xerosync was installed")
    ] = False,
) -> None:
    """The drift report of a day: store orders against the Xero documents xerosync wrote for them.

    Totals, tax, refunds and payments; each difference named by record, fixable or reported."""
    from xerosync.jobs import drift_job

    job = _job(stack)
    target = _day(day) if day else datetime.now(UTC).date() - timedelta(days=1)
    state, _ = job.states.load(RECONCILE)
    since = None if before_install else store_time(state.get("installed_at"))
    try:
        report = drift_job(job, target, fix=fix, since=since)
    except NotConfigured as exc:
        raise _fail(str(exc)) from None
    table = Table("record", "what", "store", "Xero", "", "why")
    for d in report.differences:
        kind = "[yellow]fixable[/yellow]" if d.fixable else "[red]reported[/red]"
        if d.fixable and fix:
            kind = "[green]re-enqueued[/green]"
        table.add_row(d.key, d.what, d.store, d.xero, kind, d.reason)
    if report.differences:
        console.print(table)
    console.print(report.summary())
    if since is not None:
        console.print(f"[dim]orders created before xerosync was installed ({since:%Y-%m-%d %H:%M} UTC) left out[/dim]")
    from xerosync.cli.settlement_commands import drift_payouts

    drift_payouts(job, target, target)


# --- setup ---------------------------------------------------------------------------------------
@app.command()
def setup(stack: StackOption) -> None:
    """Register (or repair) the store's webhooks to this stack, then check the settings against Xero."""
    from xerosync.reconcile import synced_kinds
    from xerosync.settings_check import check
    from xerosync.sources.quotes_port import documents_of
    from xerosync.xero.errors import XeroError

    found = _stack(stack)
    job = _stack_job(found)
    url = job.environment.webhook_url
    if not url:
        raise _fail(f"stack {stack} has no WebhookUrl output")
    try:
        store = job.store
        kinds = synced_kinds(job.settings)
        now = datetime.now(UTC)
        done = store.subscriptions(url, job.webhook_secret, kinds, memory={}, now=now, repair=True).actions
    except NotConfigured as exc:
        raise _fail(str(exc)) from None
    table = Table("topic", "webhook", "", "")
    for action in done:
        colour = {"ok": "green", "failed": "red", "paused": "yellow"}.get(action.action, "cyan")
        table.add_row(
            action.topic, str(action.webhook_id or ""), f"[{colour}]{action.action}[/{colour}]", action.detail
        )
    console.print(f"Store webhooks to {url}:")
    console.print(table)
    try:
        findings = check(job.settings, job.xero, documents=documents_of(job.source, job.settings))
    except XeroError as exc:
        raise _fail(f"Xero: {exc}") from None
    problems = [f for f in findings if not f.ok]
    for f in problems:
        errors.print(f"[red]{f.setting} = {f.value}: {f.detail}[/red]")
    console.print(f"settings: {len(findings) - len(problems)} of {len(findings)} match the Xero organisation")
    xero_url = found.outputs.get("XeroWebhookUrl")
    if xero_url:
        console.print(
            f"Xero webhooks (invoices paid in Xero): deliver to {xero_url} and put the webhook key in "
            f"{found.outputs.get('XeroWebhookKeySecretArn', 'XeroWebhookKeySecret')}"
        )
    if problems or any(a.action == "failed" for a in done):
        raise typer.Exit(1)


# --- status --------------------------------------------------------------------------------------
def settlements_status(run: dict[str, Any]) -> list[str]:
    """The settlements job's last run (its job state's ``last_run``) as ``xerosync status`` prints
    it: when, how it ended, what it posted, and every settlement it parked with the difference."""
    counts = ", ".join(
        f"{run.get(k, 0)} {k}"
        for k in ("listed", "posted", "unchanged", "reversed", "replaced", "held", "parked", "failed", "waiting")
    )
    lines = [f"last settlements run: {run.get('at')}: {run.get('outcome', 'polled')}, {counts}"]
    if run.get("stopped"):
        lines.append(f"  stopped early: {run['stopped']}")
    lines += [f"  parked {p.get('key')}: {p.get('reason')}" for p in run.get("parked_settlements") or []]
    lines += [f"  failed {p.get('key')}: {p.get('reason')}" for p in run.get("failed_settlements") or []]
    lines += [f"  held {p.get('key')}: {p.get('reason')}" for p in run.get("held_settlements") or []]
    shown = len(run.get("parked_settlements") or []) + len(run.get("failed_settlements") or [])
    if shown < int(run.get("parked") or 0) + int(run.get("failed") or 0):
        lines.append("  (the rest in the sync log: xerosync log)")
    return lines


def credential_status(job: Job, now: datetime) -> list[str]:
    """When the store's own API credentials expire, with a warning inside 30 days (none: they never do)."""
    from xerosync.credentials import stack_expiry, status_lines

    try:
        return status_lines(stack_expiry(job), now)
    except Exception as exc:  # the secret unreadable: say so, the other lines still help
        return [f"store credentials: unreadable ({type(exc).__name__}: {exc})"]


def provisional_lines(found: Any) -> list[str]:
    """A :class:`~xerosync.sources.port.Provisional` as ``xerosync status`` prints it."""
    lines = [
        f"provisional since the last settlement ({found.since:%Y-%m-%d %H:%M} to {found.until:%Y-%m-%d %H:%M} "
        "UTC): NOT SETTLED, never posted to Xero"
    ]
    by_currency: dict[str, Any] = {}
    for (kind, currency), amount in sorted(found.totals.items()):
        lines.append(f"  {kind:<24} {currency} {amount:>12,.2f}  ({found.counts.get((kind, currency), 0)} events)")
        by_currency[currency] = by_currency.get(currency, 0) + amount
    for currency, amount in sorted(by_currency.items()):
        lines.append(f"  {'total':<24} {currency} {amount:>12,.2f}")
    if not found.totals:
        lines.append("  nothing posted yet")
    if found.note:
        lines.append(f"  ({found.note})")
    return lines


def provisional_status(job: Job, now: datetime) -> list[str]:
    """The store's provisional figures, when it has any (its Finances API, say)."""
    from xerosync.sources.port import ProvisionalStore

    try:
        store = job.store
        if not isinstance(store, ProvisionalStore):
            return []
        return provisional_lines(store.provisional(now))
    except NotConfigured:
        return []
    except Exception as exc:  # a refused or silent store: the other lines still help
        return [f"provisional view unavailable: {type(exc).__name__}: {exc}"]


@rotate_app.command("store-secret")
def rotate_store_secret(stack: StackOption) -> None:
    """Ask the store for a new API secret (Amazon: the LWA client secret, through the Application
    Management API). The store delivers it to the stack's credential notifications queue, the stack
    stores it; xerosync status then shows its new expiry."""
    from xerosync.sources.port import RenewingStore, StoreError

    found = _stack(stack)
    job = _stack_job(found)
    try:
        store = job.store
    except NotConfigured as exc:
        raise _fail(str(exc), 2) from None
    if not isinstance(store, RenewingStore):
        raise _fail(f"the {job.source.name} store's credentials cannot be rotated by xerosync", 2)
    queue = found.resources.get("CredentialNotificationsQueue")
    if not queue:
        raise _fail("this stack has no CredentialNotificationsQueue to receive the new secret", 2)
    try:
        said = store.renew_credentials()
    except StoreError as exc:
        raise _fail(str(exc)) from None
    console.print(said)
    console.print(f"the stack receives it on {queue} (registered in the developer console)")


def job_status(stack: Any, *, live: bool, provisional: bool = True) -> None:
    """The scheduled jobs' last runs, the store's credentials and provisional figures, and the
    Xero quota, for ``xerosync status``."""
    job = _stack_job(stack)
    now = datetime.now(UTC)
    for line in credential_status(job, now):
        console.print(line, markup=False, highlight=False)
    reconciliation, _ = job.states.load(RECONCILE)
    last = reconciliation.get("last_run") or {}
    if last:
        console.print(
            f"last reconciliation: {last.get('at')}: listed {last.get('listed')}, enqueued {last.get('enqueued')}, "
            f"watermark {last.get('watermark')}" + (f", [red]{last.get('errors')}[/red]" if last.get("errors") else "")
        )
        for line in last.get("webhooks") or []:
            if not line.endswith(": ok"):
                console.print(f"  webhook {line}")
    else:
        console.print("last reconciliation: never")
    drifted = reconciliation.get("last_drift")
    if drifted:
        console.print(f"last drift report: {drifted.get('summary')}")
    pulled, _ = job.states.load("pull")
    if pulled.get("last_run"):
        run = pulled["last_run"]
        console.print(f"last pull: {run.get('at')}: {run.get('written')} product(s) written")
    settled, _ = job.states.load("settlements")  # xerosync.settlement_job.SETTLEMENTS, not imported: heavy
    if settled.get("last_run"):
        for line in settlements_status(settled["last_run"]):
            console.print(line, markup=False, highlight=False)
    else:
        with contextlib.suppress(Exception):  # settings unreadable: the other lines still help
            if job.settings.settlements.enabled:
                console.print("last settlements run: never")
    if provisional:
        for line in provisional_status(job, now):
            console.print(line, markup=False, highlight=False)
    quota = max(
        (q for q in (reconciliation.get("xero_quota"), pulled.get("xero_quota"), settled.get("xero_quota")) if q),
        key=lambda q: str(q.get("at")),
        default=None,
    )
    if live:
        try:
            job.xero.organisation()
            rate = job.xero.last_rate
            quota = {"day_remaining": rate.day_remaining, "minute_remaining": rate.minute_remaining, "at": "now"}
        except Exception as exc:
            errors.print(f"[red]Xero: {exc}[/red]")
    if quota:
        console.print(f"Xero calls left today: {quota.get('day_remaining')} (as of {quota.get('at')})")
    else:
        console.print("Xero calls left today: unknown (xerosync status --live asks Xero, using one call)")
