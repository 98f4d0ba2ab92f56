"""Order edits that remove units, as Shopify reports them: orders/edited carries the edit (not the
order), LineItem.quantity keeps the removed units and currentQuantity drops them, the current
totals follow the edit while the plain ones stay as ordered (shopify.dev/docs/api/webhooks/2026-07,
the orders/edited sample; shopify.dev/docs/api/admin-graphql/latest/objects/LineItem)."""

import json
from decimal import Decimal

import pytest

from local.shopify_store import LineSpec, Receiver, ShopifyStore, verify
from local.shopify_store.model import gid
from local.shopify_store.orders import OrderError
from tests.shopify_store.conftest import Admin

D = Decimal
GST = (("GST", D("0.10")),)
ORDER = """query($id: ID!) { order(id: $id) {
  displayFinancialStatus totalPriceSet { shopMoney { amount } } currentTotalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } } currentTotalTaxSet { shopMoney { amount } }
  lineItems(first: 10) { nodes { id quantity currentQuantity } } } }"""


def test_an_edit_removing_a_unit_of_a_paid_order(store: ShopifyStore, admin: Admin, receiver: Receiver) -> None:
    for topic in ("ORDERS_EDITED", "ORDERS_UPDATED"):
        store.subscribe(topic, receiver.url + "/webhooks/shopify")
    order = store.place_order([LineSpec("Mug", D("20.00"), 3, GST), LineSpec("Tee", D("30.00"), 1, GST)])
    store.pay(order.id)
    mug = order.line_items[0]
    store.edit_order(order.id, [(mug.id, 1)])
    assert store.flush_webhooks(10)

    [edited] = receiver.deliveries("orders/edited")
    assert verify(edited.body, edited.headers["x-shopify-hmac-sha256"], store.app.client_secret)
    body = json.loads(edited.body)
    assert set(body) == {"order_edit"}  # the edit, not the order
    edit = body["order_edit"]
    assert edit["order_id"] == order.id and edit["committed_at"]
    assert edit["line_items"] == {"additions": [], "removals": [{"id": mug.id, "delta": 1}]}
    assert receiver.deliveries("orders/updated")  # the order's own update follows

    now = admin.data(ORDER, {"id": gid("Order", order.id)})["order"]
    assert now["displayFinancialStatus"] == "PAID"  # paid stays paid: the refund owed is the merchant's to make
    assert [(n["quantity"], n["currentQuantity"]) for n in now["lineItems"]["nodes"]] == [(3, 2), (1, 1)]
    assert D(now["totalPriceSet"]["shopMoney"]["amount"]) == D("99.00")  # as ordered: 90.00 + 9.00 tax
    assert D(now["currentTotalPriceSet"]["shopMoney"]["amount"]) == D("77.00")  # less one mug and its tax
    assert D(now["currentTotalTaxSet"]["shopMoney"]["amount"]) == D("7.00")

    # a later refund cannot take the removed unit, and shares the line's money after it
    with pytest.raises(OrderError):
        store.refund(order.id, lines=[(mug.id, 3)])
    refund = store.refund(order.id, lines=[(mug.id, 2)])
    assert refund.line_items[0].subtotal.shop + refund.line_items[0].total_tax.shop == D("44.00")
