"""The WooCommerce REST API key as the merchant enters it (the port's
:class:`~xerosync.sources.credentials_port.CredentialForm`): the site's URL and a key pair made
in WooCommerce > Settings > Advanced > REST API (read/write: xerosync registers its webhooks and
writes back what Xero owns), checked with one call, ``GET /wp-json/wc/v3/orders?per_page=1``
(https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders), which a wrong key
or secret answers with 401.

``GRANT``: WooCommerce's application authentication endpoint
(https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-endpoint):
``/wc-auth/v1/authorize?app_name=&scope=read_write&user_id=&return_url=&callback_url=`` shows the
store's approve page; Approve makes a key and POSTs ``{key_id, user_id, consumer_key,
consumer_secret, key_permissions}`` as JSON to ``callback_url`` (which must be https), then
sends the browser to ``return_url`` with ``success=1&user_id=`` (``success=0`` when denied).
``user_id`` is the app's own reference, echoed back: the stack's single-use nonce."""

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from xerosync.sources.credentials_port import CredentialField, Granted
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


SCOPE = "read_write"  # xerosync registers its webhooks and writes back what Xero owns


class WooKeyGrant:
    address = "url"

    def approve_url(self, address: str, *, app_name: str, nonce: str, return_url: str, callback_url: str) -> str:
        query = {
            "app_name": app_name,
            "scope": SCOPE,
            "user_id": nonce,
            "return_url": return_url,
            "callback_url": callback_url,
        }
        return f"{address.rstrip('/')}/wc-auth/v1/authorize?{urlencode(query)}"

    def granted(self, body: str) -> Granted:
        try:
            sent = json.loads(body)
        except ValueError:
            raise StoreError("the key grant is not JSON") from None
        if not isinstance(sent, dict):
            raise StoreError("the key grant is not a JSON object")
        fields = {name: sent.get(name) for name in ("user_id", "consumer_key", "consumer_secret", "key_permissions")}
        if not all(isinstance(v, str) and v for v in fields.values()):
            raise StoreError("the key grant lacks user_id, consumer_key, consumer_secret or key_permissions")
        if fields["key_permissions"] != SCOPE:
            raise StoreError(f"the store granted {fields['key_permissions']!r} access, not {SCOPE!r}")
        return Granted(
            str(fields["user_id"]),
            {"consumer_key": str(fields["consumer_key"]), "consumer_secret": str(fields["consumer_secret"])},
        )

    def returned(self, query: Mapping[str, str]) -> tuple[str, bool] | None:
        nonce, success = query.get("user_id", ""), query.get("success", "")
        if not nonce or success not in ("0", "1"):
            return None
        return nonce, success == "1"


FORM = WooCredentials()
GRANT = WooKeyGrant()
