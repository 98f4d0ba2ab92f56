"""The Shopify Admin GraphQL API over httpx: access tokens, the cost-based limit, cursor pages.

**Access** (credentials secret, JSON): ``{"shop": "jsmith.myshopify.com", "client_id": ...,
"client_secret": ...}`` for the merchant's own Dev Dashboard app (the client-credentials grant:
``POST https://{shop}/admin/oauth/access_token``, tokens living 24 hours:
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant),
or ``{"shop": ..., "access_token": "shpat_..."}`` for a legacy custom app's static token
(https://shopify.dev/docs/apps/build/authentication-authorization/legacy/admin-custom-apps).
``shop`` may be a URL (``http://127.0.0.1:8123`` for the local simulator).

**Tokens** are minted once a day, not once per invocation: a minted token goes into the
:class:`~xerosync.sources.port.TokenCache` the stack gives (the mapping table, shared by every
function and container: :class:`xerosync.aws.tokens.DynamoAccessTokens`; a process-local one when
none is given) under ``shopify-token:<shop>:<client id>``, and each client keeps the one it uses.
A token is used until :data:`REMINT_BEFORE` of its life is left, then minted again; a 401 first
takes a newer token another container stored, else mints one. Two containers may mint at the
same moment (no lock is taken, unlike Xero's rotating refresh tokens): that is harmless for the
client-credentials grant, where every minted token is valid for its 24 hours and minting one
revokes none (nothing rotates), so the cost is one extra token request, and the cache keeps the
one that expires last.

**Limits**: every answer's ``extensions.cost.throttleStatus`` (available points, restore rate)
is kept; a query whose last requested cost is more than the bucket holds now is not sent, and a
THROTTLED answer (HTTP 200 or 429) is not retried here: both raise :class:`StoreUnavailable` with
``retry_after = (requested - available) / restoreRate``, so the record goes back to its queue
and nothing sleeps in Lambda waiting for Shopify's restore rate
(https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits). The records of one
batch run in threads that share this client: Shopify takes a query's whole *requested* cost
before running it (182 points for an order's first read, of a Standard shop's 2,000; 854
before its first pages were sized to what orders carry) and gives the unused part
back after, so the threads take turns (:meth:`ShopifyGraphQL._reserve`): a query waits, up to
:data:`SIBLING_WAIT` seconds, while queries of its own process are in flight and will give their
points back, rather than all being sent at once and all but two refused. A query nobody of its
process is ahead of is sent, or refused, as before.
Logs and errors never carry a token.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xerosync import clock as sync_clock
from xerosync.frozen import frozen
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import AccessToken, StoreError, StoreUnavailable, TokenCache, require_https
from xerosync.sources.shopify.settings import API_VERSION

REMINT_BEFORE = 3600.0  # seconds of life left at which a cached token is replaced
TOKEN_LIFETIME = 86_400.0  # what Shopify grants when it does not say
SIBLING_WAIT = 10.0  # seconds a query waits for the queries of its own process to give points back
UNKNOWN_COST = 1000.0  # a query's requested cost before Shopify has said it: the single-query cap


@frozen
class Credentials:
    shop: str  # the shop's domain (jsmith.myshopify.com) or, for the simulator, a URL
    client_id: str = ""
    client_secret: str = ""
    access_token: str = ""  # a legacy custom app's static token

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Credentials | None":
        """None while the secret is not filled in (the API is then not used)."""
        shop = str(data.get("shop") or data.get("shop_domain") or "").strip().rstrip("/")
        token, client_id = str(data.get("access_token") or ""), str(data.get("client_id") or "")
        if not shop or not (token or (client_id and data.get("client_secret"))):
            return None
        if "://" in shop:  # a bare domain is reached over https
            require_https(shop, "the shop in StoreApiSecret")
        return cls(shop, client_id, str(data.get("client_secret") or ""), token)

    @property
    def base(self) -> str:
        return self.shop if "://" in self.shop else f"https://{self.shop}"

    @property
    def domain(self) -> str:
        return self.shop.split("://", 1)[-1]

    def __repr__(self) -> str:
        return f"Credentials(shop={self.shop!r}, client_id={self.client_id[:6]!r}...)"


Token = AccessToken  # a minted access token (value hidden from repr) and its expiry
__all__ = ["AccessToken", "Credentials", "ShopifyGraphQL", "Token", "TokenCache"]


_PROCESS_TOKENS = MemoryTokens()  # the process-local default (xerosync.sources.minting)
_MINTING = threading.Lock()


@dataclass
class Bucket:
    """Shopify's last word on the cost budget of this app on this shop."""

    available: float
    maximum: float
    restore_rate: float
    at: float  # monotonic seconds

    def now(self, clock: float) -> float:
        return min(self.maximum, self.available + max(0.0, clock - self.at) * self.restore_rate)

    def wait_for(self, cost: float, clock: float) -> float:
        """Seconds until ``cost`` points are available (0 when they are)."""
        short = cost - self.now(clock)
        return short / self.restore_rate if short > 0 and self.restore_rate > 0 else 0.0


class ShopifyGraphQL:
    def __init__(
        self,
        credentials: Credentials,
        *,
        api_version: str = API_VERSION,
        tokens: TokenCache | None = None,
        timeout: float = 20.0,
        clock: Callable[[], float] = sync_clock.now,
        monotonic: Callable[[], float] = sync_clock.now,
        transport: Any = None,
    ) -> None:
        """``clock`` dates tokens' expiry, ``monotonic`` the bucket's restore: both
        :func:`xerosync.clock.now`, the wall clock in AWS, and in a simulation the faster clock
        every process shares, on which a simulated shop's tokens expire and its bucket refills
        (as the Xero client's tokens do). On the wall clock a client at x60 saw the bucket refill
        60 times slower than the shop did and refused order reads the shop would have taken."""
        import httpx

        self.credentials = credentials
        self.api_version = api_version
        self.tokens = tokens if tokens is not None else _PROCESS_TOKENS
        self._clock, self._monotonic = clock, monotonic
        self._http = httpx.Client(
            base_url=credentials.base, timeout=timeout, headers={"User-Agent": "xerosync"}, transport=transport
        )
        self._held: Token | None = None  # the token this client uses (read from the cache once)
        self.bucket: Bucket | None = None
        self.costs: dict[str, float] = {}  # the last requested cost of each document, by name
        self.calls = 0
        self._turns = threading.Condition()  # the threads of a batch taking turns at the bucket
        self._reserved = 0.0  # points asked for by this client's queries in flight
        self._in_flight = 0
        self._sent = 0  # queries sent by this client, numbered in the order they were sent
        self._status_of = 0  # the number of the query whose answer said what the bucket holds

    # --- access ------------------------------------------------------------------------------
    @property
    def _token_key(self) -> str:
        return f"shopify-token:{self.credentials.domain}:{self.credentials.client_id}"

    def _usable(self, token: Token, stale: str | None) -> bool:
        return token.value != stale and token.expires_at - self._clock() > REMINT_BEFORE

    def token(self, *, stale: str | None = None) -> str:
        """A valid access token: the static one, or the one held or cached with more than
        :data:`REMINT_BEFORE` left, or a new one. ``stale`` is a token Shopify just refused (401)."""
        if self.credentials.access_token:
            return self.credentials.access_token
        held = self._held
        if held is not None and self._usable(held, stale):
            return held.value
        with _MINTING:  # a batch's workers share one process: one of them mints, the others wait
            cached = self.tokens.get(self._token_key)
            if cached is None or not self._usable(cached, stale):
                cached = self._mint()
                self.tokens.put(self._token_key, cached)
            self._held = cached
            return cached.value

    def _mint(self) -> Token:
        import httpx

        form = {
            "grant_type": "client_credentials",
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
        }
        try:
            response = self._http.post("/admin/oauth/access_token", data=form)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"Shopify did not answer the token request: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise StoreUnavailable(f"Shopify answered {response.status_code} to the token request")
        if response.status_code >= 400:
            raise StoreError(
                f"Shopify refused the client credentials ({response.status_code}): check client_id and "
                "client_secret in the store credentials secret, and that the app is installed on the shop"
            )
        body = response.json()
        if not body.get("access_token"):
            raise StoreError("Shopify's token answer carries no access_token")
        lifetime = float(body.get("expires_in") or TOKEN_LIFETIME)
        return Token(str(body["access_token"]), self._clock() + lifetime)

    # --- queries -----------------------------------------------------------------------------
    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of one GraphQL request; raises before sending when the bucket cannot pay
        for it, and on THROTTLED, with the wait."""
        import httpx

        name = _name(document)
        cost = self._reserve(name)
        try:
            path = f"/admin/api/{self.api_version}/graphql.json"
            payload = {"query": document, "variables": dict(variables or {})}
            refused: str | None = None
            for attempt in (1, 2):
                token = self.token(stale=refused)
                headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
                self.calls += 1
                with self._turns:
                    self._sent += 1
                    sent = self._sent
                try:
                    response = self._http.post(path, content=json.dumps(payload, default=str), headers=headers)
                except httpx.HTTPError as exc:
                    raise StoreUnavailable(f"Shopify did not answer {name}: {type(exc).__name__}") from None
                if response.status_code == 401 and attempt == 1 and not self.credentials.access_token:
                    refused = token  # revoked or expired early: a newer one from the cache, or a new one, once
                    continue
                break
            return self._read(name, response, sent)
        finally:
            with self._turns:
                self._reserved -= cost
                self._in_flight -= 1
                self._turns.notify_all()

    def _reserve(self, name: str) -> float:
        """Take this query's turn at the bucket: the points it asks for (its last requested cost,
        or the single-query cap before Shopify has said) beside those of this client's queries in
        flight. It waits while those queries will give points back (up to SIBLING_WAIT; before the
        first answer has said what the bucket holds, one query at a time); with none in flight, a
        query the bucket cannot pay for is refused with Shopify's restore time."""
        with self._turns:
            started = time.monotonic()
            while True:
                cost = self.costs.get(name, UNKNOWN_COST)
                if self._in_flight == 0:
                    if self.bucket is not None and name in self.costs:
                        wait = self.bucket.wait_for(cost, self._monotonic())
                        if wait > 0:
                            raise _throttled(f"{name} needs {cost:.0f} points", wait)
                    break
                if self.bucket is not None and self.bucket.wait_for(self._reserved + cost, self._monotonic()) <= 0:
                    break
                left = SIBLING_WAIT - (time.monotonic() - started)
                if left <= 0:
                    wait = self.bucket.wait_for(cost, self._monotonic()) if self.bucket is not None else 1.0
                    raise _throttled(f"{name} waited {SIBLING_WAIT:.0f} s for its turn", wait)
                self._turns.wait(left)
            self._reserved += cost
            self._in_flight += 1
            return cost

    def _read(self, name: str, response: Any, sent: int = 0) -> dict[str, Any]:
        try:
            body = json.loads(response.content, parse_float=Decimal) if response.content else {}
        except ValueError:
            body = {}
        cost = (body.get("extensions") or {}).get("cost") if isinstance(body, dict) else None
        if isinstance(cost, dict):
            self._note_cost(name, cost, sent)
        errors = body.get("errors") if isinstance(body, dict) else None
        throttled = response.status_code == 429 or any(
            (e.get("extensions") or {}).get("code") == "THROTTLED" for e in _listed(errors)
        )
        if throttled:
            raise _throttled(f"Shopify throttled {name}", self._wait(name, cost, response))
        if response.status_code >= 500:
            raise StoreUnavailable(f"Shopify answered {response.status_code} to {name}")
        if response.status_code == 401:
            raise StoreError(f"Shopify refused the access token for {name} (401): check the store credentials")
        if response.status_code >= 400:
            detail = "; ".join(str(e.get("message")) for e in _listed(errors)) or response.text[:200]
            raise StoreError(f"Shopify refused {name} ({response.status_code}): {detail}")
        if errors:
            raise StoreError(f"Shopify refused {name}: " + "; ".join(str(e.get("message")) for e in _listed(errors)))
        data = body.get("data")
        if not isinstance(data, dict):
            raise StoreError(f"Shopify answered {name} without data")
        return data

    def _note_cost(self, name: str, cost: Mapping[str, Any], sent: int = 0) -> None:
        """Keep the requested cost and the bucket Shopify reports. With several queries in flight,
        answers arrive out of order: an answer to a query sent before the one whose answer set the
        bucket usually tells what it held before that later query's points were taken, and would
        let a query through that Shopify then refuses, so it does not raise the newer word. It may
        lower it: queries are numbered as they leave this client, not as Shopify takes them (a
        thread can be paused between the two), so the "older" answer can be the one that saw both
        queries' points taken. The lower of the two words is always safe to act on; at worst a
        query waits a little longer than it had to."""
        if cost.get("requestedQueryCost") is not None:
            self.costs[name] = float(cost["requestedQueryCost"])
        status = cost.get("throttleStatus") or {}
        if status.get("currentlyAvailable") is None or not status.get("restoreRate"):
            return
        now = self._monotonic()
        said = Bucket(
            float(status["currentlyAvailable"]),
            float(status.get("maximumAvailable") or status["currentlyAvailable"]),
            float(status["restoreRate"]),
            now,
        )
        with self._turns:
            if sent and sent < self._status_of:
                if self.bucket is not None and said.available >= self.bucket.now(now):
                    return
            else:
                self._status_of = max(self._status_of, sent)
            self.bucket = said

    def _wait(self, name: str, cost: Any, response: Any) -> float:
        if isinstance(cost, dict) and self.bucket is not None:
            requested = float(cost.get("requestedQueryCost") or self.costs.get(name) or 0)
            return self.bucket.wait_for(requested, self._monotonic())
        retry_after = response.headers.get("Retry-After")
        try:
            return float(retry_after) if retry_after else 2.0
        except ValueError:
            return 2.0

    def mutate(self, document: str, variables: Mapping[str, Any], field_name: str) -> dict[str, Any]:
        """A mutation's payload (``data[field_name]``); its ``userErrors`` raised as StoreError."""
        result = self.query(document, variables).get(field_name) or {}
        problems = [e for e in result.get("userErrors") or () if e]
        if problems:
            detail = "; ".join(
                f"{'.'.join(str(f) for f in e.get('field') or ())}: {e.get('message')}" for e in problems
            )
            raise StoreError(f"Shopify refused {field_name}: {detail}")
        return dict(result)

    def pages(self, document: str, variables: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[dict[str, Any]]:
        """Every node of the connection at ``path`` in the answer, page after page (cursor)."""
        after: str | None = None
        while True:
            data: Any = self.query(document, {**variables, "after": after})
            for key in path:
                data = (data or {}).get(key)
            if not data:
                return
            yield from data.get("nodes") or ()
            info = data.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = str(info["endCursor"])

    def download(self, url: str) -> Iterator[str]:
        """A bulk operation's JSONL result, line by line (a signed URL: no token is sent)."""
        import httpx

        try:
            with self._http.stream("GET", url, timeout=60.0) as response:
                if response.status_code >= 400:
                    raise StoreUnavailable(f"Shopify's bulk result answered {response.status_code}")
                yield from (line for line in response.iter_lines() if line.strip())
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"Shopify's bulk result could not be read: {type(exc).__name__}") from None


def _name(document: str) -> str:
    words = document.split("{", 1)[0].split()
    return words[1].split("(", 1)[0] if len(words) > 1 else "query"


def _listed(errors: Any) -> list[dict[str, Any]]:
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _throttled(message: str, wait: float) -> StoreUnavailable:
    error = StoreUnavailable(f"{message}; try again in {max(wait, 1.0):.1f} s")
    error.retry_after = max(1.0, round(wait, 1))
    return error
