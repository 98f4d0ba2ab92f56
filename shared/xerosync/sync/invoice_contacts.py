"""A new buyer's contact made by the invoice that names it (real time): one request instead of
``PUT /Contacts`` and then the invoice. The contact rules (lookup, names, what is this store's) are
:mod:`xerosync.sync.contacts`."""

from typing import Any

from xerosync.domain import Party
from xerosync.sync.base import new_claim
from xerosync.sync.contacts import Lookup, _name_key, _recorded, _write, disambiguated
from xerosync.sync.ports import Awaited, ClaimHeld, Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected


class NewContact:
    """A new party's contact, to be created by the invoice that names it: Xero creates a contact
    named on a document when no contact has that name ("If you only provide only a contact name,
    the API will either find the existing contact with that name or it will create a contact with
    that name", Xero staff, https://community.xero.com/developer/discussion/106550833), with the
    details sent beside the name (a full Contact on an invoice is applied to its contact, which is
    why an invoice for a known contact names only its ContactID:
    https://onlinecast.org.uk/post/xero-api-update-or-create-invoices-overwriting-contact). One
    request instead of a ``PUT /Contacts`` and then the invoice.

    It holds the party's claim (nobody else creates its contact) and its name's lock from before
    the lookup that found neither the party nor the name until Xero answers: no contact of this
    name can be created meanwhile by this stack, so Xero creates the contact and does not match
    another. :meth:`recorded` maps it from the invoice's answer; :meth:`abandon` lets it go (no
    invoice created): the claim released, the next attempt looks in Xero first."""

    def __init__(self, party: Party, body: dict[str, Any], mappings: Mappings, claim: str, token: str) -> None:
        self.party, self.body, self.mappings = party, body, mappings
        self.claim, self.token = claim, token
        self.sent = dict(body)  # what the invoice names: the body, under ``Name (email)`` if its name is taken
        self.done = False

    def recorded(self, contact_id: str) -> None:
        """The invoice was created, and with it the contact ``contact_id``."""
        self.keep(_recorded(self.party, {"ContactID": contact_id}, True, self.body, self.mappings, None))

    def keep(self, mapping: Mapping) -> str:
        """Record the party's contact (found, or created apart) under the claim; its id."""
        self.mappings.put(mapping, claim=self.claim)
        self._end()
        return mapping.xero_id

    def abandon(self) -> None:
        if not self.done:
            self.mappings.release(self.party.key, self.claim)
            self._end()

    def _end(self) -> None:
        self.done = True
        if self.token:  # "": the name's lock was not ours
            self.mappings.unlock(_name_key(str(self.body["Name"])), self.token)


def contact_for_invoice(party: Party, xero: Xero, mappings: Mappings) -> str | NewContact:
    """``party``'s ContactID, as :func:`ensure_contact`; or, for a party found neither in the
    mapping table nor in Xero, a :class:`NewContact` for the invoice to create.

    The party's claim comes first, then its name's lock: a party's other orders wait at its
    claim, so whoever holds a name's lock is creating *another* party's contact of that name."""
    known = mappings.get(party.key)
    if known:
        return known.xero_id
    body = payloads.contact(party)
    claim = new_claim()
    claimed = mappings.claim(party.key, claim)
    if isinstance(claimed, Mapping):
        return claimed.xero_id
    token = new_claim()
    try:
        mappings.lock(_name_key(str(body["Name"])), token)
    except ClaimHeld:  # another party's contact of this name is being created: ours is made apart
        token = ""
    except BaseException:
        mappings.release(party.key, claim)
        raise
    new = NewContact(party, body, mappings, claim, token)
    try:
        lookup = Lookup(party, body, xero)
        found = lookup()
        if found is not None:
            return new.keep(_recorded(party, found, False, body, mappings, None))
        # in a large batch, or when the buyer's other orders in it wait for it: created now (their
        # invoices then go with this one)
        apart = isinstance(mappings, Awaited) and (not mappings.small() or mappings.awaited(party.key))
        if token and not apart:
            if lookup.name_taken:
                new.sent["Name"] = disambiguated(party)
            return new
        key = f"contact:{party.key}:{claim}"
        result = _write(party, xero.create_contacts, body, key, name_taken=lookup.name_taken or not token)
        if not result.ok:
            raise XeroRejected(list(result.errors), result.record)
        return new.keep(_recorded(party, result.record, True, body, mappings, None))
    except BaseException:
        new.abandon()
        raise
