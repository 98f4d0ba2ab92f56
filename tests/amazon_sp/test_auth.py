"""Login with Amazon: a refresh token buys a one-hour access token, checked on every SP-API call
(developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api)."""

from datetime import timedelta

from local.amazon_sp import AmazonSP
from tests.amazon_sp.conftest import NOW, SETTLEMENTS, Client, call, mint


def test_a_refresh_token_buys_an_access_token_for_an_hour(sp: AmazonSP) -> None:
    reply = mint(sp)
    assert reply.status == 200
    assert reply.body["token_type"] == "bearer" and reply.body["expires_in"] == 3600
    assert reply.body["access_token"].startswith("Atza|")
    client = Client(sp)
    assert client.get("/reports/2021-06-30/reports", reportTypes=SETTLEMENTS).status == 200
    sp.clock.pin(NOW + timedelta(seconds=3599))
    assert client.get("/reports/2021-06-30/reports", reportTypes=SETTLEMENTS).status == 200
    sp.clock.pin(NOW + timedelta(seconds=3600))
    expired = client.get("/reports/2021-06-30/reports", reportTypes=SETTLEMENTS)
    assert expired.status == 403
    assert expired.body["errors"][0]["code"] == "Unauthorized"
    assert expired.body["errors"][0]["details"] == "The access token you provided has expired."


def test_wrong_client_credentials_and_refresh_tokens_answer_lwa_errors(sp: AmazonSP) -> None:
    wrong_secret = mint(sp, client_secret="amzn1.oa2-cs.v1.wrong")
    assert (wrong_secret.status, wrong_secret.body["error"]) == (401, "invalid_client")
    wrong_refresh = mint(sp, refresh_token="Atzr|revoked")
    assert (wrong_refresh.status, wrong_refresh.body["error"]) == (400, "invalid_grant")
    assert mint(sp, grant_type="client_credentials").body["error"] == "invalid_scope"  # grantless: a scope
    assert mint(sp, grant_type="password").body["error"] == "unsupported_grant_type"


def test_the_sp_api_wants_the_token_header_and_ignores_sigv4(sp: AmazonSP) -> None:
    url = sp.endpoint + "/reports/2021-06-30/reports?reportTypes=" + SETTLEMENTS
    missing = call(url, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/..."})
    assert missing.status == 403
    assert missing.body["errors"][0]["details"] == "Access token is missing in the request header."
    forged = call(url, headers={"x-amz-access-token": "Atza|forged"})
    assert forged.status == 403 and "invalid" in forged.body["errors"][0]["details"]
