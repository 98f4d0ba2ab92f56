"""The Amazon SP-API simulator: one seller, one self-authorised app, one region."""

import random
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from local.amazon_sp.auth import Credentials, Tokens
from local.amazon_sp.faults import Faults
from local.amazon_sp.limits import Plan, RateLimits
from local.amazon_sp.marketplaces import MARKETPLACES, REGION_HOSTS
from local.amazon_sp.notify import Notifier, new_client_secret, report_finished
from local.amazon_sp.reports import Report, Reports
from local.amazon_sp.settlement import Line, Settlement, SettlementGenerator
from local.http import QuietHTTPServer, serve
from local.shopify_store.clock import Clock, ShopClock, system_clock

# Amazon generates the settlement report after the period closes; how long after is not
# documented (a guess: an hour).
REPORT_DELAY = timedelta(hours=1)


class AmazonSP:
    """``AmazonSP(region="na").start()``: ``.lwa_url`` for tokens, ``.endpoint`` for the SP-API
    (the stand-in for ``REGION_HOSTS[region]``), ``.credentials`` for the app and seller."""

    def __init__(
        self,
        region: str = "na",
        credentials: Credentials | None = None,
        seller_id: str = "A3XEROSYNCSIM1",
        seed: int = 0,
        base_clock: Clock = system_clock,
        scale: float = 1.0,
        plans: dict[str, Plan] | None = None,
        notifier: Notifier | None = None,
        secret_notifier: Notifier | None = None,
    ) -> None:
        if region not in REGION_HOSTS:
            raise ValueError(f"region must be one of {sorted(REGION_HOSTS)}")
        self.region = region
        self.seller_id = seller_id
        self.application_id = "amzn1.sellerapps.app.xerosync-sim-0000-0000-000000000000"
        self.clock = ShopClock(base_clock, scale)
        self.tokens = Tokens(credentials or Credentials(), self.clock)
        self.limits = RateLimits(plans)
        self.faults = Faults(seed)
        self.reports = Reports(region)
        self.notifier = notifier
        self.secret_notifier = secret_notifier  # APPLICATION_OAUTH_CLIENT_NEW_SECRET's destination
        self.transactions_page = 500  # listTransactions' page (smaller in tests of its paging)
        self.finance_pages: dict[str, tuple[dict[str, str], int]] = {}  # Finances API next tokens
        self.rng = random.Random(seed)
        self.seed = seed
        self.generators: dict[str, SettlementGenerator] = {}
        self.lock = threading.Lock()
        self._server: QuietHTTPServer | None = None
        self.url = ""

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> "AmazonSP":
        from local.amazon_sp.server import route

        self._server = serve(lambda *request: route(self, *request), host, port, "amazon-sp")
        self.url = f"http://{host}:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "AmazonSP":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def credentials(self) -> Credentials:
        """The app's credentials as they are now (a rotation replaces the client secret)."""
        return self.tokens.credentials

    @property
    def lwa_url(self) -> str:
        return f"{self.url}/auth/o2/token"

    @property
    def endpoint(self) -> str:
        return self.url

    def now(self) -> datetime:
        return self.clock()

    # --- settlements ----------------------------------------------------------------------------
    def generator(self, marketplace: str = "Amazon.com") -> SettlementGenerator:
        """The seeded generator of one marketplace's settlements (consecutive, reserves carried)."""
        market = MARKETPLACES[marketplace]
        if market.region != self.region:
            raise ValueError(f"{marketplace} is served by the {market.region!r} region, not {self.region!r}")
        if marketplace not in self.generators:
            start = (self.now() - timedelta(days=70)).replace(hour=7, minute=12, second=4, microsecond=0)
            self.generators[marketplace] = SettlementGenerator(self.seed + len(self.generators), market, start)
        return self.generators[marketplace]

    def settle(self, marketplace: str = "Amazon.com", compressed: bool | None = None, **options: Any) -> Report:
        """Close the next settlement period of ``marketplace`` and publish its report
        (``options``: ``orders``, ``negative``, ``month_end``, ``days`` of :meth:`SettlementGenerator.next`)."""
        return self.publish(self.generator(marketplace).next(**options), compressed)

    def publish(
        self, settlement: Settlement, compressed: bool | None = None, created: datetime | None = None
    ) -> Report:
        """A settlement report becomes available (its document GZIP-compressed or not; by default a
        seeded coin: Amazon compresses some documents and not others), and the subscribed queue is told."""
        if compressed is None:
            compressed = self.rng.random() < 0.5
        created = created or min(self.now(), settlement.end + REPORT_DELAY)
        report = self.reports.add(settlement, created, compressed)
        self.notify(report)
        return report

    def reissue(
        self, report: Report, extra: Iterable[Line] = (), drop: str = "", compressed: bool | None = None
    ) -> Report:
        """Amazon re-issues ``report``'s settlement, corrected (:meth:`Settlement.corrected`): a new
        report (new report id, created now) of the same settlement id. Both stay listed, as
        ``getReports`` would list them (a **guess**: Amazon does not document whether the first
        report is withdrawn)."""
        if report.settlement is None:
            raise ValueError(f"report {report.id} holds no settlement")
        return self.publish(report.settlement.corrected(extra, drop), compressed, created=self.now())

    def notify(self, report: Report) -> dict[str, Any] | None:
        if self.notifier is None:
            return None
        body = report_finished(report, self.seller_id, self.application_id, self.notifier.subscription_id, self.now())
        self.notifier.send(body)
        return body

    def populate(self, settlements: int = 4, marketplace: str = "Amazon.com") -> list[Report]:
        """A history: ``settlements`` consecutive ones, every third negative, one across a month end."""
        made = []
        for n in range(settlements):
            made.append(self.settle(marketplace, negative=n % 3 == 2, month_end=n == 1))
        return made

    # --- Application Management: client secret rotation ----------------------------------------
    def rotate_client_secret(self) -> dict[str, Any] | None:
        """``rotateApplicationClientSecret``: a new client secret, delivered only to the registered
        destination as ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` (the API answers 204, no body); the old
        secret keeps working for the grace period. None (and nothing rotated) when no destination
        is registered: Amazon requires one before the call."""
        if self.secret_notifier is None:
            return None
        secret, expires, old_expires = self.tokens.rotate()
        body = new_client_secret(self.credentials.client_id, secret, expires, old_expires, self.application_id,
                                 self.secret_notifier.subscription_id, self.now())  # fmt: skip
        self.secret_notifier.send(body)
        return body
