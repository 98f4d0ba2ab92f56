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
  ``ARRIVALS_WINDOW`` seconds, logged beside the governor's minute: ``Governor.arrivals``). A
  flow of ``BUSY_FROM`` a minute or more (one every 1.5 s, in at least ``FLOW_SECONDS`` of the
  window: not a pile delivered at once), sent one invocation at a time, would cost more than
  the minute has (about 3.6 calls an invocation, an invocation every window's worth of
  orders), so every small batch waits for the ``BUSY_TICK`` (32 s), twice as long from twice
  that rate (64 s: the orders of a tick come back as a few batches, so the longer the tick, the
  fewer calls an order; see bench/README.md). The queue stays busy for ``BUSY_MEMORY`` seconds
  after its arrivals last were a flow (``Arrivals.busy``): while a tick's held orders are
  applied, the pollers hand over those, not new small batches, and the log shows a lull that
  is not one;
* below that, **how much of the organisation's minute is already spent** (``Governor.pressure``,
  what other apps spent included): from ``HOLD_FROM`` of the usable minute a small batch waits
  for the shortest of the ``TICKS`` in which at least one more order is due at the queue's rate.
  A real-time store (one order every 3 s keeps 85-90 % of the minute spent by itself, below
  ``HOLD_FROM``) is held only when more than its own calls spend the minute, and then 4 s at
  the most; a hold nobody would join is not made: a store taking two orders a minute is
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

import math

from xerosync.frozen import frozen

HOLD_FROM = 0.9  # share of the usable minute spent in the last 60 s from which small batches wait
TICKS = (4.0, 8.0, 16.0)  # each a multiple of the one before: holds of different lengths meet
# first deliveries a minute on one queue from which every small batch waits: twice a real-time
# store's 20, so that one whose orders come at random (Poisson) is taken for busy in a few 30 s
# windows in a thousand
BUSY_FROM = 40.0
BUSY_TICK = 32.0  # a multiple of every tick; twice as long from twice BUSY_FROM
ARRIVALS_WINDOW = 30.0  # seconds of first deliveries the arrival rate is measured over
# seconds of that window in which first deliveries came, from which they are a flow: a pile
# delivered at once (webhooks a store held back, a reconciliation's window) came in a few
# seconds, the event source's window already gathered it, and nothing is due to join it
FLOW_SECONDS = 10
BUSY_MEMORY = 64.0  # seconds a queue stays busy after its arrivals last were a flow
FULL_BATCH = 20


@frozen
class Arrivals:
    """A queue's first deliveries over the last ``window`` seconds (``Governor.arrivals``)."""

    records: int
    seconds: int  # how many of the window's seconds had any
    window: float = ARRIVALS_WINDOW
    since_flow: float = math.inf  # seconds since they last were a busy flow (``flowing``)

    @classmethod
    def of(cls, log: dict[int, int], window: float = ARRIVALS_WINDOW, since_flow: float = math.inf) -> "Arrivals":
        """From a log of records per second (only the window's seconds)."""
        return cls(sum(log.values()), sum(1 for n in log.values() if n), window, since_flow)

    @property
    def per_minute(self) -> float:
        return self.records * 60.0 / self.window

    @property
    def flowing(self) -> bool:
        """A flow of ``BUSY_FROM`` a minute or more, not a pile that came at once."""
        return self.per_minute >= BUSY_FROM and self.seconds >= FLOW_SECONDS

    @property
    def busy(self) -> bool:
        """Flowing, or was within ``BUSY_MEMORY`` seconds: while the held orders of a tick are
        applied (seconds, for a hundred of them) the queue's pollers receive them, not new small
        batches, so the log shows a lull that is not one."""
        return self.flowing or self.since_flow <= BUSY_MEMORY


def tick(pressure: float, arrivals: Arrivals) -> float:
    """The tick for this pressure and the queue's arrivals (0: nothing waits)."""
    if arrivals.busy:
        return BUSY_TICK * (2 if arrivals.per_minute >= 2 * BUSY_FROM else 1)
    if pressure < HOLD_FROM:
        return 0.0
    return next((length for length in TICKS if arrivals.per_minute * length / 60.0 >= 1.0), 0.0)


def hold_seconds(pressure: float, records: int, first_delivery: bool, now: float, arrivals: Arrivals) -> float:
    """Seconds until this batch should be applied (0: now): up to the next boundary of the tick
    the pressure and the queue's arrivals ask for, when the batch is small and none of it was
    held before."""
    length = tick(pressure, arrivals)
    if not length or records >= FULL_BATCH or not first_delivery or records == 0:
        return 0.0
    return length - (now % length)
