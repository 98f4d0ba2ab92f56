"""The Shopify Admin GraphQL client: tokens minted once a day and again on 401, the cost bucket
honoured, THROTTLED as StoreUnavailable with the right wait, cursor pages, errors as the port's."""

import pytest

from tests.shopify.fake_admin import FakeAdmin
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import StoreError, StoreUnavailable
from xerosync.sources.shopify import queries
from xerosync.sources.shopify.client import Credentials, ShopifyGraphQL, Token

CREDENTIALS = Credentials("jsmith.myshopify.com", "client-id", "secret")
SHOP = {"shop": {"name": "Jsmith", "ianaTimezone": "Australia/Sydney"}}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def client(admin: FakeAdmin, tokens: MemoryTokens | None = None, clock: Clock | None = None) -> ShopifyGraphQL:
    clock = clock or Clock()
    return ShopifyGraphQL(
        CREDENTIALS, tokens=tokens or MemoryTokens(), transport=admin.transport(), clock=clock, monotonic=clock
    )


def test_a_token_is_minted_once_and_shared_through_the_cache() -> None:
    admin, tokens = FakeAdmin(), MemoryTokens()
    admin.on("Shop", SHOP)
    client(admin, tokens).query(queries.SHOP)
    client(admin, tokens).query(queries.SHOP)  # another container, the same shared cache
    assert admin.minted == ["shpat_1"]
    cached = tokens.get("shopify-token:jsmith.myshopify.com:client-id")
    assert cached is not None and cached.value == "shpat_1"


def test_a_token_is_minted_again_an_hour_before_it_expires() -> None:
    admin, tokens, clock = FakeAdmin(), MemoryTokens(), Clock()
    admin.on("Shop", SHOP)
    api = client(admin, tokens, clock)
    api.query(queries.SHOP)
    clock.now += 86_399 - 3_700  # more than an hour left: kept
    api.query(queries.SHOP)
    assert admin.minted == ["shpat_1"]
    clock.now += 200  # less than an hour left: a new one
    api.query(queries.SHOP)
    assert admin.minted == ["shpat_1", "shpat_2"]


def test_a_401_mints_a_new_token_once() -> None:
    admin, tokens = FakeAdmin(), MemoryTokens()
    admin.on("Shop", SHOP)
    tokens.put("shopify-token:jsmith.myshopify.com:client-id", Token("shpat_revoked", 2e9))
    admin.revoked.add("shpat_revoked")
    assert client(admin, tokens).query(queries.SHOP) == SHOP
    assert admin.minted == ["shpat_1"]
    admin.revoked.add("shpat_1")
    admin.revoked.add("shpat_2")
    with pytest.raises(StoreError, match="401") as refused:
        client(admin, tokens).query(queries.SHOP)
    assert not refused.value.transient
    assert "shpat" not in str(refused.value)  # errors never carry a token


def test_a_legacy_static_token_is_used_as_it_is() -> None:
    admin = FakeAdmin()
    admin.on("Shop", SHOP)
    api = ShopifyGraphQL(Credentials("jsmith.myshopify.com", access_token="shpat_static"), transport=admin.transport())
    assert api.query(queries.SHOP) == SHOP
    assert admin.minted == []
    assert Credentials.from_dict({"shop": "x.myshopify.com"}) is None  # not filled in yet
    assert "secret" not in repr(CREDENTIALS)


def test_wrong_client_credentials_are_a_permanent_error() -> None:
    admin = FakeAdmin()
    api = ShopifyGraphQL(Credentials("jsmith.myshopify.com", "id", "wrong"), transport=admin.transport())
    with pytest.raises(StoreError, match="client credentials") as refused:
        api.query(queries.SHOP)
    assert not refused.value.transient


@pytest.mark.parametrize("status", [200, 429])
def test_throttled_is_store_unavailable_with_the_restore_time(status: int) -> None:
    # Given a bucket of 4 points restoring 2 a second, and a query requesting 10
    admin = FakeAdmin(bucket=4, restore=2, cost=10)
    admin.throttle_status = status
    admin.on("Shop", SHOP)
    with pytest.raises(StoreUnavailable) as throttled:
        client(admin).query(queries.SHOP)
    # Then the record goes back to its queue for (10 - 4) / 2 = 3 seconds
    assert throttled.value.transient and throttled.value.retry_after == 3.0


def test_a_query_the_bucket_cannot_pay_for_is_not_sent() -> None:
    admin, clock = FakeAdmin(bucket=25, restore=5, cost=10), Clock()
    admin.on("Shop", SHOP)
    api = client(admin, clock=clock)
    api.query(queries.SHOP)
    api.query(queries.SHOP)  # 5 points left, 10 needed: known from the last answer
    with pytest.raises(StoreUnavailable) as waiting:
        api.query(queries.SHOP)
    assert waiting.value.retry_after == 1.0
    assert len(admin.asked) == 2  # nothing sent
    clock.now += 1.0  # restored: 5 + 5
    admin.available += 5
    assert api.query(queries.SHOP) == SHOP


def test_pages_follow_the_cursor() -> None:
    admin = FakeAdmin()
    pages = {
        None: {
            "customers": {"nodes": [{"id": "1"}, {"id": "2"}], "pageInfo": {"hasNextPage": True, "endCursor": "c2"}}
        },
        "c2": {"customers": {"nodes": [{"id": "3"}], "pageInfo": {"hasNextPage": False, "endCursor": "c3"}}},
    }
    admin.on("CustomersUpdated", lambda v: pages[v.get("after")])
    found = list(client(admin).pages(queries.CUSTOMERS_UPDATED, {"first": 2}, ("customers",)))
    assert [c["id"] for c in found] == ["1", "2", "3"]
    assert [v.get("after") for _, v in admin.asked] == [None, "c2"]


def test_user_errors_and_graphql_errors_are_store_errors() -> None:
    admin = FakeAdmin()
    admin.on(
        "OrderMarkAsPaid", {"orderMarkAsPaid": {"order": None, "userErrors": [{"field": ["id"], "message": "paid"}]}}
    )
    with pytest.raises(StoreError, match="id: paid"):
        client(admin).mutate(queries.ORDER_MARK_AS_PAID, {"input": {"id": "x"}}, "orderMarkAsPaid")


def test_server_errors_and_timeouts_are_transient() -> None:
    import httpx

    def fail(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("access_token"):
            return httpx.Response(200, json={"access_token": "shpat_1", "expires_in": 86399})
        return httpx.Response(502)

    api = ShopifyGraphQL(CREDENTIALS, tokens=MemoryTokens(), transport=httpx.MockTransport(fail))
    with pytest.raises(StoreUnavailable):
        api.query(queries.SHOP)

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    api = ShopifyGraphQL(CREDENTIALS, tokens=MemoryTokens(), transport=httpx.MockTransport(hang))
    with pytest.raises(StoreUnavailable):
        api.query(queries.SHOP)


def test_tokens_and_the_bucket_follow_the_clock_every_process_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    # A simulation's faster clock (xerosync.clock: the benchmark at x60) is the shop's too: a token
    # expires and the bucket refills on it. On the wall clock the client saw a simulated shop's
    # bucket refill 60 times slower than it did and kept order reads back for nothing.
    import time

    from xerosync import clock

    monkeypatch.setenv("XEROSYNC_TIME_SCALE", "60")
    monkeypatch.setenv("XEROSYNC_TIME_EPOCH", f"{time.time() - 3600:.6f}")  # 60 simulated hours in
    admin, tokens = FakeAdmin(bucket=25, restore=5, cost=10), MemoryTokens()
    admin.on("Shop", SHOP)
    api = ShopifyGraphQL(CREDENTIALS, tokens=tokens, transport=admin.transport())
    api.query(queries.SHOP)
    minted = tokens.get("shopify-token:jsmith.myshopify.com:client-id")
    assert minted is not None and abs(minted.expires_at - (clock.now() + 86_399)) < 120
    assert api.bucket is not None and abs(api.bucket.at - clock.now()) < 120


def _status(available: float) -> dict[str, object]:
    return {
        "requestedQueryCost": 62,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0},
    }


def test_an_answer_numbered_older_lowers_the_bucket_but_never_raises_it() -> None:
    # Queries are numbered as they leave the client; Shopify may take them in another order (a
    # thread paused between its number and its POST), so the answer to query 1 can be the one that
    # saw query 2's points taken as well: acting on the higher word let a 41st read be THROTTLED.
    clock = Clock()
    api = client(FakeAdmin(), clock=clock)
    api._note_cost("OrderById", _status(1000), sent=2)
    api._note_cost("OrderById", _status(1500), sent=1)  # older and higher: the newer word stands
    assert api.bucket is not None and api.bucket.available == 1000
    api._note_cost("OrderById", _status(938), sent=1)  # older but lower: Shopify took both
    assert api.bucket.available == 938
    assert api.bucket.wait_for(1000, clock()) == pytest.approx(0.62)
    api._note_cost("OrderById", _status(1200), sent=3)  # a newer answer replaces it as before
    assert api.bucket.available == 1200
