"""Property names in a request body are read whatever their case, as Xero reads them.

Xero's spec pairs request bodies such as ``{"name": "FooBar"}`` (createTrackingCategory,
createTrackingOptions, updateTrackingOptions) with a 200 whose object has ``"Name": "FooBar"``:
the name was read although its case differs from the schema's. The sandbox therefore renames
every key that matches a property of its schema case-insensitively to the schema's spelling
before anything else looks at the body, so create and update behave alike.

With the spec loaded the renaming follows the operation's schema (``$ref``, ``items``,
``properties``; an exact match always wins, so ``ContactID``/``ContactId`` never collide).
Without it the sandbox falls back to upper-casing a key's first letter, which is right for
every request property Xero names (they are all PascalCase).
"""

from typing import Any

REF_PREFIX = "#/components/schemas/"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 20:  # a $ref chain, never a loop in practice
        ref = str(schema["$ref"])
        name = ref.rsplit("/", 1)[-1]
        schema = document.get("components", {}).get("schemas", {}).get(name, {})
        seen += 1
    return schema


def canonical(document: dict[str, Any], schema: dict[str, Any], value: Any) -> Any:
    """``value`` with its keys spelt as ``schema`` (within ``document``) spells them."""
    schema = _resolve(document, schema)
    if isinstance(value, list):
        items = schema.get("items")
        return [canonical(document, items, v) if isinstance(items, dict) else v for v in value]
    if not isinstance(value, dict):
        return value
    properties: dict[str, Any] = schema.get("properties") or {}
    folded = {name.casefold(): name for name in properties}
    out: dict[str, Any] = {}
    for raw, item in value.items():
        key = str(raw)
        name: str = key if key in properties else folded.get(key.casefold(), key)
        if name in out and name != key:
            continue  # the exact spelling was also sent: it wins
        sub = properties.get(name)
        out[name] = canonical(document, sub, item) if isinstance(sub, dict) else item
    return out


def pascal(value: Any) -> Any:
    """The fallback without a spec: every key's first letter upper-cased, recursively."""
    if isinstance(value, list):
        return [pascal(v) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = key[:1].upper() + key[1:]
            if name not in out or name == key:
                out[name] = pascal(item)
        return out
    return value
