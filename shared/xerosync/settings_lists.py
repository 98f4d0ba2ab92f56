"""What the settings form offers, read from Xero and from the store, kept briefly.

Xero's lists are the organisation's own (``GET /Accounts``, ``/TaxRates``, ``/TrackingCategories``,
through :class:`xerosync.xero.client.XeroClient` and its governor); the store's are what its
adapter lists (:mod:`xerosync.sources.store_lists`). A page view reads each list at most once,
and the next views within :data:`KEEP_SECONDS` read none: a merchant editing the form for a
minute costs Xero three calls, not three per page.

The same three Xero lists serve the form's choices and the check of what it posts
(:func:`xerosync.settings_check.review`), so a choice offered is a choice the check accepts,
and an account added in Xero is offered within :data:`KEEP_SECONDS`.
"""

import time
from collections.abc import Callable
from typing import Any

from xerosync.frozen import frozen
from xerosync.settings_check import Organisation
from xerosync.sources.store_lists import Choice, StoreLists

KEEP_SECONDS = 60.0


@frozen
class Option:
    value: str
    label: str
    note: str = ""
    group: str = ""  # a tracking option's category


@frozen
class XeroLists:
    """The organisation's codes a setting may name, each as the check would accept it."""

    accounts: tuple[Option, ...]  # active accounts
    payment_accounts: tuple[Option, ...]  # active accounts that take payments (bank, or payments enabled)
    tax_types: tuple[Option, ...]  # active tax rates usable on sales
    categories: tuple[Option, ...]  # active tracking categories
    tracking_options: tuple[Option, ...]  # their active options, grouped by category


def _active(record: dict[str, Any]) -> bool:
    return bool(record.get("Status", "ACTIVE") == "ACTIVE")


def xero_lists(xero: Organisation) -> XeroLists:
    accounts = sorted((a for a in xero.accounts() if a.get("Code") and _active(a)), key=lambda a: str(a["Code"]))

    def account(a: dict[str, Any]) -> Option:
        return Option(str(a["Code"]), f"{a['Code']} {a.get('Name', '')}".strip(), str(a.get("Type") or ""))

    taxes = [t for t in xero.tax_rates() if _active(t) and t.get("CanApplyToRevenue") is not False]
    categories = [c for c in xero.tracking_categories() if _active(c)]
    return XeroLists(
        accounts=tuple(account(a) for a in accounts),
        payment_accounts=tuple(
            account(a) for a in accounts if a.get("Type") == "BANK" or a.get("EnablePaymentsToAccount")
        ),
        tax_types=tuple(
            Option(str(t["TaxType"]), f"{t.get('Name', t['TaxType'])} ({t.get('EffectiveRate', '')}%)", t["TaxType"])
            for t in sorted(taxes, key=lambda t: str(t.get("Name", "")))
        ),
        categories=tuple(Option(str(c["Name"]), str(c["Name"])) for c in categories),
        tracking_options=tuple(
            Option(str(o["Name"]), str(o["Name"]), group=str(c["Name"]))
            for c in categories
            for o in c.get("Options") or []
            if _active(o)
        ),
    )


class Kept:
    """A value read at most once per ``keep`` seconds; kept per container (the console's Lambda)
    across requests, each of which brings its own reader (a Xero client, a store client)."""

    def __init__(self, keep: float = KEEP_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._keep, self._clock = keep, clock
        self._value: Any = None
        self._at: float | None = None

    def get(self, read: Callable[[], Any]) -> Any:
        now = self._clock()
        if self._at is None or now - self._at >= self._keep:
            self._value, self._at = read(), now
        return self._value

    def forget(self) -> None:
        self._at = None


class KeptOrganisation:
    """An :class:`~xerosync.settings_check.Organisation` whose three lists are read from ``xero`` at
    most once per ``keep`` seconds, kept in ``memory`` (one per container)."""

    NAMES = ("accounts", "tax_rates", "tracking_categories")

    def __init__(self, xero: Organisation, memory: dict[str, Kept] | None = None, **keeping: Any) -> None:
        self._xero = xero
        self._memory = memory if memory is not None else {}
        for name in self.NAMES:
            self._memory.setdefault(name, Kept(**keeping))

    def _list(self, name: str) -> list[dict[str, Any]]:
        return list(self._memory[name].get(getattr(self._xero, name)))

    def accounts(self) -> list[dict[str, Any]]:
        return self._list("accounts")

    def tax_rates(self) -> list[dict[str, Any]]:
        return self._list("tax_rates")

    def tracking_categories(self) -> list[dict[str, Any]]:
        return self._list("tracking_categories")

    def forget(self) -> None:
        for name in self.NAMES:
            self._memory[name].forget()


def store_options(choices: tuple[Choice, ...] | None) -> tuple[Option, ...] | None:
    """The store's list as options; None when the store gives none (free text then)."""
    if choices is None:
        return None
    return tuple(Option(c.value, c.label, c.note) for c in choices)


NO_LISTS = StoreLists()
