"""The store settings as a form (the console's Map): which settings it shows, what each offers,
what a posted form changes in the settings document, and the changes between two documents.

The form edits the document, not a model of it: a posted form sets or removes only the settings
it shows (:func:`apply`), on the document as it is stored, so every other setting - the
settlements, the quotes, a store section's own words, whatever a later version adds - is saved
exactly as it was. A field left blank removes its setting, so its default (or fallback) applies.

A field's ``name`` is its setting's place in the document: ``accounts.sales``, or for one entry of
a mapping the mapping and the entry's key, ``tax.rates[1]``, ``payments.accounts[stripe]``,
``store.order_statuses[on-hold]`` (a key may hold dots, a gateway's id may). The checks name
the same places (``tax.rates.1``), so an error lands beside its field (:func:`field_of`).
"""

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any, Literal

from xerosync.config import Problem, StoreSettings
from xerosync.domain import LIFECYCLES
from xerosync.frozen import frozen
from xerosync.settings_lists import Option, XeroLists, store_options
from xerosync.sources.store_lists import StoreLists

Kind = Literal["account", "payment_account", "tax_type", "category", "tracking_option", "lifecycle", "status", "text"]

# (setting, label, kind, what a blank means)
SCALARS: tuple[tuple[str, str, Kind, str], ...] = (
    ("accounts.sales", "Sales (product lines)", "account", ""),
    ("accounts.shipping", "Shipping", "account", ""),
    ("accounts.fees", "Fees", "account", ""),
    ("accounts.rounding", "Rounding", "account", ""),
    ("accounts.duties", "Import duties", "account", "the shipping account"),
    ("accounts.tips", "Tips", "account", "the sales account"),
    ("accounts.gift_cards", "Gift cards sold (a liability)", "account", "none: required once one is sold"),
    ("accounts.adjustments", "Adjustments", "account", "the sales account"),
    ("tax.no_tax", "Lines without tax", "tax_type", ""),
    ("tax.rounding", "Rounding line", "tax_type", ""),
    ("tax.gift_cards", "Gift cards sold", "tax_type", "the tax of lines without tax"),
    ("payments.default_account", "Gateways not listed", "payment_account", "none: such payments fail"),
    ("tracking.category", "Tracking category", "category", "no tracking"),
    ("tracking.option", "Tracking option", "tracking_option", "no tracking"),
    ("invoice_status.unconfirmed", "Placed, payment not completed", "status", ""),
    ("invoice_status.awaiting_payment", "Accepted, to be paid later", "status", ""),
    ("invoice_status.confirmed", "A sale, not paid", "status", ""),
)
INVOICE_STATUSES = (
    Option("DRAFT", "Draft invoice"),
    Option("AUTHORISED", "Approved invoice"),
    Option("skip", "No invoice"),
)
LIFECYCLE_OPTIONS = tuple(Option(stage, stage.replace("_", " ")) for stage in LIFECYCLES)
ENTRY = re.compile(r"^(?P<mapping>[a-z_]+(?:\.[a-z_]+)*)\[(?P<key>.*)\]$", re.S)
ADD_KEY, ADD_VALUE = "add-key:", "add-value:"


@frozen
class Field:
    name: str  # the setting's place: "accounts.sales", "tax.rates[1]"
    label: str
    kind: Kind
    value: str  # as the document has it; "" = not set
    options: tuple[Option, ...] = ()  # empty: free text
    blank: str = ""  # what leaving it blank means
    note: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        """A stable HTML id: ``setting-accounts-sales``, ``setting-tax-rates-1``."""
        return "setting-" + re.sub(r"[^A-Za-z0-9_]+", "-", self.name).strip("-")


@frozen
class Section:
    title: str
    id: str
    fields: list[Field] = field(default_factory=list)
    adds: str = ""  # a mapping whose free-text row adds an entry ("tax.rates"); "" = none
    add_kind: Kind = "text"
    add_label: str = ""


def mappings(lists: StoreLists) -> dict[str, Kind]:
    """The mappings the form edits entry by entry, and what each entry's value is."""
    found: dict[str, Kind] = {"tax.rates": "tax_type", "payments.accounts": "payment_account"}
    if lists.status_setting:
        found[f"store.{lists.status_setting}"] = "lifecycle"
    return found


def get(document: Mapping[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _default(path: str) -> str:
    value: Any = StoreSettings()
    for part in path.split("."):
        value = getattr(value, part, None)
    return "" if value is None or not isinstance(value, str) else value


def field_of(setting: str, names: list[str]) -> str | None:
    """The field a problem's setting (``tax.rates.1``, ``accounts.sales``) belongs to, if shown."""
    for name in names:
        entry = ENTRY.match(name)
        place = f"{entry['mapping']}.{entry['key']}" if entry else name
        if setting == place or setting.startswith(place + "."):
            return name
    return None


def form(
    document: Mapping[str, Any], xero: XeroLists, lists: StoreLists, problems: Sequence[Problem] = ()
) -> tuple[list[Section], list[Problem]]:
    """The form's sections for ``document``, each problem beside its field; the problems of
    settings the form does not show are returned apart."""
    options: dict[Kind, tuple[Option, ...]] = {
        "account": xero.accounts,
        "payment_account": xero.payment_accounts,
        "tax_type": xero.tax_types,
        "category": xero.categories,
        "tracking_option": xero.tracking_options,
        "lifecycle": LIFECYCLE_OPTIONS,
        "status": INVOICE_STATUSES,
    }

    def scalar(path: str, label: str, kind: Kind, blank: str) -> Field:
        default = _default(path)
        return Field(path, label, kind, _text(get(document, path)), options[kind], blank or f"default: {default}")

    sections = {
        "accounts": Section("Accounts", "map-accounts"),
        "tax": Section("Tax", "map-tax", adds="tax.rates", add_kind="tax_type", add_label="Another store tax rate"),
        "payments": Section(
            "Payments",
            "map-payments",
            adds="payments.accounts",
            add_kind="payment_account",
            add_label="Another gateway",
        ),
        "tracking": Section("Tracking", "map-tracking"),
        "store": Section("Order statuses", "map-statuses"),
        "invoice_status": Section("Invoices", "map-invoices"),
    }
    store_words = {"tax.rates": lists.tax_rates, "payments.accounts": lists.gateways}
    if lists.status_setting:
        store_words[f"store.{lists.status_setting}"] = lists.statuses
    for mapping, kind in mappings(lists).items():
        found = get(document, mapping)
        current = {str(k): v for k, v in found.items()} if isinstance(found, Mapping) else {}
        listed = store_options(store_words.get(mapping))
        keys = [(o.value, o.label, o.note) for o in listed or ()]
        keys += [(str(k), str(k), "not in the store's list" if listed is not None else "") for k in current
                 if str(k) not in {o.value for o in listed or ()}]  # fmt: skip
        section = sections[mapping.split(".", 1)[0]]
        blank = "the store's default" if mapping.startswith("store.") else "not mapped"
        for key, label, note in keys:
            value = _text(current.get(key))
            section.fields.append(
                Field(f"{mapping}[{key}]", f"{label} ({key})", kind, value, options[kind], blank, note)
            )
    for path, label, kind, blank in SCALARS:
        sections[path.split(".", 1)[0]].fields.append(scalar(path, label, kind, blank))
    shown = [s for s in sections.values() if s.fields or s.adds]
    names = [f.name for s in shown for f in s.fields] + [s.adds for s in shown if s.adds]
    errors: dict[str, list[str]] = {}
    apart: list[Problem] = []
    for problem in problems:
        name = field_of(problem.setting, names) if problem.setting else None
        if name is None:
            apart.append(problem)
        else:
            errors.setdefault(name, []).append(problem.detail)
    for section in shown:
        section.fields[:] = [_with_error(f, errors.pop(f.name, [])) for f in section.fields]
    apart += [Problem(name, detail) for name, details in errors.items() for detail in details]  # an added entry's
    return shown, apart


def _with_error(f: Field, errors: list[str]) -> Field:
    if not errors:
        return f
    return Field(f.name, f.label, f.kind, f.value, f.options, f.blank, f.note, "; ".join(errors))


def apply(document: Mapping[str, Any], posted: Mapping[str, str], lists: StoreLists) -> dict[str, Any]:
    """``document`` with the form's settings as ``posted``: each field posted is set (blank: removed),
    each entry added by a free-text row set, every other setting kept as it is."""
    result = copy.deepcopy(dict(document))
    edited = mappings(lists)
    for mapping in edited:  # a key YAML read as a number (1: OUTPUT) is the text the settings want
        entries = get(result, mapping)
        if isinstance(entries, dict) and any(not isinstance(k, str) for k in entries):
            entries_text = {str(k): v for k, v in entries.items()}
            entries.clear()
            entries.update(entries_text)
    scalars = {path for path, *_ in SCALARS}
    for name, raw in posted.items():
        value = raw.strip()
        entry = ENTRY.match(name)
        if entry and entry["mapping"] in edited:
            _put(result, [*entry["mapping"].split("."), entry["key"]], value)
        elif name in scalars:
            _put(result, name.split("."), value)
    for mapping in edited:
        key = posted.get(ADD_KEY + mapping, "").strip()
        if key:
            _put(result, [*mapping.split("."), key], posted.get(ADD_VALUE + mapping, "").strip())
    return result


def _put(document: dict[str, Any], path: list[str], value: str) -> None:
    """Set ``path`` to ``value`` (blank: remove it, and a section it leaves empty)."""
    parents = [document]
    for part in path[:-1]:
        child = parents[-1].get(part)
        if not isinstance(child, dict):
            if not value:
                return
            child = parents[-1][part] = {}
        parents.append(child)
    if value:
        parents[-1][path[-1]] = value
        return
    parents[-1].pop(path[-1], None)
    for parent, part in zip(reversed(parents[:-1]), reversed(path[:-1]), strict=True):
        if parent.get(part) == {}:
            parent.pop(part)


@frozen
class Change:
    setting: str
    old: str | None  # None: not set before
    new: str | None  # None: removed


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every setting that differs between two documents, in the new document's order."""
    before, after = _flat(old), _flat(new)
    found = [Change(k, before.get(k), v) for k, v in after.items() if before.get(k) != v]
    return found + [Change(k, v, None) for k, v in before.items() if k not in after]


def _flat(node: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(node, Mapping) and node:
        out: dict[str, str] = {}
        for key, value in node.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(node, list | tuple | Mapping):
        return {prefix: json.dumps(node, default=str)}
    return {prefix: str(node).lower() if isinstance(node, bool) else str(node)}


def dump(document: Mapping[str, Any], like: str = "") -> str:
    """The document as text: JSON when ``like`` (the stored text) is JSON, else YAML, in its own
    order (YAML comments of the stored text are not kept: the previous version keeps them)."""
    if like.lstrip().startswith("{"):
        return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    import yaml

    return str(yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, default_flow_style=False))
