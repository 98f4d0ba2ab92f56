"""Store customers -> Xero contacts: one contact per customer, never a duplicate.

A contact is found, in this order: in our mapping table; in Xero by the ContactID the store's
record keeps (:attr:`~xerosync.domain.Party.xero_contact_id`, for a store that writes it back); in
Xero by ``ContactNumber`` (the store's customer id, or what its adapter's rule for records without
an email makes of them; several with the number: the one of the same name first); in Xero by email
among active contacts. Only then is one created. Once the contact is known, a store client that
keeps the ContactID on its record (the port's optional
:class:`~xerosync.sources.xero_state.ContactIdWriteBack`) is given it when its record holds
another, so the match survives a lost mapping table and a renumbered contact.
Xero insists contact names are unique among active contacts, so a new customer whose name
another contact already uses gets ``Name (email)`` instead of a failure or an overwrite. The
lookup asks for the name too (the same read), so such a contact is created under its
disambiguated name at once rather than after a refused create.

**A contact another store made** (one merchant, two stores, two stacks, one Xero organisation: a
buyer of both is one contact). A contact is *this store's* when this stack created it, when it
carries this customer's ``ContactNumber``, or when it has no number and this stack's own guest
mapping (``guest:<email>``) points at it (the customer bought as a guest first). Any other contact
found by email - another store's, or one the merchant made in Xero - is *shared*: this stack maps
it by ContactID in its own mapping table and never sends its ``ContactNumber`` or its name
(``Name``, ``FirstName``, ``LastName``), which stay its maker's, so the other store's lookups by
number keep finding it and the two stores never rename it back and forth. Of the other fields
(email, phone, address, tax number) it sends those Xero lacks when it finds the contact, and
later only those that change in this store (its newer data): the mapping keeps a digest of each
field as this stack last knew it (``data.sent``).
"""

import hashlib
import json
from dataclasses import replace
from typing import Any

from xerosync.config import StoreSettings
from xerosync.domain import CustomerChanged, Ignored, Party
from xerosync.sources.port import StoreError, StoreNotFound
from xerosync.sources.xero_state import contact_id_writer_of
from xerosync.sync.base import Outcome, create_once, holding, new_claim, now_iso, superseded, superseded_outcome
from xerosync.sync.ports import ClaimHeld, Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected

NAME_TAKEN = "already assigned to another contact"
# The fields a stack sends to a contact another store made (never its number or its name)
SHARED_FIELDS = ("EmailAddress", "TaxNumber", "Addresses", "Phones")
SHARED = (
    "a contact another store (or the merchant) made, found by email: its number and name stay theirs, "
    "and this store sends only what Xero lacks or what changes here"
)
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
        party = self.party
        matching = self.xero.contacts_matching(party.customer_number, party.email, self.name, party.xero_contact_id)
        found = _active(matching)
        match = _match(self.party, found)
        name = self.name.casefold()
        self.name_taken = match is None and any(str(c.get("Name", "")).casefold() == name for c in found)
        return match


def _match(party: Party, found: list[dict[str, Any]]) -> dict[str, Any] | None:
    for contact in found:
        if _kept_id(party, contact):
            return contact
    number, email = party.customer_number, party.email.lower()
    numbered = [c for c in found if number and c.get("ContactNumber") == number]
    mailed = [c for c in found if email and str(c.get("EmailAddress", "")).lower() == email]
    for matches in (numbered, mailed):
        exact = [c for c in matches if c.get("Name") == party.name]
        for contact in exact or matches:
            return contact
    return None


def _kept_id(party: Party, contact: dict[str, Any]) -> bool:
    """Whether ``contact`` is the one the store's record names by its ContactID."""
    wanted = party.xero_contact_id.lower()
    return bool(wanted) and str(contact.get("ContactID") or "").lower() == wanted


def disambiguated(party: Party) -> str:
    suffix = party.email or party.customer_number or party.key
    return f"{party.name} ({suffix})"


def _name_key(name: str) -> str:
    """The lock of a contact name (hashed: no personal data in a key), held while a contact of that
    name is created (see :class:`NewContact`)."""
    plain = " ".join(name.split()).casefold()
    return "contact-name:" + hashlib.sha256(plain.encode()).hexdigest()[:32]


def _create(
    party: Party, xero: Xero, mappings: Mappings, body: dict[str, Any], key: str, *, name_taken: bool
) -> ElementResult:
    """``PUT /Contacts`` of a new contact, holding its name's lock: an invoice naming a new contact
    (:class:`NewContact`) holds it from its lookup to Xero's answer, and Xero would give that
    invoice any contact of the name created meanwhile. Held: the name is as good as taken."""
    if name_taken:
        return _write(party, xero.create_contacts, body, key, name_taken=True)
    token = new_claim()
    try:
        mappings.lock(_name_key(str(body["Name"])), token)
    except ClaimHeld:
        return _write(party, xero.create_contacts, body, key, name_taken=True)
    try:
        return _write(party, xero.create_contacts, body, key)
    finally:
        mappings.unlock(_name_key(str(body["Name"])), token)


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


def _ours(party: Party, found: dict[str, Any], mappings: Mappings) -> bool:
    """Whether a contact found in Xero is this store's to number and name (see the module's docstring)."""
    if _kept_id(party, found):
        return True  # the store's record names it: this store's contact, whatever its number now
    number = str(found.get("ContactNumber") or "")
    if number:
        return number == party.customer_number
    if not party.email or party.key == _guest_key(party):
        return False
    guest = mappings.get(_guest_key(party))
    return guest is not None and guest.xero_id == str(found.get("ContactID"))


def _guest_key(party: Party) -> str:
    return f"guest:{party.email}"  # the key the store adapters give a buyer known by email only


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _in_xero(found: dict[str, Any], field: str) -> bool:
    """Whether the contact Xero has holds a value for ``field`` (Xero lists empty address and phone
    entries of every type)."""
    value = found.get(field)
    if field == "Addresses":
        return any(any(v for k, v in a.items() if k != "AddressType") for a in value or ())
    if field == "Phones":
        return any(p.get("PhoneNumber") for p in value or ())
    return bool(value)


def _recorded(
    party: Party, found: dict[str, Any], new: bool, body: dict[str, Any], mappings: Mappings, modified: str | None
) -> Mapping:
    """The mapping of a contact created now (``new``) or found: this store's, or shared (its
    fields Xero has already are taken as known; those it lacks are sent on the next update)."""
    contact_id = str(found["ContactID"])
    if new or _ours(party, found, mappings):
        # a contact found in Xero keeps an empty hash, so the customer's next update refreshes it
        return _mapping(party, contact_id, payloads.content_hash(body) if new else "", modified)
    sent = {f: _digest(body[f]) for f in SHARED_FIELDS if f in body and _in_xero(found, f)}
    return Mapping(
        party.key,
        contact_id,
        xero_number=str(found.get("ContactNumber") or "") or None,
        source_modified=modified,
        updated_at=now_iso(),
        data={"shared": True, "sent": sent},
    )


def _update_shared(
    party: Party, body: dict[str, Any], known: Mapping, xero: Xero, mappings: Mappings, modified: str | None
) -> Outcome:
    sent = {str(k): str(v) for k, v in dict(known.data.get("sent") or {}).items()}
    changed = {f: body[f] for f in SHARED_FIELDS if f in body and sent.get(f) != _digest(body[f])}
    if not changed:
        return Outcome("unchanged", party.key, known.xero_id, reason=SHARED)
    key = f"contact:{party.key}:{_digest(changed)}"
    result = xero.update_contacts([{"ContactID": known.xero_id, **changed}], idempotency_key=key)[0]
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    sent.update({f: _digest(v) for f, v in changed.items()})
    data = {**known.data, "shared": True, "sent": sent}
    mappings.put(replace(known, source_modified=modified or known.source_modified, updated_at=now_iso(), data=data))
    return Outcome("updated", party.key, known.xero_id, reason=f"{SHARED}; sent {', '.join(changed)}")


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
        create=lambda claim: _create(
            party, xero, mappings, body, f"contact:{party.key}:{claim}", name_taken=lookup.name_taken
        ),
        record=lambda found, new: _recorded(party, found, new, body, mappings, None),
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
        create=lambda claim: _create(
            party, xero, mappings, body, f"contact:{party.key}:{claim}", name_taken=lookup.name_taken
        ),
        record=lambda found, new: _recorded(party, found, new, body, mappings, modified),
    )
    if created.record is not None:  # we created it just now, from this very state
        return Outcome("created", party.key, created.mapping.xero_id)
    known = created.mapping
    if known.data.get("shared"):
        return _update_shared(party, body, known, xero, mappings, modified)
    if known.content_hash == digest:
        return Outcome("unchanged", party.key, known.xero_id)
    result = _write(party, xero.update_contacts, {**body, "ContactID": known.xero_id}, f"contact:{party.key}:{digest}")
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    mappings.put(_mapping(party, known.xero_id, digest, modified))
    return Outcome("updated", party.key, known.xero_id)


def sync_customer(
    command: CustomerChanged | Ignored,
    *,
    xero: Xero,
    mappings: Mappings,
    settings: StoreSettings | None = None,
    store: object | None = None,
) -> Outcome:
    """A customer created or changed in the store (a deleted one keeps its contact: invoices refer
    to it, and the books keep their history); ``store``: its client, given the ContactID to keep
    when it keeps one."""
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
        outcome = upsert_customer(party, xero, mappings, modified=stamp)
    return _contact_id_kept(party, outcome, store, settings) if settings is not None else outcome


def _contact_id_kept(party: Party, outcome: Outcome, store: object | None, settings: StoreSettings) -> Outcome:
    """``outcome``, after the store's record is given the contact's ContactID when it keeps one and
    holds another (one store write, only when it changes). The contact is in Xero either way: a
    record gone or a store that refuses the write is said in the outcome, not failed; a store that
    asks to wait is (the contact's sync is retried, and finds the contact unchanged)."""
    writer = contact_id_writer_of(store)
    contact_id = outcome.xero_id or ""
    if writer is None or outcome.action not in ("created", "updated", "unchanged") or not contact_id:
        return outcome
    if party.xero_contact_id.lower() == contact_id.lower():
        return outcome
    try:
        said = writer.write_contact_id(party.key, contact_id, settings)
    except StoreNotFound:
        return replace(outcome, reason=_also(outcome.reason, "the store record is gone: its Xero ContactID not kept"))
    except StoreError as exc:
        if exc.transient:
            raise
        return replace(outcome, reason=_also(outcome.reason, f"the store did not keep its Xero ContactID: {exc}"))
    if said is None:
        return outcome
    return replace(outcome, also=(*outcome.also, f"Xero ContactID kept in the store: {said}"))


def _also(reason: str, more: str) -> str:
    return f"{reason}; {more}" if reason else more
