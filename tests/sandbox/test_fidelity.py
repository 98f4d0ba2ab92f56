"""Issue 22: one test per way the sandbox differed from Xero on Xero's own material."""

from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox.dates import ms
from tests.sandbox.conftest import Box, contact, invoice, line, messages
from tests.sandbox.specdoc import violations


def _only(reply: Any, plural: str) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    return dict(reply.body[plural][0])


# 1. LineItem: "If you wish to omit either the Quantity or UnitAmount you can provide a LineAmount
#    and Xero will calculate the missing amount for you" (the spec's LineItem.LineAmount).
@pytest.mark.parametrize(
    ("sent", "quantity", "unit"),
    [
        ({"Quantity": 2, "LineAmount": Decimal("40")}, "2", "20"),
        ({"UnitAmount": Decimal("20"), "LineAmount": Decimal("40")}, "2", "20"),
        ({"LineAmount": Decimal("40")}, "1", "40"),
        ({"Quantity": 4, "LineAmount": Decimal("90"), "DiscountRate": 10}, "4", "25"),
    ],
)
def test_a_line_amount_fills_in_the_missing_amount(box: Box, sent: dict[str, Any], quantity: str, unit: str) -> None:
    who = contact(box)
    body = {"Description": "Tyres", "AccountCode": "200", "TaxType": "NONE", **sent}
    made = invoice(box, who, body)
    [saved] = made["LineItems"]
    assert (Decimal(str(saved["Quantity"])), Decimal(str(saved["UnitAmount"]))) == (Decimal(quantity), Decimal(unit))
    assert Decimal(str(saved["LineAmount"])) == Decimal(str(sent["LineAmount"]))
    assert Decimal(str(made["Total"])) == Decimal(str(sent["LineAmount"]))


# 2. The where forms of Xero's "optimised use of the where filter" docs.
def test_the_where_forms_of_xeros_docs_are_accepted(box: Box) -> None:
    abc = contact(box, "ABC Limited")
    paid = invoice(box, abc, Date="2020-01-01")
    assert box.call("PUT", "/Payments", {"Payments": [pay_all(paid)]}).status == 200
    other = invoice(box, contact(box, "Someone Else"), Date="2020-02-01")
    for query, wanted in (
        (f'Contact.ContactID=guid("{abc.upper()}")', {paid["InvoiceID"]}),
        ('Contact.Name="ABC limited"', {paid["InvoiceID"]}),
        ('Status="PAID"', {paid["InvoiceID"]}),
        ("Date=DateTime(2020, 01, 01)", {paid["InvoiceID"]}),
        ('Status=="AUTHORISED" AND Date>=DateTime(2020, 01, 01)', {other["InvoiceID"]}),
    ):
        reply = box.call("GET", "/Invoices?where=" + quote(query))
        assert reply.status == 200, (query, reply.body)
        assert {i["InvoiceID"] for i in reply.body["Invoices"]} == wanted, query
    contacts = box.call("GET", "/Contacts?where=" + quote('Name="ABC limited"'))
    assert [c["ContactID"] for c in contacts.body["Contacts"]] == [abc]


@pytest.mark.parametrize(
    "query", [f'Contact.ContactID=="{"0" * 8}-0000-0000-0000-000000000000"', 'Status=>"PAID"', 'Name LIKE "x"']
)
def test_a_where_xero_refuses_is_refused_in_xeros_shape(box: Box, query: str) -> None:
    reply = box.call("GET", "/Invoices?where=" + quote(query))
    assert reply.status == 400
    assert reply.body["ErrorNumber"] == 16 and reply.body["Type"] == "QueryParseException" and reply.body["Message"]


def pay_all(made: dict[str, Any]) -> dict[str, Any]:
    return {"Invoice": {"InvoiceID": made["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": made["Total"]}


def quote(text: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(text)


# 3. Contacts' PaymentTerms are stored and returned (the spec's createContacts example).
def test_contact_payment_terms_are_kept_on_create_and_update(box: Box) -> None:
    terms = {"Bills": {"Day": 15, "Type": "OFCURRENTMONTH"}, "Sales": {"Day": 10, "Type": "DAYSAFTERBILLMONTH"}}
    made = _only(box.call("PUT", "/Contacts", {"Contacts": [{"Name": "Terms", "PaymentTerms": terms}]}), "Contacts")
    assert made["PaymentTerms"] == terms
    sales = {"Day": 20, "Type": "DAYSAFTERBILLDATE"}
    path = f"/Contacts/{made['ContactID']}"
    updated = _only(box.call("POST", path, {"Contacts": [{"PaymentTerms": {"Sales": sales}}]}), "Contacts")
    assert updated["PaymentTerms"] == {"Bills": terms["Bills"], "Sales": sales}
    assert _only(box.call("GET", path), "Contacts")["PaymentTerms"] == {"Bills": terms["Bills"], "Sales": sales}


# 4. An allocation without a Date is dated the later of the invoice's and the credit note's dates.
@pytest.mark.parametrize(("invoice_date", "note_date"), [("2026-11-02", "2026-11-09"), ("2026-11-12", "2026-11-05")])
def test_an_allocation_without_a_date_takes_the_later_documents_date(
    spec_box: Box, invoice_date: str, note_date: str
) -> None:
    who = contact(spec_box)
    sale = invoice(spec_box, who, Date=invoice_date)
    note = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": who}, "Date": note_date, "Status": "AUTHORISED"}
    credit = _only(
        spec_box.call("PUT", "/CreditNotes", {"CreditNotes": [{**note, "LineItems": [line("10")]}]}), "CreditNotes"
    )
    path = f"/CreditNotes/{credit['CreditNoteID']}/Allocations"
    body = {"Allocations": [{"Invoice": {"InvoiceID": sale["InvoiceID"]}, "Amount": 5}]}
    allocation = _only(spec_box.call("PUT", path, body), "Allocations")
    assert allocation["Date"] == ms(max(_day(invoice_date), _day(note_date)))


def _day(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


# 5. Every account Type has its Class (developer.xero.com/documentation/api/accounting/types#accounts).
CLASSES = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EQUITY": "EQUITY",
    "EXPENSE": "EXPENSE",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "LIABILITY": "LIABILITY",
    "NONCURRENT": "ASSET",
    "OTHERINCOME": "REVENUE",
    "OVERHEADS": "EXPENSE",
    "PREPAYMENT": "ASSET",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
}


@pytest.mark.parametrize(("kind", "klass"), sorted(CLASSES.items()))
def test_every_account_type_has_its_class(box: Box, kind: str, klass: str) -> None:
    body = {"Code": "A" + kind[:8], "Name": f"A {kind} account", "Type": kind, "BankAccountNumber": "12-3456"}
    assert _only(box.call("PUT", "/Accounts", body), "Accounts")["Class"] == klass


def test_the_demo_accounts_xeros_examples_use_are_seeded(box: Box) -> None:
    seeded = {a["Code"]: a for a in box.call("GET", "/Accounts").body["Accounts"]}
    assert (seeded["140"]["Type"], seeded["140"]["Class"]) == ("INVENTORY", "ASSET")
    assert (seeded["500"]["Type"], seeded["500"]["Class"]) == ("DIRECTCOSTS", "EXPENSE")
    owner = seeded["970"]
    assert (owner["Type"], owner["Class"], owner["EnablePaymentsToAccount"]) == ("EQUITY", "EQUITY", True)
    for account in seeded.values():
        assert account["Class"] == CLASSES[account["Type"]], account["Code"]


# 6. A refused element of a summarizeErrors=false batch is rendered like the others.
def test_a_refused_batch_element_is_rendered_as_xero_renders_elements(spec_box: Box) -> None:
    who = contact(spec_box)
    good = {"Type": "ACCREC", "Contact": {"ContactID": who}, "Date": "2026-01-10", "LineItems": [line()]}
    bad = {**good, "DueDate": "2026-02-10", "LineItems": [line(AccountCode="999")]}
    reply = spec_box.call("PUT", "/Invoices?summarizeErrors=false", {"Invoices": [good, bad]})
    assert reply.status == 200
    refused = reply.body["Invoices"][1]
    assert refused["StatusAttributeString"] == "ERROR" and refused["HasErrors"] is True
    assert (refused["Date"], refused["DateString"]) == (ms(_day("2026-01-10")), "2026-01-10T00:00:00")
    assert (refused["DueDate"], refused["DueDateString"]) == (ms(_day("2026-02-10")), "2026-02-10T00:00:00")
    assert messages(reply) == ["Account code '999' is not a valid code for this document."]
    assert violations(spec_document(), "PUT", "/Invoices", 200, reply.body) == []
    summarized = spec_box.call("PUT", "/Invoices", {"Invoices": [bad]})
    assert summarized.status == 400 and summarized.body["Elements"][0]["Date"] == ms(_day("2026-01-10"))
    assert violations(spec_document(), "PUT", "/Invoices", 400, summarized.body) == []
    assert spec_box.sandbox.spec_violations == []


def spec_document() -> dict[str, Any]:
    from tests.sandbox.specdoc import spec_document as load

    return load()


# 7. Xero's updateInvoice example: a Reference change with empty LineItems and an empty Contact.
def test_empty_line_items_and_contact_keep_what_is_there_on_update(spec_box: Box) -> None:
    who = contact(spec_box)
    bill = invoice(spec_box, who, Type="ACCPAY", LineItems=[line("40", AccountCode="400", TaxType="INPUT")])
    body = {
        "Invoices": [{"Reference": "May the force", "InvoiceID": bill["InvoiceID"], "LineItems": [], "Contact": {}}]
    }
    updated = _only(spec_box.call("POST", f"/Invoices/{bill['InvoiceID']}", body), "Invoices")
    assert updated["Reference"] == "May the force"
    assert updated["Contact"]["ContactID"] == who
    assert [i["LineItemID"] for i in updated["LineItems"]] == [i["LineItemID"] for i in bill["LineItems"]]
    assert updated["Total"] == bill["Total"]


# 8. Property names are read whatever their case (the spec pairs {"name": "FooBar"} with "Name": "FooBar").
@pytest.mark.parametrize("validate", [True, False])
def test_property_names_are_read_whatever_their_case(validate: bool) -> None:
    from tests.sandbox.conftest import make_box

    if validate:
        spec_document()
    for box in make_box(validate=validate):
        category = _only(box.call("PUT", "/TrackingCategories", {"name": "FooBar"}), "TrackingCategories")
        assert category["Name"] == "FooBar"
        path = f"/TrackingCategories/{category['TrackingCategoryID']}"
        assert _only(box.call("POST", path, {"name": "Avengers"}), "TrackingCategories")["Name"] == "Avengers"
        option = _only(box.call("PUT", path + "/Options", {"name": "Bar"}), "Options")
        renamed = box.call("POST", f"{path}/Options/{option['TrackingOptionID']}", {"name": "Vision"})
        assert _only(renamed, "Options")["Name"] == "Vision"
        made = _only(
            box.call("PUT", "/Contacts", {"contacts": [{"name": "lower", "emailAddress": "l@x.io"}]}), "Contacts"
        )
        assert (made["Name"], made["EmailAddress"]) == ("lower", "l@x.io")


# 9. An item code over 30 characters, in the words integrators quote from Xero.
@pytest.mark.parametrize("validate", [True, False])
def test_an_item_code_over_30_characters_has_xeros_message(validate: bool) -> None:
    from tests.sandbox.conftest import make_box

    if validate:
        spec_document()
    for box in make_box(validate=validate):
        reply = box.call("PUT", "/Items", {"Items": [{"Code": "X" * 31, "Name": "Long"}]})
        assert reply.status == 400
        assert messages(reply) == ["Price List Item Code must not be more than 30 characters long."]
        if validate:
            assert violations(spec_document(), "PUT", "/Items", 400, reply.body) == []
