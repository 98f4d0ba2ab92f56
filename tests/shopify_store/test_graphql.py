"""The Admin GraphQL API: an order's money as Shopify reports it, paging, search, the 60-day window,
and the mutations xerosync uses (https://shopify.dev/docs/api/admin-graphql)."""

from datetime import timedelta
from decimal import Decimal

from local.shopify_store import LineSpec, ShopifyStore
from local.shopify_store.model import gid
from tests.shopify_store.conftest import Admin, simple_order

D = Decimal
MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"
ORDER = f"""query($id: ID!) {{ order(id: $id) {{
  id legacyResourceId name taxesIncluded displayFinancialStatus currencyCode presentmentCurrencyCode
  subtotalPriceSet {{ {MONEY} }} totalTaxSet {{ {MONEY} }} totalPriceSet {{ {MONEY} }}
  totalShippingPriceSet {{ {MONEY} }} netPaymentSet {{ {MONEY} }}
  taxLines {{ title rate priceSet {{ {MONEY} }} }}
  lineItems(first: 5) {{ nodes {{ sku quantity taxLines {{ title priceSet {{ {MONEY} }} }} }} }}
  shippingLines(first: 5) {{ nodes {{ title taxLines {{ priceSet {{ {MONEY} }} }} }} }}
  transactions {{ kind status gateway amountSet {{ {MONEY} }} fees {{ amount {{ amount }} rate }} }}
  customer {{ email }}
}} }}"""


def amount(bag: dict[str, dict[str, str]]) -> Decimal:
    return D(bag["shopMoney"]["amount"])


def test_an_order_reads_with_shopifys_money_taxes_and_transactions(store: ShopifyStore, admin: Admin) -> None:
    order = simple_order(store)
    got = admin.data(ORDER, {"id": gid("Order", order.id)})["order"]
    assert got["id"] == f"gid://shopify/Order/{order.id}" and got["legacyResourceId"] == str(order.id)
    assert amount(got["subtotalPriceSet"]) == D("40.00")
    # 40 x 6 % = 2.40, 40 x 0.25 % = 0.10, shipping 5 x 6 % = 0.30
    assert {(t["title"], amount(t["priceSet"])) for t in got["taxLines"]} == {
        ("CA State Tax", D("2.70")), ("Los Angeles County Tax", D("0.10"))}  # fmt: skip
    assert amount(got["totalTaxSet"]) == D("2.80") and amount(got["totalPriceSet"]) == D("47.80")
    assert got["totalPriceSet"]["shopMoney"]["amount"] == "47.8"  # Decimal as Shopify prints it
    assert got["displayFinancialStatus"] == "PAID" and amount(got["netPaymentSet"]) == D("47.80")
    (sale,) = got["transactions"]
    assert (sale["kind"], sale["status"], sale["gateway"]) == ("SALE", "SUCCESS", "shopify_payments")
    assert D(sale["fees"][0]["amount"]["amount"]) == D("1.69")  # 2.9 % + 0.30
    assert got["customer"]["email"] == "jane@example.com"


def test_presentment_money_is_the_buyers_currency(store: ShopifyStore, admin: Admin) -> None:
    o = store.place_order([LineSpec("Tee", D("30.00"), 1, (("GST", D("0.10")),))], presentment="AUD",
                          rate=D("0.66"), taxes_included=True)  # fmt: skip
    got = admin.data(ORDER, {"id": gid("Order", o.id)})["order"]
    assert (got["currencyCode"], got["presentmentCurrencyCode"], got["taxesIncluded"]) == ("USD", "AUD", True)
    total = got["totalPriceSet"]
    assert (D(total["presentmentMoney"]["amount"]), total["presentmentMoney"]["currencyCode"]) == (D(30), "AUD")
    assert D(total["shopMoney"]["amount"]) == D("19.80")
    assert D(got["taxLines"][0]["priceSet"]["presentmentMoney"]["amount"]) == D("2.73")  # 30 x 0.1 / 1.1


def test_orders_page_by_cursor_in_updated_order_with_a_search(store: ShopifyStore, admin: Admin) -> None:
    made = []
    for _ in range(5):
        made.append(simple_order(store, paid=False).id)
        store.clock.advance(60)
    since = store.orders[made[1]].updated_at.isoformat()
    query = """query($after: String, $q: String) { orders(first: 2, after: $after, query: $q, sortKey: UPDATED_AT) {
      edges { cursor node { legacyResourceId } } pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        page = admin.data(query, {"after": after, "q": f"updated_at:>'{since}'"})["orders"]
        seen += [int(e["node"]["legacyResourceId"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == made[2:]
    warned = admin.call('{ orders(first: 1, query: "colour:blue") { nodes { id } } }').body
    assert warned["extensions"]["search"][0]["warnings"][0]["message"] == "Invalid search field for this query."
    unsized = admin.call("{ orders { nodes { id } } }").body
    assert unsized["errors"][0]["message"] == "you must provide one of first or last"
    assert "Cannot query field" in admin.call("{ orders(first: 1) { nodes { colour } } }").body["errors"][0]["message"]


def test_orders_older_than_60_days_need_read_all_orders() -> None:
    store = ShopifyStore(scopes=("read_orders",)).start()
    try:
        old = simple_order(store, paid=False)
        store.clock.advance(timedelta(days=61).total_seconds())
        new = simple_order(store, paid=False)
        admin = Admin(store)
        ids = [int(n["legacyResourceId"]) for n in admin.data(
            "{ orders(first: 10) { nodes { legacyResourceId } } }")["orders"]["nodes"]]  # fmt: skip
        assert ids == [new.id]
        assert admin.data(ORDER, {"id": gid("Order", old.id)})["order"] is None
    finally:
        store.stop()


def test_mark_as_paid_and_catalogue_writes(store: ShopifyStore, admin: Admin) -> None:
    order = simple_order(store, paid=False)
    paid = admin.data("""mutation($input: OrderMarkAsPaidInput!) { orderMarkAsPaid(input: $input) {
        order { displayFinancialStatus transactions { gateway kind } } userErrors { field message } } }""",
                      {"input": {"id": gid("Order", order.id)}})["orderMarkAsPaid"]  # fmt: skip
    assert paid["userErrors"] == [] and paid["order"]["displayFinancialStatus"] == "PAID"
    assert paid["order"]["transactions"] == [{"gateway": "manual", "kind": "SALE"}]
    again = admin.data("mutation($id: ID!) { orderMarkAsPaid(input: {id: $id}) { userErrors { message } } }",
                       {"id": gid("Order", order.id)})["orderMarkAsPaid"]  # fmt: skip
    assert again["userErrors"][0]["message"] == "Order cannot be marked as paid."
    product = next(iter(store.products.values()))
    variant = product.variants[0]
    changed = admin.data("""mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {
        productVariantsBulkUpdate(productId: $p, variants: $v) {
          productVariants { price sku } userErrors { message } } }""",
        {"p": gid("Product", product.id),
         "v": [{"id": gid("ProductVariant", variant.id), "price": "24.50", "inventoryItem": {"sku": "MUG-2"}}]},
    )["productVariantsBulkUpdate"]  # fmt: skip
    assert changed == {"productVariants": [{"price": "24.50", "sku": "MUG-2"}], "userErrors": []}
    titled = admin.data('mutation($id: ID!) { productUpdate(product: {id: $id, title: "Big Mug"}) '
                        "{ product { title } } }",
                        {"id": gid("Product", product.id)})  # fmt: skip
    assert titled["productUpdate"]["product"]["title"] == "Big Mug"
    stock = """mutation($i: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $i) {
        inventoryAdjustmentGroup { changes { delta quantityAfterChange } } userErrors { code } } }"""
    change = {"name": "available", "reason": "correction", "quantities": [{
        "inventoryItemId": gid("InventoryItem", variant.inventory_item_id), "locationId": gid("Location", 655441491),
        "quantity": 4, "changeFromQuantity": 10}]}  # fmt: skip
    assert admin.data(stock, {"i": change})["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"] == [
        {"delta": -6, "quantityAfterChange": 4}]  # fmt: skip
    stale = admin.data(stock, {"i": change})["inventorySetQuantities"]
    assert stale["userErrors"] == [{"code": "COMPARE_QUANTITY_STALE"}] and variant.inventory_quantity == 4
