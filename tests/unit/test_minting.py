"""The process-local token cache every store adapter shares (:class:`xerosync.sources.minting.MemoryTokens`):
the default when no stack-wide cache is given, and a fresh one for each credentials check."""

from xerosync.sources.minting import MemoryTokens, cached_or_minted
from xerosync.sources.port import AccessToken, TokenCache


def test_it_keeps_the_token_that_expires_last_and_shows_no_value() -> None:
    tokens: TokenCache = MemoryTokens()
    assert tokens.get("shop:app") is None
    tokens.put("shop:app", AccessToken("later", 2_000.0))
    tokens.put("shop:app", AccessToken("earlier", 1_000.0))  # a slower mint finishing after a newer one
    found = tokens.get("shop:app")
    assert found is not None and found.value == "later"
    tokens.put("shop:app", AccessToken("newest", 3_000.0))
    assert tokens.get("shop:app") == AccessToken("newest", 3_000.0)
    assert tokens.get("other:app") is None
    assert "newest" not in repr(tokens)


def test_a_fresh_one_per_check_mints_for_that_check_alone() -> None:
    minted: list[str] = []

    def check(cache: MemoryTokens) -> AccessToken:
        def mint() -> AccessToken:
            minted.append("mint")
            token = AccessToken(f"t{len(minted)}", 9_999.0)
            cache.put("k", token)
            return token

        return cached_or_minted(cache, "k", lambda: cache.get("k"), mint)

    shared = MemoryTokens()
    assert check(shared).value == "t1" and check(shared).value == "t1"  # a process's cache: minted once
    assert check(MemoryTokens()).value == "t2" and check(MemoryTokens()).value == "t3"  # each check its own
