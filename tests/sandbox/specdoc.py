"""Xero's OpenAPI spec as the sandbox's tests read it, with a validator of their own (not the
sandbox's): a response that the sandbox lets through is still checked independently."""

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import yaml
from jsonschema import ValidationError, validators
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from local.xero_sandbox.spec import find_spec

ABSENT = "Xero's OpenAPI spec is absent: set $XERO_OPENAPI_SPEC or put ../shared beside the repository"


def _patch(node: Any) -> None:
    """The spec's 23 ``default: "false"`` strings on booleans, made booleans."""
    if isinstance(node, dict):
        if node.get("type") == "boolean" and node.get("default") in ("false", "true"):
            node["default"] = node["default"] == "true"
        for value in node.values():
            _patch(value)
    elif isinstance(node, list):
        for value in node:
            _patch(value)


@cache
def _load(path: str) -> dict[str, Any]:
    with open(path, "rb") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    _patch(document)
    return document


def spec_document() -> dict[str, Any]:
    """The spec (skips the test when it is absent)."""
    path = find_spec()
    if path is None:
        pytest.skip(ABSENT)
    return _load(str(path))


MS_DATE = re.compile(r"^/Date\(-?\d+([+-]\d{4})?\)/$")


def _ms_date(validator: Any, flag: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """In an answer, a field the spec marks ``x-is-msdate`` is Xero's ``/Date(ms+0000)/``."""
    if flag and isinstance(instance, str) and not MS_DATE.match(instance):
        yield ValidationError(f"{instance!r} is not a /Date(ms)/ date")


_Answers = validators.extend(OAS30Validator, {"x-is-msdate": _ms_date, "x-is-msdate-time": _ms_date})


def validator(spec: dict[str, Any], ref: str) -> Any:
    registry: Registry[Any] = Registry().with_resource("urn:spec", DRAFT4.create_resource(spec))
    return _Answers({"$ref": "urn:spec" + ref}, registry=registry)


def response_ref(spec: dict[str, Any], method: str, template: str, status: int) -> str | None:
    """The schema of the answer with ``status``; a 400 the spec leaves unnamed is Xero's Error."""
    responses = spec["paths"][template][method.lower()]["responses"]
    schema = responses.get(str(status), {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None and status == 400 and "400" in responses:
        return "#/components/schemas/Error"
    return None if schema is None else str(schema["$ref"])


# A refused element echoes what made it fail: a value over maxLength, a required field left out.
# Xero echoes it as sent (the spec's own Items example answers a refused code with the element), so
# inside an element marked ERROR these two keywords say nothing about the rendering.
ECHOED_FAULTS = ("maxLength", "required")


def _in_refused(body: Any, path: list[Any]) -> bool:
    node = body
    for part in path:
        if isinstance(node, dict) and node.get("StatusAttributeString") == "ERROR":
            return True
        node = node[part] if isinstance(node, dict | list) else None
    return isinstance(node, dict) and node.get("StatusAttributeString") == "ERROR"


def violations(spec: dict[str, Any], method: str, template: str, status: int, body: Any) -> list[str]:
    """What in ``body`` breaks the spec's schema for that answer (an answer with no schema: [])."""
    ref = response_ref(spec, method, template, status)
    if ref is None:
        return []
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(spec, ref).iter_errors(body)
        if not (e.validator in ECHOED_FAULTS and _in_refused(body, list(e.absolute_path)))
    ]
