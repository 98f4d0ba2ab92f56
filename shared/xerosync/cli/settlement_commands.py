"""The operator's commands for settlements (a store's deposits: Shopify Payments payouts):
``xerosync preview payout <id|FILE>``, ``xerosync push --payouts --from --to``, and the payouts'
part of ``xerosync drift``.

A push posts from the operator's machine with the stack's own secrets, settings and mapping
table, through the same use case the scheduled SettlementsFunction runs and the organisation's
shared rate budget: a payout posted by either is never posted again by the other.
"""

import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from xerosync.cli import _settings, _source, _stack, console, errors
from xerosync.config import StoreSettings
from xerosync.jobs import Job, NotConfigured
from xerosync.settlement import book
from xerosync.sources.port import SettlementFound, SettlementReader, StoreError
from xerosync.sync.base import Outcome


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def preview_settlement(target: str, *, settings: Path | None, source: str, stack: str | None, as_json: bool) -> None:
    """A payout file (offline) or a payout of the stack's store, as the Xero requests it would make."""
    from xerosync.cli.stack_commands import _stack_job
    from xerosync.preview import dumps, settlement_preview
    from xerosync.sync.settlements import read_sales
    from xerosync.xero.payloads import MappingError

    path = Path(target)
    try:
        if path.is_file():
            adapter = _source(source)
            if not isinstance(adapter, SettlementReader):
                raise _fail(f"a {adapter.name} store has no payout files xerosync reads")
            if settings is None:
                raise _fail("--settings is required with a payout file")
            parsed = _settings(settings, adapter)
            settlement = adapter.read_settlement(_settlement_file(path))
            sales: dict[str, Any] = {}
            where = str(path)
        else:
            if stack is None:
                raise _fail(f"{target} is not a file: a payout id is read from the store of --stack STACK")
            job = _stack_job(_stack(stack))
            parsed = _settings(settings, job.source) if settings else job.settings
            from xerosync.settlement_job import settlement_store

            settlement = settlement_store(job).settlement(target)
            sales = read_sales(settlement, job.store, job.source, parsed)
            where = f"{job.store.url}"
        result = settlement_preview(book(settlement, parsed, sales))
    except (OSError, ValueError, MappingError, NotConfigured) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        return
    console.print(
        f"[bold]{settlement.label or settlement.key}[/bold] ({where}): {settlement.status}, "
        f"deposit {settlement.deposit} {settlement.currency} on {settlement.date}, {parsed.settlements.mode} mode"
    )
    for request in result.requests:
        console.rule(f"{request.method} /api.xro/2.0{request.path}")
        if request.note:
            console.print(f"[dim]{request.note}[/dim]")
        console.print_json(dumps(request.body))
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


def _settlement_file(path: Path) -> dict[str, Any]:
    """A payout file (JSON, Shopify's) as it is; anything else as bytes for the adapter to read
    (Amazon's settlement flat file: tab-separated text in its own encoding)."""
    raw = path.read_bytes()
    try:
        loaded = json.loads(raw)
    except ValueError:
        return {"bytes": raw}
    return loaded if isinstance(loaded, dict) else {"bytes": raw}


def _range(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def push_payouts(job: Job, start: date, end: date) -> None:
    """Post every paid payout issued from ``start`` to ``end`` (UTC days) not posted yet."""
    from xerosync.cli.stack_commands import _progress
    from xerosync.settlement_job import entries, settlement_store
    from xerosync.sync.settlements import poll, read_sales

    try:
        job.check_running()
        settings: StoreSettings = job.settings
        store = settlement_store(job)
        since, until = _range(start, end)
        listed = list(store.settlements(since, until))
    except (NotConfigured, StoreError) as exc:  # a 429 from the store's API too: try again later
        raise _fail(str(exc)) from None
    if not listed:
        console.print(f"no payouts issued {start} to {end}")
        return
    console.print(f"Posting {len(listed)} payout(s) issued {start} to {end} ({settings.settlements.mode} mode)")

    class Listed:
        def settlements(self, since: datetime, until: datetime | None = None) -> Any:
            return iter(listed)

        def settlement(self, settlement_id: str) -> Any:
            return store.settlement(settlement_id)

    with _progress() as progress:
        task = progress.add_task("Posting", total=len(listed))

        def advance(item: SettlementFound, outcome: Outcome | None) -> None:
            progress.advance(task)

        report = poll(
            Listed(),
            since=since,
            until=until,
            settings=settings,
            sales=lambda s: read_sales(s, job.store, job.source, settings),
            mappings=job.mappings,
            xero=job.xero,
            progress=advance,
            again_held=True,  # a re-issue Xero held: applied now if its documents are editable again
        )
    job.log(entries(report))
    table = Table("payout", "outcome", "Xero id", "why")
    for outcome in report.outcomes:
        colour = {"created": "green", "parked": "red"}.get(outcome.action, "white")
        table.add_row(outcome.key, f"[{colour}]{outcome.action}[/{colour}]", (outcome.xero_id or "")[:8],
                      outcome.reason)  # fmt: skip
    for key, why in report.failed:
        table.add_row(key, "[red]failed[/red]", "", why)
    console.print(table)
    summary = report.summary()
    console.print(", ".join(f"{k} {v}" for k, v in summary.items() if v not in (0, "")))
    if report.failed or summary["parked"]:
        raise typer.Exit(1)


def drift_payouts(job: Job, start: date, end: date) -> bool:
    """The payouts' part of the drift report (False when the stack's store has none to check)."""
    from xerosync.settlement_drift import report
    from xerosync.settlement_job import settlement_store

    if not job.settings.settlements.enabled:
        return False
    try:
        store = settlement_store(job)
    except NotConfigured:
        return False
    since, until = _range(start, end)
    result = report(store, job.mappings, job.xero, since, until)
    table = Table("settlement", "what", "deposit", "Xero", "", "why")
    for d in result.differences:
        kind = "[yellow]fixable[/yellow]" if d.fixable else "[red]reported[/red]"
        table.add_row(d.key, d.what, d.store, d.xero, kind, d.reason)
    if result.differences:
        console.print(table)
    console.print(f"settlements (payouts) issued {start} to {end}: {result.summary()}")
    return True


__all__ = ["drift_payouts", "preview_settlement", "push_payouts"]
