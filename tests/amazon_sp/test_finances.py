"""The Finances API as the simulator serves it, from the same seeded history as the settlement
reports: event groups (one Closed per settlement, one Open for the period running now) and
transactions (financesV0.json, finances_2024-06-19.json in amzn/selling-partner-api-models)."""

from datetime import timedelta
from decimal import Decimal

from local.amazon_sp import AmazonSP
from tests.amazon_sp.conftest import NOW, Client

GROUPS = "/finances/v0/financialEventGroups"
TRANSACTIONS = "/finances/2024-06-19/transactions"


def test_the_open_period_s_transactions_are_the_lines_of_the_settlement_that_closes_it(sp: AmazonSP) -> None:
    sp.populate(2)
    sp.clock.pin(NOW + timedelta(days=30))  # the third period has run its course
    client = Client(sp)
    groups = client.get(GROUPS, FinancialEventGroupStartedAfter=(NOW - timedelta(days=90)).isoformat()).body
    listed = groups["payload"]["FinancialEventGroupList"]
    assert [g["ProcessingStatus"] for g in listed] == ["Closed", "Closed", "Open"]
    opened = listed[-1]
    page = client.get(TRANSACTIONS, relatedIdentifierName="FINANCIAL_EVENT_GROUP_ID",
                      relatedIdentifierValue=opened["FinancialEventGroupId"]).body  # fmt: skip
    provisional = sum((Decimal(str(t["totalAmount"]["currencyAmount"])) for t in page["payload"]["transactions"]),
                      Decimal(0))  # fmt: skip
    settled = sp.settle("Amazon.com").settlement
    assert settled is not None and f"grp-{settled.id}" == opened["FinancialEventGroupId"]
    reserves = sum((x.amount for x in settled.lines if "reserve" in x.amount_description.casefold()), Decimal(0))
    assert provisional == settled.total - reserves  # the same money, but the reserve (a balance, not an event)


def test_transactions_want_a_start_two_minutes_old_and_their_token_with_the_same_arguments(sp: AmazonSP) -> None:
    sp.populate(2)
    sp.transactions_page = 2
    client = Client(sp)
    assert client.get(TRANSACTIONS).status == 400  # neither postedAfter nor a related identifier
    assert client.get(TRANSACTIONS, postedAfter=(NOW - timedelta(seconds=60)).isoformat()).status == 400
    after = (NOW - timedelta(days=90)).isoformat()
    first = client.get(TRANSACTIONS, postedAfter=after).body["payload"]
    token = first["nextToken"]
    assert client.get(TRANSACTIONS, nextToken=token).status == 400  # alone: not the same arguments
    assert client.get(TRANSACTIONS, postedAfter=after, nextToken=token).status == 200
