"""How one SQS record's failure is classified, logged and handled."""

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from samtranslator.yaml_helper import yaml_parse

from local.events import envelope
from local.sam import TEMPLATE
from local.woo import delivery
from xerosync.aws.synclog import LogEntry
from xerosync.events import BadEnvelope, StoreEvent, parse_envelope
from xerosync.sync.base import Outcome
from xerosync.sync.ports import ClaimHeld
from xerosync.sync.records import Delivery
from xerosync.sync.records import handle_record as handle
from xerosync.xero.errors import XeroAuthError, XeroRateLimited, XeroRejected
from xerosync.xero.payloads import MappingError

BODY = json.dumps(envelope(delivery("order.created", {"id": 7, "status": "processing"}, "s")))


class Journal:
    def __init__(self) -> None:
        self.entries: list[LogEntry] = []

    def write(self, entry: LogEntry) -> None:
        self.entries.append(entry)


class Spy:
    def __init__(self) -> None:
        self.parked: list[tuple[str, str]] = []
        self.delays: list[float] = []

    def delivery(self, receive_count: int = 1) -> Delivery:
        return Delivery(receive_count, lambda reason, key: self.parked.append((reason, key)), self.delays.append)


def failing(exc: Exception) -> Any:
    def apply(event: StoreEvent) -> Outcome:
        raise exc

    return apply


def handle_record(body: str, apply: Any, delivery: Delivery, journal: Journal) -> Outcome:
    """One record, its envelope parsed as the batch's plan parses it."""
    try:
        event: StoreEvent | BadEnvelope = parse_envelope(body)
    except BadEnvelope as exc:
        event = exc
    return handle(event, body, apply, delivery, journal)


def test_applied_event_is_logged_with_what_was_done() -> None:
    journal, spy = Journal(), Spy()
    outcome = handle_record(
        BODY, lambda event: Outcome("created", event.key, "X1", also=("payment",)), spy.delivery(), journal
    )
    assert outcome.action == "created"
    [entry] = journal.entries
    assert (entry.key, entry.outcome, entry.action, entry.xero_id, entry.also) == (
        "order:7",
        "applied",
        "created",
        "X1",
        ("payment",),
    )
    assert entry.payload == ""  # customer details only for failed events
    assert spy.parked == [] and spy.delays == []


def test_duplicate_is_logged_as_such() -> None:
    journal = Journal()
    handle_record(BODY, lambda event: Outcome("created", event.key, duplicate=True), Spy().delivery(), journal)
    assert journal.entries[0].outcome == "duplicate"


@pytest.mark.parametrize("error", [XeroRejected(["Invoice # must be unique."]), MappingError("no tax type")])
def test_permanent_failure_is_parked_at_once_with_its_reason_and_payload(error: Exception) -> None:
    journal, spy = Journal(), Spy()
    outcome = handle_record(BODY, failing(error), spy.delivery(), journal)
    assert outcome.action == "failed"  # the record is done with: not retried blindly
    assert spy.parked == [(str(error), "order:7")]
    [entry] = journal.entries
    assert entry.outcome == "failed" and entry.reason == str(error) and '"id":7' in entry.payload


def test_transient_failure_comes_back_after_xeros_retry_after() -> None:
    journal, spy = Journal(), Spy()
    with pytest.raises(XeroRateLimited):
        handle_record(BODY, failing(XeroRateLimited("minute", 37.0)), spy.delivery(3), journal)
    assert spy.delays == [37.0] and spy.parked == []
    assert journal.entries[0].outcome == "retrying" and journal.entries[0].attempt == 3


def test_record_held_elsewhere_comes_back_soon() -> None:
    spy = Spy()
    with pytest.raises(ClaimHeld):
        handle_record(BODY, failing(ClaimHeld("order:7", 14.0)), spy.delivery(), Journal())
    with pytest.raises(ClaimHeld):
        handle_record(BODY, failing(ClaimHeld("order:7", 14.0)), spy.delivery(3), Journal())
    with pytest.raises(ClaimHeld):
        handle_record(BODY, failing(ClaimHeld("order:7", 5.0)), spy.delivery(9), Journal())
    # soon at first (the holder is usually done in a moment), then backing off, never past the lease
    assert spy.delays == [2.0, 6.0, 5.0]


def test_broken_connection_backs_off_instead_of_storming() -> None:
    spy = Spy()
    with pytest.raises(XeroAuthError):
        handle_record(BODY, failing(XeroAuthError("refused")), spy.delivery(), Journal())
    assert spy.delays == [900.0]


def test_a_bug_is_retried_not_parked() -> None:
    spy = Spy()
    with pytest.raises(KeyError):
        handle_record(BODY, failing(KeyError("oops")), spy.delivery(), Journal())
    assert spy.parked == [] and spy.delays == [30.0]


def test_a_body_that_is_not_an_event_is_parked() -> None:
    journal, spy = Journal(), Spy()
    assert handle_record("not json", failing(AssertionError("never applied")), spy.delivery(), journal).action == (
        "failed"
    )
    assert spy.parked and journal.entries[0].outcome == "failed"


def test_a_wait_behind_a_hold_is_wall_time_under_a_faster_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's clock runs x60, and the handler divides a delay by that scale before SQS
    hides the record (delays are the clock's seconds: Xero's Retry-After, the governor). A hold
    lasts wall time, so its wait is given in wall time: before, a record behind a lock whose
    release had failed came back every second and was dead-lettered within a 150 s lease."""
    monkeypatch.setenv("XEROSYNC_TIME_SCALE", "60")
    spy = Spy()
    with pytest.raises(ClaimHeld):
        handle_record(BODY, failing(ClaimHeld("order:7", 14.0)), spy.delivery(3), Journal())
    with pytest.raises(IdempotencyAlreadyInProgressError):
        handle_record(BODY, failing(IdempotencyAlreadyInProgressError("running")), spy.delivery(2), Journal())
    with pytest.raises(XeroRateLimited):  # Xero's minute is the clock's: its Retry-After stays as said
        handle_record(BODY, failing(XeroRateLimited("minute", 37.0)), spy.delivery(3), Journal())
    assert spy.delays == [6.0 * 60, 6.0 * 60, 37.0]


@pytest.mark.parametrize("scale", ["1", "60"])
def test_the_receives_before_the_dead_letter_queue_outlast_any_hold(
    scale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record kept waiting by a hold its holder can no longer release (the worker died, the
    release failed) comes back until the hold ends: a claim or lock lasts RecordLeaseSeconds, an
    "in progress" record at most SyncTimeout. Its queue's receives (MaxReceiveCount) must cover
    either, in wall seconds, at any clock: the template's defaults, and its longest timeout."""
    monkeypatch.setenv("XEROSYNC_TIME_SCALE", scale)
    parameters = yaml_parse(TEMPLATE.read_text())["Parameters"]
    receives = int(parameters["MaxReceiveCount"]["Default"])
    lease = float(parameters["RecordLeaseSeconds"]["Default"])
    timeout = float(parameters["SyncTimeout"]["Default"])
    held, running = Spy(), Spy()
    for receive in range(1, receives):  # the last receive's failure sends it to the DLQ
        with pytest.raises(ClaimHeld):
            handle_record(BODY, failing(ClaimHeld("order:7", 15.0)), held.delivery(receive), Journal())
        with pytest.raises(IdempotencyAlreadyInProgressError):
            handle_record(
                BODY, failing(IdempotencyAlreadyInProgressError("running")), running.delivery(receive), Journal()
            )
    wall = float(scale)  # what the handler asks of SQS: the delay / the clock's scale
    assert sum(held.delays) / wall > 2 * lease
    assert sum(running.delays) / wall > 2 * timeout
