"""The Reports API 2021-06-30 for settlement reports: paging with nextToken alone, reports, and
documents whose URLs expire after 5 minutes, some GZIP-compressed."""

import gzip
from datetime import timedelta

from local.amazon_sp import HEADER, AmazonSP
from tests.amazon_sp.conftest import NOW, SETTLEMENTS, Client, call

LIST = "/reports/2021-06-30/reports"


def test_paging_takes_the_next_token_alone(sp: AmazonSP, client: Client) -> None:
    sp.limits.enabled = False
    made = sp.populate(5)
    first = client.get(LIST, reportTypes=SETTLEMENTS, processingStatuses="DONE", pageSize="2")
    assert first.status == 200 and len(first.body["reports"]) == 2
    token = first.body["nextToken"]
    mixed = client.get(LIST, nextToken=token, reportTypes=SETTLEMENTS)
    assert mixed.status == 400 and mixed.body["errors"][0]["code"] == "InvalidInput"
    seen = [r["reportId"] for r in first.body["reports"]]
    while token:
        page = client.get(LIST, nextToken=token)
        assert page.status == 200
        seen += [r["reportId"] for r in page.body["reports"]]
        token = page.body.get("nextToken")
    assert sorted(seen) == sorted(r.id for r in made) and len(set(seen)) == 5
    created = [r.created for r in sorted(made, key=lambda r: seen.index(r.id))]
    assert created == sorted(created, reverse=True)  # newest first


def test_list_filters_are_checked(sp: AmazonSP, client: Client) -> None:
    sp.settle()
    assert client.get(LIST).status == 400  # neither reportTypes nor nextToken
    assert client.get(LIST, reportTypes=SETTLEMENTS, pageSize="101").status == 400
    assert client.get(LIST, reportTypes=SETTLEMENTS, processingStatuses="FINISHED").status == 400
    later = (NOW + timedelta(days=1)).isoformat()
    assert client.get(LIST, reportTypes=SETTLEMENTS, createdSince=later).body["reports"] == []
    assert client.get(LIST, reportTypes="GET_FLAT_FILE_OPEN_LISTINGS_DATA").body["reports"] == []
    assert len(client.get(LIST, reportTypes=SETTLEMENTS, marketplaceIds="ATVPDKIKX0DER").body["reports"]) == 1


def test_a_document_url_expires_after_five_minutes(sp: AmazonSP, client: Client) -> None:
    report = sp.settle(compressed=False)
    listed = client.get(f"{LIST}/{report.id}").body
    assert listed["processingStatus"] == "DONE" and listed["reportType"] == SETTLEMENTS
    document = client.get(f"/reports/2021-06-30/documents/{listed['reportDocumentId']}").body
    assert "compressionAlgorithm" not in document
    sp.clock.pin(NOW + timedelta(seconds=299))
    fetched = call(document["url"])
    assert fetched.status == 200
    assert fetched.raw.decode("iso-8859-1").split("\n")[0].split("\t") == list(HEADER)
    sp.clock.pin(NOW + timedelta(seconds=301))
    late = call(document["url"])
    assert late.status == 403 and b"<Message>Request has expired</Message>" in late.raw
    fresh = client.get(f"/reports/2021-06-30/documents/{listed['reportDocumentId']}").body
    assert call(fresh["url"]).status == 200  # a URL minted again works
    assert call(fresh["url"].replace("Signature=", "Signature=0")).status == 403


def test_compressed_documents_are_gzip(sp: AmazonSP, client: Client) -> None:
    report = sp.settle(compressed=True)
    document = client.get(f"/reports/2021-06-30/documents/{report.document_id}").body
    assert document["compressionAlgorithm"] == "GZIP"
    raw = call(document["url"]).raw
    assert raw[:2] == b"\x1f\x8b"
    assert report.settlement is not None
    assert gzip.decompress(raw).decode("iso-8859-1") == report.settlement.flat_file()


def test_unknown_reports_and_documents_are_404(client: Client) -> None:
    assert client.get(f"{LIST}/1").status == 404
    assert client.get("/reports/2021-06-30/documents/amzn1.spdoc.nothing").status == 404
