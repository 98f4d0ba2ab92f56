"""The operator's command line: ``xerosync <command>`` (or ``python -m xerosync``).

Against a store's stack (``--stack``): ``status``, ``log``, ``retry``, ``push``, ``pull``,
``reconcile``, ``drift``, ``setup`` (the last five in :mod:`xerosync.cli.stack_commands`), ``resume``
``privacy export|request|redact`` (:mod:`xerosync.cli.privacy_commands`), ``console link``
(:mod:`xerosync.cli.console_commands`) and ``connect xero``/``disconnect xero``
(:mod:`xerosync.cli.connect_commands`).

Commands that read a settings file work offline; those that talk to Xero take the custom
connection's credentials from options or the environment (XERO_CLIENT_ID, XERO_CLIENT_SECRET,
XERO_API_URL, XERO_IDENTITY_URL), so they run against a real organisation or the sandbox.
"""

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xerosync import sources
from xerosync.config import SettingsError, StoreSettings, parse_settings_noting
from xerosync.sources.port import StoreSource

app = typer.Typer(no_args_is_help=True, add_completion=False, help="xerosync: a store's Xero organisation, hands-off.")
settings_app = typer.Typer(no_args_is_help=True, help="The store settings file.")
app.add_typer(settings_app, name="settings")
rotate_app = typer.Typer(no_args_is_help=True, help="Renew a stack's credentials.")
app.add_typer(rotate_app, name="rotate")
console = Console()
errors = Console(stderr=True)

SettingsOption = Annotated[Path, typer.Option("--settings", "-s", help="the store settings (YAML or JSON)")]
SourceOption = Annotated[
    str,
    typer.Option(
        "--source",
        envvar="STORE_SOURCE",
        help=f"the store platform the file is for, as a stack's StoreSource names it (default: {sources.DEFAULT})",
    ),
]


def _source(name: str) -> StoreSource:
    try:
        return sources.source(name)
    except sources.UnknownSource as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _settings(path: Path, source: StoreSource) -> StoreSettings:
    """The file, read as the stack would read it (the store's defaults applied, its own section
    checked by its adapter); notes on settings read from their old place go to stderr."""
    try:
        settings, moved = parse_settings_noting(path.read_text(), source=str(path), defaults=source.settings_defaults)
    except (OSError, SettingsError) as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    problems = source.check_settings(settings)
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        errors.print(f"[red]{path} has {len(problems)} problem(s) for a {source.name} store:\n{listed}[/red]")
        raise typer.Exit(2)
    for note in moved:
        errors.print(f"[yellow]{path}: {note}[/yellow]")
    return settings


def _xero(api_url: str, identity_url: str, client_id: str, client_secret: str, tenant_id: str | None):  # type: ignore[no-untyped-def]
    from xerosync.xero.client import XeroClient, XeroCredentials

    if not client_id or not client_secret:
        errors.print(
            "[red]Xero credentials missing: --client-id/--client-secret or XERO_CLIENT_ID/XERO_CLIENT_SECRET[/red]"
        )
        raise typer.Exit(2)
    return XeroClient(XeroCredentials(client_id, client_secret, tenant_id), api_url=api_url, identity_url=identity_url)


@settings_app.command("validate")
def settings_validate(
    path: Annotated[Path, typer.Argument(help="the settings file")], source: SourceOption = sources.DEFAULT
) -> None:
    """Check the file alone: every field known, every value of the right kind (the store's own
    section too); settings found at their old place are named, with where they go now."""
    _settings(path, _source(source))
    console.print(f"[green]{path}: valid[/green]")


@settings_app.command("check")
def settings_check(
    path: Annotated[Path, typer.Argument(help="the settings file")],
    api_url: Annotated[str, typer.Option(envvar="XERO_API_URL")] = "https://api.xero.com",
    identity_url: Annotated[str, typer.Option(envvar="XERO_IDENTITY_URL")] = "https://identity.xero.com",
    client_id: Annotated[str, typer.Option(envvar="XERO_CLIENT_ID")] = "",
    client_secret: Annotated[str, typer.Option(envvar="XERO_CLIENT_SECRET")] = "",
    tenant_id: Annotated[str | None, typer.Option(envvar="XERO_TENANT_ID")] = None,
    source: SourceOption = sources.DEFAULT,
) -> None:
    """Check the file against the Xero organisation: every account, tax type and tracking option exists."""
    from xerosync.settings_check import check
    from xerosync.sources.quotes_port import documents_of
    from xerosync.xero.errors import XeroError

    store = _source(source)
    settings = _settings(path, store)
    try:
        xero = _xero(api_url, identity_url, client_id, client_secret, tenant_id)
        findings = check(settings, xero, documents=documents_of(store, settings))
    except XeroError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    table = Table("setting", "value", "", "in Xero")
    for f in findings:
        table.add_row(f.setting, f.value, "[green]ok[/green]" if f.ok else "[red]problem[/red]", f.detail)
    console.print(table)
    problems = [f for f in findings if not f.ok]
    if problems:
        errors.print(f"[red]{len(problems)} setting(s) do not match the organisation[/red]")
        raise typer.Exit(1)
    console.print("[green]every setting matches the organisation[/green]")


@app.command()
def preview(
    payload: Annotated[
        Path,
        typer.Argument(
            help="an order, customer, product or refund as the store sends it (JSON); or the word payout "
            "(settlement), then the payout's id (read from the store of --stack) or a payout file"
        ),
    ],
    target: Annotated[str | None, typer.Argument(help="after payout: its id, or a payout file (JSON)")] = None,
    settings: Annotated[
        Path | None,
        typer.Option("--settings", "-s", help="the store settings (YAML or JSON); with a payout id: the stack's"),
    ] = None,
    order: Annotated[Path | None, typer.Option(help="the refund's order (JSON), to preview a refund")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document instead of a readable listing")] = False,
    source: SourceOption = sources.DEFAULT,
    stack: Annotated[
        str | None, typer.Option("--stack", envvar="XEROSYNC_STACK", help="a payout id is read from this stack's store")
    ] = None,
) -> None:
    """Print the exact requests xerosync would send Xero for a payload, without calling anything."""
    from xerosync.preview import dumps
    from xerosync.preview import preview as build
    from xerosync.xero.payloads import MappingError

    if str(payload) in ("payout", "settlement"):
        from xerosync.cli.settlement_commands import preview_settlement

        if target is None:
            errors.print("[red]name the payout: xerosync preview payout <id> --stack STACK, or a payout file[/red]")
            raise typer.Exit(2)
        preview_settlement(target, settings=settings, source=source, stack=stack, as_json=as_json)
        return
    if settings is None:
        errors.print("[red]--settings is required: the store settings the payload is mapped with[/red]")
        raise typer.Exit(2)
    store = _source(source)
    parsed = _settings(settings, store)
    try:
        data = json.loads(payload.read_text())
        order_data = json.loads(order.read_text()) if order else None
        result = build(data, parsed, store, order=order_data)
    except (OSError, ValueError, MappingError) as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        return
    console.print(f"[bold]{result.kind}[/bold] {payload}")
    for request in result.requests:
        console.rule(f"{request.method} /api.xro/2.0{request.path}")
        if request.note:
            console.print(f"[dim]{request.note}[/dim]")
        console.print_json(dumps(request.body))
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


StackOption = Annotated[str, typer.Option("--stack", envvar="XEROSYNC_STACK", help="the store's stack name")]


def _stack(name: str):  # type: ignore[no-untyped-def]
    from botocore.exceptions import BotoCoreError, ClientError

    from xerosync.aws.stack import find

    try:
        return find(name)
    except (ClientError, BotoCoreError) as exc:
        errors.print(f"[red]stack {name!r}: {exc}[/red]")
        raise typer.Exit(2) from None


def _ago(text: str) -> timedelta:
    units = {"m": 60, "h": 3600, "d": 86400}
    try:
        return timedelta(seconds=float(text[:-1]) * units[text[-1]])
    except (KeyError, ValueError):
        raise typer.BadParameter("a duration such as 30m, 6h or 7d") from None


@app.command()
def log(
    stack: StackOption,
    record: Annotated[str | None, typer.Option(help="one store record, e.g. order:1001")] = None,
    since: Annotated[str, typer.Option(help="how far back: 30m, 6h, 7d")] = "24h",
    failed: Annotated[bool, typer.Option("--failed", help="only what failed or is retrying")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What happened to each store event: applied, skipped, superseded, failed - and why."""
    from xerosync.ops import log_entries

    now = datetime.now(UTC)
    entries = log_entries(_stack(stack), record=record, since=now - _ago(since), until=now)
    if failed:
        entries = [e for e in entries if e.outcome in ("failed", "retrying")]
    if as_json:
        sys.stdout.write(json.dumps([asdict(e) for e in entries], indent=2) + "\n")
        return
    table = Table("time", "record", "outcome", "action", "xero id", "reason")
    colours = {"failed": "red", "retrying": "yellow", "applied": "green"}
    for e in entries:
        colour = colours.get(e.outcome, "white")
        table.add_row(
            e.at[:19],
            e.key,
            f"[{colour}]{e.outcome}[/{colour}]",
            e.action,
            e.xero_id[:8],
            "; ".join(filter(None, [e.reason, *e.also])),
        )
    console.print(table)
    console.print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")


@app.command()
def retry(
    stack: StackOption,
    queue: Annotated[str | None, typer.Option(help="orders, contacts or items (default: all)")] = None,
    record: Annotated[str | None, typer.Option(help="only this store record, e.g. order:1001")] = None,
) -> None:
    """Send dead-lettered records back to their queues, after fixing what made them fail."""
    from xerosync.ops import retry as redrive

    results = redrive(_stack(stack), queue=queue, record=record)
    for r in results:
        console.print(f"{r.queue}: {r.moved} sent back" + (f", {r.kept} left" if r.kept else ""))


@app.command()
def status(
    stack: StackOption,
    live: Annotated[bool, typer.Option("--live", help="ask Xero for the quota left today (one call)")] = False,
    provisional: Annotated[
        bool,
        typer.Option(help="the store's figures posted since its last settlement, where it has them (its API)"),
    ] = True,
) -> None:
    """Queues, dead letters and their alarms, the stack's other alarms, whether the sync is stopped,
    the last reconciliation, pull and drift report, when the store's credentials expire, what the
    store posted since its last settlement (provisional, never posted), and Xero's quota."""
    from xerosync.cli.privacy_commands import sync_status
    from xerosync.cli.stack_commands import job_status

    found = _stack(stack)
    for line in status_lines(found):
        console.print(line)
    sync_status(found)
    job_status(found, live=live, provisional=provisional)


def _alarm_text(states: dict[str, str]) -> str:
    firing = [name.removesuffix("Alarm") for name, state in states.items() if state == "ALARM"]
    if firing:
        return "[red]ALARM " + ", ".join(firing) + "[/red]"
    return "ok" if states else "-"


def status_lines(found: Any) -> list[Any]:
    """The queues with their depths and alarms, then the stack's other alarms that are firing."""
    from xerosync.ops import alarm_states, queue_alarms, queue_depths

    states = alarm_states(found)
    by_queue = queue_alarms(states)
    table = Table("queue", "waiting", "in flight", "dead letters", "alarms")
    for name, row in queue_depths(found).items():
        dead = row.get("dead", 0)
        table.add_row(
            name,
            str(row.get("waiting", 0)),
            str(row.get("in flight", 0)),
            f"[red]{dead}[/red]" if dead else "0",
            _alarm_text(by_queue.get(name, {})),
        )
    queued = {k for alarms in by_queue.values() for k in alarms}
    others = {k: v for k, v in states.items() if k not in queued}
    text = _alarm_text(others)
    summary = text if text.startswith("[red]") else f"{len(others)} ok" if others else "none"
    return [table, f"other alarms: {summary}"]


def main() -> None:
    app()


from xerosync.cli import (  # noqa: E402, F401 - register their commands
    connect_commands,
    console_commands,
    privacy_commands,
    settlement_commands,
    stack_commands,
)
