"""Xero's business rules, one test each (each fails when its rule is taken out of the sandbox)."""

from datetime import date
from decimal import Decimal

from tests.sandbox.conftest import Box, contact, invoice, line, messages, pay


def test_contact_names_are_unique_among_active_contacts_only(box: Box) -> None:
    first = contact(box, "Buzz Lightyear")
    reply = box.call("PUT", "/Contacts", {"Contacts": [{"Name": "BUZZ  lightyear"}]})
    assert reply.status == 400 and messages(reply) == [
        "The contact name BUZZ  lightyear is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    ]
    box.call("POST", f"/Contacts/{first}", {"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    assert box.call("PUT", "/Contacts", {"Contacts": [{"Name": "Buzz Lightyear"}]}).status == 200


def test_item_codes_are_at_most_30_characters_and_unique(box: Box) -> None:
    assert box.call("PUT", "/Items", {"Items": [{"Code": "abc", "Name": "A"}]}).status == 200
    reply = box.call(
        "PUT", "/Items?summarizeErrors=false", {"Items": [{"Code": "ABC"}, {"Code": "x" * 31}, {"Code": "ok"}]}
    )
    assert reply.status == 200
    assert [i["StatusAttributeString"] for i in reply.body["Items"]] == ["ERROR", "ERROR", "OK"]
    assert (
        reply.body["Items"][0]["ValidationErrors"][0]["Message"] == "Price List Item with Code ''ABC'' already exists"
    )
    assert "30 characters" in reply.body["Items"][1]["ValidationErrors"][0]["Message"]
    upsert = box.call("POST", "/Items", {"Items": [{"Code": "abc", "Name": "Renamed"}]})
    assert upsert.status == 200 and len(box.org.items) == 2  # POST matched the code: an update


def test_item_codes_on_lines_must_exist_and_fill_the_line(box: Box) -> None:
    box.call(
        "PUT",
        "/Items",
        {
            "Items": [
                {
                    "Code": "TEE",
                    "Description": "T-shirt",
                    "SalesDetails": {"UnitPrice": 25, "AccountCode": "200", "TaxType": "OUTPUT"},
                }
            ]
        },
    )
    made = invoice(box, contact(box), {"ItemCode": "TEE", "Quantity": 2})
    assert made["LineItems"][0]["Description"] == "T-shirt" and made["Total"] == Decimal("55")
    reply = box.call(
        "PUT",
        "/Invoices",
        {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "X"}, "LineItems": [{"ItemCode": "NOPE"}]}]},
    )
    assert messages(reply) == ["Item code 'NOPE' is not valid"]


def test_accrec_invoice_numbers_are_unique_but_bill_numbers_are_not(box: Box) -> None:
    who = contact(box)
    invoice(box, who, InvoiceNumber="WC-1")
    reply = box.call(
        "PUT",
        "/Invoices",
        {
            "Invoices": [
                {"Type": "ACCREC", "Contact": {"ContactID": who}, "InvoiceNumber": "wc-1", "LineItems": [line()]}
            ]
        },
    )
    assert reply.status == 400 and messages(reply) == ["Invoice # must be unique."]
    bill = {
        "Type": "ACCPAY",
        "Contact": {"ContactID": who},
        "InvoiceNumber": "SUP-1",
        "LineItems": [line(AccountCode="400", TaxType="INPUT")],
    }
    assert box.call("PUT", "/Invoices", {"Invoices": [bill, bill]}).status == 200


def test_tax_is_rounded_per_line_then_summed_and_unitdp_4_keeps_four_places(box: Box) -> None:
    who = contact(box)
    lines = [line("0.45") for _ in range(3)]
    made = invoice(box, who, *lines)
    assert (made["TotalTax"], made["Total"]) == (Decimal("0.15"), Decimal("1.5"))  # not round2(0.135) = 0.14
    body = {"Type": "ACCREC", "Contact": {"ContactID": who}, "LineItems": [line("19.9950", Quantity=3)]}
    two = box.call("PUT", "/Invoices", {"Invoices": [body]}).body["Invoices"][0]
    four = box.call("PUT", "/Invoices?unitdp=4", {"Invoices": [body]}).body["Invoices"][0]
    assert (two["LineItems"][0]["UnitAmount"], two["SubTotal"]) == (Decimal("20"), Decimal("60"))
    assert (four["LineItems"][0]["UnitAmount"], four["SubTotal"]) == (Decimal("19.995"), Decimal("59.99"))


def test_a_total_that_disagrees_with_the_lines_is_ignored(box: Box) -> None:
    made = invoice(box, contact(box), line("10"), Total=Decimal("999"), SubTotal=Decimal("1"))
    assert made["Total"] == Decimal("11")


def test_an_update_that_omits_a_line_deletes_it(box: Box) -> None:
    made = invoice(box, contact(box), line("10"), line("5"), Status="DRAFT")
    keep = made["LineItems"][1]
    reply = box.call("POST", f"/Invoices/{made['InvoiceID']}", {"Invoices": [{"LineItems": [keep, line("1")]}]})
    lines = reply.body["Invoices"][0]["LineItems"]
    assert lines[0]["LineItemID"] == keep["LineItemID"] and len(lines) == 2
    assert made["LineItems"][0]["LineItemID"] not in {li["LineItemID"] for li in lines}


def test_status_transitions(box: Box) -> None:
    who = contact(box)
    draft = invoice(box, who, Status="DRAFT")
    submitted = invoice(box, who, Status="SUBMITTED")
    authorised = invoice(box, who)
    for made in (draft, submitted):
        assert box.call("POST", f"/Invoices/{made['InvoiceID']}", {"Invoices": [{"Status": "DELETED"}]}).status == 200
    refused = box.call("POST", f"/Invoices/{authorised['InvoiceID']}", {"Invoices": [{"Status": "DELETED"}]})
    assert messages(refused) == ["Invoice not of valid status for modification"]
    assert box.call("POST", f"/Invoices/{draft['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]}).status == 400
    voided = box.call("POST", f"/Invoices/{authorised['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})
    assert voided.body["Invoices"][0]["Status"] == "VOIDED"
    assert pay(box, authorised["InvoiceID"], "1").status == 400  # nor paid once voided


def test_an_invoice_with_a_payment_cannot_be_edited_or_voided(box: Box) -> None:
    made = invoice(box, contact(box))
    assert pay(box, made["InvoiceID"], "10").status == 200
    for change in ({"Reference": "new"}, {"Status": "VOIDED"}, {"LineItems": [line("1")]}):
        reply = box.call("POST", f"/Invoices/{made['InvoiceID']}", {"Invoices": [change]})
        assert messages(reply) == [
            "Invoice not of valid status for modification",
            "This document cannot be edited as it has a payment or credit note allocated to it.",
        ]


def test_payments_never_exceed_the_amount_due_and_only_on_authorised_documents(box: Box) -> None:
    who = contact(box)
    made = invoice(box, who)  # 110.00
    assert messages(pay(box, made["InvoiceID"], "110.01")) == [
        "Payment amount exceeds the amount outstanding on this document"
    ]
    draft = invoice(box, who, Status="DRAFT")
    assert messages(pay(box, draft["InvoiceID"], "1")) == ["Payments can only be made against Authorised documents."]


def test_paid_when_nothing_is_due_and_authorised_again_when_a_payment_is_deleted(box: Box) -> None:
    made = invoice(box, contact(box))
    first = pay(box, made["InvoiceID"], "100").body["Payments"][0]
    second = pay(box, made["InvoiceID"], "10").body["Payments"][0]
    paid = box.call("GET", f"/Invoices/{made['InvoiceID']}").body["Invoices"][0]
    assert (paid["Status"], paid["AmountDue"], paid["AmountPaid"]) == ("PAID", 0, Decimal("110"))
    assert paid["FullyPaidOnDate"] and len(paid["Payments"]) == 2
    deleted = box.call("POST", f"/Payments/{second['PaymentID']}", {"Status": "DELETED"})
    assert deleted.body["Payments"][0]["Status"] == "DELETED"
    back = box.call("GET", f"/Invoices/{made['InvoiceID']}").body["Invoices"][0]
    assert (back["Status"], back["AmountDue"]) == ("AUTHORISED", Decimal("10"))
    assert box.call("POST", f"/Payments/{second['PaymentID']}", {"Status": "DELETED"}).status == 400  # already gone
    assert first["PaymentType"] == "ACCRECPAYMENT"


def test_a_period_lock_date_refuses_earlier_documents_and_payments(box: Box) -> None:
    box.org.period_lock_date = date(2026, 10, 31)
    who = contact(box)
    reply = box.call(
        "PUT",
        "/Invoices",
        {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": who}, "Date": "2026-10-15", "LineItems": [line()]}]},
    )
    assert messages(reply) == ["The document date cannot be before the period lock date, currently set at 31-Oct-2026"]
    made = invoice(box, who)
    assert "period lock date" in messages(pay(box, made["InvoiceID"], "1", Date="2026-10-01"))[0]
    organisation = box.call("GET", "/Organisation").body["Organisations"][0]
    assert organisation["PeriodLockDate"].startswith("/Date(")


def test_credit_note_allocations_reduce_the_amount_due_and_use_up_the_credit(box: Box) -> None:
    who = contact(box)
    made = invoice(box, who)  # 110
    note = box.call(
        "PUT",
        "/CreditNotes",
        {
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": who},
                    "Status": "AUTHORISED",
                    "LineItems": [line("20")],
                }
            ]
        },
    )
    credit = note.body["CreditNotes"][0]
    assert credit["RemainingCredit"] == Decimal("22") and credit["CreditNoteNumber"] == "CN-0001"
    path = f"/CreditNotes/{credit['CreditNoteID']}/Allocations"
    too_much = box.call(
        "PUT",
        path,
        {"Allocations": [{"Invoice": {"InvoiceID": made["InvoiceID"]}, "Amount": 23, "Date": "2026-11-21"}]},
    )
    assert too_much.status == 400
    done = box.call(
        "PUT",
        path,
        {"Allocations": [{"Invoice": {"InvoiceID": made["InvoiceID"]}, "Amount": 22, "Date": "2026-11-21"}]},
    )
    assert done.status == 200
    after = box.call("GET", f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert (after["Status"], after["RemainingCredit"]) == ("PAID", 0)
    inv = box.call("GET", f"/Invoices/{made['InvoiceID']}").body["Invoices"][0]
    assert (inv["AmountDue"], inv["AmountCredited"]) == (Decimal("88"), Decimal("22"))
    assert messages(box.call("POST", f"/Invoices/{made['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]}))[
        1
    ].startswith("This document cannot be edited")
    allocation_id = done.body["Allocations"][0]["AllocationID"]
    undone = box.call("DELETE", f"{path}/{allocation_id}")
    assert undone.status == 200 and undone.body["IsDeleted"] is True
    again = box.call("GET", f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert (again["Status"], again["RemainingCredit"]) == ("AUTHORISED", Decimal("22"))


def test_a_refund_is_a_payment_on_the_credit_note(box: Box) -> None:
    who = contact(box)
    note = box.call(
        "PUT",
        "/CreditNotes",
        {
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": who},
                    "Status": "AUTHORISED",
                    "LineItems": [line("10")],
                }
            ]
        },
    )
    credit = note.body["CreditNotes"][0]
    refund = box.call(
        "PUT",
        "/Payments",
        {
            "Payments": [
                {"CreditNote": {"CreditNoteID": credit["CreditNoteID"]}, "Account": {"Code": "090"}, "Amount": 11}
            ]
        },
    )
    assert refund.body["Payments"][0]["PaymentType"] == "ARCREDITPAYMENT"
    after = box.call("GET", f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert (after["Status"], after["RemainingCredit"], len(after["Payments"])) == ("PAID", 0, 1)
    over = box.call(
        "PUT",
        "/Payments",
        {"Payments": [{"CreditNoteNumber": credit["CreditNoteNumber"], "Account": {"Code": "090"}, "Amount": 1}]},
    )
    assert over.status == 400


def test_error_shape_and_a_summarised_batch_is_not_transactional(box: Box) -> None:
    contact(box, "Taken")
    reply = box.call("PUT", "/Contacts", {"Contacts": [{"Name": "Fresh"}, {"Name": "Taken"}]})
    assert reply.status == 400
    assert (reply.body["ErrorNumber"], reply.body["Type"], reply.body["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    element = reply.body["Elements"][0]
    assert (
        element["Name"] == "Taken"
        and element["HasValidationErrors"] is True
        and element["ValidationErrors"][0]["Message"]
    )
    assert {c["Name"] for c in box.org.contacts.values()} == {"Taken", "Fresh"}
    mixed = box.call("PUT", "/Contacts?summarizeErrors=False", {"Contacts": [{"Name": "Another"}, {"Name": "Taken"}]})
    assert mixed.status == 200 and [c["StatusAttributeString"] for c in mixed.body["Contacts"]] == ["OK", "ERROR"]


def test_absurd_batches_are_refused_and_settings_take_one_element(box: Box) -> None:
    reply = box.call("PUT", "/Contacts", {"Contacts": [{"Name": f"C{i}"} for i in range(501)]})
    assert reply.status == 400 and box.org.contacts == {}
    assert box.call("PUT", "/Contacts", {"Contacts": [{"Name": f"C{i}"} for i in range(500)]}).status == 200
    two = {"TaxRates": [{"Name": f"R{i}", "TaxComponents": [{"Name": "T", "Rate": 1}]} for i in range(2)]}
    assert box.call("PUT", "/TaxRates", two).status == 400
    accounts = {
        "Accounts": [{"Code": "301", "Name": "A", "Type": "SALES"}, {"Code": "302", "Name": "B", "Type": "SALES"}]
    }
    assert box.call("PUT", "/Accounts", accounts).status == 400


def test_filters_ids_numbers_statuses_search_paging_and_modified_since(box: Box) -> None:
    who, other = contact(box, "A"), contact(box, "B")
    first = invoice(box, who, InvoiceNumber="F-1", Reference="apple")
    box.clock.advance(minutes=20)
    second = invoice(box, other, InvoiceNumber="F-2", Status="DRAFT")
    ids = lambda reply: [i["InvoiceID"] for i in reply.body["Invoices"]]  # noqa: E731
    assert ids(box.call("GET", f"/Invoices?IDs={second['InvoiceID']}")) == [second["InvoiceID"]]
    assert ids(box.call("GET", "/Invoices?InvoiceNumbers=F-1")) == [first["InvoiceID"]]
    assert ids(box.call("GET", f"/Invoices?ContactIDs={other}")) == [second["InvoiceID"]]
    assert ids(box.call("GET", "/Invoices?Statuses=DRAFT")) == [second["InvoiceID"]]
    assert ids(box.call("GET", "/Invoices?searchTerm=APP")) == [first["InvoiceID"]]
    assert ids(box.call("GET", f'/Invoices?where=Contact.ContactID==Guid("{who}")')) == [first["InvoiceID"]]
    since = box.call("GET", "/Invoices", headers={"If-Modified-Since": "2026-11-21T09:10:00"})
    assert ids(since) == [second["InvoiceID"]]
    paged = box.call("GET", "/Invoices?page=2&pageSize=1")
    assert paged.body["pagination"] == {"page": 2, "pageSize": 1, "pageCount": 2, "itemCount": 2}
    assert ids(paged) == [second["InvoiceID"]] and "LineItems" in paged.body["Invoices"][0]
    assert "LineItems" not in box.call("GET", "/Invoices").body["Invoices"][0]  # unpaged lists leave lines out
    assert box.call("GET", "/Invoices?where=Total>>1").status == 400


def test_an_invoice_naming_a_contact_creates_it_or_writes_its_details_to_the_one_of_that_name(box: Box) -> None:
    """Xero finds the contact a document names (by name when it has no ContactID) or creates it
    (https://community.xero.com/developer/discussion/106550833); the details sent with it are
    written to that contact either way, which is why xerosync names a known contact by its
    ContactID alone and holds a name while an invoice creates a contact of it."""
    new = {
        "Name": "Jane Citizen",
        "ContactNumber": "12",
        "EmailAddress": "jane@example.com",
        "Addresses": [{"AddressType": "POBOX", "City": "Melbourne", "PostalCode": "3000"}],
    }
    made = invoice(box, "", Contact=new)
    [created] = box.org.contacts.values()
    assert made["Contact"]["ContactID"] == created["ContactID"]
    assert (created["Name"], created["ContactNumber"], created["EmailAddress"]) == (
        "Jane Citizen",
        "12",
        "jane@example.com",
    )
    assert created["Addresses"][0]["City"] == "Melbourne"
    # another buyer of the same name, named on an invoice: Xero gives it Jane's contact, and her e-mail is overwritten
    other = invoice(box, "", Contact={"Name": "jane citizen", "EmailAddress": "other.jane@example.org"})
    assert other["Contact"]["ContactID"] == created["ContactID"] and len(box.org.contacts) == 1
    assert created["EmailAddress"] == "other.jane@example.org"
