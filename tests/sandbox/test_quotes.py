"""Quotes and purchase orders over HTTP: Xero's arithmetic, numbers, statuses and listing."""

from decimal import Decimal
from typing import Any

from tests.sandbox.conftest import Box, contact, line

D = Decimal


def _quote(box: Box, *lines: dict[str, Any], **extra: Any) -> Any:
    body = {"Contact": {"Name": "Quoted Customer"}, "Date": "2026-11-20", **extra}
    body["LineItems"] = list(lines) or [line()]
    return box.call("PUT", "/Quotes", {"Quotes": [body]})


def _order(box: Box, *lines: dict[str, Any], **extra: Any) -> Any:
    body = {"Contact": {"Name": "Supplier Ltd"}, "Date": "2026-11-20", **extra}
    body["LineItems"] = list(lines) or [line(AccountCode="400", TaxType="INPUT")]
    return box.call("PUT", "/PurchaseOrders", {"PurchaseOrders": [body]})


def test_a_quote_is_priced_line_by_line_as_an_invoice(box: Box) -> None:
    reply = _quote(
        box,
        line("10.99", Quantity=3, DiscountRate=10),  # 32.97 less 3.30 = 29.67, tax 2.70 (of 2.697)
        line("0.333", Quantity=3),  # 2 dp: 0.33 x 3 = 0.99, tax 0.09 (of 0.0899...)
        LineAmountTypes="INCLUSIVE",
        Title="Spring range",
    )
    assert reply.status == 200, reply.body
    quote = reply.body["Quotes"][0]
    assert quote["QuoteNumber"] == "QU-0001" and quote["Status"] == "DRAFT"
    assert quote["LineAmountTypes"] == "INCLUSIVE" and quote["DateString"] == "2026-11-20T00:00:00"
    assert [(q["LineAmount"], q["TaxAmount"]) for q in quote["LineItems"]] == [
        (D("29.67"), D("2.7")),
        (D("0.99"), D("0.09")),
    ]
    assert quote["LineItems"][1]["UnitAmount"] == D("0.33")  # no unitdp on quotes
    assert (quote["Total"], quote["TotalTax"], quote["SubTotal"]) == (D("30.66"), D("2.79"), D("27.87"))
    assert quote["TotalDiscount"] == D("3.3")
    assert box.sandbox.spec_violations == []


def test_a_quote_needs_a_contact_a_unique_number_and_the_spec_spelling_of_its_amount_types(box: Box) -> None:
    assert _quote(box, QuoteNumber="Q-7").status == 200
    taken = _quote(box, QuoteNumber="q-7")
    assert taken.status == 400
    assert taken.body["Elements"][0]["ValidationErrors"] == [{"Message": "Quote # must be unique."}]
    nobody = box.call("PUT", "/Quotes", {"Quotes": [{"LineItems": [line()]}]})
    assert nobody.status == 400
    assert nobody.body["Elements"][0]["ValidationErrors"][0]["Message"].startswith("A Contact must be specified")
    spelt = _quote(box, LineAmountTypes="Exclusive")  # QuoteLineAmountTypes: EXCLUSIVE, INCLUSIVE, NOTAX
    assert spelt.status == 400 and spelt.body["Type"] == "PostDataInvalidException"


def _move(box: Box, quote_id: str, status: str, **extra: Any) -> Any:
    return box.call("POST", f"/Quotes/{quote_id}", {"Quotes": [{"Status": status, **extra}]})


def test_quote_statuses_move_as_xero_lets_them(box: Box) -> None:
    quote_id = _quote(box).body["Quotes"][0]["QuoteID"]
    declined = _move(box, quote_id, "DECLINED")  # refused by Xero from DRAFT
    assert declined.status == 400
    for status in ("SENT", "ACCEPTED"):
        assert _move(box, quote_id, status).status == 200
    assert _move(box, quote_id, "DECLINED").status == 400  # refused by Xero from ACCEPTED
    relined = _move(box, quote_id, "ACCEPTED", LineItems=[line("5")])
    assert relined.status == 400  # an accepted quote's lines stay as they were
    assert _move(box, quote_id, "INVOICED").status == 200
    assert box.call("GET", f"/Quotes/{quote_id}").body["Quotes"][0]["Total"] == D("110")


def test_a_deleted_quote_is_final_and_listed_only_when_asked_for(box: Box) -> None:
    quote_id = _quote(box).body["Quotes"][0]["QuoteID"]
    assert _move(box, quote_id, "DELETED").status == 200
    assert _move(box, quote_id, "DELETED").status == 400
    assert _move(box, quote_id, "DRAFT").status == 400
    assert box.call("GET", "/Quotes").body["Quotes"] == []
    assert [q["QuoteID"] for q in box.call("GET", "/Quotes?Status=DELETED").body["Quotes"]] == [quote_id]


def test_an_update_that_leaves_descriptive_fields_out_clears_them(box: Box) -> None:
    quote = _quote(box, Title="Spring range", Summary="For the shop", Reference="R1").body["Quotes"][0]
    updated = box.call("POST", f"/Quotes/{quote['QuoteID']}", {"Quotes": [{"Reference": "R2"}]}).body["Quotes"][0]
    assert updated["Reference"] == "R2" and "Title" not in updated and "Summary" not in updated
    assert updated["LineItems"] == quote["LineItems"]  # no LineItems sent: the lines stay


def test_quotes_list_by_the_specs_filters(box: Box) -> None:
    first = _quote(box, ExpiryDate="2026-12-01").body["Quotes"][0]
    box.clock.advance(minutes=5)
    second = _quote(box, Date="2026-11-25", ExpiryDate="2026-12-20").body["Quotes"][0]

    def ids(query: str, **headers: str) -> list[str]:
        reply = box.call("GET", "/Quotes" + query, headers=headers)
        assert reply.status == 200, reply.body
        assert "pagination" not in reply.body  # the Quotes schema has none
        return [q["QuoteID"] for q in reply.body["Quotes"]]

    assert ids("") == [first["QuoteID"], second["QuoteID"]]
    assert ids("?DateFrom=2026-11-21") == [second["QuoteID"]]
    assert ids("?ExpiryDateTo=2026-12-10") == [first["QuoteID"]]
    assert ids(f"?QuoteNumber={second['QuoteNumber']}") == [second["QuoteID"]]
    assert ids("", **{"If-Modified-Since": "2026-11-21T09:03:00"}) == [second["QuoteID"]]
    assert ids("?page=2") == []
    assert ids("?order=Date%20DESC") == [second["QuoteID"], first["QuoteID"]]
    assert box.call("GET", "/Quotes?DateFrom=soon").status == 400


def test_the_same_idempotency_key_creates_one_quote(box: Box) -> None:
    who = contact(box)
    body = {"Quotes": [{"Contact": {"ContactID": who}, "LineItems": [line()]}]}
    first = box.call("PUT", "/Quotes", body, headers={"Idempotency-Key": "q1"})
    again = box.call("PUT", "/Quotes", body, headers={"Idempotency-Key": "q1"})
    assert first.body == again.body and len(box.org.quotes) == 1


def test_a_purchase_order_takes_purchase_details_and_its_own_number(box: Box) -> None:
    box.call(
        "PUT", "/Items", {"Items": [{"Code": "BOLT", "PurchaseDetails": {"UnitPrice": 2.5, "AccountCode": "500"}}]}
    )
    reply = _order(
        box,
        {"ItemCode": "BOLT", "Quantity": 4, "TaxType": "INPUT"},
        DeliveryDate="2026-12-01",
        AttentionTo="Stores",
        DeliveryInstructions="Dock 2",
    )
    assert reply.status == 200, reply.body
    order = reply.body["PurchaseOrders"][0]
    assert order["PurchaseOrderNumber"] == "PO-0001" and order["Status"] == "DRAFT"
    assert order["LineItems"][0]["AccountCode"] == "500" and order["LineItems"][0]["LineAmount"] == D("10")
    assert (order["Total"], order["TotalTax"]) == (D("11"), D("1"))
    assert order["DeliveryDateString"] == "2026-12-01T00:00:00" and order["AttentionTo"] == "Stores"
    assert box.org.contacts[order["Contact"]["ContactID"]]["IsSupplier"] is True
    by_number = box.call("GET", "/PurchaseOrders/PO-0001")
    assert (
        by_number.status == 200 and by_number.body["PurchaseOrders"][0]["PurchaseOrderID"] == order["PurchaseOrderID"]
    )
    assert box.sandbox.spec_violations == []


def test_purchase_order_rules(box: Box) -> None:
    discounted = _order(box, line(AccountCode="400", TaxType="INPUT", DiscountRate=5))
    assert discounted.status == 400  # discounts: ACCREC invoices and quotes only
    early = _order(box, SentToContact=True)
    assert early.status == 400  # only approved or billed orders can be marked sent
    long = _order(box, DeliveryInstructions="x" * 501)
    assert long.status == 400
    order_id = _order(box).body["PurchaseOrders"][0]["PurchaseOrderID"]

    def move(status: str, **extra: Any) -> int:
        body = {"PurchaseOrders": [{"Status": status, **extra}]}
        return box.call("POST", f"/PurchaseOrders/{order_id}", body).status

    assert move("BILLED") == 400
    assert move("AUTHORISED", SentToContact=True) == 200
    assert move("BILLED") == 200
    assert move("BILLED", LineItems=[line("1", AccountCode="400", TaxType="INPUT")]) == 400
    assert move("AUTHORISED") == 200


def test_purchase_orders_list_by_status_date_and_page(box: Box) -> None:
    made = [_order(box, Date=f"2026-11-{day}").body["PurchaseOrders"][0] for day in (10, 11, 12)]
    box.call("POST", f"/PurchaseOrders/{made[0]['PurchaseOrderID']}", {"PurchaseOrders": [{"Status": "AUTHORISED"}]})

    def numbers(query: str) -> list[str]:
        reply = box.call("GET", "/PurchaseOrders" + query)
        assert reply.status == 200, reply.body
        return [o["PurchaseOrderNumber"] for o in reply.body["PurchaseOrders"]]

    assert numbers("?Status=AUTHORISED") == ["PO-0001"]
    assert numbers("?DateFrom=2026-11-11&DateTo=2026-11-11") == ["PO-0002"]
    paged = box.call("GET", "/PurchaseOrders?page=2&pageSize=2").body
    assert paged["pagination"] == {"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 3}
    assert [o["PurchaseOrderNumber"] for o in paged["PurchaseOrders"]] == ["PO-0003"]
    assert paged["PurchaseOrders"][0]["LineItems"]  # listed documents carry their lines
