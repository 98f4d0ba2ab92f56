"""The Zoho CRM notification decider: deliveries the simulator really POSTs over HTTP to a small
local receiver standing for ``/webhooks/zoho``, authenticated by the channel's token (401 and
nothing decided otherwise), malformed bodies answered 400, duplicates deduplicated on content."""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.http import QuietHTTPServer, serve
from local.zoho_crm import ZohoCRM as Simulator
from tests.zoho.conftest import NOW, client
from xerosync.events import StoreEvent, parse_envelope
from xerosync.sources.zoho import webhook
from xerosync.sources.zoho.channels import Channel, events_for
from xerosync.webhooks import Decision

TOKEN = "xerosync-zoho-7f3a9c2e4b1d"  # the stack's channel token (a secret)


@dataclass
class Receiver:
    """``POST /webhooks/zoho`` on this machine: every body received and the decision on it."""

    server: QuietHTTPServer
    url: str
    got: list[tuple[bytes, Decision]] = field(default_factory=list)

    @property
    def messages(self) -> list[StoreEvent]:
        return [parse_envelope(m.body) for _, d in self.got for m in d.messages]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    def route(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        decision = webhook.decide(headers, body, lambda: TOKEN, NOW)
        holder[0].got.append((body, decision))
        return decision.status, {"Content-Type": "application/json"}, json.dumps(decision.body).encode()

    server = serve(route, "127.0.0.1", 0, "zoho-receiver")
    holder.append(Receiver(server, f"http://127.0.0.1:{server.server_address[1]}/webhooks/zoho"))
    yield holder[0]
    server.shutdown()
    server.server_close()


def watch(crm: Simulator, receiver: Receiver, token: str, modules: tuple[str, ...] = ("Accounts",)) -> None:
    client(crm).enable_channel(Channel("1105420521999070702", events_for(modules), receiver.url, token))


def test_a_notification_becomes_one_message_per_record_on_its_entity_queue(crm: Simulator, receiver: Receiver) -> None:
    # Given a channel for Accounts delivering to the stack with its token
    watch(crm, receiver, TOKEN)
    # When two accounts are created in the CRM's screens (one API call: one POST with two ids)
    created = crm.user_edit("Accounts", [{"Account_Name": "Zylker"}, {"Account_Name": "Zoho Corp"}])
    assert crm.channels is not None
    crm.channels.drain()
    # Then Zoho's POST was answered 200 and each record is a message for the contacts queue, by reference
    ids = [str(a["details"]["id"]) for a in created]
    [(body, decision)] = receiver.got
    assert decision.status == 200 and [d.status for d in crm.channels.deliveries] == [200]
    assert [m.queue for m in decision.messages] == ["contacts", "contacts"]
    assert [m.group for m in decision.messages] == [f"customer:Accounts:{i}" for i in ids]
    first = receiver.messages[0]
    assert (first.source, first.resource, first.event) == ("zoho", "customer", "created")
    assert first.id == f"Accounts:{ids[0]}"
    assert json.loads(decision.messages[0].body)["store"] == crm.api_domain()
    # named, not carried: the record's id and module, and what the notification said of it (for the
    # source to know xerosync's own write coming back before it reads anything)
    said = json.loads(first.payload or "{}")
    assert said["$partial"] and (said["id"], said["$module"]) == (ids[0], "Accounts")
    assert said["notification"]["operation"] == "insert" and said["notification"]["id"] == ids[0]
    # and the token is in no message and no log
    assert TOKEN.encode() in body
    assert all(TOKEN not in m.body for m in decision.messages) and TOKEN not in json.dumps(decision.log)


@pytest.mark.parametrize("token", ["not-the-stacks-token", None], ids=["wrong", "missing"])
def test_a_delivery_without_the_stacks_token_is_refused_401(
    crm: Simulator, receiver: Receiver, token: str | None
) -> None:
    # Given a channel enabled with another token, or none (enabled straight on the simulator)
    assert crm.channels is not None
    item: dict[str, Any] = {"channel_id": "77", "events": ["Accounts.all"], "notify_url": receiver.url}
    if token:
        item["token"] = token
    crm.channels.enable({"watch": [item]}, crm.now(), replace=False)
    # When an account changes
    crm.user_edit("Accounts", [{"Account_Name": "Zylker"}])
    crm.channels.drain()
    # Then the delivery is answered 401 and nothing is decided
    [(_, decision)] = receiver.got
    assert decision.status == 401 and decision.messages == ()
    assert [d.status for d in crm.channels.deliveries] == [401]


def test_the_secret_is_read_only_for_a_body_carrying_a_token() -> None:
    def secret() -> str:
        raise AssertionError("read")

    assert webhook.decide({}, b'{"module": "Accounts", "ids": ["1"]}', secret, NOW).status == 401


def test_a_stack_without_a_channel_token_accepts_nothing() -> None:
    body = json.dumps({"token": "", "module": "Accounts", "ids": ["1"], "operation": "insert", "server_time": 1})
    assert webhook.decide({}, body.encode(), lambda: "", NOW).status == 401
    body = json.dumps({"token": "x", "module": "Accounts", "ids": ["1"], "operation": "insert", "server_time": 1})
    assert webhook.decide({}, body.encode(), lambda: "", NOW).outcome == "no_channel_token"


GOOD = {
    "server_time": 1788250000123,
    "query_params": {},
    "module": "Invoices",
    "resource_uri": "https://www.zohoapis.eu/crm/v2/Invoices",
    "ids": ["5725767000011400011", "5725767000011400027"],
    "affected_fields": [{"5725767000011400011": ["Status", "Grand_Total"]}, {"5725767000011400027": ["Status"]}],
    "operation": "update",
    "channel_id": "7700000000000001",
    "token": TOKEN,
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ids": []}, "no_ids"),
        ({"ids": "5725767000011400011"}, "no_ids"),
        ({"ids": ["5725767000011400011", "12a"]}, "bad_id"),
        ({"ids": [None]}, "bad_id"),
        ({"ids": [True]}, "bad_id"),
        ({"operation": "upsert"}, "bad_field"),
        ({"operation": None}, "bad_field"),
        ({"module": 7}, "bad_field"),
        ({"server_time": None}, "bad_field"),
        ({"server_time": "1788250000123"}, "bad_field"),
        ({"server_time": 10**20}, "bad_field"),
        ({"affected_fields": {"5725767000011400011": []}}, "bad_field"),
        ({"affected_values": ["Status"]}, "bad_field"),
    ],
)
def test_a_malformed_body_behind_the_token_is_refused_400_with_its_reason(change: dict[str, Any], reason: str) -> None:
    body = json.dumps({**GOOD, **change}).encode()
    decision = webhook.decide({}, body, lambda: TOKEN, NOW)
    assert (decision.status, decision.outcome, decision.messages) == (400, reason, ())
    assert decision.body["message"]


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"[" * 100_000], ids=lambda b: repr(b[:12])
)
def test_a_body_that_is_not_a_json_object_is_refused_400(body: bytes) -> None:
    decision = webhook.decide({}, body, lambda: TOKEN, NOW)
    assert decision.status == 400 and decision.messages == ()


def test_a_token_that_is_not_ascii_is_refused_401_not_500() -> None:
    body = json.dumps({**GOOD, "token": "jeton-été"}).encode()
    assert webhook.decide({}, body, lambda: TOKEN, NOW).status == 401


def test_a_module_xerosync_does_not_sync_is_acknowledged_and_ignored() -> None:
    body = json.dumps({**GOOD, "module": "Deals"}).encode()
    decision = webhook.decide({}, body, lambda: TOKEN, NOW)
    assert (decision.status, decision.outcome, decision.messages) == (200, "not_synced", ())


def test_a_batch_of_invoice_updates_is_one_message_per_invoice_on_the_orders_queue() -> None:
    # shaped like the docs callback sample: two ids, server_time in milliseconds
    body = json.dumps(GOOD).encode()
    decision = webhook.decide({}, body, lambda: TOKEN, NOW)
    assert decision.status == 200 and [m.queue for m in decision.messages] == ["orders", "orders"]
    event = parse_envelope(decision.messages[0].body)
    assert (event.event, event.id, event.modified) == ("updated", "Invoices:5725767000011400011",
                                                       "2026-09-01T08:06:40.123+00:00")  # fmt: skip


def test_a_duplicate_delivery_is_deduplicated_on_content(crm: Simulator, receiver: Receiver) -> None:
    # Given a channel, and Zoho delivering its next notification twice
    watch(crm, receiver, TOKEN)
    assert crm.channels is not None
    crm.channels.faults.twice = 1
    # When an account is created
    crm.user_edit("Accounts", [{"Account_Name": "Zylker"}])
    crm.channels.drain()
    # Then both deliveries are accepted and make messages of one identity (the core takes it once)
    assert [d.status for _, d in receiver.got] == [200, 200]
    one, two = receiver.messages
    assert one.identity() == two.identity()
    # while a later change of the same record is another event
    crm.user_edit("Accounts", [{"id": one.id.split(":")[1], "Phone": "555-0100"}])
    crm.channels.drain()
    assert receiver.messages[-1].identity() != one.identity()


def test_an_id_repeated_within_one_body_is_decided_once() -> None:
    body = json.dumps({**GOOD, "ids": ["5725767000011400011"] * 3}).encode()
    assert len(webhook.decide({}, body, lambda: TOKEN, NOW).messages) == 1


def test_two_channels_delivering_one_change_make_one_identity() -> None:
    one = webhook.decide({}, json.dumps(GOOD).encode(), lambda: TOKEN, NOW)
    two = webhook.decide({}, json.dumps({**GOOD, "channel_id": "99"}).encode(), lambda: TOKEN, NOW)
    parse = parse_envelope
    assert [parse(m.body).identity() for m in one.messages] == [parse(m.body).identity() for m in two.messages]


FIELDS = [*GOOD, "affected_values"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    changes=st.dictionaries(
        st.sampled_from(FIELDS),
        JSON,
        max_size=4,
    )
)
def test_fuzz_authenticated_bodies_never_500_and_a_4xx_enqueues_nothing(changes: dict[str, Any]) -> None:
    decision = webhook.decide({}, json.dumps({**GOOD, **changes}).encode(), lambda: TOKEN, NOW)
    assert decision.status in (200, 400, 401)
    if decision.status >= 400:
        assert decision.messages == ()
    for message in decision.messages:  # whatever is enqueued, the sync function can read
        event = parse_envelope(message.body)
        assert json.loads(event.payload or "{}")["$partial"] and event.id.split(":")[1].isdigit()


def test_the_webhook_module_imports_only_the_standard_library() -> None:
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(webhook.__file__).read_text())
    imported = {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    third_party = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names and m != "xerosync.webhooks"}
    assert third_party == set()


@pytest.mark.parametrize(
    "change", [{}, {"module": "Deals"}, {"operation": "upsert"}, {"token": "wrong"}], ids=["enqueued", "not synced",
                                                                                         "malformed", "refused"]
)  # fmt: skip
def test_the_decision_log_goes_into_a_log_record_as_the_ingress_logs_it(change: dict[str, Any]) -> None:
    # the ingress logs ``extra={..., **decision.log}``: a key that is a LogRecord attribute ("module",
    # "name", "msg"...) raises KeyError there, and every notification was answered 500
    decision = webhook.decide({}, json.dumps({**GOOD, **change}).encode(), lambda: TOKEN, NOW)
    extra = {"outcome": decision.outcome, "status": decision.status, **decision.log}
    record = logging.getLogger("ingress").makeRecord("ingress", logging.INFO, __file__, 1, "webhook", (), None,
                                                      extra=extra)  # fmt: skip
    assert record.outcome == decision.outcome  # type: ignore[attr-defined]
