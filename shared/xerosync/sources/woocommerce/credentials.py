"""The WooCommerce REST API key as the merchant enters it (the port's
:class:`~xerosync.sources.credentials_port.CredentialForm`): the site's URL and a key pair made
in WooCommerce > Settings > Advanced > REST API (read/write: xerosync registers its webhooks and
writes back what Xero owns), checked with one call, ``GET /wp-json/wc/v3/orders?per_page=1``
(https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders), which a wrong key
or secret answers with 401."""

from collections.abc import Mapping
from typing import Any

from xerosync.sources.credentials_port import CredentialField
from xerosync.sources.port import StoreError
from xerosync.sources.woocommerce.rest import StoreCredentials, WooClient


class WooCredentials:
    title = "WooCommerce REST API key"
    fields = (
        CredentialField("url", "Store URL", secret=False, help="https://shop.example (https: the key travels to it)"),
        CredentialField("consumer_key", "Consumer key", help="ck_... (WooCommerce > Settings > Advanced > REST API)"),
        CredentialField("consumer_secret", "Consumer secret", help="cs_... shown once when the key is made"),
    )

    def check(self, credentials: Mapping[str, Any]) -> str:
        parsed = StoreCredentials.from_dict(dict(credentials))
        if parsed is None:
            raise StoreError("the store URL and the consumer key are both needed")
        client = WooClient(parsed, timeout=10.0)
        try:
            orders = client.total("orders", {})
        except StoreError as exc:
            if "(401)" in str(exc) or "(403)" in str(exc):
                raise StoreError(
                    f"the store at {parsed.url} refused the key: check the consumer key and secret, and that the "
                    "key has read/write permission"
                ) from None
            raise
        return f"the store at {parsed.url} accepted the key ({orders} orders)"


FORM = WooCredentials()
