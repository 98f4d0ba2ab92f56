"""Xero events -> the CRM record (xerosync.sync.paid_in_xero with the port's DocumentWriteBack):
invoices and bills in the Xero sandbox, read over HTTP with the Xero client, written back to the
Zoho CRM simulator over HTTP with the Zoho client and the write-back mixin; each state written
once, a repeated event costing no CRM write, and stores without the capability left as they were."""

from decimal import Decimal
from typing import Any

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import ALL_TRIGGERS
from tests.fakes import InMemoryMappings
from tests.zoho.conftest import client
from xerosync.config import Pull, StoreSettings
from xerosync.events import parse_envelope
from xerosync.sources.port import write_back_of
from xerosync.sources.zoho.client import ZohoCRM
from xerosync.sources.zoho.writeback import ZohoWriteBack
from xerosync.sync.paid_in_xero import apply_xero_event
from xerosync.sync.writeback import MappingMemory, written_key
from xerosync.xero_webhooks import event_envelope

SETTINGS = StoreSettings()  # pull.write_back is on by default


class CRMStore(ZohoWriteBack):
    """The write-back side of the Zoho store client, on the Zoho client (the adapter mixes it into
    its StoreClient; nothing else of the port is needed here)."""

    def __init__(self, crm: ZohoCRM) -> None:
        self.crm = crm


class Lookup:
    def __init__(self) -> None:
        self.records: dict[str, str] = {}

    def record_of(self, xero_id: str) -> str | None:
        return self.records.get(xero_id)


def xero_event(document_id: str, kind: str = "UPDATE") -> Any:
    envelope = event_envelope({"resourceId": document_id, "eventCategory": "INVOICE", "eventType": kind,
                               "eventDateUtc": "2026-11-21T08:59:58.123", "tenantId": "t-1"})  # fmt: skip
    assert envelope is not None
    return parse_envelope(envelope.body)


def crm_document(crm: Simulator, module: str) -> str:
    [product], _ = crm.store.create("Products", [{"Product_Name": "Mug", "Unit_Price": 100}], ALL_TRIGGERS, crm.user)
    item = {"Product_Name": {"id": product["details"]["id"]}, "Quantity": 1, "List_Price": 100}
    if module == "Invoices":
        [party], _ = crm.store.create("Accounts", [{"Account_Name": "Acme"}], ALL_TRIGGERS, crm.user)
        row = {"Subject": "Mugs", "Account_Name": {"id": party["details"]["id"]}, "Invoiced_Items": [item],
               "Status": "Approved"}  # fmt: skip
    else:
        [party], _ = crm.store.create("Vendors", [{"Vendor_Name": "Enamel Co"}], ALL_TRIGGERS, crm.user)
        row = {"Subject": "Mugs", "Vendor_Name": {"id": party["details"]["id"]}, "Purchase_Items": [item],
               "Status": "Created"}  # fmt: skip
    [done], _ = crm.store.create(module, [row], ALL_TRIGGERS, crm.user)
    return str(done["details"]["id"])


def xero_document(xero: Any, kind: str = "ACCREC") -> dict[str, Any]:
    [contact] = xero.create_contacts([{"Name": f"Acme {kind}"}], idempotency_key=f"c-{kind}")
    sale = kind == "ACCREC"
    line = {"Description": "Mugs", "Quantity": 1, "UnitAmount": 100, "TaxType": "OUTPUT" if sale else "INPUT",
            "AccountCode": "200" if sale else "400"}  # fmt: skip
    [made] = xero.create_invoices(
        [{"Type": kind, "Contact": {"ContactID": contact.record["ContactID"]}, "Status": "AUTHORISED",
          "Date": "2026-11-20", "DueDate": "2026-12-20", "InvoiceNumber": f"ZC-{kind}", "LineItems": [line]}],
        idempotency_key=f"i-{kind}",
    )  # fmt: skip
    assert made.ok, made
    return dict(made.record)


def pay(xero: Any, invoice_id: str, amount: str, day: str, key: str) -> None:
    payment = {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"}, "Date": day, "Amount": Decimal(amount)}
    [done] = xero.create_payments([payment], idempotency_key=key)
    assert done.ok, done


@pytest.fixture
def world(crm: Simulator, xero: Any) -> Any:
    class World:
        store = CRMStore(client(crm))
        mappings = InMemoryMappings()
        lookup = Lookup()

        def apply(self, document_id: str, settings: StoreSettings = SETTINGS) -> Any:
            return apply_xero_event(xero_event(document_id), settings=settings, xero=xero, mappings=self.mappings,
                                    lookup=self.lookup, store=self.store)  # fmt: skip

    w = World()
    w.store.remember_writes_in(MappingMemory(w.mappings))
    return w


def test_each_change_of_an_invoice_in_xero_is_written_back_once(crm: Simulator, xero: Any, world: Any) -> None:
    record = crm_document(crm, "Invoices")
    invoice = xero_document(xero)
    invoice_id = invoice["InvoiceID"]
    world.lookup.records[invoice_id] = f"order:Invoices:{record}"
    assert write_back_of(world.store) is world.store
    writes = len(crm.store.writes)

    # xerosync's own creation of the invoice comes back as an event: the CRM gets number and link
    created = world.apply(invoice_id)
    assert created.action == "updated" and created.key == f"order:Invoices:{record}"
    shown = crm.store.records["Invoices"][record]
    assert shown["Xero_Number"] == "ZC-ACCREC" and shown["Status"] == "Approved"  # AUTHORISED: not in the map
    assert shown["Xero_Link"] == (
        "https://go.xero.com/organisationlogin/default.aspx?shortcode=!xsync"
        f"&redirecturl=/AccountsReceivable/View.aspx?InvoiceID={invoice_id}"
    )
    assert Decimal(str(shown["Xero_Amount_Due"])) == Decimal("110") and not shown.get("Xero_Paid_On")
    update = crm.store.writes[writes:]
    assert [(w.module, w.id, w.operation, w.triggers) for w in update] == [("Invoices", record, "update", ())]

    # the same event again (a redelivery, an event for a change the CRM does not see): no CRM write
    calls = xero.calls
    again = world.apply(invoice_id)
    assert again.action == "unchanged" and len(crm.store.writes) == writes + 1
    assert xero.calls == calls + 1  # the invoice read once, the organisation's short code not again

    # part-paid, then paid in full
    pay(xero, invoice_id, "40", "2026-11-25", "p1")
    assert world.apply(invoice_id).action == "updated"
    shown = crm.store.records["Invoices"][record]
    assert Decimal(str(shown["Xero_Amount_Paid"])) == 40 and Decimal(str(shown["Xero_Amount_Due"])) == 70
    assert shown["Xero_Last_Payment_On"] == "2026-11-25" and shown["Status"] == "Approved"
    pay(xero, invoice_id, "70", "2026-11-28", "p2")
    paid = world.apply(invoice_id)
    assert paid.action == "updated" and "paid" in paid.reason
    shown = crm.store.records["Invoices"][record]
    assert shown["Status"] == "Paid" and shown["Xero_Last_Payment_On"] == "2026-11-28"
    assert shown["Xero_Paid_On"] == "2026-11-28"  # Xero's FullyPaidOnDate: the last payment's day
    assert all(w.triggers == () for w in crm.store.writes[writes:])
    assert world.mappings.get(written_key(f"order:Invoices:{record}")) is not None
    assert world.apply(invoice_id).action == "unchanged" and len(crm.store.writes) == writes + 3


def test_a_bill_paid_and_an_invoice_voided_reach_their_crm_records(crm: Simulator, xero: Any, world: Any) -> None:
    order = crm_document(crm, "Purchase_Orders")
    bill = xero_document(xero, "ACCPAY")
    world.lookup.records[bill["InvoiceID"]] = f"order:Purchase_Orders:{order}"
    pay(xero, bill["InvoiceID"], "110", "2026-11-26", "b1")
    assert world.apply(bill["InvoiceID"]).action == "updated"
    shown = crm.store.records["Purchase_Orders"][order]
    assert shown["Status"] == "Paid" and shown["Xero_Number"] == "ZC-ACCPAY"
    assert shown["Xero_Link"].endswith(f"/AccountsPayable/Edit.aspx?InvoiceID={bill['InvoiceID']}")

    record = crm_document(crm, "Invoices")
    invoice = xero_document(xero)
    world.lookup.records[invoice["InvoiceID"]] = f"order:Invoices:{record}"
    assert xero.update_invoice(invoice["InvoiceID"], {"Status": "VOIDED"}, idempotency_key="v1").ok
    assert world.apply(invoice["InvoiceID"]).action == "updated"
    assert crm.store.records["Invoices"][record]["Status"] == "Cancelled"


def test_documents_xerosync_did_not_write_cost_no_read(crm: Simulator, xero: Any, world: Any) -> None:
    invoice = xero_document(xero)
    calls, writes = xero.calls, len(crm.store.writes)
    skipped = world.apply(invoice["InvoiceID"])
    assert skipped.action == "skipped" and "not a document xerosync wrote" in skipped.reason
    world.lookup.records[invoice["InvoiceID"]] = "adjust:1001:1"  # one of a sale's other documents
    assert world.apply(invoice["InvoiceID"]).action == "skipped"
    assert xero.calls == calls and len(crm.store.writes) == writes


def test_with_write_back_off_the_store_is_only_marked_paid(crm: Simulator, xero: Any, world: Any) -> None:
    record = crm_document(crm, "Invoices")
    invoice = xero_document(xero)
    world.lookup.records[invoice["InvoiceID"]] = f"order:Invoices:{record}"
    off = StoreSettings(pull=Pull(write_back=False))  # and mark_paid off: nothing at all
    outcome = world.apply(invoice["InvoiceID"], off)
    assert outcome.action == "skipped" and "pull.mark_paid" in outcome.reason


def test_a_record_gone_from_the_crm_is_skipped_and_a_refusal_is_a_store_error(
    crm: Simulator, xero: Any, world: Any
) -> None:
    from xerosync.sources.port import StoreError

    invoice = xero_document(xero)
    gone = "order:Invoices:5725767000099999999"  # deleted from the CRM
    world.lookup.records[invoice["InvoiceID"]] = gone
    skipped = world.apply(invoice["InvoiceID"])
    assert skipped.action == "skipped" and "no longer has the record" in skipped.reason
    assert world.mappings.get(written_key(gone)) is None

    record = crm_document(crm, "Invoices")
    world.lookup.records[invoice["InvoiceID"]] = f"order:Invoices:{record}"
    wrong = StoreSettings(store={"status_field": "Account_Name", "xero_status_map": {"AUTHORISED": "Nobody"}})
    with pytest.raises(StoreError, match="refused the update"):  # a lookup given a name no account has
        world.apply(invoice["InvoiceID"], wrong)
    assert world.mappings.get(written_key(f"order:Invoices:{record}")) is None


def test_two_events_of_one_document_are_applied_one_after_the_other(crm: Simulator, xero: Any, world: Any) -> None:
    from xerosync.sync.ports import ClaimHeld

    record = crm_document(crm, "Invoices")
    invoice = xero_document(xero)
    key = f"order:Invoices:{record}"
    world.lookup.records[invoice["InvoiceID"]] = key
    world.mappings.lock(written_key(key), "another worker")  # applying another event of this invoice
    calls, writes = xero.calls, len(crm.store.writes)
    with pytest.raises(ClaimHeld):  # back to the queue, tried again shortly: it will read Xero then
        world.apply(invoice["InvoiceID"])
    assert xero.calls == calls and len(crm.store.writes) == writes
    world.mappings.unlock(written_key(key), "another worker")
    assert world.apply(invoice["InvoiceID"]).action == "updated"


def test_the_reconciliation_writes_back_what_the_events_missed_once(crm: Simulator, xero: Any, world: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from xerosync.sync.writeback import write_back_modified

    since = datetime.now(UTC) - timedelta(hours=1)
    record = crm_document(crm, "Invoices")
    ours = xero_document(xero)
    world.lookup.records[ours["InvoiceID"]] = f"order:Invoices:{record}"
    xero_document(xero, "ACCPAY")  # a bill xerosync did not write: read in the listing, nothing else
    pay(xero, ours["InvoiceID"], "110", "2026-11-27", "r1")  # its event lost
    writes = len(crm.store.writes)

    def catch_up(start: datetime) -> Any:
        return write_back_modified(start, settings=SETTINGS, xero=xero, mappings=world.mappings,
                                   lookup=world.lookup, store=world.store)  # fmt: skip

    first = catch_up(since)
    assert (first.read, first.count("updated"), first.failed, first.complete) == (2, 1, [], True)
    assert crm.store.records["Invoices"][record]["Status"] == "Paid" and len(crm.store.writes) == writes + 1
    assert first.watermark is not None and first.watermark >= since
    again = catch_up(since)  # the same documents seen again (the overlap): no CRM write
    assert again.count("unchanged") == 1 and len(crm.store.writes) == writes + 1
    # its event arriving late changes nothing either
    assert world.apply(ours["InvoiceID"]).action == "unchanged" and len(crm.store.writes) == writes + 1


def test_a_document_the_reconciliation_could_not_write_keeps_the_watermark_before_it(
    crm: Simulator, xero: Any, world: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from xerosync.sync.writeback import write_back_modified

    since = datetime.now(UTC) - timedelta(hours=1)
    record = crm_document(crm, "Invoices")
    ours = xero_document(xero)
    key = f"order:Invoices:{record}"
    world.lookup.records[ours["InvoiceID"]] = key
    world.mappings.lock(written_key(key), "another worker")
    held = write_back_modified(since, settings=SETTINGS, xero=xero, mappings=world.mappings, lookup=world.lookup,
                               store=world.store)  # fmt: skip
    assert held.failed and held.failed[0].startswith(key) and held.count("updated") == 0
    assert held.watermark is not None and held.watermark <= datetime.now(UTC)
    world.mappings.unlock(written_key(key), "another worker")
    later = write_back_modified(held.watermark, settings=SETTINGS, xero=xero, mappings=world.mappings,
                                lookup=world.lookup, store=world.store)  # fmt: skip
    assert later.count("updated") == 1 and not later.failed


def test_the_pull_job_catches_up_for_a_write_back_store_only(crm: Simulator, xero: Any, world: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from xerosync.environment import Environment
    from xerosync.jobs import Job, write_back_catch_up

    running = Job(Environment.from_env({"MAPPINGS_TABLE": "m", "SETTINGS_PARAMETER": "/p"}))
    running.mappings = world.mappings  # type: ignore[assignment]
    running.__dict__.update(store=world.store, xero=xero)
    record = crm_document(crm, "Invoices")
    invoice = xero_document(xero)
    world.lookup.records[invoice["InvoiceID"]] = f"order:Invoices:{record}"
    state: dict[str, Any] = {}
    now = datetime.now(UTC)

    first = write_back_catch_up(running, SETTINGS, state, now, world.lookup)
    assert first is not None and first.count("updated") == 1  # the first pass looks back a day
    assert crm.store.records["Invoices"][record]["Xero_Number"] == "ZC-ACCREC"
    mark = datetime.fromisoformat(state["write_back_watermark"])
    assert now - timedelta(minutes=1) <= mark <= now
    again = write_back_catch_up(running, SETTINGS, state, now, world.lookup)
    assert again is not None and again.count("unchanged") == 1 and again.count("updated") == 0

    off = StoreSettings(pull=Pull(write_back=False))
    assert write_back_catch_up(running, off, state, now, world.lookup) is None
    running.__dict__["store"] = object()  # a store without the capability (WooCommerce's client)
    assert write_back_catch_up(running, SETTINGS, state, now, world.lookup) is None
