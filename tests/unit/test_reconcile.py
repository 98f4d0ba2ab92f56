"""The reconciliation's pure parts (watermark arithmetic, what needs syncing, decided on the
domain) and whole runs against in-memory ports, the store read through the WooCommerce adapter
over an in-memory REST API (the adapter's own listings, envelopes and webhook plan are tested in
test_woocommerce_adapter.py)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fake_woo_rest import WOO, FakeRest, woo_store
from tests.fakes import InMemoryMappings
from xerosync import reconcile
from xerosync.config import StoreSettings, parse_settings
from xerosync.domain import Product, Sale
from xerosync.envelopes import Message
from xerosync.reconcile import advance, iso, order_reason, product_reason, stale
from xerosync.sources.port import Found, Kind
from xerosync.sources.woocommerce.subscriptions import wanted_topics
from xerosync.sync.ports import Mapping

T0 = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)
URL = "https://hooks.example/webhooks/woocommerce"
SETTINGS = StoreSettings()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def gmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# --- watermark arithmetic ---------------------------------------------------------------------
def test_the_watermark_moves_past_everything_handled() -> None:
    assert advance(T0, [at(5), at(30), at(12)], []) == at(30)


def test_the_watermark_stops_a_second_before_the_first_record_not_enqueued() -> None:
    # modified_after excludes its bound and compares whole seconds: the record is listed again
    assert advance(T0, [at(5), at(50)], [at(40.7), at(45)]) == at(39)


def test_the_watermark_never_moves_back_and_stays_without_records() -> None:
    assert advance(at(100), [at(5)], []) == at(100)
    assert advance(at(100), [], [at(50)]) == at(100)
    assert advance(at(100), [], []) == at(100)


def test_stale_compares_the_store_state_with_the_one_synced() -> None:
    synced = Mapping("order:1", "x", source_modified="2026-11-21T09:00:00+00:00")
    assert not stale(synced, "2026-11-21T09:00:00")
    assert stale(synced, "2026-11-21T09:00:01")
    assert not stale(synced, "2026-11-21T08:59:59")
    assert stale(None, "2026-11-21T09:00:00")
    assert stale(Mapping("order:1", "x"), "2026-11-21T09:00:00")  # nothing recorded: sync it


# --- what needs syncing -------------------------------------------------------------------------
def order(
    order_id: int = 1, status: str = "processing", modified: datetime = T0, total: str = "10.00"
) -> dict[str, Any]:
    """An order as WooCommerce's REST API lists it (paid, as a processing order is)."""
    return {
        "id": order_id,
        "number": str(order_id),
        "status": status,
        "currency": "AUD",
        "total": total,
        "total_tax": "0.00",
        "date_created": gmt(T0 - timedelta(days=1)),
        "date_created_gmt": gmt(T0 - timedelta(days=1)),
        "date_modified_gmt": gmt(modified),
        "date_paid_gmt": gmt(T0 - timedelta(days=1)),
    }


def found(kind: Kind, record: dict[str, Any]) -> Found:
    """``record`` as the adapter finds it in the store."""
    rest = FakeRest()
    rest.data[{"order": "orders", "product": "products", "customer": "customers"}[kind]] = [record]
    return woo_store(rest).fetch(kind, str(record["id"]))


def why(kind: Kind, record: dict[str, Any], known: Mapping | None, settings: StoreSettings = SETTINGS) -> str | None:
    return reconcile.reason(found(kind, record), known, settings, WOO)


@pytest.mark.parametrize(
    ("record", "known", "expected"),
    [
        (order(), None, "missing"),
        (order(status="checkout-draft"), None, None),  # never synced
        (order(status="pending"), None, None),  # the sync would skip it (settings)
        (order(total="0.00"), None, None),  # zero totals are not invoiced by default
        (order(status="cancelled"), None, None),  # never invoiced: nothing to cancel
        (order(status="cancelled"), Mapping("order:1", "inv"), "cancelled"),
        (order(status="cancelled"), Mapping("order:1", "inv", data={"state": "voided"}), None),
        (order(status="trash"), Mapping("order:1", "inv"), "trashed"),
        (order(status="trash"), None, None),  # never invoiced: nothing to take off the books
        (order(modified=at(60)), Mapping("order:1", "inv", source_modified=gmt(T0)), "stale"),
        (order(), Mapping("order:1", "inv", source_modified=gmt(T0)), None),
    ],
)
def test_which_orders_need_syncing(record: dict[str, Any], known: Mapping | None, expected: str | None) -> None:
    assert why("order", record, known) == expected


def test_orders_are_decided_on_the_domain_sale_by_the_sync_policy() -> None:
    sale = WOO.read("order", order(status="on-hold"), SETTINGS)
    assert isinstance(sale, Sale) and sale.lifecycle == "awaiting_payment"
    assert order_reason(sale, None, SETTINGS) == "missing"  # invoiced as DRAFT by default
    assert order_reason(sale, None, parse_settings("invoice_status: {awaiting_payment: skip}")) is None
    # the adapter's own section says where a status stands
    unconfirmed = parse_settings("store: {order_statuses: {on-hold: unconfirmed}}")
    assert why("order", order(status="on-hold"), None, unconfirmed) is None


def test_nothing_is_enqueued_for_an_entity_whose_sync_is_off() -> None:
    off = parse_settings("sync: {orders: false, products: false, customers: false}")
    assert why("order", order(), None, off) is None
    assert why("order", order(status="trash"), Mapping("order:1", "inv"), off) is None
    assert why("product", {"id": 3, "sku": "A", "type": "simple"}, None, off) is None
    assert why("customer", {"id": 3}, None, off) is None
    assert reconcile.synced_kinds(off) == set()


def test_products_without_an_item_are_not_enqueued() -> None:
    assert why("product", {"id": 3, "sku": "", "type": "simple"}, None) is None
    assert why("product", {"id": 3, "sku": "A", "type": "variable"}, None) is None
    assert why("product", {"id": 3, "sku": "A", "type": "simple", "status": "trash"}, None) is None
    assert why("product", {"id": 3, "sku": "A", "type": "variation"}, None) == "missing"
    mug = Product("product:3", "A", "A", "A", None)
    synced = Mapping("product:3", "i", source_modified=gmt(T0))
    assert product_reason(mug, synced, SETTINGS, at(1)) == "stale"
    assert product_reason(mug, synced, SETTINGS, T0) is None


def test_customers_are_missing_or_stale_by_their_modification_time() -> None:
    customer = {"id": 8, "date_created_gmt": gmt(T0 - timedelta(days=9)), "date_modified_gmt": gmt(at(60))}
    assert why("customer", customer, None) == "missing"
    assert why("customer", customer, Mapping("customer:8", "c", source_modified=gmt(T0))) == "stale"
    assert why("customer", customer, Mapping("customer:8", "c", source_modified=gmt(at(60)))) is None


# --- whole runs ---------------------------------------------------------------------------------
class FakeQueues:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.sent: list[Message] = []
        self.refuse = refuse or set()

    def __call__(self, messages: list[Message]) -> set[str]:
        self.sent += [m for m in messages if m.key not in self.refuse]
        return {m.key for m in messages if m.key in self.refuse}


def hook(hook_id: int, topic: str, status: str = "active", url: str = URL, created: datetime = T0) -> dict[str, Any]:
    return {"id": hook_id, "topic": topic, "status": status, "delivery_url": url, "date_created_gmt": gmt(created)}


def installed_store() -> FakeRest:
    store = FakeRest()
    for n, topic in enumerate(wanted_topics(reconcile.synced_kinds(SETTINGS)), start=1):
        store.hooks.append(hook(n, topic, created=T0))
    return store


def run(
    store: FakeRest,
    send: FakeQueues,
    mappings: InMemoryMappings,
    state: dict[str, Any],
    now: datetime,
    settings: StoreSettings = SETTINGS,
    deadline: Callable[[], bool] = lambda: False,
) -> Any:
    return reconcile.run(
        store=woo_store(store),
        source=WOO,
        send=send,
        mappings=mappings,
        settings=settings,
        webhook_url=URL,
        webhook_secret=lambda: "s3cret",
        state=state,
        now=now,
        deadline=deadline,
    )


def test_the_first_run_starts_at_install_and_enqueues_no_history() -> None:
    store = installed_store()
    store.data["orders"] = [order(1, modified=T0 - timedelta(days=30)), order(2, modified=T0 - timedelta(days=1))]
    store.data["customers"] = [{"id": 7, "date_created_gmt": gmt(T0 - timedelta(days=3)), "date_modified_gmt": ""}]
    send, state = FakeQueues(), {}
    report = run(store, send, InMemoryMappings(), state, at(7200))
    assert report.initialised and state["installed_at"] == gmt(T0)  # the first webhook's creation
    assert send.sent == [] and report.enqueued == []


def test_missed_records_are_enqueued_and_the_in_step_ones_are_not() -> None:
    store = installed_store()
    mappings = InMemoryMappings()
    mappings.put(Mapping("order:2", "inv-2", source_modified=gmt(at(20))))
    store.data["orders"] = [order(1, modified=at(10)), order(2, modified=at(20)), order(3, modified=at(30))]
    store.data["products"] = [
        {"id": 50, "sku": "TEE", "type": "variable", "date_modified_gmt": gmt(T0 - timedelta(days=9))},
    ]
    store.data["products/50/variations"] = [
        {"id": 51, "sku": "TEE-M", "type": "variation", "date_modified_gmt": gmt(at(40))}
    ]
    store.data["customers"] = [{"id": 8, "date_created_gmt": gmt(at(15)), "date_modified_gmt": gmt(at(15))}]
    send, state = FakeQueues(), {"watermark": gmt(T0), "installed_at": gmt(T0)}
    report = run(store, send, mappings, state, at(3600))
    assert sorted(m.key for m in send.sent) == ["customer:8", "order:1", "order:3", "product:51"]
    assert report.in_step == 1  # order 2: the mapping has that very state
    assert state["watermark"] == gmt(at(40))
    assert "products/50/variations" in store.calls  # a variation's change does not touch its product


def test_the_watermark_advances_only_past_what_was_enqueued() -> None:
    store = installed_store()
    store.data["orders"] = [order(n, modified=at(10 * n)) for n in range(1, 6)]
    send, state = FakeQueues(refuse={"order:3"}), {"watermark": gmt(T0), "installed_at": gmt(T0)}
    report = run(store, send, InMemoryMappings(), state, at(3600))
    assert report.not_sent == ["order:3"]
    assert state["watermark"] == gmt(at(29))  # a second before order 3
    # the next run lists order 3 again (and the later ones, found in step or enqueued again)
    send = FakeQueues()
    run(store, send, InMemoryMappings(), state, at(3700))
    assert "order:3" in {m.key for m in send.sent}
    assert state["watermark"] == gmt(at(50))


def test_a_run_that_runs_out_of_time_keeps_its_watermark() -> None:
    store = installed_store()
    store.data["orders"] = [order(n, modified=at(10 * n)) for n in range(1, 6)]
    state: dict[str, Any] = {"watermark": gmt(T0), "installed_at": gmt(T0)}
    calls = iter(range(100))
    report = run(store, FakeQueues(), InMemoryMappings(), state, at(3600), deadline=lambda: next(calls) >= 2)
    assert not report.complete
    assert state["watermark"] == gmt(T0)  # records it never listed may be older than those it did


def test_at_most_max_records_are_enqueued_per_run() -> None:
    settings = parse_settings("reconcile: {max_records: 2}")
    store = installed_store()
    store.data["orders"] = [order(n, modified=at(10 * n)) for n in range(1, 6)]
    send, state = FakeQueues(), {"watermark": gmt(T0), "installed_at": gmt(T0)}
    run(store, send, InMemoryMappings(), state, at(3600), settings)
    assert [m.key for m in send.sent] == ["order:1", "order:2"]
    assert state["watermark"] == gmt(at(29))


def test_a_disabled_webhook_is_reenabled_and_a_missing_one_created() -> None:
    store = installed_store()
    store.hooks[0]["status"] = "disabled"
    gone = store.hooks.pop()
    state: dict[str, Any] = {"watermark": gmt(T0), "installed_at": gmt(T0)}
    report = run(store, FakeQueues(), InMemoryMappings(), state, at(3600))
    actions = {a.topic: a.action for a in report.webhooks}
    assert actions[store.hooks[0]["topic"]] == "reenable" and store.hooks[0]["status"] == "active"
    assert actions[gone["topic"]] == "create"
    recreated = [h for h in store.hooks if h["topic"] == gone["topic"]]
    assert recreated and recreated[0]["delivery_url"] == URL and recreated[0]["secret"] == "s3cret"
    assert str(store.hooks[0]["id"]) in state["reenabled"]


def test_one_webhook_the_store_refuses_does_not_stop_the_rest() -> None:
    store = installed_store()
    first, second = store.hooks.pop(0), store.hooks.pop(0)
    store.fail_create = {first["topic"]}
    state: dict[str, Any] = {"watermark": gmt(T0), "installed_at": gmt(T0)}
    report = run(store, FakeQueues(), InMemoryMappings(), state, at(3600))
    actions = {a.topic: a for a in report.webhooks}
    assert actions[first["topic"]].action == "failed" and "refused" in actions[first["topic"]].detail
    assert actions[second["topic"]].action == "create"


def test_changed_customers_are_found_by_the_daily_sweep_only_once_a_day() -> None:
    store = installed_store()
    mappings = InMemoryMappings()
    mappings.put(Mapping("customer:5", "c5", source_modified=gmt(T0 - timedelta(days=5))))
    mappings.put(Mapping("customer:6", "c6", source_modified=gmt(at(100))))
    store.data["customers"] = [
        # registered long ago, changed after install: not in the registration listing
        {"id": 5, "date_created_gmt": gmt(T0 - timedelta(days=90)), "date_modified_gmt": gmt(at(100))},
        {"id": 6, "date_created_gmt": gmt(T0 - timedelta(days=90)), "date_modified_gmt": gmt(at(100))},
        {"id": 9, "date_created_gmt": gmt(T0 - timedelta(days=90)), "date_modified_gmt": gmt(T0 - timedelta(days=9))},
    ]
    send, state = FakeQueues(), {"watermark": gmt(at(50)), "installed_at": gmt(T0)}
    report = run(store, send, mappings, state, at(3600))
    assert [m.key for m in send.sent] == ["customer:5"]  # 6 is in step, 9 unchanged since install
    assert report.customers_swept
    mappings.put(Mapping("customer:5", "c5", source_modified=gmt(at(100))))  # the sync applied it
    send = FakeQueues()
    store.data["customers"][2]["date_modified_gmt"] = gmt(at(4000))
    assert not run(store, send, mappings, state, at(7200)).customers_swept  # within the day: no sweep
    assert send.sent == []
    assert run(store, send, mappings, state, at(3600 + 86400)).customers_swept
    assert [m.key for m in send.sent] == ["customer:9"]


def test_the_sweep_waits_when_sqs_refuses() -> None:
    store = installed_store()
    store.data["customers"] = [
        {"id": 5, "date_created_gmt": gmt(T0 - timedelta(days=90)), "date_modified_gmt": gmt(at(100))}
    ]
    state: dict[str, Any] = {"watermark": gmt(at(500)), "installed_at": gmt(T0)}
    run(store, FakeQueues(refuse={"customer:5"}), InMemoryMappings(), state, at(3600))
    assert "customers_swept_at" not in state  # swept again next run
    assert iso(datetime.fromisoformat(state["customers_mark"]).replace(tzinfo=UTC)) < gmt(at(100))


def test_a_listing_the_store_breaks_off_keeps_the_watermark_and_enqueues_what_it_listed() -> None:
    store = installed_store()
    store.data["orders"] = [order(1, modified=at(10))]
    store.fail_listing = {"products"}
    state: dict[str, Any] = {"watermark": gmt(T0), "installed_at": gmt(T0)}
    send = FakeQueues()
    report = run(store, send, InMemoryMappings(), state, at(3600))
    assert not report.complete and any("listing the store failed" in e for e in report.errors)
    assert [m.key for m in send.sent] == ["order:1"]  # listed before the failure
    assert state["watermark"] == gmt(T0)  # what it never listed may be older than what it did


class ListsCustomerChanges:
    """A store whose API lists customers by their changes: the main listing finds them all."""

    lists_customer_changes = True

    def __getattr__(self, name: str) -> Any:
        return getattr(WOO, name)


def test_no_customer_sweep_for_a_store_that_lists_customer_changes() -> None:
    store = installed_store()
    store.data["customers"] = [
        {"id": 5, "date_created_gmt": gmt(T0 - timedelta(days=90)), "date_modified_gmt": gmt(at(100))}
    ]
    state: dict[str, Any] = {"watermark": gmt(at(50)), "installed_at": gmt(T0)}
    report = reconcile.run(
        store=woo_store(store),
        source=ListsCustomerChanges(),  # type: ignore[arg-type]
        send=FakeQueues(),
        mappings=InMemoryMappings(),
        settings=SETTINGS,
        webhook_url=URL,
        webhook_secret=lambda: "s3cret",
        state=state,
        now=at(3600),
    )
    assert not report.customers_swept and "customers (sweep)" not in report.listed
