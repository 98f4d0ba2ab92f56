"""Xero -> Zoho CRM: Xero's state of a document on the CRM record it came from, the Xero ContactID
on the CRM contact, and xerosync's own writes known when their notifications come back.

**What is written** (:func:`writeback_row`): to the Invoices, Sales_Orders or Purchase_Orders
record an invoice or bill was made from, as the store settings say (:mod:`.settings`): the status
picklist by ``xero_status_map`` (where the document stands in Xero, ``PART_PAID`` included), the
amounts paid and due, the day it was fully paid and the day of its last payment, the Xero number
and the link to it in Xero. After a contact sync, :func:`contact_id_row` writes the Xero
ContactID to ``xero_contact_id_field`` of the Accounts, Contacts or Vendors record, so the match
survives. Every write is a partial update (``PUT /crm/v8/{module}``, only these fields) with
``"trigger": []``, so no workflow, approval or blueprint of the CRM runs on it
(:meth:`~.client.ZohoCRM.update`; https://www.zoho.com/crm/developer/docs/api/v8/update-records.html).

**Loop prevention** (:func:`own_write`). Zoho notifies every change, xerosync's own writes included
(the API's writes are notified like a user's:
https://www.zoho.com/crm/developer/docs/api/v8/notifications/overview.html). Each write xerosync
makes is remembered (:class:`Written`: the fields and the values it wrote, and Zoho's
``Modified_Time`` of that write, kept in the mapping table through the port's
:class:`~xerosync.sources.port.WriteMemory`; the last :data:`KEEP` writes of a record). A
notification is that write coming back when it is an ``update`` that says which fields changed
(``affected_fields``), every one of them (Zoho's own bookkeeping fields aside,
:data:`SYSTEM_FIELDS`) is one xerosync wrote, and

* when the notification carries the values (``affected_values``: only for a channel enabled with
  ``return_affected_field_values``, which :meth:`~.client.ZohoCRM.enable_channel` asks for), each
  value is the one xerosync wrote (numbers compared as numbers);
* when it does not, its ``server_time`` falls within ``own_write_window`` seconds of the write's
  ``Modified_Time`` (Zoho's clock both).

The insert of a record xerosync created itself (:mod:`.from_xero`, remembered as a create) is
ours too. Anything else is not ours: a user's edit of any other field of the same record, any
other insert, a delete, a notification that does not say what changed (or names no field but
Zoho's own), and a record xerosync never wrote. The adapter answers
:class:`~xerosync.domain.Ignored` for its own write and nothing goes to Xero.

Limits, said plainly: without the values, a user who sets one of xerosync's own fields within
the window of a write of xerosync's is taken as that write (a channel enabled before this rule
asked for values gets them at its next renewal, within six days); with the values, a user who
sets a field to the very value xerosync just wrote is taken as xerosync (nothing to send: the
record is as xerosync left it). A notification that carries no fields at all (a by-reference
envelope, the reconciliation's listing) is never ours: the record is read and synced, and the
core's content hash finds nothing new for Xero. Whether Zoho lists fields that did not change in
``affected_fields`` is not documented; the simulator lists only changed ones (a formula field Zoho
recomputes from one of xerosync's fields, if listed, makes the notification not ours: the safe
side).

**Wiring** (the adapter's): the Zoho store client mixes in :class:`ZohoWriteBack` (it needs
``self.crm``, the :class:`~.client.ZohoCRM`); the core then calls ``write_back`` for every Xero
change of a document it wrote, and hands the client its memory (``remember_writes_in``) where the
stack builds it. The contacts sync's adapter calls ``write_contact_id`` once a record's Xero
contact is known. The source's ``command`` asks ``store.own_write(content, settings)`` first, with
the notification's content for that record (:func:`contents_of`'s shape: what the ingress hashes
into the envelope's identity), and answers ``Ignored(key, reason)`` when it says why.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from xerosync.frozen import frozen
from xerosync.sources.port import StoreError, StoreNotFound, WriteMemory, XeroDocumentState
from xerosync.sources.zoho.settings import MODULES, ZohoSettings, zoho_settings

if TYPE_CHECKING:
    from xerosync.config import StoreSettings
    from xerosync.sources.zoho.client import RecordAnswer

DOCUMENT_MODULES = ("Invoices", "Sales_Orders", "Purchase_Orders")
CONTACT_MODULES = ("Accounts", "Contacts", "Vendors")
# fields Zoho changes itself on every write: never a user's edit, never one of ours
SYSTEM_FIELDS = frozenset({"id", "Modified_Time", "Modified_By", "Last_Activity_Time", "Created_Time", "Created_By"})
KEEP = 3  # writes remembered per record: a notification may come back after the next write


def record_of(record_key: str) -> tuple[str, str]:
    """The module and id of a record key (``order:Invoices:57…``, or ``Invoices:57…``)."""
    parts = record_key.split(":")
    if len(parts) == 3:
        parts = parts[1:]
    if len(parts) != 2 or not parts[1].isdigit() or parts[0] not in MODULES:
        raise StoreError(f"{record_key!r} does not name a Zoho CRM record (Module:id)")
    return parts[0], parts[1]


def writeback_row(module: str, record_id: str, state: XeroDocumentState, settings: ZohoSettings) -> dict[str, Any]:
    """The partial update that shows ``state`` on the record (its ``id`` and the fields the
    settings name; only the ``id`` when they name none)."""
    if module not in DOCUMENT_MODULES:
        raise StoreError(f"Xero's state of a document is written to {', '.join(DOCUMENT_MODULES)}, not {module}")
    status = settings.xero_status_map.get(state.standing)  # type: ignore[call-overload]
    values: list[tuple[str, Any]] = [
        (settings.status_field, status),
        (settings.xero_number_field, state.number or None),
        (settings.xero_link_field, state.link or None),
        (settings.amount_paid_field, state.amount_paid),
        (settings.amount_due_field, state.amount_due),
        (settings.paid_on_field, state.fully_paid_on.isoformat() if state.fully_paid_on else None),
        (settings.last_payment_field, state.last_payment_on.isoformat() if state.last_payment_on else None),
    ]
    row: dict[str, Any] = {"id": record_id}
    for name, value in values:
        if name and (value is not None or name in (settings.paid_on_field, settings.last_payment_field)):
            row[name] = value  # a date no longer true (a payment removed) is cleared: None
    if settings.status_field and status is None:
        row.pop(settings.status_field, None)  # a standing the map leaves out: the status stays the CRM's
    return row


def contact_id_row(module: str, record_id: str, contact_id: str, settings: ZohoSettings) -> dict[str, Any]:
    """The partial update that records a contact's Xero ContactID on its CRM record."""
    if module not in CONTACT_MODULES:
        raise StoreError(f"a Xero ContactID is written to {', '.join(CONTACT_MODULES)}, not {module}")
    if not contact_id:
        raise StoreError(f"no Xero ContactID to write to {module} {record_id}")
    return {"id": record_id, settings.xero_contact_id_field: contact_id}


def normal(value: Any) -> str:
    """A field's value as text to compare: numbers in their shortest form (``12.50`` -> ``12.5``),
    a lookup by its id, a date in ISO form, nothing as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return format(number.normalize(), "f") if number else "0"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return str(value.get("id") or value.get("name") or "")
    return str(value)


def _same(given: Any, wrote: str) -> bool:
    text = normal(given)
    if text == wrote:
        return True
    try:
        return Decimal(text) == Decimal(wrote)  # "12.50" echoed as text for 12.5 written
    except InvalidOperation:
        return False


@frozen
class Written:
    """One write of xerosync's to a CRM record, as kept in the mapping table (text only)."""

    module: str
    record_id: str
    fields: Mapping[str, str]  # API name -> the value written (:func:`normal`)
    modified_ms: int  # Zoho's Modified_Time of the write, in milliseconds (its server_time's unit)
    created: bool = False  # the write created the record (:mod:`.from_xero`)

    def stored(self) -> dict[str, Any]:
        return {
            "fields": dict(self.fields),
            "modified_ms": str(self.modified_ms),
            **({"created": "1"} if self.created else {}),
        }

    @classmethod
    def of(cls, module: str, record_id: str, data: Mapping[str, Any]) -> "Written":
        return cls(module, record_id, {str(k): str(v) for k, v in (data.get("fields") or {}).items()},
                   int(str(data.get("modified_ms") or 0)), bool(data.get("created")))  # fmt: skip


def written(
    module: str, record_id: str, row: Mapping[str, Any], answer: "RecordAnswer", now: datetime, *, created: bool = False
) -> Written:
    """What a successful update of ``row`` wrote, stamped with Zoho's ``Modified_Time`` (ours when
    Zoho's answer carries none)."""
    stamp = str(answer.details.get("Modified_Time") or "")
    try:
        when = datetime.fromisoformat(stamp) if stamp else now
    except ValueError:
        when = now
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    fields = {k: normal(v) for k, v in row.items() if k != "id"}
    return Written(module, record_id, fields, int(when.timestamp() * 1000), created)


def own_write(content: Mapping[str, Any], writes: Sequence[Written], *, window: int) -> str:
    """Why the notification ``content`` (for one record: ``operation``, ``server_time`` in ms,
    ``affected_fields``, ``affected_values``, as the ingress keeps it) is one of ``writes``
    coming back; ``""`` when it is not (the rule: the module's docstring). An ``insert`` is ours
    when xerosync created that very record (Zoho gives each record its id: nobody else inserts it)."""
    if content.get("operation") == "insert" and any(w.created for w in writes):
        return "xerosync's own create of the record"
    if content.get("operation") != "update" or not writes:
        return ""
    affected = content.get("affected_fields")
    if not isinstance(affected, list):
        return ""  # the notification does not say what changed: not known to be ours
    changed = {str(f) for f in affected} - SYSTEM_FIELDS
    if not changed:
        return ""  # nothing named: nothing to tell it by (and nothing lost by syncing it)
    values = content.get("affected_values")
    server_time = content.get("server_time")
    for write in reversed(writes):
        if not changed <= set(write.fields):
            continue
        if isinstance(values, Mapping):
            if all(_same(values.get(f), write.fields[f]) for f in changed):
                return f"xerosync's own write of {', '.join(sorted(changed))} (the values it wrote)"
            continue
        if isinstance(server_time, int) and abs(server_time - write.modified_ms) <= window * 1000:
            return f"xerosync's own write of {', '.join(sorted(changed))} ({window} s window)"
    return ""


def contents_of(notification: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each record's content in a notification body, as the ingress keeps it for its envelope
    (:func:`.webhook.decide`): ``{module, id, operation, server_time, affected_fields,
    affected_values}``."""
    fields: dict[str, Any] = {}
    for item in notification.get("affected_fields") or ():
        fields.update({str(k): v for k, v in item.items()})
    values = {str(v.get("record_id")): v.get("values") for v in notification.get("affected_values") or ()}
    return [
        {
            "module": notification.get("module"),
            "id": str(record_id),
            "operation": notification.get("operation"),
            "server_time": notification.get("server_time"),
            "affected_fields": fields.get(str(record_id)),
            "affected_values": values.get(str(record_id)),
        }
        for record_id in dict.fromkeys(notification.get("ids") or ())
    ]


class ZohoWriteBack:
    """The write-back side of the Zoho store client (the port's
    :class:`~xerosync.sources.port.DocumentWriteBack` and
    :class:`~xerosync.sources.port.RemembersWrites`), mixed into it: ``self.crm`` is the
    :class:`~.client.ZohoCRM` it writes with (the client itself when it is one)."""

    crm: Any  # a ZohoCRM (update(module, rows) -> list[RecordAnswer])
    memory: WriteMemory | None = None

    def remember_writes_in(self, memory: WriteMemory) -> None:
        self.memory = memory

    def write_back(self, record_key: str, state: XeroDocumentState, settings: "StoreSettings") -> str | None:
        module, record_id = record_of(record_key)
        row = writeback_row(module, record_id, state, zoho_settings(settings.store))
        if len(row) == 1:
            return None
        self._update(module, record_id, row)
        said = ", ".join(f"{k} {normal(v) or 'cleared'}" for k, v in row.items() if k != "id")
        return f"{module} {record_id}: {said}"

    def write_contact_id(self, record_key: str, contact_id: str, settings: "StoreSettings") -> str:
        """Record the Xero ContactID on the CRM contact ``record_key`` (``customer:Accounts:57…``)."""
        module, record_id = record_of(record_key)
        self._update(module, record_id, contact_id_row(module, record_id, contact_id, zoho_settings(settings.store)))
        return f"{module} {record_id}: Xero contact {contact_id}"

    def own_write(self, content: Mapping[str, Any], settings: "StoreSettings") -> str:
        """Why ``content`` (an envelope's notification content) is xerosync's own write coming
        back, ``""`` when it is not: the adapter answers Ignored for the former."""
        if self.memory is None:
            return ""
        module, record_id = str(content.get("module") or ""), str(content.get("id") or "")
        kept = self.memory.recall(_memory_key(module, record_id))
        writes = [Written.of(module, record_id, w) for w in (kept or {}).get("writes") or ()]
        return own_write(content, writes, window=zoho_settings(settings.store).own_write_window)

    def _update(self, module: str, record_id: str, row: dict[str, Any]) -> None:
        answers = self.crm.update(module, [row])
        answer = answers[0]
        if not answer.ok and answer.code == "INVALID_DATA" and answer.details.get("api_name") == "id":
            raise StoreNotFound(f"Zoho CRM has no {module} record {record_id} (deleted)")
        if not answer.ok:
            raise StoreError(f"Zoho CRM refused the update of {module} {record_id} ({answer.code}: {answer.message})")
        # remembered once Zoho answered: its notification goes through the ingress and a queue
        # before anyone asks, far longer than this one item's write
        self._remember(written(module, record_id, row, answer, datetime.now(UTC)))

    def _remember(self, write: Written) -> None:
        if self.memory is not None:
            key = _memory_key(write.module, write.record_id)
            kept = [dict(w) for w in (self.memory.recall(key) or {}).get("writes") or ()]
            self.memory.remember(key, {"writes": [*kept, write.stored()][-KEEP:]})


def _memory_key(module: str, record_id: str) -> str:
    return f"zoho:{module}:{record_id}"
