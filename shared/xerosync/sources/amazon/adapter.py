"""Amazon Seller Central as a store source: its settlements only.

Amazon announces no sale a stack could sync order by order (and A2X's reasons for not posting
Amazon orders one by one hold: fees, adjustments and reimbursements make per-order documents
that never reconcile to the deposit). What reaches the bank is the settlement, so this source
implements the port's settlement capability: the poll (SettlementsFunction) lists settlement
reports with ``getReports``, reads each one's flat file and posts it once per settlement id
through the core's settlement policy. The per-record side of the port refuses with a clear error.

Its credentials expire (the port's :class:`~xerosync.sources.port.ExpiringCredentials`): the LWA
client secret lasts 180 days (https://developer-docs.amazon.com/sp-api/docs/rotating-your-apps-lwa-credentials).
The credentials secret records when, in ``client_secret_expires`` (an ISO 8601 date or date-time:
the merchant copies it from the developer console with the secret; a rotation writes it, and so
does Amazon's ``APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY`` notice when the queue receives it). A
rotation's new secret arrives as an ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` notification
(https://developer-docs.amazon.com/sp-api/docs/notification-type-values): ``payload.
applicationOAuthClientNewSecret`` holds ``clientId``, ``newClientSecret``, ``newClientSecretExpiryTime``
and ``oldClientSecretExpiryTime`` (the example in the use case guide,
https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide).

The provisional view (the port's :class:`~xerosync.sources.port.ProvisionalStore`) reads the
Finances API: the ``Open`` financial event group (a group is a settlement period) says when the
last settlement ended, and ``listTransactions`` what was posted since, summed per transaction type.
"""

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from xerosync.config import StoreSettings
from xerosync.settlement import Settlement
from xerosync.sources.amazon.client import Credentials, SellingPartner
from xerosync.sources.amazon.flatfile import parse
from xerosync.sources.amazon.settlements import key_of, report_key, to_settlement
from xerosync.sources.port import (
    CredentialExpiry,
    Provisional,
    SettlementFound,
    StoreError,
    TokenCache,
)

NAME = "amazon"
NEW_SECRET = "APPLICATION_OAUTH_CLIENT_NEW_SECRET"  # noqa: S105 - a notification type, not a secret
SECRET_EXPIRY = "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"  # noqa: S105 - a notification type
EXPIRES = "client_secret_expires"
GROUPS_BACK = timedelta(days=90)  # how far back the open settlement period is looked for
NO_RECORDS = "Amazon is read by its settlements only: xerosync syncs no Amazon order, customer or product one by one"


def _refuse(*_: Any, **__: Any) -> NoReturn:
    raise StoreError(NO_RECORDS)


class AmazonStore:
    """The SP-API as the port's :class:`~xerosync.sources.port.SettlementStore`. A settlement
    report is listed by the day Amazon created it (the poll's watermark), unread: the listing
    knows only the report (Amazon's report list names no settlement id), so each report is a
    ``revision`` keyed ``settlement-report:<report id>``, and the poll downloads its document
    only when that report was not posted before. A corrected settlement Amazon issues again
    under the same settlement id comes as a new report, read once like any other. Only reports
    Amazon has finished (``DONE``) are listed, as paid."""

    def __init__(self, api: SellingPartner) -> None:
        self.api = api
        self._documents: dict[str, str] = {}  # report id -> its document id, from the listing

    @property
    def url(self) -> str:
        return self.api.credentials.base_url

    def settlements(self, since: datetime, until: datetime | None = None) -> Iterator[SettlementFound]:
        for report in self.api.settlement_reports(since, until):
            if report.status != "DONE" or not report.document_id:
                continue
            self._documents[report.report_id] = report.document_id
            yield SettlementFound(
                key=report_key(report.report_id),
                id=report.report_id,
                status="paid",
                issued=report.created,
                deposit=Decimal(0),  # unknown until the document is read
                currency="",
                label=f"Amazon settlement report {report.report_id}",
                revision=report.report_id,
            )

    def settlement(self, settlement_id: str) -> Settlement:
        """The settlement of report ``settlement_id`` (the listing's ``id`` is the report's):
        its document downloaded right after its URL is minted. A report this store did not list
        is looked up first (one ``getReport``)."""
        report_id = settlement_id
        document = self._documents.get(report_id)
        if document is None:
            found = self.api.report(report_id)
            if found.status != "DONE" or not found.document_id:
                raise StoreError(f"Amazon settlement report {report_id} is {found.status or 'not ready'}: no document")
            document = found.document_id
        data, charset = self.api.document(document)
        return replace(to_settlement(parse(data, charset)), revision=report_id)

    def renew_credentials(self) -> str:
        self.api.rotate_client_secret()
        return (
            "Amazon is rotating the LWA client secret: the new one arrives on the queue registered for "
            "APPLICATION_OAUTH_CLIENT_NEW_SECRET notifications and the stack stores it; the old one keeps "
            "working for a grace period"
        )

    def provisional(self, now: datetime) -> Provisional:
        """What Amazon posted since the last settlement, per transaction type: the open event
        group's start, then its transactions (money not settled yet: never posted)."""
        groups = self.api.event_groups(now - GROUPS_BACK)
        opened = [_time(g.get("FinancialEventGroupStart")) for g in groups if g.get("ProcessingStatus") == "Open"]
        ended = [_time(g.get("FinancialEventGroupEnd")) for g in groups if g.get("ProcessingStatus") != "Open"]
        starts = [t for t in opened if t is not None] or [t for t in ended if t is not None]
        note = "" if opened else "Amazon lists no open settlement period: shown from the end of the last one"
        since = (min if opened else max)(starts) if starts else now - timedelta(days=14)
        transactions, stopped = self.api.transactions(since)
        totals: dict[tuple[str, str], Decimal] = {}
        counts: dict[tuple[str, str], int] = {}
        for t in transactions:
            money = t.get("totalAmount") or {}
            key = (str(t.get("transactionType") or "other"), str(money.get("currencyCode") or ""))
            try:
                amount = Decimal(str(money.get("currencyAmount", "0")))
            except InvalidOperation:
                continue
            totals[key] = totals.get(key, Decimal(0)) + amount
            counts[key] = counts.get(key, 0) + 1
        notes = [n for n in (note, stopped and f"partial: {stopped}") if n]
        notes.append("orders of the last 48 hours may not be included yet (Amazon)")
        return Provisional(since, now, totals, counts, complete=not stopped, note="; ".join(notes))

    refund = fetch = changed_since = customers = sales_created = catalogue = update_product = _refuse
    mark_paid = subscriptions = _refuse

    def count_sales_created(self, *_: Any) -> int | None:
        return 0


class AmazonSource:
    name = NAME
    settings_defaults: Mapping[str, Any] = {"invoice_prefix": "AMZ-"}
    lists_customer_changes = False

    def check_settings(self, settings: StoreSettings) -> list[str]:
        problems = []
        if settings.settlements.enabled and settings.settlements.mode != "summary":
            problems.append("settlements.mode must be summary for Amazon (there are no per-order documents)")
        if settings.sync.orders:
            problems.append("sync.orders must be false for Amazon: its sales are booked in the settlements")
        return problems

    command = read = kind_of = read_refund = message = _refuse

    def credential_expiry(self, credentials: Mapping[str, Any]) -> CredentialExpiry:
        recorded = credentials.get(EXPIRES)
        expires = _time(recorded)
        if recorded and expires is None:
            raise StoreError(f"the store credentials secret's {EXPIRES} is not an ISO 8601 date: {recorded!r}")
        return CredentialExpiry(
            what="the Login with Amazon client secret",
            expires=expires,
            field=EXPIRES,
            renew="xerosync rotate store-secret --stack STACK (or a new secret from the developer console)",
        )

    def renewed_credentials(
        self, notification: Mapping[str, Any], credentials: Mapping[str, Any], now: datetime
    ) -> dict[str, Any] | None:
        if notification.get("notificationType") == SECRET_EXPIRY:
            return _expiry_noted(notification, credentials)
        if notification.get("notificationType") != NEW_SECRET:
            return None
        payload = (notification.get("payload") or {}).get("applicationOAuthClientNewSecret") or {}
        client_id, secret = payload.get("clientId"), payload.get("newClientSecret")
        expires = _time(payload.get("newClientSecretExpiryTime"))
        if not client_id or not secret or expires is None:
            raise StoreError(f"{NEW_SECRET} without clientId, newClientSecret or newClientSecretExpiryTime")
        if client_id != credentials.get("client_id"):
            raise StoreError(f"{NEW_SECRET} for client {client_id}, not this stack's {credentials.get('client_id')}")
        if secret == credentials.get("client_secret"):
            return dict(credentials)  # delivered again: stored already
        renewed = {**credentials, "client_secret": str(secret), EXPIRES: expires.isoformat()}
        old = _time(payload.get("oldClientSecretExpiryTime"))
        if old is not None:
            renewed["previous_client_secret_until"] = old.isoformat()
        renewed["client_secret_rotated"] = now.isoformat(timespec="seconds")
        return renewed

    def read_settlement(self, raw: Mapping[str, Any]) -> Settlement:
        """A settlement flat file (``{"text": ...}`` or ``{"bytes": ...}``): ``xerosync preview``."""
        data = raw.get("bytes", raw.get("text", ""))
        return to_settlement(parse(data))

    def client(self, credentials: Mapping[str, Any], tokens: TokenCache | None = None) -> AmazonStore | None:
        """From the credentials secret: ``client_id``, ``client_secret``, ``refresh_token`` and
        ``region`` (NA, EU or FE; ``endpoint`` overrides it); None while they are not filled in."""
        needed = ("client_id", "client_secret", "refresh_token")
        if not all(credentials.get(k) for k in needed):
            return None
        return AmazonStore(
            SellingPartner(
                Credentials(
                    client_id=str(credentials["client_id"]),
                    client_secret=str(credentials["client_secret"]),
                    refresh_token=str(credentials["refresh_token"]),
                    region=str(credentials.get("region") or "NA").upper(),
                    endpoint=str(credentials.get("endpoint") or ""),
                    lwa_url=str(credentials.get("lwa_url") or Credentials.lwa_url),
                ),
                tokens=tokens,
            )
        )


def _expiry_noted(notification: Mapping[str, Any], credentials: Mapping[str, Any]) -> dict[str, Any]:
    """Amazon's notice that the secret will expire (``APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY``:
    ``payload.applicationOAuthClientSecretExpiry{clientId, clientSecretExpiryTime,
    clientSecretExpiryReason}``, the example in Amazon's rotation sample, amzn/selling-partner-api-samples
    ``use-cases/lwa-credential-rotation``): the date recorded in the secret, so the stack warns
    even when the merchant did not copy it."""
    payload = (notification.get("payload") or {}).get("applicationOAuthClientSecretExpiry") or {}
    client_id, expires = payload.get("clientId"), _time(payload.get("clientSecretExpiryTime"))
    if not client_id or expires is None:
        raise StoreError(f"{SECRET_EXPIRY} without clientId or clientSecretExpiryTime")
    if client_id != credentials.get("client_id"):
        raise StoreError(f"{SECRET_EXPIRY} for client {client_id}, not this stack's {credentials.get('client_id')}")
    return {**credentials, EXPIRES: expires.isoformat()}


def _time(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time (UTC when it names no zone); None when absent or not one."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


SOURCE = AmazonSource()
__all__ = ["NAME", "SOURCE", "AmazonSource", "AmazonStore", "key_of"]
