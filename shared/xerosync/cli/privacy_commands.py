"""The operator's privacy commands: ``xerosync privacy export|request|redact``, ``xerosync resume``,
and the line ``xerosync status`` shows while the sync is stopped.

A store with privacy webhooks (Shopify) sends its requests to the stack itself; these commands
are for what it did (``export``: the entry a data request wrote), for a store without them
(WooCommerce: ``request`` and ``redact`` run the same use cases, :mod:`xerosync.sync.privacy`, from
the operator's machine, with the stack's own tables and queues), and for starting a stopped sync
again. Nothing is written anywhere but the stack and, for ``export``, the file or terminal named.
"""

import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from xerosync.aws.jobstate import DynamoSyncSwitch
from xerosync.aws.stack import Stack
from xerosync.aws.synclog import DynamoSyncLog
from xerosync.cli import StackOption, _stack, app, console, errors
from xerosync.domain import CustomerDataRequest, RedactCustomer
from xerosync.environment import ConfigurationError, Environment
from xerosync.sync import privacy as use_cases
from xerosync.sync.ports import LogEntry
from xerosync.wiring import privacy_from, sync_log_from

privacy_app = typer.Typer(no_args_is_help=True, help="A customer's data in the stack: export it, or remove it.")
app.add_typer(privacy_app, name="privacy")

DEAD_LETTER_QUEUES = ("OrdersDLQ", "ContactsDLQ")  # their messages carry store payloads

CustomerOption = Annotated[
    list[str],
    typer.Option("--customer", help="the customer: a record key (customer:7, guest:<email>), an id, or an email"),
]
EmailOption = Annotated[list[str], typer.Option("--email", help="an email of theirs, searched for in stored text")]
OrderOption = Annotated[list[str], typer.Option("--order", help="the store id of one of their orders")]
DetailOption = Annotated[list[str], typer.Option("--detail", help="other text that identifies them (a phone number)")]


def _environment(stack: Stack) -> Environment:
    try:
        return Environment.from_stack(stack).require("MAPPINGS_TABLE", "SYNC_LOG_TABLE")
    except ConfigurationError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _identify(customers: list[str], emails: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Record keys and emails from what the operator typed (an email given as a customer counts as both)."""
    keys: list[str] = []
    found = list(emails)
    for customer in customers:
        if "@" in customer and ":" not in customer:
            found.append(customer)
        elif ":" in customer:
            keys.append(customer)
        else:
            keys.append(f"customer:{customer}")
    if not keys and not found:
        errors.print("[red]name the customer: --customer and/or --email[/red]")
        raise typer.Exit(2)
    return tuple(keys), tuple(found)


@privacy_app.command("export")
def export(
    stack: StackOption,
    customer: Annotated[str, typer.Option(help="customer:7, an id, or the email of a guest")],
    out: Annotated[Path | None, typer.Option(help="write the export here instead of the terminal")] = None,
) -> None:
    """Print what the stack holds on a customer, as their last data request recorded it."""
    keys, emails = _identify([customer], [])
    ref = use_cases.customer_ref(keys, emails)
    log = DynamoSyncLog(_environment(_stack(stack)).sync_log_table)  # reading: its retention is not needed
    exports = [e for e in log.by_record(use_cases.EXPORT_PREFIX + ref) if e.payload]
    if not exports:
        errors.print(
            f"[red]no data request recorded for {ref} (within the sync log's retention): "
            f"xerosync privacy request --stack {stack} --customer ... records one now[/red]"
        )
        raise typer.Exit(1)
    latest = max(exports, key=lambda e: e.at)
    if out is None:
        typer.echo(latest.payload)
        return
    out.write_text(latest.payload + "\n")
    console.print(f"{ref}: the export of {latest.at} written to {out}")


@privacy_app.command("request")
def request(
    stack: StackOption,
    customer: CustomerOption = [],  # noqa: B006 - typer's way to repeat an option
    email: EmailOption = [],  # noqa: B006
    order: OrderOption = [],  # noqa: B006
    detail: DetailOption = [],  # noqa: B006
) -> None:
    """Record a data request (what the stack holds on the customer), for a store that sends none."""
    keys, emails = _identify(customer, email)
    found = _stack(stack)
    command = CustomerDataRequest(f"cli-{uuid.uuid4().hex[:12]}", keys, emails, tuple(order), tuple(detail))
    outcome = use_cases.handle(command, privacy_from(_environment(found), dead_letter_queues=[]))
    _log(found, outcome.key, outcome.action, outcome.reason)
    console.print(outcome.reason.replace("<stack>", stack))


@privacy_app.command("redact")
def redact(
    stack: StackOption,
    customer: CustomerOption = [],  # noqa: B006
    email: EmailOption = [],  # noqa: B006
    order: OrderOption = [],  # noqa: B006
    detail: DetailOption = [],  # noqa: B006
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Remove a customer's data from the stack: sync log, mappings, dead-letter queues."""
    keys, emails = _identify(customer, email)
    found = _stack(stack)
    if not yes:
        typer.confirm(f"Remove what stack {stack} holds on {', '.join(keys + emails)}?", abort=True)
    queues = [found.resources[q] for q in DEAD_LETTER_QUEUES if found.resources.get(q)]
    command = RedactCustomer(f"cli-{uuid.uuid4().hex[:12]}", keys, emails, tuple(order), tuple(detail))
    ports = privacy_from(_environment(found), dead_letter_queues=queues, sweep_seconds=3600.0)
    outcome = use_cases.handle(command, ports)
    _log(found, outcome.key, outcome.action, outcome.reason, outcome.also)
    console.print(outcome.reason)
    for line in outcome.also:
        console.print(f"  {line}")


@app.command()
def resume(stack: StackOption) -> None:
    """Start a stopped sync again (the store said stop: the app was uninstalled, the shop erased)."""
    found = _stack(stack)
    ended = DynamoSyncSwitch(_environment(found).mappings_table).resume()
    if ended is None:
        console.print(f"stack {stack}: the sync was not stopped")
        return
    reason = f"resumed by the operator; stopped since {ended.since} ({ended.reason})"
    _log(found, "job:sync", "resumed", reason)
    console.print(
        f"stack {stack}: the sync runs again (it was stopped since {ended.since}: {ended.reason}). "
        "The next reconciliation catches up what changed meanwhile; reconnect the store first if it was uninstalled."
    )


def sync_status(stack: Any) -> None:
    """For ``xerosync status``: whether the sync is stopped, and how to start it again."""
    stopped = DynamoSyncSwitch(_environment(stack).mappings_table).stopped()
    if stopped is None:
        console.print("sync: running")
        return
    console.print(
        f"[red]sync: STOPPED since {stopped.since}: {stopped.reason}[/red] ({stopped.by or 'store'}). "
        "Records are skipped, the reconciliation and the pull do nothing. "
        f"To start again: xerosync resume --stack {stack.name}"
    )


def _log(stack: Stack, key: str, outcome: str, reason: str, also: tuple[str, ...] = ()) -> None:
    log = sync_log_from(_environment(stack))
    assert log is not None  # _environment requires the table
    log.write(LogEntry(key=key, outcome=outcome, action="operator", reason=reason, also=also))
