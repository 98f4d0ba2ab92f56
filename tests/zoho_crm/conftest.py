"""Fixtures for the Zoho CRM simulator's tests: a served simulator on a clock that moves only when a
test advances it, and a client
that talks to it over HTTP as the adapter will (token from the DC's accounts server, then
``Authorization: Zoho-oauthtoken …`` on the API domain the token response names)."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from local.http import serve
from local.zoho_crm import ZohoCRM

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw, parse_float=Decimal)


def call(
    url: str, method: str = "GET", data: Any = None, headers: dict[str, str] | None = None, form: bool = False
) -> Reply:
    payload = None
    headers = dict(headers or {})
    if data is not None:
        if form:
            payload = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            payload = json.dumps(data, default=float).encode()  # Decimals read back go out as numbers
            headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=payload, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers), err.read())


def token_form(crm: ZohoCRM, **fields: str) -> dict[str, str]:
    client = crm.accounts.client
    return {"client_id": client.client_id, "client_secret": client.client_secret, **fields}


class Client:
    """Refresh token → access token at the DC's accounts server; API calls on ``api_domain``."""

    def __init__(self, crm: ZohoCRM) -> None:
        self.crm = crm
        reply = call(
            crm.accounts_url() + "/oauth/v2/token",
            "POST",
            token_form(crm, grant_type="refresh_token", refresh_token=crm.refresh_token()),
            form=True,
        )
        self.token = reply.body["access_token"]
        self.api = reply.body["api_domain"] + "/crm/v8"

    def __call__(
        self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None, **query: Any
    ) -> Reply:
        url = self.api + path + ("?" + urlencode(query) if query else "")
        return call(url, method, data, {"Authorization": f"Zoho-oauthtoken {self.token}", **(headers or {})})


class Receiver:
    """The notify_url: a real HTTP server that records each POST."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = status

        def route(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
            self.bodies.append({"target": target, **json.loads(body)})
            return self.status, {}, b""

        self.server = serve(route, "127.0.0.1", 0, "zoho-receiver")
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/zoho"


@pytest.fixture
def crm() -> Iterator[ZohoCRM]:
    simulator = ZohoCRM(dc="eu", base_clock=lambda: NOW).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def client(crm: ZohoCRM) -> Client:
    return Client(crm)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()
