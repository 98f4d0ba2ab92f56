"""Contacts and items made in Xero -> the store (settings ``pull.create_contacts`` and
``pull.create_items``, both off by default), for a store client that can create them (the port's
optional :class:`~xerosync.sources.from_xero.CreatesFromXero`, e.g. Zoho CRM).

**Which Xero records** (:func:`decide`, pure). The setting for the kind is on; the record is active;
no mapping knows its Xero id (the mapping table's reverse lookup: a contact or item xerosync made
for a store record, or matched to one, is known); it does not name a store record it was made for
(:meth:`~xerosync.sources.from_xero.CreatesFromXero.made_for`: a contact xerosync has just made in
Xero carries its record's ``ContactNumber`` before its mapping is recorded); and it was not created
in the store already (:func:`origin_key`, read by its key, not through the index). So what xerosync
itself writes to Xero never comes back as a second store record. Xero's API gives no creation time
for contacts or items, so "made in Xero" is "a Xero record xerosync does not know, seen changing":
with the setting on, a contact the merchant adds or edits in Xero reaches the store once, and the
Xero records nobody touches stay where they are.

**When**. A contact: on its Xero webhook event (``CONTACT``, create or update: :func:`contact_event`)
and by the pull's catch-up of the contacts Xero changed since its watermark; an item: by the
catch-up only (Xero sends no item events). Both: :func:`create_modified`.

**Once, both ways**. The record is created holding :func:`origin_key` (two workers never create it
twice; the store's own create is idempotent by the Xero id besides), and at once its mapping is
recorded: the store record's key -> the Xero id, with the content hash of the record as the
store's sync will read it and the store time of the write, so the store's notification of the
create (or its reconciliation's listing) finds it in step and writes nothing to Xero; a store that
knows its own writes (:class:`~xerosync.sources.port.RemembersWrites`) ignores that notification
without reading the record. Later edits of the store record reach Xero as any other change does.
"""

from collections.abc import Mapping as ReadMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from xerosync import directions
from xerosync.config import StoreSettings
from xerosync.domain import Party, Product
from xerosync.events import StoreEvent
from xerosync.frozen import frozen
from xerosync.sources.from_xero import XERO_KINDS, CreatesFromXero, XeroKind
from xerosync.sources.port import StoreError, StoreSource
from xerosync.sync.base import Outcome, holding, now_iso
from xerosync.sync.ports import ClaimHeld, Mapping, Mappings
from xerosync.timestamps import store_time
from xerosync.xero import payloads
from xerosync.xero.document_state import updated_at

ORIGIN_PREFIX = "fromxero:"
ID_FIELD: dict[XeroKind, str] = {"contact": "ContactID", "item": "ItemID"}
STORE_KIND = {"contact": "customer", "item": "product"}
PAGE = 100  # contacts per page of Xero's listing
FIRST_LOOK = timedelta(days=1)  # how far back the first catch-up looks (once the setting is on)
OVERLAP = timedelta(minutes=5)  # each catch-up looks this far before its watermark (seen again: no write)
WATERMARKS = "from_xero_watermarks"  # where the pull's state keeps them, by kind


class ReverseLookup(Protocol):
    def record_of(self, xero_id: str) -> str | None: ...


class ContactReader(Protocol):
    def get_contact(self, contact_id: str) -> dict[str, Any]: ...


class ModifiedRecords(Protocol):
    def contacts_modified_since(self, since: datetime, page: int = 1) -> list[dict[str, Any]]: ...

    def items_modified_since(self, since: datetime) -> list[dict[str, Any]]: ...


def origin_key(xero_id: str) -> str:
    """Where the store record created for the Xero record ``xero_id`` is noted (no Xero id of its
    own: the reverse lookup never finds it)."""
    return ORIGIN_PREFIX + xero_id


def enabled(kind: XeroKind, settings: StoreSettings) -> bool:
    return settings.pull.create_contacts if kind == "contact" else settings.pull.create_items


@frozen
class Decision:
    create: bool
    reason: str


def decide(
    kind: XeroKind, record: ReadMapping[str, Any], *, settings: StoreSettings, known: str | None, made_for: str | None
) -> Decision:
    """Whether the Xero ``record`` is to be created in the store (see the module's docstring);
    ``known`` is the store record the mapping table maps its id to, ``made_for`` the one it names."""
    word = "contacts" if kind == "contact" else "items"
    if not enabled(kind, settings):
        return Decision(False, f"{word} made in Xero are not created in the store (settings: pull.create_{word})")
    if not str(record.get(ID_FIELD[kind]) or ""):
        return Decision(False, f"a Xero {kind} without its {ID_FIELD[kind]}")
    if known:
        return Decision(False, f"known to xerosync as {known} (made by xerosync, or matched to the store's record)")
    if made_for:
        return Decision(False, f"made by xerosync for {made_for} (its ContactNumber)")
    if kind == "contact" and record.get("ContactStatus", "ACTIVE") != "ACTIVE":
        return Decision(False, f"the contact is {str(record.get('ContactStatus')).lower()} in Xero")
    if kind == "item" and record.get("IsSold") is False:
        return Decision(False, "the item is not sold (Xero: IsSold false): no product for it")
    if not str(record.get("Name") or ""):
        return Decision(False, f"the Xero {kind} has no name")
    return Decision(True, f"a {kind} made in Xero, unknown to the store")


def digest_of(read: Party | Product, settings: StoreSettings) -> tuple[str, str]:
    """The content hash the store's own sync computes for ``read``, and the number it records."""
    if isinstance(read, Party):
        return payloads.content_hash(payloads.contact(read)), read.customer_number or ""
    code = payloads.item_code(read.sku, settings).code or ""
    body = payloads.item(read, code, settings)
    return payloads.content_hash(directions.item_update(body, read.sku, settings)), code


def create_in_store(
    kind: XeroKind,
    record: ReadMapping[str, Any],
    *,
    settings: StoreSettings,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: CreatesFromXero,
    source: StoreSource,
) -> Outcome:
    """Create the Xero ``record`` in the store if :func:`decide` says so, and record it."""
    xero_id = str(record.get(ID_FIELD[kind]) or "")
    key = f"{kind}:{xero_id}"
    decision = decide(
        kind,
        record,
        settings=settings,
        known=lookup.record_of(xero_id) if xero_id else None,
        made_for=store.made_for(kind, record, settings) if xero_id else None,
    )
    if not decision.create:
        return Outcome("skipped", key, xero_id or None, reason=decision.reason)
    with holding(mappings, origin_key(xero_id)):
        done = mappings.get(origin_key(xero_id))
        if done is not None:
            made = str(done.data.get("record") or "")
            return Outcome("unchanged", made or key, xero_id, reason=f"created in the store already as {made}")
        found = store.create_from_xero(kind, record, settings)
        read = source.read(STORE_KIND[kind], found.raw, settings)  # type: ignore[arg-type]  # a Kind
        digest, number = digest_of(read, settings)  # type: ignore[arg-type]  # a Party or a Product
        stamp = found.at.isoformat() if found.at else None
        mappings.put(Mapping(found.key, xero_id, content_hash=digest, xero_number=number or None,
                             source_modified=stamp, updated_at=now_iso(), data={"from_xero": True}))  # fmt: skip
        mappings.put(Mapping(origin_key(xero_id), "", updated_at=now_iso(), data={"record": found.key}))
    name = str(record.get("Name") or "")
    return Outcome("created", found.key, xero_id, reason=f"Xero {kind} {name!r} created in the store")


def contact_event(
    event: StoreEvent,
    *,
    settings: StoreSettings,
    xero: ContactReader,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: CreatesFromXero | None,
    source: StoreSource,
) -> Outcome:
    """A Xero ``CONTACT`` event: the cheap checks first (the setting, the store, the mapping table),
    then the contact is read once and decided."""
    key = event.key  # contact:<ContactID>
    if not settings.pull.create_contacts:
        return Outcome("skipped", key, reason="contacts made in Xero are not created in the store "
                       "(settings: pull.create_contacts)")  # fmt: skip
    if store is None:
        return Outcome("skipped", key, reason="the store cannot create contacts made in Xero")
    known = lookup.record_of(event.id)
    if known:
        return Outcome("skipped", key, event.id, reason=f"known to xerosync as {known}")
    contact = xero.get_contact(event.id)
    return create_in_store("contact", contact, settings=settings, mappings=mappings, lookup=lookup, store=store,
                           source=source)  # fmt: skip


# --- the catch-up: what Xero changed while its webhook was down, and every item ---------------------
@dataclass
class CaughtUp:
    """One pass over the records of one kind Xero changed since a watermark."""

    kind: XeroKind
    read: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "<key>: <why>", tried again by the next pass
    watermark: datetime | None = None  # where the next pass starts (None: where this one did)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)


def create_modified(
    kind: XeroKind,
    since: datetime,
    *,
    settings: StoreSettings,
    xero: ModifiedRecords,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: CreatesFromXero,
    source: StoreSource,
    pages: int = 10,
) -> CaughtUp:
    """Every ``kind`` record Xero changed at or after ``since`` that :func:`decide` says to create,
    created once. The watermark moves past what was handled, never past a record whose create
    failed or was held by another worker."""
    run = CaughtUp(kind)
    if not enabled(kind, settings):
        return run
    last: datetime | None = None
    stuck: datetime | None = None
    for page in range(1, pages + 1):
        found = xero.contacts_modified_since(since, page) if kind == "contact" else xero.items_modified_since(since)
        for record in found:
            run.read += 1
            when = updated_at(record)
            last = max(last, when) if last and when else (when or last)
            try:
                run.outcomes.append(create_in_store(kind, record, settings=settings, mappings=mappings,
                                                    lookup=lookup, store=store, source=source))  # fmt: skip
            except (ClaimHeld, StoreError, ValueError) as exc:  # the next pass reads it again
                run.failed.append(f"{kind}:{record.get(ID_FIELD[kind])}: {exc}")
                stuck = min(stuck, when) if stuck and when else (stuck or when or since)
        if kind == "item" or len(found) < PAGE:
            break
    mark = min(stuck, last) if stuck and last else (stuck or last)
    run.watermark = mark.replace(microsecond=0) if mark else None  # Xero counts whole seconds
    return run


def catch_up(
    state: dict[str, Any],
    now: datetime,
    *,
    settings: StoreSettings,
    xero: ModifiedRecords,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: CreatesFromXero,
    source: StoreSource,
) -> list[CaughtUp]:
    """With the pull: each kind whose setting is on, from its watermark in ``state`` (moved on)."""
    runs = []
    marks = state.setdefault(WATERMARKS, {})
    for kind in XERO_KINDS:
        if not enabled(kind, settings):
            continue
        mark = store_time(marks.get(kind)) or now - FIRST_LOOK
        run = create_modified(kind, mark - OVERLAP, settings=settings, xero=xero, mappings=mappings, lookup=lookup,
                              store=store, source=source)  # fmt: skip
        marks[kind] = (run.watermark or mark).astimezone(UTC).isoformat(timespec="seconds")
        runs.append(run)
    return runs
