"""Per-operation token buckets on the simulator's clock: getReports bursts 10, then one request
every 45 s (0.0222/s); beyond the bucket, 429 QuotaExceeded
(developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits)."""

from datetime import timedelta

from local.amazon_sp import AmazonSP
from tests.amazon_sp.conftest import NOW, SETTLEMENTS, Client

LIST = "/reports/2021-06-30/reports"


def test_get_reports_bursts_ten_then_refuses_with_429(sp: AmazonSP, client: Client) -> None:
    for _ in range(10):
        reply = client.get(LIST, reportTypes=SETTLEMENTS)
        assert reply.status == 200 and reply.headers["x-amzn-RateLimit-Limit"] == "0.0222"
    refused = client.get(LIST, reportTypes=SETTLEMENTS)
    assert refused.status == 429
    assert refused.body["errors"][0]["code"] == "QuotaExceeded"
    sp.clock.pin(NOW + timedelta(seconds=44))
    assert client.get(LIST, reportTypes=SETTLEMENTS).status == 429  # 0.98 of a token back
    sp.clock.pin(NOW + timedelta(seconds=46))
    assert client.get(LIST, reportTypes=SETTLEMENTS).status == 200
    assert client.get(LIST, reportTypes=SETTLEMENTS).status == 429
    assert sp.limits.refused["getReports"] == 3


def test_buckets_are_per_operation(sp: AmazonSP, client: Client) -> None:
    report = sp.settle()
    for _ in range(11):
        client.get(LIST, reportTypes=SETTLEMENTS)
    assert client.get(f"{LIST}/{report.id}").status == 200  # getReport has its own bucket
    for _ in range(15):  # burst 15
        assert client.get(f"/reports/2021-06-30/documents/{report.document_id}").status == 200
    assert client.get(f"/reports/2021-06-30/documents/{report.document_id}").status == 429
