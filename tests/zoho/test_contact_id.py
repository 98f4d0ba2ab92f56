"""The Xero ContactID kept on the CRM record, and the match it makes: the Zoho CRM simulator and the
Xero sandbox, both over HTTP. A contact's sync writes its ContactID to the record once (``"trigger":
[]``); the contacts sync then finds that contact by it first (Xero's ``where`` on ``ContactID``
as a ``Guid``), so a record without an email is not duplicated even when the mapping table is lost
and the contact was renumbered in Xero; a field holding something else than a GUID is not asked."""

from datetime import UTC, datetime
from typing import Any

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import ALL_TRIGGERS
from tests.fakes import InMemoryMappings
from tests.zoho.conftest import client
from xerosync.config import StoreSettings
from xerosync.domain import CustomerChanged, Party
from xerosync.sources import source
from xerosync.sources.zoho.adapter import ZohoStore
from xerosync.sync.contacts import sync_customer

ZOHO = source("zoho")
SETTINGS = StoreSettings(store={"currency": "AUD"})


def party(store: ZohoStore, record: str) -> Party:
    read = ZOHO.read("customer", store.fetch("customer", f"Contacts:{record}").raw, SETTINGS)
    assert isinstance(read, Party)
    return read


def sync(store: ZohoStore, record: str, xero: Any, mappings: InMemoryMappings, at: int) -> Any:
    when = datetime(2026, 9, 20, 12, at, tzinfo=UTC)
    return sync_customer(CustomerChanged(party(store, record), when), xero=xero, mappings=mappings,
                         settings=SETTINGS, store=store)  # fmt: skip


def test_the_contact_id_is_kept_on_the_record_and_finds_the_contact_first(
    crm: Simulator, sandbox: Any, xero: Any
) -> None:
    store, mappings = ZohoStore(client(crm)), InMemoryMappings()
    [made], _ = crm.store.create("Contacts", [{"First_Name": "Omar", "Last_Name": "Haddad", "Phone": "555-1"}],
                                 ALL_TRIGGERS, crm.user)  # fmt: skip
    record = str(made["details"]["id"])
    writes = len(crm.store.writes)

    created = sync(store, record, xero, mappings, 1)
    assert created.action == "created" and created.xero_id
    assert crm.store.records["Contacts"][record]["Xero_Contact_ID"] == created.xero_id
    [kept] = crm.store.writes[writes:]  # one write, without triggers, of that field alone
    assert (kept.operation, kept.triggers, kept.fields) == ("update", (), ("Xero_Contact_ID",))
    assert any("Xero ContactID kept" in line for line in created.also)

    # read again, the record names its contact already: nothing more is written to the CRM
    again = sync(store, record, xero, mappings, 2)
    assert again.action == "unchanged" and len(crm.store.writes) == writes + 1

    # the accountant renumbers the contact in Xero, and the stack's mapping table is lost (a new stack
    # for the same CRM): the record, edited, still finds its contact by the ContactID it keeps
    with sandbox.org.lock:
        sandbox.org.contacts[created.xero_id]["ContactNumber"] = "OMAR-1"
    crm.user_edit("Contacts", [{"id": record, "Phone": "555-2"}])
    fresh = InMemoryMappings()
    found = sync(store, record, xero, fresh, 3)
    assert (found.action, found.xero_id) == ("updated", created.xero_id), found
    named = [c for c in sandbox.org.contacts.values() if c["Name"].startswith("Omar Haddad")]
    assert len(named) == 1, named
    assert named[0]["Phones"][0]["PhoneNumber"] == "555-2"  # and it is this record's again: updated
    assert named[0]["ContactNumber"] == f"Contacts:{record}"


def test_a_field_that_is_not_a_guid_is_not_asked(crm: Simulator, sandbox: Any, xero: Any) -> None:
    store, mappings = ZohoStore(client(crm)), InMemoryMappings()
    [made], _ = crm.store.create("Contacts", [{"Last_Name": "Nakamura", "Xero_Contact_ID": 'x") OR Name!=("'}],
                                 ALL_TRIGGERS, crm.user)  # fmt: skip
    record = str(made["details"]["id"])
    outcome = sync(store, record, xero, mappings, 1)
    assert outcome.action == "created"  # no 400 from Xero's query, no contact matched by a crafted field
    assert crm.store.records["Contacts"][record]["Xero_Contact_ID"] == outcome.xero_id
    assert len([c for c in sandbox.org.contacts.values() if c["Name"] == "Nakamura"]) == 1
