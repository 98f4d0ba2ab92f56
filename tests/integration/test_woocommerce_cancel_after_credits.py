"""A paid WooCommerce order cancelled after the sale already has credit in Xero, on real parts: the
store simulator, the WooCommerce adapter, the core against the Xero sandbox over HTTP and mappings
on moto server.

A paid invoice cannot be voided, so the cancellation credits what is still on it (``-CN``). Credit
the sale has that is not allocated to the invoice counts too: a decrease after payment (``-A1``,
owed to the customer) and a refund paid back as money (``-R<id>``, a refund payment on its note)
are not in the invoice's ``AmountCredited``, yet crediting the invoice's whole total on top of them
credits the sale twice."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.test_woocommerce_order_edits import Shop, paid_order
from xerosync.xero.client import XeroClient

D = Decimal


@pytest.fixture
def shop(endpoint: str, xero: XeroClient, sandbox: Any) -> Iterator[Shop]:
    yield Shop(endpoint, xero, sandbox)


def sale_notes(shop: Shop, order: dict[str, Any]) -> dict[str, Decimal]:
    """The sale's credit notes in Xero, number -> total, voided or deleted ones left out."""
    prefix = f"WC-{order['number']}-"
    return {
        n["CreditNoteNumber"]: n["Total"]
        for n in shop.org.credit_notes.values()
        if n["CreditNoteNumber"].startswith(prefix) and n["Status"] not in ("VOIDED", "DELETED")
    }


def cancel(shop: Shop, order: dict[str, Any]) -> str:
    shop.store.set_order_status(order["id"], "cancelled")
    return shop.sync(order["id"]).action


def test_a_paid_order_lowered_then_cancelled_is_credited_only_what_the_decrease_left(shop: Shop) -> None:
    # Given a paid order of two mugs (44.00 with GST) lowered to one after payment: -A1 credits 22.00,
    # owed to the customer, not allocated to the (paid) invoice
    order = paid_order(shop, 2)
    shop.store.update_order(order["id"], quantities={order["line_items"][0]["id"]: 1})
    assert shop.sync(order["id"]).action == "adjusted"
    number = f"WC-{order['number']}"
    assert sale_notes(shop, order) == {f"{number}-A1": D("22.00")}
    # When the order is cancelled
    assert cancel(shop, order) == "credited"
    # Then -CN credits the 22.00 still on the sale: 44.00 of credit for a 44.00 sale, not 66.00
    assert sale_notes(shop, order) == {f"{number}-A1": D("22.00"), f"{number}-CN": D("22.00")}
    [invoice] = [i for i in shop.org.invoices.values() if i["InvoiceNumber"] == number]
    assert (invoice["Total"], invoice["Status"]) == (D("44.00"), "PAID")
    # and the cancellation delivered again credits nothing more
    assert shop.sync(order["id"]).action == "unchanged"
    assert sale_notes(shop, order) == {f"{number}-A1": D("22.00"), f"{number}-CN": D("22.00")}


def test_a_paid_order_refunded_in_money_then_cancelled_is_credited_the_rest_only(shop: Shop) -> None:
    # Given a paid order (44.00) refunded 5.00, paid back as money out of its credit note
    order = paid_order(shop, 2)
    shop.store.refund_order(order["id"], "5.00", "goodwill")
    shop.sync(order["id"])
    [refund] = shop.org.credit_notes.values()
    assert shop.paid_back(refund) == [D("5.00")] and refund["Total"] == D("5.00")
    # When the order is cancelled
    assert cancel(shop, order) == "credited"
    # Then -CN credits the 39.00 the refund did not: 44.00 in all
    number = f"WC-{order['number']}"
    assert sale_notes(shop, order) == {refund["CreditNoteNumber"]: D("5.00"), f"{number}-CN": D("39.00")}
    assert shop.sync(order["id"]).action == "unchanged"
    assert len(shop.org.credit_notes) == 2


def test_a_refund_paid_out_of_the_decrease_s_note_is_not_subtracted_a_second_time(shop: Shop) -> None:
    # Given a paid order (44.00) lowered to one mug (-A1, 22.00), the 22.00 then refunded: the refund is
    # paid out of -A1's credit, so its mapping names -A1 and it has no note of its own
    order = paid_order(shop, 2)
    shop.store.update_order(order["id"], quantities={order["line_items"][0]["id"]: 1})
    shop.sync(order["id"])
    shop.store.refund_order(order["id"], "22.00", "mug taken off the order")
    shop.sync(order["id"])
    number = f"WC-{order['number']}"
    assert sale_notes(shop, order) == {f"{number}-A1": D("22.00")}
    # When the order is cancelled, Then -CN credits the other 22.00, not 0.00 (-A1 counted twice)
    assert cancel(shop, order) == "credited"
    assert sale_notes(shop, order) == {f"{number}-A1": D("22.00"), f"{number}-CN": D("22.00")}
