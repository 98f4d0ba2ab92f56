"""Amazon Seller Central as a store source: its settlements only.

Amazon announces no sale a stack could sync order by order (and A2X's reasons for not posting
Amazon orders one by one hold: fees, adjustments and reimbursements make per-order documents
that never reconcile to the deposit). What reaches the bank is the settlement, so this source
implements the port's settlement capability: the poll (SettlementsFunction) lists settlement
reports with ``getReports``, reads each one's flat file and posts it once per settlement id
through the core's settlement policy. The per-record side of the port refuses with a clear error.
"""

from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn

from xerosync.config import StoreSettings
from xerosync.settlement import Settlement
from xerosync.sources.amazon.client import Credentials, SellingPartner
from xerosync.sources.amazon.flatfile import parse
from xerosync.sources.amazon.settlements import key_of, to_settlement
from xerosync.sources.port import SettlementFound, StoreError, StoreUnavailable, TokenCache

NAME = "amazon"
NO_RECORDS = "Amazon is read by its settlements only: xerosync syncs no Amazon order, customer or product one by one"


def _refuse(*_: Any, **__: Any) -> NoReturn:
    raise StoreError(NO_RECORDS)


class AmazonStore:
    """The SP-API as the port's :class:`~xerosync.sources.port.SettlementStore`. A settlement
    report is listed by the day Amazon created it (the poll's watermark); its lines are read when
    it is posted. Only reports Amazon has finished (``DONE``) are listed as paid."""

    def __init__(self, api: SellingPartner) -> None:
        self.api = api
        self._documents: dict[str, str] = {}  # settlement id -> report document id, from the listing
        self._read_now: dict[str, Settlement] = {}  # settlement id -> read by the listing, not posted yet
        self._unreadable: dict[str, StoreError] = {}  # report id -> why its document was refused

    @property
    def url(self) -> str:
        return self.api.credentials.base_url

    def settlements(self, since: datetime, until: datetime | None = None) -> Iterator[SettlementFound]:
        for report in self.api.settlement_reports(since, until):
            if report.status != "DONE" or not report.document_id:
                continue
            try:
                settlement = self._read(report.document_id)
            except StoreUnavailable:
                raise  # a 429 or an outage: the poll stops here, the next one reads it
            except StoreError as exc:  # a document refused (the V1 layout, unreadable): this one fails
                self._unreadable[report.report_id] = exc
                yield SettlementFound(
                    key=f"settlement-report:{report.report_id}",
                    id=report.report_id,
                    status="paid",
                    issued=report.created,
                    deposit=Decimal(0),
                    currency="",
                    label=f"Amazon settlement report {report.report_id}",
                )
                continue
            self._documents[settlement.id] = report.document_id
            self._read_now[settlement.id] = settlement
            yield SettlementFound(
                key=settlement.key,
                id=settlement.id,
                status="paid",
                issued=report.created,
                deposit=settlement.deposit,
                currency=settlement.currency,
                label=settlement.label,
            )

    def settlement(self, settlement_id: str) -> Settlement:
        if settlement_id in self._unreadable:
            raise self._unreadable[settlement_id]
        if settlement_id in self._read_now:  # read by this listing: one download per run (0.0167/s)
            return self._read_now.pop(settlement_id)
        document = self._documents.get(settlement_id)
        if document is None:
            raise StoreError(f"settlement {settlement_id} was not listed by this poll: its report is not known")
        return self._read(document)

    def _read(self, document_id: str) -> Settlement:
        data, charset = self.api.document(document_id)
        return to_settlement(parse(data, charset))

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


SOURCE = AmazonSource()
__all__ = ["NAME", "SOURCE", "AmazonSource", "AmazonStore", "key_of"]
