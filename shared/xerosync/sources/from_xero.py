"""Contacts and items made in Xero, created in the store: an optional capability of the store port.

A store that keeps its own customers and products (a CRM) may want the contacts and items the
merchant makes in Xero as well. The core (:mod:`xerosync.sync.from_xero`) decides which Xero
records those are (the setting on, known to no mapping, not made by xerosync for a store record)
and hands each one to the store client, which creates the store record with the Xero id in the
field that keeps it, and answers the record it made. The core reads that record into the domain
(:meth:`~xerosync.sources.port.StoreSource.read`) and records its mapping at once, in step with
what the store holds, so neither side makes it again: one write each way.

A client that is told of its own writes (a CRM's notifications) also remembers the create, so its
notification is known as xerosync's own when it comes back
(:class:`~xerosync.sources.xero_state.RemembersWrites`).

Standard library only, like the port.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from xerosync.config import StoreSettings
    from xerosync.sources.port import Found

XeroKind = Literal["contact", "item"]
XERO_KINDS: tuple[XeroKind, ...] = ("contact", "item")


@runtime_checkable
class CreatesFromXero(Protocol):
    """A :class:`~xerosync.sources.port.StoreClient` that creates store records for Xero's."""

    def made_for(self, kind: XeroKind, record: Mapping[str, Any], settings: "StoreSettings") -> str | None:
        """The mapping key of the store record the Xero ``record`` says xerosync made it for (a
        contact's ``ContactNumber`` naming a store record), or None. Asked before the mapping table
        is trusted to know it: a contact xerosync has just created in Xero is named so before its
        mapping is recorded."""
        ...

    def create_from_xero(self, kind: XeroKind, record: Mapping[str, Any], settings: "StoreSettings") -> "Found":
        """Create the store record for the Xero contact or item ``record`` (Xero's JSON), its Xero
        id in the field that keeps it; a second call for the same Xero record makes no second
        store record. Returns it as a listing would: its mapping key, the store time of the
        write (``at``), and the record as :meth:`StoreSource.read` reads it. Raises
        :class:`~xerosync.sources.port.StoreError` when the store refuses it."""
        ...


def creates_from_xero(store: object) -> CreatesFromXero | None:
    """``store`` as a :class:`CreatesFromXero`, or None: Xero's records are never created in it."""
    return store if isinstance(store, CreatesFromXero) else None
