"""Amazon Seller Central as a store source: its settlements only.

Amazon announces no sale a stack could sync order by order (and A2X's reasons for not posting
Amazon orders one by one hold: fees, adjustments and reimbursements make per-order documents
that never reconcile to the deposit). What reaches the bank is the settlement, so this source
implements the port's settlement capability: the poll (SettlementsFunction) lists settlement
reports with ``getReports``, reads each one's flat file and posts it once per settlement id
through the core's settlement policy. The per-record side of the port refuses with a clear error.
"""

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn

from xerosync.config import StoreSettings
from xerosync.settlement import Settlement
from xerosync.sources.amazon.client import Credentials, SellingPartner
from xerosync.sources.amazon.flatfile import parse
from xerosync.sources.amazon.settlements import key_of, report_key, to_settlement
from xerosync.sources.port import SettlementFound, StoreError, TokenCache

NAME = "amazon"
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
