"""Xero's own request examples: every request-body example in the spec, for each write the
sandbox routes, is sent to a fresh sandbox (after creating what it refers to), must be
accepted, must give back every writable field it sent, and the answer must conform to the
spec's response schema under a validator of the tests' own."""

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox.dates import parse_date
from tests.sandbox.conftest import Box, contact, invoice, line, make_box
from tests.sandbox.specdoc import response_ref, spec_document, violations

API = "/api.xro/2.0"
Prepared = tuple[str, dict[str, str]]  # (path to send to, example id -> id made here)
ZERO_ID = "00000000-0000-0000-0000-000000000000"
EXAMPLE_CONTACT = "430fa14a-f945-44d3-9f97-5df5e28441b8"

# What an operation sends that is not meant to come back: an id sent to a create names no
# record (the sandbox gives the new contact its own id).
NOT_ECHOED = {("PUT", "/Contacts"): {"ContactID"}}


def _contact(box: Box) -> dict[str, str]:
    return {EXAMPLE_CONTACT: contact(box, "Example Contact")}


def _made(box: Box, path: str, body: Any, plural: str, key: str) -> str:
    reply = box.call("PUT", path, body)
    assert reply.status == 200, reply.body
    return str(reply.body[plural][0][key])


def _one(path: str) -> Callable[[Box], Prepared]:
    return lambda box: (path, {})


def _account(box: Box) -> Prepared:
    made = _made(box, "/Accounts", {"Code": "123456", "Name": "Foobar", "Type": "EXPENSE"}, "Accounts", "AccountID")
    return f"/Accounts/{made}", {"99ce6032-0678-4aa0-8148-240c75fee33a": made}


def _existing_contact(box: Box) -> Prepared:
    made = contact(box, "Hulk")
    return f"/Contacts/{made}", {ZERO_ID: made}


def _credit_note(box: Box) -> Prepared:
    ids = _contact(box)
    note = {"Type": "ACCPAYCREDIT", "Contact": {"ContactID": ids[EXAMPLE_CONTACT]}, "LineItems": [line()]}
    made = _made(box, "/CreditNotes", {"CreditNotes": [note]}, "CreditNotes", "CreditNoteID")
    return f"/CreditNotes/{made}", ids


def _allocation(box: Box) -> Prepared:
    ids = _contact(box)
    who = {"ContactID": ids[EXAMPLE_CONTACT]}
    sale = invoice(box, ids[EXAMPLE_CONTACT], Date="2019-03-01", DueDate="2019-03-31")
    note = {"Type": "ACCRECCREDIT", "Contact": who, "Date": "2019-03-01", "Status": "AUTHORISED", "LineItems": [line()]}
    made = _made(box, "/CreditNotes", {"CreditNotes": [note]}, "CreditNotes", "CreditNoteID")
    return f"/CreditNotes/{made}/Allocations", {"c45720a1-ade3-4a38-a064-d15489be6841": sale["InvoiceID"]}


def _bill(box: Box) -> Prepared:
    ids = _contact(box)
    bill = invoice(box, ids[EXAMPLE_CONTACT], Type="ACCPAY", LineItems=[line(AccountCode="400", TaxType="INPUT")])
    return f"/Invoices/{bill['InvoiceID']}", {ZERO_ID: bill["InvoiceID"]}


def _payable(path: str) -> Callable[[Box], Prepared]:
    def prepare(box: Box) -> Prepared:
        ids = _contact(box)
        return path, {ZERO_ID: invoice(box, ids[EXAMPLE_CONTACT], Date="2019-03-11")["InvoiceID"]}

    return prepare


def _payment(box: Box) -> Prepared:
    _, ids = _payable("")(box)
    body = {"Invoice": {"InvoiceID": ids[ZERO_ID]}, "Account": {"Code": "090"}, "Date": "2019-03-12", "Amount": 1}
    return f"/Payments/{_made(box, '/Payments', {'Payments': [body]}, 'Payments', 'PaymentID')}", {}


def _bank_transaction(box: Box) -> Prepared:
    """The example updates a Spend Money on "Business Wells Fargo" (088, in USD) of Buzz Lightyear,
    and says its TotalTax stays 1.74: a 19.14 line at 10 % GST, tax included."""
    account = {"Code": "088", "Name": "Business Wells Fargo", "Type": "BANK", "BankAccountNumber": "121212",
               "CurrencyCode": "USD"}  # fmt: skip
    bank = _made(box, "/Accounts", account, "Accounts", "AccountID")
    who = contact(box, "Buzz Lightyear")
    spend = {
        "Type": "SPEND",
        "Contact": {"ContactID": who},
        "BankAccount": {"AccountID": bank},
        "LineAmountTypes": "Inclusive",
        "LineItems": [line("19.14", AccountCode="400", TaxType="INPUT")],
    }
    made = _made(box, "/BankTransactions", {"BankTransactions": [spend]}, "BankTransactions", "BankTransactionID")
    # one id, 00000000-..., stands for three records in the example: each by where it is
    return f"/BankTransactions/{made}", {
        "Contact.ContactID": who,
        "BankAccount.AccountID": bank,
        "BankTransactionID": made,
    }


def _tax_rate(box: Box) -> Prepared:
    rate = {"Name": "State Tax NY", "TaxComponents": [{"Name": "State Tax", "Rate": Decimal("2.25")}]}
    _made(box, "/TaxRates", {"TaxRates": [rate]}, "TaxRates", "TaxType")
    return "/TaxRates", {}


def _category(box: Box) -> str:
    return _made(box, "/TrackingCategories", {"Name": "Marvel"}, "TrackingCategories", "TrackingCategoryID")


def _option(box: Box) -> Prepared:
    category = _category(box)
    made = _made(box, f"/TrackingCategories/{category}/Options", {"Name": "Thor"}, "Options", "TrackingOptionID")
    return f"/TrackingCategories/{category}/Options/{made}", {}


def _sales_and_purchases(box: Box) -> dict[str, str]:
    """The accounts the quote (12775) and purchase order (710) examples name, and their contact."""
    _made(box, "/Accounts", {"Code": "12775", "Name": "Quoted sales", "Type": "REVENUE"}, "Accounts", "AccountID")
    _made(box, "/Accounts", {"Code": "710", "Name": "Office equipment", "Type": "EXPENSE"}, "Accounts", "AccountID")
    return {ZERO_ID: contact(box, "Example Contact")}


def _document(plural: str, key: str, code: str) -> Callable[[Box], Prepared]:
    def prepare(box: Box) -> Prepared:
        ids = _sales_and_purchases(box)
        body = {"Contact": {"ContactID": ids[ZERO_ID]}, "LineItems": [line(AccountCode=code)]}
        return f"/{plural}/{_made(box, f'/{plural}', {plural: [body]}, plural, key)}", ids

    return prepare


PREPARE: dict[tuple[str, str], Callable[[Box], Prepared]] = {
    ("PUT", "/Accounts"): _one("/Accounts"),
    ("PUT", "/BankTransactions"): _one("/BankTransactions"),
    ("POST", "/BankTransactions/{BankTransactionID}"): _bank_transaction,
    ("POST", "/Accounts/{AccountID}"): _account,
    ("PUT", "/Contacts"): _one("/Contacts"),
    ("POST", "/Contacts"): _one("/Contacts"),
    ("POST", "/Contacts/{ContactID}"): _existing_contact,
    ("PUT", "/CreditNotes"): lambda box: ("/CreditNotes", _contact(box)),
    ("POST", "/CreditNotes"): lambda box: ("/CreditNotes", _contact(box)),
    ("POST", "/CreditNotes/{CreditNoteID}"): _credit_note,
    ("PUT", "/CreditNotes/{CreditNoteID}/Allocations"): _allocation,
    ("PUT", "/Currencies"): _one("/Currencies"),
    ("PUT", "/Invoices"): lambda box: ("/Invoices", _contact(box)),
    ("POST", "/Invoices"): lambda box: ("/Invoices", _contact(box)),
    ("POST", "/Invoices/{InvoiceID}"): _bill,
    ("PUT", "/Items"): _one("/Items"),
    ("POST", "/Items"): _one("/Items"),
    ("POST", "/Items/{ItemID}"): lambda box: (
        f"/Items/{_made(box, '/Items', {'Items': [{'Code': 'ItemCode123'}]}, 'Items', 'ItemID')}",
        {},
    ),
    ("PUT", "/Payments"): _payable("/Payments"),
    ("POST", "/Payments"): _payable("/Payments"),
    ("POST", "/Payments/{PaymentID}"): _payment,
    ("PUT", "/Quotes"): lambda box: ("/Quotes", _sales_and_purchases(box)),
    ("POST", "/Quotes"): lambda box: ("/Quotes", _sales_and_purchases(box)),
    ("POST", "/Quotes/{QuoteID}"): _document("Quotes", "QuoteID", "12775"),
    ("PUT", "/PurchaseOrders"): lambda box: ("/PurchaseOrders", _sales_and_purchases(box)),
    ("POST", "/PurchaseOrders"): lambda box: ("/PurchaseOrders", _sales_and_purchases(box)),
    ("POST", "/PurchaseOrders/{PurchaseOrderID}"): _document("PurchaseOrders", "PurchaseOrderID", "710"),
    ("PUT", "/TaxRates"): _one("/TaxRates"),
    ("POST", "/TaxRates"): _tax_rate,
    ("PUT", "/TrackingCategories"): _one("/TrackingCategories"),
    ("POST", "/TrackingCategories/{TrackingCategoryID}"): lambda box: (f"/TrackingCategories/{_category(box)}", {}),
    ("PUT", "/TrackingCategories/{TrackingCategoryID}/Options"): lambda box: (
        f"/TrackingCategories/{_category(box)}/Options",
        {},
    ),
    ("POST", "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}"): _option,
}


# Examples Xero would refuse as they stand: what they send is not data of the spec's own schema.
REFUSED = {
    ("PUT", "/BankTransactions"): "its Type is 'BankTransaction.TypeEnum.SPEND', a code generator's name for "
    "the enum value SPEND, not one of the spec's values",
}


def _examples(spec: dict[str, Any], routed: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    found = {}
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            body = (operation.get("requestBody") or {}) if isinstance(operation, dict) else {}
            example = body.get("content", {}).get("application/json", {}).get("example")
            if example is not None and (method.upper(), template) in routed:
                found[(method.upper(), template)] = example
    return found


def _routed() -> set[tuple[str, str]]:
    for box in make_box(validate=False):
        return {(r.method, r.template[len(API) :]) for r in box.sandbox.routes if r.kind == "api"}
    return set()


def test_every_routed_write_with_an_example_is_prepared() -> None:
    assert set(_examples(spec_document(), _routed())) == set(PREPARE)


def _substitute(value: Any, ids: dict[str, str], at: tuple[str, ...] = ()) -> Any:
    """The example with its ids replaced: by where they are ("Parent.Field" or "Field") first,
    else by value (an example's id for a record made here)."""
    if isinstance(value, dict):
        return {k: _substitute(v, ids, (*at, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, ids, at) for v in value]
    if not isinstance(value, str):
        return value
    for where in (".".join(at[-2:]), ".".join(at[-1:])):
        if where and where in ids:
            return ids[where]
    return ids.get(value, value)


def _schema(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["schemas"][str(node["$ref"]).rsplit("/", 1)[-1]]
    return node


def _same(sent: Any, got: Any) -> bool:
    if isinstance(sent, bool) or isinstance(got, bool):
        return sent is got
    if isinstance(sent, int | float | Decimal):
        return isinstance(got, int | float | Decimal) and Decimal(str(sent)) == Decimal(str(got))
    if isinstance(sent, str) and isinstance(got, str) and got.startswith("/Date("):
        return parse_date(sent) == parse_date(got)
    if isinstance(sent, str) and isinstance(got, str):
        return sent.strip() == got.strip()  # the sandbox trims names; Xero's examples do not say
    return bool(sent == got)


def echoed(spec: dict[str, Any], schema: dict[str, Any], sent: Any, got: Any, at: str, skip: set[str]) -> list[str]:
    """Where a writable field that was sent does not come back as sent."""
    schema = _schema(spec, schema)
    if isinstance(sent, list):
        if not isinstance(got, list) or len(got) != len(sent):
            return [f"{at}: sent {len(sent)} elements, got {got!r}"]
        items = schema.get("items") or {}
        return [
            p
            for i, (s, g) in enumerate(zip(sent, got, strict=True))
            for p in echoed(spec, items, s, g, f"{at}[{i}]", set())
        ]
    if not isinstance(sent, dict):
        return [] if _same(sent, got) else [f"{at}: sent {sent!r}, got {got!r}"]
    if not isinstance(got, dict):
        return [f"{at}: sent an object, got {got!r}"]
    properties = schema.get("properties") or {}
    folded = {k.casefold(): k for k in properties}
    problems: list[str] = []
    for key, value in sent.items():
        name = folded.get(key.casefold(), key)
        prop = _schema(spec, properties.get(name) or {})
        if name in skip or prop.get("readOnly") or value in (None, [], {}):
            continue  # read-only, or empty: nothing asked of the answer
        if name not in got:
            problems.append(f"{at}.{name}: sent, not in the answer")
            continue
        problems += echoed(spec, properties.get(name) or {}, value, got[name], f"{at}.{name}", set())
    return problems


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return spec_document()


@pytest.fixture
def fresh(spec: dict[str, Any]) -> Iterator[Box]:
    yield from make_box(validate=True)


@pytest.mark.parametrize("operation", sorted(PREPARE), ids=lambda o: f"{o[0]} {o[1]}")
def test_xeros_example_is_accepted_and_comes_back(fresh: Box, spec: dict[str, Any], operation: tuple[str, str]) -> None:
    method, template = operation
    example = _examples(spec, {operation})[operation]
    path, ids = PREPARE[operation](fresh)
    body = _substitute(example, ids)
    reply = fresh.call(method, path, body)
    if operation in REFUSED:  # refused as unreadable, before anything is saved
        assert reply.status == 400 and reply.body["Type"] == "PostDataInvalidException", reply.body
        assert fresh.sandbox.spec_violations == []
        return
    assert reply.status == 200, reply.body
    assert violations(spec, method, template, 200, reply.body) == []
    assert fresh.sandbox.spec_violations == []
    ref = response_ref(spec, method, template, 200)
    assert ref is not None
    answer = _schema(spec, {"$ref": ref})
    arrays = [k for k, v in answer["properties"].items() if v.get("type") == "array" and k != "Warnings"]
    assert len(arrays) == 1, arrays
    plural = arrays[0]
    element = answer["properties"][plural]["items"]
    sent = body[plural] if isinstance(body, dict) and plural in body else [body]
    got = reply.body[plural]
    skip = NOT_ECHOED.get(operation, set())
    problems = [p for i, s in enumerate(sent) for p in echoed(spec, element, s, got[i], f"{plural}[{i}]", skip)]
    assert problems == []
