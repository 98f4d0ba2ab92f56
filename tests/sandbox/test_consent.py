"""The consent screen and PKCE, over HTTP as a browser (httpx, following nothing by itself) meets them."""

import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.forms import FORM, encoded, read
from tests.sandbox.conftest import Box

REDIRECT = "http://localhost:5999/callback"


def app(box: Box, *tenants: str) -> Any:
    return box.sandbox.add_client(
        list(tenants) or [box.org.tenant_id], custom_connection=False, redirect_uris=[REDIRECT]
    )


def pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(40)).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(box: Box, client: Any, **extra: str) -> httpx.Response:
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "scope": "offline_access accounting.invoices accounting.settings",
        "state": "st-123",
        **extra,
    }
    return httpx.get(f"{box.url}/identity/connect/authorize?{urlencode(query)}")


def decide(box: Box, page: httpx.Response, button: str, tick: tuple[str, ...] = ()) -> httpx.Response:
    form = read(page.text).form_with(button)
    return httpx.post(box.url + form.action, content=encoded(form.submission(button, tick=tick)), headers=FORM)


def redirected(reply: httpx.Response) -> dict[str, str]:
    assert reply.status_code == 302, reply.text
    location = reply.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def token(box: Box, client: Any, code: str, verifier: str | None) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if verifier is not None:
        form["code_verifier"] = verifier
    return httpx.post(f"{box.url}/connect/token", data=form, auth=(client.client_id, client.client_secret))


def test_the_screen_names_the_app_the_scopes_and_the_organisations(box: Box) -> None:
    second = box.sandbox.add_organisation("Second Shop Ltd")
    client = app(box)
    page = authorize(box, client)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    seen = read(page.text)
    assert "xerosync" in seen.texts["consent-app"]
    assert "accounting.invoices" in seen.texts["consent-scopes"]
    assert {"consent-allow", "consent-cancel", f"org-{box.org.tenant_id}", f"org-{second.tenant_id}"} <= set(seen.ids)
    form = seen.form_with("consent-allow")
    assert form.control(f"org-{box.org.tenant_id}").checked  # the organisation the app was set up for
    assert not form.control(f"org-{second.tenant_id}").checked


def test_allow_with_pkce_gives_a_code_only_the_verifier_redeems(box: Box) -> None:
    client = app(box)
    verifier, challenge = pkce()
    page = authorize(box, client, code_challenge=challenge, code_challenge_method="S256")
    answer = redirected(decide(box, page, "consent-allow"))
    assert answer["state"] == "st-123" and answer["code"]
    assert token(box, client, answer["code"], verifier).status_code == 200
    # again: spent
    assert token(box, client, answer["code"], verifier).json() == {"error": "invalid_grant"}


@pytest.mark.parametrize("verifier", ["wrong-" + "x" * 40, None, "short"])
def test_a_wrong_or_missing_verifier_is_invalid_grant_and_spends_the_code(box: Box, verifier: str | None) -> None:
    client = app(box)
    good, challenge = pkce()
    page = authorize(box, client, code_challenge=challenge, code_challenge_method="S256")
    code = redirected(decide(box, page, "consent-allow"))["code"]
    refused = token(box, client, code, verifier)
    assert refused.status_code == 400 and refused.json() == {"error": "invalid_grant"}
    assert token(box, client, code, good).json() == {"error": "invalid_grant"}  # one guess only


def test_cancel_redirects_with_access_denied_and_the_state(box: Box) -> None:
    client = app(box)
    answer = redirected(decide(box, authorize(box, client), "consent-cancel"))
    assert answer["error"] == "access_denied" and answer["state"] == "st-123" and "code" not in answer


def test_several_organisations_connect_at_once_and_none_is_refused(box: Box) -> None:
    second = box.sandbox.add_organisation("Second Shop Ltd")
    client = app(box)
    page = authorize(box, client)
    again = decide(box, page, "consent-allow", tick=())  # untick everything: the page again, saying so
    form = read(page.text).form_with("consent-allow")
    chosen = form.submission("consent-allow", untick=(f"org-{box.org.tenant_id}",))
    nothing = httpx.post(box.url + form.action, content=encoded(chosen), headers=FORM)
    assert nothing.status_code == 400 and "consent-error" in read(nothing.text).ids
    assert again.status_code == 302  # the ticked one alone is allowed
    page = authorize(box, client)
    code = redirected(decide(box, page, "consent-allow", tick=(f"org-{second.tenant_id}",)))["code"]
    access = token(box, client, code, None).json()["access_token"]
    claims = json.loads(base64.urlsafe_b64decode(access.split(".")[1] + "=="))
    listed = httpx.get(
        f"{box.url}/connections",
        params={"authEventId": claims["authentication_event_id"]},
        headers={"Authorization": f"Bearer {access}"},
    ).json()
    assert {c["tenantName"] for c in listed} == {box.org.name, "Second Shop Ltd"}


def test_an_unregistered_redirect_uri_is_an_error_never_a_redirect(box: Box) -> None:
    client = app(box)
    reply = httpx.get(
        f"{box.url}/identity/connect/authorize",
        params={"response_type": "code", "client_id": client.client_id, "redirect_uri": "http://evil/cb"},
    )
    assert reply.status_code == 400 and "location" not in reply.headers
    bad_method = authorize(box, client, code_challenge="abc", code_challenge_method="MD5")
    assert redirected(bad_method)["error"] == "invalid_request"


def test_the_identity_answers_are_checked_against_the_identity_spec(spec_box: Box) -> None:
    box = spec_box
    assert "xero-identity.yaml" in box.sandbox.validation
    client = app(box)
    code = box.sandbox.authorize(client.client_id, [box.org.tenant_id], redirect_uri=REDIRECT)
    access = token(box, client, code, None).json()["access_token"]
    assert httpx.get(f"{box.url}/connections", headers={"Authorization": f"Bearer {access}"}).status_code == 200
    connection = next(c for c in box.sandbox.state.connections.values() if c.client_id == client.client_id)
    connection.id = "not-a-guid"  # an answer Xero would never give: caught, not sent
    broken = httpx.get(f"{box.url}/connections", headers={"Authorization": f"Bearer {access}"})
    assert broken.status_code == 500 and "identity spec" in broken.text
    assert any("/connections" in v for v in box.sandbox.spec_violations)
