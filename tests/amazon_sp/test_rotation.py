"""The Application Management API's client secret rotation, as the simulator serves it: a grantless
token of the rotation scope, 204, the new secret delivered only to the registered SQS destination,
the old secret accepted for the grace period and refused after it
(https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide)."""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from local.amazon_sp import AmazonSP
from local.amazon_sp.auth import ROTATION_SCOPE
from tests.amazon_sp.conftest import NOW, SETTLEMENTS, Client, call, mint

ROTATE = "/applications/2023-11-30/clientSecret"


@dataclass
class Destination:
    """Stands for the SQS queue: what Amazon sends to it."""

    subscription_id: str = "subscription-lwa"
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, notification: dict[str, Any]) -> None:
        self.sent.append(json.loads(json.dumps(notification)))


def grantless(sp: AmazonSP, secret: str | None = None, scope: str = ROTATION_SCOPE) -> Any:
    return mint(sp, grant_type="client_credentials", scope=scope, client_secret=secret or sp.credentials.client_secret)


def rotate(sp: AmazonSP, token: str) -> Any:
    return call(sp.endpoint + ROTATE, b"", {"x-amz-access-token": token})


def test_a_rotation_delivers_a_new_secret_and_the_old_one_works_for_the_grace_period(sp: AmazonSP) -> None:
    destination = Destination()
    sp.secret_notifier = destination  # type: ignore[assignment]
    old = sp.credentials.client_secret
    reply = grantless(sp)
    assert reply.status == 200 and "refresh_token" not in reply.body
    answer = rotate(sp, reply.body["access_token"])
    assert answer.status == 204 and answer.raw == b""
    [notification] = destination.sent
    assert notification["notificationType"] == "APPLICATION_OAUTH_CLIENT_NEW_SECRET"
    assert notification["payloadVersion"] == "2023-11-30"
    secret = notification["payload"]["applicationOAuthClientNewSecret"]
    assert secret["clientId"] == sp.credentials.client_id and secret["newClientSecret"] == sp.credentials.client_secret
    assert secret["newClientSecret"] != old
    assert secret["newClientSecretExpiryTime"].startswith((NOW + timedelta(days=180)).date().isoformat())
    assert secret["oldClientSecretExpiryTime"].startswith((NOW + timedelta(days=7)).date().isoformat())
    assert mint(sp).status == 200  # the new secret
    assert mint(sp, client_secret=old).status == 200  # the old one, in its grace period
    sp.clock.pin(NOW + timedelta(days=7, seconds=1))
    refused = mint(sp, client_secret=old)
    assert (refused.status, refused.body["error"]) == (401, "invalid_client")
    assert mint(sp).status == 200


def test_rotation_wants_a_grantless_token_of_its_scope_and_a_registered_destination(sp: AmazonSP) -> None:
    seller_token = Client(sp).token
    assert rotate(sp, seller_token).status == 403
    assert grantless(sp, scope="sellingpartnerapi::notifications").body["error"] == "invalid_scope"
    token = grantless(sp).body["access_token"]
    assert call(sp.endpoint + "/reports/2021-06-30/reports?reportTypes=" + SETTLEMENTS,
                headers={"x-amz-access-token": token}).status == 403  # fmt: skip
    nowhere = rotate(sp, token)
    assert nowhere.status == 400 and "destination" in nowhere.body["errors"][0]["message"]
    sp.secret_notifier = Destination()  # type: ignore[assignment]
    assert rotate(sp, token).status == 429  # 0.0167 requests a second, burst 1: the refused call spent it
    sp.clock.pin(NOW + timedelta(seconds=60))
    assert rotate(sp, token).status == 204


def test_a_client_secret_expires_180_days_after_it_was_issued(sp: AmazonSP) -> None:
    sp.clock.pin(NOW + timedelta(days=180) - timedelta(seconds=1))
    assert mint(sp).status == 200
    sp.clock.pin(NOW + timedelta(days=180))
    assert mint(sp).status == 401
