"""``make demo``, second store: a Shopify shop (the simulator, local/shopify_store) on a stack of
its own (local/shopify.py: StoreSource=shopify), into the same Xero organisation as the
WooCommerce stack and on the same Xero budget: the Shopify stack's ``XeroBudgetTable`` names the
WooCommerce stack's MappingsTable, where the rate governor keeps the organisation's budget (Xero
counts its limits per organisation, not per stack).

What it shows: the shop's webhooks subscribed by the stack's first reconciliation; orders in two
currencies paid by Shopify Payments, PayPal and a gift card with a card, booked to the cent; a
refund whose money is less than its line (the credit note carries the money, with an adjustment
line); every delivery replayed writing nothing; an outage during which Shopify retries 8 times
over 4 hours (the shop's clock moved on) and then deletes the stack's subscriptions, healed by
the next scheduled reconciliation (it re-creates them and brings the missed order to Xero); a
buyer of both stores as one Xero contact, when Xero already knows them.
"""

from decimal import Decimal
from typing import Any

from local.shopify import GST, NZ_GST, ShopifyStack, shop, start
from local.shopify_store import LineSpec, ShippingSpec
from local.shopify_store.model import DiscountApplication
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.invoices import outstanding
from local.xero_sandbox.state import Client
from xerosync.xero.payloads import plain

D = Decimal
SPRING10 = DiscountApplication(
    0, "DiscountCodeApplication", "SPRING10", "percentage", D(10), "ACROSS", "ALL", "LINE_ITEM"
)


def money(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def xero_writes(sandbox: XeroSandbox) -> int:
    return sum(n for (_, endpoint), n in sandbox.state.calls.items() if not endpoint.startswith("GET"))


def documents(org: Organisation, prefix: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    invoices = sorted((i for i in org.invoices.values() if i["InvoiceNumber"].startswith(prefix)), key=_number)
    notes = sorted((c for c in org.credit_notes.values() if c["CreditNoteNumber"].startswith(prefix)), key=_number)
    return invoices, notes


def _number(document: dict[str, Any]) -> str:
    return str(document.get("InvoiceNumber") or document.get("CreditNoteNumber"))


def paid_to(org: Organisation, document_id: str) -> str:
    found = [p for p in org.payments.values() if p["Document"][1] == document_id and p["Status"] != "DELETED"]
    return ", ".join(f"{money(p['Amount'])} to {org.accounts[p['AccountID']]['Name']}" for p in found) or "-"


def print_documents(org: Organisation, prefix: str) -> None:
    invoices, notes = documents(org, prefix)
    for doc in invoices + notes:
        number, contact = _number(doc), org.contacts[doc["ContactID"]]
        due = doc.get("AmountDue", outstanding(doc))
        print(
            f"    {number:<24} {doc['Status']:<7} {doc['CurrencyCode']} total {money(doc['Total']):>7}"
            f"  tax {money(doc['TotalTax']):>6}  due {money(due):>6}  {doc['LineAmountTypes']:<9} {contact['Name']}"
        )
        for line in doc["LineItems"]:
            discount = f" less {money(line['DiscountAmount'])}" if line.get("DiscountAmount") else ""
            print(
                f"{'':>10}{plain(line['Quantity']):>4} x {plain(line['UnitAmount']):>8}{discount:<12}"
                f" = {money(line['LineAmount']):>8}  {line['TaxType']:<12} tax {money(line['TaxAmount']):>5}"
                f"  [{line.get('AccountCode', '')}] {line['Description']}"
            )
        print(f"{'':>10}paid: {paid_to(org, doc.get('InvoiceID') or doc.get('CreditNoteID') or '')}")


def shopify_truth(running: ShopifyStack, order_id: int) -> tuple[str, Decimal, Decimal]:
    """What Shopify says of an order: its number, total and tax (shop money)."""
    from local.shopify_store.arithmetic import totals

    order = running.store.orders[order_id]
    t = totals(order)
    return f"SH-{order.number}", t.total.shop, t.tax.shop


def refund_money(running: ShopifyStack, order_id: int) -> dict[str, Decimal]:
    """Each refund's money (its successful REFUND transactions, shop money), by credit note number."""
    from local.shopify_store.arithmetic import refund_money as given_back

    order = running.store.orders[order_id]
    return {f"SH-{order.number}-R{r.id}": given_back(r).shop for r in order.refunds}


def run_out_of_retries(running: ShopifyStack) -> int:
    """Move the shop's clock through Shopify's retry schedule (8 retries over 4 hours) until no
    delivery is left to try; returns the hours moved."""
    store, moved = running.store, 0.0
    store.flush_webhooks(30)
    while pending := store.hooks.pending():
        step = max(0.0, (pending[0].due - store.now()).total_seconds())
        store.clock.advance(step)
        moved += step
        store.flush_webhooks(30)
    return round(moved / 3600)


def demo(woo: LocalStack, sandbox: XeroSandbox, org: Organisation, connection: Client, timeout: float) -> bool:
    print("\n--- A second store: Shopify, on a stack of its own, into the same Xero organisation ---")
    budget = woo.resources["MappingsTable"]
    running = start(
        "xerosync-demo-shopify",
        sandbox,
        org,
        connection,
        store=shop(seed=7),
        parameters={"XeroBudgetTable": budget},
        share_aws_with=woo,
    )
    try:
        return _demo(running, woo, sandbox, org, timeout)
    finally:
        running.stop()


def _demo(running: ShopifyStack, woo: LocalStack, sandbox: XeroSandbox, org: Organisation, timeout: float) -> bool:
    store, stack = running.store, running.stack
    print(f"  Shopify simulator {store.url} ({store.domain}): its app's client id and secret in StoreApiSecret")
    print(f"  stack {stack.stack_name}: webhooks at {running.webhook_url}")
    print(f"  one Xero budget: XeroBudgetTable = {woo.resources['MappingsTable']} (the WooCommerce stack's table)")
    made = [line.split(":")[0] for line in running.subscribed if ": create" in line]
    print(f"  its first reconciliation subscribed it to {len(made)} Shopify topics: {', '.join(made)}")

    cap = store.add_product("Trail Running Cap", [("Default Title", "39.00", "CAP-TRAIL")])
    jacket = store.add_product("Down Jacket", [("Black / M", "289.00", "JKT-DWN-BLK-M")])
    olivia = store.add_customer("olivia@example.com", "Olivia", "Nguyen")
    aroha = store.add_customer("aroha@example.co.nz", "Aroha", "Parata")

    def cap_line(quantity: int, rates: Any = GST, price: str = "39.00") -> LineSpec:
        return LineSpec("Trail Running Cap", D(price), quantity, rates, "CAP-TRAIL", cap.variants[0].id, cap.id)

    first = store.place_order(
        [cap_line(2)],
        customer_id=olivia.id,
        shipping=[ShippingSpec("Standard", D("9.90"), GST)],
        discounts=[(SPRING10, [0])],
    )
    store.pay(first.id)  # Shopify Payments
    kiwi = store.place_order(
        [
            LineSpec(
                "Down Jacket",
                D("329.00"),
                1,
                NZ_GST,
                "JKT-DWN-BLK-M",
                jacket.variants[0].id,
                jacket.id,
                duty=D("12.50"),
            )
        ],
        customer_id=aroha.id,
        shipping=[ShippingSpec("International", D("25.00"), NZ_GST)],
        presentment="NZD",
        rate=D("0.9137"),
    )
    store.pay(kiwi.id, "paypal")
    split = store.place_order([cap_line(1)], email="sam@example.net")
    store.pay(split.id, "gift_card", amount=D("20.00"))
    store.pay(split.id)  # the rest by card
    print("Shopify orders: #1001 (two caps, SPRING10, Shopify Payments), #1002 (a jacket in NZD with duties, PayPal),")
    print("  #1003 (a guest: 20.00 by gift card, the rest by card); later one cap of #1001 comes back, 30.00 refunded")
    if not running.settle(timeout):
        print("  the stack did not settle")
        return False
    store.refund(first.id, lines=[(first.line_items[0].id, 1)], amount=D("30.00"), note="Returned: 30.00 back")
    settled = running.settle(timeout)
    log = store.delivery_log()
    topics: dict[str, int] = {}
    for record in log:
        topics[record.topic] = topics.get(record.topic, 0) + 1
    failed = [r for r in log if not r.ok]
    print(f"  Shopify delivered {len(log)} signed webhooks ({', '.join(f'{t} x{n}' for t, n in topics.items())});")
    print(f"  answered 200: {len(log) - len(failed)}; queues drained: {settled}")
    print_documents(org, "SH-")

    problems = []
    for order_id in (first.id, kiwi.id, split.id):
        number, total, tax = shopify_truth(running, order_id)
        found = [i for i in org.invoices.values() if i["InvoiceNumber"] == number]
        if len(found) != 1 or (found[0]["Total"], found[0]["TotalTax"]) != (total, tax) or found[0]["AmountDue"] != 0:
            problems.append(
                f"{number}: Shopify total {total} tax {tax}, Xero {[(i['Total'], i['TotalTax']) for i in found]}"
            )
    for number, given in refund_money(running, first.id).items():
        notes = [c for c in org.credit_notes.values() if c["CreditNoteNumber"] == number]
        if len(notes) != 1 or notes[0]["Total"] != given:
            problems.append(f"{number}: Shopify refunded {given}, Xero {[c['Total'] for c in notes]}")
    print(
        f"Every Shopify invoice and credit note equals Shopify's money to the cent: {'yes' if not problems else 'NO'}"
    )
    for problem in problems:
        print("  " + problem)

    writes = xero_writes(sandbox)
    for record in log:
        store.hooks.duplicate(record.webhook_id)
    replayed = running.settle(timeout)
    again = xero_writes(sandbox) - writes
    print(f"Every Shopify delivery sent again (Shopify delivers at least once): Xero writes {again}")

    healed = heal(running, org, timeout)
    one_buyer_of_both_stores(org)
    dead = {k: v for k, v in stack.queue_depths().items() if k.endswith("DLQ") and v}
    failures = [e for e in sync_log(stack) if e["outcome"] == "failed"]
    governor = {
        name: sum(1 for i in scan(s, "MappingsTable") if i["pk"]["S"].startswith("governor#"))
        for name, s in (("WooCommerce", woo), ("Shopify", stack))
    }
    refused = sum(sandbox.limits.refused.values())
    print(
        f"One Xero budget for both stacks: governor items {governor} (all in the WooCommerce stack's table); "
        f"Xero answered 429 {refused} times"
    )
    for entry in failures:
        print(f"  failed: {entry['key']}: {entry.get('reason')}")
    if dead:
        print(f"  dead letters: {dead}")
    ok = settled and not failed and not problems and replayed and again == 0 and healed
    return ok and not failures and not dead and refused == 0 and governor["Shopify"] == 0


def heal(running: ShopifyStack, org: Organisation, timeout: float) -> bool:
    """An outage: Shopify gives up on its deliveries and deletes the subscriptions; the next
    scheduled reconciliation re-creates them and brings the missed order to Xero."""
    store, stack = running.store, running.stack
    print("\n--- Shopify's retries run out during an outage; the reconciliation heals it ---")
    cap = next(p for p in store.products.values() if p.title == "Trail Running Cap")
    store.hooks.outage = True
    line = LineSpec("Trail Running Cap", D("39.00"), 3, GST, "CAP-TRAIL", cap.variants[0].id, cap.id)
    missed = store.place_order([line], email="olivia@example.com")
    store.pay(missed.id)
    hours = run_out_of_retries(running)
    store.hooks.outage = False
    removed = sorted({s.topic for s in store.removed_subscriptions})
    number, total, _ = shopify_truth(running, missed.id)
    print(f"The stack cannot be reached; order #{missed.number} is placed and paid meanwhile.")
    print(f"  Shopify retried each delivery 8 times over {hours} hours (the shop's clock moved on), then deleted")
    print(f"  the stack's subscriptions to {', '.join(removed)}; Xero invoices for #{missed.number}: "
          f"{sum(1 for i in org.invoices.values() if i['InvoiceNumber'] == number)}")  # fmt: skip
    print("EventBridge runs the reconciliation (stack.run_schedule('ReconcileFunction')):")
    result = stack.run_schedule("ReconcileFunction")
    report: dict[str, Any] = result.payload or {}
    print(f"  listed {report.get('listed')}, enqueued {report.get('enqueued')}")
    for line_ in report.get("webhooks", []):
        if not str(line_).endswith(": ok"):
            print(f"  webhook {line_}")
    settled = running.settle(timeout)
    found = [i for i in org.invoices.values() if i["InvoiceNumber"] == number]
    print(f"  order #{missed.number}: {len(found)} invoice, Xero total {found[0]['Total'] if found else '-'}"
          f" = Shopify total {total}")  # fmt: skip
    subscribed = {s.topic for s in store.records.subscriptions.values()}
    return result.ok and settled and len(found) == 1 and found[0]["Total"] == total and set(removed) <= subscribed


def one_buyer_of_both_stores(org: Organisation) -> bool | None:
    """Olivia bought in both stores: one Xero contact carrying both stores' invoices (True), or
    nothing printed when Xero has two of her (None: the stores' adapters do not merge yet)."""
    olivia = [c for c in org.contacts.values() if str(c.get("EmailAddress", "")).lower() == "olivia@example.com"]
    if len(olivia) != 1:
        return None
    mine = sorted(i["InvoiceNumber"] for i in org.invoices.values() if i["ContactID"] == olivia[0]["ContactID"])
    stores = {n.split("-")[0] for n in mine}
    if stores != {"WC", "SH"}:
        return None
    print(f"\nA buyer of both stores: {olivia[0]['Name']} <olivia@example.com> is one Xero contact,")
    print(f"  with the WooCommerce invoices {', '.join(n for n in mine if n.startswith('WC'))}")
    print(f"  and the Shopify invoices {', '.join(n for n in mine if n.startswith('SH'))}")
    return True


def scan(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    client, items = stack.client("dynamodb"), []
    kwargs: dict[str, Any] = {"TableName": stack.resources[table]}
    while True:
        page = client.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sync_log(stack: LocalStack) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    plain_ = TypeDeserializer()
    return [{k: plain_.deserialize(v) for k, v in i.items()} for i in scan(stack, "SyncLogTable")]
