"""Conformance to Xero's official OpenAPI spec (``xero_accounting.yaml`` 16.1.0).

The spec is looked for at ``$XERO_OPENAPI_SPEC``, then ``<repo>/../shared/xero/xero_accounting.yaml``.
Without it the sandbox runs with validation off and says so (:func:`find_spec`).

Request bodies and responses are checked with ``openapi-schema-validator``'s OAS 3.0
validator, one compiled validator per schema, built once per process and shared by every
sandbox. What a request may carry follows what Xero accepts, not the strictest reading:

* read-only fields and the SDK's defaults (``"HasErrors": false``) are accepted;
* ``null`` is accepted anywhere (Xero's deserialiser reads it as "absent");
* a ``uuid`` must be a GUID, and an ``x-is-msdate`` field must be a date Xero can read
  (``2026-04-09``, ``2026-04-09T00:00:00``, ``/Date(ms+0000)/``) - otherwise the request is
  a ``PostDataInvalidException``, refused before anything is saved
  (https://developer.xero.com/documentation/api/http-response-codes);
* ``maxLength`` and ``required`` are per-element validation errors, as Xero reports them
  (the element fails, the rest of the batch goes on), in Xero's words where they are known
  (:data:`MESSAGES`);
* an allocation's ``Date`` is not required although the spec says so: Xero's credit notes
  docs call it read-only, the later of the invoice's and the credit note's dates, and the
  sandbox fills it in (:data:`NOT_REQUIRED`).

The spec's 23 ``default: "false"`` strings on boolean properties are patched in memory.
"""

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import FormatChecker, ValidationError, validators
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from local.xero_sandbox import casing
from local.xero_sandbox.dates import parse_date
from local.xero_sandbox.errors import ITEM_CODE_TOO_LONG

SPEC_ENV = "XERO_OPENAPI_SPEC"
IDENTITY_SPEC = "xero-identity.yaml"  # beside the accounting spec: the token and connections answers
SPEC_URI = "urn:xero:accounting"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO.parent / "shared" / "xero" / "xero_accounting.yaml"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ELEMENT_KEYWORDS = frozenset({"maxLength", "required"})  # reported per element, not as unreadable data
# (schema, property, keyword) -> Xero's message, where it differs from the generic wording
MESSAGES = {("Item", "Code", "maxLength"): ITEM_CODE_TOO_LONG}
# (schema, property) the spec marks required but Xero fills in itself
NOT_REQUIRED = {("Allocation", "Date")}


def find_spec() -> Path | None:
    """Where the spec is: ``$XERO_OPENAPI_SPEC``, then ``../shared/xero`` beside the repository."""
    configured = os.environ.get(SPEC_ENV)
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    return DEFAULT_SPEC if DEFAULT_SPEC.is_file() else None


def patch_boolean_defaults(node: Any) -> int:
    """Turn ``default: "false"``/``"true"`` on boolean schemas into booleans; returns how many."""
    patched = 0
    if isinstance(node, dict):
        default = node.get("default")
        if node.get("type") == "boolean" and isinstance(default, str) and default in ("false", "true"):
            node["default"] = default == "true"
            patched += 1
        for value in node.values():
            patched += patch_boolean_defaults(value)
    elif isinstance(node, list):
        for value in node:
            patched += patch_boolean_defaults(value)
    return patched


def _is_guid(value: object) -> bool:
    return not isinstance(value, str) or bool(GUID.match(value))


def _msdate(validator: Any, flag: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not flag or instance is None:
        return
    try:
        parse_date(instance)
    except ValueError as exc:
        yield ValidationError(str(exc))


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("uuid")(_is_guid)
_XeroValidator = validators.extend(OAS30Validator, {"x-is-msdate": _msdate, "x-is-msdate-time": _msdate})


@dataclass(frozen=True)
class Problem:
    """One way a body does not conform: where, what, and whether it is an element's fault."""

    path: tuple[str | int, ...]
    message: str
    keyword: str

    @property
    def per_element(self) -> bool:
        return self.keyword in ELEMENT_KEYWORDS

    def element(self) -> int:
        """Which element of a batch (``{"Plural": [...]}``) the problem is in; 0 for a lone one."""
        path = self.path
        return path[1] if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int) else 0

    def where(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "body"


def _field_name(error: ValidationError) -> str:
    if error.validator == "required":
        match = re.match(r"'([^']+)' is a required property", error.message)
        return match.group(1) if match else "a required field"
    for part in reversed(error.absolute_path):
        if isinstance(part, str):
            return part
    return "value"


def _message(error: ValidationError) -> str:
    """Xero-like element messages for the per-element keywords; the validator's otherwise."""
    name = _field_name(error)
    if error.validator == "maxLength":
        return f"{name} must not be more than {error.validator_value} characters long."
    if error.validator == "required":
        return f"{name} is required."
    return str(error.message)


class Spec:
    """The loaded, patched spec and its compiled validators."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            self.document: dict[str, Any] = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
        self.version = str(self.document.get("info", {}).get("version", "?"))
        self.patched_defaults = patch_boolean_defaults(self.document)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(self.document))
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()
        schemas = self.document.get("components", {}).get("schemas", {})
        self._messages = {
            (id(schemas[name]["properties"][field]), keyword): message
            for (name, field, keyword), message in MESSAGES.items()
            if field in schemas.get(name, {}).get("properties", {})
        }
        self._not_required = {(id(schemas[name]), field) for name, field in NOT_REQUIRED if name in schemas}
        self.operations: dict[tuple[str, str], dict[str, Any]] = {}
        for template, item in self.document.get("paths", {}).items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    self.operations[(method.upper(), template)] = operation

    def validator(self, ref: str) -> Any:
        """The validator for ``#/components/schemas/X`` (built on first use, then reused)."""
        found = self._validators.get(ref)
        if found is None:
            with self._lock:
                found = self._validators.get(ref)
                if found is None:
                    schema = {"$ref": f"{SPEC_URI}{ref}"}
                    found = _XeroValidator(schema, registry=self._registry, format_checker=_FORMATS)
                    self._validators[ref] = found
        return found

    def _schema_ref(self, content: dict[str, Any] | None) -> str | None:
        schema = ((content or {}).get("content", {}).get("application/json") or {}).get("schema") or {}
        ref = schema.get("$ref")
        return ref if isinstance(ref, str) else None

    def request_schema(self, method: str, template: str) -> str | None:
        operation = self.operations.get((method, template))
        return self._schema_ref(operation.get("requestBody")) if operation else None

    def response_schema(self, method: str, template: str, status: int) -> str | None:
        operation = self.operations.get((method, template))
        if operation is None:
            return None
        responses = operation.get("responses", {})
        ref = self._schema_ref(responses.get(str(status)))
        if ref is None and status == 400 and "400" in responses:
            ref = "#/components/schemas/Error"  # the spec leaves some 400 bodies unnamed: Xero's Error shape
        return ref

    def _wrapper(self, ref: str, body: Any) -> str | None:
        """The key of a ``{"Payments": [...]}`` wrapper sent to an operation whose schema is one
        element (createPayment, deletePayment): Xero's own examples send it, so Xero reads it."""
        schema = self.document["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        if isinstance(body, dict) and len(body) == 1:
            key, value = next(iter(body.items()))
            named = {name.casefold() for name in schema.get("properties") or {}}
            if str(key).casefold() not in named and isinstance(value, list):
                return str(key)
        return None

    def canonical(self, ref: str, body: Any) -> Any:
        """``body`` with its property names spelt as the request schema spells them."""
        key = self._wrapper(ref, body)
        if key is not None:
            return {key: casing.canonical(self.document, {"type": "array", "items": {"$ref": ref}}, body[key])}
        return casing.canonical(self.document, {"$ref": ref}, body)

    def request_problems(self, ref: str, body: Any) -> list[Problem]:
        """How a request body breaks its schema (each element of a wrapper checked on its own)."""
        key = self._wrapper(ref, body)
        if key is None:
            return self.problems(ref, body, request=True)
        return [
            Problem((key, index, *p.path), p.message, p.keyword)
            for index, element in enumerate(body[key])
            for p in self.problems(ref, element, request=True)
        ]

    def problems(self, ref: str, instance: Any, *, request: bool) -> list[Problem]:
        found: list[Problem] = []
        for error in self.validator(ref).iter_errors(instance):
            if request and error.validator == "type" and error.instance is None:
                continue  # Xero reads null as absent
            if error.validator == "required" and (id(error.schema), _field_name(error)) in self._not_required:
                continue
            message = self._messages.get((id(error.schema), str(error.validator))) or _message(error)
            found.append(Problem(tuple(error.absolute_path), message, str(error.validator)))
        return found


_loaded: dict[Path, Spec] = {}
_load_lock = threading.Lock()


def load(path: Path) -> Spec:
    """The spec at ``path``, parsed once per process."""
    resolved = path.resolve()
    with _load_lock:
        spec = _loaded.get(resolved)
        if spec is None:
            spec = _loaded[resolved] = Spec(resolved)
        return spec
