"""moto's server as ``local.moto_ext.start_moto`` runs it: HTTP/1.1 connections stay open between
requests (werkzeug's server closed every one), and what a client sends on one is answered in
order, whether or not the application read the body."""

import json
import socket
from collections.abc import Iterator
from typing import Any, BinaryIO

import boto3
import pytest

from local.stack import free_port

LIST_TABLES = {
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    from local.moto_ext import start_moto

    started = start_moto(free_port())
    yield started
    started.stop()


@pytest.fixture
def port(server: Any) -> int:
    return int(server.get_host_and_port()[1])


def request(path: str, body: bytes, headers: dict[str, str], *, method: str = "POST") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if "Transfer-Encoding" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_answer(reader: BinaryIO) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 answer from a buffered reader: status, headers (lower-case names), body."""
    status_line = reader.readline()
    assert status_line, "the server closed the connection instead of answering"
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return status, headers, body


def test_one_connection_answers_request_after_request(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        for _ in range(3):
            sock.sendall(request("/", b"{}", LIST_TABLES))
            status, headers, body = read_answer(reader)
            assert status == 200
            assert headers["connection"] == "keep-alive"
            assert "TableNames" in json.loads(body)


def test_a_body_the_application_does_not_read_is_not_taken_for_the_next_request(port: int) -> None:
    # moto's dashboard answers a GET of /moto-api/ without reading what came with it
    unread = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 3  # would be answered as requests if left unread
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        sock.sendall(request("/moto-api/", unread, {}, method="GET") + request("/", b"{}", LIST_TABLES))
        first, _, _ = read_answer(reader)
        second, _, body = read_answer(reader)
    assert first == 200
    assert second == 200
    assert "TableNames" in json.loads(body)


def test_the_client_asking_to_close_is_answered_and_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        sock.sendall(request("/", b"{}", {**LIST_TABLES, "Connection": "close"}))
        status, headers, _ = read_answer(reader)
        assert status == 200
        assert headers["connection"] == "close"
        assert reader.read() == b""  # closed by the server


def test_a_chunked_body_is_read_and_the_connection_then_closed(port: int) -> None:
    chunked = request("/", b"2\r\n{}\r\n0\r\n\r\n", {**LIST_TABLES, "Transfer-Encoding": "chunked"})
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        sock.sendall(chunked)
        status, headers, body = read_answer(reader)
        assert status == 200
        assert "TableNames" in json.loads(body)
        assert headers["connection"] == "close"


def test_botocore_sends_every_request_on_one_connection(
    server: Any, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted: list[object] = []
    wsgi_server = server._server  # werkzeug's server inside moto's ThreadedMotoServer
    accept = wsgi_server.process_request

    def counted(request: object, address: object) -> None:
        accepted.append(address)
        accept(request, address)

    monkeypatch.setattr(wsgi_server, "process_request", counted)
    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for _ in range(5):
        client.list_tables()
    assert len(accepted) == 1


# --- DynamoDB without Flask: the same answers as moto's own path --------------------------------
TABLE = "keepalive-differential"
REQUESTS: list[tuple[str, object]] = [
    ("ListTables", {}),
    ("DescribeTable", {"TableName": TABLE}),
    ("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "a"}, "n": {"N": "1.50"}}}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "a"}}}),
    ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "missing"}}}),
    (
        "PutItem",
        {
            "TableName": TABLE,
            "Item": {"pk": {"S": "a"}},
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        },
    ),
    ("UpdateItem", {"TableName": TABLE, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET = oops"}),
    ("GetItem", {"TableName": "no-such-table", "Key": {"pk": {"S": "a"}}}),
    ("NoSuchOperation", {}),
    ("GetItem", "{not json"),
]
UNCOMPARED = {"x-amzn-requestid", "date", "content-length"}


def call(app: Any, action: str, body: object) -> tuple[int, dict[str, str], object]:
    """The status, headers and body ``app`` answers, or what it raised (a 500 from the server)."""
    from werkzeug.test import EnvironBuilder

    data = body if isinstance(body, str) else json.dumps(body)
    headers: dict[str, str] = {**LIST_TABLES, "X-Amz-Target": f"DynamoDB_20120810.{action}"}
    environ = EnvironBuilder(method="POST", path="/", data=data, headers=list(headers.items())).get_environ()
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer["status"], answer["headers"] = status, headers
        return None

    try:
        content = b"".join(app(environ, start_response))
    except Exception as exc:  # both paths must raise alike: the server answers such a request 500
        return 500, {}, type(exc).__name__
    try:
        parsed: object = json.loads(content)
    except ValueError:
        parsed = content
    compared = {k.lower(): v for k, v in answer["headers"] if k.lower() not in UNCOMPARED}
    return int(answer["status"].split()[0]), compared, parsed


def test_dynamodb_answers_without_flask_are_moto_s_own(server: Any) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from local.moto_ext import DynamoDBFirst

    moto_app = DomainDispatcherApplication(create_backend_app)
    direct = DynamoDBFirst(moto_app)
    assert (
        call(
            moto_app,
            "CreateTable",
            {
                "TableName": TABLE,
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )[0]
        == 200
    )
    statuses = []
    for action, body in REQUESTS:
        expected = call(moto_app, action, body)
        assert call(direct, action, body) == expected, action
        statuses.append(expected[0])
    assert statuses[:5] == [200] * 5
    assert 400 in statuses[5:]  # the errors were errors


def test_an_idle_connection_is_closed_quietly(port: int, monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    from local.moto_ext import KeepAliveRequestHandler

    monkeypatch.setattr(KeepAliveRequestHandler, "timeout", 0.3)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        sock.sendall(request("/", b"{}", LIST_TABLES))
        assert read_answer(reader)[0] == 200
        assert reader.read() == b""  # closed by the server once idle
    assert "timed out" not in caplog.text  # an idle connection ending is no error of moto's


def test_a_body_cut_short_by_a_client_gone_is_not_run(port: int, caplog: Any) -> None:
    # Given a client that sends a request's head and part of its body, then goes away
    # (a sync worker killed mid-request)
    put = {**LIST_TABLES, "X-Amz-Target": "DynamoDB_20120810.PutItem"}
    whole = request("/", json.dumps({"TableName": "t", "Item": {"pk": {"S": "x"}}}).encode(), put)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        sock.sendall(whole[:-10])
        sock.shutdown(socket.SHUT_WR)
        # Then the server closes the connection without an answer, and moto never saw the half
        assert reader.read() == b""
    assert "Error on request" not in caplog.text


def test_a_content_length_that_is_not_a_number_is_answered_400(port: int) -> None:
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        sock.sendall(head.encode() + b"{}")
        status, headers, _ = read_answer(reader)
        assert status == 400
        assert headers["connection"] == "close"
