"""Credits per rolling 24 h and concurrent calls per edition, with Zoho's answers; the seeded
history: reproducible, both tax modes, totals that add up."""

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from local.zoho_crm import ZohoCRM, populate
from local.zoho_crm.limits import Limits
from local.zoho_crm.records import LINE_ITEMS
from tests.zoho_crm.conftest import NOW, Client, Reply


def test_credits_by_edition() -> None:
    assert Limits("free").credits == 5_000
    assert Limits("standard", users=10).credits == 52_500
    assert Limits("standard", users=400).credits == 100_000
    assert Limits("enterprise", users=10).credits == 60_000
    assert (Limits("free").concurrency, Limits("ultimate").concurrency) == (5, 25)


def test_spent_credits_refuse_until_the_window_rolls(crm: ZohoCRM, client: Client) -> None:
    crm.limits.credits = 3  # a setting: the edition's number, small for the test
    for _ in range(3):
        assert client("GET", "/Accounts", fields="Account_Name").status == 204
    refused = client("GET", "/Accounts", fields="Account_Name")
    assert refused.status == 429 and refused.body["code"] == "LIMIT_EXCEEDED"
    crm.clock.advance(24 * 3600)
    client = Client(crm)
    assert client("GET", "/Accounts", fields="Account_Name").status == 204


def test_concurrency_beyond_the_edition_is_too_many_requests() -> None:
    crm = ZohoCRM(edition="free", base_clock=lambda: NOW).start()
    try:
        client = Client(crm)
        crm.gate = threading.Event()  # calls stay in flight until the gate opens
        replies: list[Reply] = []
        threads = [
            threading.Thread(target=lambda: replies.append(client("GET", "/Accounts", fields="Account_Name")))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(replies) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert crm.limits.in_flight == 5  # the Free edition's five, held
        crm.gate.set()
        for thread in threads:
            thread.join()
        refused = [r for r in replies if r.status == 429]
        assert len(refused) == 3 and all(r.body["code"] == "TOO_MANY_REQUESTS" for r in refused)
        assert sorted(r.status for r in replies) == [204] * 5 + [429] * 3
    finally:
        crm.stop()


def history(seed: int) -> dict[str, list[dict[str, Any]]]:
    crm = ZohoCRM(base_clock=lambda: NOW)
    populate(crm, seed=seed, start=datetime(2026, 6, 1, tzinfo=UTC))
    return {m: crm.store.all(m) for m in crm.store.records}


def test_history_is_reproducible_and_adds_up() -> None:
    first, again, other = history(7), history(7), history(8)
    assert first == again and first != other
    contacts = first["Contacts"]
    assert any("Email" in c for c in contacts) and any("Email" not in c for c in contacts)
    assert all(p.get("Product_Code") for p in first["Products"])
    invoices = first["Invoices"]
    assert any(i.get("Tax_Inclusive") for i in invoices) and any(not i.get("Tax_Inclusive") for i in invoices)
    for module, subform in LINE_ITEMS.items():
        for doc in first[module]:
            lines: list[dict[str, Decimal]] = doc[subform]
            assert doc["Sub_Total"] == sum(r["Net_Total"] for r in lines)
            assert (
                doc["Grand_Total"]
                == doc["Sub_Total"]
                - doc["Discount"]
                + (0 if doc.get("Tax_Inclusive") else doc["Tax"])
                + doc["Adjustment"]
            )
            for row in lines:
                assert row["Total"] - row["Total_After_Discount"] >= 0
    assert any(d["Adjustment"] for d in invoices) and any(d["Discount"] for d in invoices)
