"""Adaptive batching (xerosync.xero.pacing): which batches wait on their queue, and until when."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from xerosync.xero.pacing import FULL_BATCH, HOLD_FROM, TICKS, hold_seconds, tick

NOW = 1_795_000_003.0  # 3 s past a multiple of every tick


def test_a_quiet_store_never_waits() -> None:
    assert tick(0.0) == 0.0 and tick(HOLD_FROM - 0.01) == 0.0
    assert hold_seconds(HOLD_FROM - 0.01, 1, True, NOW) == 0.0


def test_the_tick_grows_with_the_pressure_up_to_the_longest_once_the_minute_is_spent() -> None:
    assert tick(HOLD_FROM) == TICKS[0]
    assert tick(1.0) == tick(3.0) == TICKS[-1]
    assert sorted({tick(HOLD_FROM + i / 100) for i in range(50)}) == list(TICKS)


def test_a_small_first_delivery_waits_to_the_next_boundary_so_held_batches_come_back_together() -> None:
    assert hold_seconds(1.0, 1, True, NOW) == TICKS[-1] - 3.0
    assert hold_seconds(1.0, 3, True, NOW + 5.0) == TICKS[-1] - 8.0  # held later in the tick: the same moment


def test_full_batches_held_ones_and_empty_ones_go_at_once() -> None:
    assert hold_seconds(1.0, FULL_BATCH, True, NOW) == 0.0
    assert hold_seconds(1.0, 1, False, NOW) == 0.0  # held once already: applied with whatever joined it
    assert hold_seconds(1.0, 0, True, NOW) == 0.0


@given(st.floats(0, 5), st.integers(0, 300), st.booleans(), st.floats(1e9, 2e9))
def test_no_hold_is_longer_than_the_longest_tick_nor_ends_off_a_boundary(
    pressure: float, records: int, first: bool, now: float
) -> None:
    wait = hold_seconds(pressure, records, first, now)
    assert 0.0 <= wait <= TICKS[-1]
    if wait:
        length = tick(pressure)
        assert abs(((now + wait) / length) - round((now + wait) / length)) < 1e-6
    for shorter, longer in itertools.pairwise(TICKS):
        assert longer % shorter == 0  # boundaries of a longer tick are boundaries of the shorter ones
