"""One merchant, a WooCommerce and a Shopify store, two stacks (each its own mapping table on moto
server), one Xero organisation (the sandbox over HTTP): a buyer of both stores is one contact,
numbered and named by the store that created it, whatever the other store's customer updates do.
The customers are the simulators' own REST records, read by each store's adapter."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from local.shopify_store import ShopifyStore
from local.shopify_store import rest as shopify_rest
from local.shopify_store.model import Address
from local.woo_store import rest as woo_rest
from local.woo_store.store import WooStore
from tests.integration.conftest import mappings_table
from xerosync import sources
from xerosync.aws.mappings import DynamoMappings
from xerosync.config import StoreSettings
from xerosync.domain import CustomerChanged, Party
from xerosync.sync.base import Outcome
from xerosync.sync.contacts import ensure_contact, sync_customer
from xerosync.xero.client import XeroClient, XeroCredentials


@dataclass
class Stack:
    """One store's stack: its adapter, its own mapping table, its own Xero client (one organisation)."""

    source: str
    mappings: DynamoMappings
    xero: XeroClient

    def party(self, raw: dict[str, Any]) -> Party:
        party = sources.source(self.source).read("customer", raw, StoreSettings())
        assert isinstance(party, Party)
        return party

    def sync(self, raw: dict[str, Any], at: datetime) -> Outcome:
        command = CustomerChanged(self.party(raw), at)
        return sync_customer(command, xero=self.xero, mappings=self.mappings)


@pytest.fixture
def stacks(endpoint: str, sandbox: Any) -> tuple[Stack, Stack]:
    def stack(source: str) -> Stack:
        credentials = XeroCredentials(sandbox.connection.client_id, sandbox.connection.client_secret)
        xero = XeroClient(credentials, api_url=sandbox.url, identity_url=sandbox.url)
        return Stack(source, DynamoMappings(mappings_table(endpoint, f"{source}-{time.monotonic_ns()}")), xero)

    return stack("woocommerce"), stack("shopify")


def contacts(sandbox: Any, email: str) -> list[dict[str, Any]]:
    return [c for c in sandbox.org.contacts.values() if str(c.get("EmailAddress", "")).lower() == email]


def at(minute: int) -> datetime:
    return datetime(2026, 11, 21, 9, minute, tzinfo=UTC)


def test_a_buyer_of_both_stores_is_one_contact_numbered_and_named_by_the_first(
    stacks: tuple[Stack, Stack], sandbox: Any
) -> None:
    woo_stack, shopify_stack = stacks
    woo, shopify = WooStore(), ShopifyStore()
    # Given Jane registered at the WooCommerce store first (no phone there)
    jane_woo = woo.add_customer("jane@example.com", "Jane", "Citizen")
    assert woo_stack.sync(woo_rest.customer_json(woo.state, jane_woo), at(0)).action == "created"
    [contact] = contacts(sandbox, "jane@example.com")
    assert (contact["ContactNumber"], contact["Name"]) == (str(jane_woo.id), "Jane Citizen")

    # When she registers at the Shopify store too, under another name, with a phone and an address
    home = Address(address1="1 Harbour St", city="Sydney", province_code="NSW", country_code="AU", zip="2000")
    jane_shop = shopify.add_customer("jane@example.com", "Jane", "Citizen-Smith", phone="+61400111222", address=home)
    first = shopify_stack.sync(shopify_rest.customer(jane_shop, shopify), at(1))

    # Then the Shopify stack maps the same contact; its number and name stay WooCommerce's, and
    # only what Xero lacked (the phone, the address) is sent
    [contact] = contacts(sandbox, "jane@example.com")
    assert first.action == "updated" and first.xero_id == contact["ContactID"]
    assert "sent Addresses, Phones" in first.reason
    assert (contact["ContactNumber"], contact["Name"]) == (str(jane_woo.id), "Jane Citizen")
    assert contact["LastName"] == "Citizen"
    assert contact["Phones"][0]["PhoneNumber"] == "+61400111222"
    mapped = shopify_stack.mappings.get(f"customer:{jane_shop.id}")
    assert mapped is not None and mapped.xero_id == contact["ContactID"] and mapped.data["shared"] is True

    # When Shopify's customer changes her name again: nothing reaches Xero (the name is not Shopify's)
    shopify.update_customer(jane_shop.id, last_name="Smith")
    renamed = shopify_stack.sync(shopify_rest.customer(shopify.customers[jane_shop.id], shopify), at(2))
    assert renamed.action == "unchanged" and contacts(sandbox, "jane@example.com")[0]["Name"] == "Jane Citizen"
    # and when her phone changes there: the phone, and only it, is sent
    shopify.update_customer(jane_shop.id, phone="+61400999888")
    moved = shopify_stack.sync(shopify_rest.customer(shopify.customers[jane_shop.id], shopify), at(3))
    assert moved.action == "updated" and moved.reason.endswith("sent Phones")
    [contact] = contacts(sandbox, "jane@example.com")
    assert contact["Phones"][0]["PhoneNumber"] == "+61400999888"
    assert (contact["ContactNumber"], contact["Name"]) == (str(jane_woo.id), "Jane Citizen")

    # And the WooCommerce stack still updates its contact, by its mapping, keeping its number (and
    # the phone it never had stays the one Shopify sent)
    woo.update_customer(jane_woo.id, billing={"city": "Melbourne", "postcode": "3000", "country": "AU"})
    again = woo_stack.sync(woo_rest.customer_json(woo.state, jane_woo), at(4))
    assert again.xero_id == contact["ContactID"] and again.action == "updated"
    [contact] = contacts(sandbox, "jane@example.com")
    assert contact["Phones"][0]["PhoneNumber"] == "+61400999888"
    assert [c["ContactID"] for c in sandbox.org.contacts.values() if c.get("ContactNumber") == str(jane_woo.id)] == [
        contact["ContactID"]
    ]
    assert len(contacts(sandbox, "jane@example.com")) == 1


def test_a_contact_the_store_s_own_guest_made_is_numbered_when_the_guest_registers(
    stacks: tuple[Stack, Stack], sandbox: Any
) -> None:
    _, shopify_stack = stacks
    shopify = ShopifyStore()
    # Given a guest order at the Shopify store made Sam's contact (no customer number)
    guest = Party("guest:sam@example.net", "Sam Taylor", None, "Sam", "Taylor", "sam@example.net")
    contact_id = ensure_contact(guest, shopify_stack.xero, shopify_stack.mappings)
    # When Sam registers there
    sam = shopify.add_customer("sam@example.net", "Sam", "Taylor")
    outcome = shopify_stack.sync(shopify_rest.customer(sam, shopify), at(5))
    # Then it is this store's contact: numbered with Sam's customer id
    assert (outcome.action, outcome.xero_id) == ("updated", contact_id)
    [contact] = contacts(sandbox, "sam@example.net")
    assert contact["ContactNumber"] == str(sam.id)


def test_a_contact_the_merchant_made_in_xero_keeps_its_name(stacks: tuple[Stack, Stack], sandbox: Any) -> None:
    woo_stack, _ = stacks
    made = woo_stack.xero.create_contacts(
        [{"Name": "Ms R. Lee (wholesale)", "EmailAddress": "rlee@example.org"}], idempotency_key="merchant-made"
    )[0]
    woo = WooStore()
    lee = woo.add_customer("rlee@example.org", "Rose", "Lee")
    outcome = woo_stack.sync(woo_rest.customer_json(woo.state, lee), at(6))
    [contact] = contacts(sandbox, "rlee@example.org")
    assert outcome.xero_id == contact["ContactID"] == made.record["ContactID"]
    assert contact["Name"] == "Ms R. Lee (wholesale)" and not contact.get("ContactNumber")
