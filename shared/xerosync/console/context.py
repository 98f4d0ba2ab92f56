"""What the console's pages work with, built once per container from the function's environment:
the session store, the sync log, the stack (found by name, as the operator's commands find it)
and the jobs' wiring. The console's one composition root: pages never read the environment.
"""

from functools import cache
from typing import TYPE_CHECKING

from xerosync.aws.console_sessions import DynamoConsoleSessions
from xerosync.aws.synclog import DynamoSyncLog, LogEntry
from xerosync.environment import Environment, current

if TYPE_CHECKING:
    from xerosync.aws.consent_state import DynamoConsents
    from xerosync.aws.secrets import JsonSecret
    from xerosync.aws.stack import Stack
    from xerosync.connect.xero import XeroConnect
    from xerosync.console.auth import Session
    from xerosync.jobs import Job
    from xerosync.sources.credentials_port import CredentialForm, KeyGrant

CONSOLE_TOPIC = "console"  # the sync log's topic of every change made from the console


@cache
def environment() -> Environment:
    return current().require("SYNC_LOG_TABLE", "STACK_NAME")


@cache
def sessions() -> DynamoConsoleSessions:
    return DynamoConsoleSessions(environment().sync_log_table)


def journal() -> DynamoSyncLog:
    return DynamoSyncLog(environment().sync_log_table, environment().sync_log_days)


@cache
def stack() -> "Stack":
    """The stack's resources, parameters and outputs (CloudFormation, once per container)."""
    from xerosync.aws.stack import find

    return find(environment().stack_name)


def job() -> "Job":
    """The jobs' wiring for one request (settings and store credentials read afresh)."""
    from xerosync.jobs import Job

    return Job(environment())


def audit(session: "Session", key: str, action: str, detail: str) -> None:
    """A change made from the console, in the sync log under ``key`` (a record, or ``console``),
    with who made it: outcome ``requested`` (what it led to follows in the log)."""
    journal().write(
        LogEntry(
            key=key, outcome="requested", action=action, topic=CONSOLE_TOPIC, reason=f"{detail} (by {session.who})"
        )
    )


# --- connecting Xero and the store (xerosync.console.connect) ------------------------------------------
def xero_connect() -> "XeroConnect":
    """The Xero connection's use cases on this stack's secret, token set and sync log."""
    from xerosync.aws.secrets import JsonSecret
    from xerosync.aws.tokens import DynamoTokenStore
    from xerosync.connect.xero import XeroConnect

    env = current().require("XERO_CREDENTIALS_SECRET_ARN", "MAPPINGS_TABLE")
    return XeroConnect(
        JsonSecret(env.xero_secret_arn),
        DynamoTokenStore(env.mappings_table),
        journal(),
        identity_url=env.xero_identity_url,
        api_url=env.xero_api_url,
    )


@cache
def consents() -> "DynamoConsents":
    from xerosync.aws.consent_state import DynamoConsents

    return DynamoConsents(environment().sync_log_table)


def store_form() -> "CredentialForm | None":
    from xerosync import sources

    return sources.credential_form(current().store_source or sources.DEFAULT)


def key_grant() -> "KeyGrant | None":
    from xerosync import sources

    return sources.key_grant(current().store_source or sources.DEFAULT)


def store_secret() -> "JsonSecret":
    from xerosync.aws.secrets import JsonSecret

    return JsonSecret(current().require("STORE_API_SECRET_ARN").store_secret_arn)
