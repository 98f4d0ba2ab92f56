"""A sandbox's state in a JSON file, so a demo can stop and resume (``--state-file``).

Kept: organisations and every record in them, apps, connections, access and refresh tokens.
Not kept: call counts, rate-limit windows, idempotency keys, faults and webhook subscriptions.
Decimals, dates and datetimes are tagged so they load back exactly.
"""

import json
import os
import tempfile
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.xero_sandbox.state import Client, Connection, Limits, Organisation, RefreshToken, Token

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox

VERSION = 1


def _tag(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(type(value).__name__)


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        key, value = next(iter(obj.items()))
        if key == "$decimal":
            return Decimal(value)
        if key == "$datetime":
            return datetime.fromisoformat(value)
        if key == "$date":
            return date.fromisoformat(value)
    return obj


def _plain(instance: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f.name: getattr(instance, f.name) for f in fields(instance) if f.name not in skip}


def save(box: "XeroSandbox", path: str | Path) -> None:
    with box.state.lock:
        data = {
            "version": VERSION,
            "clock_offset": box.time.offset.total_seconds(),
            "organisations": [
                {**_plain(org, ("lock", "limits")), "limits": _plain(org.limits)}
                for org in box.state.organisations.values()
            ],
            "clients": [_plain(c) for c in box.state.clients.values()],
            "connections": [_plain(c) for c in box.state.connections.values()],
            "tokens": [_plain(t) for t in box.state.tokens.values()],
            "refresh_tokens": [_plain(r) for r in box.state.refresh_tokens.values()],
        }
        text = json.dumps(data, default=_tag, indent=1)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, target)  # never a half-written state file


def load(box: "XeroSandbox", path: str | Path) -> None:
    data = json.loads(Path(path).read_text(), object_hook=_untag)
    if data.get("version") != VERSION:
        raise ValueError(f"{path} is not a sandbox state file of version {VERSION}")
    from datetime import timedelta

    with box.state.lock:
        box.time.offset = timedelta(seconds=float(data.get("clock_offset", 0)))
        for raw in data["organisations"]:
            org = Organisation(**{**raw, "limits": Limits(**raw["limits"])})
            if "Document" in str(org.payments):  # payments point at (plural, id); JSON made it a list
                for payment in org.payments.values():
                    payment["Document"] = tuple(payment["Document"])
            box.state.organisations[org.tenant_id] = org
        for raw in data["clients"]:
            box.state.clients[raw["client_id"]] = Client(**raw)
        for raw in data["connections"]:
            box.state.connections[raw["id"]] = Connection(**raw)
        for raw in data["tokens"]:
            box.state.tokens[raw["access_token"]] = Token(**raw)
        for raw in data["refresh_tokens"]:
            box.state.refresh_tokens[raw["token"]] = RefreshToken(**raw)
