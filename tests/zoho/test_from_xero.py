"""Contacts and items made in Xero, created in Zoho CRM (xerosync.sources.zoho.from_xero, through the
core's xerosync.sync.from_xero): a contact and an item made in the Xero sandbox, read over HTTP with
the Xero client, created in the Zoho CRM simulator over HTTP with the Zoho store client; the write
goes with ``"trigger": []``, carries the Xero id, is recorded at once, and its notification comes
back as xerosync's own; a second try makes no second record."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import ALL_TRIGGERS
from tests.fakes import InMemoryMappings
from tests.zoho.conftest import client
from tests.zoho.test_writeback_loop import TOKEN, delivered
from tests.zoho_crm.conftest import Receiver
from xerosync.config import StoreSettings, parse_settings
from xerosync.sources.from_xero import creates_from_xero
from xerosync.sources.zoho.adapter import SOURCE, ZohoStore
from xerosync.sources.zoho.channels import Channel, events_for
from xerosync.sources.zoho.writeback import Written, own_write
from xerosync.sync.from_xero import create_in_store, create_modified
from xerosync.sync.writeback import MappingMemory

ON = parse_settings("pull: {create_contacts: true, create_items: true}\nstore: {data_centre: eu}")

pytestmark = pytest.mark.integration


class Lookup:
    def __init__(self, mappings: InMemoryMappings) -> None:
        self.mappings = mappings

    def record_of(self, xero_id: str) -> str | None:
        return next((m.key for m in self.mappings.items.values() if m.xero_id == xero_id), None)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def world(crm: Simulator, receiver: Receiver) -> Any:
    class World:
        store = ZohoStore(client(crm))
        mappings = InMemoryMappings()
        lookup = Lookup(mappings)

        def create(self, kind: str, record: dict[str, Any], settings: StoreSettings = ON) -> Any:
            return create_in_store(kind, record, settings=settings, mappings=self.mappings, lookup=self.lookup,  # type: ignore[arg-type]
                                   store=self.store, source=SOURCE)  # fmt: skip

    w = World()
    w.store.remember_writes_in(MappingMemory(w.mappings))
    w.store.crm.enable_channel(Channel("1000000068010", events_for(["Accounts", "Contacts", "Products"]),
                                       receiver.url + "?s=1", TOKEN))  # fmt: skip
    return w


def made_in_xero(xero: Any) -> dict[str, Any]:
    contact = {"Name": "Harbour Cafe", "FirstName": "Ana", "LastName": "Silva", "EmailAddress": "ana@harbour.example",
               "Phones": [{"PhoneType": "DEFAULT", "PhoneAreaCode": "02", "PhoneNumber": "9555 0101"}],
               "Addresses": [{"AddressType": "POBOX", "AddressLine1": "1 Quay St", "City": "Sydney",
                              "PostalCode": "2000", "Country": "Australia"}]}  # fmt: skip
    [made] = xero.create_contacts([contact], idempotency_key="made-in-xero")
    assert made.ok, made
    return dict(xero.get_contact(made.record["ContactID"]))


def test_a_contact_made_in_xero_becomes_one_account_with_its_contact_id(
    crm: Simulator, world: Any, xero: Any, receiver: Receiver
) -> None:
    contact = made_in_xero(xero)
    writes = len(crm.store.writes)
    outcome = world.create("contact", contact)
    assert outcome.action == "created", outcome
    module, rid = outcome.key.split(":")[1:]
    record = crm.store.get(module, rid)
    assert module == "Accounts" and record is not None
    assert record["Xero_Contact_ID"] == contact["ContactID"] and record["Account_Name"] == "Harbour Cafe"
    assert (record["Phone"], record["Billing_City"], record["Billing_Code"]) == ("02 9555 0101", "Sydney", "2000")
    [write] = crm.store.writes[writes:]
    assert (write.operation, write.triggers) == ("insert", ())  # "trigger": [] honoured: no workflow runs
    mapping = world.mappings.get(outcome.key)
    assert mapping.xero_id == contact["ContactID"] and mapping.source_modified == record["Modified_Time"]

    # its notification comes back to the stack as xerosync's own create
    ours = delivered(crm, receiver)
    assert ours["operation"] == "insert" and world.store.own_write(ours, ON)
    # a record a user adds is not
    crm.user_edit("Accounts", [{"Account_Name": "Walk-in Co"}])
    assert not world.store.own_write(delivered(crm, receiver), ON)

    # Xero tells of it again: known, nothing written
    assert world.create("contact", contact).action == "skipped"
    assert len([r for r in crm.store.all("Accounts") if r.get("Xero_Contact_ID") == contact["ContactID"]]) == 1


def test_a_second_try_updates_the_record_the_first_made(crm: Simulator, world: Any, xero: Any) -> None:
    contact = made_in_xero(xero)
    store = creates_from_xero(world.store)
    assert store is not None
    first = store.create_from_xero("contact", contact, ON)
    # the worker died before recording it: the next try finds it by the Xero id (Zoho's upsert)
    second = store.create_from_xero("contact", {**contact, "Name": "Harbour Cafe Pty"}, ON)
    assert second.key == first.key
    same = [r for r in crm.store.all("Accounts") if r.get("Xero_Contact_ID") == contact["ContactID"]]
    assert len(same) == 1 and same[0]["Account_Name"] == "Harbour Cafe Pty"


def test_as_a_contacts_record_when_the_settings_say_so(crm: Simulator, world: Any, xero: Any) -> None:
    settings = parse_settings("pull: {create_contacts: true}\nstore: {xero_contacts_module: Contacts}")
    contact = made_in_xero(xero)
    outcome = world.create("contact", contact, settings)
    record = crm.store.get("Contacts", outcome.key.split(":")[2])
    assert record is not None
    assert (record["First_Name"], record["Last_Name"], record["Email"]) == ("Ana", "Silva", "ana@harbour.example")
    assert record["Mailing_Zip"] == "2000" and record["Xero_Contact_ID"] == contact["ContactID"]


def test_a_contact_xerosync_made_for_a_crm_record_is_not_created_back(crm: Simulator, world: Any, xero: Any) -> None:
    [account], _ = crm.store.create("Accounts", [{"Account_Name": "Acme"}], ALL_TRIGGERS, crm.user)
    number = f"Accounts:{account['details']['id']}"
    [made] = xero.create_contacts([{"Name": "Acme", "ContactNumber": number}], idempotency_key="ours")
    # as the contacts sync left it an instant before recording its mapping
    outcome = world.create("contact", dict(made.record))
    assert outcome.action == "skipped" and f"customer:{number}" in outcome.reason
    assert [r["Account_Name"] for r in crm.store.all("Accounts")] == ["Acme"]


def test_items_made_in_xero_become_products_found_by_the_catch_up(
    crm: Simulator, world: Any, xero: Any, receiver: Receiver
) -> None:
    item = {"Code": "BEANS-1KG", "Name": "Beans 1kg", "Description": "Roasted weekly",
            "SalesDetails": {"UnitPrice": Decimal("24.50"), "AccountCode": "200"}}  # fmt: skip
    [made] = xero.create_items([item], idempotency_key="item-made-in-xero")
    assert made.ok, made
    since = datetime.now(UTC) - timedelta(hours=1)
    run = create_modified("item", since, settings=ON, xero=xero, mappings=world.mappings, lookup=world.lookup,
                          store=world.store, source=SOURCE)  # fmt: skip
    assert run.count("created") == 1 and not run.failed, run
    [product] = [r for r in crm.store.all("Products") if r.get("Xero_Item_ID") == made.record["ItemID"]]
    assert (product["Product_Code"], product["Product_Name"], product["Product_Active"]) == (
        "BEANS-1KG",
        "Beans 1kg",
        True,
    )
    assert Decimal(str(product["Unit_Price"])) == Decimal("24.50")
    mapping = world.mappings.get(f"product:Products:{product['id']}")
    assert (mapping.xero_id, mapping.xero_number) == (made.record["ItemID"], "BEANS-1KG")
    assert world.store.own_write(delivered(crm, receiver), ON)
    # the next pass sees it again and makes nothing
    again = create_modified("item", since, settings=ON, xero=xero, mappings=world.mappings, lookup=world.lookup,
                            store=world.store, source=SOURCE)  # fmt: skip
    assert again.count("created") == 0
    assert len(crm.store.all("Products")) == 1


def test_an_insert_is_ours_only_for_a_record_xerosync_created() -> None:
    insert = {"operation": "insert", "module": "Accounts", "id": "57", "server_time": 1790000000000,
              "affected_fields": [], "affected_values": None}  # fmt: skip
    made = Written("Accounts", "57", {"Account_Name": "Harbour Cafe"}, 1790000000000, created=True)
    updated = Written("Accounts", "57", {"Xero_Contact_ID": "c-1"}, 1790000000000)
    assert own_write(insert, [made], window=300)
    assert Written.of("Accounts", "57", made.stored()).created  # kept as such in the mapping table
    assert not own_write(insert, [updated], window=300)  # xerosync only updated it: a user's insert
    assert not own_write(insert, [], window=300)
    assert not own_write({**insert, "operation": "delete"}, [made], window=300)
