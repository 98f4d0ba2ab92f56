"""The rate governor against DynamoDB (moto over HTTP), under concurrent workers."""

import threading
import time

import pytest

from tests.integration.conftest import mappings_table
from xerosync.aws.governor import DynamoBudget
from xerosync.xero import governor as governor_module
from xerosync.xero.governor import BudgetExhausted, Governor, Limits
from xerosync.xero.pacing import BUSY_MEMORY, FLOW_SECONDS, Arrivals


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(governor_module, "clock_now", fake)
    return fake


def make(endpoint: str, name: str, limits: Limits | None = None) -> Governor:
    return Governor(DynamoBudget(mappings_table(endpoint, name)), limits or Limits(headroom=0.0))


def test_never_a_sixth_call_in_flight_under_concurrent_workers(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-inflight", Limits(per_minute=10_000, per_day=100_000, headroom=0.0))
    governor.SLOT_WAIT_SECONDS = 0.1  # wait briefly for a slot, then give up: the test wants to see refusals
    in_flight, peak, denied = 0, 0, 0
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        nonlocal in_flight, peak, denied
        for _ in range(6):
            try:
                permit = governor.acquire("t1")
            except BudgetExhausted:
                with lock:
                    denied += 1
                continue
            except BaseException as exc:
                errors.append(exc)
                return
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.3)  # a Xero call takes a while; the others try meanwhile
            with lock:
                in_flight -= 1
            governor.release(permit)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert 2 <= peak <= 5  # calls overlapped, and never more than Xero's five
    assert denied > 0
    # and deterministically: five held, the sixth waits until one is released
    held = [governor.acquire("t1") for _ in range(5)]
    with pytest.raises(BudgetExhausted) as caught:
        governor.acquire("t1")
    assert "in flight" in str(caught.value)
    governor.release(held.pop())
    held.append(governor.acquire("t1"))
    for permit in held:
        governor.release(permit)


def test_never_a_61st_call_in_a_minute_whatever_the_workers(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-minute")
    taken: list[float] = []
    lock = threading.Lock()

    reasons: list[str] = []

    def worker() -> None:
        attempts = 0
        while attempts < 15:
            try:
                permit = governor.acquire("t1")
            except BudgetExhausted as exc:
                if exc.what != "minute":  # all five slots busy: try again, it is not a minute denial
                    continue
                reasons.append(exc.what)
                attempts += 1
                continue
            attempts += 1
            with lock:
                taken.append(clock.now)
            governor.release(permit)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(taken) == 60  # 90 tried within one frozen instant
    assert len(reasons) == 30
    clock.now += 30
    with pytest.raises(BudgetExhausted) as caught:
        governor.acquire("t1")
    assert 30 <= caught.value.retry_after <= 60  # the first call of the window drops out in 30 s
    clock.now += 31  # counted by whole seconds: room again once the first second has surely left the window
    governor.release(governor.acquire("t1"))


def test_headroom_is_kept_for_the_merchants_other_apps(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-headroom", Limits(headroom=0.1))
    for _ in range(54):
        governor.release(governor.acquire("t1"))
    with pytest.raises(BudgetExhausted):
        governor.acquire("t1")


def test_the_day_budget_and_xeros_own_count(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-day", Limits(per_minute=10_000, per_day=1000, headroom=0.0))
    for _ in range(10):
        governor.release(governor.acquire("t1"))
    # Xero says other apps spent most of today's calls: only 5 are left (headroom 0 here)
    governor.observe("t1", None, 5)
    for _ in range(5):
        governor.release(governor.acquire("t1"))
    with pytest.raises(BudgetExhausted) as caught:
        governor.acquire("t1")
    assert caught.value.what == "day"


def test_a_429_stops_the_tenant_for_its_retry_after(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-429")
    governor.rate_limited("t1", "minute", 20)
    with pytest.raises(BudgetExhausted):
        governor.acquire("t1")
    clock.now += 21
    governor.release(governor.acquire("t1"))
    governor.rate_limited("t1", "day", 3600)
    with pytest.raises(BudgetExhausted) as caught:
        governor.acquire("t1")
    assert caught.value.what == "day" and caught.value.retry_after > 3000


def test_low_remaining_minute_quota_reported_by_xero_is_respected(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-observe", Limits(headroom=0.0))
    governor.observe("t1", 3, None)  # another app used most of Xero's current minute (headroom 0 here)
    for _ in range(3):
        governor.release(governor.acquire("t1"))
    with pytest.raises(BudgetExhausted):
        governor.acquire("t1")


def test_tenants_have_their_own_budgets(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-tenants", Limits(per_minute=2, headroom=0.0))
    for tenant in ("a", "b"):
        governor.release(governor.acquire(tenant))
        governor.release(governor.acquire(tenant))
    with pytest.raises(BudgetExhausted):
        governor.acquire("a")


def test_a_limit_set_too_high_defers_to_xeros_count_without_stalling(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-toohigh", Limits(per_minute=100_000, headroom=0.1))
    governor.observe("t1", 40, None)  # Xero's real minute has 40 calls left
    for _ in range(36):  # 40 less a tenth kept for other apps
        governor.release(governor.acquire("t1"))
    with pytest.raises(BudgetExhausted):
        governor.acquire("t1")


def test_pressure_is_the_share_of_the_usable_minute_spent_and_reads_take_nothing(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-pressure", Limits(per_minute=60, headroom=0.1))  # 54 usable
    assert governor.pressure("t1") == 0.0
    for _ in range(27):
        governor.release(governor.acquire("t1"))
    assert governor.pressure("t1") == pytest.approx(0.5)
    assert governor.pressure("t1") == pytest.approx(0.5)  # reading it took no call from the budget
    clock.now += 30
    governor.observe("t1", minute_remaining=10, day_remaining=None)  # other apps spent most of Xero's minute
    assert governor.pressure("t1") >= 0.8
    clock.now += 61  # the window slides past every call
    assert governor.pressure("t1") == 0.0


def test_a_queues_arrivals_are_a_rate_over_their_window_apart_from_other_queues_and_the_budget(
    endpoint: str, clock: Clock
) -> None:
    governor = make(endpoint, "gov-arrivals", Limits(per_minute=60, headroom=0.1))
    assert governor.arrivals("t1", "orders", 5, window=30.0) == Arrivals(5, 1, 30.0)  # 10 a minute, in one second
    clock.now += 10
    assert governor.arrivals("t1", "orders", 10, window=30.0).per_minute == 30.0
    assert governor.arrivals("t1", "orders", 0, window=30.0) == Arrivals(15, 2, 30.0)
    assert governor.arrivals("t1", "contacts", 1, window=30.0).per_minute == 2.0  # each queue its own log
    assert governor.arrivals("t2", "orders", 1, window=30.0).per_minute == 2.0  # each organisation too
    clock.now += 20  # the first 5 have left the window
    assert governor.arrivals("t1", "orders", 0, window=30.0) == Arrivals(10, 1, 30.0)
    assert governor.pressure("t1") == 0.0  # arrivals are not calls: nothing taken from the minute

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(governor.arrivals("t1", "burst", 1, window=30.0).records))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 9))  # concurrent logs: none lost, none twice


def test_a_queue_stays_busy_for_a_while_after_its_arrivals_last_flowed(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-flow", Limits(per_minute=60, headroom=0.1))
    for _ in range(FLOW_SECONDS):  # two a second for FLOW_SECONDS seconds: 40 a minute
        arrivals = governor.arrivals("t1", "orders", 2)
        clock.now += 1
    assert arrivals.flowing and arrivals.busy and arrivals.since_flow == 0.0
    clock.now += 40  # the held orders are applied: no small batch, no arrival logged
    after = governor.arrivals("t1", "orders", 1)
    assert not after.flowing and after.busy and after.since_flow == pytest.approx(41.0)
    clock.now += BUSY_MEMORY
    assert not governor.arrivals("t1", "orders", 1).busy  # quiet again


def test_a_pile_is_not_a_flow(endpoint: str, clock: Clock) -> None:
    governor = make(endpoint, "gov-pile", Limits(per_minute=60, headroom=0.1))
    for _ in range(3):  # 60 in three seconds: 120 a minute, but at once
        pile = governor.arrivals("t1", "orders", 20)
        clock.now += 1
    assert pile.per_minute == 120.0 and not pile.busy
