"""Idempotency-Key: replay within 6 minutes, a different request is a 400, keys per app and tenant."""

from tests.sandbox.conftest import Box, contact


def test_the_same_key_and_body_replays_the_first_answer(box: Box) -> None:
    body = {"Contacts": [{"Name": "Once"}]}
    first = box.call("PUT", "/Contacts", body, headers={"Idempotency-Key": "k1"})
    again = box.call("PUT", "/Contacts", body, headers={"Idempotency-Key": "k1"})
    assert first.body == again.body and len(box.org.contacts) == 1
    assert int(again.headers["X-MinLimit-Remaining"]) == int(first.headers["X-MinLimit-Remaining"]) - 1  # still counted


def test_errors_are_replayed_too(box: Box) -> None:
    contact(box, "Taken")
    body = {"Contacts": [{"Name": "Taken"}]}
    first = box.call("PUT", "/Contacts", body, headers={"Idempotency-Key": "k2"})
    box.org.contacts.clear()  # the name is free now, but the key replays the stored refusal
    again = box.call("PUT", "/Contacts", body, headers={"Idempotency-Key": "k2"})
    assert first.status == again.status == 400 and first.body == again.body


def test_the_same_key_with_a_different_request_is_a_400(box: Box) -> None:
    box.call("PUT", "/Contacts", {"Contacts": [{"Name": "A"}]}, headers={"Idempotency-Key": "k3"})
    reply = box.call("PUT", "/Contacts", {"Contacts": [{"Name": "B"}]}, headers={"Idempotency-Key": "k3"})
    assert reply.status == 400 and "is used with a different request" in reply.body["Message"]
    assert len(box.org.contacts) == 1


def test_keys_expire_after_six_minutes(box: Box) -> None:
    box.call("PUT", "/Contacts", {"Contacts": [{"Name": "A"}]}, headers={"Idempotency-Key": "k4"})
    box.clock.advance(minutes=5, seconds=59)
    assert box.call("PUT", "/Contacts", {"Contacts": [{"Name": "B"}]}, headers={"Idempotency-Key": "k4"}).status == 400
    box.clock.advance(seconds=1)
    assert box.call("PUT", "/Contacts", {"Contacts": [{"Name": "B"}]}, headers={"Idempotency-Key": "k4"}).status == 200


def test_keys_are_at_most_128_characters_and_ignored_on_get(box: Box) -> None:
    assert (
        box.call("PUT", "/Contacts", {"Contacts": [{"Name": "A"}]}, headers={"Idempotency-Key": "x" * 129}).status
        == 400
    )
    assert (
        box.call("PUT", "/Contacts", {"Contacts": [{"Name": "A"}]}, headers={"Idempotency-Key": "x" * 128}).status
        == 200
    )
    contact(box, "B")
    listed = box.call("GET", "/Contacts", headers={"Idempotency-Key": "x" * 128})
    assert len(listed.body["Contacts"]) == 2  # not the stored PUT answer


def test_keys_are_per_app_and_per_tenant(box: Box) -> None:
    other_app = box.sandbox.add_client([box.org.tenant_id])
    other_org = box.sandbox.add_organisation("Other Ltd")
    other_org_app = box.sandbox.add_client([other_org.tenant_id])
    body = {"Contacts": [{"Name": "Shared"}]}
    box.call("PUT", "/Contacts", body, headers={"Idempotency-Key": "k5"})
    second = box.call("PUT", "/Contacts", body, token=box.token(other_app), headers={"Idempotency-Key": "k5"})
    assert second.status == 400 and "already assigned" in second.body["Elements"][0]["ValidationErrors"][0]["Message"]
    third = box.call(
        "PUT",
        "/Contacts",
        body,
        token=box.token(other_org_app),
        tenant=other_org.tenant_id,
        headers={"Idempotency-Key": "k5"},
    )
    assert third.status == 200 and len(other_org.contacts) == 1
