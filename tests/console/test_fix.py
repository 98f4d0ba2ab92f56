"""The Fix page's changes over plain HTTP (the browser tests retry and push): a reconciliation
now and a day's drift fixed, each answered with what it did and logged with who asked."""

import time

import httpx
import pytest

from tests.console.conftest import csrf_of, signed_in
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e  # the whole local stack


@pytest.fixture(scope="module")
def fixer(site: Stack) -> httpx.Client:
    return signed_in(site, "fixer@shop.example")


def test_a_reconciliation_now_says_what_it_did_and_who_asked(fixer: httpx.Client) -> None:
    token = csrf_of(fixer.get("/console/fix").text)
    answer = fixer.post("/console/reconcile", data={"csrf": token})
    assert answer.status_code == 303
    page = fixer.get(answer.headers["location"]).text
    assert "reconciled: listed" in page, page[-800:]
    log = fixer.get("/console/log", params={"record": "console"}).text
    assert "a reconciliation now (by fixer@shop.example)" in log
    # and the reconciliation's own line in the sync log, as the scheduled one writes it
    assert "listed" in fixer.get("/console/log", params={"record": "job:reconcile"}).text


def test_a_day_s_drift_is_read_by_a_get_and_fixed_only_by_a_post(fixer: httpx.Client) -> None:
    today = time.strftime("%Y-%m-%d", time.gmtime())
    report = fixer.get("/console/drift", params={"day": today})
    assert report.status_code == 200 and f"Drift {today}" in report.text
    assert fixer.get("/console/drift", params={"day": "yesterday"}).status_code == 400
    answer = fixer.post("/console/drift", data={"csrf": csrf_of(fixer.get("/console/fix").text), "day": today})
    assert answer.status_code == 200 and f"Drift {today}" in answer.text
    log = fixer.get("/console/log", params={"record": "console"}).text
    assert f"re-enqueue the drift of {today} (by fixer@shop.example)" in log
    # the fix writes the day's report to the sync log, as xerosync drift --fix does
    assert "drift-report" in fixer.get("/console/log", params={"record": f"drift:{today}"}).text


def test_a_push_refuses_a_range_it_cannot_take(fixer: httpx.Client) -> None:
    token = csrf_of(fixer.get("/console/fix").text)
    for form in ({"from": "2026-02-01", "to": "2026-01-01"}, {"from": "2025-01-01", "to": "2026-01-01"}, {"from": "x"}):
        answer = fixer.post("/console/push", data={"csrf": token, **form})
        assert answer.status_code == 400, form
