"""A record sent back by a retry (xerosync.ops.retry sets its ``retry`` attribute) makes the handler
read the settings afresh: the fix before a retry may be a setting, which a warm container holds
for minutes (tests/console/test_browser.py retries after a Map save and sees it land)."""

from typing import Any

from xerosync import wiring
from xerosync.handlers import SQSRecord


def record(**attributes: str) -> dict[str, Any]:
    return {
        "messageId": "m",
        "body": "{}",
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {k: {"stringValue": v, "dataType": "String"} for k, v in attributes.items()},
    }


def test_a_record_is_retried_only_with_the_retry_attribute() -> None:
    assert SQSRecord(record(record="order:1", retry="1")).retried
    assert not SQSRecord(record(record="order:1")).retried  # as the ingress sends it
    assert not SQSRecord({"messageId": "m", "body": "{}"}).retried


def test_forgetting_the_settings_empties_the_containers_cache(monkeypatch: Any) -> None:
    monkeypatch.setattr(wiring, "_settings_cache", (0.0, object()))
    wiring.forget_settings()
    assert wiring._settings_cache is None
