"""The write-back side wired into the Zoho store client, against the Zoho CRM simulator over HTTP:
the notification of xerosync's own write, as the ingress enqueues it, is answered ``Ignored`` by the
source before anything is read from the CRM; a user's edit of the same record is read and synced."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import ALL_TRIGGERS
from tests.fakes import InMemoryMappings
from tests.zoho.conftest import client
from tests.zoho_crm.conftest import Receiver
from xerosync.config import StoreSettings
from xerosync.domain import Ignored, SaleChanged
from xerosync.events import StoreEvent, parse_envelope
from xerosync.sources import source
from xerosync.sources.port import Found, Kind, XeroDocumentState, remembers_writes, write_back_of
from xerosync.sources.zoho.adapter import ZohoStore
from xerosync.sources.zoho.channels import Channel, events_for
from xerosync.sources.zoho.webhook import decide
from xerosync.sync.writeback import MappingMemory

TOKEN = "channel-token-wired"
ZOHO = source("zoho")
SETTINGS = StoreSettings(store={"currency": "AUD", "invoice_statuses": {"Approved": "confirmed", "Paid": "paid"}})
PART_PAID = XeroDocumentState(
    type="ACCREC", document_id="inv-1", number="ZC-1001", status="AUTHORISED", currency="AUD", total=Decimal("110.00"),
    amount_paid=Decimal("50.00"), amount_due=Decimal("60.00"), amount_credited=Decimal("0.00"), link="https://go.xero.com/x",
)  # fmt: skip


class Reads(ZohoStore):
    """The store client, counting its reads of records."""

    reads = 0

    def fetch(self, kind: Kind, record_id: str) -> Found:
        self.reads += 1
        return super().fetch(kind, record_id)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def store(crm: Simulator) -> Reads:
    made = Reads(client(crm))
    rememberer = remembers_writes(made)  # as the composition root finds it
    assert rememberer is not None
    rememberer.remember_writes_in(MappingMemory(InMemoryMappings()))
    return made


def invoice(crm: Simulator) -> str:
    [account], _ = crm.store.create("Accounts", [{"Account_Name": "Acme"}], ALL_TRIGGERS, crm.user)
    [product], _ = crm.store.create("Products", [{"Product_Name": "Mug", "Unit_Price": 100}], ALL_TRIGGERS, crm.user)
    row = {"Subject": "Mugs", "Account_Name": {"id": account["details"]["id"]}, "Status": "Approved",
           "Invoice_Date": "2026-09-01", "Invoiced_Items": [{"Product_Name": {"id": product["details"]["id"]},
                                                              "Quantity": 1}]}  # fmt: skip
    [done], _ = crm.store.create("Invoices", [row], ALL_TRIGGERS, crm.user)
    return str(done["details"]["id"])


def enqueued(crm: Simulator, receiver: Receiver) -> StoreEvent:
    """The one notification since the last call, as the ingress enqueues it."""
    assert crm.channels is not None
    crm.channels.drain()
    assert len(receiver.bodies) == 1, receiver.bodies
    body = receiver.bodies.pop()
    decision = decide({}, json.dumps({k: v for k, v in body.items() if k != "target"}).encode(), lambda: TOKEN)
    assert decision.status == 200 and decision.enqueue is not None and not decision.also
    return parse_envelope(decision.enqueue.body)


def test_the_store_client_is_the_cores_write_back(store: Reads) -> None:
    assert write_back_of(store) is store


def test_our_own_write_is_ignored_before_any_read_and_a_users_edit_is_synced(
    crm: Simulator, store: Reads, receiver: Receiver
) -> None:
    record = invoice(crm)
    store.crm.enable_channel(Channel("1000000068101", events_for(["Invoices"]), receiver.url, TOKEN))
    said = store.write_back(f"order:Invoices:{record}", PART_PAID, SETTINGS)
    assert said is not None and "Xero_Amount_Due 60" in said
    assert crm.store.writes[-1].triggers == ()  # "trigger": [] - no workflow runs on it

    ours = enqueued(crm, receiver)
    command = ZOHO.command(ours, SETTINGS, store)
    assert isinstance(command, Ignored) and "xerosync's own write" in command.reason, command
    assert store.reads == 0  # known from the notification alone: nothing read, nothing for Xero

    crm.user_edit("Invoices", [{"id": record, "Subject": "Mugs, twelve"}])
    theirs = enqueued(crm, receiver)
    command = ZOHO.command(theirs, SETTINGS, store)
    assert isinstance(command, SaleChanged) and store.reads >= 1
    assert command.sale.key == f"order:Invoices:{record}"


def test_an_older_paid_status_still_validates_and_a_contradicting_one_is_named(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from xerosync.cli import app
    from xerosync.sources.zoho.settings import zoho_settings

    older = tmp_path / "older.yaml"
    older.write_text("store: {currency: AUD, paid_status: Closed Won}\n")
    result = CliRunner().invoke(app, ["settings", "validate", str(older), "--source", "zoho"])
    assert result.exit_code == 0, result.output
    cfg = zoho_settings({"paid_status": "Closed Won"})
    assert cfg.xero_status_map == {"PAID": "Closed Won", "VOIDED": "Cancelled", "DELETED": "Cancelled"}
    both = tmp_path / "both.yaml"
    both.write_text("store: {paid_status: Closed Won, xero_status_map: {PAID: Paid}}\n")
    result = CliRunner().invoke(app, ["settings", "validate", str(both), "--source", "zoho"], env={"COLUMNS": "250"})
    assert result.exit_code != 0 and "store.paid_status" in result.output and "drop paid_status" in result.output
