"""An access token minted once for the whole stack, not once per container.

A store adapter whose API takes short-lived tokens minted from a long-lived grant keeps them in
the port's :class:`~xerosync.sources.port.TokenCache` (the mapping table in AWS), so every
function and container uses one token for its lifetime. A cache alone leaves a race: containers
starting together each find it empty and each mint, and some token endpoints count mints (one
allows ten in ten minutes, then blocks the grant). So a cache that can also lock
(:class:`MintLock`: :class:`xerosync.aws.tokens.DynamoAccessTokens`, the lock the Xero token set
is refreshed under) lets one container mint while the others wait a moment and re-read the
cache (:func:`cached_or_minted`). The lock is a lease: one left by a container that crashed
while minting runs out after :data:`LOCK_SECONDS`, and the next container takes it.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from xerosync.sources.port import AccessToken, StoreUnavailable, TokenCache

LOCK_SECONDS = 30.0  # the lease on the mint: longer than one call to a token endpoint (20 s timeout)
WAIT_SECONDS = 8.0  # how long a container finding the lock held waits for the token it will bring
PAUSE_SECONDS = 0.2  # between two reads of the cache while waiting


@dataclass
class MemoryTokens:
    """A process-local :class:`~xerosync.sources.port.TokenCache`, no lock: an adapter's default
    when it is given no stack-wide cache (a command on the operator's machine, tests: a warm
    process keeps its token, but every process mints its own), and, made fresh, the cache of a
    credentials check (a token minted for that check alone and kept nowhere else). Of two tokens
    put under one key it keeps the one that expires last."""

    tokens: dict[str, AccessToken] = field(default_factory=dict)

    def get(self, key: str) -> AccessToken | None:
        return self.tokens.get(key)

    def put(self, key: str, token: AccessToken) -> None:
        known = self.tokens.get(key)
        if known is None or known.expires_at <= token.expires_at:
            self.tokens[key] = token


@runtime_checkable
class MintLock(TokenCache, Protocol):
    """A token cache that can also lock a key against other containers (a lease until ``until``,
    epoch seconds: taken only if nobody holds one that has not run out)."""

    def lock(self, key: str, owner: str, until: float) -> bool: ...

    def unlock(self, key: str, owner: str) -> None: ...


def cached_or_minted[T](
    cache: TokenCache,
    key: str,
    cached: Callable[[], T | None],
    mint: Callable[[], T],
    *,
    lock_seconds: float | None = None,
    wait_seconds: float | None = None,
    pause: float | None = None,
) -> T:
    """What ``cached()`` finds usable in ``cache``, else what ``mint()`` makes (minting and putting
    it in the cache): under ``key``'s lock when the cache has one, so only one container mints.
    A container that finds the lock held re-reads the cache every ``pause`` seconds and takes the
    minted token; when none comes within ``wait_seconds`` it gives up with
    :class:`StoreUnavailable` (the record goes back to its queue) rather than mint beside the
    holder. The defaults are the module's :data:`LOCK_SECONDS`, :data:`WAIT_SECONDS`,
    :data:`PAUSE_SECONDS`. Without a lock (a process-local cache) it mints straight away."""
    found = cached()
    if found is not None:
        return found
    if not isinstance(cache, MintLock):
        return mint()
    lock_seconds = LOCK_SECONDS if lock_seconds is None else lock_seconds
    wait_seconds = WAIT_SECONDS if wait_seconds is None else wait_seconds
    pause = PAUSE_SECONDS if pause is None else pause
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    while not cache.lock(key, owner, time.time() + lock_seconds):
        time.sleep(pause)  # another container is minting: its token will be in the cache in a moment
        found = cached()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            error = StoreUnavailable(
                f"another container has been minting the access token {key} for {wait_seconds:g} s"
            )
            error.retry_after = 5.0
            raise error
    try:
        found = cached()  # minted by the holder we waited for, between our last read and our lock?
        return found if found is not None else mint()
    finally:
        cache.unlock(key, owner)
