"""Shopify's app credentials as the merchant enters them (the port's
:class:`~xerosync.sources.credentials_port.CredentialForm`): the shop's domain and the app's
client id and secret from the Dev Dashboard (the stack mints its access tokens with them:
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant),
or a custom app's Admin API access token instead. Checked with one query, ``{ shop { name } }``
(after minting a token from the client credentials, when those are given)."""

from collections.abc import Mapping
from typing import Any

from xerosync.sources.credentials_port import CredentialField
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import StoreError
from xerosync.sources.shopify import queries
from xerosync.sources.shopify.adapter import SOURCE


class ShopifyCredentials:
    title = "Shopify app credentials"
    fields = (
        CredentialField("shop", "Shop domain", secret=False, help="your-shop.myshopify.com"),
        CredentialField("client_id", "Client ID", secret=False, required=False, help="the app's, in the Dev Dashboard"),
        CredentialField("client_secret", "Client secret", required=False, help="the app's, in the Dev Dashboard"),
        CredentialField(
            "access_token", "Admin API access token", required=False, help="shpat_... (a custom app's, instead)"
        ),
    )

    def check(self, credentials: Mapping[str, Any]) -> str:
        store = SOURCE.client(credentials, MemoryTokens())  # a token minted for this check alone
        if store is None:
            raise StoreError("the shop and either the app's client ID and secret or an access token are needed")
        try:
            shop = store.api.query(queries.SHOP).get("shop") or {}  # type: ignore[attr-defined]
        except StoreError as exc:
            raise StoreError(f"Shopify refused these credentials: {exc}") from None
        return f"Shopify answered for {shop.get('name') or store.url}"


FORM = ShopifyCredentials()
