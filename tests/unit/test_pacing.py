"""Adaptive batching (xerosync.xero.pacing): which batches wait on their queue, and until when."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from xerosync.xero.pacing import (
    ARRIVALS_WINDOW,
    BUSY_FROM,
    BUSY_MEMORY,
    BUSY_TICK,
    FLOW_SECONDS,
    FULL_BATCH,
    HOLD_FROM,
    TICKS,
    Arrivals,
    hold_seconds,
    tick,
)

NOW = 1_795_000_003.0  # 3 s past a multiple of every tick


def flow(per_minute: float) -> Arrivals:
    """First deliveries at ``per_minute`` spread over the whole window."""
    records = round(per_minute * ARRIVALS_WINDOW / 60)
    return Arrivals(records, min(records, int(ARRIVALS_WINDOW)))


REAL_TIME = flow(20)  # one order every 3 s


def test_a_quiet_minute_never_holds_a_real_time_store() -> None:
    assert tick(0.0, REAL_TIME) == 0.0 and tick(HOLD_FROM - 0.01, REAL_TIME) == 0.0
    assert hold_seconds(HOLD_FROM - 0.01, 1, True, NOW, REAL_TIME) == 0.0


def test_under_pressure_the_tick_is_the_shortest_in_which_another_order_is_due() -> None:
    assert tick(HOLD_FROM, REAL_TIME) == tick(3.0, REAL_TIME) == TICKS[0]  # a real-time store: 4 s at most
    assert tick(1.0, flow(10)) == TICKS[1] and tick(1.0, flow(4)) == TICKS[2]
    assert tick(1.0, flow(16)) == TICKS[0] and tick(1.0, flow(14)) == TICKS[1]


def test_a_hold_nobody_would_join_is_not_made_however_spent_the_minute() -> None:
    # two orders a minute: the longest tick would gather about half an order
    assert tick(1.0, flow(2)) == 0.0 and hold_seconds(3.0, 1, True, NOW, flow(2)) == 0.0
    assert tick(1.0, Arrivals(2, 2)) == TICKS[-1] and tick(1.0, Arrivals(1, 1)) == 0.0  # 4 and 2 a minute


def test_a_small_first_delivery_waits_to_the_next_boundary_so_held_batches_come_back_together() -> None:
    assert hold_seconds(1.0, 1, True, NOW, flow(4)) == TICKS[-1] - 3.0
    assert hold_seconds(1.0, 3, True, NOW + 5.0, flow(4)) == TICKS[-1] - 8.0  # held later in the tick: the same moment


def test_a_busy_queue_holds_its_small_batches_for_the_busy_tick_whatever_the_pressure() -> None:
    assert flow(BUSY_FROM).busy and not flow(BUSY_FROM - 2).busy
    assert tick(0.0, flow(BUSY_FROM)) == tick(1.0, flow(2 * BUSY_FROM - 2)) == BUSY_TICK
    assert tick(0.0, flow(2 * BUSY_FROM)) == tick(1.0, flow(500)) == 2 * BUSY_TICK  # twice as busy: twice as long
    assert hold_seconds(0.0, 3, True, NOW, flow(BUSY_FROM)) == BUSY_TICK - 3.0
    assert all(BUSY_TICK % t == 0 for t in TICKS)  # a busy hold's boundary is every tick's boundary


def test_a_pile_delivered_at_once_is_not_a_busy_queue() -> None:
    pile = Arrivals(records=60, seconds=FLOW_SECONDS - 1)  # 120 a minute, in a few seconds
    assert not pile.busy
    assert tick(0.0, pile) == 0.0  # nothing is due to join it: applied at once
    assert tick(HOLD_FROM, pile) == TICKS[0]  # the minute nearly spent: the shortest hold
    assert Arrivals(records=60, seconds=FLOW_SECONDS).busy


def test_a_busy_queue_stays_busy_through_the_lull_of_its_held_orders_being_applied() -> None:
    lull = Arrivals(records=2, seconds=1, since_flow=BUSY_MEMORY)
    assert lull.busy and tick(0.0, lull) == BUSY_TICK
    over = Arrivals(records=2, seconds=1, since_flow=BUSY_MEMORY + 1)
    assert not over.busy and tick(0.0, over) == 0.0
    assert Arrivals.of({1: 3, 2: 0, 5: 1}) == Arrivals(4, 2)


def test_a_real_time_store_is_not_held_for_its_arrivals() -> None:
    # one order every 3 s (20 a minute), and the rate just below busy: only the pressure holds
    assert hold_seconds(0.0, 1, True, NOW, REAL_TIME) == 0.0
    assert hold_seconds(HOLD_FROM - 0.01, 2, True, NOW, flow(BUSY_FROM - 2)) == 0.0
    assert hold_seconds(1.0, 1, True, NOW, REAL_TIME) == TICKS[0] - 3.0


def test_full_batches_held_ones_and_empty_ones_go_at_once() -> None:
    assert hold_seconds(1.0, FULL_BATCH, True, NOW, REAL_TIME) == 0.0
    assert hold_seconds(1.0, 1, False, NOW, REAL_TIME) == 0.0  # held once already: applied with whatever joined it
    assert hold_seconds(1.0, 0, True, NOW, REAL_TIME) == 0.0
    assert hold_seconds(1.0, FULL_BATCH, True, NOW, flow(1000)) == 0.0
    assert hold_seconds(1.0, 1, False, NOW, flow(1000)) == 0.0


@given(
    st.floats(0, 5),
    st.integers(0, 300),
    st.booleans(),
    st.floats(1e9, 2e9),
    st.integers(0, 1000),
    st.integers(0, int(ARRIVALS_WINDOW)),
)
def test_no_hold_is_longer_than_the_longest_tick_nor_ends_off_a_boundary(
    pressure: float, records: int, first: bool, now: float, arrived: int, seconds: int
) -> None:
    arrivals = Arrivals(arrived, min(seconds, arrived))
    wait = hold_seconds(pressure, records, first, now, arrivals)
    assert 0.0 <= wait <= max(2 * BUSY_TICK, *TICKS)
    if wait:
        length = tick(pressure, arrivals)
        assert abs(((now + wait) / length) - round((now + wait) / length)) < 1e-6
    for shorter, longer in itertools.pairwise(TICKS):
        assert longer % shorter == 0  # boundaries of a longer tick are boundaries of the shorter ones
