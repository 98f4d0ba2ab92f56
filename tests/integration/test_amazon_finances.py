"""The Amazon adapter's Finances and credential calls against the SP-API simulator over HTTP.

Given the simulator on a pinned clock (the client reads it, and its pacing and backoff advance it
instead of sleeping): the provisional view finds the open settlement period by its event group and
sums what was posted since, per transaction type, to the cent of the simulator's own lines, reading
every page with ``nextToken`` sent with the same arguments, paced at 0.5 requests a second (no 429
where Amazon's bucket refills at that rate), backing off on 429s where it refills slower, and
saying "partial" rather than showing a short total when Amazon keeps refusing. The client secret's
rotation goes through a grantless token, and a refused secret raises CredentialsRefused naming the
client, never the secret.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.amazon_sp import AmazonSP
from local.amazon_sp.finances import open_period
from local.amazon_sp.limits import Plan
from tests.conftest import reference_file
from tests.integration.test_amazon_sp_client import Http, client
from xerosync.sources.amazon.adapter import SOURCE, AmazonStore
from xerosync.sources.port import CredentialsRefused

pytestmark = pytest.mark.integration
NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
KINDS = {"Order": "Shipment", "Refund": "Refund"}


@pytest.fixture
def sp() -> Iterator[AmazonSP]:
    simulator = AmazonSP(region="na", seed=31, base_clock=lambda: NOW).start()
    simulator.populate(3)  # three settlements; the fourth period is running
    simulator.clock.advance(10 * 86400)  # ten days into it
    yield simulator
    simulator.stop()


def expected(sp: AmazonSP) -> dict[str, Decimal]:
    """The running period's lines posted so far, per transaction type (the simulator's own view)."""
    now = sp.now() - timedelta(minutes=2)
    sums: dict[str, Decimal] = {}
    for line in open_period(sp).lines:
        if line.posted < now and "reserve" not in line.amount_description.casefold():
            kind = KINDS.get(line.transaction_type) or (
                "Adjustment" if "reimbursement" in line.amount_type.casefold() else "ServiceFee"
            )
            sums[kind] = sums.get(kind, Decimal(0)) + line.amount
    return sums


def test_the_provisional_view_sums_what_was_posted_since_the_last_settlement(sp: AmazonSP) -> None:
    sp.transactions_page = 3  # several pages
    sp.limits.plans["listTransactions"] = Plan(0.5, 1)  # no burst: only a client paced at 0.5/s meets no 429
    http = Http()
    view = AmazonStore(client(sp, http)).provisional(sp.now())
    assert view.complete, view.note
    assert view.since == open_period(sp).start  # the Open group's start: the last settlement's end
    assert {kind: total for (kind, currency), total in view.totals.items()} == expected(sp)
    assert {currency for _, currency in view.totals} == {"USD"}
    assert all(isinstance(v, Decimal) for v in view.totals.values())
    pages = http.paths.count("/finances/2024-06-19/transactions")
    assert pages == -(-sum(view.counts.values()) // 3) and pages > 1
    assert sp.limits.refused == {}  # paced at the documented rate: Amazon never had to refuse


def test_429s_are_backed_off_and_a_view_amazon_keeps_refusing_says_it_is_partial(sp: AmazonSP) -> None:
    sp.transactions_page = 6
    sp.limits.plans["listTransactions"] = Plan(0.2, 1)  # refills slower than the client's pace
    view = AmazonStore(client(sp, Http())).provisional(sp.now())
    assert sp.limits.refused.get("listTransactions", 0) > 0  # 429s met...
    assert view.complete and {k: v for (k, _), v in view.totals.items()} == expected(sp)  # ...and backed off
    sp.limits.plans["listTransactions"] = Plan(0.0001, 1)  # Amazon keeps refusing
    partial = AmazonStore(client(sp, Http())).provisional(sp.now())
    assert not partial.complete and "partial" in partial.note


def test_the_simulator_answers_in_the_shapes_of_amazon_s_sandbox_examples(sp: AmazonSP) -> None:
    examples = json.loads(reference_file("fixtures", "amazon", "spapi_finances_sandbox_examples.json").read_text())
    api = client(sp, Http())
    group = api.event_groups(NOW - timedelta(days=90))[0]
    sample_group = examples["listFinancialEventGroups"]["response"]["payload"]["FinancialEventGroupList"][0]
    assert set(group) <= set(sample_group) and {"FinancialEventGroupId", "ProcessingStatus"} <= set(group)
    assert set(group["OriginalTotal"]) == set(sample_group["OriginalTotal"])
    transactions, stopped = api.transactions(NOW - timedelta(days=90))
    sample = examples["listTransactions_2024_06_19"]["response"]["payload"]["transactions"][0]
    assert not stopped and transactions
    for t in transactions:
        assert set(sample) <= set(t)
        assert set(t["totalAmount"]) == set(sample["totalAmount"])
        assert {i["relatedIdentifierName"] for i in t["relatedIdentifiers"]} <= {"FINANCIAL_EVENT_GROUP_ID", "ORDER_ID"}


def test_a_rotation_asks_with_a_grantless_token_and_a_refused_secret_names_the_client_only(sp: AmazonSP) -> None:
    sent: list[dict[str, Any]] = []

    class Queue:
        subscription_id = "s"

        def send(self, body: dict[str, Any]) -> None:
            sent.append(body)

    sp.secret_notifier = Queue()  # type: ignore[assignment]
    old = sp.credentials.client_secret
    api = client(sp, Http())
    said = AmazonStore(api).renew_credentials()
    assert "APPLICATION_OAUTH_CLIENT_NEW_SECRET" in said and len(sent) == 1
    renewed = SOURCE.renewed_credentials(sent[0], {"client_id": sp.credentials.client_id, "client_secret": old}, NOW)
    assert renewed is not None and renewed["client_secret"] == sp.credentials.client_secret
    sp.clock.advance(8 * 86400)  # past the old secret's grace period
    with pytest.raises(CredentialsRefused) as refused:
        api.token()
    assert sp.credentials.client_id in str(refused.value) and old not in str(refused.value)
