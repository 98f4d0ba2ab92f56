"""Planning a batch (newest state per record) and sharing claims between its workers."""

import json
import threading
import time

from local.events import envelope
from local.woo import delivery
from tests.fakes import InMemoryMappings
from xerosync.sync.invocation import SharedClaims, plan
from xerosync.sync.ports import Claimed, Mapping


def body(order_id: int, modified: str, note: str = "") -> str:
    payload = {"id": order_id, "status": "processing", "date_modified_gmt": modified, "customer_note": note}
    return json.dumps(envelope(delivery("order.updated", payload, "s")))


def test_several_events_about_one_record_keep_only_the_newest_state() -> None:
    bodies = [
        body(1, "2026-11-21T10:00:05", "b"),
        body(2, "2026-11-21T09:00:00"),
        body(1, "2026-11-21T10:00:00", "a"),
        body(1, "2026-11-21T10:00:05", "b"),
        "not an event",
    ]
    planned = plan(bodies)
    applied = [p.index for p in planned if p.superseded_by is None]
    assert applied == [1, 3, 4]  # order 2, the newest order 1 (the later of two equal states), the bad body
    assert planned[0].superseded_by == 3 and planned[0].same_state  # a duplicate of the newest
    assert planned[2].superseded_by == 3 and not planned[2].same_state  # an older state


def test_workers_needing_the_same_new_record_wait_for_the_first() -> None:
    inner = InMemoryMappings()
    shared = SharedClaims(inner)
    assert shared.claim("customer:9", "first") == Claimed(first=True)  # the first worker will create it
    seen: list[Mapping | Claimed] = []
    waiter = threading.Thread(target=lambda: seen.append(shared.claim("customer:9", "second")))
    waiter.start()
    time.sleep(0.05)
    assert waiter.is_alive()  # waiting for the first, not failing
    shared.put(Mapping("customer:9", "C9"), claim="first")
    waiter.join(2)
    assert seen == [Mapping("customer:9", "C9")]


def test_a_worker_whose_creation_failed_lets_the_next_one_try() -> None:
    inner = InMemoryMappings()
    shared = SharedClaims(inner)
    assert shared.claim("customer:9", "first") == Claimed(first=True)
    result: list[Mapping | Claimed] = []
    waiter = threading.Thread(target=lambda: result.append(shared.claim("customer:9", "second")))
    waiter.start()
    time.sleep(0.05)
    shared.release("customer:9", "first")  # Xero refused the first worker's create
    waiter.join(2)
    # the second worker now holds the claim, knowing the first tried (and may have created it)
    assert result == [Claimed(first=False)]
    assert inner.claims["customer:9"] == "second"
