"""The Amazon adapter's SP-API client against the SP-API simulator (local/amazon_sp) over HTTP.

Given the simulator on a pinned clock (the client reads the same clock, and its backoff advances
it instead of sleeping), the client mints one Login with Amazon token for many calls and mints
again once it has expired; lists settlement reports page by page with ``nextToken`` sent alone
(the simulator answers 400 otherwise); downloads a document whose URL expired by minting a new
one; decompresses GZIP documents; and on 429s backs off, then stops the poll with nothing lost:
the settlements read so far are posted once, the watermark stays before the unread ones, and the
next poll posts the rest.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from local.amazon_sp import AmazonSP
from local.amazon_sp.limits import Plan
from local.xero_sandbox import XeroSandbox
from tests.fakes import InMemoryMappings
from tests.integration.test_amazon_settlement_xero import xero  # noqa: F401 (the sandbox, its accounts)
from tests.unit.test_amazon_settlement import amazon_settings
from xerosync.sources.amazon.adapter import AmazonStore
from xerosync.sources.amazon.client import Credentials, SellingPartner
from xerosync.sources.port import StoreUnavailable
from xerosync.sync.settlements import poll
from xerosync.xero.client import XeroClient

pytestmark = pytest.mark.integration
NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def sp() -> Iterator[AmazonSP]:
    simulator = AmazonSP(region="na", seed=5, base_clock=lambda: NOW).start()  # moves by advance() only
    yield simulator
    simulator.stop()


class Http(httpx.Client):
    """httpx, counting what reaches the simulator by path (the test's view of the wire)."""

    def __init__(self) -> None:
        super().__init__(timeout=10.0)
        self.paths: list[str] = []

    def send(self, request: httpx.Request, **kwargs):  # type: ignore[no-untyped-def]
        self.paths.append(request.url.path)
        return super().send(request, **kwargs)


def client(sp: AmazonSP, http: Http) -> SellingPartner:
    c = sp.credentials
    return SellingPartner(
        Credentials(c.client_id, c.client_secret, c.refresh_token, endpoint=sp.endpoint, lwa_url=sp.lwa_url),
        http=http,
        clock=lambda: sp.now().timestamp(),
        sleep=sp.clock.advance,  # the backoff waits on the simulator's clock
    )


def since() -> datetime:
    return NOW - timedelta(days=89)


def test_one_token_for_many_calls_and_a_new_one_after_it_expires(sp: AmazonSP) -> None:
    sp.populate(3)
    http = Http()
    api = client(sp, http)
    first = list(api.settlement_reports(since()))
    api.report(first[0].report_id)
    api.document(first[0].document_id)
    assert sp.tokens.minted == 1 and http.paths.count("/auth/o2/token") == 1
    sp.clock.advance(3600 - 200)  # inside the re-mint margin: replaced before it is refused
    api.report(first[0].report_id)
    assert sp.tokens.minted == 2
    sp.clock.advance(3601)
    api.report(first[0].report_id)
    assert sp.tokens.minted == 3
    assert not any(p == "/auth/o2/token" for p in http.paths[-1:])


def test_a_token_expired_in_another_containers_cache_is_minted_again_once(sp: AmazonSP) -> None:
    sp.populate(1)
    http = Http()
    api = client(sp, http)
    [report] = list(api.settlement_reports(since()))
    key = api._token_key
    stale = api.tokens.get(key)
    assert stale is not None
    sp.clock.advance(3601)  # the simulator refuses it now, while the cache believes it valid
    api.tokens.put(key, type(stale)(stale.value, sp.now().timestamp() + 3000))
    assert api.report(report.report_id).report_id == report.report_id
    assert sp.tokens.minted == 2


def test_every_page_is_listed_with_next_token_alone(sp: AmazonSP) -> None:
    sp.limits.enabled = False
    made = sp.populate(5)
    http = Http()
    api = client(sp, http)
    reports = list(api.settlement_reports(since(), page_size=2))  # the simulator: 400 if nextToken has company
    assert sorted(r.report_id for r in reports) == sorted(r.id for r in made)
    assert http.paths.count("/reports/2021-06-30/reports") == 3  # pages of 2, 2 and 1
    assert [r.created for r in reports] == sorted(r.created for r in reports)  # oldest first, as the port says


def test_an_expired_document_url_is_minted_again_and_gzip_is_decompressed(sp: AmazonSP) -> None:
    report = sp.settle("Amazon.com", compressed=True)
    http = Http()
    api = client(sp, http)
    original = api.get  # getReportDocument answers, then the URL expires before the download

    def slow_get(path, params=None):  # type: ignore[no-untyped-def]
        answer = original(path, params)
        if "/documents/" in path and http.paths.count(path) == 1:
            sp.clock.advance(301)
        return answer

    api.get = slow_get  # type: ignore[method-assign]
    data, _ = api.document(report.document_id)
    assert data == report.settlement.document()  # type: ignore[union-attr]
    assert http.paths.count(f"/reports/2021-06-30/documents/{report.document_id}") == 2
    assert http.paths.count(f"/_s3/{report.document_id}") == 2


def test_429s_back_off_then_the_poll_stops_and_the_next_one_posts_the_rest(
    sp: AmazonSP,
    xero: tuple[XeroSandbox, Any, XeroClient],  # noqa: F811 (the fixture)
) -> None:
    sandbox, org, xero_client = xero
    made = [sp.settle("Amazon.com", compressed=n % 2 == 0) for n in range(4)]
    sp.limits.plans["getReportDocument"] = Plan(1 / 600, 2)  # two downloads, then one per 10 minutes
    http = Http()
    store = AmazonStore(client(sp, http))
    mappings = InMemoryMappings()
    settings = amazon_settings()
    first = poll(store, since=since(), settings=settings, sales=lambda s: {}, mappings=mappings, xero=xero_client)
    assert "429" in first.stopped or "slow down" in first.stopped, first.stopped
    assert sp.limits.refused["getReportDocument"] >= 1
    posted = {o.key for o in first.outcomes if o.action == "created"}
    assert len(posted) == 2
    mark = first.watermark(None)
    assert mark is not None and all(r.created >= mark for r in made[2:])  # nothing unread left behind
    runs = 1
    while True:  # each later poll starts at the watermark, posts what it can read, and stops again
        sp.clock.advance(3600)
        later = poll(store, since=mark, settings=settings, sales=lambda s: {}, mappings=mappings, xero=xero_client)
        runs += 1
        assert later.failed == [] and later.count("parked") == 0
        new = {o.key for o in later.outcomes if o.action == "created"}
        assert new and not new & posted  # progress every run, nothing posted twice
        posted |= new
        mark = later.watermark(mark)
        if not later.stopped:
            break
        assert runs < 5
    assert posted == {f"settlement:{r.settlement.id}" for r in made}  # type: ignore[union-attr]
    writes = sum(n for (_, endpoint), n in sandbox.state.calls.items() if not endpoint.startswith("GET"))
    final = poll(store, since=mark, settings=settings, sales=lambda s: {}, mappings=mappings, xero=xero_client)
    assert final.count("created") == 0 and final.failed == []
    assert sum(n for (_, endpoint), n in sandbox.state.calls.items() if not endpoint.startswith("GET")) == writes
    paid = sorted(p["Amount"] for p in org.payments.values())
    assert paid == sorted(abs(r.settlement.total) for r in made if r.settlement.total)  # type: ignore[union-attr]
    assert sandbox.spec_violations == []


def test_a_429_on_every_try_is_store_unavailable_with_amazons_rate_as_the_wait(sp: AmazonSP) -> None:
    sp.populate(1)
    sp.limits.plans["getReports"] = Plan(0.0222, 1)
    api = client(sp, Http())
    list(api.settlement_reports(since()))
    before = sp.now()
    with pytest.raises(StoreUnavailable) as raised:
        list(api.settlement_reports(since()))
    assert getattr(raised.value, "retry_after", 0) == pytest.approx(1 / 0.0222)
    assert 0 < (sp.now() - before).total_seconds() < 10  # backed off a few seconds, no more
    assert sp.limits.refused["getReports"] == 4  # the first try and three retries
