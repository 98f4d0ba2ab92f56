"""Notification channels: enable with Zoho's expiry rules, deliveries with the token and ids only,
expiry enforced, faults (drop, twice, late), update / disable / list / delete."""

import json
import time
from datetime import timedelta

from local.zoho_crm import ZohoCRM
from tests.conftest import reference_file
from tests.zoho_crm.conftest import NOW, Client, Receiver, call


def enable(client: Client, receiver: Receiver, **extra: object) -> dict[str, object]:
    channel = {"channel_id": "1000000068001", "events": ["Invoices.all", "Accounts.edit"],
               "notify_url": receiver.url + "?s=secret-1", "token": "tok-1", **extra}  # fmt: skip
    reply = client("POST", "/actions/watch", {"watch": [channel]})
    assert reply.status == 200, reply.body
    return dict(reply.body["watch"][0])


def account(client: Client, name: str = "Acme", trigger: list[str] | None = None) -> str:
    body: dict[str, object] = {"data": [{"Account_Name": name}]}
    if trigger is not None:
        body["trigger"] = trigger
    return str(client("POST", "/Accounts", body).body["data"][0]["details"]["id"])


def test_expiry_defaults_to_an_hour_and_at_most_a_week(crm: ZohoCRM, client: Client, receiver: Receiver) -> None:
    documented = json.loads(
        reference_file("fixtures", "zoho", "enable_notifications_response_v7_docs.json").read_text()
    )
    none = enable(client, receiver)
    assert set(none) == set(documented["watch"][0]) and none["code"] == "SUCCESS"
    event = none["details"]["events"][0]  # type: ignore[index]
    assert set(event) == set(documented["watch"][0]["details"]["events"][0])
    assert event["channel_expiry"] == (crm.now() + timedelta(hours=1)).isoformat()
    eight_days = enable(client, receiver, channel_expiry=(crm.now() + timedelta(days=8)).isoformat())
    assert eight_days["details"]["events"][0]["channel_expiry"] == (crm.now() + timedelta(hours=1)).isoformat()  # type: ignore[index]
    six = (crm.now() + timedelta(days=6)).isoformat()
    assert enable(client, receiver, channel_expiry=six)["details"]["events"][0]["channel_expiry"] == six  # type: ignore[index]
    too_long = {"channel_id": "2", "events": ["Invoices.all"], "notify_url": receiver.url, "token": "x" * 51}
    long_token = client("POST", "/actions/watch", {"watch": [too_long]})
    assert long_token.status == 400 and long_token.body["watch"][0]["details"]["api_name"] == "token"


def test_a_change_is_delivered_with_the_token_and_ids_only(crm: ZohoCRM, client: Client, receiver: Receiver) -> None:
    enable(client, receiver, return_affected_field_values=True)
    created = account(client, trigger=[])
    client("PUT", "/Accounts", {"data": [{"id": created, "Phone": "555"}], "trigger": []})
    assert crm.channels is not None
    crm.channels.drain()
    assert len(receiver.bodies) == 1  # Accounts.edit only: the insert is not watched
    body = receiver.bodies[0]
    documented = json.loads(
        reference_file("fixtures", "zoho", "notification_callback_update_with_affected_values.json").read_text()
    )
    assert set(body) - {"target"} == set(documented)
    assert body["token"] == "tok-1" and body["channel_id"] == "1000000068001" and body["operation"] == "update"
    assert body["ids"] == [created] and body["module"] == "Accounts" and body["query_params"] == {"s": "secret-1"}
    assert body["affected_fields"] == [{created: ["Phone"]}]
    assert body["affected_values"] == [{"record_id": created, "values": {"Phone": "555"}}]
    assert body["server_time"] == int(crm.now().timestamp() * 1000)


def test_no_delivery_after_expiry(crm: ZohoCRM, client: Client, receiver: Receiver) -> None:
    enable(client, receiver, events=["Accounts.all"])
    account(client, "Before")
    crm.clock.advance(3600)
    client = Client(crm)  # the access token lived an hour too
    account(client, "After")
    assert crm.channels is not None
    crm.channels.drain()
    assert [b["operation"] for b in receiver.bodies] == ["insert"]
    assert client("GET", "/actions/watch").status == 204  # an expired channel is gone


def test_faults_drop_twice_and_late(crm: ZohoCRM, client: Client, receiver: Receiver) -> None:
    enable(client, receiver, events=["Accounts.create"])
    assert crm.channels is not None
    crm.channels.faults.drop = 1
    dropped = account(client, "Dropped")
    crm.channels.faults.twice = 1
    twice = account(client, "Twice")
    crm.channels.faults.delay = 0.3
    started = time.monotonic()
    late = account(client, "Late")
    crm.channels.drain()
    assert time.monotonic() - started >= 0.3
    assert [b["ids"] for b in receiver.bodies] == [[twice], [twice], [late]]
    assert [d.dropped for d in crm.channels.deliveries if d.body["ids"] == [dropped]] == [True]


def test_update_disable_list_and_delete(crm: ZohoCRM, client: Client, receiver: Receiver) -> None:
    enable(client, receiver)
    listed = client("GET", "/actions/watch").body["watch"]
    assert {(w["resource_name"], tuple(w["events"])) for w in listed} == {
        ("Accounts", ("edit",)),
        ("Invoices", ("all",)),
    }
    patched = client("PATCH", "/actions/watch", {"watch": [{"channel_id": "1000000068001", "events": ["Accounts.edit"],
                                                           "_delete_events": True}]})  # fmt: skip
    assert patched.status == 200
    assert [w["resource_name"] for w in client("GET", "/actions/watch").body["watch"]] == ["Invoices"]
    put = client("PUT", "/actions/watch", {"watch": [{"channel_id": "1000000068001", "events": ["Contacts.create"],
                                                      "notify_url": receiver.url, "token": "tok-2"}]})  # fmt: skip
    assert put.status == 200
    assert [(w["resource_name"], w["token"]) for w in client("GET", "/actions/watch").body["watch"]] == [
        ("Contacts", "tok-2")
    ]
    gone = client("DELETE", "/actions/watch", channel_ids="1000000068001")
    assert gone.status == 200 and gone.body["watch"][0]["code"] == "SUCCESS"
    assert client("GET", "/actions/watch").status == 204


def test_an_edit_in_the_crm_screens_notifies_and_runs_every_trigger(
    crm: ZohoCRM, client: Client, receiver: Receiver
) -> None:
    enable(client, receiver, events=["Accounts.all"])
    created = account(client, "Via API", trigger=[])
    crm.user_edit("Accounts", [{"id": created, "Phone": "555-7"}])
    assert crm.channels is not None
    crm.channels.drain()
    assert [(b["operation"], b["ids"]) for b in receiver.bodies] == [("insert", [created]), ("update", [created])]
    assert [w.triggers for w in crm.store.writes if w.id == created] == [(), ("workflow", "approval", "blueprint")]


def test_the_control_surface_for_harnesses_in_another_process(crm: ZohoCRM, client: Client, receiver: Receiver) -> None:
    enable(client, receiver, events=["Contacts.create"])
    faults = call(crm.url + "/_zoho/faults", "POST", {"twice": 1})
    assert faults.status == 200 and faults.body["twice"] == 1
    created = client("POST", "/Contacts", {"data": [{"Last_Name": "Berg"}]}).body["data"][0]["details"]["id"]
    assert crm.channels is not None
    crm.channels.drain()
    documented = json.loads(reference_file("fixtures", "zoho", "notification_callback_insert_sample.json").read_text())
    assert [set(b) - {"target"} for b in receiver.bodies] == [set(documented)] * 2
    writes = call(crm.url + "/_zoho/writes").body["writes"]
    assert [(w["id"], w["operation"], w["triggers"]) for w in writes] == [
        (created, "insert", ["workflow", "approval", "blueprint"])
    ]
    state = call(crm.url + "/_zoho/state").body
    assert state["records"]["Contacts"] == 1 and state["channels"] == 1 and state["limits"]["credits_used"] >= 2
    moved = call(crm.url + "/_zoho/clock", "POST", {"advance": 3600})
    assert moved.body["now"] == (NOW + timedelta(hours=1)).isoformat()
    assert call(crm.url + "/_zoho/state").body["channels"] == 0  # expired with the hour


def test_a_delete_is_delivered_and_a_refused_delivery_is_not_retried(crm: ZohoCRM, client: Client) -> None:
    refusing = Receiver(status=500)
    try:
        enable(client, refusing, events=["Accounts.delete"])
        first, second = account(client, "One"), account(client, "Two")
        client("DELETE", "/Accounts", ids=f"{first},{second}")
        assert crm.channels is not None
        crm.channels.drain()
        assert [(b["operation"], b["ids"], b["affected_fields"]) for b in refusing.bodies] == [
            ("delete", [first, second], [])
        ]  # one POST for the call's two ids, once: Zoho documents no retries
        assert [d.status for d in crm.channels.deliveries] == [500]
    finally:
        refusing.server.shutdown()
        refusing.server.server_close()
