"""Fixtures for the Amazon SP-API simulator's tests: a served simulator on a pinned clock, and a
client that talks to it over HTTP as the adapter does (LWA token, then ``x-amz-access-token``)."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from local.amazon_sp import AmazonSP

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
SETTLEMENTS = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw)


def call(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
    """GET, or POST when ``data`` is given (empty included)."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="GET" if data is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers), err.read())


def mint(sp: AmazonSP, **overrides: str) -> Reply:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": sp.credentials.refresh_token,
        "client_id": sp.credentials.client_id,
        "client_secret": sp.credentials.client_secret,
        **overrides,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
    return call(sp.lwa_url, urlencode(form).encode(), headers)


class Client:
    def __init__(self, sp: AmazonSP) -> None:
        self.sp = sp
        self.token = mint(sp).body["access_token"]

    def get(self, path: str, **query: str) -> Reply:
        url = self.sp.endpoint + path + ("?" + urlencode(query) if query else "")
        return call(url, headers={"x-amz-access-token": self.token})


@pytest.fixture
def sp() -> Iterator[AmazonSP]:
    simulator = AmazonSP(region="na", seed=11, base_clock=lambda: NOW).start()
    simulator.clock.pin(NOW)
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sp: AmazonSP) -> Client:
    return Client(sp)
