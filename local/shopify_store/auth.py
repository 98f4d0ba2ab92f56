"""Access to the Admin API: the client-credentials grant and legacy static tokens (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant).

``POST /admin/oauth/access_token`` with ``grant_type=client_credentials&client_id=…&client_secret=…``
(form or JSON) mints ``{"access_token": "shpat_…", "scope": "…", "expires_in": 86399}``; the token
expires 24 h after it was minted on the shop's clock. Earlier tokens stay valid until they
expire (minting does not revoke them: a guess, Shopify does not say). A legacy custom app's
``shpat_`` token never expires. Wrong credentials answer 400 ``{"error": "invalid_client",
"error_description": …}`` (the OAuth 2.0 error shape, RFC 6749 §5.2 - a guess at Shopify's
exact words); the Admin API answers an unknown or expired token with 401 and Shopify's body
``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}``.
"""

import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from local.shopify_store.clock import ShopClock

LIFETIME = timedelta(hours=24)
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
DEFAULT_SCOPES = (
    "read_orders",
    "write_orders",
    "read_all_orders",
    "read_customers",
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_shopify_payments_payouts",
)


@dataclass(frozen=True)
class App:
    """The merchant's Dev Dashboard app: its credentials and the scopes it was granted."""

    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES


@dataclass(frozen=True)
class Grant:
    token: str
    app: App
    expires_at: datetime | None  # None: a legacy token


class Tokens:
    def __init__(self, app: App, clock: ShopClock, legacy_token: str | None = None) -> None:
        self.app = app
        self.clock = clock
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self.minted = 0
        if legacy_token is not None:
            self._grants[legacy_token] = Grant(legacy_token, app, None)

    def mint(self, body: bytes, content_type: str) -> tuple[int, dict[str, object]]:
        """The token endpoint: (status, JSON body)."""
        if "json" in content_type:
            try:
                loaded = json.loads(body or b"{}")
            except ValueError:
                loaded = {}
            form = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        else:
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Only client_credentials is supported.",
            }
        good = hmac.compare_digest(form.get("client_id", ""), self.app.client_id) and hmac.compare_digest(
            form.get("client_secret", ""), self.app.client_secret
        )
        if not good:
            return 400, {"error": "invalid_client", "error_description": "Client authentication failed."}
        token = "shpat_" + secrets.token_hex(16)
        now = self.clock()
        with self._lock:
            self._grants[token] = Grant(token, self.app, now + LIFETIME)
            self.minted += 1
        return 200, {"access_token": token, "scope": ",".join(self.app.scopes), "expires_in": 86399}

    def check(self, token: str | None) -> Grant | None:
        """The grant of a valid token (None: unknown or expired)."""
        if not token:
            return None
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or (grant.expires_at is not None and grant.expires_at <= self.clock()):
            return None
        return grant

    def revoke_all(self) -> None:
        """The app was uninstalled: every token stops working."""
        with self._lock:
            self._grants.clear()
