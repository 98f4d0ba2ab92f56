"""Planning a batch (newest state per record) and sharing claims between its workers."""

import json
import threading
import time

from local.events import envelope
from local.woo import delivery
from tests.fakes import InMemoryMappings
from xerosync.sync.invocation import SharedClaims, plan
from xerosync.sync.ports import Claimed, ClaimLost, Mapping


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


class CountingMappings(InMemoryMappings):
    """The mapping table, counting its reads (each a DynamoDB request on AWS)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, key: str) -> Mapping | None:
        self.reads.append(key)
        return super().get(key)


def test_a_mapping_is_read_once_an_invocation_found_or_not() -> None:
    inner = CountingMappings()
    inner.items["product:5"] = Mapping("product:5", "I5", xero_number="SKU5")
    shared = SharedClaims(inner)
    for _ in range(3):
        assert shared.get("product:5") == Mapping("product:5", "I5", xero_number="SKU5")
        assert shared.get("product:6") is None  # no item in Xero: not asked again either
    assert inner.reads == ["product:5", "product:6"]


def test_the_invocations_own_writes_are_what_it_reads_next() -> None:
    inner = CountingMappings()
    shared = SharedClaims(inner)
    assert shared.get("order:1") is None
    assert shared.claim("order:1", "c") == Claimed(first=True)
    assert shared.get("order:1") is None  # a pending claim is not a mapping
    shared.put(Mapping("order:1", "INV1"), claim="c")
    assert shared.get("order:1") == Mapping("order:1", "INV1")
    shared.put(Mapping("order:1", "INV1", data={"locked": True}))
    assert shared.get("order:1") == Mapping("order:1", "INV1", data={"locked": True})
    assert inner.reads == ["order:1"]


def test_a_record_read_before_its_lock_is_read_again_under_it() -> None:
    inner = CountingMappings()
    shared = SharedClaims(inner)
    assert shared.get("order:1") is None
    inner.items["order:1"] = Mapping("order:1", "INV1")  # another invocation applied an event meanwhile
    shared.lock("order:1", "t")
    assert shared.get("order:1") == Mapping("order:1", "INV1")
    assert inner.reads == ["order:1", "order:1"]


def test_a_refused_write_or_a_released_claim_is_read_again() -> None:
    inner = CountingMappings()
    shared = SharedClaims(inner)
    assert shared.claim("customer:9", "mine") == Claimed(first=True)
    inner.claims["customer:9"] = "theirs"  # taken over after the lease ran out
    inner.items["customer:9"] = Mapping("customer:9", "C9")
    try:
        shared.put(Mapping("customer:9", "C-mine"), claim="mine")
    except ClaimLost:
        pass
    else:
        raise AssertionError("the put should have been refused")
    assert shared.get("customer:9") == Mapping("customer:9", "C9")  # theirs, read from the table
    assert shared.claim("customer:10", "mine") == Claimed(first=True)
    shared.release("customer:10", "mine")
    inner.items["customer:10"] = Mapping("customer:10", "C10")
    assert shared.get("customer:10") == Mapping("customer:10", "C10")


def test_a_read_overtaken_by_a_write_of_the_same_invocation_is_not_kept() -> None:
    """A worker's read that was answered before another worker's write of the key, but returns
    after it, must not replace what the write left."""
    written = threading.Event()
    reading = threading.Event()

    class SlowRead(CountingMappings):
        def get(self, key: str) -> Mapping | None:
            found = super().get(key)
            reading.set()
            written.wait(2)
            return found

    inner = SlowRead()
    shared = SharedClaims(inner)
    reader = threading.Thread(target=shared.get, args=("customer:9",))
    reader.start()
    reading.wait(2)
    inner.items.pop("customer:9", None)
    shared.put(Mapping("customer:9", "C9"))  # while the read is in flight (it saw nothing)
    written.set()
    reader.join(2)
    assert shared.get("customer:9") == Mapping("customer:9", "C9")
