"""The store port: everything the core needs from a store, whatever the store is.

A source (WooCommerce, or any other) is an adapter under ``xerosync.sources.<name>`` that
implements :class:`StoreSource` and, for the ingress, a stdlib-only :data:`WebhookDecider`. The
registry (:mod:`xerosync.sources`) finds it by the name the stack serves (the template parameter
``StoreSource``) and by the ``source`` of each envelope. The core (``sync/``, ``xero/``, ``aws/``,
the domain) never imports an adapter: it sees the domain types of :mod:`xerosync.domain` and the
interfaces below.

Two sides:

* **events in** - the adapter decides on a webhook delivery (signature, topic -> envelope), and
  turns an envelope into a store-neutral :data:`xerosync.domain.Command`;
* **the store's API** (:class:`StoreClient`) - what webhooks leave out (a refund's lines), what
  changed since a watermark, one record, the store's webhook subscriptions, and the writes back
  of what Xero owns (names, prices, stock; an order paid in Xero).

Store failures are raised as :class:`StoreError` (the store refused: permanent) or
:class:`StoreUnavailable` (try again later), so the core classifies them without knowing the store.

This module is standard library only, so the ingress can import it.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from xerosync.frozen import frozen, record

if TYPE_CHECKING:
    from xerosync.config import StoreSettings
    from xerosync.domain import Command, Party, Product, Refund, Sale
    from xerosync.envelopes import Message
    from xerosync.events import StoreEvent
    from xerosync.settlement import Settlement
    from xerosync.webhooks import Decision


class StoreError(Exception):
    """The store refused a request (permanent: retrying repeats the refusal)."""

    transient = False


class StoreNotFound(StoreError):
    """The store has no such record (deleted for good)."""


class StoreUnavailable(StoreError):
    """The store did not answer, or asked us to slow down: try again later."""

    transient = True
    retry_after = 30.0


def require_https(url: str, what: str) -> str:
    """``url`` if it is https (or http to this machine: the local simulators); else a
    :class:`StoreError`. The store's API credentials travel to it, and the webhook secret is
    given to it with the webhooks: never in the clear over a network."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise StoreError(f"{what} {url!r} is not a URL") from None
    if parts.scheme == "https" and host:
        return url
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme == "http" and loopback:
        return url
    raise StoreError(f"{what} must be an https:// URL (the store's credentials travel to it), not {url!r}")


# (headers with lower-case names, the raw body, the webhook secret on demand, now) -> Decision
WebhookDecider = Callable[[dict[str, str], bytes, Callable[[], str], "datetime | None"], "Decision"]

Kind = Literal["order", "customer", "product"]


@frozen
class Found:
    """A store record a listing found, as the store represents it (the source's ``read`` turns it
    into the domain, with the stack's settings; its ``message`` into a queue message)."""

    kind: Kind
    key: str  # the mapping key: "order:1001"
    at: datetime | None  # the store time a watermark counts by (modified, or registered)
    raw: Mapping[str, Any]  # the store's representation, as an envelope carries it
    label: str = ""  # which listing found it, for the run's counts ("orders", "variations")
    gone: bool = False  # deleted in the store (WooCommerce: in the trash)
    modified: datetime | None = None  # the store time of this state, when ``at`` is another time

    @property
    def changed_at(self) -> datetime | None:
        """The store time of this state (what a mapping's ``source_modified`` is compared with)."""
        return self.modified or self.at


@frozen
class StoreProduct:
    """A product as the pull from Xero needs it (name, regular price, stock)."""

    key: str  # "product:<id>"
    sku: str
    name: str
    regular_price: Decimal | None
    manage_stock: bool
    stock_quantity: int | None
    parent_key: str | None = None  # a variant's product (a variant's name is made by the store)


@frozen
class ProductUpdate:
    """What a pull writes to one store product: only the fields given."""

    name: str | None = None
    regular_price: Decimal | None = None
    stock_quantity: int | None = None  # and stock managed from then on


@frozen
class AccessToken:
    """An access token a store adapter minted for its API, and when it expires (epoch seconds).
    Printed or logged, it shows its expiry only: the token is a secret."""

    value: str = field(repr=False)
    expires_at: float


class TokenCache(Protocol):
    """Where a store adapter keeps the access tokens it mints, shared by every function of the
    stack (the composition root gives the adapter's client one kept in the mapping table:
    :class:`xerosync.aws.tokens.DynamoAccessTokens`), so a token is minted once for its lifetime,
    not once per invocation or per container. ``key`` names the store and the app; the adapter
    decides when a cached token is too close to its expiry to use."""

    def get(self, key: str) -> AccessToken | None: ...

    def put(self, key: str, token: AccessToken) -> None: ...


@frozen
class WebhookAction:
    """What the check of one webhook topic found, and did."""

    topic: str
    action: str  # ok | create | reenable | replace | paused | failed
    webhook_id: str | None = None
    detail: str = ""

    @property
    def repair(self) -> bool:
        return self.action in ("create", "reenable", "replace")


@record
class Subscriptions:
    """The store's webhooks to this stack after a check (and repair)."""

    actions: list[WebhookAction] = field(default_factory=list)
    installed_at: datetime | None = None  # when the first of them was created: xerosync's install


class StoreClient(Protocol):
    """The store's API, authenticated for this stack."""

    @property
    def url(self) -> str:
        """The store, as the envelopes name it (read-only: an adapter may compute it)."""
        ...

    def refund(self, sale: "Sale", refund_id: str) -> "Refund":
        """One refund of ``sale`` in full (its lines)."""
        ...

    def fetch(self, kind: Kind, record_id: str) -> Found:
        """One record by its store id: ``gone`` when deleted (trashed), :class:`StoreNotFound` when
        the store no longer has it at all. The sync asks this before it voids a deleted order's
        invoice, and reads a record too large for its queue with it."""
        ...

    def changed_since(self, since: datetime, kinds: set[Kind]) -> Iterator[Found]:
        """Records of ``kinds`` changed after ``since`` (store time), the deleted ones included, each
        listing oldest first; customers may be listed by registration only (see
        :attr:`StoreSource.lists_customer_changes`). A caller stops reading when it must."""
        ...

    def customers(self) -> Iterator[Found]:
        """Every customer (for stores that cannot list customers by their changes)."""
        ...

    def sales_created(self, start: date, end: date, *, deleted: bool = False) -> Iterator[Found]:
        """Sales placed from ``start`` to ``end`` (the store's own dates, both included); with
        ``deleted``, those deleted in the store too."""
        ...

    def count_sales_created(self, start: date, end: date) -> int | None:
        """How many sales :meth:`sales_created` will list, when the store can say up front."""
        ...

    def catalogue(self) -> list[StoreProduct]:
        """Every product that can carry a SKU (a product sold as variants: its variants)."""
        ...

    def update_product(self, product: StoreProduct, update: ProductUpdate) -> None: ...

    def mark_paid(self, sale_key: str, settings: "StoreSettings") -> str | None:
        """Mark a sale awaiting payment as paid (its invoice was paid in Xero). Returns what changed,
        in the store's words, or None when the store has it paid already (or it awaits no payment)."""
        ...

    def subscriptions(
        self, url: str, secret: Callable[[], str], kinds: set[Kind], memory: dict[str, Any], now: datetime, repair: bool
    ) -> Subscriptions:
        """Check the store's webhooks that point at ``url`` for ``kinds``; with ``repair``, create or
        re-enable what is missing or disabled. ``memory`` is the adapter's between runs."""
        ...


class StoreSource(Protocol):
    """One kind of store: its payloads, its settings section, its API."""

    name: str  # as the envelopes and the stack's StoreSource parameter say it
    settings_defaults: Mapping[str, Any]  # e.g. its invoice prefix
    lists_customer_changes: bool  # False: changed customers are found by a periodic sweep

    def check_settings(self, settings: "StoreSettings") -> list[str]:
        """Problems with the store's own section of the settings (empty when it is fine)."""
        ...

    def command(self, event: "StoreEvent", settings: "StoreSettings", store: "StoreClient | None") -> "Command":
        """What an envelope asks of the core, in the domain's terms. ``store`` (None until its
        credentials are filled in) is there for a source whose webhooks only say "record X
        changed": it reads the record's current state."""
        ...

    def read(self, kind: Kind, raw: Mapping[str, Any], settings: "StoreSettings") -> "Sale | Party | Product":
        """A record as the store represents it (a payload, a REST answer) read into the domain."""
        ...

    def kind_of(self, raw: Mapping[str, Any]) -> "Kind | Literal['refund']":
        """Which kind of record a payload is (``xerosync preview`` is given a file)."""
        ...

    def read_refund(self, raw: Mapping[str, Any], sale: "Sale") -> "Refund":
        """A refund of ``sale``, as the store represents one, read into the domain."""
        ...

    def message(self, found: Found, *, store: str, origin: str, now: datetime | None = None) -> "Message | None":
        """The queue message for a record the core read itself (the envelope a webhook would
        make, so a state already delivered is a duplicate; None when the ingress would drop it
        too). ``store`` names the store in the envelope; ``origin`` (e.g. ``reconcile``) says
        who enqueued it, and like a delivery id is never part of the event's identity."""
        ...

    def client(self, credentials: Mapping[str, Any], tokens: TokenCache | None = None) -> StoreClient | None:
        """The store's API from its credentials secret; None while they are not filled in.
        ``tokens`` is where the stack keeps access tokens the adapter mints (a store whose API
        takes a static key has no use for it)."""
        ...


# --- settlements: an optional capability ------------------------------------------------------
# A store whose payment service or marketplace pays deposits into the bank (a payout, a
# settlement) lists them and reads each one's lines (xerosync.settlement). No webhook announces
# them (Shopify has none for payouts), so the core polls. A store without deposits implements none.
@frozen
class SettlementFound:
    """A deposit a listing found; its lines are read when it is posted."""

    key: str  # the mapping key: "payout:623721858"
    id: str
    status: Literal["pending", "paid", "failed", "canceled"]
    issued: datetime  # when the store issued it (what the polling watermark counts by)
    deposit: Decimal  # into the bank (negative: taken from it)
    currency: str
    label: str = ""  # for people: "Shopify payout 623721858"
    # A store that may issue one settlement more than once (Amazon re-issues a corrected report
    # under the same settlement id) lists each issue unread: ``revision`` is the store's id of
    # this issue (the report id), ``key`` the issue's own mapping key, ``id`` what
    # :meth:`SettlementStore.settlement` reads, and ``deposit`` unknown (0) until it is read. The
    # poll reads an issue only when it has not posted it (one download per issue, ever).
    revision: str = ""


@runtime_checkable
class SettlementStore(Protocol):
    """The deposits of a store's payment service (a :class:`StoreClient` may also be one)."""

    def settlements(self, since: datetime, until: datetime | None = None) -> Iterator[SettlementFound]:
        """Deposits issued from ``since`` (to ``until``), oldest first, whatever their status."""
        ...

    def settlement(self, settlement_id: str) -> "Settlement":
        """One deposit with all its lines (the money of failed ones it pays again included)."""
        ...


@runtime_checkable
class SettlementSales(Protocol):
    """A settlement store that reads the sales a deposit carries in a few requests, where the core
    would otherwise read them one by one with :meth:`StoreClient.fetch` (a day's payout carries
    hundreds of orders; Shopify exports them with one bulk operation)."""

    def settlement_sales(self, settlement: "Settlement") -> Iterator[Found]:
        """The store's record of each sale in ``settlement.sale_keys()``, as :meth:`StoreClient.fetch`
        returns it, in any order; one the store no longer has is left out (or ``gone``). Raises
        :class:`StoreUnavailable` when the store asks to wait: the deposit is then tried again by
        the next poll, never booked without its sales."""
        ...


def sales_reader_of(store: object) -> SettlementSales | None:
    """``store`` as a :class:`SettlementSales`, or None: its sales are read one by one."""
    return store if isinstance(store, SettlementSales) else None


@runtime_checkable
class SettlementReader(Protocol):
    """A source that reads a deposit from a file the store exported (``xerosync preview``)."""

    def read_settlement(self, raw: Mapping[str, Any]) -> "Settlement": ...


def settlements_of(store: object) -> SettlementStore | None:
    """``store`` as a :class:`SettlementStore`, or None when its store pays no deposits."""
    return store if isinstance(store, SettlementStore) else None


# --- credentials that expire: an optional capability -------------------------------------------
# A store whose API credentials expire on a date (Amazon's LWA client secrets: every 180 days) says
# when, from the credentials secret, so the stack warns ahead (a metric, its alarm, xerosync status);
# one that can renew them itself starts the renewal and reads the renewed credentials from the
# notification the store delivers. The core stores them (a new version of the secret).
class CredentialsRefused(StoreError):
    """The store refused the stack's own API credentials (expired, rotated away, revoked): every
    call fails until they are replaced. Its message names the credential, never its value."""


@frozen
class CredentialExpiry:
    """When one of the store's credentials expires, as the credentials secret records it."""

    what: str  # for people: "the Login with Amazon client secret"
    expires: datetime | None  # None: the secret does not record it
    field: str  # the credentials secret's field that records it
    renew: str = ""  # how the operator renews it, for people

    def days_left(self, now: datetime) -> int | None:
        """Whole days from ``now`` to the expiry (negative once expired); None when not recorded."""
        if self.expires is None:
            return None
        return (self.expires - now).days


@runtime_checkable
class ExpiringCredentials(Protocol):
    """A :class:`StoreSource` whose API credentials expire."""

    def credential_expiry(self, credentials: Mapping[str, Any]) -> CredentialExpiry | None:
        """The expiry the credentials secret records (None: these credentials have none)."""
        ...

    def renewed_credentials(
        self, notification: Mapping[str, Any], credentials: Mapping[str, Any], now: datetime
    ) -> dict[str, Any] | None:
        """The whole credentials secret after the renewal ``notification`` delivers (its expiry
        recorded); None when it is not such a notification. :class:`StoreError` when it is one for
        other credentials (another app's)."""
        ...


@runtime_checkable
class RenewingStore(Protocol):
    """A :class:`StoreClient` that can ask the store for new credentials (delivered later, by a
    notification :meth:`ExpiringCredentials.renewed_credentials` reads)."""

    def renew_credentials(self) -> str:
        """Start the renewal; returns what happens next, for people."""
        ...


# --- a provisional view of the money on its way: an optional capability --------------------------
@frozen
class Provisional:
    """What the store has posted since its last settlement, summed per (type, currency): money not
    settled yet, shown to people, never posted to Xero."""

    since: datetime
    until: datetime
    totals: Mapping[tuple[str, str], Decimal]  # (type, currency) -> sum
    counts: Mapping[tuple[str, str], int]  # (type, currency) -> how many events
    complete: bool = True  # False: the store stopped answering (rate limit) before the end
    note: str = ""  # why not complete, or what the figures leave out


@runtime_checkable
class ProvisionalStore(Protocol):
    """A :class:`SettlementStore` that can tell what is posted since its last settlement."""

    def provisional(self, now: datetime) -> Provisional: ...


# --- optional capabilities in their own modules: Xero's state of a document written back to the store
# (xerosync.sources.xero_state: the state, the capability, and where an adapter remembers its writes);
# the store's words a merchant maps, listed (xerosync.sources.store_lists: tax rates, gateways, statuses)
from xerosync.sources.store_lists import ListsStoreWords as ListsStoreWords  # noqa: E402
from xerosync.sources.store_lists import StoreLists as StoreLists  # noqa: E402
from xerosync.sources.store_lists import lists_of as lists_of  # noqa: E402
from xerosync.sources.xero_state import XERO_STANDINGS as XERO_STANDINGS  # noqa: E402
from xerosync.sources.xero_state import DocumentWriteBack as DocumentWriteBack  # noqa: E402
from xerosync.sources.xero_state import RemembersWrites as RemembersWrites  # noqa: E402
from xerosync.sources.xero_state import WriteMemory as WriteMemory  # noqa: E402
from xerosync.sources.xero_state import XeroDocumentState as XeroDocumentState  # noqa: E402
from xerosync.sources.xero_state import remembers_writes as remembers_writes  # noqa: E402
from xerosync.sources.xero_state import write_back_of as write_back_of  # noqa: E402
