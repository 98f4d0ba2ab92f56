"""A new buyer's contact created by its first invoice, on real parts: the WooCommerce simulator's
orders, the adapter, the core against the Xero sandbox over HTTP and mappings on moto server.

Xero creates a contact named on a document when no contact has that name, with the details sent
beside it (https://community.xero.com/developer/discussion/106550833): a new buyer's paid order
costs a lookup, the invoice and the payment, three calls where it was four, and ends in Xero as
before (one contact with the buyer's details, mapped; the invoice on it, paid in full once)."""

import json
import time
from decimal import Decimal
from typing import Any

from local.events import envelope
from local.woo import delivery
from local.woo_store import WooStore
from local.woo_store.model import Settings
from tests.integration.conftest import mappings_table, run_workers
from tests.integration.test_accuracy_property import settings_for
from tests.store.conftest import ADDRESS
from tests.woo import sync_order_event
from xerosync.aws.mappings import DynamoMappings
from xerosync.events import parse_envelope
from xerosync.sync.base import Outcome
from xerosync.sync.contacts import _name_key
from xerosync.sync.invocation import SharedClaims
from xerosync.sync.orders import CALL_ORDER
from xerosync.xero.batching import BatchingXero
from xerosync.xero.client import XeroClient

D = Decimal


class Shop:
    def __init__(self, endpoint: str, xero: XeroClient, sandbox: Any) -> None:
        self.store = WooStore(Settings(currency="AUD", prices_include_tax=False))
        self.store.add_tax_rate(D(10), "GST", country="AU")
        self.xero, self.sandbox, self.org = xero, sandbox, sandbox.org
        self.mappings = DynamoMappings(mappings_table(endpoint, f"contact-invoice-{time.monotonic_ns()}"))
        self.mug = self.store.add_product("Mug", D("20.00"))

    def paid_order(self, **who: Any) -> int:
        placed = self.store.place_order([(self.mug.id, 2)], **who)
        self.store.pay_order(placed.id, f"ch_{placed.id}")
        return placed.id

    def sync(self, order_id: int, xero: Any = None, mappings: Any = None) -> Outcome:
        order = self.store.order_json(order_id)
        event = parse_envelope(json.dumps(envelope(delivery("order.updated", order, "s"))))
        return sync_order_event(
            event, settings=settings_for(order, "WC-"), xero=xero or self.xero, mappings=mappings or self.mappings
        )

    def calls(self, before: dict[Any, int]) -> dict[str, int]:
        now = self.sandbox.state.calls
        return {e: n - before.get((t, e), 0) for (t, e), n in now.items() if n - before.get((t, e), 0)}

    def invoice(self, order_id: int) -> dict[str, Any]:
        mapping = self.mappings.get(f"order:{order_id}")
        assert mapping is not None
        return dict(self.org.invoices[mapping.xero_id])


def test_a_new_buyers_first_invoice_creates_the_contact_with_its_details(
    endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    shop = Shop(endpoint, xero, sandbox)
    customer = shop.store.add_customer("jane@example.com", "Jane", "Citizen", billing=ADDRESS)
    first = shop.paid_order(customer_id=customer.id, billing=ADDRESS)
    before = dict(sandbox.state.calls)
    assert shop.sync(first).action == "created"
    # one lookup (nothing by number, e-mail or name), then the invoice naming the buyer, then its payment
    assert shop.calls(before) == {"GET /Contacts": 1, "PUT /Invoices": 1, "PUT /Payments": 1}
    [contact] = sandbox.org.contacts.values()
    assert (contact["Name"], contact["ContactNumber"], contact["EmailAddress"]) == (
        "Jane Citizen",
        str(customer.id),
        "jane@example.com",
    )
    assert (contact["FirstName"], contact["LastName"]) == ("Jane", "Citizen")
    assert any(a.get("City") == "Melbourne" and a.get("PostalCode") == "3000" for a in contact["Addresses"])
    mapped = shop.mappings.get(f"customer:{customer.id}")
    assert mapped is not None and mapped.xero_id == contact["ContactID"]
    invoice = shop.invoice(first)
    assert invoice["ContactID"] == contact["ContactID"]
    assert invoice["AmountDue"] == 0 and invoice["AmountPaid"] == D("44.00")  # 2 x 20.00 + 10 % GST, paid once
    # nothing left held: the claim became the mapping, the name's lock is gone
    assert shop.mappings.table.get_item(Key={"pk": _name_key("Jane Citizen"), "sk": "lock"}).get("Item") is None

    # the same buyer's next order: the mapping knows the contact, no lookup and no contact sent
    second = shop.paid_order(customer_id=customer.id, billing=ADDRESS)
    before = dict(sandbox.state.calls)
    assert shop.sync(second).action == "created"
    assert shop.calls(before) == {"PUT /Invoices": 1, "PUT /Payments": 1}
    assert len(sandbox.org.contacts) == 1 and shop.invoice(second)["ContactID"] == contact["ContactID"]


def test_a_name_being_created_elsewhere_is_not_named_on_the_invoice(
    endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    # Given another worker creating a contact named "Jane Citizen" (it holds the name's lock)
    shop = Shop(endpoint, xero, sandbox)
    shop.mappings.lock(_name_key("Jane  citizen"), "another-worker")
    customer = shop.store.add_customer("jane@example.com", "Jane", "Citizen", billing=ADDRESS)
    order = shop.paid_order(customer_id=customer.id, billing=ADDRESS)
    before = dict(sandbox.state.calls)
    assert shop.sync(order).action == "created"
    # Then the buyer's contact is created apart under a name nobody else is creating, and the
    # invoice names its ContactID: Xero cannot give it the other worker's contact
    assert shop.calls(before) == {"GET /Contacts": 1, "PUT /Contacts": 1, "PUT /Invoices": 1, "PUT /Payments": 1}
    [contact] = sandbox.org.contacts.values()
    assert contact["Name"] == "Jane Citizen (jane@example.com)" and contact["ContactNumber"] == str(customer.id)
    assert shop.invoice(order)["ContactID"] == contact["ContactID"]


def test_a_buyers_orders_in_one_batch_share_one_invoice_request(endpoint: str, xero: XeroClient, sandbox: Any) -> None:
    """Two orders of one new buyer in one invocation: the second waits for the first's claim on
    the buyer. Were the first's invoice to create the contact, the second's invoice could only go
    after that answer, in a request of its own; so a buyer another worker waits for gets its
    contact created apart, and both invoices share one request."""
    shop = Shop(endpoint, xero, sandbox)
    customer = shop.store.add_customer("jane@example.com", "Jane", "Citizen", billing=ADDRESS)
    orders = [shop.paid_order(customer_id=customer.id, billing=ADDRESS) for _ in range(2)]
    facade = BatchingXero(xero, workers=2, max_wait=5.0, call_order=CALL_ORDER)
    shared = SharedClaims(shop.mappings, facade.idle)
    before = dict(sandbox.state.calls)
    results = run_workers(facade, [lambda o=o: shop.sync(o, facade, shared) for o in orders])
    assert [r.action for r in results] == ["created", "created"]
    assert shop.calls(before) == {"GET /Contacts": 1, "PUT /Contacts": 1, "PUT /Invoices": 1, "PUT /Payments": 1}
    [contact] = sandbox.org.contacts.values()
    assert contact["Name"] == "Jane Citizen" and contact["ContactNumber"] == str(customer.id)
    assert {shop.invoice(o)["ContactID"] for o in orders} == {contact["ContactID"]}
