"""OAuth per data centre: the token endpoint's answers, the hour an access token lives, the
20-refresh-token rule, the token check on every API call."""

import json

from local.zoho_crm import ZohoCRM
from tests.conftest import reference_file
from tests.zoho_crm.conftest import Client, call, token_form


def post_token(crm: ZohoCRM, dc: str | None = None, **fields: str) -> dict[str, object]:
    reply = call(crm.accounts_url(dc) + "/oauth/v2/token", "POST", token_form(crm, **fields), form=True)
    assert reply.status == 200 or "error" in reply.body
    return dict(reply.body)


def test_grant_then_refresh_answers_in_the_documented_shape(crm: ZohoCRM) -> None:
    code = crm.accounts.grant(crm.user)
    first = post_token(crm, grant_type="authorization_code", code=code, redirect_uri=crm.accounts.client.redirect_uri)
    assert set(first) == {"access_token", "refresh_token", "api_domain", "token_type", "expires_in"}
    assert first["api_domain"] == crm.api_domain("eu") and first["expires_in"] == 3600
    again = post_token(crm, grant_type="authorization_code", code=code)
    assert again == {"error": "invalid_code"}  # a grant code is good once

    refreshed = post_token(crm, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    documented = json.loads(reference_file("fixtures", "zoho", "oauth_refresh_token_response_docs.json").read_text())
    assert set(refreshed) == set(documented)
    assert refreshed["expires_in"] == documented["expires_in"] and refreshed["token_type"] == documented["token_type"]


def test_the_client_is_known_only_in_its_data_centre(crm: ZohoCRM) -> None:
    token = crm.refresh_token()
    assert post_token(crm, "com", grant_type="refresh_token", refresh_token=token) == {"error": "invalid_client"}
    eu = post_token(crm, "eu", grant_type="refresh_token", refresh_token=token)
    other_dc = call(crm.api_domain("com") + "/crm/v8/Accounts?fields=Account_Name",
                    headers={"Authorization": f"Zoho-oauthtoken {eu['access_token']}"})  # fmt: skip
    assert other_dc.status == 401 and other_dc.body["code"] == "INVALID_TOKEN"


def test_every_call_checks_the_token_and_it_lives_an_hour(crm: ZohoCRM, client: Client) -> None:
    assert client("GET", "/Accounts", fields="Account_Name").status == 204  # empty module, token fine
    bare = call(client.api + "/Accounts?fields=Account_Name")
    assert bare.status == 401 and bare.body == {
        "code": "AUTHENTICATION_FAILURE", "details": {}, "message": "Authentication failed", "status": "error"
    }  # fmt: skip
    wrong = call(client.api + "/Accounts?fields=Account_Name", headers={"Authorization": "Zoho-oauthtoken 1000.nope"})
    assert wrong.status == 401 and wrong.body["code"] == "INVALID_TOKEN"
    crm.clock.advance(3599)
    assert client("GET", "/Accounts", fields="Account_Name").status == 204
    crm.clock.advance(1)
    expired = client("GET", "/Accounts", fields="Account_Name")
    assert expired.status == 401 and expired.body["code"] == "INVALID_TOKEN"


def test_a_21st_refresh_token_silently_deletes_the_oldest(crm: ZohoCRM) -> None:
    tokens = []
    for n in range(21):
        if n % 5 == 0:
            crm.clock.advance(60)  # at most five refresh tokens a minute
        code = crm.accounts.grant(crm.user)
        tokens.append(str(post_token(crm, grant_type="authorization_code", code=code)["refresh_token"]))
    assert post_token(crm, grant_type="refresh_token", refresh_token=tokens[0]) == {"error": "invalid_code"}
    assert "access_token" in post_token(crm, grant_type="refresh_token", refresh_token=tokens[1])
    assert "access_token" in post_token(crm, grant_type="refresh_token", refresh_token=tokens[20])


def test_ten_access_tokens_in_ten_minutes_then_access_denied(crm: ZohoCRM) -> None:
    token = crm.refresh_token()
    for _ in range(10):
        assert "access_token" in post_token(crm, grant_type="refresh_token", refresh_token=token)
    denied = call(crm.accounts_url() + "/oauth/v2/token", "POST",
                  token_form(crm, grant_type="refresh_token", refresh_token=token), form=True)  # fmt: skip
    assert denied.status == 400 and denied.body["error"] == "Access Denied"
    crm.clock.advance(600)
    assert "access_token" in post_token(crm, grant_type="refresh_token", refresh_token=token)


def test_five_refresh_tokens_a_minute_and_thirty_live_access_tokens(crm: ZohoCRM) -> None:
    for _ in range(5):
        assert "refresh_token" in post_token(crm, grant_type="authorization_code", code=crm.accounts.grant(crm.user))
    code = crm.accounts.grant(crm.user)
    sixth = call(crm.accounts_url() + "/oauth/v2/token", "POST",
                 token_form(crm, grant_type="authorization_code", code=code), form=True)  # fmt: skip
    assert sixth.status == 400 and sixth.body["error"] == "Access Denied"
    crm.clock.advance(60)
    assert "refresh_token" in post_token(crm, grant_type="authorization_code", code=code)

    token = crm.refresh_token()
    access = []
    for n in range(31):
        if n % 10 == 0:
            crm.clock.advance(600)  # ten a refresh token in ten minutes
        access.append(str(post_token(crm, grant_type="refresh_token", refresh_token=token)["access_token"]))
    url = crm.api_domain() + "/crm/v8/Accounts?fields=Account_Name"
    first = call(url, headers={"Authorization": f"Zoho-oauthtoken {access[0]}"})
    assert first.status == 401 and first.body["code"] == "INVALID_TOKEN"  # the 31st deleted the first
    assert call(url, headers={"Authorization": f"Zoho-oauthtoken {access[1]}"}).status == 204
