"""``xerosync console link``: a one-time sign-in link to a stack's console, minted with the
operator's AWS credentials (whoever may write the stack's sync log table may let someone in)."""

from typing import Annotated

import typer

from xerosync.cli import StackOption, _stack, app, console, errors

console_app = typer.Typer(no_args_is_help=True, help="The merchant's console, served by the stack.")
app.add_typer(console_app, name="console")


def caller() -> str:
    """Who the operator is to AWS (STS GetCallerIdentity: no permission needed)."""
    from xerosync.aws import client

    return str(client("sts").get_caller_identity()["Arn"])


def signin_link(found: object, who: str) -> str:
    """A new sign-in link to ``found``'s console for ``who`` (good once, for 10 minutes)."""
    from xerosync.aws.console_sessions import DynamoConsoleSessions
    from xerosync.console.auth import mint_signin

    resources = getattr(found, "resources", {})
    outputs = getattr(found, "outputs", {})
    if "SyncLogTable" not in resources or "ConsoleUrl" not in outputs:
        raise typer.BadParameter("this stack has no console (deploy this version of xerosync first)")
    token = mint_signin(DynamoConsoleSessions(resources["SyncLogTable"]), who)
    return f"{outputs['ConsoleUrl']}/signin?token={token}"


@console_app.command("link")
def link(
    stack: StackOption,
    who: Annotated[
        str | None, typer.Option(help="who signs in, as the sync log will name them (default: your AWS identity)")
    ] = None,
) -> None:
    """Print a one-time sign-in link to the stack's console (good once, for 10 minutes). Every change
    made in that session is written to the sync log with who made it."""
    found = _stack(stack)
    try:
        name = who or caller()
    except Exception as exc:  # no identity to name: ask for one
        errors.print(f"[red]who are you? AWS did not say ({type(exc).__name__}); pass --who NAME[/red]")
        raise typer.Exit(2) from None
    console.print(f"Sign-in link for {name} (good once, for 10 minutes; keep it to yourself):")
    console.print(signin_link(found, name), markup=False, highlight=False, soft_wrap=True)
