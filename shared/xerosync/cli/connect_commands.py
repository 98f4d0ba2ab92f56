"""``xerosync connect xero`` and ``xerosync disconnect xero``: the console's Connect, from a terminal.

As ``gh auth login`` does with a browser: a listener on this machine's loopback
(``http://localhost:PORT/callback``, a redirect URI the Xero app must list: Xero allows
``http://localhost``), the browser opened on Xero's consent screen (``--no-browser`` prints the
URL to open anywhere), then the code exchanged with the PKCE verifier that never left this
process, the organisation chosen (``--tenant``, or asked when the consent reached several), and
the connection stored in the stack exactly as the console stores it
(:class:`xerosync.connect.xero.XeroConnect`), in the sync log under the operator's AWS identity.
"""

import html
import secrets
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import typer

from xerosync.cli import StackOption, _stack, app, console, errors

connect_app = typer.Typer(no_args_is_help=True, help="Connect a stack to Xero (a standard app's consent).")
disconnect_app = typer.Typer(no_args_is_help=True, help="Disconnect a stack from Xero.")
app.add_typer(connect_app, name="connect")
app.add_typer(disconnect_app, name="disconnect")

DEFAULT_PORT = 8742  # register http://localhost:8742/callback as a redirect URI of the Xero app
DONE_PAGE = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>xerosync</title>'
    '<body style="font-family:system-ui;margin:2rem"><h1 id="cli-done">{title}</h1><p>{text}</p></body></html>'
)


def _listen(port: int) -> tuple[Any, threading.Event, dict[str, str]]:
    """A server on 127.0.0.1:``port`` whose ``/callback`` records the query and says what to do next."""
    from http.server import ThreadingHTTPServer

    got: dict[str, str] = {}
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # no request lines in the terminal
            return

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/callback" or arrived.is_set():
                self.send_error(404)
                return
            got.update({k: v[-1] for k, v in parse_qs(url.query).items()})
            ok = "code" in got and "error" not in got
            title = "Back to the terminal" if ok else "Xero did not connect"
            text = (
                "xerosync is finishing the connection there; you can close this window."
                if ok
                else (html.escape(got.get("error_description") or got.get("error") or "no code came back"))
            )
            body = DONE_PAGE.format(title=title, text=text).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            arrived.set()

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True, name="xero-callback").start()
    return server, arrived, got


def _connector(stack: str) -> Any:
    from xerosync.aws.secrets import JsonSecret
    from xerosync.aws.synclog import DynamoSyncLog
    from xerosync.aws.tokens import DynamoTokenStore
    from xerosync.connect.xero import XeroConnect
    from xerosync.environment import ConfigurationError, Environment

    try:
        env = Environment.from_stack(_stack(stack))
    except ConfigurationError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    return XeroConnect(
        JsonSecret(env.xero_secret_arn),
        DynamoTokenStore(env.mappings_table),
        DynamoSyncLog(env.sync_log_table, env.sync_log_days) if env.sync_log_table else None,
        identity_url=env.xero_identity_url,
        api_url=env.xero_api_url,
    )


def _who() -> str:
    from xerosync.cli.console_commands import caller

    try:
        return f"{caller()} (xerosync CLI)"
    except Exception:  # no identity to name: the log still says it was the CLI
        return "an operator (xerosync CLI)"


def _choose(organisations: Any, tenant: str | None) -> str:
    ordered = sorted(organisations, key=lambda o: o.tenant_name.lower())
    if tenant:
        if not any(o.tenant_id == tenant for o in ordered):
            named = ", ".join(f"{o.tenant_name} ({o.tenant_id})" for o in ordered)
            errors.print(f"[red]--tenant {tenant} is not one this consent connected: {named}[/red]")
            raise typer.Exit(1)
        return tenant
    if len(ordered) == 1:
        return str(ordered[0].tenant_id)
    console.print("The consent connected several organisations; this stack writes to one:")
    for number, o in enumerate(ordered, 1):
        console.print(f"  {number}. {o.tenant_name}  ({o.tenant_id})")
    while True:
        picked = typer.prompt("Which one (its number)", type=int)
        if 1 <= picked <= len(ordered):
            return str(ordered[picked - 1].tenant_id)


@connect_app.command("xero")
def connect_xero(
    stack: StackOption,
    port: Annotated[
        int, typer.Option(help="the loopback port Xero redirects to (a redirect URI of the app)")
    ] = DEFAULT_PORT,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="print the URL instead of opening a browser")
    ] = False,
    tenant: Annotated[
        str | None, typer.Option(help="the organisation's tenant id, when the consent reaches several")
    ] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the consent")] = 300.0,
) -> None:
    """Connect the stack to a Xero organisation through the app's consent screen, as the console's
    Connect page does, from this machine."""
    from xerosync.connect.xero import ConsentRefused, NotReady, refusal
    from xerosync.xero.errors import XeroError
    from xerosync.xero.oauth import Pkce, new_state

    connector = _connector(stack)
    redirect_uri = f"http://localhost:{port}/callback"
    state, pkce = new_state(), Pkce.new()
    try:
        url = connector.authorize_url(redirect_uri, state, pkce.challenge)
    except NotReady as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    try:
        server, arrived, got = _listen(port)
    except OSError as exc:
        errors.print(f"[red]port {port} is not free ({exc.strerror}): --port another, listed in the Xero app[/red]")
        raise typer.Exit(2) from None
    who = _who()
    try:
        console.print(f"Xero's consent for stack {stack} (redirect URI {redirect_uri}):")
        console.print(url, markup=False, highlight=False, soft_wrap=True)
        if no_browser or not webbrowser.open(url):
            console.print("Open that URL in a browser on this machine.")
        else:
            console.print("A browser window is open on it; waiting for the consent...")
        if not arrived.wait(timeout):
            errors.print(f"[red]no answer from Xero within {timeout:.0f} s: nothing changed[/red]")
            raise typer.Exit(1)
    finally:
        server.shutdown()
        server.server_close()
    if not secrets.compare_digest(got.get("state", ""), state):
        errors.print("[red]the answer is not for this request (state differs): nothing changed[/red]")
        raise typer.Exit(1)
    if "error" in got or "code" not in got:
        said = refusal(got.get("error", "no code"), got.get("error_description", ""))
        connector.refused(who, said, via="cli")
        errors.print(f"[red]{said}[/red]")
        raise typer.Exit(1)
    try:
        consent = connector.consent(got["code"], redirect_uri, pkce.verifier)
        chosen = connector.connect(consent, _choose(consent.organisations, tenant), who, via="cli")
    except (ConsentRefused, NotReady, XeroError) as exc:
        connector.refused(who, f"Xero did not connect: {exc}", via="cli")
        errors.print(f"[red]Xero did not connect: {exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]Connected stack {stack} to {chosen.tenant_name} (tenant {chosen.tenant_id})[/green]")


@disconnect_app.command("xero")
def disconnect_xero(stack: StackOption) -> None:
    """Disconnect the stack's organisation at Xero (DELETE /connections) and clear its token set:
    the stack stops writing to Xero until it is connected again."""
    from xerosync.connect.xero import NotReady
    from xerosync.xero.errors import XeroError

    connector = _connector(stack)
    try:
        done = connector.disconnect(_who(), via="cli")
    except (NotReady, XeroError) as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]Stack {stack}: {done}; the token set is cleared[/green]")
