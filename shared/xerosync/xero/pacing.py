"""Adaptive batching: how long a small batch of records waits, on its queue, for more to join it.

A sync invocation's Xero calls cost about the same for one record as for a hundred (one contact
lookup, one contact create, one invoice create, one payment create: ``xero.batching``), so a
store taking an order every few seconds spends about three calls an order, and past about 18
orders a minute outruns the organisation's usable 54 calls a minute. The event source's batching
window cannot grow with the load (it is fixed when the stack is deployed, and a long one would
make a quiet store wait for nothing), so the sync gathers more per request another way: when the
organisation's minute budget is already well used (``Governor.pressure``), an invocation with a
small batch of first deliveries applies none of them; it makes them visible again on their
queue at the next boundary of a tick (SQS visibility: nothing waits inside Lambda), and every
small batch held during that tick comes back at the same moment, to be received as one batch.

* below ``HOLD_FROM`` of the usable minute, nothing is held: a quiet store's order goes as soon as
  the event source's window (2 s) hands it over;
* from there the tick grows with the pressure, ``TICKS`` seconds, the longest when the minute is
  spent: more orders share each request exactly when calls are scarce;
* a record is held once at most (its first delivery): its wait is bounded by the longest tick,
  and a held batch that comes back is applied whatever the pressure, with whatever joined it;
* a batch of ``FULL_BATCH`` records or more already shares its requests well and is never held.

Ticks are on the sync's clock (``xerosync.clock``), so a simulation's faster clock holds for as
long in its own seconds. The figures this was tuned on are in bench/README.md ("burst").
"""

HOLD_FROM = 0.8  # share of the usable minute spent in the last 60 s from which small batches wait
TICKS = (4.0, 8.0, 16.0)  # each a multiple of the one before: holds of different lengths meet
FULL_BATCH = 20


def tick(pressure: float) -> float:
    """The tick for this pressure (0 below ``HOLD_FROM``): the longest once the minute is spent."""
    if pressure < HOLD_FROM:
        return 0.0
    share = min(1.0, (pressure - HOLD_FROM) / (1.0 - HOLD_FROM))
    return TICKS[min(len(TICKS) - 1, int(share * len(TICKS)))]


def hold_seconds(pressure: float, records: int, first_delivery: bool, now: float) -> float:
    """Seconds until this batch should be applied (0: now): up to the next boundary of the tick
    the pressure asks for, when the batch is small and none of it was held before."""
    length = tick(pressure)
    if not length or records >= FULL_BATCH or not first_delivery or records == 0:
        return 0.0
    return length - (now % length)
