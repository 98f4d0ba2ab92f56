"""The organisation's records: the eight modules xerosync syncs, their lookups, the inventory
modules' line items and totals, the recycle bin, and the log of writes with their triggers.

Sources (official spec https://github.com/zoho/crm-oas ``v8.0/record.json`` and its examples;
https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html, …/update-records.html,
…/get-records.html, …/delete-records.html, …/get-deleted-records.html):

* per-record answers ``{"code","details","message","status"}``; ``SUCCESS`` details carry
  ``Modified_Time``, ``Modified_By``, ``Created_Time``, ``id``, ``Created_By`` (the spec's 201
  example); errors ``MANDATORY_NOT_FOUND`` and ``INVALID_DATA`` with ``api_name`` and
  ``json_path``;
* ``trigger`` in the body: "workflow", "approval", "blueprint"; when it is absent every trigger
  runs, ``[]`` runs none (the spec's Body_Wrapper). Nothing runs here: each write is logged with
  the triggers it would have fired (``writes``);
* lookups are ``{"id", "name"}``; an id must name an existing record (``INVALID_DATA``
  otherwise). **Guesses**: a lookup with a name and no id resolves when exactly one record has that
  name (Zoho's Quotes example sends ``{"name": …}`` only); lookups to modules not simulated
  (``Deal_Name``, ``Campaign_Source`` …) are kept as sent;
* ``Modified_Time`` / ``Modified_By`` change on every write; times in ISO 8601 with the offset,
  to the second (the org's time zone is UTC here).

Line items: keys are accepted as the spec's examples spell them (``quantity``, ``list_price``,
``discount``, ``total``) or capitalised; they are stored and returned capitalised (``Quantity``,
``List_Price``, ``Discount``, ``Total``, ``Total_After_Discount``, ``Tax``, ``Line_Tax``,
``Net_Total``), the computed ones recomputed on every write (``arithmetic.py``). A missing
quantity is 1 and a missing list price is the product's ``Unit_Price`` (**a guess**: the edit
form's defaults). Updating a subform replaces its rows: a row with an existing ``id`` keeps it,
a row without one is new, a row left out is removed (**a guess** at the v8 rule).
"""

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from local.zoho_crm import arithmetic
from local.zoho_crm.auth import User

MODULES = ("Accounts", "Contacts", "Vendors", "Products", "Quotes", "Sales_Orders", "Invoices", "Purchase_Orders")
LINE_ITEMS = {
    "Quotes": "Quoted_Items",
    "Sales_Orders": "Ordered_Items",
    "Invoices": "Invoiced_Items",
    "Purchase_Orders": "Purchase_Items",
}
MANDATORY = {
    "Accounts": ("Account_Name",),
    "Contacts": ("Last_Name",),
    "Vendors": ("Vendor_Name",),
    "Products": ("Product_Name",),
    "Quotes": ("Subject", "Quoted_Items"),
    "Sales_Orders": ("Subject", "Ordered_Items"),
    "Invoices": ("Subject", "Invoiced_Items"),
    "Purchase_Orders": ("Subject", "Vendor_Name", "Purchase_Items"),
}
NAME_FIELD = {
    "Accounts": "Account_Name",
    "Contacts": "Full_Name",
    "Vendors": "Vendor_Name",
    "Products": "Product_Name",
    "Quotes": "Subject",
    "Sales_Orders": "Subject",
    "Invoices": "Subject",
    "Purchase_Orders": "Subject",
}
# the system-defined duplicate-check field of each module (upsert without duplicate_check_fields)
DUPLICATE_CHECK = {
    "Accounts": ("Account_Name",),
    "Contacts": ("Email",),
    "Vendors": ("Vendor_Name",),
    "Products": ("Product_Name",),
    "Quotes": ("Subject",),
    "Sales_Orders": ("Subject",),
    "Invoices": ("Subject",),
    "Purchase_Orders": ("Subject",),
}
# lookup field → the module it points to (Owner points to the org's users)
LOOKUPS = {
    "Account_Name": "Accounts",
    "Parent_Account": "Accounts",
    "Contact_Name": "Contacts",
    "Vendor_Name": "Vendors",
    "Product_Name": "Products",
    "Quote_Name": "Quotes",
    "Sales_Order": "Sales_Orders",
}
LINE_KEYS = {
    "quantity": "Quantity",
    "list_price": "List_Price",
    "discount": "Discount",
    "total": "Total",
    "net_total": "Net_Total",
    "total_after_discount": "Total_After_Discount",
    "tax": "Tax",
    "line_tax": "Line_Tax",
    "product_description": "Description",
    "product_name": "Product_Name",
}
COMPUTED = ("Sub_Total", "Tax", "Grand_Total")
SYSTEM = ("id", "Created_Time", "Created_By", "Modified_Time", "Modified_By")
ALL_TRIGGERS = ("workflow", "approval", "blueprint")


def zoho_time(when: datetime) -> str:
    return when.replace(microsecond=0).isoformat()


def error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "details": details, "message": message, "status": "error"}


@dataclass
class Write:
    """One record written through the API, with the triggers the request allowed."""

    module: str
    id: str
    operation: str  # insert | update | delete
    triggers: tuple[str, ...]
    user: str
    at: datetime
    fields: tuple[str, ...] = ()


@dataclass
class Deleted:
    id: str
    module: str
    display_name: str
    created_by: dict[str, str]
    deleted_by: dict[str, str]
    deleted_time: datetime
    kind: str = "recycle"

    def as_json(self) -> dict[str, Any]:
        return {
            "deleted_by": self.deleted_by,
            "id": self.id,
            "display_name": self.display_name,
            "type": self.kind,
            "created_by": self.created_by,
            "deleted_time": zoho_time(self.deleted_time),
        }


@dataclass
class Change:
    """What a write did, for the notification channels."""

    module: str
    operation: str
    ids: list[str]
    affected: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


class Rejected(Exception):
    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__(answer["code"])
        self.answer = answer


class Store:
    def __init__(self, clock: Callable[[], datetime], org_prefix: int = 5725767) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, dict[str, Any]]] = {m: {} for m in MODULES}
        self.deleted: dict[str, list[Deleted]] = {m: [] for m in MODULES}
        self.users: dict[str, User] = {}
        self.writes: list[Write] = []
        self._ids = itertools.count(org_prefix * 10**12 + 20_000_000_001, 17)

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        return user

    @staticmethod
    def ref(user: User) -> dict[str, str]:
        return {"name": user.name, "id": user.id}

    # reads ---------------------------------------------------------------------------------

    def get(self, module: str, record_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self.records[module].get(record_id)

    def all(self, module: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.records[module].values())

    # writes --------------------------------------------------------------------------------

    def put(self, module: str, data: dict[str, Any], user: User, record_id: str | None = None) -> dict[str, Any]:
        """Insert a record without a request (the seeding path: tests, the history generator);
        ``record_id`` to give it a known id. Logged as a write with every trigger."""
        with self.lock:
            record = self._insert(module, data, user, "$.data[0]", record_id)
            self.writes.append(Write(module, record["id"], "insert", ALL_TRIGGERS, user.id, self.clock()))
            return record

    def create(
        self, module: str, rows: list[Any], triggers: tuple[str, ...], user: User
    ) -> tuple[list[dict[str, Any]], Change]:
        answers, change = [], Change(module, "insert", [])
        with self.lock:
            for index, row in enumerate(rows):
                try:
                    if not isinstance(row, dict):
                        raise Rejected(error("INVALID_DATA", "invalid data", json_path=f"$.data[{index}]"))
                    record = self._insert(module, row, user, f"$.data[{index}]", None)
                except Rejected as rejected:
                    answers.append(rejected.answer)
                    continue
                self.writes.append(Write(module, record["id"], "insert", triggers, user.id, self.clock(), tuple(row)))
                change.ids.append(record["id"])
                answers.append(
                    {
                        "code": "SUCCESS",
                        "details": self._details(record),
                        "message": "record added",
                        "status": "success",
                    }
                )
        return answers, change

    def update(
        self, module: str, rows: list[Any], triggers: tuple[str, ...], user: User
    ) -> tuple[list[dict[str, Any]], Change]:
        answers, change = [], Change(module, "update", [])
        with self.lock:
            for index, row in enumerate(rows):
                path = f"$.data[{index}]"
                try:
                    if not isinstance(row, dict):
                        raise Rejected(error("INVALID_DATA", "invalid data", json_path=path))
                    current = self.records[module].get(str(row.get("id", "")))
                    if current is None:
                        raise Rejected(
                            error(
                                "INVALID_DATA",
                                "the related id given seems to be invalid",
                                api_name="id",
                                json_path=f"{path}.id",
                            )
                        )
                    changes = {k: v for k, v in row.items() if k != "id" and k not in SYSTEM}
                    merged = self._validated(module, {**_without_computed(module, current), **changes}, path, current)
                except Rejected as rejected:
                    answers.append(rejected.answer)
                    continue
                affected = sorted(k for k in changes if current.get(k) != merged.get(k))
                merged.update({k: current[k] for k in ("id", "Created_Time", "Created_By")})
                merged["Modified_Time"], merged["Modified_By"] = zoho_time(self.clock()), self.ref(user)
                self.records[module][current["id"]] = merged
                self.writes.append(
                    Write(module, current["id"], "update", triggers, user.id, self.clock(), tuple(changes))
                )
                change.ids.append(current["id"])
                change.affected[current["id"]] = affected
                change.values[current["id"]] = {k: merged.get(k) for k in affected}
                answers.append(
                    {
                        "code": "SUCCESS",
                        "details": self._details(merged),
                        "message": "record updated",
                        "status": "success",
                    }
                )
        return answers, change

    def delete(self, module: str, ids: list[str], user: User) -> tuple[list[dict[str, Any]], Change]:
        answers, change = [], Change(module, "delete", [])
        with self.lock:
            for record_id in ids:
                record = self.records[module].pop(record_id, None)
                if record is None:
                    answers.append(error("INVALID_DATA", "the related id given seems to be invalid", id=record_id))
                    continue
                name = str(record.get(NAME_FIELD[module]) or "")
                self.deleted[module].append(
                    Deleted(record_id, module, name, record["Created_By"], self.ref(user), self.clock())
                )
                self.writes.append(Write(module, record_id, "delete", ALL_TRIGGERS, user.id, self.clock()))
                change.ids.append(record_id)
                answers.append(
                    {"code": "SUCCESS", "details": {"id": record_id}, "message": "record deleted", "status": "success"}
                )
        return answers, change

    # internals -----------------------------------------------------------------------------

    def _details(self, record: dict[str, Any]) -> dict[str, Any]:
        keys = ("Modified_Time", "Modified_By", "Created_Time", "id", "Created_By")
        return {**{k: record[k] for k in keys}, "$approval_state": "approved"}

    def _insert(
        self, module: str, data: dict[str, Any], user: User, path: str, record_id: str | None
    ) -> dict[str, Any]:
        fields = {k: v for k, v in data.items() if k not in SYSTEM}
        record = self._validated(module, fields, path, None)
        now = zoho_time(self.clock())
        record.update(
            id=record_id or self.new_id(),
            Created_Time=now,
            Created_By=self.ref(user),
            Modified_Time=now,
            Modified_By=self.ref(user),
        )
        if "Owner" not in record:
            record["Owner"] = self.ref(user)
        self.records[module][record["id"]] = record
        return record

    def _validated(
        self, module: str, fields: dict[str, Any], path: str, current: dict[str, Any] | None
    ) -> dict[str, Any]:
        for name in MANDATORY[module]:
            value = fields.get(name)
            if value in (None, "", []):
                raise Rejected(
                    error("MANDATORY_NOT_FOUND", "required field not found", api_name=name, json_path=f"{path}.{name}")
                )
        out = dict(fields)
        if module == "Contacts":
            first = out.get("First_Name")
            out["Full_Name"] = f"{first} {out['Last_Name']}" if first else str(out["Last_Name"])
        for name, value in fields.items():
            if name == "Owner":
                out[name] = self._owner(value, f"{path}.Owner")
            elif name in LOOKUPS and value is not None and name != NAME_FIELD[module]:
                out[name] = self._lookup(LOOKUPS[name], value, name, f"{path}.{name}")
        subform = LINE_ITEMS.get(module)
        if subform:
            out.update(self._totals(module, out, subform, path, current))
        return out

    def _owner(self, value: Any, path: str) -> dict[str, str]:
        user = self.users.get(str(value.get("id"))) if isinstance(value, dict) else None
        if user is None:
            raise Rejected(
                error("INVALID_DATA", "invalid data", api_name="Owner", json_path=path, expected_data_type="lookup")
            )
        return self.ref(user)

    def _lookup(self, module: str, value: Any, api_name: str, path: str) -> dict[str, Any]:
        bad = error("INVALID_DATA", "invalid data", api_name=api_name, json_path=path, expected_data_type="lookup")
        if not isinstance(value, dict):
            raise Rejected(bad)
        if value.get("id"):
            target = self.records[module].get(str(value["id"]))
        else:
            named = [r for r in self.records[module].values() if r.get(NAME_FIELD[module]) == value.get("name")]
            target = named[0] if len(named) == 1 else None
        if target is None:
            raise Rejected(bad)
        ref = {"name": target.get(NAME_FIELD[module]), "id": target["id"]}
        if module == "Products":
            ref.update({k: target.get(k) for k in ("Product_Code", "Unit_Price", "Taxable")})
        return ref

    def _totals(
        self, module: str, out: dict[str, Any], subform: str, path: str, current: dict[str, Any] | None
    ) -> dict[str, Any]:
        rows = out.get(subform)
        if not isinstance(rows, list) or not rows:
            raise Rejected(
                error(
                    "MANDATORY_NOT_FOUND", "required field not found", api_name=subform, json_path=f"{path}.{subform}"
                )
            )
        old_ids = {str(r["id"]) for r in (current or {}).get(subform, [])}
        inclusive = bool(out.get("Tax_Inclusive"))
        lines = []
        for index, raw in enumerate(rows):
            row_path = f"{path}.{subform}[{index}]"
            if not isinstance(raw, dict):
                raise Rejected(error("INVALID_DATA", "invalid data", api_name=subform, json_path=row_path))
            row: dict[str, Any] = {LINE_KEYS.get(str(k), str(k)): v for k, v in raw.items()}
            product = self._lookup("Products", row.get("Product_Name"), "Product_Name", f"{row_path}.Product_Name")
            if row.get("List_Price") in (None, ""):
                row["List_Price"] = product.get("Unit_Price") or 0
            try:
                computed = arithmetic.line(row, inclusive, row_path)
            except arithmetic.AmountError as err:
                raise Rejected(
                    error(
                        "INVALID_DATA", "invalid data", api_name=err.api_name.rsplit(".", 1)[-1], json_path=err.api_name
                    )
                ) from err
            row_id = str(row.get("id") or "")
            if row_id and row_id not in old_ids:
                raise Rejected(error("INVALID_DATA", "invalid data", api_name="id", json_path=f"{row_path}.id"))
            lines.append({**row, **computed, "Product_Name": product, "id": row_id or self.new_id()})
        try:
            totals = arithmetic.record(lines, out, inclusive)
        except arithmetic.AmountError as err:
            raise Rejected(
                error("INVALID_DATA", "invalid data", api_name=err.api_name, json_path=f"{path}.{err.api_name}")
            ) from err
        return {subform: lines, **totals}


def _without_computed(module: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record as its writer gave it: computed totals are recomputed from the inputs (the
    record ``Discount`` and ``Adjustment`` are inputs and kept)."""
    out = {k: v for k, v in record.items() if k not in SYSTEM}
    if module in LINE_ITEMS:
        for key in ("Sub_Total", "Tax", "Grand_Total"):
            out.pop(key, None)
        out["$line_tax"] = [{"name": t["name"], "percentage": t["percentage"]} for t in record.get("$line_tax", [])]
    return out


def plain(value: Any) -> Any:
    """JSON-ready: Decimals as numbers, to the cent where they are money (Zoho answers numbers)."""
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
