"""Rate limits per tenant and per app, on the injectable clock; concurrency counted for real."""

import threading
from collections.abc import Iterator

import pytest

from local.xero_sandbox.state import Limits
from tests.sandbox.conftest import Box, make_box


def test_every_answer_carries_the_remaining_quota(box: Box) -> None:
    first = box.call("GET", "/Organisation")
    second = box.call("GET", "/Contacts")
    assert first.headers["X-MinLimit-Remaining"] == "59" and second.headers["X-MinLimit-Remaining"] == "58"
    assert second.headers["X-DayLimit-Remaining"] == "4998" and second.headers["X-AppMinLimit-Remaining"] == "9998"
    assert box.call("GET", "/Nope").status == 404


def test_the_61st_call_in_a_minute_is_429_with_retry_after_and_the_window_is_fixed(box: Box) -> None:
    for _ in range(60):
        assert box.call("GET", "/Organisation").status == 200
    box.clock.advance(seconds=20)
    refused = box.call("GET", "/Organisation")
    assert refused.status == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute" and refused.headers["Retry-After"] == "40"
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    box.clock.advance(seconds=40)  # the window opened with the first call and lasts 60 s
    assert box.call("GET", "/Organisation").status == 200


def test_a_day_of_quota_runs_out_and_is_configurable_per_organisation() -> None:
    for box in make_box():
        starter = box.sandbox.add_organisation("Starter Ltd", limits=Limits(day=1000))
        client = box.sandbox.add_client([starter.tenant_id])
        token = box.token(client)
        for minute in range(17):
            for _ in range(60 if minute < 16 else 40):
                assert box.call("GET", "/Organisation", token=token, tenant=starter.tenant_id).status == 200
            box.clock.advance(minutes=1)
        refused = box.call("GET", "/Organisation", token=token, tenant=starter.tenant_id)
        assert refused.status == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
        assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
        assert box.call("GET", "/Organisation").status == 200  # another tenant's quota is its own


def test_the_app_wide_minute_limit_spans_tenants() -> None:
    for box in make_box(app_minute_limit=3):
        second = box.sandbox.add_organisation("Second Ltd")
        app = box.sandbox.add_client([box.org.tenant_id, second.tenant_id], custom_connection=False)
        code = box.sandbox.authorize(app.client_id, [box.org.tenant_id, second.tenant_id])
        form = f"grant_type=authorization_code&code={code}&client_id={app.client_id}&client_secret={app.client_secret}"
        token = box.form("/connect/token", form).body["access_token"]
        for tenant in (box.org.tenant_id, second.tenant_id, second.tenant_id):
            assert box.call("GET", "/Organisation", token=token, tenant=tenant).status == 200
        refused = box.call("GET", "/Organisation", token=token, tenant=box.org.tenant_id)
        assert refused.status == 429 and refused.headers["X-Rate-Limit-Problem"] == "appminute"
        assert box.call("GET", "/Organisation").status == 200  # another app has its own


@pytest.fixture
def slow_box() -> Iterator[Box]:
    yield from make_box()


def test_more_than_five_calls_in_flight_are_refused_as_concurrent(slow_box: Box) -> None:
    box = slow_box
    box.sandbox.faults.add("slow", endpoint="GET /Organisation", delay=1.0)
    results: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        reply = box.call("GET", "/Organisation")
        with lock:
            results.append(reply.status)

    threads = [threading.Thread(target=one) for _ in range(5)]
    for t in threads:
        t.start()
    deadline = threading.Event()
    for _ in range(100):
        if box.sandbox.limits.in_flight(box.org.tenant_id) == 5:
            break
        deadline.wait(0.01)
    assert box.sandbox.limits.in_flight(box.org.tenant_id) == 5
    refused = box.call("GET", "/Contacts")
    assert refused.status == 429 and refused.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert "Retry-After" not in refused.headers  # Xero documents none for concurrency
    for t in threads:
        t.join()
    assert results == [200] * 5
    assert box.call("GET", "/Contacts").status == 200
