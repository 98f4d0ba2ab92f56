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
    # moto's API answers a GET of /moto-api/ without reading what came with it
    unread = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 3  # would be answered as requests if left unread
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as reader:
        sock.sendall(request("/moto-api/data.json", unread, {}, method="GET") + request("/", b"{}", LIST_TABLES))
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


def test_botocore_sends_every_request_on_one_connection(server: Any, port: int) -> None:
    accepted: list[object] = []
    wsgi_server = server._server  # werkzeug's server inside moto's ThreadedMotoServer
    accept = wsgi_server.process_request

    def counted(request: object, address: object) -> None:
        accepted.append(address)
        accept(request, address)

    wsgi_server.process_request = counted
    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    try:
        for _ in range(5):
            client.list_tables()
    finally:
        del wsgi_server.process_request
    assert len(accepted) == 1
