"""The Zoho CRM source behind the store port: CRM records (the simulator's, read over HTTP by the
store client; Zoho's official create-record examples) into the domain and through ``xerosync
preview``, and the adapter's commands, listings and writes."""

import itertools
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm import populate
from tests.conftest import reference_file
from tests.zoho.conftest import NOW, client
from xerosync.cli import app
from xerosync.config import StoreSettings
from xerosync.domain import CustomerChanged, Ignored, Party, Product, ProductChanged, Sale, SaleChanged, SaleGone
from xerosync.events import parse_envelope
from xerosync.handlers import read_reference
from xerosync.schema import read as read_settings
from xerosync.sources import source
from xerosync.sources.port import Found, ProductUpdate, StoreError
from xerosync.sources.zoho.adapter import ZohoStore
from xerosync.sources.zoho.webhook import decide
from xerosync.xero import payloads
from xerosync.xero.lines import cents

ZOHO = source("zoho")
TAX_TYPES = {"GST": "OUTPUT", "VAT": "OUTPUT2", "Sales Tax": "TAX"}
EVERY_STATUS = {"Created": "confirmed", "Approved": "confirmed", "Delivered": "confirmed", "Paid": "paid"}


def settings_doc(**store: Any) -> dict[str, Any]:
    rates = dict(TAX_TYPES)  # and each combination a line may carry, in any order, on one rate
    rates.update({"+".join(c): "OUTPUT" for n in (2, 3) for c in itertools.permutations(TAX_TYPES, n)})
    return {
        "invoice_prefix": "ZC-",
        "accounts": {"sales": "200", "shipping": "200", "fees": "200", "rounding": "860"},
        "tax": {"no_tax": "NONE", "rounding": "NONE", "rates": rates},
        "store": {"currency": "USD", **store},
    }


def settings(**store: Any) -> StoreSettings:
    return read_settings(StoreSettings, settings_doc(**store))


def xero_totals(body: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """What Xero computes of an invoice body: each line round2(Quantity x UnitAmount) - DiscountAmount,
    its TaxAmount as sent; Total = the amounts (+ the tax when exclusive)."""
    amounts = sum(
        (
            cents(Decimal(li["Quantity"]) * Decimal(li["UnitAmount"])) - Decimal(li.get("DiscountAmount", 0))
            for li in body["LineItems"]
        ),
        Decimal(0),
    )
    tax = sum((Decimal(li["TaxAmount"]) for li in body["LineItems"]), Decimal(0))
    return (amounts if body["LineAmountTypes"] == "Inclusive" else amounts + tax), tax


@pytest.fixture
def seeded(crm: Simulator) -> tuple[Simulator, ZohoStore, dict[str, list[str]]]:
    history = populate(crm, seed=7, start=NOW - timedelta(days=30), accounts=6, documents=6)
    return crm, ZohoStore(client(crm)), history.ids


# --- the simulator's records, read over HTTP ------------------------------------------------------------
def test_every_seeded_invoice_and_sales_order_lands_in_xero_at_the_crms_grand_total(seeded: Any) -> None:
    _, store, ids = seeded
    chosen = settings(sales_orders=True, invoice_statuses=EVERY_STATUS, sales_order_statuses=EVERY_STATUS)
    inclusive = 0
    for module in ("Invoices", "Sales_Orders"):
        for rid in ids[module]:
            found = store.fetch("order", f"{module}:{rid}")
            sale = ZOHO.read("order", found.raw, chosen)
            assert isinstance(sale, Sale) and sale.key == f"order:{module}:{rid}"
            body = payloads.invoice(sale, "contact-id", chosen)
            total, tax = xero_totals(body)
            assert total == Decimal(str(found.raw["Grand_Total"])), (module, rid, body)
            assert tax == sale.total_tax
            assert sale.customer.key.startswith("customer:Accounts:")
            inclusive += sale.prices_include_tax
            assert not any(li["Description"].startswith("Difference") for li in body["LineItems"])
    assert inclusive, "the history has tax-inclusive documents"


def test_seeded_parties_and_products(seeded: Any) -> None:
    crm, store, ids = seeded
    chosen = settings()
    for module in ("Accounts", "Contacts", "Vendors"):
        for rid in ids[module]:
            found = store.fetch("customer", f"{module}:{rid}")
            party = ZOHO.read("customer", found.raw, chosen)
            assert isinstance(party, Party) and party.key == f"customer:{module}:{rid}" and party.name
            assert party.customer_number == f"{module}:{rid}"  # the Xero ContactNumber: the CRM's id
    without = [rid for rid in ids["Contacts"] if not crm.store.get("Contacts", rid).get("Email")]
    assert without, "the history has contacts without an email"
    for rid in ids["Products"]:
        product = ZOHO.read("product", store.fetch("product", f"Products:{rid}").raw, chosen)
        assert isinstance(product, Product) and product.sku == crm.store.get("Products", rid)["Product_Code"]


def test_no_email_match_field_gives_records_without_email_their_contact_number() -> None:
    record = {"id": "11", "Account_Name": "Acme", "Account_Number": "A-77"}
    party = ZOHO.read("customer", record, settings(no_email_match_field="Account_Number"))
    assert isinstance(party, Party) and party.customer_number == "A-77" and party.key == "customer:Accounts:11"
    contact = {"id": "12", "Last_Name": "Berg", "Email": "x@y.example", "Account_Number": "A-77"}
    assert ZOHO.read("customer", contact, settings(no_email_match_field="Account_Number")).customer_number == (  # type: ignore[union-attr]
        "Contacts:12"
    )


# --- Zoho's official create-record examples, through xerosync preview --------------------------------------
def _examples() -> dict[str, Any]:
    return dict(json.loads(reference_file("fixtures", "zoho", "crm_oas_v8_create_record_examples.json").read_text()))


def _preview(tmp_path: Path, record: dict[str, Any], **store: Any) -> Any:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    doc = tmp_path / "settings.json"
    doc.write_text(json.dumps(settings_doc(**store)))
    return CliRunner().invoke(app, ["preview", str(path), "-s", str(doc), "--source", "zoho", "--json"])


@pytest.mark.parametrize("module", ["Accounts", "Contacts", "Vendors"])
def test_the_official_party_examples_through_preview(tmp_path: Path, module: str) -> None:
    example = _examples()[module]
    result = _preview(tmp_path, example)
    assert result.exit_code == 0, result.output
    contact = json.loads(result.output)["requests"][0]["body"]["Contacts"][0]
    record = example["data"][0]
    assert contact["Name"] == record.get("Account_Name") or record.get("Full_Name") or record.get("Vendor_Name")
    assert contact.get("EmailAddress", "") == record.get("Email", "")


def test_the_official_product_example_through_preview(tmp_path: Path) -> None:
    result = _preview(tmp_path, _examples()["Products"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)["requests"][0]["body"]["Items"][0]
    assert (item["Code"], item["SalesDetails"]["UnitPrice"]) == ("PRD-2001", 999)


def test_the_official_invoice_and_sales_order_examples_through_preview(tmp_path: Path) -> None:
    examples = _examples()
    as_given = _preview(tmp_path, examples["Invoices"])  # no Status: a status nobody mapped is not booked
    assert as_given.exit_code == 0 and "not synced" in json.loads(as_given.output)["notes"][0]
    for module, status in (("Invoices", "Approved"), ("Sales_Orders", "Approved")):
        record = {**examples[module]["data"][0], "Status": status}
        result = _preview(tmp_path, record)
        assert result.exit_code == 0, result.output
        invoice = json.loads(result.output, parse_float=Decimal)["requests"][1]["body"]["Invoices"][0]
        total, _ = xero_totals(invoice)
        # Zoho's own examples do not add up: the difference is a line saying so, the total the CRM's
        assert total == Decimal(str(record["Grand_Total"])) == Decimal(85000)
        assert invoice["Contact"]["ContactID"] == "<ContactID of customer:Accounts:5725767000011373001>"


# --- commands, from the notification to the domain ------------------------------------------------------
def _events(crm: Simulator, module: str, ids: list[str], operation: str = "update") -> list[Any]:
    body = {"server_time": int(crm.now().timestamp() * 1000), "module": module, "ids": ids, "operation": operation,
            "channel_id": "1", "token": "tok", "resource_uri": f"{crm.api_domain()}/crm/v2/{module}"}  # fmt: skip
    decision = decide({}, json.dumps(body).encode(), lambda: "tok", NOW)
    assert decision.status == 200
    return [parse_envelope(m.body) for m in (decision.enqueue, *decision.also) if m is not None]


def test_a_notification_read_through_the_store_becomes_the_record_in_the_domain(seeded: Any) -> None:
    crm, store, ids = seeded
    chosen = settings(invoice_statuses=EVERY_STATUS)
    for module, expected in (("Invoices", SaleChanged), ("Accounts", CustomerChanged), ("Products", ProductChanged)):
        (event,) = _events(crm, module, ids[module][:1])
        # named, not carried: the notification's word on the record, which the source reads itself
        payload = json.loads(event.payload or "{}")
        assert not event.by_reference and payload["$partial"] and payload["notification"]["id"] == ids[module][0]
        assert isinstance(ZOHO.command(event, chosen, store), expected)
        # the reconciliation's listing goes by reference, and the core reads it through the port
        found = next(f for f in store.changed_since(crm.now() - timedelta(days=3650), {"order", "customer",
                     "product"}) if f.key.endswith(ids[module][0]))  # fmt: skip
        listed = parse_envelope(ZOHO.message(found, store=store.url, origin="reconcile").body)  # type: ignore[union-attr]
        resolved = read_reference(listed, ZOHO, store)
        command = ZOHO.command(resolved, chosen, store)  # type: ignore[arg-type]
        assert isinstance(command, expected), command
    with pytest.raises(StoreError, match="StoreApiSecret"):
        ZOHO.command(event, chosen, None)


def test_what_is_not_synced_is_ignored_with_its_reason(seeded: Any) -> None:
    crm, store, ids = seeded
    for module, words in (("Sales_Orders", "store.sales_orders"),):  # quotes and POs: tests/zoho/test_quotes.py
        (event,) = _events(crm, module, ids[module][:1])
        command = ZOHO.command(event, settings(), store)
        assert isinstance(command, Ignored) and words in command.reason
    (event,) = _events(crm, "Vendors", ids["Vendors"][:1])
    command = ZOHO.command(event, settings(modules=["Accounts", "Invoices"]), store)
    assert isinstance(command, Ignored) and "store.modules" in command.reason


def test_a_deleted_invoice_comes_off_the_books_and_a_deleted_account_keeps_its_contact(seeded: Any) -> None:
    crm, store, ids = seeded
    invoice, account = ids["Invoices"][0], ids["Accounts"][-1]
    crm.store.delete("Invoices", [invoice], crm.user)
    crm.store.delete("Accounts", [account], crm.user)
    gone = store.fetch("order", f"Invoices:{invoice}")
    assert gone.gone
    (event,) = _events(crm, "Invoices", [invoice], "delete")
    assert isinstance(ZOHO.command(event, settings(), store), SaleGone)
    (event,) = _events(crm, "Accounts", [account], "delete")
    assert isinstance(ZOHO.command(event, settings(), store), Ignored)


# --- listings and writes -----------------------------------------------------------------------------------
def test_changes_since_a_time_are_listed_by_reference_and_deletions_as_such(seeded: Any) -> None:
    crm, store, ids = seeded
    crm.clock.advance(3600)
    since = crm.now()
    crm.clock.advance(60)
    crm.user_edit("Invoices", [{"id": ids["Invoices"][1], "Adjustment": 1}])
    crm.store.delete("Invoices", [ids["Invoices"][2]], crm.user)
    listed = list(store.changed_since(since, {"order"}))
    assert [(f.key, f.gone) for f in listed] == [
        (f"order:Invoices:{ids['Invoices'][1]}", False),
        (f"order:Invoices:{ids['Invoices'][2]}", True),
    ]
    changed = parse_envelope(ZOHO.message(listed[0], store=store.url, origin="reconcile").body)  # type: ignore[union-attr]
    deleted = parse_envelope(ZOHO.message(listed[1], store=store.url, origin="reconcile").body)  # type: ignore[union-attr]
    assert changed.by_reference and changed.id == f"Invoices:{ids['Invoices'][1]}"
    assert (deleted.event, deleted.by_reference) == ("deleted", False)
    sale = ZOHO.command(read_reference(changed, ZOHO, store), settings(invoice_statuses=EVERY_STATUS), store)  # type: ignore[arg-type]
    assert isinstance(sale, SaleChanged) and sale.sale.total == Decimal(
        str(crm.store.get("Invoices", ids["Invoices"][1])["Grand_Total"])
    )


def test_mark_paid_sets_the_paid_status_without_triggers_once(seeded: Any) -> None:
    crm, store, ids = seeded
    rid = ids["Invoices"][0]
    said = store.mark_paid(f"order:Invoices:{rid}", settings())
    assert said is not None and said.endswith("-> Paid")
    assert crm.store.get("Invoices", rid)["Status"] == "Paid"
    assert crm.store.writes[-1].triggers == ()  # "trigger": [] - no workflow runs on it
    assert store.mark_paid(f"order:Invoices:{rid}", settings()) is None
    # an older settings file's paid_status is read as xero_status_map.PAID: one setting, not two
    older = settings(paid_status="Closed Won")
    said = store.mark_paid(f"order:Invoices:{ids['Invoices'][1]}", older)
    assert said is not None and said.endswith("-> Closed Won")
    assert store.mark_paid(f"order:Invoices:{ids['Invoices'][2]}", settings(xero_status_map={"VOIDED": "Void"})) is None


def test_catalogue_and_product_updates(seeded: Any) -> None:
    crm, store, ids = seeded
    catalogue = store.catalogue()
    assert len(catalogue) == len(ids["Products"]) and all(p.sku for p in catalogue)
    store.update_product(catalogue[0], ProductUpdate(regular_price=Decimal("12.34"), stock_quantity=5))
    record = crm.store.get("Products", catalogue[0].key.rsplit(":", 1)[1])
    assert record is not None and Decimal(str(record["Unit_Price"])) == Decimal("12.34") and record["Qty_in_Stock"] == 5


def test_zoho_has_no_refunds() -> None:
    sale_raw = {"id": "1", "Invoiced_Items": []}
    with pytest.raises(StoreError, match="no refunds"):
        ZOHO.read_refund({}, sale_raw)  # type: ignore[arg-type]


def test_a_found_without_module_and_id_cannot_be_enqueued() -> None:
    with pytest.raises(ValueError, match="module and id"):
        ZOHO.message(Found("order", "order:x", None, {"Invoiced_Items": []}), store="s", origin="o")


def test_an_invoices_customer_is_its_account_read_whole(seeded: Any) -> None:
    crm, store, ids = seeded
    rid = ids["Invoices"][0]
    account = crm.store.get("Invoices", rid)["Account_Name"]["id"]
    crm.user_edit("Accounts", [{"id": account, "Account_Number": "A-77", "Billing_City": "Exton"}])
    chosen = settings(invoice_statuses=EVERY_STATUS, no_email_match_field="Account_Number")
    (event,) = _events(crm, "Invoices", [rid])
    command = ZOHO.command(event, chosen, store)
    assert isinstance(command, SaleChanged)
    # the same party the account's own sync makes: its ContactNumber and address, not the lookup's name only
    assert command.sale.customer == ZOHO.read("customer", store.fetch("customer", f"Accounts:{account}").raw, chosen)
    assert (command.sale.customer.customer_number, command.sale.customer.address.city) == ("A-77", "Exton")


def test_the_simulators_records_through_preview(seeded: Any, tmp_path: Path) -> None:
    _, store, ids = seeded
    for module, kind in (("Invoices", "order"), ("Sales_Orders", "order"), ("Accounts", "customer"),
                         ("Contacts", "customer"), ("Products", "product")):  # fmt: skip
        for rid in ids[module][:3]:
            raw = dict(store.fetch(kind, f"{module}:{rid}").raw)
            raw.pop("$module")  # a file as the API answers it: the source recognises the module
            record = json.loads(json.dumps(raw, default=float))
            result = _preview(tmp_path, record, sales_orders=True, invoice_statuses=EVERY_STATUS,
                              sales_order_statuses=EVERY_STATUS)  # fmt: skip
            assert result.exit_code == 0, result.output
            requests = json.loads(result.output, parse_float=Decimal)["requests"]
            if kind == "order":
                invoice = requests[1]["body"]["Invoices"][0]
                assert xero_totals(invoice)[0] == Decimal(str(raw["Grand_Total"])), (module, rid)
            else:
                assert requests, (module, rid)


def test_a_sales_order_is_never_marked_paid(seeded: Any) -> None:
    crm, store, ids = seeded
    rid = ids["Sales_Orders"][0]
    writes = len(crm.store.writes)
    assert store.mark_paid(f"order:Sales_Orders:{rid}", settings(sales_orders=True)) is None
    assert len(crm.store.writes) == writes


def test_sales_created_in_a_window_are_read_whole_with_the_deleted_ones(seeded: Any) -> None:
    crm, store, ids = seeded
    gone = ids["Invoices"][0]
    crm.store.delete("Invoices", [gone], crm.user)
    day = crm.now().date()
    found = list(store.sales_created(day - timedelta(days=60), day, deleted=True))
    invoices = {f.key: f for f in found if f.key.startswith("order:Invoices:")}
    assert set(invoices) == {f"order:Invoices:{rid}" for rid in ids["Invoices"]}
    assert invoices[f"order:Invoices:{gone}"].gone
    assert all("Invoiced_Items" in f.raw for key, f in invoices.items() if not f.gone)
    assert store.count_sales_created(day, day) is None
    customers = list(store.customers())
    assert {f.key for f in customers} == {
        f"customer:{m}:{rid}" for m in ("Accounts", "Contacts", "Vendors") for rid in ids[m]
    }
