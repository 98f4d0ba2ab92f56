"""Contacts and items made in Xero reach the Zoho CRM, end to end: the Xero sandbox (its webhooks
signed and delivered to the stack's ``/webhooks/xero``) -> the local stack with StoreSource=zoho
(the same stack as tests/e2e/test_zoho_sync.py: local/zoho.py) -> the Zoho CRM simulator, whose
notification of the new record comes back to the stack's ``/webhooks/zoho``.

A contact made in Xero becomes one CRM Account carrying its Xero ContactID (on its CONTACT webhook
event), an item one CRM Product carrying its ItemID (on the pull's catch-up: Xero sends no item
events); neither comes back to Xero (no second contact or item, no write at all), and a second
pass makes nothing more. With the settings off, nothing is created."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from local.zoho import SETTINGS, ZohoStack, start
from tests.e2e.test_zoho_sync import ROOMY, writes
from xerosync.xero.client import XeroClient, XeroCredentials

XERO_WEBHOOK_KEY = "e2e-zoho-xero-webhook-key"
CREATE_ON = SETTINGS.read_text() + "pull:\n  create_contacts: true\n  create_items: true\n"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def zoho() -> Iterator[tuple[ZohoStack, XeroClient]]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("CRM Made In Xero Pty Ltd", limits=ROOMY)
    connection = sandbox.add_client([org.tenant_id])
    running = start("e2e-zoho-from-xero", sandbox, org, connection, settings=CREATE_ON)
    try:
        running.stack.put_secret("XeroWebhookKeySecret", XERO_WEBHOOK_KEY)
        subscription = sandbox.subscribe_webhooks(running.stack.api_url + "/webhooks/xero", XERO_WEBHOOK_KEY)
        assert subscription.intent is not None and subscription.intent.passed, subscription.intent
        # the merchant, in Xero (its API stands for its screens)
        merchant = XeroClient(XeroCredentials(connection.client_id, connection.client_secret), api_url=sandbox.url,
                              identity_url=sandbox.url)  # fmt: skip
        yield running, merchant
    finally:
        running.stop()
        sandbox.stop()


def settle(zoho: ZohoStack) -> None:
    """Xero's webhooks delivered, the stack idle, the CRM's notifications of what it wrote handled."""
    zoho.sandbox.deliver_webhooks()
    for _ in range(2):  # the stack's CRM write notifies the stack again
        assert zoho.settle(), "the stack did not settle"


def crm_records(zoho: ZohoStack, module: str, field: str, value: str) -> list[dict[str, Any]]:
    return [r for r in zoho.crm.store.all(module) if r.get(field) == value]


def test_a_contact_made_in_xero_appears_in_the_crm_once_and_never_comes_back(
    zoho: tuple[ZohoStack, XeroClient],
) -> None:
    stack, merchant = zoho
    settle(stack)
    [made] = merchant.create_contacts([{"Name": "Harbour Cafe", "EmailAddress": "ana@harbour.example"}],
                                      idempotency_key="made-in-xero-1")  # fmt: skip
    assert made.ok, made
    contact_id = made.record["ContactID"]
    before = writes(stack)
    settle(stack)
    [account] = crm_records(stack, "Accounts", "Xero_Contact_ID", contact_id)
    assert account["Account_Name"] == "Harbour Cafe"
    assert [c for c in stack.org.contacts.values() if c["Name"].startswith("Harbour Cafe")] == [
        stack.org.contacts[contact_id]
    ]
    assert writes(stack) == before  # nothing went back to Xero: no second contact, no update
    # the write reached the CRM once, with no workflow run, and its notification was taken as ours
    made_writes = [w for w in stack.crm.store.writes if w.id == account["id"]]
    assert [(w.operation, w.triggers) for w in made_writes] == [("insert", ())]

    # the merchant edits it in Xero, and the pull's catch-up runs: still one account, nothing written
    merchant.update_contacts([{"ContactID": contact_id, "Website": "https://harbour.example"}], idempotency_key="ed")
    before = writes(stack)
    assert stack.stack.run_schedule("PullFunction").ok
    settle(stack)
    assert len(crm_records(stack, "Accounts", "Xero_Contact_ID", contact_id)) == 1
    assert writes(stack) == before


def test_an_item_made_in_xero_appears_as_one_crm_product_by_the_catch_up(zoho: tuple[ZohoStack, XeroClient]) -> None:
    stack, merchant = zoho
    item = {
        "Code": "BEANS-1KG",
        "Name": "Beans 1kg",
        "SalesDetails": {"UnitPrice": Decimal("24.50"), "AccountCode": "200"},
    }
    [made] = merchant.create_items([item], idempotency_key="item-made-in-xero-1")
    assert made.ok, made
    item_id = made.record["ItemID"]
    before = writes(stack)
    result = stack.stack.run_schedule("PullFunction")
    assert result.ok, result.error
    settle(stack)
    [product] = crm_records(stack, "Products", "Xero_Item_ID", item_id)
    assert (product["Product_Code"], product["Product_Name"]) == ("BEANS-1KG", "Beans 1kg")
    assert [i for i in stack.org.items.values() if i["Code"] == "BEANS-1KG"] == [stack.org.items[item_id]]
    assert writes(stack) == before  # the product's notification changed nothing in Xero
    assert stack.stack.run_schedule("PullFunction").ok  # a second pass: nothing more
    settle(stack)
    assert len(crm_records(stack, "Products", "Xero_Item_ID", item_id)) == 1


def test_with_the_settings_off_nothing_made_in_xero_is_created(zoho: tuple[ZohoStack, XeroClient]) -> None:
    stack, merchant = zoho
    stack.stack.put_settings(SETTINGS.read_text())  # pull.create_contacts and pull.create_items: off (the default)
    stack.stack.functions["XeroEventsFunction"].kill_workers()  # a function reads its settings anew within minutes
    settle(stack)
    accounts, products = len(stack.crm.store.all("Accounts")), len(stack.crm.store.all("Products"))
    [contact] = merchant.create_contacts([{"Name": "Quiet Co"}], idempotency_key="made-in-xero-off")
    [item] = merchant.create_items([{"Code": "QUIET-1", "Name": "Quiet"}], idempotency_key="item-off")
    assert contact.ok and item.ok
    settle(stack)
    assert stack.stack.run_schedule("PullFunction").ok
    settle(stack)
    assert len(stack.crm.store.all("Accounts")) == accounts and len(stack.crm.store.all("Products")) == products
    assert not crm_records(stack, "Accounts", "Xero_Contact_ID", contact.record["ContactID"])
