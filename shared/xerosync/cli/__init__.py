"""The operator's command line: ``xerosync <command>`` (or ``python -m xerosync``).

Commands that read a settings file work offline; those that talk to Xero take the custom
connection's credentials from options or the environment (XERO_CLIENT_ID, XERO_CLIENT_SECRET,
XERO_API_URL, XERO_IDENTITY_URL), so they run against a real organisation or the sandbox.
"""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xerosync.config import SettingsError, StoreSettings, parse_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="xerosync: a store's Xero organisation, hands-off.")
settings_app = typer.Typer(no_args_is_help=True, help="The store settings file.")
app.add_typer(settings_app, name="settings")
console = Console()
errors = Console(stderr=True)

SettingsOption = Annotated[Path, typer.Option("--settings", "-s", help="the store settings (YAML or JSON)")]


def _settings(path: Path) -> StoreSettings:
    try:
        return parse_settings(path.read_text(), source=str(path))
    except (OSError, SettingsError) as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _xero(api_url: str, identity_url: str, client_id: str, client_secret: str, tenant_id: str | None):  # type: ignore[no-untyped-def]
    from xerosync.xero.client import XeroClient, XeroCredentials

    if not client_id or not client_secret:
        errors.print(
            "[red]Xero credentials missing: --client-id/--client-secret or XERO_CLIENT_ID/XERO_CLIENT_SECRET[/red]"
        )
        raise typer.Exit(2)
    return XeroClient(XeroCredentials(client_id, client_secret, tenant_id), api_url=api_url, identity_url=identity_url)


@settings_app.command("validate")
def settings_validate(path: Annotated[Path, typer.Argument(help="the settings file")]) -> None:
    """Check the file alone: every field known, every value of the right kind."""
    _settings(path)
    console.print(f"[green]{path}: valid[/green]")


@settings_app.command("check")
def settings_check(
    path: Annotated[Path, typer.Argument(help="the settings file")],
    api_url: Annotated[str, typer.Option(envvar="XERO_API_URL")] = "https://api.xero.com",
    identity_url: Annotated[str, typer.Option(envvar="XERO_IDENTITY_URL")] = "https://identity.xero.com",
    client_id: Annotated[str, typer.Option(envvar="XERO_CLIENT_ID")] = "",
    client_secret: Annotated[str, typer.Option(envvar="XERO_CLIENT_SECRET")] = "",
    tenant_id: Annotated[str | None, typer.Option(envvar="XERO_TENANT_ID")] = None,
) -> None:
    """Check the file against the Xero organisation: every account, tax type and tracking option exists."""
    from xerosync.settings_check import check
    from xerosync.xero.errors import XeroError

    settings = _settings(path)
    try:
        findings = check(settings, _xero(api_url, identity_url, client_id, client_secret, tenant_id))
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
    payload: Annotated[Path, typer.Argument(help="a WooCommerce order, customer, product or refund (JSON)")],
    settings: SettingsOption,
    order: Annotated[Path | None, typer.Option(help="the refund's order (JSON), to preview a refund")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document instead of a readable listing")] = False,
) -> None:
    """Print the exact requests xerosync would send Xero for a payload, without calling anything."""
    from xerosync.preview import dumps
    from xerosync.preview import preview as build
    from xerosync.xero.payloads import MappingError

    try:
        data = json.loads(payload.read_text())
        order_data = json.loads(order.read_text()) if order else None
        result = build(data, _settings(settings), order=order_data)
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


def main() -> None:
    app()
