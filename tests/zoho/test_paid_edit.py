"""A CRM invoice edited once it is paid in Xero: the Zoho CRM simulator and the Xero sandbox over
HTTP, through the adapter (the store client with its write-back side) and the core's use cases. Xero's
state written back tells the sync the invoice is locked, so nothing is tried in Xero: the change is
reported (the outcome, kept once per state), or booked as an adjustment where the settings say so."""

from decimal import Decimal
from typing import Any

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import ALL_TRIGGERS
from tests.fakes import InMemoryMappings
from tests.zoho.conftest import client
from tests.zoho.test_write_back_xero import Lookup, pay, xero_event
from xerosync.config import parse_settings
from xerosync.domain import SaleChanged
from xerosync.events import parse_envelope
from xerosync.sources import source
from xerosync.sources.zoho.adapter import ZohoStore
from xerosync.sync.orders import sync_sale
from xerosync.sync.paid_in_xero import apply_xero_event
from xerosync.sync.writeback import MappingMemory

ZOHO = source("zoho")
TEXT = """
accounts: {sales: "200", rounding: "860"}
tax: {rates: {GST: OUTPUT}, no_tax: EXEMPTOUTPUT, rounding: BASEXCLUDED}
store: {currency: AUD}
"""


def settings(**more: str) -> Any:
    extra = "".join(f"{k}: {v}\n" for k, v in more.items())
    return parse_settings(TEXT + extra, defaults=ZOHO.settings_defaults, check=ZOHO.check_settings)


def listed(store: ZohoStore, record: str) -> Any:
    """The invoice's envelope as the reconciliation makes it (read whole)."""
    message = ZOHO.message(store.fetch("order", f"Invoices:{record}"), store=store.url, origin="test")
    assert message is not None
    return parse_envelope(message.body)


def writes(sandbox: Any) -> int:
    return sum(n for (_, endpoint), n in sandbox.state.calls.items() if not endpoint.startswith("GET"))


def test_a_paid_invoice_edited_in_the_crm_is_reported_not_rewritten(crm: Simulator, sandbox: Any, xero: Any) -> None:
    store, mappings, lookup = ZohoStore(client(crm)), InMemoryMappings(), Lookup()
    store.remember_writes_in(MappingMemory(mappings))
    chosen = settings()
    assert chosen.after_payment == "report"  # the CRM's default
    [account], _ = crm.store.create("Accounts", [{"Account_Name": "Paid Co"}], ALL_TRIGGERS, crm.user)
    [product], _ = crm.store.create("Products", [{"Product_Name": "Mug", "Product_Code": "MUG", "Unit_Price": 100}],
                                    ALL_TRIGGERS, crm.user)  # fmt: skip
    row = {"Subject": "Mugs", "Invoice_Number": "INV-PAID", "Invoice_Date": "2026-09-01", "Status": "Approved",
           "Account_Name": {"id": account["details"]["id"]},
           "Invoiced_Items": [{"Product_Name": {"id": product["details"]["id"]}, "Quantity": 2}]}  # fmt: skip
    [made], _ = crm.store.create("Invoices", [row], ALL_TRIGGERS, crm.user)
    record = str(made["details"]["id"])

    def synced(chosen: Any = chosen) -> Any:
        command = ZOHO.command(listed(store, record), chosen, store)
        assert isinstance(command, SaleChanged)
        return sync_sale(command, settings=chosen, xero=xero, mappings=mappings, store=store)

    created = synced()
    assert created.action == "created"
    invoice_id = str(created.xero_id)
    lookup.records[invoice_id] = f"order:Invoices:{record}"
    invoice = xero.get_invoice(invoice_id)
    pay(xero, invoice_id, str(invoice["AmountDue"]), "2026-09-05", "paid-1")
    back = apply_xero_event(xero_event(invoice_id), settings=chosen, xero=xero, mappings=mappings, lookup=lookup,
                            store=store)  # fmt: skip
    assert back.action == "updated" and crm.store.records["Invoices"][record]["Status"] == "Paid"

    # the salesperson adds a third mug to the paid invoice
    before = writes(sandbox)
    crm.user_edit("Invoices", [{"id": record, "Invoiced_Items": [{"Product_Name": {"id": product["details"]["id"]},
                                                                   "Quantity": 3}]}])  # fmt: skip
    reported = synced()
    assert reported.action == "skipped" and "not rewritten, reported" in reported.reason, reported
    assert "ZC-INV-PAID was paid in Xero (total 200.00 -> 300.00)" in reported.reason, reported.reason
    assert writes(sandbox) == before  # nothing written to Xero, not even an edit it would refuse
    assert Decimal(str(xero.get_invoice(invoice_id)["Total"])) == Decimal(str(invoice["Total"]))
    again = synced()  # the same state again: said once
    assert again.action == "unchanged" and "reported already" in again.reason
    assert mappings.items[f"order:Invoices:{record}"].invoice.reported

    # where the settings say so, the difference is booked as an additional invoice instead
    adjusted = synced(settings(after_payment="adjust"))
    assert adjusted.action == "adjusted" and any("increase after payment" in a for a in adjusted.also), adjusted
