"""Spec conformance for every Accounting endpoint the sandbox serves: each is called, its
answer is checked against Xero's OpenAPI spec by a validator built here (not the sandbox's
own), and every endpoint that takes a body refuses a malformed one as Xero does (400,
ErrorNumber 14, PostDataInvalidException)."""

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.sandbox.conftest import Box, Reply, contact, invoice, line, make_box, messages
from tests.sandbox.specdoc import response_ref, spec_document, violations

Call = tuple[str, str, Reply]  # (method, spec template, reply)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return spec_document()


@pytest.fixture(scope="module")
def world(spec: dict[str, Any]) -> Iterator[tuple[Box, list[Call]]]:
    """One sandbox in which every endpoint has been called once, in an order that makes sense."""
    for box in make_box(validate=True):
        yield box, exercise(box)


def exercise(box: Box) -> list[Call]:
    calls: list[Call] = []

    def call(method: str, template: str, path: str, body: Any = None, **options: Any) -> Any:
        reply = box.call(method, path, body, **options)
        calls.append((method, template, reply))
        assert reply.status in (200, 204), (method, path, reply.status, reply.body)
        return reply.body

    call("GET", "/Organisation", "/Organisation")
    bank = call("GET", "/Accounts", '/Accounts?where=Code=="090"')["Accounts"][0]
    call("GET", "/Accounts/{AccountID}", f"/Accounts/{bank['AccountID']}")
    new = call("PUT", "/Accounts", "/Accounts", {"Code": "205", "Name": "Market Sales", "Type": "REVENUE"})["Accounts"][
        0
    ]
    call("POST", "/Accounts/{AccountID}", f"/Accounts/{new['AccountID']}", {"Accounts": [{"Description": "Markets"}]})
    call("DELETE", "/Accounts/{AccountID}", f"/Accounts/{new['AccountID']}")
    call("GET", "/TaxRates", "/TaxRates")
    call("GET", "/TaxRates/{TaxType}", "/TaxRates/OUTPUT")
    rate = {"Name": "Reduced", "TaxComponents": [{"Name": "GST", "Rate": Decimal("5")}]}
    call("PUT", "/TaxRates", "/TaxRates", {"TaxRates": [rate]})
    call("POST", "/TaxRates", "/TaxRates", {"TaxRates": [{"Name": "Reduced", "Status": "ARCHIVED"}]})
    call("GET", "/Currencies", "/Currencies")
    call("PUT", "/Currencies", "/Currencies", {"Code": "EUR", "Description": "Euro"})
    theme = call("GET", "/BrandingThemes", "/BrandingThemes")["BrandingThemes"][0]
    call("GET", "/BrandingThemes/{BrandingThemeID}", f"/BrandingThemes/{theme['BrandingThemeID']}")
    category = call("PUT", "/TrackingCategories", "/TrackingCategories", {"Name": "Region"})["TrackingCategories"][0]
    cid = category["TrackingCategoryID"]
    option = call(
        "PUT",
        "/TrackingCategories/{TrackingCategoryID}/Options",
        f"/TrackingCategories/{cid}/Options",
        {"Name": "North"},
    )
    oid = option["Options"][0]["TrackingOptionID"]
    call(
        "POST",
        "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}",
        f"/TrackingCategories/{cid}/Options/{oid}",
        {"Name": "Northern"},
    )
    call("GET", "/TrackingCategories", "/TrackingCategories?includeArchived=true")
    call("GET", "/TrackingCategories/{TrackingCategoryID}", f"/TrackingCategories/{cid}")
    call("POST", "/TrackingCategories/{TrackingCategoryID}", f"/TrackingCategories/{cid}", {"Name": "Regions"})

    person = call("PUT", "/Contacts", "/Contacts", {"Contacts": [{"Name": "Conformance", "ContactNumber": "C-1"}]})[
        "Contacts"
    ][0]
    call("POST", "/Contacts", "/Contacts", {"Contacts": [{"Name": "Conformance", "EmailAddress": "c@example.com"}]})
    call("POST", "/Contacts/{ContactID}", f"/Contacts/{person['ContactID']}", {"Contacts": [{"FirstName": "Con"}]})
    call("GET", "/Contacts", "/Contacts?page=1&pageSize=5&searchTerm=conf")
    call("GET", "/Contacts/{ContactID}", f"/Contacts/{person['ContactID']}")

    item = call(
        "PUT",
        "/Items",
        "/Items?unitdp=4",
        {
            "Items": [
                {"Code": "W-1", "Name": "Widget", "SalesDetails": {"UnitPrice": Decimal("2.5"), "AccountCode": "200"}}
            ]
        },
    )["Items"][0]
    call("POST", "/Items", "/Items", {"Items": [{"Code": "W-2", "Name": "Other"}]})
    call("POST", "/Items/{ItemID}", f"/Items/{item['ItemID']}", {"Items": [{"Code": "W-1", "Name": "Widget 2"}]})
    call("GET", "/Items", '/Items?where=Code=="W-1"')
    call("GET", "/Items/{ItemID}", f"/Items/{item['ItemID']}")
    other = box.call("GET", '/Items?where=Code=="W-2"').body["Items"][0]
    call("DELETE", "/Items/{ItemID}", f"/Items/{other['ItemID']}")

    sale = dict(Type="ACCREC", Contact={"ContactID": person["ContactID"]}, Date="2026-11-20", Status="AUTHORISED")
    lines = [line(Tracking=[{"Name": "Regions", "Option": "Northern"}]), {"ItemCode": "W-1", "Quantity": 2}]
    made = call("PUT", "/Invoices", "/Invoices?unitdp=4", {"Invoices": [{**sale, "LineItems": lines}]})["Invoices"][0]
    call("POST", "/Invoices", "/Invoices", {"Invoices": [{**sale, "Status": "DRAFT", "LineItems": [line()]}]})
    call("POST", "/Invoices/{InvoiceID}", f"/Invoices/{made['InvoiceID']}", {"Invoices": [{"Reference": "Order 1"}]})
    call("GET", "/Invoices", f"/Invoices?page=1&ContactIDs={person['ContactID']}&Statuses=AUTHORISED,DRAFT")
    call("GET", "/Invoices/{InvoiceID}", f"/Invoices/{made['InvoiceID']}")

    paid = {"Invoice": {"InvoiceID": made["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-11-21", "Amount": 10}
    payment = call("PUT", "/Payments", "/Payments", {"Payments": [{**paid, "Reference": "p-1"}]})["Payments"][0]
    single = call("POST", "/Payments", "/Payments", paid)["Payments"][0]
    call("GET", "/Payments", '/Payments?where=Reference=="p-1"&page=1')
    call("GET", "/Payments/{PaymentID}", f"/Payments/{payment['PaymentID']}")
    call("POST", "/Payments/{PaymentID}", f"/Payments/{single['PaymentID']}", {"Status": "DELETED"})

    note = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": person["ContactID"]},
        "Date": "2026-11-21",
        "Status": "AUTHORISED",
        "LineItems": [line("20")],
    }
    credit = call("PUT", "/CreditNotes", "/CreditNotes", {"CreditNotes": [note]})["CreditNotes"][0]
    call("POST", "/CreditNotes", "/CreditNotes", {"CreditNotes": [{**note, "Status": "DRAFT"}]})
    call(
        "POST",
        "/CreditNotes/{CreditNoteID}",
        f"/CreditNotes/{credit['CreditNoteID']}",
        {"CreditNotes": [{"Reference": "RMA"}]},
    )
    allocation = {"Invoice": {"InvoiceID": made["InvoiceID"]}, "Amount": 5, "Date": "2026-11-21"}
    allocated = call(
        "PUT",
        "/CreditNotes/{CreditNoteID}/Allocations",
        f"/CreditNotes/{credit['CreditNoteID']}/Allocations",
        {"Allocations": [allocation]},
    )
    call("GET", "/CreditNotes", f'/CreditNotes?where=CreditNoteNumber=="{credit["CreditNoteNumber"]}"')
    call("GET", "/CreditNotes/{CreditNoteID}", f"/CreditNotes/{credit['CreditNoteID']}")
    aid = allocated["Allocations"][0]["AllocationID"]
    call(
        "DELETE",
        "/CreditNotes/{CreditNoteID}/Allocations/{AllocationID}",
        f"/CreditNotes/{credit['CreditNoteID']}/Allocations/{aid}",
    )

    money = {
        "Type": "RECEIVE",
        "Contact": {"ContactID": person["ContactID"]},
        "BankAccount": {"Code": "090"},
        "Date": "2026-11-21",
        "Reference": "deposit-1",
        "LineItems": [line("30"), line("-2", AccountCode="400")],
    }
    received = call("PUT", "/BankTransactions", "/BankTransactions", {"BankTransactions": [money]})
    bid = received["BankTransactions"][0]["BankTransactionID"]
    call("GET", "/BankTransactions", '/BankTransactions?where=Reference=="deposit-1"&page=1')
    call("GET", "/BankTransactions/{BankTransactionID}", f"/BankTransactions/{bid}")
    deleted = {"Type": "RECEIVE", "BankAccount": {"Code": "090"}, "LineItems": [], "Status": "DELETED"}
    call("POST", "/BankTransactions/{BankTransactionID}", f"/BankTransactions/{bid}", {"BankTransactions": [deleted]})

    box.clock.advance(minutes=1)  # a new minute: one organisation takes 60 calls a minute
    offer = {"Contact": {"ContactID": person["ContactID"]}, "LineItems": [line("12")], "Title": "Offer"}
    quote = call("PUT", "/Quotes", "/Quotes", {"Quotes": [offer]})["Quotes"][0]
    call("POST", "/Quotes", "/Quotes", {"Quotes": [{"QuoteID": quote["QuoteID"], "Status": "SENT"}]})
    call("POST", "/Quotes/{QuoteID}", f"/Quotes/{quote['QuoteID']}", {"Quotes": [{"Status": "ACCEPTED"}]})
    call("GET", "/Quotes", "/Quotes?Status=ACCEPTED&page=1")
    call("GET", "/Quotes/{QuoteID}", f"/Quotes/{quote['QuoteID']}")
    bought = line("40", AccountCode="400", TaxType="INPUT")
    order = {"Contact": {"ContactID": person["ContactID"]}, "LineItems": [bought], "Status": "AUTHORISED"}
    made = call("PUT", "/PurchaseOrders", "/PurchaseOrders", {"PurchaseOrders": [order]})["PurchaseOrders"][0]
    pid = made["PurchaseOrderID"]
    call(
        "POST",
        "/PurchaseOrders",
        "/PurchaseOrders",
        {"PurchaseOrders": [{"PurchaseOrderID": pid, "AttentionTo": "Di"}]},
    )
    call("POST", "/PurchaseOrders/{PurchaseOrderID}", f"/PurchaseOrders/{pid}",
         {"PurchaseOrders": [{"Status": "BILLED"}]})  # fmt: skip
    call("GET", "/PurchaseOrders", "/PurchaseOrders?Status=BILLED&page=1")
    call("GET", "/PurchaseOrders/{PurchaseOrderID}", f"/PurchaseOrders/{made['PurchaseOrderNumber']}")

    call(
        "DELETE",
        "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}",
        f"/TrackingCategories/{cid}/Options/{oid}",
    )
    call("DELETE", "/TrackingCategories/{TrackingCategoryID}", f"/TrackingCategories/{cid}")
    return calls


def test_every_endpoint_the_sandbox_serves_is_exercised(world: tuple[Box, list[Call]]) -> None:
    box, calls = world
    served = {(r.method, r.template[len("/api.xro/2.0") :]) for r in box.sandbox.routes if r.kind == "api"}
    assert served == {(m, t) for m, t, _ in calls}


def test_every_endpoint_is_in_the_spec(world: tuple[Box, list[Call]], spec: dict[str, Any]) -> None:
    box, _ = world
    for route in box.sandbox.routes:
        if route.kind == "api":
            template = route.template[len("/api.xro/2.0") :]
            assert route.method.lower() in spec["paths"].get(template, {}), (route.method, template)


def test_every_answer_conforms_to_the_spec(world: tuple[Box, list[Call]], spec: dict[str, Any]) -> None:
    box, calls = world
    checked = 0
    for method, template, reply in calls:
        ref = response_ref(spec, method, template, reply.status)
        if reply.status == 204:
            assert ref is None and reply.body is None
            continue
        assert ref is not None, (method, template)
        errors = violations(spec, method, template, reply.status, reply.body)
        assert errors == [], (method, template, errors)
        assert {"Id", "Status", "ProviderName", "DateTimeUTC"} <= set(reply.body), (method, template)
        checked += 1
    assert checked >= 49  # every endpoint but the two 204s
    assert box.sandbox.spec_violations == []


MALFORMED: dict[tuple[str, str], Callable[[dict[str, str]], tuple[str, Any]]] = {
    ("PUT", "/Contacts"): lambda ids: ("/Contacts", {"Contacts": [{"Name": 12}]}),
    ("POST", "/Contacts"): lambda ids: ("/Contacts", {"Contacts": [{"Addresses": "none"}]}),
    ("POST", "/Contacts/{ContactID}"): lambda ids: (
        f"/Contacts/{ids['contact']}",
        {"Contacts": [{"ContactStatus": "GONE"}]},
    ),
    ("PUT", "/Items"): lambda ids: ("/Items", {"Items": [{"Code": "X", "SalesDetails": {"UnitPrice": "cheap"}}]}),
    ("POST", "/Items"): lambda ids: ("/Items", {"Items": [{"Code": "X", "IsSold": "yes"}]}),
    ("POST", "/Items/{ItemID}"): lambda ids: (f"/Items/{ids['item']}", {"Items": [{"Code": ["X"]}]}),
    ("PUT", "/Invoices"): lambda ids: ("/Invoices", {"Invoices": [{"Type": "ACCREC", "Date": "31/12/2026"}]}),
    ("POST", "/Invoices"): lambda ids: ("/Invoices", {"Invoices": [{"Type": "INVOICE"}]}),
    ("POST", "/Invoices/{InvoiceID}"): lambda ids: (
        f"/Invoices/{ids['invoice']}",
        {"Invoices": [{"LineItems": [{"Quantity": "two"}]}]},
    ),
    ("PUT", "/Payments"): lambda ids: ("/Payments", {"Payments": [{"Amount": "ten"}]}),
    ("POST", "/Payments"): lambda ids: ("/Payments", {"Invoice": {"InvoiceID": "not-a-guid"}, "Amount": 1}),
    ("POST", "/Payments/{PaymentID}"): lambda ids: (f"/Payments/{ids['payment']}", {"Status": 5}),
    ("PUT", "/CreditNotes"): lambda ids: ("/CreditNotes", {"CreditNotes": [{"Type": "ACCREC"}]}),
    ("POST", "/CreditNotes"): lambda ids: ("/CreditNotes", {"CreditNotes": [{"Total": "lots"}]}),
    ("POST", "/CreditNotes/{CreditNoteID}"): lambda ids: (
        f"/CreditNotes/{ids['credit']}",
        {"CreditNotes": [{"Date": "tomorrow"}]},
    ),
    ("PUT", "/CreditNotes/{CreditNoteID}/Allocations"): lambda ids: (
        f"/CreditNotes/{ids['credit']}/Allocations",
        {"Allocations": [{"Amount": "1", "Invoice": {}, "Date": "2026-11-21"}]},
    ),
    ("PUT", "/BankTransactions"): lambda ids: ("/BankTransactions", {"BankTransactions": [{"Type": "DEPOSIT"}]}),
    ("POST", "/BankTransactions/{BankTransactionID}"): lambda ids: (
        f"/BankTransactions/{ids['bank_transaction']}",
        {"BankTransactions": [{"IsReconciled": "maybe"}]},
    ),
    ("PUT", "/Quotes"): lambda ids: (
        "/Quotes",
        {"Quotes": [{"Contact": {"ContactID": ids["contact"]}, "LineAmountTypes": "Exclusive"}]},
    ),  # EXCLUSIVE
    ("POST", "/Quotes"): lambda ids: ("/Quotes", {"Quotes": [{"Status": "WON"}]}),
    ("POST", "/Quotes/{QuoteID}"): lambda ids: (f"/Quotes/{ids['quote']}", {"Quotes": [{"ExpiryDate": "soon"}]}),
    ("PUT", "/PurchaseOrders"): lambda ids: ("/PurchaseOrders", {"PurchaseOrders": [{"DeliveryDate": 20261201}]}),
    ("POST", "/PurchaseOrders"): lambda ids: ("/PurchaseOrders", {"PurchaseOrders": [{"Status": "ORDERED"}]}),
    ("POST", "/PurchaseOrders/{PurchaseOrderID}"): lambda ids: (
        f"/PurchaseOrders/{ids['purchase_order']}",
        {"PurchaseOrders": [{"SentToContact": "yes"}]},
    ),
    ("PUT", "/Accounts"): lambda ids: ("/Accounts", {"Code": "1", "Name": "x", "Type": "SOMETHING"}),
    ("POST", "/Accounts/{AccountID}"): lambda ids: (f"/Accounts/{ids['account']}", {"Accounts": [{"Status": "MAYBE"}]}),
    ("PUT", "/TaxRates"): lambda ids: ("/TaxRates", {"TaxRates": [{"Name": "x", "TaxComponents": {"Rate": 1}}]}),
    ("POST", "/TaxRates"): lambda ids: ("/TaxRates", {"TaxRates": [{"Name": "x", "Status": "SOMETIMES"}]}),
    ("PUT", "/Currencies"): lambda ids: ("/Currencies", {"Code": "XXX"}),
    ("PUT", "/TrackingCategories"): lambda ids: ("/TrackingCategories", {"Name": "x", "Status": "NEW"}),
    ("POST", "/TrackingCategories/{TrackingCategoryID}"): lambda ids: (
        f"/TrackingCategories/{ids['category']}",
        {"Options": "all"},
    ),
    ("PUT", "/TrackingCategories/{TrackingCategoryID}/Options"): lambda ids: (
        f"/TrackingCategories/{ids['category']}/Options",
        {"Name": 5},
    ),
    ("POST", "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}"): lambda ids: (
        f"/TrackingCategories/{ids['category']}/Options/{ids['option']}",
        {"Status": "HIDDEN"},
    ),
}


@pytest.fixture
def fresh(spec: dict[str, Any]) -> Iterator[tuple[Box, dict[str, str]]]:
    for box in make_box(validate=True):
        contact_id = contact(box, "Malformed")
        made = invoice(box, contact_id)
        payment = box.call(
            "PUT",
            "/Payments",
            {"Payments": [{"Invoice": {"InvoiceID": made["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 1}]},
        )
        credit = box.call(
            "PUT",
            "/CreditNotes",
            {"CreditNotes": [{"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id}, "LineItems": [line()]}]},
        )
        item = box.call("PUT", "/Items", {"Items": [{"Code": "M-1"}]})
        money = {"Type": "SPEND", "Contact": {"ContactID": contact_id}, "BankAccount": {"Code": "090"},
                 "LineItems": [line()]}  # fmt: skip
        spent = box.call("PUT", "/BankTransactions", {"BankTransactions": [money]})
        category = box.call("PUT", "/TrackingCategories", {"Name": "Area"}).body["TrackingCategories"][0]
        option = box.call("PUT", f"/TrackingCategories/{category['TrackingCategoryID']}/Options", {"Name": "A"})
        quote = box.call("PUT", "/Quotes", {"Quotes": [{"Contact": {"ContactID": contact_id}}]})
        order = box.call("PUT", "/PurchaseOrders", {"PurchaseOrders": [{"Contact": {"ContactID": contact_id}}]})
        ids = {
            "quote": quote.body["Quotes"][0]["QuoteID"],
            "purchase_order": order.body["PurchaseOrders"][0]["PurchaseOrderID"],
            "contact": contact_id,
            "invoice": made["InvoiceID"],
            "payment": payment.body["Payments"][0]["PaymentID"],
            "credit": credit.body["CreditNotes"][0]["CreditNoteID"],
            "item": item.body["Items"][0]["ItemID"],
            "account": box.org.account_by_code("200")["AccountID"],  # type: ignore[index]
            "category": category["TrackingCategoryID"],
            "option": option.body["Options"][0]["TrackingOptionID"],
            "bank_transaction": spent.body["BankTransactions"][0]["BankTransactionID"],
        }
        yield box, ids


def test_every_endpoint_with_a_body_has_a_malformed_case(world: tuple[Box, list[Call]], spec: dict[str, Any]) -> None:
    box, _ = world
    with_body = {
        (r.method, r.template[len("/api.xro/2.0") :])
        for r in box.sandbox.routes
        if r.kind == "api" and "requestBody" in spec["paths"][r.template[len("/api.xro/2.0") :]][r.method.lower()]
    }
    assert with_body == set(MALFORMED)


@pytest.mark.parametrize("endpoint", sorted(MALFORMED), ids=lambda e: f"{e[0]} {e[1]}")
def test_a_malformed_body_is_refused_as_xero_refuses_it(
    fresh: tuple[Box, dict[str, str]], endpoint: tuple[str, str]
) -> None:
    box, ids = fresh
    before = {
        name: len(getattr(box.org, name))
        for name in (
            "contacts",
            "items",
            "invoices",
            "payments",
            "credit_notes",
            "bank_transactions",
            "quotes",
            "purchase_orders",
            "accounts",
            "tax_rates",
        )
    }
    path, body = MALFORMED[endpoint](ids)
    reply = box.call(endpoint[0], path, body)
    assert reply.status == 400, reply.body
    assert reply.body["ErrorNumber"] == 14 and reply.body["Type"] == "PostDataInvalidException", reply.body
    assert reply.body["Message"]
    assert violations(spec_document(), endpoint[0], endpoint[1], 400, reply.body) == []
    after = {name: len(getattr(box.org, name)) for name in before}
    assert after == before  # refused before anything is saved


def _bad_invoice(ids: dict[str, str], kind: str = "ACCREC") -> dict[str, Any]:
    return {
        "Type": kind,
        "Contact": {"ContactID": ids["contact"]},
        "Date": "2026-01-10",
        "DueDate": "2026-02-10",
        "LineItems": [line(AccountCode="999")],
    }


UNKNOWN = "11111111-2222-3333-4444-555555555555"
# A write each endpoint refuses for one of Xero's rules (not for its schema), to check the answer.
REFUSED: dict[tuple[str, str], Callable[[dict[str, str]], tuple[str, Any]]] = {
    ("PUT", "/Contacts"): lambda ids: ("/Contacts", {"Contacts": [{"Name": "Malformed"}]}),
    ("POST", "/Contacts"): lambda ids: ("/Contacts", {"Contacts": [{"ContactID": UNKNOWN, "Name": "N"}]}),
    ("POST", "/Contacts/{ContactID}"): lambda ids: (f"/Contacts/{ids['contact']}", {"Contacts": [{"Name": " "}]}),
    ("PUT", "/Items"): lambda ids: ("/Items", {"Items": [{"Code": "X" * 31}]}),
    ("POST", "/Items"): lambda ids: ("/Items", {"Items": [{"ItemID": UNKNOWN, "Code": "Y"}]}),
    ("POST", "/Items/{ItemID}"): lambda ids: (
        f"/Items/{ids['item']}",
        {"Items": [{"Code": "M-1", "SalesDetails": {"AccountCode": "999"}}]},
    ),
    ("PUT", "/Invoices"): lambda ids: ("/Invoices", {"Invoices": [_bad_invoice(ids)]}),
    ("POST", "/Invoices"): lambda ids: ("/Invoices", {"Invoices": [_bad_invoice(ids)]}),
    ("POST", "/Invoices/{InvoiceID}"): lambda ids: (
        f"/Invoices/{ids['invoice']}",
        {"Invoices": [{"Reference": "paid already", "DueDate": "2026-12-31"}]},
    ),
    ("PUT", "/Payments"): lambda ids: (
        "/Payments",
        {"Payments": [{"Invoice": {"InvoiceID": ids["invoice"]}, "Account": {"Code": "090"}, "Amount": 10**6}]},
    ),
    ("POST", "/Payments"): lambda ids: (
        "/Payments",
        {"Invoice": {"InvoiceID": ids["invoice"]}, "Account": {"Code": "090"}, "Date": "2026-11-21", "Amount": 10**6},
    ),
    ("POST", "/Payments/{PaymentID}"): lambda ids: (f"/Payments/{ids['payment']}", {"Status": "AUTHORISED"}),
    ("PUT", "/CreditNotes"): lambda ids: ("/CreditNotes", {"CreditNotes": [_bad_invoice(ids, "ACCRECCREDIT")]}),
    ("POST", "/CreditNotes"): lambda ids: ("/CreditNotes", {"CreditNotes": [_bad_invoice(ids, "ACCRECCREDIT")]}),
    ("POST", "/CreditNotes/{CreditNoteID}"): lambda ids: (
        f"/CreditNotes/{ids['credit']}",
        {"CreditNotes": [{"Status": "VOIDED"}]},
    ),
    ("PUT", "/CreditNotes/{CreditNoteID}/Allocations"): lambda ids: (
        f"/CreditNotes/{ids['credit']}/Allocations",
        {"Allocations": [{"Invoice": {"InvoiceID": ids["invoice"]}, "Amount": 1, "Date": "2026-11-21"}]},
    ),
    ("PUT", "/Accounts"): lambda ids: ("/Accounts", {"Code": "200", "Name": "Again", "Type": "REVENUE"}),
    ("POST", "/Accounts/{AccountID}"): lambda ids: (f"/Accounts/{ids['account']}", {"Accounts": [{"Code": "090"}]}),
    ("PUT", "/TaxRates"): lambda ids: ("/TaxRates", {"TaxRates": [{"Name": "No components"}]}),
    ("POST", "/TaxRates"): lambda ids: ("/TaxRates", {"TaxRates": [{"Name": "Nobody", "Status": "ARCHIVED"}]}),
    ("PUT", "/TrackingCategories"): lambda ids: ("/TrackingCategories", {"Name": "Area"}),
    ("PUT", "/TrackingCategories/{TrackingCategoryID}/Options"): lambda ids: (
        f"/TrackingCategories/{ids['category']}/Options",
        {"Name": "A"},
    ),
}


@pytest.mark.parametrize("endpoint", sorted(REFUSED), ids=lambda e: f"{e[0]} {e[1]}")
@pytest.mark.parametrize("summarize", [True, False], ids=["summarized", "per-element"])
def test_a_refused_write_answers_as_the_spec_describes(
    fresh: tuple[Box, dict[str, str]], endpoint: tuple[str, str], summarize: bool
) -> None:
    box, ids = fresh
    path, body = REFUSED[endpoint](ids)
    reply = box.call(endpoint[0], path + ("" if summarize else "?summarizeErrors=false"), body)
    assert reply.status in ((400,) if summarize else (200, 400)), reply.body
    assert messages(reply), reply.body
    assert violations(spec_document(), endpoint[0], endpoint[1], reply.status, reply.body) == []
    assert box.sandbox.spec_violations == []
