"""The bench's Zoho meter (``bench.zoho.ZohoMeter``) counts what the simulator charges: a credit per
API call its limits let through, calls by operation, 429s by Zoho's code; token requests cost none."""

import pytest

from bench.zoho import ZohoMeter
from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm import server
from tests.zoho.conftest import client
from xerosync.sources.port import StoreUnavailable


def test_the_meter_counts_credits_operations_and_refusals() -> None:
    crm = Simulator(dc="eu").start()
    meter = ZohoMeter(crm)
    try:
        (answer,) = crm.user_edit("Accounts", [{"Account_Name": "Metered Ltd"}])
        api = client(crm)
        api.get("Accounts", str(answer["details"]["id"]))
        assert list(api.records("Accounts", ["Account_Name"])) != []
        assert meter.counts.credits == 2 == crm.limits.used(crm.now())  # the token's mint costs none
        assert dict(meter.counts.calls) == {"GET Accounts/{id}": 1, "GET Accounts": 1}
        crm.limits.credits = 2  # the day's credits spent: Zoho answers 429 LIMIT_EXCEEDED
        with pytest.raises(StoreUnavailable, match="exhausted"):
            api.get("Accounts", str(answer["details"]["id"]))
        assert dict(meter.counts.refused) == {"LIMIT_EXCEEDED": 1} and meter.counts.credits == 2
        meter.reset()
        assert meter.counts.credits == 0
    finally:
        meter.uninstall()
        crm.stop()
    assert server.api.__name__ == "api"  # uninstalled
