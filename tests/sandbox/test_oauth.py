"""OAuth2: custom connections, the authorization-code flow, rotating refresh tokens, connections."""

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sandbox.conftest import Box, Reply


def app(box: Box, *tenants: str) -> Any:
    return box.sandbox.add_client(list(tenants) or [box.org.tenant_id], custom_connection=False)


def grant(box: Box, client: Any, **form: str) -> Reply:
    basic = base64.b64encode(f"{client.client_id}:{client.client_secret}".encode()).decode()
    body = "&".join(f"{k}={v}" for k, v in form.items())
    return box.form("/connect/token", body, {"Authorization": "Basic " + basic})


def test_custom_connection_tokens_last_30_minutes_and_need_no_tenant_header(box: Box) -> None:
    token = box.token()
    reply = box.raw("GET", "/api.xro/2.0/Organisation", headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200
    box.clock.advance(minutes=30)
    expired = box.raw("GET", "/api.xro/2.0/Organisation", headers={"Authorization": f"Bearer {token}"})
    assert expired.status == 401 and "TokenExpired" in expired.body["Detail"]
    assert box.raw("GET", "/api.xro/2.0/Organisation").status == 401


def test_authorization_code_then_rotating_refresh_tokens(box: Box) -> None:
    client = app(box)
    code = box.sandbox.authorize(client.client_id, [box.org.tenant_id])
    first = grant(box, client, grant_type="authorization_code", code=code)
    assert first.status == 200 and first.body["expires_in"] == 1800 and first.body["refresh_token"]
    assert grant(box, client, grant_type="authorization_code", code=code).body == {
        "error": "invalid_grant"
    }  # single use
    access = first.body["access_token"]
    assert box.call("GET", "/Organisation", token=access).status == 200
    no_tenant = box.raw("GET", "/api.xro/2.0/Organisation", headers={"Authorization": f"Bearer {access}"})
    assert no_tenant.status == 403  # only custom connections may leave the tenant out

    old = first.body["refresh_token"]
    second = grant(box, client, grant_type="refresh_token", refresh_token=old)
    new = second.body["refresh_token"]
    assert second.status == 200 and new != old
    box.clock.advance(minutes=29)
    retried = grant(box, client, grant_type="refresh_token", refresh_token=old)  # the answer was lost: grace
    assert retried.status == 200 and retried.body["refresh_token"] == new
    box.clock.advance(minutes=1)
    assert grant(box, client, grant_type="refresh_token", refresh_token=old).body == {"error": "invalid_grant"}
    assert grant(box, client, grant_type="refresh_token", refresh_token=new).status == 200


def test_unused_refresh_tokens_expire_after_60_days_and_codes_after_5_minutes(box: Box) -> None:
    client = app(box)
    code = box.sandbox.authorize(client.client_id, [box.org.tenant_id])
    refresh = grant(box, client, grant_type="authorization_code", code=code).body["refresh_token"]
    box.clock.advance(days=59, hours=23)
    refresh = grant(box, client, grant_type="refresh_token", refresh_token=refresh).body["refresh_token"]
    box.clock.advance(days=60)
    assert grant(box, client, grant_type="refresh_token", refresh_token=refresh).body == {"error": "invalid_grant"}
    late = box.sandbox.authorize(client.client_id, [box.org.tenant_id])
    box.clock.advance(minutes=5)
    assert grant(box, client, grant_type="authorization_code", code=late).body == {"error": "invalid_grant"}


def test_the_authorize_endpoint_redirects_with_a_code_and_the_state(box: Box) -> None:
    """Without a screen (``auto``, as a demo without a browser runs it); the screen: test_consent.py."""
    client = box.sandbox.add_client([box.org.tenant_id], custom_connection=False, redirect_uris=["http://localhost/cb"])
    bad = box.raw(
        "GET",
        f"/identity/connect/authorize?response_type=code&client_id={client.client_id}&redirect_uri=http://evil/cb",
    )
    assert bad.status == 400
    assert box.raw("POST", "/_sandbox/consent", b'{"auto": true}').body == {"auto": True}

    import http.client

    connection = http.client.HTTPConnection(box.url.removeprefix("http://"))
    connection.request(
        "GET",
        f"/identity/connect/authorize?response_type=code&client_id={client.client_id}"
        "&redirect_uri=http://localhost/cb&scope=offline_access%20accounting.contacts&state=xyz",
    )
    response = connection.getresponse()
    location = response.getheader("Location") or ""
    assert response.status == 302 and location.startswith("http://localhost/cb?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    wrong = grant(
        box, client, grant_type="authorization_code", code=query["code"][0], redirect_uri="http://localhost/other"
    )
    assert wrong.status == 400
    connection.close()


def test_connections_list_and_delete_revokes_access(box: Box) -> None:
    second = box.sandbox.add_organisation("Second Ltd")
    client = app(box, box.org.tenant_id, second.tenant_id)
    code = box.sandbox.authorize(client.client_id, [box.org.tenant_id, second.tenant_id])
    access = grant(box, client, grant_type="authorization_code", code=code).body["access_token"]
    listed = box.raw("GET", "/connections", headers={"Authorization": f"Bearer {access}"}).body
    assert {c["tenantId"] for c in listed} == {box.org.tenant_id, second.tenant_id}
    assert len({c["authEventId"] for c in listed}) == 1
    gone = next(c for c in listed if c["tenantId"] == second.tenant_id)
    deleted = box.raw("DELETE", f"/connections/{gone['id']}", headers={"Authorization": f"Bearer {access}"})
    assert deleted.status == 204
    assert box.call("GET", "/Organisation", token=access, tenant=second.tenant_id).status == 403
    assert box.call("GET", "/Organisation", token=access).status == 200
    again = box.raw("DELETE", f"/connections/{gone['id']}", headers={"Authorization": f"Bearer {access}"})
    assert again.status == 404
    assert box.raw("GET", "/connections").status == 401


def test_wrong_secrets_and_grant_types(box: Box) -> None:
    client = app(box)
    impostor = type("Impostor", (), {"client_id": client.client_id, "client_secret": "wrong"})()
    assert grant(box, impostor, grant_type="client_credentials").body == {"error": "invalid_client"}
    assert grant(box, client, grant_type="client_credentials").body == {"error": "unauthorized_client"}
    assert grant(box, client, grant_type="password").body == {"error": "unsupported_grant_type"}
