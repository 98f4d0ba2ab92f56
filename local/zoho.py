"""A Zoho CRM organisation on the local stack, wired as a merchant wires a real one (what
local/shopify.py is for Shopify):

* the Zoho CRM simulator (``local.zoho_crm``) serves the organisation: its data centre's
  accounts server (the Self Client's refresh token), the v8 records API, notification channels
  that POST to their ``notify_url``;
* a :class:`~local.stack.LocalStack` of template.yaml with ``StoreSource=zoho``, so its HTTP API
  serves ``POST /webhooks/zoho`` and every function reads the CRM through the adapter;
* the stack's secrets as a merchant fills them: ``StoreApiSecret`` holds the data centre, the
  Self Client's id and secret and a refresh token (and, here only, the simulator's accounts
  server), ``WebhookSecret`` the channel token (at most 50 characters: Zoho's limit), the
  Xero custom connection in ``XeroCredentialsSecret``;
* the settings (``local/zoho-settings.yaml``);
* the notification channel: the stack enables it itself (its scheduled reconciliation keeps the
  channel to ``/webhooks/zoho`` alive: :meth:`xerosync.sources.zoho.client.ZohoCRM.subscriptions`).

    sandbox = XeroSandbox().start(); org = sandbox.add_organisation("CRM Pty Ltd")
    crm = start("my-crm", sandbox, org, sandbox.add_client([org.tenant_id]))
    crm.crm.user_edit("Accounts", [{"Account_Name": "Acme"}]); crm.settle()
    crm.stop()
"""

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from local.sam import ROOT
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.state import Client
from local.zoho_crm import ZohoCRM

WEBHOOK = "/webhooks/zoho"
SETTINGS = ROOT / "local" / "zoho-settings.yaml"
DATA_CENTRE = "eu"


@dataclass(repr=False)
class ZohoStack:
    """A CRM organisation and the stack that serves it."""

    crm: ZohoCRM
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation
    token: str = field(default="", repr=False)  # the channel token (the stack's WebhookSecret)
    subscribed: list[str] = field(default_factory=list)

    @property
    def webhook_url(self) -> str:
        return self.stack.api_url + WEBHOOK

    def settle(self, timeout: float = 180.0) -> bool:
        """Until the CRM has delivered its notifications and the stack's queues are empty.

        The timeout covers the sync's pacing (``xerosync.xero.pacing``): after a flow of
        notifications (an earlier test's history) a queue stays busy for ``BUSY_MEMORY`` seconds and
        holds each small batch to the next ``BUSY_TICK`` (or twice that), and a record applied here
        is followed by the echo of xerosync's own write-back, held in turn: two holds of up to
        64 s each. With 60 s, one CI run timed out by seconds on such a chain (held 30 s, applied,
        its echo held 30 s). Returns as soon as the queues are idle."""
        deadline = time.monotonic() + timeout
        assert self.crm.channels is not None
        self.crm.channels.drain(timeout)
        return self.stack.wait_idle(max(0.1, deadline - time.monotonic()))

    def register_channel(self) -> list[str]:
        """What the deployed stack does every ReconcileSchedule: its reconciliation enables (or
        renews) the notification channel to this stack."""
        result = self.stack.run_schedule("ReconcileFunction")
        if not result.ok:
            raise RuntimeError(f"the reconciliation failed: {result.error}")
        report: dict[str, Any] = result.payload or {}
        return [str(line) for line in report.get("webhooks", [])]

    def stop(self) -> None:
        self.stack.stop()
        self.crm.stop()


def start(
    name: str,
    sandbox: XeroSandbox,
    org: Organisation,
    connection: Client,
    *,
    crm: ZohoCRM | None = None,
    settings: str | None = None,
    parameters: Mapping[str, str] | None = None,
    register: bool = True,
) -> ZohoStack:
    """A stack named ``name`` serving ``crm`` (by default a new simulator in the ``eu`` data centre)
    into ``org``; ``parameters``: template parameters besides the source's (a chaos run's timeouts)."""
    simulator = crm or ZohoCRM(dc=DATA_CENTRE)
    if not simulator.url:
        simulator.start()
    stack = LocalStack(
        stack_name=name,
        store_name="zoho-crm",
        parameters={
            "StoreSource": "zoho",
            "XeroApiUrl": sandbox.url,
            "XeroIdentityUrl": sandbox.url,
            "SyncBatchWindow": "1",
            **(parameters or {}),
        },
    )
    try:
        stack.start()
        token = secrets.token_urlsafe(30)  # 40 characters: within Zoho's 50
        running = ZohoStack(simulator, stack, sandbox, org, token)
        stack.put_secret("WebhookSecret", token)
        stack.put_secret(
            "XeroCredentialsSecret",
            json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
        )
        client = simulator.accounts.client
        stack.put_secret(
            "StoreApiSecret",
            json.dumps(
                {
                    "data_centre": simulator.dc,
                    "client_id": client.client_id,
                    "client_secret": client.client_secret,
                    "refresh_token": simulator.refresh_token(),
                    "accounts_server": f"{simulator.url}/accounts/{{dc}}",
                }
            ),
        )
        stack.put_settings(settings if settings is not None else SETTINGS.read_text())
        if register:
            running.subscribed = running.register_channel()
        return running
    except BaseException:
        stack.stop()
        if crm is None:
            simulator.stop()
        raise
