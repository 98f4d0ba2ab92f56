"""The store's own API credentials when they expire (Amazon's LWA client secrets, every 180 days):
how many days are left (a metric the stack's alarm watches, and ``xerosync status``), and their
renewal: the store delivers new credentials by a notification, which is stored as a new version of
the credentials secret (the old one kept as AWSPREVIOUS) and used by the next token minted.

Store-neutral: what expires, where the secret records it and what a renewal notification holds
are the source's (the port's :class:`~xerosync.sources.port.ExpiringCredentials`); a source whose
credentials never expire has none of this. The secret's values are never logged or returned in a
reason: only what they are and when they expire.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xerosync.sources.port import CredentialExpiry, ExpiringCredentials, StoreError, StoreSource

WARN_DAYS = 30  # the alarm and xerosync status warn this many days ahead


def expiry_of(source: StoreSource, credentials: Mapping[str, Any]) -> CredentialExpiry | None:
    """When the store's credentials expire (None: the source's credentials never do)."""
    if not isinstance(source, ExpiringCredentials):
        return None
    return source.credential_expiry(credentials)


def status_lines(expiry: CredentialExpiry | None, now: datetime) -> list[str]:
    """What ``xerosync status`` says of it: the date and the days left, and a warning inside
    :data:`WARN_DAYS` (or when the date is not recorded)."""
    if expiry is None:
        return []
    days = expiry.days_left(now)
    if days is None or expiry.expires is None:
        return [
            f"{expiry.what}: its expiry is not recorded: WARNING, set {expiry.field} (ISO 8601) in the store "
            "credentials secret, or the stack cannot warn before it expires"
        ]
    line = f"{expiry.what} expires {expiry.expires:%Y-%m-%d %H:%M} UTC ({days} days left)"
    if days < 0:
        return [f"{line}: EXPIRED, the store refuses the stack; renew it: {expiry.renew}"]
    if days <= WARN_DAYS:
        return [f"{line}: WARNING, expires within {WARN_DAYS} days; renew it: {expiry.renew}"]
    return [line]


@dataclass
class Renewal:
    """What one batch of credential notifications did."""

    stored: list[str] = field(default_factory=list)  # message ids whose credentials were stored
    unchanged: list[str] = field(default_factory=list)  # delivered again: stored already
    ignored: list[str] = field(default_factory=list)  # not a renewal the source knows
    failed: list[tuple[str, str]] = field(default_factory=list)  # (message id, why): kept for retry
    expires: list[str] = field(default_factory=list)  # the stored credentials' new expiry


def renew(
    source: StoreSource,
    notifications: list[tuple[str, Mapping[str, Any]]],
    *,
    read: Callable[[], Mapping[str, Any]],
    write: Callable[[dict[str, Any]], object],
    now: datetime,
) -> Renewal:
    """Store the credentials each notification delivers, in order (``read`` the secret as it is
    now, ``write`` a new version). One that cannot be read or stored fails alone and is kept."""
    done = Renewal()
    if not isinstance(source, ExpiringCredentials):
        done.ignored = [message for message, _ in notifications]
        return done
    for message, body in notifications:
        try:
            current = read()
            renewed = source.renewed_credentials(body, current, now)
            if renewed is None:
                done.ignored.append(message)
                continue
            if dict(renewed) == dict(current):
                done.unchanged.append(message)
                continue
            write(dict(renewed))
            done.stored.append(message)
            after = source.credential_expiry(renewed)
            if after is not None and after.expires is not None:
                done.expires.append(after.expires.isoformat())
        except StoreError as exc:
            done.failed.append((message, str(exc)))
        except Exception as exc:  # Secrets Manager refused or did not answer: SQS delivers it again
            done.failed.append((message, f"{type(exc).__name__}: could not store the renewed credentials"))
    return done


# --- wired to a stack (the settlements function, the operator's commands) ------------------------
def stack_expiry(job: Any) -> CredentialExpiry | None:
    """The expiry the stack's credentials secret records (``job``: a :class:`xerosync.jobs.Job`)."""
    from xerosync.aws import secrets

    arn = job.environment.store_secret_arn
    if not arn:
        return None
    return expiry_of(job.source, secrets.get_secret_json(arn))


def receive(job: Any, records: Sequence[Mapping[str, Any]], now: datetime) -> Renewal:
    """SQS records of the credential notifications queue, stored in the stack's credentials secret."""
    import json

    from xerosync.aws import secrets

    arn = job.environment.store_secret_arn
    bodies: list[tuple[str, Mapping[str, Any]]] = []
    unreadable: list[tuple[str, str]] = []
    for record in records:
        try:
            body = json.loads(record.get("body") or "")
        except ValueError:
            body = None
        if isinstance(body, dict):
            bodies.append((str(record["messageId"]), body))
        else:
            unreadable.append((str(record["messageId"]), "the notification is not a JSON object"))
    done = renew(
        job.source,
        bodies,
        read=lambda: secrets.get_secret_json(arn, max_age=0),
        write=lambda value: secrets.put_secret_json(arn, value),
        now=now,
    )
    done.failed += unreadable
    return done


def publish_expiry(job: Any) -> int | None:
    """The days until the stack's store credentials expire, as the ``store_secret_days_left``
    metric (the StoreSecretExpiryAlarm) and a log line; nothing when they never expire or the date
    is not recorded. An unreadable secret is logged, never raised: the run's outcome stands."""
    from datetime import UTC

    from xerosync.observability import count, logger, reason_of

    try:
        expiry = stack_expiry(job)
    except Exception as exc:
        logger.warning("credentials expiry unknown", extra={"outcome": "unknown", "reason": reason_of(exc)})
        return None
    days = expiry.days_left(datetime.now(UTC)) if expiry is not None else None
    if expiry is None or days is None:
        return None
    logger.info("credentials expiry", extra={"what": expiry.what, "expires": str(expiry.expires), "days_left": days})
    count("store_secret_days_left", days)
    return days


def store_renewals(job: Any, records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Store what the credential notifications deliver; the message ids to deliver again. Logged
    by message id and counts, never the credentials."""
    from datetime import UTC

    from xerosync.observability import logger

    done = receive(job, records, datetime.now(UTC))
    for message, why in done.failed:
        logger.error("credentials not renewed", extra={"message_id": message, "outcome": "failed", "reason": why})
    counts = {"stored": len(done.stored), "unchanged": len(done.unchanged), "ignored": len(done.ignored)}
    logger.info("credential notifications", extra={**counts, "failed": len(done.failed), "expires": done.expires})
    return [message for message, _ in done.failed]
