"""Each source's credential check (its ``credentials.FORM``) against its simulator over HTTP: the
credentials the simulator issued are accepted, wrong ones are a StoreError naming no secret.
(WooCommerce's runs through the console in tests/console/test_connect.py.)"""

from datetime import UTC, datetime

import pytest

from local.shopify_store import ShopifyStore
from local.zoho_crm import ZohoCRM as ZohoSimulator
from xerosync import sources
from xerosync.sources.port import StoreError


def test_shopify_app_credentials_are_checked_with_one_query() -> None:
    store = ShopifyStore().start()
    try:
        form = sources.credential_form("shopify")
        assert form is not None
        good = {"shop": store.url, "client_id": store.app.client_id, "client_secret": store.app.client_secret}
        assert "Shopify answered" in form.check(good)
        with pytest.raises(StoreError) as refused:
            form.check({**good, "client_secret": "not-the-secret"})
        assert "not-the-secret" not in str(refused.value)
        with pytest.raises(StoreError, match="needed"):
            form.check({"shop": store.url})
    finally:
        store.stop()


def test_a_zoho_self_client_is_checked_by_minting_a_token() -> None:
    crm = ZohoSimulator(dc="eu", base_clock=lambda: datetime(2026, 9, 20, 12, 0, tzinfo=UTC)).start()
    try:
        form = sources.credential_form("zoho")
        assert form is not None
        good = {
            "data_centre": "eu",
            "client_id": crm.accounts.client.client_id,
            "client_secret": crm.accounts.client.client_secret,
            "refresh_token": crm.refresh_token(),
            "accounts_server": f"{crm.url}/accounts/{{dc}}",
        }
        assert "accepted" in form.check(good)
        with pytest.raises(StoreError) as refused:
            form.check({**good, "refresh_token": "1000.not-a-token"})
        assert "1000.not-a-token" not in str(refused.value)
    finally:
        crm.stop()


def test_amazon_lwa_credentials_are_checked_by_minting_a_token() -> None:
    from local.amazon_sp import AmazonSP

    sp = AmazonSP(region="na").start()
    try:
        form = sources.credential_form("amazon")
        assert form is not None
        c = sp.credentials
        good = {
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "refresh_token": c.refresh_token,
            "endpoint": sp.endpoint,
            "lwa_url": sp.lwa_url,
        }
        assert "accepted" in form.check(good)
        with pytest.raises(StoreError) as refused:
            form.check({**good, "client_secret": "amzn1.oa2-cs.v1.wrong"})
        assert "amzn1.oa2-cs.v1.wrong" not in str(refused.value)
    finally:
        sp.stop()
