"""The Zoho CRM client against the simulator over HTTP: OAuth per data centre, tokens kept and
renewed, listing by Modified_Time past 2,000 records, deleted records, writes without triggers and
with per-record answers, Zoho's 429s and its credits."""

import threading
from datetime import timedelta

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import ALL_TRIGGERS
from tests.zoho.conftest import client, credentials
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import AccessToken, CredentialsRefused, StoreNotFound, StoreUnavailable
from xerosync.sources.zoho.client import REMINT_BEFORE
from xerosync.sources.zoho.governor import ZohoGovernor


def accounts(crm: Simulator, n: int, prefix: str = "Zylker") -> list[str]:
    rows = [{"Account_Name": f"{prefix} {i:05d}"} for i in range(n)]
    done, _ = crm.store.create("Accounts", rows, ALL_TRIGGERS, crm.user)
    return [str(a["details"]["id"]) for a in done]


# --- access ---------------------------------------------------------------------------------------
def test_a_token_is_minted_again_only_when_its_hour_is_nearly_over(crm: Simulator) -> None:
    # Given a client that minted a token and used it
    tokens = MemoryTokens()
    api = client(crm, tokens)
    [one] = accounts(crm, 1)
    assert api.get("Accounts", one)["Account_Name"] == "Zylker 00000"
    assert crm.accounts.minted == 1
    # When the simulator's clock reaches the last minutes of the hour
    crm.clock.advance(3600 - REMINT_BEFORE + 1)
    assert api.get("Accounts", one)["id"] == one
    # Then one more token was minted, and it is the one in the cache
    assert crm.accounts.minted == 2
    cached = tokens.get(api._key)
    assert cached is not None and cached.expires_at > crm.now().timestamp() + 3000


def test_a_token_zoho_refuses_is_replaced_once(crm: Simulator) -> None:
    # Given a cache holding a token Zoho does not know (deleted: a 31st token, or revoked)
    tokens = MemoryTokens()
    api = client(crm, tokens)
    far = crm.now().timestamp() + 3000
    tokens.put(api._key, AccessToken("1000.deadbeef", far))
    tokens.put(api._key + ":api-domain", AccessToken(crm.api_domain(), far))
    [one] = accounts(crm, 1)
    # When the client calls: the API answers 401 INVALID_TOKEN, the client mints and retries
    assert api.get("Accounts", one)["id"] == one
    assert crm.accounts.minted == 1


def test_a_client_of_another_data_centre_is_refused_by_name(crm: Simulator) -> None:
    # Given credentials saying "com" for an organisation that lives in "eu"
    api = client(crm, creds=credentials(crm, dc="com"))
    # When the client mints: that DC's accounts server does not know the client
    with pytest.raises(CredentialsRefused, match="data centre 'com'"):
        api.get("Accounts", "1")
    assert crm.accounts.minted == 0


def test_the_api_domain_comes_from_the_token_response(crm: Simulator) -> None:
    api = client(crm)
    token, domain = api.token()
    assert domain == crm.api_domain("eu") and token
    assert "token" not in repr(api.credentials).lower().replace("refresh_token", "")


def test_a_refresh_token_deleted_by_a_users_21st_says_so(crm: Simulator) -> None:
    creds = credentials(crm)
    for _ in range(20):  # the same user makes 20 more: the first is deleted
        crm.refresh_token()
    with pytest.raises(CredentialsRefused, match="invalid_code"):
        client(crm, creds=creds).get("Accounts", "1")


# --- reads ----------------------------------------------------------------------------------------
def test_listing_reads_past_2000_records_with_page_token(crm: Simulator) -> None:
    made = accounts(crm, 2_050)
    api = client(crm)
    got = [r["id"] for r in api.records("Accounts", ["Account_Name"], since=crm.now() - timedelta(days=1))]
    assert got == made  # every one, once, oldest change first (then by id)
    assert api.governor.credits == 1 + 2_050 // 200  # 11 pages, no page refused


def test_if_modified_since_lists_only_the_records_changed(crm: Simulator) -> None:
    made = accounts(crm, 5)
    crm.clock.advance(60)
    since = crm.now()
    crm.clock.advance(60)
    crm.user_edit("Accounts", [{"id": made[3], "Phone": "555-0103"}, {"id": made[1], "Phone": "555-0101"}])
    api = client(crm)
    changed = list(api.records("Accounts", ["Account_Name", "Phone", "Modified_Time"], since=since))
    assert [r["id"] for r in changed] == [made[1], made[3]]
    assert {r["Phone"] for r in changed} == {"555-0101", "555-0103"}
    # and nothing after the last change: Zoho answers 304
    assert list(api.records("Accounts", ["Account_Name"], since=crm.now() + timedelta(seconds=1))) == []


def test_deleted_records_are_listed_and_a_get_of_one_is_not_found(crm: Simulator) -> None:
    made = accounts(crm, 4)
    crm.clock.advance(60)
    crm.store.delete("Accounts", [made[0], made[2]], crm.user)
    api = client(crm)
    gone = list(api.deleted("Accounts"))
    assert sorted(d["id"] for d in gone) == sorted([made[0], made[2]])
    assert list(api.deleted("Accounts", since=crm.now() + timedelta(seconds=1))) == []
    with pytest.raises(StoreNotFound):
        api.get("Accounts", made[0])


# --- writes ---------------------------------------------------------------------------------------
def test_writes_send_no_triggers_and_answer_for_each_record(crm: Simulator) -> None:
    api = client(crm)
    # When one good and one bad record are created in one call (Zoho answers 207)
    answers = api.create("Accounts", [{"Account_Name": "Zylker Ltd"}, {"Phone": "no name"}])
    # Then each has its own answer: the bad one does not hide the good one's id
    assert [(a.index, a.ok, a.code) for a in answers] == [(0, True, "SUCCESS"), (1, False, "MANDATORY_NOT_FOUND")]
    good = answers[0].id
    assert good and crm.store.get("Accounts", good) is not None
    # and an update, and an upsert
    assert api.update("Accounts", [{"id": good, "Xero_Contact_ID": "c0ffee"}])[0].ok
    [upserted] = api.upsert("Accounts", [{"Account_Name": "Zylker Ltd", "Phone": "1"}], ["Account_Name"])
    assert (upserted.ok, upserted.action, upserted.id) == (True, "update", good)
    # Then the CRM ran no workflow, approval or blueprint for any of them
    assert [w.triggers for w in crm.store.writes if w.id == good] == [(), (), ()]
    assert crm.store.get("Accounts", good)["Xero_Contact_ID"] == "c0ffee"  # type: ignore[index]


# --- limits ---------------------------------------------------------------------------------------
def test_too_many_requests_backs_off_and_retries(crm: Simulator) -> None:
    [one] = accounts(crm, 1)
    crm.limits.concurrency = 1
    crm.gate = threading.Event()  # calls stay in flight until it opens
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # the backoff: the other call finishes meanwhile
        sleeps.append(seconds)
        if len(sleeps) == 2:
            assert crm.gate is not None
            crm.gate.set()
        threading.Event().wait(0.05)

    busy = client(crm)
    busy.token()
    other = threading.Thread(target=busy.get, args=("Accounts", one))
    other.start()
    while crm.limits.in_flight == 0:
        threading.Event().wait(0.01)
    api = client(crm, governor=ZohoGovernor(5, backoff=0.01, sleep=sleep))
    assert api.get("Accounts", one)["id"] == one
    other.join()
    assert len(sleeps) >= 2 and sleeps[1] > sleeps[0]  # doubled
    assert crm.limits.refused_concurrency >= 2


def test_too_many_requests_past_the_retries_is_unavailable(crm: Simulator) -> None:
    [one] = accounts(crm, 1)
    crm.limits.concurrency = 1
    crm.gate = threading.Event()
    busy = client(crm)
    busy.token()
    other = threading.Thread(target=busy.get, args=("Accounts", one))
    other.start()
    while crm.limits.in_flight == 0:
        threading.Event().wait(0.01)
    api = client(crm, governor=ZohoGovernor(5, retries=2, backoff=0.01, sleep=lambda s: None))
    api.token()
    try:
        with pytest.raises(StoreUnavailable, match="TOO_MANY_REQUESTS") as raised:
            api.get("Accounts", one)
    finally:
        crm.gate.set()
        other.join()
    assert raised.value.retry_after >= 1
    assert crm.limits.refused_concurrency == 3


def test_spent_credits_are_unavailable_with_the_reason_and_stop_further_calls(crm: Simulator) -> None:
    [one] = accounts(crm, 1)
    api = client(crm)
    api.get("Accounts", one)
    crm.limits.credits = crm.limits.used(crm.now())  # the day's credits are now spent
    with pytest.raises(StoreUnavailable, match=r"credits .* exhausted") as raised:
        api.get("Accounts", one)
    assert raised.value.retry_after > 3600  # until the rolling 24 hours free one
    # a second call is refused here, without spending a request
    with pytest.raises(StoreUnavailable, match=r"credits .* exhausted"):
        api.get("Accounts", one)
    assert crm.limits.refused_credits == 1


def test_the_threads_of_a_batch_wait_for_a_slot_instead_of_being_refused(crm: Simulator) -> None:
    # Given Zoho's concurrency of 1 and one governor of that size shared by two clients of a process
    made = accounts(crm, 2)
    crm.limits.concurrency = 1
    crm.gate = threading.Event()
    clock = lambda: crm.now().timestamp()  # noqa: E731
    shared = ZohoGovernor(1, slot_wait=5.0, clock=clock)
    first, second = client(crm, governor=shared), client(crm, governor=shared)
    first.token(), second.token()
    # When both call at once (the first held in flight for a moment)
    other = threading.Thread(target=first.get, args=("Accounts", made[0]))
    other.start()
    while crm.limits.in_flight == 0:
        threading.Event().wait(0.01)
    threading.Timer(0.2, crm.gate.set).start()
    # Then the second waits for the first's slot: Zoho refuses neither
    assert second.get("Accounts", made[1])["id"] == made[1]
    other.join()
    assert crm.limits.refused_concurrency == 0 and shared.throttled == 0
