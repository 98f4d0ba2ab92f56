"""The Selling Partner API's Login with Amazon credentials as the seller enters them (the port's
:class:`~xerosync.sources.credentials_port.CredentialForm`): the app's LWA client id and secret,
the seller's refresh token, the region, and when the client secret expires (every 180 days:
the stack warns ahead). Checked with one call: an access token minted from them
(https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api)."""

from collections.abc import Mapping
from typing import Any

from xerosync.sources.amazon.adapter import EXPIRES, SOURCE
from xerosync.sources.credentials_port import CredentialField
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import StoreError


class AmazonCredentials:
    title = "Selling Partner API (Login with Amazon)"
    fields = (
        CredentialField("client_id", "LWA client ID", secret=False, help="amzn1.application-oa2-client..."),
        CredentialField("client_secret", "LWA client secret"),
        CredentialField("refresh_token", "Refresh token", help="Atzr|... from authorising the app"),
        CredentialField("region", "Region", secret=False, required=False, help="NA, EU or FE"),
        CredentialField(EXPIRES, "Client secret expires", secret=False, required=False, help="ISO 8601 date"),
    )

    def check(self, credentials: Mapping[str, Any]) -> str:
        store = SOURCE.client(credentials, MemoryTokens())  # a token minted for this check alone
        if store is None:
            raise StoreError("the LWA client ID, client secret and refresh token are all needed")
        store.api.token()
        return "Login with Amazon accepted the credentials"


FORM = AmazonCredentials()
