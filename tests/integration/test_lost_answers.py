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
from xerosync.aws.idempotency import IdempotencyTable
from xerosync.aws.mappings import DynamoMappings
from xerosync.sync.ports import Claimed, ClaimHeld, Mapping

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
