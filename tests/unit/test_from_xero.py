"""Contacts and items made in Xero, created in the store (xerosync.sync.from_xero): the decision
(made in Xero and unknown -> create; known, made by xerosync, or the setting off -> nothing), the
create recorded at once in step with the store's own sync (which then writes nothing to Xero), the
Xero contact event's cheap checks, and the catch-up's watermark. The store here is an in-memory
CRM behind the port's CreatesFromXero; the Zoho CRM one is tested against its simulator
(tests/zoho/test_from_xero.py) and end to end (tests/e2e/test_zoho_from_xero.py)."""

from collections.abc import Mapping as ReadMapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.fakes import FakeXero, InMemoryMappings
from xerosync.config import StoreSettings, parse_settings
from xerosync.domain import Party, Product
from xerosync.events import parse_envelope
from xerosync.sources.from_xero import creates_from_xero
from xerosync.sources.port import Found, StoreError
from xerosync.sync.contacts import upsert_customer
from xerosync.sync.from_xero import (
    catch_up,
    contact_event,
    create_in_store,
    create_modified,
    decide,
    origin_key,
)
from xerosync.sync.items import upsert_item
from xerosync.sync.paid_in_xero import apply_xero_event
from xerosync.xero_webhooks import event_envelope

ON = parse_settings("pull: {create_contacts: true, create_items: true}")
OFF = StoreSettings()
CONTACT = {"ContactID": "c-1", "Name": "Harbour Cafe", "EmailAddress": "hi@harbour.example", "ContactStatus": "ACTIVE",
           "UpdatedDateUTC": "/Date(1790000000000+0000)/"}  # fmt: skip
ITEM = {"ItemID": "i-1", "Code": "BEANS-1KG", "Name": "Beans 1kg", "IsSold": True,
        "SalesDetails": {"UnitPrice": Decimal("24.50")}, "UpdatedDateUTC": "/Date(1790000000000+0000)/"}  # fmt: skip


class CRM:
    """A store that keeps customers and products, and creates them for Xero's (idempotent by the
    Xero id, as the port asks)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.creates = 0
        self.refuse = False

    def made_for(self, kind: str, record: ReadMapping[str, Any], settings: StoreSettings) -> str | None:
        number = str(record.get("ContactNumber") or "")
        return f"customer:{number[4:]}" if kind == "contact" and number.startswith("crm-") else None

    def create_from_xero(self, kind: str, record: ReadMapping[str, Any], settings: StoreSettings) -> Found:
        if self.refuse:
            raise StoreError("the store refused it")
        xero_id = str(record.get("ContactID") or record.get("ItemID"))
        found = [k for k, r in self.records.items() if r["xero_id"] == xero_id]
        key = found[0] if found else f"{'customer' if kind == 'contact' else 'product'}:{len(self.records) + 1}"
        self.creates += 0 if found else 1
        self.records[key] = {**record, "xero_id": xero_id, "modified": "2026-11-21T09:00:00+00:00"}
        return Found("customer" if kind == "contact" else "product", key,
                     datetime(2026, 11, 21, 9, tzinfo=UTC), {"key": key, **self.records[key]})  # fmt: skip


class Source:
    """The store source's read of what the CRM made (only ``read`` is used)."""

    def read(self, kind: str, raw: ReadMapping[str, Any], settings: StoreSettings) -> Party | Product:
        if kind == "customer":
            return Party(key=raw["key"], name=raw["Name"], customer_number=f"crm-{raw['key']}",
                         email=raw.get("EmailAddress", ""))  # fmt: skip
        price = raw["SalesDetails"]["UnitPrice"]
        return Product(key=raw["key"], sku=raw["Code"], name=raw["Name"], description="", price=price)


class Lookup:
    """The mapping table's reverse index: which store record a Xero id is mapped to."""

    def __init__(self, mappings: InMemoryMappings) -> None:
        self.mappings = mappings
        self.stale = False  # an index that has not caught up with the table yet

    def record_of(self, xero_id: str) -> str | None:
        if self.stale:
            return None
        return next((m.key for m in self.mappings.items.values() if m.xero_id == xero_id), None)


@pytest.fixture
def world() -> Any:
    class World:
        crm = CRM()
        mappings = InMemoryMappings()
        lookup = Lookup(mappings)

        def create(self, kind: str, record: dict[str, Any], settings: StoreSettings = ON) -> Any:
            return create_in_store(kind, record, settings=settings, mappings=self.mappings,  # type: ignore[arg-type]
                                   lookup=self.lookup, store=self.crm, source=Source())  # type: ignore[arg-type]  # fmt: skip

    return World()


# --- the decision (pure) ---------------------------------------------------------------------------
def test_a_record_made_in_xero_and_unknown_is_created() -> None:
    assert decide("contact", CONTACT, settings=ON, known=None, made_for=None).create
    assert decide("item", ITEM, settings=ON, known=None, made_for=None).create


def test_a_record_known_or_made_by_xerosync_is_not() -> None:
    known = decide("contact", CONTACT, settings=ON, known="customer:7", made_for=None)
    assert not known.create and "customer:7" in known.reason
    ours = decide("contact", {**CONTACT, "ContactNumber": "crm-7"}, settings=ON, known=None, made_for="customer:7")
    assert not ours.create and "made by xerosync for customer:7" in ours.reason
    assert not decide("item", ITEM, settings=ON, known="product:3", made_for=None).create


def test_with_the_setting_off_nothing_is_created() -> None:
    for kind, record, setting in (("contact", CONTACT, "create_contacts"), ("item", ITEM, "create_items")):
        off = decide(kind, record, settings=OFF, known=None, made_for=None)  # type: ignore[arg-type]
        assert not off.create and f"pull.{setting}" in off.reason
    only_contacts = parse_settings("pull: {create_contacts: true}")
    assert decide("contact", CONTACT, settings=only_contacts, known=None, made_for=None).create
    assert not decide("item", ITEM, settings=only_contacts, known=None, made_for=None).create


def test_archived_contacts_unsold_items_and_nameless_records_are_not_created() -> None:
    assert not decide(
        "contact", {**CONTACT, "ContactStatus": "ARCHIVED"}, settings=ON, known=None, made_for=None
    ).create
    assert not decide("item", {**ITEM, "IsSold": False}, settings=ON, known=None, made_for=None).create
    assert not decide("contact", {**CONTACT, "Name": ""}, settings=ON, known=None, made_for=None).create
    assert not decide("item", {**ITEM, "ItemID": ""}, settings=ON, known=None, made_for=None).create


# --- the create, recorded -------------------------------------------------------------------------
def test_a_contact_is_created_once_and_recorded_in_step_with_the_stores_own_sync(world: Any) -> None:
    outcome = world.create("contact", CONTACT)
    assert (outcome.action, outcome.key, outcome.xero_id) == ("created", "customer:1", "c-1")
    mapping = world.mappings.get("customer:1")
    assert mapping.xero_id == "c-1" and mapping.source_modified == "2026-11-21T09:00:00+00:00"
    assert world.mappings.get(origin_key("c-1")).data == {"record": "customer:1"}
    assert world.mappings.get(origin_key("c-1")).xero_id == ""  # never found by the reverse index
    # the store's notification of its new record reaches the contacts sync: nothing to write to Xero
    xero = FakeXero()
    party = Source().read("customer", {"key": "customer:1", **CONTACT}, ON)
    again = upsert_customer(party, xero, world.mappings, modified="2026-11-21T09:00:00+00:00")  # type: ignore[arg-type]
    assert again.action == "unchanged" and again.xero_id == "c-1"
    assert xero.calls == []
    # Xero tells of the contact again (an update, a redelivery, the catch-up): nothing more
    assert world.create("contact", CONTACT).action == "skipped"
    assert world.crm.creates == 1


def test_an_item_is_recorded_as_the_items_sync_would_and_never_made_twice(world: Any) -> None:
    assert world.create("item", ITEM).action == "created"
    mapping = world.mappings.get("product:1")
    assert (mapping.xero_id, mapping.xero_number) == ("i-1", "BEANS-1KG")
    xero = FakeXero()
    product = Source().read("product", {"key": "product:1", **ITEM}, ON)
    assert isinstance(product, Product)
    assert upsert_item(product, ON, xero, world.mappings).action == "unchanged"  # type: ignore[arg-type]
    assert xero.calls == []
    world.lookup.stale = True  # the reverse index lags the table: the record's own note still holds
    assert world.create("item", ITEM).action == "unchanged"
    assert world.crm.creates == 1


def test_a_contact_xerosync_made_for_a_store_record_is_never_created_back(world: Any) -> None:
    # made by the contacts sync a moment ago: named by its ContactNumber before its mapping is recorded
    outcome = world.create("contact", {**CONTACT, "ContactNumber": "crm-customer:9"})
    assert outcome.action == "skipped" and world.crm.records == {}


def test_nothing_is_created_with_the_setting_off(world: Any) -> None:
    assert world.create("contact", CONTACT, settings=OFF).action == "skipped"
    assert world.create("item", ITEM, settings=OFF).action == "skipped"
    assert world.crm.records == {} and world.mappings.items == {}


# --- the Xero contact event -------------------------------------------------------------------------
class Contacts:
    def __init__(self, *contacts: dict[str, Any]) -> None:
        self.contacts = {c["ContactID"]: c for c in contacts}
        self.calls = 0

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        self.calls += 1
        return self.contacts[contact_id]


def contact_created(contact_id: str) -> Any:
    made = event_envelope({"resourceId": contact_id, "eventCategory": "CONTACT", "eventType": "CREATE",
                           "eventDateUtc": "2026-11-21T08:59:58.123", "tenantId": "t-1"})  # fmt: skip
    assert made is not None
    return parse_envelope(made.body)


def test_a_contact_event_is_answered_without_a_call_unless_the_contact_may_be_created(world: Any) -> None:
    xero = Contacts(CONTACT)
    event = contact_created("c-1")

    def apply(settings: StoreSettings, store: Any = world.crm) -> Any:
        return contact_event(event, settings=settings, xero=xero, mappings=world.mappings, lookup=world.lookup,
                             store=store, source=Source())  # type: ignore[arg-type]  # fmt: skip

    assert apply(OFF).action == "skipped" and xero.calls == 0
    assert apply(ON, store=None).action == "skipped" and xero.calls == 0  # a store that cannot
    assert apply(ON).action == "created" and xero.calls == 1
    assert apply(ON).action == "skipped" and xero.calls == 1  # known now: no read
    assert world.crm.creates == 1


def test_the_xero_events_use_case_routes_contact_events(world: Any) -> None:
    assert creates_from_xero(world.crm) is world.crm and creates_from_xero(object()) is None
    outcome = apply_xero_event(contact_created("c-1"), settings=ON, xero=Contacts(CONTACT), mappings=world.mappings,  # type: ignore[arg-type]
                               lookup=world.lookup, store=world.crm, source=Source())  # type: ignore[arg-type]  # fmt: skip
    assert outcome.action == "created"
    # a stack that does not say its source (an older caller): contact events change nothing
    again = apply_xero_event(contact_created("c-2"), settings=ON, xero=Contacts(), mappings=world.mappings,  # type: ignore[arg-type]
                             lookup=world.lookup, store=world.crm)  # type: ignore[arg-type]  # fmt: skip
    assert again.action == "skipped"


# --- the catch-up ---------------------------------------------------------------------------------
class Modified:
    def __init__(self, contacts: list[dict[str, Any]], items: list[dict[str, Any]]) -> None:
        self.contacts, self.items = contacts, items
        self.asked: list[tuple[str, datetime]] = []

    def contacts_modified_since(self, since: datetime, page: int = 1) -> list[dict[str, Any]]:
        self.asked.append(("contacts", since))
        return self.contacts if page == 1 else []

    def items_modified_since(self, since: datetime) -> list[dict[str, Any]]:
        self.asked.append(("items", since))
        return self.items


def stamped(record: dict[str, Any], xero_id: str, ms: int) -> dict[str, Any]:
    id_field = "ContactID" if "ContactID" in record else "ItemID"
    return {**record, id_field: xero_id, "UpdatedDateUTC": f"/Date({ms}+0000)/"}


def test_the_catch_up_creates_what_xero_changed_and_moves_its_watermarks(world: Any) -> None:
    xero = Modified([stamped(CONTACT, "c-1", 1790000000000), stamped(CONTACT, "c-2", 1790000060000)],
                    [stamped(ITEM, "i-1", 1790000030000)])  # fmt: skip
    state: dict[str, Any] = {}
    now = datetime(2026, 9, 21, tzinfo=UTC)
    runs = catch_up(state, now, settings=ON, xero=xero, mappings=world.mappings, lookup=world.lookup,  # type: ignore[arg-type]
                    store=world.crm, source=Source())  # type: ignore[arg-type]  # fmt: skip
    assert [(r.kind, r.count("created")) for r in runs] == [("contact", 2), ("item", 1)]
    assert state["from_xero_watermarks"] == {
        "contact": "2026-09-21T14:14:20+00:00",
        "item": "2026-09-21T14:13:50+00:00",
    }
    assert [kind for kind, _ in xero.asked] == ["contacts", "items"]
    # the next pass reads from its watermarks (a few minutes back) and creates nothing again
    again = catch_up(state, now, settings=ON, xero=xero, mappings=world.mappings, lookup=world.lookup,  # type: ignore[arg-type]
                     store=world.crm, source=Source())  # type: ignore[arg-type]  # fmt: skip
    assert [r.count("created") for r in again] == [0, 0] and world.crm.creates == 3
    # with the settings off, Xero is not even asked
    asked = len(xero.asked)
    assert catch_up(state, now, settings=OFF, xero=xero, mappings=world.mappings, lookup=world.lookup,  # type: ignore[arg-type]
                    store=world.crm, source=Source()) == []  # type: ignore[arg-type]  # fmt: skip
    assert len(xero.asked) == asked


def test_a_refused_create_holds_the_watermark_before_it(world: Any) -> None:
    world.crm.refuse = True
    xero = Modified([stamped(CONTACT, "c-1", 1790000000000), stamped(CONTACT, "c-2", 1790000060000)], [])
    since = datetime(2026, 9, 21, tzinfo=UTC)
    run = create_modified("contact", since, settings=ON, xero=xero, mappings=world.mappings, lookup=world.lookup,  # type: ignore[arg-type]
                          store=world.crm, source=Source())  # type: ignore[arg-type]  # fmt: skip
    assert len(run.failed) == 2 and "the store refused it" in run.failed[0]
    assert run.watermark == datetime.fromtimestamp(1790000000, tz=UTC)  # the first failure: read again next time
    assert world.mappings.items == {}
