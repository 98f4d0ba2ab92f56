"""Store customers -> Xero contacts: one contact per customer, never a duplicate.

A contact is found, in this order: in our mapping table; in Xero by ``ContactNumber`` (the
store's customer id); in Xero by email among active contacts. Only then is one created.
Xero insists contact names are unique among active contacts, so a new customer whose name
another contact already uses gets ``Name (email)`` instead of a failure or an overwrite.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from xerosync.domain import Party
from xerosync.events import StoreEvent
from xerosync.sources.woocommerce.mapping import parse_customer, party_from_customer
from xerosync.sync.ports import Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected

NAME_TAKEN = "already assigned to another contact"


@dataclass(frozen=True)
class Outcome:
    action: str  # created | updated | unchanged | matched | skipped
    key: str
    xero_id: str | None = None
    reason: str = ""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_claim() -> str:
    return uuid.uuid4().hex


def _active(contacts: list[dict[str, object]]) -> list[dict[str, object]]:
    return [c for c in contacts if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]


def find_in_xero(party: Party, xero: Xero) -> str | None:
    """The ContactID of the Xero contact that already is this party, if any."""
    if party.customer_number:
        for found in _active(xero.contacts_by_number([party.customer_number])):
            return str(found["ContactID"])
    if party.email:
        matches = _active(xero.contacts_by_email(party.email))
        exact = [c for c in matches if c.get("Name") == party.name]
        for found in exact or matches:
            return str(found["ContactID"])
    return None


def disambiguated(party: Party) -> str:
    suffix = party.email or party.customer_number or party.key
    return f"{party.name} ({suffix})"


def _create(party: Party, xero: Xero, idempotency_key: str) -> tuple[str, str]:
    """Create the contact; returns (ContactID, content hash of the party's contact body)."""
    body = payloads.contact(party)
    digest = payloads.content_hash(body)
    result = xero.create_contacts([body], idempotency_key=idempotency_key)[0]
    if not result.ok and any(NAME_TAKEN in e for e in result.errors):
        body = {**body, "Name": disambiguated(party)}
        result = xero.create_contacts([body], idempotency_key=idempotency_key + ":2")[0]
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    return str(result.record["ContactID"]), digest


def ensure_contact(party: Party, xero: Xero, mappings: Mappings) -> str:
    """The ContactID for ``party``, creating the contact only if it exists nowhere.

    Orders and customers arrive on different queues, so the order of a new customer and the
    customer itself race for the contact: the claim lets exactly one of them create it."""
    known = mappings.get(party.key)
    if known:
        return known.xero_id
    claim = new_claim()
    done = mappings.claim(party.key, claim)
    if done:
        return done.xero_id
    contact_id = find_in_xero(party, xero)
    content = ""
    if contact_id is None:
        contact_id, content = _create(party, xero, f"contact:{party.key}:{claim}")
    mappings.put(
        Mapping(party.key, contact_id, content_hash=content, xero_number=party.customer_number, updated_at=now_iso()),
        claim=claim,
    )
    return contact_id


def upsert_customer(party: Party, xero: Xero, mappings: Mappings, *, modified: str | None = None) -> Outcome:
    """A customer created or updated in the store: the same Xero contact, up to date."""
    body = payloads.contact(party)
    digest = payloads.content_hash(body)
    known = mappings.get(party.key)
    claim = None
    if known is None:
        claim = new_claim()
        known = mappings.claim(party.key, claim)
        if known:
            claim = None  # another worker created it meanwhile: update theirs
    if known and known.content_hash == digest:
        return Outcome("unchanged", party.key, known.xero_id)

    contact_id = known.xero_id if known else find_in_xero(party, xero)
    if contact_id is None:
        contact_id, digest = _create(party, xero, f"contact:{party.key}:{claim}")
        action = "created"
    else:
        result = xero.update_contacts(
            [{**body, "ContactID": contact_id}], idempotency_key=f"contact:{party.key}:{digest}"
        )[0]
        if not result.ok and any(NAME_TAKEN in e for e in result.errors):
            body = {**body, "Name": disambiguated(party)}
            result = xero.update_contacts(
                [{**body, "ContactID": contact_id}], idempotency_key=f"contact:{party.key}:{digest}:2"
            )[0]
        if not result.ok:
            raise XeroRejected(list(result.errors), result.record)
        action = "updated"
    mappings.put(
        Mapping(
            party.key,
            contact_id,
            content_hash=digest,
            xero_number=party.customer_number,
            source_modified=modified,
            updated_at=now_iso(),
        ),
        claim=claim,
    )
    return Outcome(action, party.key, contact_id)


def sync_customer_event(event: StoreEvent, *, xero: Xero, mappings: Mappings) -> Outcome:
    if event.event == "deleted":
        # The contact stays in Xero: invoices refer to it, and the books keep their history.
        return Outcome("skipped", event.key, reason="customer deleted in the store; the Xero contact is kept")
    customer = parse_customer(event.payload)
    return upsert_customer(party_from_customer(customer), xero, mappings, modified=event.modified)
