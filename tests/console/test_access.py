"""Nobody without a sign-in reaches the console, and no change is made without the session's CSRF
token from the console's own origin: plain HTTP against the local stack's HttpApi routes."""

import re
import time

import httpx
import pytest

from tests.console.conftest import csrf_of, mint, own_origin, signed_in
from tests.e2e.conftest import Stack, operator
from xerosync.aws.console_sessions import DynamoConsoleSessions
from xerosync.console import app  # noqa: F401 - registers every route
from xerosync.console.auth import ABSOLUTE_SECONDS, COOKIE, IDLE_SECONDS, current_session, sign_in
from xerosync.console.web import Request, router

pytestmark = pytest.mark.e2e  # the whole local stack

# pages anyone may open: the sign-in itself (its POST has no session yet: the link's token and the
# origin check guard it, test_a_sign_in_link_is_spent_by_its_button_only_once), the page that says
# you signed out, and Xero's redirect back (cross-site: no SameSite=Strict cookie comes with it;
# its single-use state ties it to the signed-in request that started it, tests/console/test_connect.py)
PUBLIC = {
    ("GET", "/console/signin"),
    ("POST", "/console/signin"),
    ("GET", "/console/signedout"),
    ("GET", "/connect/xero/callback"),
    # the store's key grant: its callback comes from the store's server and the return is a
    # cross-site redirect, so neither has a session; the single-use nonce ties them to the signed-in
    # request that started it (tests/console/test_store_grant.py)
    ("POST", "/connect/store/callback"),
    ("GET", "/connect/store/return"),
}
GUARDED = sorted({(r.method, r.pattern) for r in router.routes} - PUBLIC)


def concrete(pattern: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "order:1", pattern)


def test_the_guarded_list_is_every_route_but_the_sign_in() -> None:
    # a page added later is guarded by default: this list grows with the router
    assert ("GET", "/console") in GUARDED and ("POST", "/console/retry") in GUARDED
    assert len(GUARDED) >= 11


@pytest.mark.parametrize(("method", "pattern"), GUARDED)
def test_every_route_refuses_without_a_session(site: Stack, method: str, pattern: str) -> None:
    answer = httpx.request(method, site.stack.api_url + concrete(pattern), timeout=30)
    assert answer.status_code == 401
    assert "xerosync console link" in answer.text  # it says how to sign in
    # and with a cookie that names no session
    answer = httpx.request(method, site.stack.api_url + concrete(pattern), cookies={COOKIE: "made-up"}, timeout=30)
    assert answer.status_code == 401


@pytest.fixture(scope="module")
def client(site: Stack) -> httpx.Client:
    return signed_in(site)


@pytest.mark.parametrize("pattern", sorted(p for m, p in GUARDED if m == "POST"))
def test_every_change_refuses_without_the_csrf_token(client: httpx.Client, pattern: str) -> None:
    answer = client.post(concrete(pattern), data={"record": "order:1", "day": "2026-01-01"})
    assert answer.status_code == 403
    answer = client.post(concrete(pattern), data={"csrf": "0" * 64, "record": "order:1"})
    assert answer.status_code == 403  # a wrong one


def test_a_change_from_another_origin_is_refused_even_with_the_token(site: Stack, client: httpx.Client) -> None:
    token = csrf_of(client.get("/console/fix").text)
    assert (
        client.post("/console/retry", data={"csrf": token}, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    assert (
        client.post("/console/retry", data={"csrf": token}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    )
    # the same request from the console's own page goes through
    host = site.stack.api_url.removeprefix("http://")
    answer = client.post(
        "/console/retry", data={"csrf": token}, headers={"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/fix?done=")


def test_a_sign_in_link_is_spent_by_its_button_only_once(site: Stack) -> None:
    token = mint(site, "jane@shop.example")
    url = f"{site.stack.api_url}/console/signin"
    # a mail scanner or a link preview fetches the link: a page with a button, nothing spent
    for _ in range(2):
        shown = httpx.get(url, params={"token": token}, timeout=30)
        assert shown.status_code == 200 and 'id="signin"' in shown.text, shown.text
        assert "set-cookie" not in shown.headers and token not in shown.text  # the token is never rendered
        assert shown.headers["cache-control"] == "no-store"
    # another site's page posting the link (to sign this browser in to a session of its choosing)
    for elsewhere in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        refused = httpx.post(url, params={"token": token}, headers=elsewhere, timeout=30)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
    # the button: the link's own page posts to itself, and the token becomes a session
    answer = httpx.post(url, params={"token": token}, headers=own_origin(site), timeout=30)
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("Path=/", "Secure", "HttpOnly", "SameSite=Strict"):
        assert attribute in cookie.split("; "), cookie
    assert "Domain=" not in cookie  # a __Host- cookie names no domain
    secret = cookie.split(";")[0].split("=", 1)[1]
    console = httpx.get(f"{site.stack.api_url}/console", cookies={COOKIE: secret}, timeout=30)
    assert console.status_code == 200 and "jane@shop.example" in console.text
    # once: the same link again, by its page or its button, signs nobody in
    again = httpx.post(url, params={"token": token}, headers=own_origin(site), timeout=30)
    assert again.status_code == 401 and "set-cookie" not in again.headers
    assert httpx.post(url, headers=own_origin(site), timeout=30).status_code == 401  # no token at all


def test_a_session_ends_when_idle_and_at_its_absolute_limit(site: Stack) -> None:
    with operator(site.stack):
        store = DynamoConsoleSessions(site.stack.resources["SyncLogTable"])
        t0 = time.time()
        from xerosync.console.auth import mint_signin

        token = mint_signin(store, "idle@test", now=t0)
        session = sign_in(store, token, now=t0)
        assert session is not None and sign_in(store, token, now=t0) is None  # once
        request = Request("GET", "/console", cookies={COOKIE: session.secret})
        # each request slides the idle timeout on ...
        step = IDLE_SECONDS - 60
        now = t0
        while now + step < t0 + ABSOLUTE_SECONDS:
            now += step
            assert current_session(store, request, now=now) is not None
        # ... up to the absolute limit
        assert current_session(store, request, now=t0 + ABSOLUTE_SECONDS + 1) is None
        # and a session left alone for the idle time is over
        other = sign_in(store, mint_signin(store, "idle@test", now=t0), now=t0)
        assert other is not None
        idle = Request("GET", "/console", cookies={COOKIE: other.secret})
        assert current_session(store, idle, now=t0 + IDLE_SECONDS + 1) is None
        # an expired link does not sign in
        late = mint_signin(store, "late@test", now=t0 - 3600)
        assert sign_in(store, late, now=t0) is None


def test_sign_out_ends_the_session_and_the_sync_log_says_who(site: Stack) -> None:
    client = signed_in(site, "sam@shop.example")
    token = csrf_of(client.get("/console").text)
    answer = client.post("/console/signout", data={"csrf": token})
    assert answer.status_code == 303 and "Max-Age=0" in answer.headers["set-cookie"]
    assert client.get("/console").status_code == 401
    log = signed_in(site).get("/console/log", params={"record": "console"}).text
    assert "signed out of the console (by sam@shop.example)" in log
    assert "signed in to the console (by sam@shop.example)" in log


def test_the_operators_command_mints_a_link_that_signs_in(site: Stack) -> None:
    from typer.testing import CliRunner

    from xerosync.cli import app as cli

    with operator(site.stack):
        result = CliRunner().invoke(cli, ["console", "link", "--stack", site.stack.stack_name, "--who", "cli@test"])
    assert result.exit_code == 0, result.output
    [link] = re.findall(r"http://\S+/console/signin\?token=\S+", result.output)
    assert link.startswith(site.stack.api_url + "/console/signin?token=")  # the stack's ConsoleUrl output
    answer = httpx.post(link, headers=own_origin(site), timeout=30)
    assert answer.status_code == 303
    console = httpx.get(f"{site.stack.api_url}/console", cookies={COOKIE: answer.cookies[COOKIE]}, timeout=30)
    assert "cli@test" in console.text


def test_what_the_store_xero_or_a_visitor_wrote_is_shown_as_text_never_as_markup(
    site: Stack, client: httpx.Client
) -> None:
    from xerosync.aws.synclog import DynamoSyncLog, LogEntry

    hostile = '<img src=x onerror="alert(1)">'
    with operator(site.stack):
        DynamoSyncLog(site.stack.resources["SyncLogTable"]).write(
            LogEntry(key="order:666", outcome="skipped", reason=f"Xero: {hostile}")
        )
    for path, params in (("/console/log", {"record": "order:666"}), ("/console/log", {"record": hostile})):
        body = client.get(path, params=params).text
        assert hostile not in body
    body = client.get("/console/log", params={"record": "order:666"}).text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body
    assert "<script" not in client.get("/console/record/order:666").text


def test_a_privacy_scan_of_the_sync_log_passes_over_the_console_s_items(site: Stack) -> None:
    # the console's links, sessions and pushes share the sync log's table: a privacy request's scan,
    # which matches text anywhere in a key, must not take one for a log entry
    from xerosync.aws.synclog import DynamoSyncLog
    from xerosync.sync.ports import Subject

    with operator(site.stack):
        store = DynamoConsoleSessions(site.stack.resources["SyncLogTable"])
        store.put_push("0412345678", {"keys": []}, time.time() + 60)
        found = DynamoSyncLog(site.stack.resources["SyncLogTable"]).holding(Subject(texts=("0412345678",)))
    assert found == []
