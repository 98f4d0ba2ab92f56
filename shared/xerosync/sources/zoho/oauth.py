"""Zoho's OAuth per data centre: the credentials secret and the refresh-token grant.

**Access** (credentials secret, JSON): ``{"data_centre": "eu", "client_id": ..., "client_secret":
..., "refresh_token": ..., "edition": "enterprise"}`` (``edition`` optional: :data:`CONCURRENCY`)
from a Self Client or a server-based client of the API console.
Zoho Accounts runs one server per data centre, and a client is known only to its own
(https://www.zoho.com/accounts/protocol/oauth/multi-dc.html): the refresh-token grant
(``POST {accounts-server}/oauth/v2/token``, ``grant_type=refresh_token``;
https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html) goes to the
server of the data centre the secret names (:data:`ACCOUNTS`), and the API is called on the
``api_domain`` the token response names, never a hard-coded host. A client refused by that
server (``invalid_client``: the org lives in another data centre) raises
:class:`~xerosync.sources.port.CredentialsRefused` naming the data centre; a token whose
``api_domain`` is not that data centre's is refused too. ``accounts_server`` in the secret
overrides the table (``{dc}`` replaced), for the local simulator only. A refresh token Zoho no
longer knows (``invalid_code``: a user keeps at most 20, the 21st deletes the oldest) raises
``CredentialsRefused`` saying so; minting blocked (more than ten in ten minutes) is
``StoreUnavailable`` for ten minutes. Errors never carry a token. Where tokens are kept and who
mints: :mod:`xerosync.sources.zoho.client`.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import field
from decimal import Decimal
from typing import Any

from xerosync.frozen import frozen
from xerosync.sources.port import AccessToken, CredentialsRefused, StoreError, StoreUnavailable, require_https

# data centre -> (accounts server, API domain it answers with), from the multi-DC page
ACCOUNTS: dict[str, tuple[str, str]] = {
    "com": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "com.au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "com.cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "uk": ("https://accounts.zoho.uk", "https://www.zohoapis.uk"),  # the docs' line is truncated: verify
}
TOKEN_LIFETIME = 3600.0
# edition -> API calls in flight Zoho allows per organisation and app
# (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html); the secret's ``edition`` picks
# one, and the stack holds all its containers together to it (xerosync.sources.zoho.governor).
# Without one, the Free edition's 5, which every edition allows.
CONCURRENCY: dict[str, int] = {"free": 5, "standard": 10, "professional": 15, "enterprise": 20, "ultimate": 25}


@frozen
class Credentials:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    data_centre: str = "com"
    accounts_server: str = ""  # overrides the table ("{dc}" replaced): the local simulator
    edition: str = "free"  # the CRM edition: how many calls may be in flight (CONCURRENCY)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Credentials | None":
        """None while the secret is not filled in."""
        values = {k: str(data.get(k) or "").strip() for k in ("client_id", "client_secret", "refresh_token")}
        if not all(values.values()):
            return None
        dc = str(data.get("data_centre") or data.get("dc") or "com").strip().lower()
        edition = str(data.get("edition") or "free").strip().lower()
        if edition not in CONCURRENCY:
            raise StoreError(f"Zoho edition {edition!r} in the credentials is not one of {', '.join(CONCURRENCY)}")
        return cls(**values, data_centre=dc, accounts_server=str(data.get("accounts_server") or "").strip(),
                   edition=edition)  # fmt: skip

    @property
    def concurrency(self) -> int:
        """The calls in flight the organisation's edition allows this app."""
        return CONCURRENCY[self.edition]

    @property
    def accounts_url(self) -> str:
        if self.accounts_server:
            return require_https(self.accounts_server.replace("{dc}", self.data_centre), "the Zoho accounts server")
        if self.data_centre not in ACCOUNTS:
            raise StoreError(f"Zoho data centre {self.data_centre!r} is not one of {', '.join(ACCOUNTS)}")
        return ACCOUNTS[self.data_centre][0]


def mint(http: Any, c: Credentials, clock: Callable[[], float]) -> tuple[AccessToken, AccessToken]:
    """One access token from the refresh token at the data centre's accounts server, and the API
    domain it is for (both expiring with it); the port's errors for every refusal."""
    import httpx

    form = {"grant_type": "refresh_token", "refresh_token": c.refresh_token, "client_id": c.client_id,
            "client_secret": c.client_secret}  # fmt: skip
    try:
        response = http.post(c.accounts_url + "/oauth/v2/token", data=form)
    except httpx.HTTPError as exc:
        raise StoreUnavailable(f"Zoho's accounts server did not answer: {type(exc).__name__}") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise StoreUnavailable(f"Zoho's accounts server answered {response.status_code}")
    body = read_json(response)
    problem = str(body.get("error") or "") if isinstance(body, dict) else "no JSON"
    if problem == "invalid_client":
        raise CredentialsRefused(
            f"Zoho's accounts server for data centre {c.data_centre!r} does not know client {c.client_id} "
            "(invalid_client): set data_centre in the store credentials to the one the CRM's sign-in page is "
            "on, or check client_id and client_secret"
        )
    if problem == "invalid_code":
        raise CredentialsRefused(
            f"Zoho no longer accepts the refresh token of client {c.client_id} (invalid_code): it was revoked, "
            "or deleted because its user made a 21st (a user keeps at most 20); generate a new one"
        )
    if problem == "Access Denied":
        error = StoreUnavailable("Zoho blocked minting access tokens (more than ten in ten minutes)")
        error.retry_after = 600.0
        raise error
    if problem or response.status_code >= 400 or not isinstance(body, dict) or not body.get("access_token"):
        raise StoreError(f"Zoho's accounts server refused the refresh ({response.status_code} {problem})")
    domain = str(body.get("api_domain") or "")
    if not domain:
        raise StoreError("Zoho's token answer carries no api_domain")
    require_https(domain, "the api_domain of Zoho's token answer")
    expected = ACCOUNTS.get(c.data_centre, ("", ""))[1]
    if not c.accounts_server and domain != expected:
        raise StoreError(
            f"Zoho's token for data centre {c.data_centre!r} names API domain {domain}, not {expected}: "
            "set data_centre to the CRM's own"
        )
    expires = clock() + float(body.get("expires_in") or TOKEN_LIFETIME)
    return AccessToken(str(body["access_token"]), expires), AccessToken(domain, expires)


def read_json(response: Any) -> Any:
    """An answer's JSON (numbers with decimals as Decimal), None when empty or not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None
