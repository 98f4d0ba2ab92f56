"""The store's API credentials, entered once (the console's store form): merged with what the
credentials secret holds, checked with one call to the store by the source's own
:class:`~xerosync.sources.credentials_port.CredentialForm`, and saved only when the store
accepted them (a new version of the secret; the functions read it within minutes). A field
marked secret is never shown back: left blank, it keeps what is stored. Who saved them is in the
sync log (``key = store:credentials``), never a value.
"""

from collections.abc import Callable, Mapping
from typing import Any

from xerosync.frozen import frozen
from xerosync.sources.credentials_port import CredentialForm
from xerosync.sources.port import StoreError
from xerosync.sync.ports import Journal, LogEntry

LOG_KEY = "store:credentials"


class Missing(StoreError):
    """A required field is empty (nothing asked of the store, nothing saved)."""


@frozen
class Shown:
    """A field as the form shows it: a non-secret value, or only whether a secret is stored."""

    name: str
    label: str
    secret: bool
    required: bool
    help: str
    value: str  # "" for a secret field, always
    stored: bool


def shown(form: CredentialForm, current: Mapping[str, Any]) -> list[Shown]:
    return [
        Shown(
            f.name,
            f.label,
            f.secret,
            f.required,
            f.help,
            "" if f.secret else str(current.get(f.name) or ""),
            bool(current.get(f.name)),
        )
        for f in form.fields
    ]


def merged(form: CredentialForm, current: Mapping[str, Any], entered: Mapping[str, str]) -> dict[str, Any]:
    """The secret's next value: what the form sent, a blank secret field keeping the stored one, and
    every other key of the secret (an expiry the stack recorded, an API version) kept."""
    value = dict(current)
    for f in form.fields:
        sent = (entered.get(f.name) or "").strip()
        if sent:
            value[f.name] = sent
        elif not f.secret:
            value.pop(f.name, None)
    return value


def save(
    form: CredentialForm,
    entered: Mapping[str, str],
    *,
    read: Callable[[], dict[str, Any]],
    write: Callable[[dict[str, Any]], object],
    who: str,
    journal: Journal | None,
    via: str = "console",
) -> str:
    """Check, then store; what the store said, for people. :class:`StoreError` (nothing saved)
    when a required field is missing or the store refused them or did not answer."""
    value = merged(form, read(), entered)
    missing = [f.label for f in form.fields if f.required and not value.get(f.name)]
    if missing:
        raise Missing("missing: " + ", ".join(missing))
    names = ", ".join(f.name for f in form.fields if (entered.get(f.name) or "").strip()) or "nothing new"
    try:
        said = form.check(value)
    except Exception as exc:
        refused = exc if isinstance(exc, StoreError) else None
        reason = str(refused) if refused else f"the store could not be reached to check them ({type(exc).__name__})"
        _log(journal, via, "refused", f"by {who} via {via}: {names}: {reason}: nothing saved")
        raise StoreError(reason) from None
    write(value)
    _log(journal, via, "saved", f"by {who} via {via}: {names}: {said}")
    return said


def _log(journal: Journal | None, via: str, outcome: str, reason: str) -> None:
    if journal is not None:
        journal.write(LogEntry(key=LOG_KEY, outcome=outcome, action="store credentials", topic=via, reason=reason))
