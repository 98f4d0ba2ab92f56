"""A conditional write whose answer is lost is retried by botocore, and must not be refused by itself.

DynamoDB applies a ``PutItem`` and the answer never reaches the worker (a read timeout, a closed
connection: the Zoho bench saw 20 idempotency-table errors and 16 connect timeouts in one run);
botocore's standard retry mode sends the same request again, and its condition now fails on the
item the first try wrote. The record's lock, creation claim or Powertools' "in progress" record is
then held *by the attempt itself*, which saw ``ClaimHeld`` or "already in progress" and gave up,
and every later delivery of the record meets the same hold until its lease ends: two invoices of
the Zoho bench (bench/README.md) were sent back 30 times that way and dead-lettered.

Here a proxy between the client and moto (server mode) forwards a request to moto and then hangs
up without answering, once, for the requests it is told to lose: what botocore sees of a lost
answer, with the retry that follows it.

The same holds for every lease, lock and version write beside them: the governor's call slots,
minute log and day count, the jobs' lease and state, the token set's and the access tokens' locks.
The writes whose retry does again what is done, or is refused because it is done (a release, a
token set's save under its lock), have a test where losing the answer would cost most.
"""

import http.client
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

from local.http import QuietHTTPServer
from local.stack import free_port
from tests.integration.conftest import boto, mappings_table
from xerosync import aws
from xerosync.aws.governor import DynamoBudget
from xerosync.aws.idempotency import IdempotencyTable
from xerosync.aws.jobstate import DynamoJobState, DynamoSyncSwitch, StateConflict
from xerosync.aws.mappings import DynamoMappings
from xerosync.aws.tokens import DynamoAccessTokens, DynamoTokenStore
from xerosync.sync.ports import Claimed, ClaimHeld, Mapping, Stopped
from xerosync.xero.governor import BudgetExhausted, Governor, Limits
from xerosync.xero.tokens import TokenSet, seed_of, store_connection

Lose = Callable[[str, bytes], bool]  # (X-Amz-Target, body) -> lose this request's answer


class LosingProxy:
    """Forwards every request to moto; the answer of the first request ``lose`` picks is lost."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.lose: Lose = lambda target, body: False
        self.lost: list[str] = []
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                target = self.headers.get("X-Amz-Target", "")
                connection = http.client.HTTPConnection(proxy.upstream.hostname or "", proxy.upstream.port, timeout=30)
                connection.request("POST", self.path, body=body, headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
                connection.close()
                proxy.seen.append(target)
                if not proxy.lost and proxy.lose(target, body):
                    proxy.lost.append(target)  # moto applied it: the client is never told
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = QuietHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True, name="losing-proxy").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def proxy(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LosingProxy]:
    """xerosync's AWS clients reach moto through the proxy (tables are made directly)."""
    losing = LosingProxy(endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", losing.url)
    aws.reset()
    yield losing
    aws.reset()
    losing.server.shutdown()
    losing.server.server_close()


def put_of(marker: bytes) -> Lose:
    return lambda target, body: target.endswith(".PutItem") and marker in body


def update_of(marker: bytes) -> Lose:
    return lambda target, body: target.endswith(".UpdateItem") and marker in body


PUT, UPDATE = "DynamoDB_20120810.PutItem", "DynamoDB_20120810.UpdateItem"


def test_a_lock_whose_answer_was_lost_is_held_by_its_taker(endpoint: str, proxy: LosingProxy) -> None:
    mappings_table(endpoint, "lost-lock")
    table = DynamoMappings("lost-lock")
    proxy.lose = put_of(b'"lock"')
    table.lock("order:1", "mine")  # not ClaimHeld: the item its first try wrote is its own
    assert proxy.lost == ["DynamoDB_20120810.PutItem"]
    assert proxy.seen.count("DynamoDB_20120810.PutItem") == 2  # the retry was made, and refused by moto
    with pytest.raises(ClaimHeld):  # and it is a lock: another worker is kept out
        table.lock("order:1", "theirs")
    table.unlock("order:1", "mine")
    table.lock("order:1", "theirs")


def test_a_claim_whose_answer_was_lost_is_its_takers_and_looks_in_xero_first(endpoint: str, proxy: LosingProxy) -> None:
    mappings_table(endpoint, "lost-claim")
    table = DynamoMappings("lost-claim")
    proxy.lose = put_of(b'"PENDING"')
    # whether it was the first claim is in the answer that was lost: taken as not, so the
    # record is looked up in Xero before it is created (a lookup more, never a duplicate)
    assert table.claim("order:2", "mine") == Claimed(first=False)
    with pytest.raises(ClaimHeld):
        table.claim("order:2", "theirs")
    table.put(Mapping("order:2", "inv-2"), claim="mine")
    assert table.get("order:2") == Mapping("order:2", "inv-2")


def test_a_mapping_recorded_under_a_claim_whose_answer_was_lost_is_not_a_lost_claim(
    endpoint: str, proxy: LosingProxy
) -> None:
    mappings_table(endpoint, "lost-put")
    table = DynamoMappings("lost-put")
    assert table.claim("order:3", "mine") == Claimed(first=True)
    proxy.lose = put_of(b'"DONE"')
    table.put(Mapping("order:3", "inv-3", updated_at="2026-12-03T09:00:00+00:00"), claim="mine")  # no ClaimLost
    assert table.get("order:3") == Mapping("order:3", "inv-3", updated_at="2026-12-03T09:00:00+00:00")


def idempotency_table(endpoint: str, name: str) -> str:
    """The IdempotencyTable of template.yaml."""
    boto("dynamodb", endpoint).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


class Context:
    """What Powertools reads of the Lambda context: the time left (in progress until then)."""

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


def test_an_in_progress_record_whose_answer_was_lost_does_not_stop_its_own_attempt(
    endpoint: str, proxy: LosingProxy
) -> None:
    table = IdempotencyTable(idempotency_table(endpoint, "lost-in-progress"), aws.client("dynamodb"))
    config = IdempotencyConfig(event_key_jmespath="id", raise_on_no_idempotency_key=True)
    config.register_lambda_context(Context())
    runs: list[str] = []

    @idempotent_function(data_keyword_argument="event", config=config, persistence_store=table)  # type: ignore[untyped-decorator]
    def apply(event: dict[str, str]) -> str:
        runs.append(event["id"])
        return "created"

    proxy.lose = put_of(b'"INPROGRESS"')
    assert apply(event={"id": "order:4"}) == "created"  # not IdempotencyAlreadyInProgressError
    assert proxy.lost == ["DynamoDB_20120810.PutItem"]
    assert apply(event={"id": "order:4"}) == "created"  # and recorded: the second delivery is a duplicate
    assert runs == ["order:4"]


# --- the rate governor (xerosync.aws.governor) ---------------------------------------------------


def test_a_call_slot_whose_answer_was_lost_is_its_takers(endpoint: str, proxy: LosingProxy) -> None:
    governor = Governor(
        DynamoBudget(mappings_table(endpoint, "lost-slot")), Limits(concurrent=1, per_minute=1000, per_day=10_000)
    )
    governor.SLOT_WAIT_SECONDS = 0.3
    proxy.lose = put_of(b'"slot#0"')
    permit = governor.acquire("t1")  # not BudgetExhausted: the one slot is held by this very worker
    assert proxy.lost == [PUT] and proxy.seen.count(PUT) == 3  # the slot, its retry (refused), the minute
    with pytest.raises(BudgetExhausted):  # and it is held: another call waits
        governor.acquire("t1")
    governor.release(permit)
    governor.release(governor.acquire("t1"))


def test_a_call_logged_in_the_minute_whose_answer_was_lost_is_logged_once(endpoint: str, proxy: LosingProxy) -> None:
    budget = DynamoBudget(mappings_table(endpoint, "lost-minute"))
    proxy.lose = put_of(b'"minute"')
    assert budget.take_minute("t1", 54, 1_795_000_000.0) == 0.0
    assert proxy.lost == [PUT]
    assert budget.minute_used("t1", 1_795_000_000.5) == 1  # not 2: the retry, refused, did not log it again
    assert budget.take_minute("t1", 54, 1_795_000_001.0) == 0.0  # the next call is logged as ever
    assert budget.minute_used("t1", 1_795_000_001.5) == 2


def test_arrivals_logged_whose_answer_was_lost_are_logged_once(endpoint: str, proxy: LosingProxy) -> None:
    budget = DynamoBudget(mappings_table(endpoint, "lost-arrivals"))
    proxy.lose = put_of(b'"arrivals#orders"')
    never = lambda log: False  # noqa: E731
    assert budget.log_arrivals("t1", "orders", 3, 30.0, 1_795_000_000.0, never) == ({1_795_000_000: 3}, 0.0)
    assert proxy.lost == [PUT]
    # not 6 in the first second: the retry was refused
    assert budget.log_arrivals("t1", "orders", 1, 30.0, 1_795_000_001.0, never) == (
        {1_795_000_000: 3, 1_795_000_001: 1},
        0.0,
    )


def test_a_call_counted_in_the_day_whose_answer_was_lost_is_counted_once(endpoint: str, proxy: LosingProxy) -> None:
    budget = DynamoBudget(mappings_table(endpoint, "lost-day"))
    now = 1_795_000_000.0

    def used(day: str) -> int:
        key = {"pk": {"S": "governor#t1"}, "sk": {"S": f"day#{day}"}}
        return int(boto("dynamodb", endpoint).get_item(TableName="lost-day", Key=key)["Item"]["used"]["N"])

    proxy.lose = update_of(b"ADD used")
    assert budget.count_day("t1", "2026-12-01", 100, now) == 0.0
    assert proxy.lost == [UPDATE] and proxy.seen.count(UPDATE) == 2
    assert used("2026-12-01") == 1  # not 2

    # the day's last call: its retry is not refused by the count its own first try made
    proxy.lost.clear()
    assert budget.count_day("t1", "2026-12-02", 1, now) == 0.0
    assert proxy.lost == [UPDATE]
    assert used("2026-12-02") == 1
    assert budget.count_day("t1", "2026-12-02", 1, now) > 0  # and the day is full for everyone else


# --- the jobs' state and lease (xerosync.aws.jobstate) -------------------------------------------


def test_a_job_lease_whose_answer_was_lost_is_its_runs(endpoint: str, proxy: LosingProxy) -> None:
    states = DynamoJobState(mappings_table(endpoint, "lost-lease"))
    proxy.lose = put_of(b'"lease"')
    assert states.acquire("reconcile", "run-1", 300)  # not "another run holds it"
    assert proxy.lost == [PUT] and proxy.seen.count(PUT) == 2
    assert not states.acquire("reconcile", "run-2", 300)  # and it is a lease: another run leaves
    states.release("reconcile", "run-1")
    assert states.acquire("reconcile", "run-2", 300)


def test_a_job_state_saved_whose_answer_was_lost_is_no_conflict(endpoint: str, proxy: LosingProxy) -> None:
    states = DynamoJobState(mappings_table(endpoint, "lost-state"))
    states.save("reconcile", {"watermark": "2026-12-01T09:00:00"}, 0)
    proxy.lose = put_of(b'"state"')
    assert states.save("reconcile", {"watermark": "2026-12-02T09:00:00"}, 1) == 2  # not StateConflict
    assert proxy.lost == [PUT]
    assert states.load("reconcile") == ({"watermark": "2026-12-02T09:00:00"}, 2)
    with pytest.raises(StateConflict):  # a run that read version 1 still cannot overwrite it
        states.save("reconcile", {"watermark": "2026-12-01T10:00:00"}, 1)


def test_a_resume_whose_answer_was_lost_still_says_what_it_ended(endpoint: str, proxy: LosingProxy) -> None:
    switch = DynamoSyncSwitch(mappings_table(endpoint, "lost-resume"))
    stop = Stopped(reason="the store uninstalled the app", since="2026-12-01T09:00:00+00:00", by="operator")
    switch.stop(stop)
    proxy.lose = put_of(b'"state"')
    # before, its own save refused it, and the change made again found nothing stopped: None
    assert switch.resume() == stop
    assert proxy.lost == [PUT]
    assert switch.stopped() is None and switch.last_stop() == stop


# --- the Xero token set and the store adapters' access tokens (xerosync.aws.tokens) ----------------


def test_a_token_lock_whose_answer_was_lost_does_not_wait_for_itself(endpoint: str, proxy: LosingProxy) -> None:
    # the console stores a new consent under the refresh lock; waiting for its own lock until it ran
    # out (30 s) outlived the console's function (29 s), and the exchanged refresh token was lost
    store = DynamoTokenStore(mappings_table(endpoint, "lost-token-lock"))
    fresh = TokenSet("access-2", 1_795_001_800.0, "refresh-2", seed_of("refresh-2"), tenant_id="T2")
    proxy.lose = update_of(b"SET lock_owner")
    assert store_connection(store, "xero-token#app", fresh, wait=2.0) == fresh  # not XeroTransientError
    assert proxy.lost == [UPDATE]
    assert store.load("xero-token#app") == fresh
    assert store.lock("xero-token#app", "next", 1_900_000_000.0)  # and it unlocked its own lock


def test_a_mint_lock_whose_answer_was_lost_is_held_by_its_taker(endpoint: str, proxy: LosingProxy) -> None:
    tokens = DynamoAccessTokens(mappings_table(endpoint, "lost-mint-lock"))
    proxy.lose = update_of(b"SET lock_owner")
    assert tokens.lock("shopify-token:shop:client", "mine", 1_900_000_000.0)
    assert proxy.lost == [UPDATE]
    assert not tokens.lock("shopify-token:shop:client", "theirs", 1_900_000_000.0)  # held
    tokens.unlock("shopify-token:shop:client", "mine")
    assert tokens.lock("shopify-token:shop:client", "theirs", 1_900_000_000.0)


def test_a_rotated_token_set_whose_save_answer_was_lost_is_saved(endpoint: str, proxy: LosingProxy) -> None:
    # never at risk: the save is conditional on the lock, which the save leaves in place, so its
    # retry passes and writes the same set again. Kept so that a save which also drops the lock (or
    # any condition its own first write breaks) fails here rather than losing a rotated refresh token
    store = DynamoTokenStore(mappings_table(endpoint, "lost-token-save"))
    assert store.lock("xero-token#app", "me", 1_900_000_000.0)
    rotated = TokenSet("access-2", 1_795_001_800.0, "refresh-2", seed_of("refresh-1"))
    proxy.lose = update_of(b"refresh_token")
    assert store.save("xero-token#app", rotated, "me")
    assert proxy.lost == [UPDATE] and proxy.seen.count(UPDATE) == 3  # the lock, the save and its retry
    assert store.load("xero-token#app") == rotated
