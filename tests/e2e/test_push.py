"""History moves only when asked: installing xerosync on a shop with history pushes nothing, and
``xerosync push`` lands every historical order exactly once, with its progress bar; a second
push of the same range writes nothing new to Xero.

``make test`` pushes 100 orders; ``make e2e-push`` pushes 2,000 (XEROSYNC_PUSH_ORDERS), which
takes about ten minutes on a 2-core machine until Xero requests are batched.
"""

import os
from collections import Counter
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from local.chaos import sync_log
from tests.e2e.conftest import ROOMY, Stack, operator, start, stop
from tests.e2e.history import History, settings
from xerosync.cli import app

pytestmark = pytest.mark.e2e

ORDERS = int(os.environ.get("XEROSYNC_PUSH_ORDERS", "100"))
HISTORY = History(ORDERS, customers=max(20, ORDERS // 10))
WIDE = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def shop() -> Iterator[Stack]:
    running = start("e2e-push", settings(), store=True, limits=ROOMY, history=HISTORY)
    yield running
    stop(running)


def push(shop: Stack, *args: str) -> str:
    with operator(shop.stack):
        result = CliRunner().invoke(app, ["push", *args], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


def test_installing_on_a_shop_with_history_syncs_nothing_of_it(shop: Stack) -> None:
    assert shop.store is not None and len(shop.store.state.orders) == ORDERS
    first = shop.stack.run_schedule("ReconcileFunction")
    assert first.ok and first.payload["initialised"] and first.payload["enqueued"] == 0, first.payload
    timeouts = {k: f.stats.timeouts for k, f in shop.stack.functions.items() if f.stats.timeouts}
    assert shop.stack.wait_idle(60), (
        f"records still queued: {shop.stack.queue_depths()}; timed out: {timeouts}; "
        f"pollers: {shop.stack.poller_stats}; {_retried(shop)}"
    )
    assert shop.writes() == 0 and not shop.org.invoices


def test_push_lands_every_historical_order_exactly_once(shop: Stack) -> None:
    assert shop.store is not None
    span = ["--from", HISTORY.start.date().isoformat(), "--to", HISTORY.end.date().isoformat()]
    output = push(shop, *span, "--timeout", str(60 + ORDERS))
    listed = sum(1 for o in shop.store.state.orders.values() if o.status != "trash")  # status=any omits trash
    assert f"Enqueueing ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ {listed}/{listed}" in output  # the progress bar
    assert "Syncing ━━━━" in output and " 0 failed" in output

    expected = HISTORY.invoiced(shop.store)
    numbers = Counter(i["InvoiceNumber"] for i in shop.org.invoices.values() if i["Type"] == "ACCREC")
    assert set(numbers) == set(expected)  # every order that should be invoiced is, and nothing else
    assert max(numbers.values()) == 1  # exactly once
    for number, order in expected.items():
        invoice = next(i for i in shop.org.invoices.values() if i["InvoiceNumber"] == number)
        assert invoice["Total"] == order.totals.total, number
    contacts = Counter(c.get("ContactNumber") for c in shop.org.contacts.values() if c.get("ContactNumber"))
    assert not contacts or max(contacts.values()) == 1
    # the push is done when every record has its outcome; the last batch's messages are deleted
    # a moment later, once its invocation returns
    timeouts = {k: f.stats.timeouts for k, f in shop.stack.functions.items() if f.stats.timeouts}
    assert shop.stack.wait_idle(60), (
        f"records still queued: {shop.stack.queue_depths()}; timed out: {timeouts}; "
        f"pollers: {shop.stack.poller_stats}; {_retried(shop)}"
    )
    assert not {k: v for k, v in shop.stack.queue_depths().items() if v}  # nothing dead-lettered
    assert f"{len(expected)} written to Xero" in output

    writes = shop.writes()
    before = Counter(shop.sandbox.state.calls)
    again = push(shop, *span)  # the same range again
    assert f"Enqueueing ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ {listed}/{listed}" in again
    assert " 0 written to Xero" in again and " 0 failed" in again
    timeouts = {k: f.stats.timeouts for k, f in shop.stack.functions.items() if f.stats.timeouts}
    assert shop.stack.wait_idle(60), (
        f"records still queued: {shop.stack.queue_depths()}; timed out: {timeouts}; "
        f"pollers: {shop.stack.poller_stats}; {_retried(shop)}"
    )
    assert shop.writes() == writes, (Counter(shop.sandbox.state.calls) - before, again)  # nothing new in Xero


def test_instant_sync_of_one_order_and_since_the_last_sync(shop: Stack) -> None:
    store = shop.store
    assert store is not None
    mug = store.state.product_by_sku("MUG-ENM-WHT")
    assert mug is not None
    store.set_outage(True)  # its webhooks are lost
    billing = {"first_name": "Sam", "last_name": "Lee", "email": "sam@example.com", "country": "AU", "state": "VIC"}
    lost = store.place_order([(mug.id, 2)], billing=billing, payment_method="stripe", paid=True)
    assert store.flush_webhooks(30)
    store.set_outage(False)
    output = push(shop, "--order", str(lost.id))
    assert "Enqueueing ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 1/1" in output and "1 written to Xero" in output
    assert sum(1 for i in shop.org.invoices.values() if i["InvoiceNumber"] == f"WC-{lost.number}") == 1

    writes = shop.writes()
    output = push(shop, "--since-last-sync")  # what changed since the watermark: that order, in step now
    assert "0 written to Xero" in output and "0 failed" in output
    assert shop.writes() == writes


def _retried(shop: Stack) -> str:
    """The sync log's outcomes, and the history of the records that were retried (a diagnosis)."""
    entries = sorted(sync_log(shop.stack), key=lambda e: str(e.get("at", "")))
    outcomes = Counter(str(e.get("outcome")) for e in entries)
    history: dict[str, list[str]] = {}
    for e in entries:
        history.setdefault(str(e.get("pk")), []).append(
            f"{e.get('at')} {e.get('outcome')} {str(e.get('reason', ''))[:80]}"
        )
    retried = {k: h for k, h in history.items() if len(h) > 1}
    return f"outcomes {dict(outcomes)}; {len(retried)} records logged more than once, e.g. {list(retried.items())[:12]}"
