"""xero-python's AccountingApi (the wire format real Xero speaks) creates and reads every
entity the sandbox serves, with the SDK's own model classes, validation on."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.sandbox.conftest import Box

accounting = pytest.importorskip("xero_python.accounting")
from xero_python.accounting import (  # noqa: E402
    Account,
    AccountType,
    Allocation,
    Allocations,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    Currency,
    CurrencyCode,
    Invoice,
    Invoices,
    Item,
    Items,
    LineAmountTypes,
    LineItem,
    LineItemTracking,
    Payment,
    PaymentDelete,
    Payments,
    Purchase,
    TaxComponent,
    TaxRate,
    TaxRates,
    TrackingCategory,
    TrackingOption,
)
from xero_python.api_client import ApiClient  # noqa: E402
from xero_python.api_client.configuration import Configuration  # noqa: E402
from xero_python.api_client.oauth2 import OAuth2Token  # noqa: E402
from xero_python.exceptions import AccountingBadRequestException  # noqa: E402


@pytest.fixture
def api(box: Box) -> Iterator[Any]:
    configuration = Configuration()
    # Configuration is a process-wide singleton (xero-python #99): set the token after construction
    configuration.oauth2_token = OAuth2Token(client_id=box.client.client_id, client_secret=box.client.client_secret)
    client = ApiClient(
        configuration,
        pool_threads=1,
        oauth2_token_getter=lambda: {
            "access_token": box.access,
            "token_type": "Bearer",
            "scope": None,
            "expires_in": None,
            "expires_at": None,
        },
        oauth2_token_saver=lambda token: None,
    )
    yield accounting.AccountingApi(client, base_url=box.url + "/api.xro/2.0")


def tenant(box: Box) -> str:
    return box.org.tenant_id


def test_contacts(api: Any, box: Box) -> None:
    t = tenant(box)
    created = api.create_contacts(
        t,
        Contacts(contacts=[Contact(name="SDK Person", contact_number="W-1", email_address="p@example.com")]),
        summarize_errors=False,
    )
    contact = created.contacts[0]
    assert contact.status_attribute_string == "OK" and contact.contact_id
    assert api.get_contact(t, contact.contact_id).contacts[0].name == "SDK Person"
    assert api.get_contact_by_contact_number(t, "W-1").contacts[0].contact_id == contact.contact_id
    assert [c.name for c in api.get_contacts(t, where='EmailAddress=="p@example.com"').contacts] == ["SDK Person"]
    assert [c.name for c in api.get_contacts(t, search_term="sdk", page=1, page_size=10).contacts] == ["SDK Person"]
    updated = api.update_contact(t, contact.contact_id, Contacts(contacts=[Contact(first_name="Pat")]))
    assert updated.contacts[0].first_name == "Pat"
    upserted = api.update_or_create_contacts(t, Contacts(contacts=[Contact(name="Second")]), summarize_errors=False)
    assert upserted.contacts[0].status_attribute_string == "OK"
    with pytest.raises(AccountingBadRequestException) as caught:
        api.create_contacts(t, Contacts(contacts=[Contact(name="sdk person")]))
    assert "already assigned to another contact" in caught.value.reason


def test_items(api: Any, box: Box) -> None:
    t = tenant(box)
    made = api.create_items(
        t,
        Items(
            items=[
                Item(
                    code="SKU-1",
                    name="Widget",
                    sales_details=Purchase(unit_price=Decimal("9.9950"), account_code="200", tax_type="OUTPUT"),
                )
            ]
        ),
        unitdp=4,
        summarize_errors=False,
    )
    item = made.items[0]
    assert item.status_attribute_string == "OK" and item.sales_details.unit_price == Decimal("9.995")
    assert api.get_item(t, item.item_id).items[0].code == "SKU-1"
    assert api.get_items(t, where='Code=="SKU-1"').items[0].sales_details.unit_price == Decimal("10.00")
    updated = api.update_item(t, item.item_id, Items(items=[Item(code="SKU-1", name="Widget Pro")]))
    assert updated.items[0].name == "Widget Pro"
    again = api.update_or_create_items(t, Items(items=[Item(code="SKU-2", name="Gadget")]), summarize_errors=False)
    assert again.items[0].status_attribute_string == "OK"
    duplicate = api.create_items(t, Items(items=[Item(code="SKU-2")]), summarize_errors=False)
    assert duplicate.items[0].validation_errors[0].message == "Price List Item with Code ''SKU-2'' already exists"
    api.delete_item(t, again.items[0].item_id)
    assert [i.code for i in api.get_items(t).items] == ["SKU-1"]


def _invoice(api: Any, t: str, contact_id: str, kind: str = "ACCREC", amount: str = "100") -> Any:
    body = Invoice(
        type=kind,
        contact=Contact(contact_id=contact_id),
        date=date(2026, 11, 20),
        due_date=date(2026, 12, 20),
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        status="AUTHORISED",
        line_items=[
            LineItem(
                description="Thing",
                quantity=Decimal("2"),
                unit_amount=Decimal(amount),
                account_code="200" if kind == "ACCREC" else "400",
                tax_type="OUTPUT" if kind == "ACCREC" else "INPUT",
            )
        ],
    )
    made = api.create_invoices(t, Invoices(invoices=[body]), summarize_errors=False, unitdp=4)
    assert made.invoices[0].status_attribute_string == "OK", made.invoices[0].validation_errors
    return made.invoices[0]


def test_invoices_both_types(api: Any, box: Box) -> None:
    t = tenant(box)
    contact_id = api.create_contacts(t, Contacts(contacts=[Contact(name="Buyer")])).contacts[0].contact_id
    sale = _invoice(api, t, contact_id)
    bill = _invoice(api, t, contact_id, "ACCPAY", "40")
    assert (sale.total, sale.total_tax, bill.total) == (Decimal("220"), Decimal("20"), Decimal("88"))
    assert api.get_invoice(t, sale.invoice_id).invoices[0].invoice_number == sale.invoice_number
    assert [i.invoice_id for i in api.get_invoices(t, invoice_numbers=[sale.invoice_number]).invoices] == [
        sale.invoice_id
    ]
    assert {i.invoice_id for i in api.get_invoices(t, contact_i_ds=[contact_id], statuses=["AUTHORISED"]).invoices} == {
        sale.invoice_id,
        bill.invoice_id,
    }
    assert [i.invoice_id for i in api.get_invoices(t, i_ds=[bill.invoice_id], page=1).invoices] == [bill.invoice_id]
    assert [i.invoice_id for i in api.get_invoices(t, where='Type=="ACCPAY"').invoices] == [bill.invoice_id]
    updated = api.update_invoice(t, sale.invoice_id, Invoices(invoices=[Invoice(reference="Order 7")]))
    assert updated.invoices[0].reference == "Order 7"
    voided = api.update_invoice(t, bill.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")]))
    assert voided.invoices[0].status == "VOIDED"
    upsert = api.update_or_create_invoices(
        t,
        Invoices(
            invoices=[
                Invoice(
                    type="ACCREC",
                    contact=Contact(contact_id=contact_id),
                    status="DRAFT",
                    line_items=[
                        LineItem(description="x", quantity=Decimal(1), unit_amount=Decimal(5), account_code="200")
                    ],
                )
            ]
        ),
        summarize_errors=False,
    )
    assert upsert.invoices[0].status == "DRAFT"


def test_payments_batch_single_and_delete(api: Any, box: Box) -> None:
    t = tenant(box)
    contact_id = api.create_contacts(t, Contacts(contacts=[Contact(name="Payer")])).contacts[0].contact_id
    sale = _invoice(api, t, contact_id)
    account = Account(code="090")
    batch = api.create_payments(
        t,
        Payments(
            payments=[
                Payment(
                    invoice=Invoice(invoice_id=sale.invoice_id),
                    account=account,
                    amount=Decimal("20"),
                    date=date(2026, 11, 21),
                    reference="woo-1",
                )
            ]
        ),
        summarize_errors=False,
    )
    assert batch.payments[0].status_attribute_string == "OK"
    single = api.create_payment(
        t,
        Payment(
            invoice=Invoice(invoice_id=sale.invoice_id), account=account, amount=Decimal("200"), date=date(2026, 11, 21)
        ),
    )
    assert single.payments[0].payment_type == "ACCRECPAYMENT"
    assert api.get_invoice(t, sale.invoice_id).invoices[0].status == "PAID"
    assert [p.reference for p in api.get_payments(t, where='Reference=="woo-1"').payments] == ["woo-1"]
    assert len(api.get_payments(t, where=f'Invoice.InvoiceID==Guid("{sale.invoice_id}")').payments) == 2
    assert api.get_payment(t, single.payments[0].payment_id).payments[0].amount == Decimal("200")
    deleted = api.delete_payment(t, single.payments[0].payment_id, PaymentDelete(status="DELETED"))
    assert deleted.payments[0].status == "DELETED"
    again = api.get_invoice(t, sale.invoice_id).invoices[0]
    assert (again.status, again.amount_due) == ("AUTHORISED", Decimal("200"))


def test_credit_notes_allocations_and_refunds(api: Any, box: Box) -> None:
    t = tenant(box)
    contact_id = api.create_contacts(t, Contacts(contacts=[Contact(name="Returner")])).contacts[0].contact_id
    sale = _invoice(api, t, contact_id)
    note = CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact_id),
        date=date(2026, 11, 21),
        status="AUTHORISED",
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[
            LineItem(
                description="Return",
                quantity=Decimal(1),
                unit_amount=Decimal(50),
                account_code="200",
                tax_type="OUTPUT",
            )
        ],
    )
    made = api.create_credit_notes(t, CreditNotes(credit_notes=[note]), summarize_errors=False)
    credit = made.credit_notes[0]
    assert credit.status_attribute_string == "OK" and credit.remaining_credit == Decimal("55")
    allocated = api.create_credit_note_allocation(
        t,
        credit.credit_note_id,
        Allocations(
            allocations=[
                Allocation(invoice=Invoice(invoice_id=sale.invoice_id), amount=Decimal("30"), date=date(2026, 11, 21))
            ]
        ),
    )
    allocation_id = allocated.allocations[0].allocation_id
    assert api.get_credit_note(t, credit.credit_note_id).credit_notes[0].remaining_credit == Decimal("25")
    assert api.get_invoice(t, sale.invoice_id).invoices[0].amount_due == Decimal("190")
    refund = api.create_payment(
        t,
        Payment(
            credit_note=CreditNote(credit_note_id=credit.credit_note_id),
            account=Account(code="090"),
            amount=Decimal("25"),
            date=date(2026, 11, 21),
        ),
    )
    assert refund.payments[0].payment_type == "ARCREDITPAYMENT"
    assert api.get_credit_note(t, credit.credit_note_id).credit_notes[0].status == "PAID"
    assert [
        c.credit_note_number
        for c in api.get_credit_notes(t, where=f'CreditNoteNumber=="{credit.credit_note_number}"').credit_notes
    ] == [credit.credit_note_number]
    removed = api.delete_credit_note_allocations(t, credit.credit_note_id, allocation_id)
    assert removed.is_deleted is True
    assert api.get_invoice(t, sale.invoice_id).invoices[0].amount_due == Decimal("220")
    updated = api.update_or_create_credit_notes(
        t,
        CreditNotes(
            credit_notes=[
                CreditNote(
                    type="ACCPAYCREDIT",
                    contact=Contact(contact_id=contact_id),
                    status="DRAFT",
                    line_items=[
                        LineItem(description="r", quantity=Decimal(1), unit_amount=Decimal(5), account_code="400")
                    ],
                )
            ]
        ),
        summarize_errors=False,
    )
    draft = updated.credit_notes[0]
    changed = api.update_credit_note(t, draft.credit_note_id, CreditNotes(credit_notes=[CreditNote(reference="RMA-2")]))
    assert changed.credit_notes[0].reference == "RMA-2"


def test_settings_entities(api: Any, box: Box) -> None:
    t = tenant(box)
    organisation = api.get_organisations(t).organisations[0]
    assert organisation.base_currency == CurrencyCode.AUD
    accounts = api.get_accounts(t, where='Type=="BANK"').accounts
    assert {a.code for a in accounts} >= {"090"}
    created = api.create_account(t, Account(code="201", name="Online Sales", type=AccountType.REVENUE))
    account_id = created.accounts[0].account_id
    assert api.get_account(t, account_id).accounts[0].name == "Online Sales"
    assert api.get_tax_rates(t, where='TaxType=="OUTPUT"').tax_rates[0].effective_rate == Decimal("10")
    assert api.get_tax_rate_by_tax_type(t, "OUTPUT").tax_rates[0].name == "GST on Income"
    rate = api.create_tax_rates(
        t,
        TaxRates(tax_rates=[TaxRate(name="Special 5%", tax_components=[TaxComponent(name="GST", rate=Decimal("5"))])]),
    )
    assert rate.tax_rates[0].tax_type == "TAX001"
    assert {c.code for c in api.get_currencies(t).currencies} >= {CurrencyCode.AUD}
    assert (
        api.create_currency(t, Currency(code=CurrencyCode.GBP, description="Pound")).currencies[0].code
        == CurrencyCode.GBP
    )
    themes = api.get_branding_themes(t).branding_themes
    assert themes[0].name == "Standard"
    assert api.get_branding_theme(t, themes[0].branding_theme_id).branding_themes[0].name == "Standard"
    category = api.create_tracking_category(t, TrackingCategory(name="Channel")).tracking_categories[0]
    option = api.create_tracking_options(t, category.tracking_category_id, TrackingOption(name="Web")).options[0]
    assert option.name == "Web"
    assert api.get_tracking_categories(t).tracking_categories[0].options[0].name == "Web"
    assert api.get_tracking_category(t, category.tracking_category_id).tracking_categories[0].name == "Channel"
    contact_id = api.create_contacts(t, Contacts(contacts=[Contact(name="Tracked")])).contacts[0].contact_id
    tracked = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        status="DRAFT",
        line_items=[
            LineItem(
                description="t",
                quantity=Decimal(1),
                unit_amount=Decimal(1),
                account_code="200",
                tracking=[LineItemTracking(name="Channel", option="Web")],
            )
        ],
    )
    made = api.create_invoices(t, Invoices(invoices=[tracked]), summarize_errors=False)
    assert made.invoices[0].line_items[0].tracking[0].option == "Web"
