"""What the functions tell CloudWatch (issue 19, items 10 and 11): metrics carry the stack, the
alarmed-on metrics are emitted where the event happens, and no customer data that a validation
error echoes reaches the logs."""

import json
import subprocess
import sys
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from tests.unit.test_records import BODY, Journal, Spy, failing, handle_record
from xerosync.observability import metrics, reason_of
from xerosync.xero.tokens import InvalidGrant, request_token


def emitted() -> dict[str, list[float]]:
    found = {name: list(metric["Value"]) for name, metric in metrics.metric_set.items()}
    metrics.clear_metrics()
    return found


def test_every_metric_carries_the_stack_as_a_dimension() -> None:
    code = (
        "import json; from xerosync.observability import count, metrics; count('records_failed'); "
        "print(json.dumps(metrics.serialize_metric_set()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"STACK_NAME": "store-a", "POWERTOOLS_SERVICE_NAME": "xerosync", "PYTHONPATH": "shared"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    blob = json.loads(out)
    [directive] = blob["_aws"]["CloudWatchMetrics"]
    assert [sorted(d) for d in directive["Dimensions"]] == [["service", "stack"]]
    assert (blob["stack"], blob["service"], blob["records_failed"]) == ("store-a", "xerosync", [1.0])


class Reply:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.data = status, json.dumps(body).encode()


class Http:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    def request(self, *args: Any, **kwargs: Any) -> Reply:
        return self.reply


def test_a_refused_xero_connection_is_counted_for_its_alarm() -> None:
    metrics.clear_metrics()
    with pytest.raises(InvalidGrant):
        request_token(Http(Reply(400, {"error": "invalid_grant"})), "https://id", "c", "s", {})  # type: ignore[arg-type]
    assert emitted()["xero_connection_refused"] == [1.0]
    request_token(Http(Reply(200, {"access_token": "t"})), "https://id", "c", "s", {})  # type: ignore[arg-type]
    assert "xero_connection_refused" not in emitted()


class Customer(BaseModel):
    email: int


def validation_error() -> ValidationError:
    try:
        Customer.model_validate({"email": "jane.smith@example.com"})
    except ValidationError as exc:
        return exc
    raise AssertionError("expected a validation error")


def test_a_validation_error_is_described_without_its_input() -> None:
    exc = validation_error()
    assert "jane.smith@example.com" in str(exc)  # what pydantic would have logged
    described = reason_of(exc)
    assert "jane.smith@example.com" not in described
    assert described.startswith("1 validation error(s) for Customer: email: Input should be a valid integer")
    assert reason_of(ValueError("plain")) == "plain"


def test_a_record_failing_validation_logs_no_customer_data(caplog: pytest.LogCaptureFixture) -> None:
    journal, spy = Journal(), Spy()
    outcome = handle_record(BODY, failing(validation_error()), spy.delivery(), journal)
    assert outcome.action == "failed"
    logged = json.dumps([r.__dict__ for r in caplog.records], default=str)
    assert "jane.smith@example.com" not in logged
    assert "email: Input should be a valid integer" in logged
    [(reason, _)] = spy.parked
    assert "jane.smith@example.com" not in reason
