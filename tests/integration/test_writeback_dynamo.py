"""What the write back keeps in the mapping table, in DynamoDB (moto in server mode, over HTTP):
the state written back last and a store adapter's memory of its writes, neither of which the
reverse lookup (Xero id -> store record) ever finds."""

import json
import time
from typing import Any

import pytest

from tests.integration.conftest import boto, mappings_table
from xerosync import wiring
from xerosync.aws.jobstate import DynamoReverseLookup
from xerosync.aws.mappings import DynamoMappings
from xerosync.sources.port import WriteMemory
from xerosync.sync.ports import Mapping
from xerosync.sync.writeback import MappingMemory, written_key


def test_write_back_items_round_trip_and_stay_out_of_the_reverse_lookup(endpoint: str) -> None:
    mappings_table(endpoint, "mappings-wb")
    table = DynamoMappings("mappings-wb")
    table.put(Mapping("order:Invoices:57", "inv-1", content_hash="h", xero_number="ZC-1"))
    kept = Mapping(written_key("order:Invoices:57"), "", content_hash="f" * 64, xero_number="ZC-1",
                   updated_at="2026-12-03T00:00:00+00:00", data={"state": {"status": "PAID", "amount_paid": "110.00",
                   "fully_paid_on": "", "link": "https://go.xero.com/x"}})  # fmt: skip
    table.put(kept)
    assert table.get(written_key("order:Invoices:57")) == kept

    memory = MappingMemory(table)
    assert memory.recall("zoho:Invoices:57") is None
    writes = {"writes": [{"fields": {"Status": "Paid", "Xero_Paid_On": ""}, "modified_ms": "1764763200000"}]}
    memory.remember("zoho:Invoices:57", writes)
    assert memory.recall("zoho:Invoices:57") == writes

    assert DynamoReverseLookup("mappings-wb").record_of("inv-1") == "order:Invoices:57"


def test_the_composition_root_gives_a_client_that_asks_its_write_memory(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Remembering:
        """A store client that asks for a memory (as the Zoho store client does)."""

        memory: WriteMemory | None = None

        def remember_writes_in(self, memory: WriteMemory) -> None:
            self.memory = memory

    class Source:
        def client(self, credentials: dict[str, Any], tokens: Any) -> Remembering:
            assert credentials == {"key": "value"}
            return Remembering()

    table = mappings_table(endpoint, "mappings-wiring")
    arn = boto("secretsmanager", endpoint).create_secret(
        Name=f"store-api-{time.monotonic_ns()}", SecretString=json.dumps({"key": "value"})
    )["ARN"]
    monkeypatch.setenv("STORE_API_SECRET_ARN", arn)
    monkeypatch.setenv("MAPPINGS_TABLE", table)
    monkeypatch.setattr(wiring, "store_source", Source)
    monkeypatch.setattr(wiring, "_store_cache", None)
    wiring._mappings.cache_clear()
    try:
        client = wiring._store()
        assert isinstance(client, Remembering) and isinstance(client.memory, MappingMemory)
        client.memory.remember("zoho:Accounts:1", {"writes": []})
        assert DynamoMappings(table).get("wrote:zoho:Accounts:1") is not None  # in the stack's table
    finally:
        wiring._mappings.cache_clear()
        monkeypatch.setattr(wiring, "_store_cache", None)
