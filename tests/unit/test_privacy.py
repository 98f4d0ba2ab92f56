"""Privacy requests (xerosync.sync.privacy) on in-memory ports: a customer redacted, exported, the
sync stopped. The DynamoDB and SQS implementations: tests/integration/test_privacy_aws.py."""

import json
from collections.abc import Callable
from dataclasses import replace

from tests.fakes import FakeXero, InMemoryMappings
from xerosync.domain import CustomerDataRequest, Party, RedactCustomer, StopSync
from xerosync.sync import privacy
from xerosync.sync.contacts import ensure_contact
from xerosync.sync.ports import REDACTED, LogEntry, Mapping, Stopped, Subject, Sweep

EMAIL = "Jane.Citizen@Example.org"
PHONE = "555-625-1199"


class MemoryLog:
    def __init__(self, entries: list[LogEntry]) -> None:
        self.entries = list(entries)

    def write(self, entry: LogEntry) -> None:
        self.entries.append(entry)

    def holding(self, subject: Subject) -> list[LogEntry]:
        return [e for e in self.entries if subject.concerns(e)]

    def rewrite(self, old: LogEntry, new: LogEntry | None) -> None:
        index = self.entries.index(old)
        if new is None:
            del self.entries[index]
        else:
            self.entries[index] = new

    def by_record(self, key: str) -> list[LogEntry]:
        return [e for e in self.entries if e.key == key]


class ForgetfulMappings(InMemoryMappings):
    def forget(self, key: str) -> bool:
        had = key in self.items or key in self.claims
        self.items.pop(key, None)
        self.claims.pop(key, None)
        return had

    def personal_keys(self) -> list[str]:
        return sorted(k for k in self.items if k.startswith("guest:"))


class MemoryDeadLetters:
    def __init__(self, messages: list[tuple[str, str]]) -> None:
        self.messages = list(messages)

    def remove(self, concerns: Callable[[str, str], bool]) -> Sweep:
        removed = [key for key, body in self.messages if concerns(key, body)]
        self.messages = [(k, b) for k, b in self.messages if not concerns(k, b)]
        return Sweep(removed=tuple(removed), kept=len(self.messages))


class MemorySwitch:
    def __init__(self) -> None:
        self.state: Stopped | None = None

    def stopped(self) -> Stopped | None:
        return self.state

    def stop(self, stopped: Stopped) -> None:
        self.state = self.state or stopped

    def resume(self) -> Stopped | None:
        ended, self.state = self.state, None
        return ended


def order_payload(order_id: int, email: str, name: str = "Jane Citizen", phone: str = PHONE) -> str:
    return json.dumps({"id": order_id, "billing": {"email": email, "first_name": name, "phone": phone}})


def stack() -> tuple[privacy.Privacy, MemoryLog, ForgetfulMappings, MemoryDeadLetters]:
    log = MemoryLog(
        [
            LogEntry(
                "order:1001",
                "failed",
                reason="The contact name Jane Citizen is already assigned",
                payload=order_payload(1001, EMAIL.lower()),
                at="2026-05-01T10:00:00",
            ),
            LogEntry(
                "customer:7",
                "applied",
                action="created",
                xero_id="c-7",
                reason=f"created for {EMAIL}",
                at="2026-05-01T10:01:00",
            ),
            LogEntry("order:1002", "applied", action="created", xero_id="inv-2", at="2026-05-01T10:02:00"),
            LogEntry(
                "unknown",
                "failed",
                reason="not a store event",
                payload=f"garbage {EMAIL.upper()}",
                at="2026-05-01T10:03:00",
            ),
            LogEntry(f"guest:{EMAIL.lower()}", "applied", action="matched", xero_id="c-9", at="2026-05-01T10:04:00"),
            LogEntry(
                "order:3003",
                "failed",
                reason="account 999 missing",
                payload=order_payload(3003, "other@example.org", "Other Person", "555-000-0000"),
                at="2026-05-01T10:05:00",
            ),
            LogEntry(
                "export:customer:7", "exported", payload=json.dumps({"emails": [EMAIL]}), at="2026-05-01T10:06:00"
            ),
        ]
    )
    mappings = ForgetfulMappings()
    for mapping in (
        Mapping("customer:7", "c-7"),
        Mapping(f"guest:{EMAIL.lower()}", "c-9"),
        Mapping("order:1001", "inv-1"),
    ):
        mappings.put(mapping)
    dead = MemoryDeadLetters(
        [
            ("order:1001", order_payload(1001, EMAIL)),
            ("order:3003", order_payload(3003, "other@example.org", "Other Person", "555-000-0000")),
        ]
    )
    return privacy.Privacy(log=log, mappings=mappings, switch=MemorySwitch(), dead_letters=dead), log, mappings, dead


def redact_request() -> RedactCustomer:
    return RedactCustomer(request="r-1", keys=("customer:7",), emails=(EMAIL,), orders=("1001",), details=(PHONE,))


def test_redaction_leaves_no_trace_of_the_customer_in_the_log_mappings_or_dead_letters() -> None:
    ports, log, mappings, dead = stack()
    outcome = privacy.handle(redact_request(), ports)

    stored = json.dumps([e.__dict__ for e in log.entries]).casefold()
    assert EMAIL.casefold() not in stored and PHONE not in stored and "jane citizen" not in stored
    by_key = {e.key: e for e in log.entries}
    assert "export:customer:7" not in by_key  # an export is a copy of the data: deleted
    assert by_key["order:1001"].payload == "" and REDACTED in by_key["order:1001"].reason
    assert by_key["customer:7"].reason == f"created for {REDACTED}" and by_key["customer:7"].xero_id == "c-7"
    assert by_key[f"guest:{REDACTED}"].xero_id == "c-9"  # what happened stays known, not to whom
    # others' records are untouched
    assert by_key["order:3003"].payload and by_key["order:1002"] == LogEntry(
        "order:1002", "applied", action="created", xero_id="inv-2", at="2026-05-01T10:02:00"
    )
    assert set(mappings.items) == {"order:1001"}  # the books' own link stays; the person's go
    assert [k for k, _ in dead.messages] == ["order:3003"]

    assert outcome.action == "redacted"
    assert EMAIL.casefold() not in outcome.reason.casefold()
    assert "c-7" in outcome.reason and "c-9" in outcome.reason and "archive" in outcome.reason
    assert outcome.also == ("dead letter removed: order:1001 (push it again from the store once its cause is fixed)",)


def test_a_redaction_applied_twice_finds_nothing_more() -> None:
    ports, log, _, _ = stack()
    privacy.handle(redact_request(), ports)
    before = list(log.entries)
    again = privacy.handle(redact_request(), ports)
    assert log.entries == before
    assert "0 mapping(s) removed" in again.reason and "0 dead-lettered" in again.reason


def test_a_redacted_guest_orders_again_and_gets_their_contact_not_a_duplicate() -> None:
    ports, _, _, _ = stack()
    mappings = ForgetfulMappings()
    ports = replace(ports, mappings=mappings)
    xero = FakeXero()
    guest = Party(key=f"guest:{EMAIL.lower()}", name="Jane Citizen", email=EMAIL.lower())
    contact = ensure_contact(guest, xero, mappings)
    privacy.handle(RedactCustomer(request="r-2", keys=(), emails=(EMAIL,)), ports)
    assert guest.key not in mappings.items

    assert ensure_contact(guest, xero, mappings) == contact  # found in Xero by email
    assert len(xero.contacts) == 1


def test_a_data_request_is_one_exportable_entry_holding_what_the_stack_has() -> None:
    ports, log, _, _ = stack()
    request = CustomerDataRequest(request="9999", keys=("customer:7",), emails=(EMAIL,), orders=("1001",))
    outcome = privacy.handle(request, ports, now="2026-05-02T00:00:00+00:00")

    [export] = [e for e in log.entries if e.key == "export:customer:7" and e.outcome == "exported" and e.action]
    document = json.loads(export.payload)
    assert document["customer"] == "customer:7" and document["request"] == "9999"
    assert {m["record"] for m in document["mappings"]} == {"customer:7", f"guest:{EMAIL.lower()}", "order:1001"}
    records = {item["record"] for item in document["sync_log"]}
    assert records == {"order:1001", "customer:7", "unknown", f"guest:{EMAIL.lower()}"}  # not others', not an export
    failed = next(item for item in document["sync_log"] if item["record"] == "order:1001")
    assert failed["payload"]["billing"]["phone"] == PHONE
    assert outcome.action == "exported" and "--customer customer:7" in outcome.reason
    assert EMAIL.casefold() not in outcome.reason.casefold()


def test_a_guest_export_is_named_by_a_digest_of_the_email_and_big_payloads_are_referenced() -> None:
    big = LogEntry(
        "order:5",
        "failed",
        payload=json.dumps({"email": EMAIL, "notes": "x" * privacy.MAX_EXPORT_CHARS}),
        at="2026-05-01T00:00:00",
    )
    small = LogEntry("order:6", "failed", payload=json.dumps({"email": EMAIL}), at="2026-04-30T00:00:00")
    log = MemoryLog([big, small])
    ports = privacy.Privacy(log=log, mappings=ForgetfulMappings(), switch=MemorySwitch())
    privacy.handle(CustomerDataRequest(request="7", keys=(), emails=(EMAIL,)), ports)

    ref = privacy.customer_ref((), (EMAIL.upper(),))
    assert ref.startswith("email-sha256:") and EMAIL.casefold() not in ref.casefold()
    [export] = log.by_record("export:" + ref)
    items = {i["record"]: i for i in json.loads(export.payload)["sync_log"]}
    assert "payload_omitted" in items["order:5"] and items["order:6"]["payload"] == {"email": EMAIL}
    assert len(export.payload) < 400_000


def test_stopping_sets_the_flag_once_and_a_shop_redaction_erases_everyones_data() -> None:
    ports, log, mappings, dead = stack()
    first = privacy.handle(
        StopSync("the app was uninstalled in the store", request="u-1"), ports, now="2026-05-03T00:00:00"
    )
    assert first.action == "stopped" and "xerosync resume" in first.reason
    privacy.handle(StopSync("the shop asked to be erased", erase=True, request="s-1"), ports, now="2026-05-05T00:00:00")
    assert ports.switch.stopped() == Stopped(
        "the app was uninstalled in the store", "2026-05-03T00:00:00", "privacy:u-1"
    )

    assert not any(e.payload for e in log.entries)
    assert not any(e.key.startswith(("export:", f"guest:{EMAIL.lower()}")) for e in log.entries)
    assert set(mappings.items) == {"customer:7", "order:1001"}  # ids only: kept
    assert dead.messages == []


def test_records_are_skipped_while_stopped_but_privacy_requests_pass() -> None:
    stopped = Stopped("the app was uninstalled in the store", "2026-05-03T00:00:00", "privacy:u-1")
    outcome = privacy.skipped_while_stopped("order:1", stopped)
    assert outcome.action == "skipped" and "xerosync resume" in outcome.reason and "uninstalled" in outcome.reason
    assert privacy.passes_while_stopped("privacy") and not privacy.passes_while_stopped("order")


def test_without_dead_letter_queues_the_outcome_says_what_to_run() -> None:
    ports, _, _, _ = stack()
    outcome = privacy.handle(redact_request(), replace(ports, dead_letters=None))
    assert "xerosync privacy redact" in outcome.reason


def test_a_redaction_by_id_alone_deletes_that_customers_exports_too() -> None:
    ports, log, _, _ = stack()
    privacy.handle(CustomerDataRequest(request="d-1", keys=("customer:7",)), ports)
    assert log.by_record("export:customer:7")
    privacy.handle(RedactCustomer(request="r-3", keys=("customer:7",)), ports)
    assert log.by_record("export:customer:7") == []
