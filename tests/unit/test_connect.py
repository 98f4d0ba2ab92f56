"""The pure parts of connecting: PKCE and the authorize URL, the store's
credentials merged and checked before they are saved."""

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from xerosync.connect import store
from xerosync.sources import SOURCES
from xerosync.sources.credentials_port import CredentialField
from xerosync.sources.port import StoreError
from xerosync.sync.ports import LogEntry
from xerosync.xero import oauth


def test_the_s256_challenge_is_rfc_7636s_own_example() -> None:
    # RFC 7636 appendix B
    assert (
        oauth.challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    pkce = oauth.Pkce.new()
    assert 43 <= len(pkce.verifier) <= 128 and pkce.challenge == oauth.challenge_of(pkce.verifier)
    assert pkce.verifier not in repr(pkce)
    assert oauth.Pkce.new().verifier != pkce.verifier and oauth.new_state() != oauth.new_state()


def test_the_authorize_url_carries_what_xero_asks_for() -> None:
    url = oauth.authorize_url("https://login.xero.com", "CID", "https://x.example/connect/xero/callback", "st", "ch")
    parts = urlsplit(url)
    assert parts.netloc == "login.xero.com" and parts.path == "/identity/connect/authorize"
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "CID",
        "redirect_uri": "https://x.example/connect/xero/callback",
        "scope": oauth.SCOPE,
        "state": "st",
        "code_challenge": "ch",
        "code_challenge_method": "S256",
    }
    assert "offline_access" in oauth.SCOPES and "accounting.transactions" not in oauth.SCOPES  # granular only
    assert oauth.login_url_for("https://identity.xero.com/") == "https://login.xero.com"
    assert oauth.login_url_for("http://127.0.0.1:9") == "http://127.0.0.1:9"


def test_the_auth_event_is_read_from_the_access_token() -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"authentication_event_id": "ev-1"}).encode()).decode().rstrip("=")
    assert oauth.auth_event_of(f"h.{claims}.s") == "ev-1"
    assert oauth.auth_event_of("opaque") is None and oauth.auth_event_of("a.!!!.c") is None


class Form:
    title = "Test store key"
    fields = (
        CredentialField("url", "URL", secret=False),
        CredentialField("key", "Key"),
        CredentialField("note", "Note", secret=False, required=False),
    )

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.checked: list[dict[str, Any]] = []

    def check(self, credentials: Mapping[str, Any]) -> str:
        self.checked.append(dict(credentials))
        if not self.accept:
            raise StoreError("the store refused the key")
        return "accepted"


class Journal:
    def __init__(self) -> None:
        self.entries: list[LogEntry] = []

    def write(self, entry: LogEntry) -> None:
        self.entries.append(entry)


def test_a_blank_secret_keeps_the_stored_one_and_other_keys_stay() -> None:
    current = {"url": "https://a", "key": "k1", "expires": "2027-01-01", "note": "old"}
    merged = store.merged(Form(), current, {"url": "https://b", "key": "", "note": ""})
    assert merged == {"url": "https://b", "key": "k1", "expires": "2027-01-01"}
    shown = {f.name: f for f in store.shown(Form(), current)}
    assert shown["key"].value == "" and shown["key"].stored and shown["url"].value == "https://a"


def test_credentials_are_saved_only_when_the_store_accepts_them() -> None:
    written: list[dict[str, Any]] = []
    journal = Journal()

    def save(form: Form, entered: dict[str, str]) -> str:
        return store.save(form, entered, read=lambda: {}, write=written.append, who="ann", journal=journal)

    refusing = Form(accept=False)
    with pytest.raises(StoreError, match="refused"):
        save(refusing, {"url": "https://a", "key": "wrong"})
    assert written == [] and journal.entries[-1].outcome == "refused"
    assert "wrong" not in journal.entries[-1].reason and "ann" in journal.entries[-1].reason

    missing = Form()
    with pytest.raises(store.Missing):
        save(missing, {"url": "https://a"})
    assert missing.checked == []  # nothing asked of the store

    assert save(Form(), {"url": "https://a", "key": "right"}) == "accepted"
    assert written == [{"url": "https://a", "key": "right"}]
    assert journal.entries[-1].outcome == "saved" and "right" not in journal.entries[-1].reason


SAMPLE = {"url": "https://shop.example", "shop": "shop.myshopify.com", "data_centre": "com", "edition": "free"}
SAMPLE |= {"region": "NA", "client_secret_expires": "2027-01-01T00:00:00+00:00"}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_source_declares_fields_that_make_its_client(name: str) -> None:
    from xerosync import sources

    form = sources.credential_form(name)
    assert form is not None and form.title and form.fields
    names = [f.name for f in form.fields]
    assert len(set(names)) == len(names)
    filled = {f.name: SAMPLE.get(f.name, "x") for f in form.fields}
    assert sources.source(name).client(filled) is not None, "the form's fields, filled in, do not make a client"


class MemoryTokens:
    """The token store's contract in memory: save only under the lock's owner."""

    def __init__(self) -> None:
        self.sets: dict[str, Any] = {}
        self.owner: dict[str, str] = {}

    def load(self, key: str) -> Any:
        return self.sets.get(key)

    def lock(self, key: str, owner: str, until: float) -> bool:
        if self.owner.get(key):
            return False
        self.owner[key] = owner
        return True

    def save(self, key: str, tokens: Any, owner: str) -> bool:
        if self.owner.get(key) != owner:
            return False
        self.sets[key] = tokens
        return True

    def unlock(self, key: str, owner: str) -> None:
        if self.owner.get(key) == owner:
            del self.owner[key]


class App:
    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value

    def read(self) -> dict[str, Any]:
        return dict(self.value)

    def write(self, value: dict[str, Any]) -> None:
        self.value = dict(value)


def test_the_status_says_what_the_secret_and_the_token_set_hold() -> None:
    from xerosync.connect.xero import NotReady, XeroConnect
    from xerosync.xero.tokens import TokenSet, seed_of, store_connection, store_disconnected, token_key

    tokens = MemoryTokens()

    def status(value: dict[str, Any]) -> Any:
        return XeroConnect(App(value), tokens, None, identity_url="http://x", api_url="http://x").status()

    assert status({"client_id": "set-me", "client_secret": "generated"}).kind == "none"  # the template's value
    with pytest.raises(NotReady):
        XeroConnect(
            App({"client_id": "set-me", "client_secret": "g"}), tokens, None, identity_url="", api_url=""
        ).credentials()
    assert status({"client_id": "C", "client_secret": "S"}).kind == "custom connection"
    store_connection(tokens, token_key("C"), TokenSet("a", 0.0, "r1", seed_of("r1"), tenant_id="T1"))
    now = status({"client_id": "C", "client_secret": "S", "refresh_token": "r1", "tenant_name": "Shop Ltd"})
    assert (now.kind, now.tenant_id, now.tenant_name) == ("connected", "T1", "Shop Ltd")
    # a reconnect stored while the secret still holds the old refresh token: the new set counts
    store_connection(tokens, token_key("C"), TokenSet("b", 0.0, "r2", seed_of("r2"), tenant_id="T2"))
    assert status({"client_id": "C", "client_secret": "S", "refresh_token": "r1"}).tenant_id == "T2"
    store_disconnected(tokens, token_key("C"), "Xero was disconnected by ann")
    gone = status({"client_id": "C", "client_secret": "S", "refresh_token": "r2"})
    assert gone.kind == "broken" and "ann" in gone.problem
    assert tokens.sets[token_key("C")].refresh_token == "" and not tokens.owner  # no token kept, lock freed
