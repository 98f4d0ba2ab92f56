"""Driving the sandbox from outside: /_sandbox over HTTP, persistence, the command line, and
validation switched on, off, or unavailable."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local.xero_sandbox import XeroSandbox, persist
from local.xero_sandbox.spec import find_spec, load
from tests.conftest import ROOT
from tests.sandbox.conftest import Box, contact, invoice, make_box, pay


def post(box: Box, path: str, body: object = None) -> object:
    return box.raw(
        "POST", path, json.dumps(body).encode() if body is not None else None, {"Content-Type": "application/json"}
    ).body


def test_state_calls_reset_over_http(box: Box) -> None:
    contact(box, "Visible")
    state = box.raw("GET", "/_sandbox/state").body
    assert [c["Name"] for c in state["organisations"][box.org.tenant_id]["contacts"]] == ["Visible"]
    calls = box.raw("GET", "/_sandbox/calls").body
    assert {"tenant": box.org.tenant_id, "endpoint": "PUT /Contacts", "count": 1} in calls["calls"]
    post(box, "/_sandbox/reset")
    assert box.sandbox.organisation(box.org.tenant_id).contacts == {}
    assert box.raw("GET", "/_sandbox/calls").body["total"] == 0
    assert box.call("GET", "/Contacts").status == 200  # credentials survive a reset


def test_faults_clock_organisations_and_clients_over_http(box: Box) -> None:
    post(box, "/_sandbox/faults", {"kind": "error", "endpoint": "GET /Contacts", "count": 1, "status": 500})
    assert box.call("GET", "/Contacts").status == 500
    assert box.raw("DELETE", "/_sandbox/faults").body["faults"] == []
    token = box.access
    post(box, "/_sandbox/clock", {"advance": 1800})
    assert box.call("GET", "/Contacts", token=token).status == 401
    made = post(box, "/_sandbox/organisations", {"name": "Starter Co", "limits": {"day": 1000}})
    assert isinstance(made, dict) and box.sandbox.organisation(made["tenant_id"]).limits.day == 1000
    creds = post(box, "/_sandbox/clients", {"tenant_ids": [made["tenant_id"]]})
    assert isinstance(creds, dict) and creds["client_secret"]
    assert post(box, "/_sandbox/faults", {"kind": "explode"}) == {
        "error": "unknown fault kind 'explode'; one of error, slow, drop, lost_response, hang"
    }


def test_state_survives_a_save_and_load(box: Box, tmp_path: Path) -> None:
    made = invoice(box, contact(box))
    pay(box, made["InvoiceID"], "10")
    path = tmp_path / "state.json"
    persist.save(box.sandbox, path)
    again = XeroSandbox(clock=box.clock)
    persist.load(again, path)
    org = again.organisation(box.org.tenant_id)
    stored = org.invoices[made["InvoiceID"]]
    assert stored["AmountDue"] == made["Total"] - 10 and isinstance(stored["AmountDue"], type(made["Total"]))
    headers = {"Authorization": f"Bearer {box.access}", "xero-tenant-id": box.org.tenant_id}
    status, _, body = again.handle("GET", f"/api.xro/2.0/Invoices/{made['InvoiceID']}", headers)
    assert status == 200 and json.loads(body)["Invoices"][0]["AmountPaid"] == 10
    status, _, _ = again.handle("GET", "/api.xro/2.0/Payments", headers)
    assert status == 200


def test_validation_can_be_switched_off_and_is_off_without_the_spec(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    off = XeroSandbox(validate=False)
    assert not off.validate and off.validation.startswith("off")
    monkeypatch.setenv("XERO_OPENAPI_SPEC", str(tmp_path / "missing.yaml"))
    assert find_spec() is None
    absent = XeroSandbox()
    assert not absent.validate and "not found" in absent.validation
    with pytest.raises(FileNotFoundError):
        XeroSandbox(validate=True)
    for box in make_box():
        assert box.call("PUT", "/Contacts", {"Contacts": [{"Name": "Unchecked"}]}).status == 200


def test_the_spec_is_patched_in_memory_and_loaded_once() -> None:
    path = find_spec()
    if path is None:
        pytest.skip("Xero's OpenAPI spec is absent: set $XERO_OPENAPI_SPEC or put ../shared beside the repository")
    spec = load(path)
    assert spec.patched_defaults == 23 and load(path) is spec
    assert b'default: "false"' in path.read_bytes()  # the file itself is untouched
    assert XeroSandbox().spec is spec


def test_validated_requests_are_fast_enough_for_benchmarks(spec_box: Box) -> None:
    who = contact(spec_box)
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": who},
                "LineItems": [
                    {"Description": f"l{i}", "Quantity": 1, "UnitAmount": 1.5, "AccountCode": "200"} for i in range(10)
                ],
            }
        ]
    }
    raw = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {spec_box.access}", "xero-tenant-id": spec_box.org.tenant_id}
    spec_box.sandbox.limits.enabled = False
    started = time.perf_counter()
    for _ in range(50):
        status, _, _ = spec_box.sandbox.handle("PUT", "/api.xro/2.0/Invoices", headers, raw)
        assert status == 200
    per_call = (time.perf_counter() - started) / 50
    assert per_call < 0.05, f"{per_call * 1000:.1f} ms per validated 10-line invoice"


def test_the_command_starts_a_sandbox_and_saves_its_state(tmp_path: Path) -> None:
    state = tmp_path / "demo.json"
    command = [
        sys.executable,
        "-m",
        "local.xero_sandbox",
        "--port",
        "0",
        "--day-limit",
        "1000",
        "--seed",
        "3",
        "--state-file",
        str(state),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(7)]
        assert lines[0].startswith("Xero sandbox at http://127.0.0.1:")
        assert any("1000/day" in line for line in lines) and any("client_secret" in line for line in lines)
    finally:
        process.terminate()
        process.wait(timeout=10)
    saved = json.loads(state.read_text())
    assert saved["organisations"][0]["limits"]["day"] == 1000
