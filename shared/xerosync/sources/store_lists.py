"""The store's own words a merchant maps, read from the store: an optional capability of the store
port (:mod:`xerosync.sources.port` names it too).

The settings map three kinds of the store's words to Xero or to the sale's lifecycle: its tax
rates (``tax.rates``), its payment gateways (``payments.accounts``) and its order statuses (the
store section's field that :attr:`StoreLists.status_setting` names). A merchant who maps them in
the console picks each from a list the store gives, so a mapping never names a word the store does
not use. A client that can list them implements :class:`ListsStoreWords`; a list the store's API
does not give is None, and the console asks for the word as free text instead (as it does for a
store whose client has no such capability).

Standard library only, like the port.
"""

from typing import Protocol, runtime_checkable

from xerosync.frozen import frozen


@frozen
class Choice:
    """One of the store's words, as the settings hold it (``value``) and as people know it."""

    value: str  # what the settings name: a tax rate id "1", a gateway id "stripe", a status "on-hold"
    label: str  # the store's own name for it: "GST 10% (AU)", "Credit card (Stripe)", "On hold"
    note: str = ""  # what else helps choosing: "disabled", "3 orders", "rate code AU-GST-1"


@frozen
class StoreLists:
    """What the store lists of its words; None where its API gives no list (free text then)."""

    tax_rates: tuple[Choice, ...] | None = None
    gateways: tuple[Choice, ...] | None = None
    statuses: tuple[Choice, ...] | None = None
    status_setting: str = ""
    """the store section's field that maps a status to the sale's lifecycle (e.g. order_statuses);
    empty: the statuses are not the form's to map"""


@runtime_checkable
class ListsStoreWords(Protocol):
    """A :class:`~xerosync.sources.port.StoreClient` that reads the lists of its words from the store."""

    def store_lists(self) -> StoreLists:
        """The lists, read now (a few calls: the caller caches); :class:`~xerosync.sources.port.StoreError`
        or :class:`~xerosync.sources.port.StoreUnavailable` when the store refuses or does not answer."""
        ...


def lists_of(store: object) -> ListsStoreWords | None:
    """``store`` as a :class:`ListsStoreWords`, or None: every word of it is typed as free text."""
    return store if isinstance(store, ListsStoreWords) else None
