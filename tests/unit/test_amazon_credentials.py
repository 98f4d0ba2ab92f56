"""The store's credentials that expire (pure): an Amazon credentials secret's client_secret_expires
read as the expiry, the APPLICATION_OAUTH_CLIENT_NEW_SECRET notification read into renewed
credentials (https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide),
what xerosync status says of them, and the renewal use case with in-memory ports."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from xerosync import sources
from xerosync.credentials import WARN_DAYS, expiry_of, renew, status_lines
from xerosync.sources.amazon.adapter import SOURCE
from xerosync.sources.port import StoreError

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
CLIENT = "amzn1.application-oa2-client.abc"
CREDS = {"client_id": CLIENT, "client_secret": "amzn1.oa2-cs.v1.old", "refresh_token": "Atzr|r", "region": "NA"}


NEW = "amzn1.oa2-cs.v1.new"


def notification(secret: str = NEW, client: str = CLIENT) -> dict[str, Any]:
    return {
        "notificationVersion": "1.0",
        "notificationType": "APPLICATION_OAUTH_CLIENT_NEW_SECRET",
        "payloadVersion": "2023-11-30",
        "eventTime": "2026-09-20T12:00:00.000Z",
        "payload": {
            "applicationOAuthClientNewSecret": {
                "clientId": client,
                "newClientSecret": secret,
                "newClientSecretExpiryTime": "2027-03-19T12:00:00.198Z",
                "oldClientSecretExpiryTime": "2026-09-27T12:00:00.180Z",
            }
        },
        "notificationMetadata": {
            "applicationId": "a",
            "subscriptionId": "s",
            "publishTime": "x",
            "notificationId": "n",
        },
    }


@pytest.mark.parametrize(
    ("recorded", "days"),
    [("2026-12-19", 89), ("2026-12-19T12:00:00Z", 90), ("2026-10-10T12:00:00+00:00", 20), (None, None)],
)
def test_the_expiry_is_read_from_the_credentials_secret(recorded: str | None, days: int | None) -> None:
    expiry = SOURCE.credential_expiry({**CREDS, "client_secret_expires": recorded} if recorded else CREDS)
    assert expiry.days_left(NOW) == days and expiry.field == "client_secret_expires"


def test_an_expiry_that_is_not_a_date_is_refused_by_name() -> None:
    with pytest.raises(StoreError, match="client_secret_expires"):
        SOURCE.credential_expiry({**CREDS, "client_secret_expires": "next spring"})


def test_status_warns_inside_30_days_and_when_the_date_is_not_recorded() -> None:
    def said(days: float | None) -> str:
        creds = CREDS if days is None else {**CREDS, "client_secret_expires": (NOW + timedelta(days=days)).isoformat()}
        return " ".join(status_lines(SOURCE.credential_expiry(creds), NOW))

    assert "WARNING" not in said(WARN_DAYS + 1) and "(31 days left)" in said(WARN_DAYS + 1)
    assert "WARNING" in said(WARN_DAYS) and "xerosync rotate store-secret" in said(WARN_DAYS)
    assert "EXPIRED" in said(-1)
    assert "not recorded" in said(None) and "WARNING" in said(None)
    assert status_lines(expiry_of(sources.source("woocommerce"), {}), NOW) == []  # its keys never expire


def test_a_new_secret_notification_renews_the_credentials_and_keeps_the_rest() -> None:
    renewed = SOURCE.renewed_credentials(notification(), CREDS, NOW)
    assert renewed is not None
    assert renewed["client_secret"] == "amzn1.oa2-cs.v1.new"
    assert renewed["client_secret_expires"].startswith("2027-03-19T12:00:00")
    assert renewed["previous_client_secret_until"].startswith("2026-09-27")
    assert {k: renewed[k] for k in ("client_id", "refresh_token", "region")} == {
        k: CREDS[k] for k in ("client_id", "refresh_token", "region")
    }
    assert SOURCE.renewed_credentials(notification(), renewed, NOW) == renewed  # delivered again
    assert SOURCE.renewed_credentials({"notificationType": "REPORT_PROCESSING_FINISHED"}, CREDS, NOW) is None


def test_a_notification_for_another_app_or_without_its_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(StoreError, match="not this stack's") as other:
        SOURCE.renewed_credentials(notification(client="amzn1.application-oa2-client.other"), CREDS, NOW)
    assert "amzn1.oa2-cs.v1.new" not in str(other.value)
    broken = notification()
    del broken["payload"]["applicationOAuthClientNewSecret"]["newClientSecretExpiryTime"]
    with pytest.raises(StoreError, match="newClientSecretExpiryTime"):
        SOURCE.renewed_credentials(broken, CREDS, NOW)


def test_renewal_stores_each_new_secret_once_and_keeps_what_failed() -> None:
    stored: list[dict[str, Any]] = [dict(CREDS)]
    refuse = {"on": False}

    def write(value: dict[str, Any]) -> None:
        if refuse["on"]:
            raise ConnectionError("Secrets Manager did not answer")
        stored.append(value)

    def run(*messages: tuple[str, dict[str, Any]]) -> Any:
        return renew(SOURCE, list(messages), read=lambda: stored[-1], write=write, now=NOW)

    first = run(("m1", notification()), ("m2", notification()), ("m3", {"notificationType": "OTHER"}))
    assert (first.stored, first.unchanged, first.ignored, first.failed) == (["m1"], ["m2"], ["m3"], [])
    assert len(stored) == 2 and first.expires[0].startswith("2027-03-19")
    refuse["on"] = True
    failed = run(("m4", notification("amzn1.oa2-cs.v1.newer")), ("m5", notification(client="someone-else")))
    assert [m for m, _ in failed.failed] == ["m4", "m5"] and len(stored) == 2  # kept: SQS delivers them again
    assert "newer" not in " ".join(why for _, why in failed.failed)
    assert run(("m6", notification())).ignored == [] and stored[-1]["client_secret"] == "amzn1.oa2-cs.v1.new"
    woo = renew(sources.source("woocommerce"), [("m7", notification())], read=lambda: {}, write=write, now=NOW)
    assert woo.ignored == ["m7"]  # a source whose credentials never expire renews none


def test_amazon_s_expiry_notice_records_the_date_the_merchant_did_not_copy() -> None:
    notice = {
        "notificationVersion": "1.0",
        "notificationType": "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY",
        "payloadVersion": "2023-11-30",
        "payload": {
            "applicationOAuthClientSecretExpiry": {
                "clientId": CLIENT,
                "clientSecretExpiryTime": "2026-10-09T22:06:39.224Z",
                "clientSecretExpiryReason": "PERIODIC_ROTATION",
            }
        },
    }
    noted = SOURCE.renewed_credentials(notice, CREDS, NOW)
    assert noted == {**CREDS, "client_secret_expires": "2026-10-09T22:06:39.224000+00:00"}
    assert SOURCE.credential_expiry(noted).days_left(NOW) == 19
    notice["payload"]["applicationOAuthClientSecretExpiry"]["clientId"] = "amzn1.application-oa2-client.other"
    with pytest.raises(StoreError, match="not this stack's"):
        SOURCE.renewed_credentials(notice, CREDS, NOW)
