"""Adaptive batching: how long a small batch of records waits, on its queue, for more to join it.

A sync invocation's Xero calls cost about the same for one record as for a hundred (one contact
lookup, one contact create, one invoice create, one payment create: ``xero.batching``), so a
store taking an order every few seconds spends about three calls an order, and past about 18
orders a minute outruns the organisation's usable 54 calls a minute. The event source's batching
window cannot grow with the load (it is fixed when the stack is deployed, and a long one would
make a quiet store wait for nothing), so the sync gathers more per request another way: an
invocation with a small batch of first deliveries may apply none of them; it makes them visible
again on their queue at the next boundary of a tick (SQS visibility: nothing waits inside
Lambda), and every small batch held during that tick comes back at the same moment, to be
received together. Two things decide the tick:

* **how fast records arrive on the queue** (first deliveries a minute over the last
  ``ARRIVALS_WINDOW`` seconds, logged beside the governor's minute: ``Governor.arrivals``). From
  ``BUSY_FROM`` a minute (one every 1.5 s), sent one invocation at a time they would cost more
  than the minute has (about 3.6 calls an invocation, an invocation every window's worth of
  orders), so every small batch waits for the ``BUSY_TICK`` (32 s), twice as long from twice that rate
  (64 s: the orders of a tick come back as a few batches, so the longer the tick, the fewer calls
  an order; at 100 orders a minute about 0.23, see bench/README.md);
* below that, **how much of the organisation's minute is already spent** (``Governor.pressure``,
  what other apps spent included): from ``HOLD_FROM`` of the usable minute a small batch waits
  for the shortest of the ``TICKS`` in which at least one more order is due at the queue's rate.
  A real-time store (one order every 3 s keeps about 85 % of the minute spent) then waits 4 s at
  the most, and a hold nobody would join is not made: a store taking two orders a minute is
  never held, however busy the merchant's other apps keep the minute. When the minute is spent
  all the same (30-40 orders a minute, or other apps' calls), the governor sends records back
  (``BudgetExhausted``) as before;

and then:

* a record is held once at most (its first delivery): its wait is bounded by the longest tick,
  and a held batch that comes back is applied whatever the pressure, with whatever joined it;
* a batch of ``FULL_BATCH`` records or more already shares its requests well and is never held.

Ticks are on the sync's clock (``xerosync.clock``), so a simulation's faster clock holds for as
long in its own seconds; each is a multiple of the one before, so holds of different lengths meet.
The figures this was tuned on are in bench/README.md ("burst").
"""

HOLD_FROM = 0.8  # share of the usable minute spent in the last 60 s from which small batches wait
TICKS = (4.0, 8.0, 16.0)  # each a multiple of the one before: holds of different lengths meet
# first deliveries a minute on one queue from which every small batch waits: twice a real-time
# store's 20, so that one whose orders come at random (Poisson) is taken for busy in a few 30 s
# windows in a thousand
BUSY_FROM = 40.0
BUSY_TICK = 32.0  # a multiple of every tick; twice as long from twice BUSY_FROM
ARRIVALS_WINDOW = 30.0  # seconds of first deliveries the arrival rate is measured over
FULL_BATCH = 20


def tick(pressure: float, per_minute: float) -> float:
    """The tick for this pressure and the queue's first deliveries a minute (0: nothing waits)."""
    if per_minute >= BUSY_FROM:
        return BUSY_TICK * (2 if per_minute >= 2 * BUSY_FROM else 1)
    if pressure < HOLD_FROM:
        return 0.0
    return next((length for length in TICKS if per_minute * length / 60.0 >= 1.0), 0.0)


def hold_seconds(pressure: float, records: int, first_delivery: bool, now: float, per_minute: float) -> float:
    """Seconds until this batch should be applied (0: now): up to the next boundary of the tick
    the pressure and the queue's arrivals ask for, when the batch is small and none of it was
    held before."""
    length = tick(pressure, per_minute)
    if not length or records >= FULL_BATCH or not first_delivery or records == 0:
        return 0.0
    return length - (now % length)
