"""Zoho CRM Quotes and Purchase Orders -> the domain's Quote and Purchase -> Xero's quote, purchase
order and ACCPAY bill bodies: Zoho's own create-record examples (../shared/fixtures/zoho), the
simulator's records with the CRM's own arithmetic (line discounts, taxes per line and at total
level, tax inclusive and exclusive, the record's discount and adjustment), read over HTTP, and the
stages the settings map. Every Xero total is computed as Xero computes it and equals the CRM's
Grand_Total to the cent."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from local.zoho_crm import ZohoCRM as Simulator
from tests.zoho.conftest import client
from tests.zoho.test_mapping import _events, _examples, seeded, settings, settings_doc
from xerosync.cli import app
from xerosync.config import StoreSettings
from xerosync.config_quotes import Purchasing, Quotes, QuoteStatuses
from xerosync.domain import DocumentGone, Ignored, Purchase, PurchaseChanged, Quote, QuoteChanged
from xerosync.handlers import read_reference
from xerosync.sources import source
from xerosync.sources.quotes_port import documents_of
from xerosync.sources.zoho.adapter import ZohoStore
from xerosync.xero import quote_payloads
from xerosync.xero.lines import cents

__all__ = ["seeded"]  # the fixture, shared with test_mapping
ZOHO = source("zoho")
# each tax (and combination) the sales side maps, on the purchase side
PURCHASING = Purchasing("310", {rate: "INPUT" for rate in settings_doc()["tax"]["rates"]}, "EXEMPTEXPENSES")
D = Decimal


def xero_totals(body: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """What Xero computes of a quote, purchase order or bill body: each line round2(Quantity x
    UnitAmount) - DiscountAmount, its TaxAmount as sent; Total = the amounts (+ the tax when
    exclusive). Quotes spell LineAmountTypes in capitals, the others not."""
    amounts = sum(
        (cents(D(li["Quantity"]) * D(li["UnitAmount"])) - D(li.get("DiscountAmount", 0)) for li in body["LineItems"]),
        D(0),
    )
    tax = sum((D(li["TaxAmount"]) for li in body["LineItems"]), D(0))
    return (amounts if body["LineAmountTypes"].upper() == "INCLUSIVE" else amounts + tax), tax


def chosen(**store: Any) -> StoreSettings:
    return replace(settings(**store), purchasing=PURCHASING)


def created(example: dict[str, Any]) -> dict[str, Any]:
    """A create-record example as the CRM holds it once created: with the id and times of Zoho's own
    create answer (a Quote has no date field of its own: its Xero date is its creation's)."""
    (record,) = example["data"]
    (answer,) = _examples()["create_response_201"]["data"]
    return {**record, **{k: answer["details"][k] for k in ("id", "Created_Time", "Modified_Time")}}


def test_zohos_quote_example_becomes_a_quote_at_its_grand_total() -> None:
    record = created(_examples()["Quotes"])
    quote = ZOHO.read_document(record, chosen())  # type: ignore[attr-defined]
    assert isinstance(quote, Quote)
    assert quote.stage == "sent"  # "Delivered"
    assert quote.body.key == f"order:Quotes:{record['id']}" and quote.body.number == "Q-00234"
    assert quote.body.customer.key == "customer:Accounts:5725767000011373001"
    assert (quote.expiry, quote.title) == (date(2026, 9, 15), "Quote for Bentley Systems Renewal")
    assert quote.terms == "Payment due within 30 days" and quote.body.date == date(2023, 5, 10)
    body = quote_payloads.quote(quote, "contact", chosen())
    assert body["Status"] == "SENT" and body["ExpiryDate"] == "2026-09-15"
    total, _ = xero_totals(body)
    # Zoho's example has a line with neither price nor quantity: the difference is a line saying so
    assert total == quote.body.total == D(85000)


def test_zohos_purchase_order_example_becomes_a_purchase_from_its_vendor() -> None:
    record = created(_examples()["Purchase_Orders"])
    purchase = ZOHO.read_document(record, chosen())  # type: ignore[attr-defined]
    assert isinstance(purchase, Purchase) and purchase.stage == "approved"  # "Approved"
    supplier = purchase.body.customer
    assert supplier.key == "customer:Vendors:5725767000011346004" and supplier.name == "Zylker Hardwares"
    assert supplier.customer_number == "Vendors:5725767000011346004"  # the Vendors record's own contact
    assert purchase.body.date == date(2026, 8, 15) and purchase.delivery_date == date(2026, 9, 1)
    assert purchase.attention_to == "Anna Kingsley" and "UPS" in purchase.delivery_instructions
    assert purchase.delivery_address.startswith("1000 Commerce Drive, Exton")
    order = quote_payloads.purchase_order(purchase, "supplier", chosen(), PURCHASING)
    bill = quote_payloads.bill(purchase, "supplier", chosen(), PURCHASING)
    assert (order["Status"], order["PurchaseOrderNumber"], order["DeliveryDate"]) == (
        "AUTHORISED",
        "PO-88213",
        "2026-09-01",
    )
    assert (bill["Type"], bill["Status"], bill["DueDate"]) == ("ACCPAY", "AUTHORISED", "2026-09-01")
    for document in (order, bill):
        assert xero_totals(document)[0] == D(50000)  # 50 x 999 = 49,950; Zoho's example says 50,000
        assert {line["AccountCode"] for line in document["LineItems"][:1]} == {"310"}


def _preview(tmp_path: Path, record: dict[str, Any], **sections: Any) -> dict[str, Any]:
    path, doc = tmp_path / "record.json", tmp_path / "settings.json"
    path.write_text(json.dumps(record))
    doc.write_text(json.dumps({**settings_doc(), **sections}))
    result = CliRunner().invoke(app, ["preview", str(path), "-s", str(doc), "--source", "zoho", "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output, parse_float=Decimal))


def test_the_examples_through_preview(tmp_path: Path) -> None:
    quote = _preview(tmp_path, created(_examples()["Quotes"]))
    assert [r["path"].split("?")[0] for r in quote["requests"]] == ["/Contacts", "/Quotes"]
    order = created(_examples()["Purchase_Orders"])
    as_order = _preview(tmp_path, order, purchasing={"account": "310"})
    assert as_order["requests"][1]["body"]["PurchaseOrders"][0]["PurchaseOrderNumber"] == "PO-88213"
    as_bill = _preview(tmp_path, order, purchasing={"account": "310", "as_bills": True})
    (bill,) = as_bill["requests"][1]["body"]["Invoices"]
    assert bill["Type"] == "ACCPAY" and xero_totals(bill)[0] == D(50000)


def test_every_seeded_quote_and_purchase_order_lands_at_the_crms_grand_total(seeded: Any) -> None:
    _, store, ids = seeded
    inclusive = 0
    for module in ("Quotes", "Purchase_Orders"):
        for rid in ids[module]:
            found = store.fetch("order", f"{module}:{rid}")
            document = ZOHO.read_document(found.raw, chosen())  # type: ignore[attr-defined]
            if isinstance(document, Quote):
                bodies = [quote_payloads.quote(document, "c", chosen())]
            else:
                assert isinstance(document, Purchase) and document.body.customer.key.startswith("customer:Vendors:")
                bodies = [quote_payloads.purchase_order(document, "c", chosen(), PURCHASING),
                          quote_payloads.bill(document, "c", chosen(), PURCHASING)]  # fmt: skip
            for body in bodies:
                assert xero_totals(body)[0] == D(str(found.raw["Grand_Total"])), (module, rid, body)
                assert not any(li["Description"].startswith("Difference") for li in body["LineItems"])
            inclusive += document.body.prices_include_tax
    assert inclusive, "the history has tax-inclusive documents"


@pytest.mark.parametrize("inclusive", [False, True])
def test_discounts_taxes_and_adjustment_to_the_cent(crm: Simulator, inclusive: bool) -> None:
    """Prices Xero cannot hold at 2 dp, percent and amount discounts, taxes per line and at total
    level, the record's discount and a negative adjustment: the CRM computes its totals, Xero's
    equal them."""
    vendor, account, widget, bolt = (
        crm.user_edit(module, [record])[0]["details"]["id"]
        for module, record in (("Vendors", {"Vendor_Name": "Parts Ltd"}), ("Accounts", {"Account_Name": "Buyer Co"}),
                               ("Products", {"Product_Name": "Widget", "Unit_Price": D("3.3333")}),
                               ("Products", {"Product_Name": "Bolt", "Unit_Price": D("1")}))
    )  # fmt: skip
    rows = [
        {"Product_Name": {"id": widget}, "Quantity": 7, "Discount": "12.5%",
         "Line_Tax": [{"name": "GST", "percentage": 10}]},
        {"Product_Name": {"id": bolt}, "Quantity": 3, "List_Price": D("0.99"), "Discount": D("0.13")},
    ]  # fmt: skip
    common = {"Tax_Inclusive": inclusive, "Discount": "3%", "Adjustment": D("-0.07"),
              "$line_tax": [{"name": "VAT", "percentage": 5}]}  # fmt: skip
    quote = crm.user_edit("Quotes", [{"Subject": "Q", "Quote_Stage": "Draft", "Account_Name": {"id": account},
                                      "Quoted_Items": rows, **common}])[0]["details"]["id"]  # fmt: skip
    order = crm.user_edit("Purchase_Orders", [{"Subject": "P", "Status": "Created", "Vendor_Name": {"id": vendor},
                                               "Purchase_Items": rows, **common}])[0]["details"]["id"]  # fmt: skip
    store = ZohoStore(client(crm))
    for module, rid in (("Quotes", quote), ("Purchase_Orders", order)):
        found = store.fetch("order", f"{module}:{rid}")
        grand = D(str(found.raw["Grand_Total"]))
        document = ZOHO.read_document(found.raw, chosen())  # type: ignore[attr-defined]
        assert document.body.prices_include_tax is inclusive and document.body.total == grand
        if isinstance(document, Quote):
            bodies = [quote_payloads.quote(document, "c", chosen())]
        else:
            bodies = [quote_payloads.purchase_order(document, "c", chosen(), PURCHASING),
                      quote_payloads.bill(document, "c", chosen(), PURCHASING)]  # fmt: skip
        for body in bodies:
            total, tax = xero_totals(body)
            assert total == grand, (module, body)
            # the record's Tax is the total-level tax; each line's own is in its Net_Total
            lines = found.raw["Quoted_Items" if module == "Quotes" else "Purchase_Items"]
            assert tax == D(str(found.raw["Tax"])) + sum((D(str(li["Tax"])) for li in lines), D(0)), (module, body)
            assert body["LineAmountTypes"].upper() == ("INCLUSIVE" if inclusive else "EXCLUSIVE")


def test_stages_and_statuses_map_as_the_settings_say() -> None:
    record = created(_examples()["Quotes"])
    lost = ZOHO.read_document({**record, "Quote_Stage": "Closed Lost"}, chosen())  # type: ignore[attr-defined]
    assert lost.stage == "declined"
    mine = replace(chosen(), quotes=Quotes(QuoteStatuses(sent="DRAFT")))
    sent = ZOHO.read_document(record, mine)  # type: ignore[attr-defined]
    assert quote_payloads.quote(sent, "c", mine)["Status"] == "DRAFT"  # kept a draft in Xero for review
    custom = chosen(quote_stages={"Won": "accepted"})
    assert ZOHO.read_document({**record, "Quote_Stage": "Won"}, custom).stage == "accepted"  # type: ignore[attr-defined]
    order = created(_examples()["Purchase_Orders"])
    billed = replace(
        chosen(purchase_order_statuses={"Approved": "billed"}), purchasing=replace(PURCHASING, as_bills=True)
    )
    purchase = ZOHO.read_document(order, billed)  # type: ignore[attr-defined]
    assert quote_payloads.bill(purchase, "c", billed, billed.purchasing)["Status"] == "AUTHORISED"
    assert documents_of(ZOHO, chosen()) == {"quote", "purchase"}
    assert documents_of(ZOHO, chosen(modules=["Accounts", "Invoices", "Quotes"])) == {"quote"}


def test_a_notification_becomes_a_quote_or_purchase_command_and_an_unmapped_stage_is_ignored(seeded: Any) -> None:
    crm, store, ids = seeded
    for module, expected in (("Quotes", QuoteChanged), ("Purchase_Orders", PurchaseChanged)):
        (event,) = _events(crm, module, ids[module][:1])
        command = ZOHO.command(read_reference(event, ZOHO, store), chosen(), store)  # type: ignore[arg-type]
        assert isinstance(command, expected), command
        body = command.quote.body if isinstance(command, QuoteChanged) else command.purchase.body
        assert body.key == event.key
        assert body.customer.email or body.customer.address.country or body.customer.phone  # read whole
    (event,) = _events(crm, "Quotes", ids["Quotes"][:1])
    unmapped = ZOHO.command(event, chosen(quote_stages={"Closed Won": "accepted"}), store)
    assert isinstance(unmapped, Ignored) and "store.quote_stages" in unmapped.reason
    crm.store.delete("Purchase_Orders", ids["Purchase_Orders"][:1], crm.user)
    (gone,) = _events(crm, "Purchase_Orders", ids["Purchase_Orders"][:1], "delete")
    deleted = ZOHO.command(gone, chosen(), store)
    assert deleted == DocumentGone(gone.key, "purchase", "Purchase_Orders record deleted in Zoho CRM")
