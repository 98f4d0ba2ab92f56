"""Connect, over real HTTP: the local stack's ConsoleFunction behind its routes, the Xero sandbox's
consent screen and identity server, the WooCommerce simulator, moto behind them. Pages are read
and their forms submitted as a browser would (tests.forms), redirects followed by hand.

The callback is requested without the session cookie: Xero's redirect comes from another site,
and a browser sends no SameSite=Strict cookie with it."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.xero_sandbox.state import Client, Organisation
from tests.console.conftest import OnStack, signed_in
from tests.console.test_browser import browser  # noqa: F401 - the headless Chromium fixture
from tests.e2e.conftest import start, stop
from tests.forms import FORM, encoded, read

pytestmark = pytest.mark.e2e


@dataclass
class Connecting(OnStack):
    app: Client
    second: Organisation

    def token_set(self) -> dict[str, Any] | None:
        return self.item("MappingsTable", f"xero-token#{self.app.client_id}", "tokens")

    def parked(self, key: str) -> dict[str, Any] | None:
        """The console's parked item ``console#parked#<key>`` in the sync log table, if any."""
        return self.item("SyncLogTable", f"console#parked#{key}", "console")


@pytest.fixture(scope="module")
def connecting() -> Iterator[Connecting]:
    running = start("console-connect", store=True)
    second = running.sandbox.add_organisation("Second Shop Ltd")
    callback = running.stack.api_url + "/connect/xero/callback"
    app = running.sandbox.add_client(
        [running.org.tenant_id], custom_connection=False, redirect_uris=[callback], client_id="XEROSYNC-WEB-APP"
    )
    # the merchant's Xero app (a Web app whose redirect URI is the stack's callback), not connected yet
    running.stack.put_secret(
        "XeroCredentialsSecret", json.dumps({"client_id": app.client_id, "client_secret": app.client_secret})
    )
    yield Connecting(running, app, second)
    stop(running)


def begin(c: Connecting, merchant: httpx.Client) -> tuple[str, dict[str, str]]:
    """The console's Connect to Xero: the sandbox's consent screen, and the authorize request's query."""
    page = merchant.get("/console/connect")
    assert page.status_code == 200 and "connect-xero" in read(page.text).ids
    start = merchant.get("/connect/xero")
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith(c.site.sandbox.url + "/identity/connect/authorize?")
    query = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    return location, query


def consent(location: str, button: str = "consent-allow", tick: tuple[str, ...] = ()) -> str:
    """The user on Xero's screen: Allow (or Cancel), with only the organisations ``tick`` names
    ticked when it names any; where Xero sends the merchant back."""
    screen = httpx.get(location)
    assert screen.status_code == 200
    form = read(screen.text).form_with(button)
    others = tuple(x.id for x in form.controls if x.id.startswith("org-") and tick and x.id not in tick)
    base = location.split("/identity/")[0]
    chosen = form.submission(button, tick=tick, untick=others)
    answer = httpx.post(base + form.action, content=encoded(chosen), headers=FORM)
    assert answer.status_code == 302
    return str(answer.headers["location"])


def back_from_xero(c: Connecting, url: str) -> httpx.Response:
    """Xero's redirect to the stack: cross-site, so without the session cookie."""
    path = url.removeprefix(c.stack.api_url)
    return httpx.get(c.stack.api_url + path)


def moves_on_to(reply: httpx.Response) -> str:
    """Where a page that moves on by itself goes (its meta refresh)."""
    refresh = [line for line in reply.text.split("<meta ") if 'http-equiv="refresh"' in line]
    assert refresh, reply.text
    return refresh[0].split("url=")[1].split('"')[0].replace("&amp;", "&")


def test_connect_to_one_organisation_then_a_sync_uses_it(connecting: Connecting) -> None:
    c = connecting
    merchant = signed_in(c.site, "merchant@shop.example")
    location, query = begin(c, merchant)
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert "offline_access" in query["scope"].split() and query["state"]
    assert query["redirect_uri"] == c.stack.api_url + "/connect/xero/callback"

    back = consent(location, tick=(f"org-{c.site.org.tenant_id}",))
    assert parse_qs(urlsplit(back).query)["state"] == [query["state"]]
    landed = back_from_xero(c, back)
    assert landed.status_code == 200, landed.text
    assert moves_on_to(landed) == "/console/connect?done=connected"
    assert "E2E Outdoor Co" in read(landed.text).texts["connect-message"]

    # the token set where the functions read it, with the organisation; the secret names both
    tokens = c.token_set()
    assert tokens is not None and tokens["tenant_id"]["S"] == c.site.org.tenant_id
    assert tokens["refresh_token"]["S"] and not tokens.get("broken", {}).get("S")
    secret = c.secret("XeroCredentialsSecret")
    assert secret["tenant_id"] == c.site.org.tenant_id and secret["refresh_token"] == tokens["refresh_token"]["S"]
    [entry] = [e for e in c.log("xero:connection") if e["outcome"] == "connected"]
    assert "merchant@shop.example" in entry["reason"] and secret["refresh_token"] not in json.dumps(
        c.log("xero:connection")
    )

    page = merchant.get("/console/connect?done=connected")
    assert "Connected to E2E Outdoor Co" in read(page.text).texts["xero-status"]
    assert secret["refresh_token"] not in page.text and tokens["access_token"]["S"] not in page.text

    # a sync writes through the connection
    from local.woo import post

    status, _ = post(c.stack.api_url + "/webhooks/woocommerce", c.site.samples.find("order", 1001))
    assert status == 202
    assert c.stack.wait_idle(120)
    assert any(i["InvoiceNumber"] == "WC-1001" for i in c.site.org.invoices.values())

    # the state is spent: the same redirect again is refused, and so is one nobody started
    again = back_from_xero(c, back)
    assert again.status_code == 400 and "unknown" in again.text
    forged = httpx.get(c.stack.api_url + "/connect/xero/callback", params={"state": "made-up", "code": "x"})
    assert forged.status_code == 400


def test_a_code_from_another_consent_fails_pkce_and_changes_nothing(connecting: Connecting) -> None:
    c = connecting
    merchant = signed_in(c.site, "attacker-victim@test")
    before = c.token_set()
    location_a, _ = begin(c, merchant)
    _, query_b = begin(c, merchant)
    stolen = parse_qs(urlsplit(consent(location_a)).query)["code"][0]  # consent A's code, injected into B's callback
    landed = httpx.get(c.stack.api_url + "/connect/xero/callback", params={"state": query_b["state"], "code": stolen})
    assert landed.status_code == 400 and moves_on_to(landed) == "/console/connect?error=refused"
    assert "PKCE" in read(landed.text).texts["connect-message"]
    assert c.token_set() == before


def test_cancel_says_so_and_changes_nothing(connecting: Connecting) -> None:
    c = connecting
    merchant = signed_in(c.site, "canceller@test")
    before = c.token_set()
    location, _ = begin(c, merchant)
    landed = back_from_xero(c, consent(location, "consent-cancel"))
    assert landed.status_code == 400 and moves_on_to(landed) == "/console/connect?error=cancelled"
    page = merchant.get("/console/connect?error=cancelled")
    assert "cancelled" in page.text and "canceller@test" in read(page.text).texts["connect-log"]
    assert c.token_set() == before


def test_several_organisations_get_a_chooser_in_the_same_session_only(connecting: Connecting) -> None:
    c = connecting
    merchant = signed_in(c.site, "chooser@test")
    location, _ = begin(c, merchant)
    back = consent(location, tick=(f"org-{c.site.org.tenant_id}", f"org-{c.second.tenant_id}"))
    landed = back_from_xero(c, back)
    chooser_url = moves_on_to(landed)
    assert chooser_url.startswith("/connect/xero/choose?c=")
    stranger = signed_in(c.site, "someone-else@test")
    assert stranger.get(chooser_url).status_code == 400  # another session cannot see or use it
    chooser = merchant.get(chooser_url)
    assert chooser.status_code == 200
    seen = read(chooser.text)
    assert {f"tenant-{c.site.org.tenant_id}", f"tenant-{c.second.tenant_id}", "choose-organisation"} <= set(seen.ids)
    form = seen.form_with("choose-organisation")
    chosen = merchant.post(
        form.action,
        content=encoded(form.submission("choose-organisation", tick=(f"tenant-{c.second.tenant_id}",))),
        headers=FORM,
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/console/connect?done=connected"
    assert c.token_set()["tenant_id"]["S"] == c.second.tenant_id  # type: ignore[index]
    assert c.secret("XeroCredentialsSecret")["tenant_id"] == c.second.tenant_id
    # the choice is spent
    assert (
        merchant.post(form.action, content=encoded(form.submission("choose-organisation")), headers=FORM).status_code
        == 400
    )


def test_xeros_answer_waits_server_side_and_the_browser_holds_only_a_reference(connecting: Connecting) -> None:
    """While the merchant chooses, Xero's token answer is kept in the stack's table (bound to the
    session, under the digest of a random reference); the browser gets the reference and nothing
    that opens anything. No token of that answer reaches a page, a header, a cookie, a URL, the
    functions' logs or the sync log, before or after the choice."""
    import re

    from xerosync.console.auth import digest

    c = connecting
    merchant = signed_in(c.site, "careful@test")
    location, _ = begin(c, merchant)
    landed = back_from_xero(c, consent(location, tick=(f"org-{c.site.org.tenant_id}", f"org-{c.second.tenant_id}")))
    chooser_url = moves_on_to(landed)
    reference = parse_qs(urlsplit(chooser_url).query)["c"][0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", reference), chooser_url  # one random reference, no key beside it
    assert c.parked(reference) is None  # the table keeps its digest, not the reference itself
    parked = c.parked(digest(reference))
    assert parked is not None and parked["who"]["S"] == "careful@test"
    answer = json.loads(parked["consent"]["S"])["answer"]
    secrets_of_the_answer = [v for k, v in answer.items() if k.endswith("token") and isinstance(v, str)]
    assert {"access_token", "refresh_token"} <= set(answer) and all(len(v) >= 16 for v in secrets_of_the_answer)
    assert c.parked(digest(reference + "x")) is None
    assert merchant.get(chooser_url + "x").status_code == 400  # a reference altered opens nothing

    chooser = merchant.get(chooser_url)
    form = read(chooser.text).form_with("choose-organisation")
    chosen = merchant.post(
        form.action,
        content=encoded(form.submission("choose-organisation", tick=(f"tenant-{c.site.org.tenant_id}",))),
        headers=FORM,
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/console/connect?done=connected"
    after = merchant.get(chosen.headers["location"])
    assert c.parked(digest(reference)) is None  # taken by the choice: no token answer is left waiting
    stored = c.token_set()
    assert stored is not None and stored["refresh_token"]["S"] == answer["refresh_token"]  # the very answer

    seen = [chooser_url, str(merchant.cookies)]
    for reply in (landed, chooser, chosen, after):
        seen += [reply.text, json.dumps(dict(reply.headers)), str(reply.url)]
    seen += [log.read_text(errors="replace") for log in c.stack.log_dir.glob("*.log")]
    seen.append(json.dumps(c.log("xero:connection")))
    for text in seen:
        for value in secrets_of_the_answer:
            assert value not in text


def test_disconnect_revokes_at_xero_and_stops_the_stack(connecting: Connecting) -> None:
    c = connecting
    merchant = signed_in(c.site, "leaver@test")
    location, _ = begin(c, merchant)
    landed = back_from_xero(c, consent(location, tick=(f"org-{c.site.org.tenant_id}",)))
    assert moves_on_to(landed) == "/console/connect?done=connected"
    access = c.token_set()["access_token"]["S"]  # type: ignore[index]
    assert (
        c.site.sandbox.handle(
            "GET",
            "/api.xro/2.0/Organisation",
            {"Authorization": f"Bearer {access}", "xero-tenant-id": c.site.org.tenant_id},
        )[0]
        == 200
    )
    page = read(merchant.get("/console/connect").text)
    form = page.form_with("disconnect-xero")
    gone = merchant.post(form.action, content=encoded(form.submission("disconnect-xero")), headers=FORM)
    assert gone.status_code == 303 and gone.headers["location"] == "/console/connect?done=disconnected"
    # Xero's connection is gone: its tokens get 403 there
    assert not [
        x
        for x in c.site.sandbox.state.connections.values()
        if x.client_id == c.app.client_id and x.tenant_id == c.site.org.tenant_id
    ]
    assert (
        c.site.sandbox.handle(
            "GET",
            "/api.xro/2.0/Organisation",
            {"Authorization": f"Bearer {access}", "xero-tenant-id": c.site.org.tenant_id},
        )[0]
        == 403
    )
    tokens = c.token_set()
    assert tokens is not None and not tokens["refresh_token"]["S"] and "leaver@test" in tokens["broken"]["S"]
    status = read(merchant.get("/console/connect").text).texts["xero-status"]
    assert "disconnected by leaver@test" in status


def test_the_store_key_is_checked_before_it_is_saved_and_never_shown(connecting: Connecting) -> None:
    c = connecting
    woo = c.site.store
    assert woo is not None
    merchant = signed_in(c.site, "keys@test")
    page = read(merchant.get("/console/connect").text)
    assert {"store-url", "store-consumer_key", "store-consumer_secret", "save-store"} <= set(page.ids)
    before = c.secret("StoreApiSecret")
    form = page.form_with("save-store")

    def submit(key: str, secret: str) -> httpx.Response:
        fields = [(n, v) for n, v in form.submission("save-store") if n not in ("consumer_key", "consumer_secret")]
        fields += [("consumer_key", key), ("consumer_secret", secret)]
        return merchant.post(form.action, content=encoded(fields), headers=FORM)

    wrong = submit("ck_wrong", "cs_wrong")
    assert wrong.headers["location"] == "/console/connect?error=store"
    assert c.secret("StoreApiSecret") == before  # nothing saved
    refused = read(merchant.get("/console/connect?error=store").text).texts["connect-log"]
    assert "refused the key" in refused and "ck_wrong" not in refused

    good = submit(woo.consumer_key, woo.consumer_secret)
    assert good.headers["location"] == "/console/connect?done=store"
    saved = c.secret("StoreApiSecret")
    assert saved["consumer_key"] == woo.consumer_key and saved["url"] == woo.url
    shown = merchant.get("/console/connect?done=store").text
    assert woo.consumer_secret not in shown and woo.consumer_key not in shown


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/console/connect"),
        ("GET", "/connect/xero"),
        ("GET", "/connect/xero/choose?c=x.y"),
        ("POST", "/connect/xero/choose"),
        ("POST", "/connect/xero/disconnect"),
        ("POST", "/connect/store"),
        ("POST", "/connect/store/grant"),
    ],
)
def test_every_connect_route_refuses_without_a_session_and_changes_without_csrf(
    connecting: Connecting, method: str, path: str
) -> None:
    c = connecting
    anonymous = httpx.request(method, c.stack.api_url + path, content="csrf=x", headers=FORM)
    assert anonymous.status_code == 401
    if method == "POST":
        merchant = signed_in(c.site, "csrf@test")
        assert merchant.get("/console/connect").status_code == 200  # signed in: only the token is missing
        stale = merchant.post(path, content="tenant=x&c=x.y", headers=FORM)
        assert stale.status_code == 403


def test_no_page_renders_a_token(connecting: Connecting) -> None:
    c = connecting
    merchant = signed_in(c.site, "reader@test")
    text = merchant.get("/console/connect").text
    tokens = c.token_set() or {}
    for name in ("access_token", "refresh_token"):
        value = tokens.get(name, {}).get("S", "")
        assert not value or value not in text


def test_the_cli_connects_through_its_loopback_listener_and_disconnects(
    connecting: Connecting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``xerosync connect xero`` as an operator runs it, the browser being this test: it follows
    Xero's consent screen and its redirect to the CLI's loopback listener with httpx."""
    import threading
    import webbrowser

    from typer.testing import CliRunner

    from local.stack import free_port
    from tests.e2e.conftest import operator
    from xerosync.cli import app

    c = connecting
    port = free_port()
    c.app.redirect_uris.append(f"http://localhost:{port}/callback")  # as the operator registers it in the Xero app
    followed: list[int] = []

    def opens(url: str, *args: Any, **kwargs: Any) -> bool:
        def follow() -> None:
            back = consent(url, tick=(f"org-{c.site.org.tenant_id}", f"org-{c.second.tenant_id}"))
            assert back.startswith(f"http://localhost:{port}/callback?")
            followed.append(httpx.get(back).status_code)

        threading.Thread(target=follow, daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", opens)
    with operator(c.stack):
        connected = CliRunner().invoke(
            app, ["connect", "xero", "--stack", c.stack.stack_name, "--port", str(port), "--timeout", "60"], input="2\n"
        )
        assert connected.exit_code == 0, connected.output
        assert followed == [200]
        assert "Second Shop Ltd" in connected.output and "Connected stack" in connected.output
        tokens = c.token_set()
        assert tokens is not None and tokens["tenant_id"]["S"] == c.second.tenant_id
        assert tokens["refresh_token"]["S"] not in connected.output
        [entry] = [e for e in c.log("xero:connection") if e["outcome"] == "connected" and "via cli" in e["reason"]]
        assert "xerosync CLI" in entry["reason"]

        gone = CliRunner().invoke(app, ["disconnect", "xero", "--stack", c.stack.stack_name])
        assert gone.exit_code == 0, gone.output
        assert "disconnected at Xero" in gone.output
        assert not [
            x
            for x in c.site.sandbox.state.connections.values()
            if x.client_id == c.app.client_id and x.tenant_id == c.second.tenant_id
        ]


def test_the_cli_refuses_an_answer_for_another_request(connecting: Connecting, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import webbrowser

    from typer.testing import CliRunner

    from local.stack import free_port
    from tests.e2e.conftest import operator
    from xerosync.cli import app

    c = connecting
    port = free_port()
    before = c.token_set()

    def opens(url: str, *args: Any, **kwargs: Any) -> bool:
        forged = f"http://localhost:{port}/callback?code=anything&state=someone-elses"
        threading.Thread(target=lambda: httpx.get(forged), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", opens)
    with operator(c.stack):
        result = CliRunner().invoke(app, ["connect", "xero", "--stack", c.stack.stack_name, "--port", str(port)])
    assert result.exit_code == 1 and "state differs" in result.output
    assert c.token_set() == before


def test_in_a_browser_the_session_survives_xeros_cross_site_redirect(
    connecting: Connecting,
    browser: Any,  # noqa: F811 - the fixture imported above
) -> None:
    """Chromium, the console on localhost and the sandbox on 127.0.0.1 (two sites): Xero's redirect
    back carries no SameSite=Strict cookie, the callback's page moves on by itself, and the Connect
    page that follows is signed in again (the cookie goes with a navigation the console's own page
    starts). Skipped where Chromium is absent (tests.console.test_browser's fixture says why)."""
    from tests.console.conftest import mint

    c = connecting
    console_base = c.stack.api_url.replace("127.0.0.1", "localhost")  # a secure context for the __Host- cookie
    c.app.redirect_uris.append(console_base + "/connect/xero/callback")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{console_base}/console/signin?token={mint(c.site, 'clicker@shop.example')}")
    with page.expect_navigation():
        page.click("#signin")
    assert page.url == f"{console_base}/console"
    page.goto(f"{console_base}/console/connect")
    page.click("#connect-xero")
    page.wait_for_selector("#consent-allow")
    assert page.url.startswith(c.site.sandbox.url)  # Xero's site, not the console's
    for box in page.query_selector_all("#consent-organisations input[type=checkbox]"):
        box.uncheck()
    page.check(f"#org-{c.site.org.tenant_id}")
    page.click("#consent-allow")
    page.wait_for_url(f"{console_base}/console/connect?done=connected", timeout=30_000)
    assert "Xero is connected." in page.inner_text("main")
    assert "clicker@shop.example" in page.inner_text("header")  # signed in: the session came along
    assert "E2E Outdoor Co" in page.inner_text("#xero-status")
    context.close()


def test_the_cli_without_a_browser_prints_the_url_to_open(connecting: Connecting) -> None:
    """``--no-browser``, as an operator on a server runs it: the URL on stdout, opened elsewhere
    (here: followed with httpx), and the command finishes by itself once Xero's redirect arrives."""
    import os
    import subprocess
    import sys

    from local.sam import ROOT
    from local.stack import free_port

    c = connecting
    port = free_port()
    c.app.redirect_uris.append(f"http://localhost:{port}/callback")
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}",
        "AWS_ENDPOINT_URL": c.stack.aws_endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "XEROSYNC_STACK": c.stack.stack_name,
        "COLUMNS": "400",
    }
    command = [
        sys.executable,
        "-m",
        "xerosync",
        "connect",
        "xero",
        "--no-browser",
        "--port",
        str(port),
        "--timeout",
        "60",
    ]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as cli:
        assert cli.stdout is not None
        url = ""
        for line in cli.stdout:
            if line.startswith(c.site.sandbox.url):
                url = line.strip()
                break
        assert url, "the CLI printed no URL to open"
        back = consent(url, tick=(f"org-{c.site.org.tenant_id}",))
        assert httpx.get(back).status_code == 200
        rest = cli.stdout.read()
        assert cli.wait(60) == 0, rest
    assert "Connected stack" in rest and "E2E Outdoor Co" in rest
    assert c.token_set()["tenant_id"]["S"] == c.site.org.tenant_id  # type: ignore[index]
