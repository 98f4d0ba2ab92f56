"""Store customers -> Xero contacts: one contact per customer, never a duplicate.

A contact is found, in this order: in our mapping table; in Xero by ``ContactNumber`` (the
store's customer id); in Xero by email among active contacts. Only then is one created.
Xero insists contact names are unique among active contacts, so a new customer whose name
another contact already uses gets ``Name (email)`` instead of a failure or an overwrite. The
lookup asks for the name too (the same read), so such a contact is created under its
disambiguated name at once rather than after a refused create.
"""

from typing import Any

from xerosync.config import StoreSettings
from xerosync.domain import CustomerChanged, Ignored, Party
from xerosync.sync.base import Outcome, create_once, holding, now_iso, superseded, superseded_outcome
from xerosync.sync.ports import Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected

NAME_TAKEN = "already assigned to another contact"
# The order in which this use case calls Xero (see sync.orders.CALL_ORDER): a lookup, then a write.
CALL_ORDER: tuple[tuple[str, ...], ...] = (("contacts_matching",), ("create_contacts", "update_contacts"))


def _active(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in contacts if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]


class Lookup:
    """The ``find`` of a party's contact: by ContactNumber, else by email (the one of the same
    name first); one read asks for those and for the name, which it notes as taken or not."""

    def __init__(self, party: Party, body: dict[str, Any], xero: Xero) -> None:
        self.party, self.name, self.xero = party, str(body.get("Name") or ""), xero
        self.name_taken = False

    def __call__(self) -> dict[str, Any] | None:
        found = _active(self.xero.contacts_matching(self.party.customer_number, self.party.email, self.name))
        match = _match(self.party, found)
        name = self.name.casefold()
        self.name_taken = match is None and any(str(c.get("Name", "")).casefold() == name for c in found)
        return match


def _match(party: Party, found: list[dict[str, Any]]) -> dict[str, Any] | None:
    for contact in found:
        if party.customer_number and contact.get("ContactNumber") == party.customer_number:
            return contact
    email = party.email.lower()
    matches = [c for c in found if email and str(c.get("EmailAddress", "")).lower() == email]
    exact = [c for c in matches if c.get("Name") == party.name]
    for contact in exact or matches:
        return contact
    return None


def disambiguated(party: Party) -> str:
    suffix = party.email or party.customer_number or party.key
    return f"{party.name} ({suffix})"


def _write(party: Party, send: Any, body: dict[str, Any], key: str, *, name_taken: bool = False) -> ElementResult:
    """Send ``body``, as ``Name (email)`` when the lookup saw its name taken; if Xero says the
    name is taken all the same (another create got there first), send it again so."""
    if name_taken:
        body = {**body, "Name": disambiguated(party)}
    result: ElementResult = send([body], idempotency_key=key)[0]
    if not name_taken and not result.ok and any(NAME_TAKEN in e for e in result.errors):
        result = send([{**body, "Name": disambiguated(party)}], idempotency_key=key + ":2")[0]
    return result


def _mapping(party: Party, contact_id: str, digest: str, modified: str | None = None) -> Mapping:
    return Mapping(
        party.key,
        contact_id,
        content_hash=digest,
        xero_number=party.customer_number,
        source_modified=modified,
        updated_at=now_iso(),
    )


def ensure_contact(party: Party, xero: Xero, mappings: Mappings) -> str:
    """The ContactID for ``party``, creating the contact only if it exists nowhere.

    Orders and customers arrive on different queues, so the order of a new customer and the
    customer itself race for the contact: the claim lets exactly one of them create it."""
    body = payloads.contact(party)
    lookup = Lookup(party, body, xero)
    created = create_once(
        mappings,
        party.key,
        find=lookup,
        create=lambda claim: _write(
            party, xero.create_contacts, body, f"contact:{party.key}:{claim}", name_taken=lookup.name_taken
        ),
        # a contact found in Xero keeps an empty hash, so the customer's next update refreshes it
        record=lambda found, new: _mapping(party, str(found["ContactID"]), payloads.content_hash(body) if new else ""),
    )
    return created.mapping.xero_id


def upsert_customer(party: Party, xero: Xero, mappings: Mappings, *, modified: str | None = None) -> Outcome:
    """A customer created or updated in the store: the same Xero contact, up to date."""
    body = payloads.contact(party)
    digest = payloads.content_hash(body)
    lookup = Lookup(party, body, xero)
    created = create_once(
        mappings,
        party.key,
        find=lookup,
        create=lambda claim: _write(
            party, xero.create_contacts, body, f"contact:{party.key}:{claim}", name_taken=lookup.name_taken
        ),
        record=lambda found, new: _mapping(party, str(found["ContactID"]), digest if new else "", modified),
    )
    if created.record is not None:  # we created it just now, from this very state
        return Outcome("created", party.key, created.mapping.xero_id)
    known = created.mapping
    if known.content_hash == digest:
        return Outcome("unchanged", party.key, known.xero_id)
    result = _write(party, xero.update_contacts, {**body, "ContactID": known.xero_id}, f"contact:{party.key}:{digest}")
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    mappings.put(_mapping(party, known.xero_id, digest, modified))
    return Outcome("updated", party.key, known.xero_id)


def sync_customer(
    command: CustomerChanged | Ignored, *, xero: Xero, mappings: Mappings, settings: StoreSettings | None = None
) -> Outcome:
    """A customer created or changed in the store (a deleted one keeps its contact: invoices refer
    to it, and the books keep their history)."""
    if isinstance(command, Ignored):
        return Outcome("skipped", command.key, reason=command.reason)
    party = command.party
    if settings is not None and not settings.sync.customers:
        return Outcome("skipped", party.key, reason="customer sync is switched off (settings: sync.customers)")
    stamp = command.modified.isoformat() if command.modified else None
    with holding(mappings, party.key):
        known = mappings.get(party.key)
        if superseded(known, stamp) and known is not None:
            return superseded_outcome(party.key, stamp, known)
        return upsert_customer(party, xero, mappings, modified=stamp)
