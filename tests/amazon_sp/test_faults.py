"""Faults a harness injects into the SP-API simulator: 429s whatever the bucket holds, 500/503 in
the models' error shape, S3's 503 on a download, and document URLs already expired when fetched,
which the adapter mints again once and then leaves to the next poll."""

import pytest

from local.amazon_sp import AmazonSP
from tests.amazon_sp.conftest import NOW, SETTLEMENTS, Client, call
from xerosync.sources.amazon.client import Credentials, SellingPartner
from xerosync.sources.port import StoreUnavailable

LIST = "/reports/2021-06-30/reports"


def test_throttle_and_error_faults_answer_as_the_sp_api_does(sp: AmazonSP, client: Client) -> None:
    sp.settle()
    sp.faults.add("throttle", operation="getReports", count=1)
    sp.faults.add("error", operation="getReports", count=1, status=500)
    throttled = client.get(LIST, reportTypes=SETTLEMENTS)
    assert throttled.status == 429 and throttled.body["errors"][0]["code"] == "QuotaExceeded"
    failed = client.get(LIST, reportTypes=SETTLEMENTS)
    assert failed.status == 500 and failed.body["errors"][0]["code"] == "InternalFailure"
    assert client.get(LIST, reportTypes=SETTLEMENTS).status == 200  # each fault fired its count
    assert [f["fired"] for f in sp.faults.list()] == [1, 1]
    with pytest.raises(ValueError):
        sp.faults.add("expired_url", operation="getReports")


def test_a_download_can_answer_s3s_slow_down(sp: AmazonSP, client: Client) -> None:
    report = sp.settle(compressed=False)
    url = client.get(f"/reports/2021-06-30/documents/{report.document_id}").body["url"]
    sp.faults.add("error", operation="download", count=1)
    slowed = call(url)
    assert slowed.status == 503 and b"SlowDown" in slowed.raw
    assert call(url).status == 200  # the fault fired its count


def adapter(sp: AmazonSP) -> SellingPartner:
    c = sp.credentials
    creds = Credentials(c.client_id, c.client_secret, c.refresh_token, endpoint=sp.endpoint, lwa_url=sp.lwa_url)
    return SellingPartner(creds, clock=lambda: NOW.timestamp(), sleep=lambda _: None)


def test_an_expired_document_url_is_minted_again_once(sp: AmazonSP) -> None:
    report = sp.settle(compressed=True)
    assert report.settlement is not None
    sp.faults.add("expired_url", count=1)
    data, _ = adapter(sp).document(report.document_id)
    assert data == report.settlement.document()  # decompressed, after a second URL
    sp.faults.add("expired_url", count=2)
    with pytest.raises(StoreUnavailable, match="403"):  # the poll stops here; the next one reads it
        adapter(sp).document(report.document_id)
