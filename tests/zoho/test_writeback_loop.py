"""No loop, against the Zoho CRM simulator over HTTP: xerosync's write back reaches the CRM with
``"trigger": []``, the channel's notification of it comes back to the stack's URL and is known as
xerosync's own write, while a user's edit of the same record is not."""

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
from xerosync.sources.port import XeroDocumentState
from xerosync.sources.zoho.channels import Channel, events_for
from xerosync.sources.zoho.client import ZohoCRM
from xerosync.sources.zoho.webhook import decide
from xerosync.sources.zoho.writeback import ZohoWriteBack, contents_of
from xerosync.sync.writeback import MappingMemory

TOKEN = "channel-token-1"
SETTINGS = StoreSettings(store={"own_write_window": 300})
PAID = XeroDocumentState(
    type="ACCREC", document_id="inv-1", number="ZC-1001", status="PAID", currency="AUD", total=Decimal("110.00"),
    amount_paid=Decimal("110.00"), amount_due=Decimal("0.00"), amount_credited=Decimal("0.00"), link="https://go.xero.com/x",
)  # fmt: skip


class CRMStore(ZohoWriteBack):
    def __init__(self, crm: ZohoCRM) -> None:
        self.crm = crm


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def store(crm: Simulator) -> CRMStore:
    made = CRMStore(client(crm))
    made.remember_writes_in(MappingMemory(InMemoryMappings()))
    return made


def invoice(crm: Simulator) -> str:
    [account], _ = crm.store.create("Accounts", [{"Account_Name": "Acme"}], ALL_TRIGGERS, crm.user)
    [product], _ = crm.store.create("Products", [{"Product_Name": "Mug", "Unit_Price": 100}], ALL_TRIGGERS, crm.user)
    row = {"Subject": "Mugs", "Account_Name": {"id": account["details"]["id"]}, "Status": "Approved",
           "Invoiced_Items": [{"Product_Name": {"id": product["details"]["id"]}, "Quantity": 1}]}  # fmt: skip
    [done], _ = crm.store.create("Invoices", [row], ALL_TRIGGERS, crm.user)
    return str(done["details"]["id"])


def delivered(crm: Simulator, receiver: Receiver) -> dict[str, Any]:
    """The one notification since the last call, through the stack's ingress decider, and its record's
    content as the ingress keeps it."""
    assert crm.channels is not None
    crm.channels.drain()
    assert len(receiver.bodies) == 1, receiver.bodies
    body = receiver.bodies.pop()
    raw = json.dumps({k: v for k, v in body.items() if k != "target"}).encode()
    decision = decide({}, raw, lambda: TOKEN)
    assert decision.status == 200 and decision.outcome == "enqueued"
    [content] = contents_of(body)
    return content


def test_a_write_back_arrives_without_triggers_and_comes_back_as_our_own(
    crm: Simulator, store: CRMStore, receiver: Receiver
) -> None:
    record = invoice(crm)
    store.crm.enable_channel(Channel("1000000068002", events_for(["Invoices"]), receiver.url + "?s=1", TOKEN))
    writes = len(crm.store.writes)

    said = store.write_back(f"order:Invoices:{record}", PAID, SETTINGS)
    assert said and "Status Paid" in said
    [write] = crm.store.writes[writes:]
    assert (write.module, write.id, write.operation, write.triggers) == ("Invoices", record, "update", ())
    ours = delivered(crm, receiver)
    assert ours["affected_values"] is not None  # the channel asked for the values
    assert store.own_write(ours, SETTINGS)

    # a user edits another field of the same record: not ours
    crm.user_edit("Invoices", [{"id": record, "Subject": "Mugs, 12"}])
    assert not store.own_write(delivered(crm, receiver), SETTINGS)
    # a user sets one of xerosync's fields to another value: not ours either
    crm.user_edit("Invoices", [{"id": record, "Status": "Delivered"}])
    assert not store.own_write(delivered(crm, receiver), SETTINGS)


def test_without_values_the_window_decides_and_its_limit_shows(
    crm: Simulator, store: CRMStore, receiver: Receiver
) -> None:
    record = invoice(crm)
    # a channel enabled before the values were asked for (as another client would have enabled it)
    old = {"channel_id": "1000000068003", "events": ["Invoices.all"], "notify_url": receiver.url, "token": TOKEN}
    store.crm.call("POST", "/actions/watch", body={"watch": [old]})

    store.write_back(f"order:Invoices:{record}", PAID, SETTINGS)
    ours = delivered(crm, receiver)
    assert ours["affected_values"] is None and store.own_write(ours, SETTINGS)
    crm.user_edit("Invoices", [{"id": record, "Subject": "Mugs, 12"}])
    assert not store.own_write(delivered(crm, receiver), SETTINGS)
    # the documented limit: within the window, a user's edit of one of xerosync's fields looks like its own
    crm.user_edit("Invoices", [{"id": record, "Status": "Delivered"}])
    assert store.own_write(delivered(crm, receiver), SETTINGS)
    crm.clock.advance(301)
    crm.user_edit("Invoices", [{"id": record, "Status": "Approved"}])
    assert not store.own_write(delivered(crm, receiver), SETTINGS)


def test_the_contact_id_written_back_is_known_too(crm: Simulator, store: CRMStore, receiver: Receiver) -> None:
    [account], _ = crm.store.create("Accounts", [{"Account_Name": "Acme"}], ALL_TRIGGERS, crm.user)
    record = str(account["details"]["id"])
    store.crm.enable_channel(Channel("1000000068004", events_for(["Accounts"]), receiver.url, TOKEN))
    said = store.write_contact_id(f"customer:Accounts:{record}", "c-1", SETTINGS)
    assert said == f"Accounts {record}: Xero contact c-1"
    assert crm.store.records["Accounts"][record]["Xero_Contact_ID"] == "c-1"
    assert crm.store.writes[-1].triggers == ()
    assert store.own_write(delivered(crm, receiver), SETTINGS)
    crm.user_edit("Accounts", [{"id": record, "Phone": "555"}])
    assert not store.own_write(delivered(crm, receiver), SETTINGS)
