"""Many record workers, few Xero requests: the batching facade against the sandbox over HTTP."""

import itertools
import time
from typing import Any
from urllib.parse import quote_plus, urlencode

from tests.integration.conftest import run_workers
from xerosync.sync.orders import CALL_ORDER
from xerosync.xero.batching import BatchingXero
from xerosync.xero.client import WHERE_LIMIT, ElementResult, XeroClient, contact_keys, where_chunks
from xerosync.xero.wire import BATCH_BYTES, BATCH_ELEMENTS, QUERY_LIMIT, batch_chunks


def calls(sandbox: Any, endpoint: str) -> int:
    return sum(n for (_, e), n in sandbox.state.calls.items() if e == endpoint)


def test_twenty_workers_creating_contacts_make_one_request_and_a_bad_element_fails_alone(
    xero: XeroClient, sandbox: Any
) -> None:
    facade = BatchingXero(xero, workers=20, call_order=CALL_ORDER)
    names = [f"Customer {n}" for n in range(19)] + ["Customer 3"]  # the last one's name is taken
    work = [
        lambda name=name, n=n: facade.create_contacts([{"Name": name}], idempotency_key=f"c{n}")[0]
        for n, name in enumerate(names)
    ]
    results: list[ElementResult] = run_workers(facade, work)
    assert calls(sandbox, "PUT /Contacts") == 1
    assert [r.ok for r in results] == [True] * 19 + [False]
    assert "already assigned to another contact" in results[-1].errors[0]
    assert len(sandbox.org.contacts) == 19


def test_reads_of_many_workers_are_one_query(xero: XeroClient, sandbox: Any) -> None:
    xero.create_contacts(
        [{"Name": f"N{n}", "ContactNumber": str(n), "EmailAddress": f"n{n}@x.au"} for n in range(10)],
        idempotency_key="seed",
    )
    before = calls(sandbox, "GET /Contacts")
    facade = BatchingXero(xero, workers=14, call_order=CALL_ORDER)
    # by number, by email, by either: one query for all (two numbers have no contact)
    work = [lambda n=n: facade.contacts_matching(str(n), "") for n in range(12)]
    work += [lambda: facade.contacts_matching(None, "N7@X.AU"), lambda: facade.contacts_matching("99", "n8@x.au")]
    results = run_workers(facade, work)
    assert calls(sandbox, "GET /Contacts") == before + 1
    assert [len(r) for r in results] == [1] * 10 + [0, 0, 1, 1]
    assert results[4][0]["ContactNumber"] == "4"
    assert [r[0]["Name"] for r in results[12:]] == ["N7", "N8"]


def test_invoices_created_updated_and_read_in_batches(xero: XeroClient, sandbox: Any) -> None:
    [contact] = xero.create_contacts([{"Name": "Buyer"}], idempotency_key="b")
    contact_id = contact.record["ContactID"]

    def invoice(n: int) -> dict[str, Any]:
        return {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact_id},
            "InvoiceNumber": f"B-{n}",
            "Date": "2026-11-20",
            "Status": "AUTHORISED",
            "LineItems": [
                {"Description": "x", "Quantity": 1, "UnitAmount": 10 + n, "AccountCode": "200", "TaxType": "OUTPUT"}
            ],
        }

    facade = BatchingXero(xero, workers=8, call_order=CALL_ORDER)
    created = run_workers(
        facade, [lambda n=n: facade.create_invoices([invoice(n)], idempotency_key=f"i{n}")[0] for n in range(8)]
    )
    assert all(r.ok for r in created) and calls(sandbox, "PUT /Invoices") == 1
    ids = [r.record["InvoiceID"] for r in created]
    facade = BatchingXero(xero, workers=8, call_order=CALL_ORDER)
    read = run_workers(facade, [lambda i=i: facade.get_invoice(i) for i in ids])
    assert [r["InvoiceID"] for r in read] == ids and all(r["LineItems"] for r in read)
    facade = BatchingXero(xero, workers=8, call_order=CALL_ORDER)
    updated = run_workers(
        facade,
        [
            lambda i=i, n=n: facade.update_invoice(i, {**invoice(n), "Reference": "r"}, idempotency_key=f"u{n}")
            for n, i in enumerate(ids)
        ],
    )
    assert all(r.ok for r in updated)
    assert calls(sandbox, "POST /Invoices") == 1
    assert all(i["Reference"] == "r" for i in sandbox.org.invoices.values())


def test_workers_in_different_phases_are_realigned_so_each_kind_goes_once(xero: XeroClient, sandbox: Any) -> None:
    """Half the workers start with a contact lookup, half are already at their invoice lookup
    (their contact was mapped): the invoice lookups wait for the others, so each kind of call
    is one request, not one per phase the workers happen to be in."""
    facade = BatchingXero(xero, workers=10, max_wait=30.0, call_order=CALL_ORDER)  # only the phase rule may flush here
    before_contacts, before_invoices = calls(sandbox, "GET /Contacts"), calls(sandbox, "GET /Invoices")

    def behind(n: int) -> Any:
        facade.contacts_matching(f"C{n}", f"c{n}@x.au")
        return facade.invoices_by_number([f"INV-{n}"])

    def ahead(n: int) -> Any:
        return facade.invoices_by_number([f"INV-{n}"])

    work = [lambda n=n: behind(n) for n in range(5)] + [lambda n=n: ahead(n) for n in range(5, 10)]
    results = run_workers(facade, work)
    assert results == [[]] * 10
    assert calls(sandbox, "GET /Contacts") == before_contacts + 1
    assert calls(sandbox, "GET /Invoices") == before_invoices + 1


def test_workers_arriving_one_by_one_still_make_one_request(xero: XeroClient, sandbox: Any) -> None:
    """Workers slowed on their way to Xero (a busy DynamoDB, a slow store) keep arriving, each
    well within the wait but all together well beyond it: the batcher keeps waiting while they
    come, so the phase is still one request, not one per wait."""
    # each arrives 0.2 s after the one before, 0.8 s within the wait (a busy 2-core machine
    # delayed a thread by more than the 0.35 s the first version left: CI of ffda364)
    facade = BatchingXero(xero, workers=12, max_wait=1.0, call_order=CALL_ORDER)
    before = calls(sandbox, "GET /Contacts")

    def late(n: int) -> Any:
        time.sleep(0.2 * n)  # the last arrives 2.2 s after the first: more than twice the wait
        return facade.contacts_matching(f"L{n}", f"l{n}@x.au")

    results = run_workers(facade, [lambda n=n: late(n) for n in range(12)])
    assert results == [[]] * 12
    assert calls(sandbox, "GET /Contacts") == before + 1
    assert facade.flushes_timed_out == 0


def test_a_stuck_worker_does_not_hold_the_others_back(xero: XeroClient, sandbox: Any) -> None:
    """One worker stays away (stuck elsewhere) while the rest wait on Xero: once nobody has
    moved for the wait, what waits is sent, and the stuck one's call goes on its own later."""
    facade = BatchingXero(xero, workers=5, max_wait=0.5, call_order=CALL_ORDER)
    before = calls(sandbox, "GET /Contacts")
    answered: list[float] = []
    start = time.monotonic()

    def prompt(n: int) -> Any:
        found = facade.contacts_matching(f"P{n}", f"p{n}@x.au")
        answered.append(time.monotonic() - start)
        return found

    def stuck() -> Any:
        time.sleep(3.0)
        return facade.contacts_matching("S", "s@x.au")

    results = run_workers(facade, [lambda n=n: prompt(n) for n in range(4)] + [stuck])
    assert results == [[]] * 5
    assert max(answered) < 2.5  # the four did not wait for the stuck one
    assert calls(sandbox, "GET /Contacts") == before + 2
    assert facade.flushes_timed_out == 1


def test_contact_reads_carry_as_many_parties_as_a_url_takes(xero: XeroClient, sandbox: Any) -> None:
    """Forty new parties, each looked up by number, email and name: the terms are packed into
    queries of at most WHERE_LIMIT URL-encoded characters (so that the query string stays within
    the 2,048 characters Xero's tops out at, QUERY_LIMIT), as few as fit, each term in the `=`
    form of Xero's optimised filters, and every party gets its own matches back."""
    [taken] = xero.create_contacts([{"Name": "Sam Taylor"}], idempotency_key="taken")
    assert taken.ok
    parties = [(f"{1000 + n}", f"sam.taylor.{n}@example.com.au", "Sam Taylor") for n in range(40)]
    keys = sorted({k for p in parties for k in contact_keys(*p)})
    chunks = where_chunks(keys)
    assert all(len(quote_plus(w)) <= WHERE_LIMIT for w in chunks)
    assert all(len(urlencode({"where": w, "unitdp": 4, "page": 1})) <= QUERY_LIMIT for w in chunks)
    assert sum(w.count('="') for w in chunks) == len(keys) and not any("==" in w for w in chunks)
    for this, after in itertools.pairwise(chunks):  # each as full as it goes: the next term would not fit
        assert len(quote_plus(f"{this} OR {after.split(' OR ')[0]}")) > WHERE_LIMIT
    assert len(chunks) > 1
    before = calls(sandbox, "GET /Contacts")
    facade = BatchingXero(xero, workers=len(parties), call_order=CALL_ORDER)
    results = run_workers(facade, [lambda p=p: facade.contacts_matching(*p) for p in parties])
    assert calls(sandbox, "GET /Contacts") == before + len(chunks)
    assert all([c["Name"] for c in r] == ["Sam Taylor"] for r in results)  # the name, not a match


def test_past_its_deadline_the_batcher_waits_for_nobody(xero: XeroClient, sandbox: Any) -> None:
    """Waiting for stragglers phase after phase could run an invocation out of time: past the
    deadline it is given (half the invocation's time), each call goes as it comes."""
    facade = BatchingXero(xero, workers=5, max_wait=30.0, deadline=time.monotonic(), call_order=CALL_ORDER)
    before = calls(sandbox, "GET /Contacts")
    start = time.monotonic()
    results = run_workers(facade, [lambda: facade.contacts_matching("D1", "d1@x.au")])  # four never come
    assert results == [[]] and time.monotonic() - start < 5
    assert calls(sandbox, "GET /Contacts") == before + 1


def test_writes_fill_requests_up_to_xeros_element_and_size_caps(xero: XeroClient, sandbox: Any) -> None:
    """150 workers' contacts go in one PUT (contacts are small: 200 to a request); invoices go 100
    to a request; and no request's JSON exceeds BATCH_BYTES, however few elements that makes."""
    facade = BatchingXero(xero, workers=150, call_order=CALL_ORDER)
    work = [
        lambda n=n: facade.create_contacts([{"Name": f"Bulk {n}"}], idempotency_key=f"bulk{n}")[0] for n in range(150)
    ]
    results: list[ElementResult] = run_workers(facade, work)
    assert calls(sandbox, "PUT /Contacts") == 1 and all(r.ok for r in results)
    assert BATCH_ELEMENTS["Contacts"] == 200 and BATCH_ELEMENTS["Invoices"] == 100
    assert [len(c) for c in batch_chunks("Invoices", list(range(250)), lambda _: 1_000)] == [100, 100, 50]
    big = BATCH_BYTES // 3 + 1  # three such elements would pass the byte cap
    assert [len(c) for c in batch_chunks("Payments", list(range(5)), lambda _: big)] == [2, 2, 1]
    assert [len(c) for c in batch_chunks("Payments", [0], lambda _: BATCH_BYTES * 2)] == [1]  # alone, not lost
