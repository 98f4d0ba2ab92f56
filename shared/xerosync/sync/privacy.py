"""Privacy requests: what the stack holds on a customer, removed or exported; the sync stopped.

A store's privacy webhooks (Shopify: customers/redact, customers/data_request, shop/redact,
app/uninstalled) reach the contacts queue as envelopes of resource ``privacy``; the store's adapter
turns them into :class:`~xerosync.domain.RedactCustomer`, :class:`~xerosync.domain.CustomerDataRequest`
or :class:`~xerosync.domain.StopSync`. The operator's ``xerosync privacy`` commands run the same
use cases (a store without such webhooks: WooCommerce).

Where the stack keeps a customer's personal data, and what a redaction does there:

* the sync log: the store's payload of a failed event (names, emails, addresses), reason texts
  that quote them, a guest's key, and earlier exports. The payload goes; a failed entry's reason
  goes too (Xero's validation messages quote names, which a search by email cannot find); the
  emails and details are scrubbed from every other text; a key naming a guest is rewritten;
  exports are deleted. Entries keep their time, outcome and Xero ids: what happened stays known.
* the mapping table: a guest's mapping is keyed by their email. It is deleted, not re-keyed
  to a hash: a hash of an email is still personal data (anyone holding the email can confirm
  it), and nothing needs it - the next order of the same guest finds their contact in Xero by
  email (one lookup, which the claim makes anyway for a key never seen), so no duplicate is
  created; a registered customer's contact is found by its ContactNumber the same way. The
  mapping of ``customer:<id>`` goes too; mappings of orders (order -> invoice) hold no personal
  data and are the books' own links: they stay.
* the dead-letter queues: their messages are whole envelopes. SQS cannot edit a message, so the
  customer's are deleted; the outcome names those records, which the merchant pushes again from
  the store once their cause is fixed (the store's copy is redacted by then).
* Xero: its accounting records stay (invoices, payments, the contact they name). The outcome
  names the contacts and what the merchant does there (archive, or overwrite the details).

A data request writes one sync-log entry (key ``export:<customer>``) holding what the stack has
on the customer, as JSON, under the sync log's own retention; ``xerosync privacy export`` prints
it. Nothing is copied anywhere else.
"""

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from xerosync.domain import CustomerDataRequest, PrivacyCommand, RedactCustomer, StopSync
from xerosync.frozen import frozen
from xerosync.sync.base import Outcome
from xerosync.sync.ports import (
    REDACTED,
    DeadLetters,
    LogEntry,
    Mapping,
    PersonalMappings,
    PrivateLog,
    Stopped,
    Subject,
    SyncSwitch,
)

PRIVACY_RESOURCE = "privacy"  # the envelopes' resource: they travel on the contacts queue
EXPORT_PREFIX = "export:"
MAX_EXPORT_CHARS = 300_000  # a DynamoDB item holds 400 KB: payloads beyond this are referenced
PERSON_PREFIXES = ("customer:", "guest:")  # the keys of a person's mappings (not their orders')
XERO_NOTE = (
    "Xero keeps its accounting records (invoices, payments and the contact they name): to remove the "
    "customer there, archive {contacts} in Xero (Contacts, select, Archive), after overwriting the name, "
    "email and address if the law requires it gone (Xero does not delete a contact with transactions)"
)


@frozen
class Privacy:
    """What the privacy use cases work on."""

    log: PrivateLog | None  # None: the stack keeps no sync log
    mappings: PersonalMappings
    switch: SyncSwitch
    dead_letters: DeadLetters | None = None  # None: not reachable from here (the outcome says so)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def subject_of(command: RedactCustomer | CustomerDataRequest) -> Subject:
    emails = tuple(e.strip() for e in command.emails if e.strip())
    keys = {*command.keys, *(f"order:{o}" for o in command.orders), *(f"guest:{e.lower()}" for e in emails)}
    return Subject(keys=frozenset(keys), texts=(*emails, *(d for d in command.details if d.strip())))


def customer_ref(keys: tuple[str, ...] | frozenset[str], emails: tuple[str, ...], request: str = "") -> str:
    """How the log names the customer without their data: a key that is an id (``customer:7``),
    else a digest of the email (``email-sha256:...``, what ``--customer <email>`` finds)."""
    ids = sorted(k for k in keys if not k.startswith(("guest:", "order:")))
    if ids:
        return ids[0]
    if emails:
        return "email-sha256:" + hashlib.sha256(emails[0].strip().lower().encode()).hexdigest()[:16]
    return f"request:{request}"


def handle(command: PrivacyCommand, privacy: Privacy, *, now: str | None = None) -> Outcome:
    """Apply one privacy command (the contacts queue's sync function calls this)."""
    now = now or now_iso()
    if isinstance(command, RedactCustomer):
        return redact(command, privacy)
    if isinstance(command, CustomerDataRequest):
        return data_request(command, privacy, now=now)
    return stop(command, privacy, now=now)


# --- redaction ------------------------------------------------------------------------------------
def redact(command: RedactCustomer, privacy: Privacy) -> Outcome:
    subject = subject_of(command)
    ref = customer_ref(subject.keys, command.emails, command.request)
    people = sorted(k for k in subject.keys if k.startswith(PERSON_PREFIXES) or k in command.keys)
    contacts = sorted({m.xero_id for k in people if (m := privacy.mappings.get(k)) is not None})
    entries = _redact_log(subject, privacy.log, command.request, exports=EXPORT_PREFIX + ref)
    forgotten = [k for k in people if not k.startswith("order:") and privacy.mappings.forget(k)]
    parts = [f"privacy request {command.request} for {ref}: {entries} sync-log entr{'y' if entries == 1 else 'ies'}"]
    parts.append(f"{len(forgotten)} mapping(s) removed")
    also: list[str] = []
    parts.append(_sweep(privacy.dead_letters, lambda key, body: subject.owns(key) or subject.quotes(body), also))
    note = XERO_NOTE.format(contacts=", ".join(f"contact {c}" for c in contacts) if contacts else "their contact")
    return Outcome("redacted", f"privacy:{command.request}", reason="; ".join(parts) + ". " + note, also=tuple(also))


def _redact_log(subject: Subject, log: PrivateLog | None, request: str, exports: str = "") -> int:
    """Rewrite every entry the subject's data is in; ``exports``: the key of their data requests'
    entries (found by key too: a request naming only an id quotes no email)."""
    if log is None:
        return 0
    entries = log.holding(subject)
    entries += [e for e in (log.by_record(exports) if exports else []) if e not in entries]
    for entry in entries:
        log.rewrite(entry, redacted(entry, subject, request))
    return len(entries)


def redacted(entry: LogEntry, subject: Subject, request: str) -> LogEntry | None:
    """``entry`` without the subject's data (None: delete it, it was an export of that data)."""
    if entry.key.startswith(EXPORT_PREFIX):
        return None
    personal = subject.owns(entry.key) and entry.key.startswith("guest:")
    key = "guest:" + REDACTED if personal else subject.scrub(entry.key)
    reason = subject.scrub(entry.reason)
    if entry.payload:
        reason = f"{REDACTED} by privacy request {request}: the failure's details quoted the customer's data"
    return replace(entry, key=key, payload="", reason=reason, also=tuple(subject.scrub(a) for a in entry.also))


def _sweep(dead_letters: DeadLetters | None, concerns: Any, also: list[str]) -> str:
    if dead_letters is None:
        return (
            "the dead-letter queues were not searched from here: run xerosync privacy redact from the operator's "
            "machine to remove their messages"
        )
    sweep = dead_letters.remove(concerns)
    also.extend(
        f"dead letter removed: {key} (push it again from the store once its cause is fixed)" for key in sweep.removed
    )
    text = f"{len(sweep.removed)} dead-lettered message(s) removed"
    if not sweep.complete:
        text += " (the queues were not searched to the end: run xerosync privacy redact again)"
    return text


# --- data request ---------------------------------------------------------------------------------
def data_request(command: CustomerDataRequest, privacy: Privacy, *, now: str) -> Outcome:
    subject = subject_of(command)
    ref = customer_ref(subject.keys, command.emails, command.request)
    entries = [] if privacy.log is None else privacy.log.holding(subject)
    entries = [e for e in entries if not e.key.startswith(EXPORT_PREFIX)]
    mappings = [m for k in sorted(subject.keys) if (m := privacy.mappings.get(k)) is not None]
    document = export_document(command, ref, entries, mappings, now)
    text = json.dumps(document, indent=1, sort_keys=True)
    summary = (
        f"data request {command.request}: {len(entries)} sync-log entr{'y' if len(entries) == 1 else 'ies'}, "
        f"{len(mappings)} mapping(s) held on {ref}"
    )
    if privacy.log is None:
        return Outcome(
            "skipped", f"privacy:{command.request}", reason=summary + "; the stack keeps no sync log to export from"
        )
    privacy.log.write(
        LogEntry(key=EXPORT_PREFIX + ref, outcome="exported", action="data-request", reason=summary, payload=text)
    )
    return Outcome(
        "exported",
        f"privacy:{command.request}",
        reason=f"{summary}; export it with: xerosync privacy export --stack <stack> --customer {ref}",
    )


def export_document(
    command: CustomerDataRequest, ref: str, entries: list[LogEntry], mappings: list[Mapping], now: str
) -> dict[str, Any]:
    """What the stack holds on the customer, for the merchant to give them: newest first, and
    payloads past :data:`MAX_EXPORT_CHARS` referenced rather than copied."""
    room = MAX_EXPORT_CHARS
    logged: list[dict[str, Any]] = []
    for entry in sorted(entries, key=lambda e: e.at, reverse=True):
        item: dict[str, Any] = {
            k: v
            for k, v in (
                ("at", entry.at),
                ("record", entry.key),
                ("outcome", entry.outcome),
                ("action", entry.action),
                ("reason", entry.reason),
                ("xero_id", entry.xero_id),
            )
            if v
        }
        if entry.payload and len(entry.payload) <= room:
            room -= len(entry.payload)
            item["payload"] = _parsed(entry.payload)
        elif entry.payload:
            item["payload_omitted"] = f"too large for the export entry: xerosync log --record {entry.key} --json"
        logged.append(item)
    return {
        "customer": ref,
        "request": command.request,
        "at": now,
        "identifiers": {"keys": sorted(command.keys), "emails": list(command.emails), "orders": list(command.orders)},
        "mappings": [
            {
                k: v
                for k, v in (
                    ("record", m.key),
                    ("xero_id", m.xero_id),
                    ("xero_number", m.xero_number or ""),
                    ("updated_at", m.updated_at),
                )
                if v
            }
            for m in mappings
        ],
        "sync_log": logged,
        "xero": "Xero holds the contact and the documents the mappings name: export them from Xero",
        "held_nowhere_else": "xerosync keeps no other copy (queues hold messages for at most their retention)",
    }


def _parsed(payload: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload


# --- stopping -------------------------------------------------------------------------------------
def stop(command: StopSync, privacy: Privacy, *, now: str) -> Outcome:
    by = f"privacy:{command.request}" if command.request else "store"
    privacy.switch.stop(Stopped(reason=command.reason, since=now, by=by))
    reason = f"sync stopped: {command.reason}. {RESUME_HINT}"
    also: list[str] = []
    if command.erase:
        everyone = Subject(everyone=True)
        entries = _redact_log(everyone, privacy.log, command.request or "shop")
        forgotten = [k for k in privacy.mappings.personal_keys() if privacy.mappings.forget(k)]
        swept = _sweep(privacy.dead_letters, lambda key, body: True, also)
        reason += (
            f" Every customer's data erased: {entries} sync-log entr{'y' if entries == 1 else 'ies'}, "
            f"{len(forgotten)} guest mapping(s), {swept}."
        )
    return Outcome("stopped", by, reason=reason, also=tuple(also))


RESUME_HINT = (
    "Records are skipped and the reconciliation and pull do nothing until `xerosync resume --stack <stack>`; "
    "the reconciliation then catches up from where it stopped"
)


def skipped_while_stopped(key: str, stopped: Stopped) -> Outcome:
    """A record that arrived while the sync is stopped: consumed, not applied (nothing is lost:
    the reconciliation lists it again after ``xerosync resume``)."""
    return Outcome(
        "skipped",
        key,
        reason=f"the sync is stopped since {stopped.since} ({stopped.reason}): "
        "xerosync resume starts it again, and the reconciliation then catches up",
    )


def passes_while_stopped(resource: str) -> bool:
    """Privacy requests are honoured while the sync is stopped (a shop redaction comes after the
    uninstall)."""
    return resource == PRIVACY_RESOURCE
