"""What every use case shares: the outcome it reports, and creating a Xero record exactly once."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from xerosync.frozen import frozen
from xerosync.sync.ports import Mapping, Mappings
from xerosync.timestamps import store_time
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected


@frozen
class Outcome:
    """What applying one event did, for the sync log, the metrics and the idempotency record."""

    action: str  # created | updated | unchanged | matched | skipped | voided | deleted | credited
    key: str
    xero_id: str | None = None
    reason: str = ""
    also: tuple[str, ...] = ()  # the other documents this event wrote, e.g. "payment created"
    duplicate: bool = False  # the same event was applied before: this is its recorded outcome


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_claim() -> str:
    return uuid.uuid4().hex


@contextmanager
def holding(mappings: Mappings, key: str) -> Iterator[None]:
    """Apply one event to ``key`` at a time (``ClaimHeld`` while another worker holds it)."""
    token = new_claim()
    mappings.lock(key, token)
    try:
        yield
    finally:
        mappings.unlock(key, token)


def superseded(known: Mapping | None, modified: str | None) -> bool:
    """True when the store state in an event is older than the one already applied."""
    if known is None:
        return False
    mine, applied = store_time(modified), store_time(known.source_modified)
    return mine is not None and applied is not None and mine < applied


def superseded_outcome(key: str, modified: str | None, known: Mapping) -> Outcome:
    return Outcome(
        "superseded",
        key,
        known.xero_id,
        reason=f"the store state of {modified} is older than the one applied ({known.source_modified})",
    )


@frozen
class Created:
    """A Xero document made exactly once for its store record (or found made already)."""

    mapping: Mapping
    record: dict[str, Any] | None  # Xero's answer when we created it; None when it already existed
    claim: str | None = None


def create_once(
    mappings: Mappings,
    key: str,
    *,
    find: Callable[[], dict[str, Any] | None],
    create: Callable[[str], ElementResult],
    record: Callable[[dict[str, Any], bool], Mapping],
    look_up_first_claim: bool = True,
    taken: Callable[[ElementResult], bool] | None = None,
) -> Created:
    """The Xero record for ``key``, created at most once whatever the deliveries do.

    1. the mapping table knows it: done;
    2. otherwise claim it (a live claim elsewhere raises ``ClaimHeld``: come back later);
    3. holding the claim, look for it in Xero by its natural key (``find``): a previous attempt
       may have created it and died before recording it. The caller may skip this call when
       the claim is the record's first (no attempt ever) and nothing else can have put the
       record in Xero (``look_up_first_claim=False``): most creates of a backfill then cost no
       lookup;
    4. only then ``create`` it (with an ``Idempotency-Key`` derived from the claim), and record
       the mapping under the claim. ``record(xero_record, created)`` builds the mapping. When
       Xero refuses the create because the natural key is ``taken`` (a unique invoice number
       from a mapping table that was lost), the record found by ``find`` is adopted instead.
    """
    known = mappings.get(key)
    if known:
        return Created(known, None)
    claim = new_claim()
    claimed = mappings.claim(key, claim)
    if isinstance(claimed, Mapping):
        return Created(claimed, None)
    try:
        existing = find() if look_up_first_claim or not claimed.first else None
        if existing is None:
            result = create(claim)
            if not result.ok:
                if taken is not None and taken(result):
                    existing = find()
                if existing is None:
                    raise XeroRejected(list(result.errors), result.record)
        if existing is not None:
            mapping = record(existing, False)
            mappings.put(mapping, claim=claim)
            return Created(mapping, None)
    except BaseException:
        mappings.release(key, claim)
        raise
    mapping = record(result.record, True)
    mappings.put(mapping, claim=claim)
    return Created(mapping, result.record, claim)
