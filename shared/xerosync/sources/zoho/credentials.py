"""Zoho CRM's OAuth client as the merchant enters it (the port's
:class:`~xerosync.sources.credentials_port.CredentialForm`): a self client's id and secret and
the refresh token it granted (https://www.zoho.com/crm/developer/docs/api/v8/oauth-overview.html),
and the data centre the account lives in. Checked with one call: an access token minted from
them at the data centre's accounts server."""

from collections.abc import Mapping
from typing import Any

from xerosync.sources.credentials_port import CredentialField
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import StoreError
from xerosync.sources.zoho.adapter import SOURCE


class ZohoCredentials:
    title = "Zoho CRM OAuth client"
    fields = (
        CredentialField("client_id", "Client ID", secret=False, help="api-console.zoho.com, a Self Client"),
        CredentialField("client_secret", "Client secret"),
        CredentialField("refresh_token", "Refresh token", help="from the Self Client's grant token"),
        CredentialField("data_centre", "Data centre", secret=False, required=False, help="com, eu, in, com.au, jp, ca"),
        CredentialField("edition", "Edition", secret=False, required=False, help="free, standard, professional, ..."),
    )

    def check(self, credentials: Mapping[str, Any]) -> str:
        store = SOURCE.client(credentials, MemoryTokens())  # a token minted for this check alone
        if store is None:
            raise StoreError("the client ID, the client secret and the refresh token are all needed")
        store.crm.token()  # type: ignore[attr-defined]
        return "Zoho accepted the client and its refresh token"


FORM = ZohoCredentials()
