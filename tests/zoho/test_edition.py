"""The secret's ``edition`` sets how many Zoho calls the stack keeps in flight (Zoho's per-edition
concurrency, https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html)."""

import pytest

from xerosync.sources.port import StoreError
from xerosync.sources.zoho.adapter import Zoho
from xerosync.sources.zoho.oauth import Credentials

SECRET = {"client_id": "1000.EDITION", "client_secret": "s", "refresh_token": "r", "data_centre": "eu"}


@pytest.mark.parametrize(
    ("edition", "calls"),
    [(None, 5), ("free", 5), ("Standard", 10), ("professional", 15), ("enterprise", 20), ("ultimate", 25)],
)
def test_the_edition_sets_the_calls_in_flight(edition: str | None, calls: int) -> None:
    secret = {**SECRET, **({"edition": edition} if edition else {}), "client_id": f"1000.EDITION-{edition}"}
    store = Zoho().client(secret)
    assert store is not None
    assert store.crm.governor.concurrency == calls


def test_a_changed_edition_is_taken_without_a_cold_start() -> None:
    secret = {**SECRET, "client_id": "1000.EDITION-CHANGED"}
    first = Zoho().client({**secret, "edition": "free"})
    again = Zoho().client({**secret, "edition": "enterprise"})
    assert first is not None and again is not None
    assert (first.crm.governor.concurrency, again.crm.governor.concurrency) == (5, 20)


def test_an_unknown_edition_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match=r"edition 'gold'.*free, standard, professional, enterprise, ultimate"):
        Credentials.from_dict({**SECRET, "edition": "gold"})
