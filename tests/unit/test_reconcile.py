"""The reconciliation's pure parts (watermark arithmetic, what needs syncing, the webhook repair
plan, the queue envelope) and a whole run against in-memory ports."""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.woo import delivery, wp_json_encode
from tests.fakes import InMemoryMappings
from xerosync import reconcile, store_webhooks
from xerosync.config import StoreSettings, parse_settings
from xerosync.envelopes import Message, store_message
from xerosync.events import parse_envelope
from xerosync.reconcile import advance, iso, order_reason, product_reason, stale
from xerosync.sync.ports import Mapping
from xerosync.webhooks import decide_woocommerce

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
    return {"id": order_id, "status": status, "total": total, "date_modified_gmt": gmt(modified)}


@pytest.mark.parametrize(
    ("record", "known", "why"),
    [
        (order(), None, "missing"),
        (order(status="checkout-draft"), None, None),  # never synced
        (order(status="pending"), None, None),  # the sync would skip it (settings)
        (order(total="0.00"), None, None),  # zero totals are not invoiced by default
        (order(status="cancelled"), None, None),  # never invoiced: nothing to cancel
        (order(status="cancelled"), Mapping("order:1", "inv"), "cancelled"),
        (order(status="cancelled"), Mapping("order:1", "inv", data={"state": "voided"}), None),
        (order(status="trash"), Mapping("order:1", "inv"), "trashed"),
        (order(modified=at(60)), Mapping("order:1", "inv", source_modified=gmt(T0)), "stale"),
        (order(), Mapping("order:1", "inv", source_modified=gmt(T0)), None),
    ],
)
def test_which_orders_need_syncing(record: dict[str, Any], known: Mapping | None, why: str | None) -> None:
    assert order_reason(record, known, SETTINGS) == why


def test_nothing_is_enqueued_for_an_entity_whose_sync_is_off() -> None:
    off = parse_settings("sync: {orders: false, products: false, customers: false}")
    assert order_reason(order(), None, off) is None
    assert product_reason({"id": 3, "sku": "A", "type": "simple"}, None, off) is None
    assert reconcile.customer_reason({"id": 3}, None, off) is None


def test_products_without_an_item_are_not_enqueued() -> None:
    assert product_reason({"id": 3, "sku": "", "type": "simple"}, None, SETTINGS) is None
    assert product_reason({"id": 3, "sku": "A", "type": "variable"}, None, SETTINGS) is None
    assert product_reason({"id": 3, "sku": "A", "type": "simple", "status": "trash"}, None, SETTINGS) is None
    assert product_reason({"id": 3, "sku": "A", "type": "variation"}, None, SETTINGS) == "missing"


# --- the queue envelope -------------------------------------------------------------------------
def test_a_record_read_back_is_enqueued_exactly_as_its_webhook_would_be() -> None:
    # the same state, read from the REST API or delivered by webhook, is the same event
    record = {"id": 1001, "status": "processing", "date_modified_gmt": "2026-11-21T09:00:00", "note": "a/b é"}
    message = store_message("order", record, store_url="https://shop.example/", origin="reconcile")
    assert message is not None
    webhook = delivery("order.updated", record, "s3cret", store_url="https://shop.example/")
    headers = {k.lower(): v for k, v in webhook.headers.items()}
    decided = decide_woocommerce(headers, webhook.body, lambda: "s3cret")
    assert decided.enqueue is not None
    ours, theirs = json.loads(message.body), json.loads(decided.enqueue.body)
    for field in ("v", "source", "store", "topic", "resource", "event", "id", "modified", "sha256", "payload"):
        assert ours[field] == theirs[field], field
    assert ours["delivery_id"] == "reconcile"  # where it came from; never part of its identity
    assert parse_envelope(message.body).identity() == parse_envelope(decided.enqueue.body).identity()
    assert message.queue == "orders" and message.key == "order:1001"


def test_drafts_are_not_enqueued_and_a_trashed_order_is_a_deletion() -> None:
    assert store_message("order", {"id": 5, "status": "checkout-draft"}, store_url="", origin="x") is None
    trashed = store_message("order", {"id": 5, "status": "trash"}, store_url="", origin="x")
    assert trashed is not None
    body = json.loads(trashed.body)
    assert (body["topic"], body["payload"]) == ("order.deleted", '{"id":5}')
    assert body["sha256"] == hashlib.sha256(wp_json_encode({"id": 5})).hexdigest()
    variation = store_message("variation", {"id": 9, "type": "variation"}, store_url="", origin="x")
    assert variation is not None and (variation.queue, variation.key) == ("items", "product:9")


# --- the store's webhooks -----------------------------------------------------------------------
def hook(hook_id: int, topic: str, status: str = "active", url: str = URL, created: datetime = T0) -> dict[str, Any]:
    return {"id": hook_id, "topic": topic, "status": status, "delivery_url": url, "date_created_gmt": gmt(created)}


def test_the_plan_creates_the_missing_reenables_the_disabled_and_leaves_the_paused() -> None:
    hooks = [
        hook(1, "order.created", "disabled"),
        hook(2, "order.updated", "paused"),
        hook(3, "customer.created"),
        hook(4, "order.deleted", url="https://elsewhere.example/hook"),  # not ours: never touched
    ]
    topics = ["order.created", "order.updated", "order.deleted", "customer.created"]
    plan = {a.topic: a for a in store_webhooks.plan(hooks, URL, topics, {}, T0)}
    assert (plan["order.created"].action, plan["order.created"].webhook_id) == ("reenable", 1)
    assert plan["order.updated"].action == "paused"
    assert (plan["order.deleted"].action, plan["order.deleted"].webhook_id) == ("create", None)
    assert plan["customer.created"].action == "ok"


def test_a_webhook_disabled_again_within_a_day_of_its_reenabling_is_replaced() -> None:
    hooks = [hook(1, "order.created", "disabled")]
    recent = {"1": (T0 - timedelta(hours=2)).isoformat()}
    assert store_webhooks.plan(hooks, URL, ["order.created"], recent, T0)[0].action == "replace"
    old = {"1": (T0 - timedelta(hours=30)).isoformat()}
    assert store_webhooks.plan(hooks, URL, ["order.created"], old, T0)[0].action == "reenable"


class FakeStore:
    """The store's REST API as the reconciliation reads it: listings filtered and ordered like
    WooCommerce's (modified_after excludes its bound, whole seconds), and its webhooks."""

    def __init__(self) -> None:
        self.data: dict[str, list[dict[str, Any]]] = {"orders": [], "products": [], "customers": []}
        self.hooks: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.fail_create: set[str] = set()

    def records(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.calls.append(resource)
        rows = list(self.data.get(resource, []))
        if params.get("modified_after"):
            bound = params["modified_after"]
            rows = [r for r in rows if r.get("date_modified_gmt", "")[:19] > bound]
        if resource == "orders":
            status = params.get("status", "any")
            rows = [r for r in rows if (r["status"] == "trash") == (status == "trash")]
        if params.get("type"):
            rows = [r for r in rows if r.get("type") == params["type"]]
        if params.get("orderby") == "registered_date":
            rows.sort(key=lambda r: r["date_created_gmt"], reverse=True)
        else:
            rows.sort(key=lambda r: int(r["id"]))
        yield from rows

    def webhooks(self) -> list[dict[str, Any]]:
        return [dict(h) for h in self.hooks]

    def create_webhook(self, fields: dict[str, Any]) -> dict[str, Any]:
        if fields["topic"] in self.fail_create:
            raise RuntimeError("the store refused it")
        made = {**fields, "id": 100 + len(self.hooks), "date_created_gmt": gmt(at(3600))}
        self.hooks.append(made)
        return made

    def update_webhook(self, webhook_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        found = next(h for h in self.hooks if h["id"] == webhook_id)
        found.update(fields)
        return found

    def delete_webhook(self, webhook_id: int) -> None:
        self.hooks = [h for h in self.hooks if h["id"] != webhook_id]


class FakeQueues:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.sent: list[Message] = []
        self.refuse = refuse or set()

    def __call__(self, messages: list[Message]) -> set[str]:
        self.sent += [m for m in messages if m.key not in self.refuse]
        return {m.key for m in messages if m.key in self.refuse}


def installed_store() -> FakeStore:
    store = FakeStore()
    for n, topic in enumerate(store_webhooks.wanted_topics(SETTINGS), start=1):
        store.hooks.append(hook(n, topic, created=T0))
    return store


def run(store: FakeStore, send: FakeQueues, mappings: InMemoryMappings, state: dict[str, Any], now: datetime) -> Any:
    return reconcile.run(
        store=store,
        send=send,
        mappings=mappings,
        settings=SETTINGS,
        store_url="https://shop.example/",
        webhook_url=URL,
        webhook_secret=lambda: "s3cret",
        state=state,
        now=now,
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
    report = reconcile.run(
        store=store,
        send=FakeQueues(),
        mappings=InMemoryMappings(),
        settings=SETTINGS,
        store_url="",
        webhook_url=URL,
        webhook_secret=lambda: "s3cret",
        state=state,
        now=at(3600),
        deadline=lambda: next(calls) >= 2,
    )
    assert not report.complete
    assert state["watermark"] == gmt(T0)  # records it never listed may be older than those it did


def test_at_most_max_records_are_enqueued_per_run() -> None:
    settings = parse_settings("reconcile: {max_records: 2}")
    store = installed_store()
    store.data["orders"] = [order(n, modified=at(10 * n)) for n in range(1, 6)]
    send, state = FakeQueues(), {"watermark": gmt(T0), "installed_at": gmt(T0)}
    reconcile.run(
        store=store,
        send=send,
        mappings=InMemoryMappings(),
        settings=settings,
        store_url="",
        webhook_url=URL,
        webhook_secret=lambda: "s",
        state=state,
        now=at(3600),
    )
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
