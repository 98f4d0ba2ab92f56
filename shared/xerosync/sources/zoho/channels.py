"""Zoho CRM notification channels (``actions/watch``) and the plan that keeps them alive.

A channel (``channel_id``, ``events`` such as ``Invoices.all``, ``notify_url``, ``token``,
``channel_expiry``) delivers the ids of changed records to the stack until it expires: "a maximum
of one week from the time they are enabled. If it is not specified or set for more than a week,
the default expiry time is for one hour" (v7 "Enable Notifications",
https://www.zoho.com/crm/developer/docs/api/v7/notifications/enable.html; the v8 overview,
https://www.zoho.com/crm/developer/docs/api/v8/notifications/overview.html; Kaizen #170,
https://help.zoho.com/portal/en/community/topic/kaizen-170-faqs-on-notification-apis). So a
channel must be renewed before it expires, and one that expired (gone from Zoho's list) or was
deleted must be enabled again; what it did not deliver meanwhile is found by the reconciliation
(records by ``Modified_Time`` and the deleted-records list), never by the channel.

:func:`plan_channels` is pure: from the channels Zoho lists, the ones the stack wants and now, it
says what to do with each. The client (:class:`xerosync.sources.zoho.client.ZohoCRM`) does it:
``create`` and ``recreate`` enable (POST), ``renew`` and ``replace`` update (PUT: "all the provided
details would be persisted and rest of the details would be removed"), ``disable`` deletes.
The port's webhook check (``ZohoCRM.subscriptions``) lists, plans and acts; the reconciliation
runs it on its schedule once the source is registered (it is not yet).
"""

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import field
from datetime import UTC, datetime, timedelta
from typing import Literal

from xerosync.frozen import frozen

MAX_EXPIRY = timedelta(days=7)  # Zoho's most; asking more silently gives one hour
# what the stack asks for: within the week by a day, so a clock a little ahead of Zoho's never asks
# for more than a week (which Zoho would answer with one hour)
EXPIRY = timedelta(days=6)
# a channel expiring within this is renewed (the job is meant to run every six hours: four chances)
RENEW_MARGIN = timedelta(hours=24)


@frozen
class Channel:
    """A notification channel as Zoho lists it (or as the stack wants it: ``expiry`` None).
    Printed or logged, it never shows its token."""

    channel_id: str
    events: frozenset[str]  # "Invoices.all", "Contacts.edit", ...
    notify_url: str
    token: str | None = field(default=None, repr=False)
    expiry: datetime | None = None


Action = Literal["ok", "create", "recreate", "renew", "replace", "disable"]


@frozen
class ChannelPlan:
    """What to do with one channel, and why (for the job's log: never the token)."""

    action: Action
    channel: Channel  # the wanted channel (the listed one for ``disable``)
    reason: str


def events_for(modules: Iterable[str]) -> frozenset[str]:
    """Every event (create, edit, delete) of each module: ``Invoices.all``."""
    return frozenset(f"{module}.all" for module in modules)


def normal_events(events: Iterable[str]) -> frozenset[str]:
    """``events`` with a module's create, edit and delete written ``Module.all`` (whether Zoho lists
    a channel enabled for ``all`` as ``all`` or as the three is not documented: either compares
    equal)."""
    ops: dict[str, set[str]] = {}
    for event in events:
        module, _, op = event.rpartition(".")
        ops.setdefault(module, set()).add(op)
    normal = set()
    for module, found in ops.items():
        if "all" in found or {"create", "edit", "delete"} <= found:
            normal.add(f"{module}.all")
        else:
            normal |= {f"{module}.{op}" for op in found}
    return frozenset(normal)


def _same_token(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def plan_channels(
    existing: Sequence[Channel],
    wanted: Sequence[Channel],
    now: datetime,
    *,
    known: Iterable[str] = (),
    margin: timedelta = RENEW_MARGIN,
) -> list[ChannelPlan]:
    """What to do so that Zoho has ``wanted`` (one plan each, in their order), then ``disable`` for
    each listed channel that delivers to a wanted ``notify_url`` but is not wanted.

    ``existing`` is Zoho's list (expired channels are not in it); ``known`` the ids of channels the
    stack enabled before, so one missing from the list is ``recreate`` (lost: expired or deleted;
    notifications were missed, the reconciliation finds them) rather than ``create``. A listed
    channel with other events, URL or token is ``replace``; one expiring within ``margin`` (or
    whose expiry Zoho did not say) is ``renew``; the rest ``ok``."""
    listed = {channel.channel_id: channel for channel in existing}
    before = set(known)
    plans: list[ChannelPlan] = []
    for want in wanted:
        have = listed.get(want.channel_id)
        if have is None:
            if want.channel_id in before:
                plans.append(ChannelPlan("recreate", want, "lost (expired or deleted): Zoho no longer lists it"))
            else:
                plans.append(ChannelPlan("create", want, "not enabled yet"))
            continue
        differs = [
            name
            for name, same in (
                ("events", normal_events(have.events) == normal_events(want.events)),
                ("notify_url", have.notify_url == want.notify_url),
                ("token", _same_token(have.token, want.token)),
            )
            if not same
        ]
        if differs:
            plans.append(ChannelPlan("replace", want, f"its {', '.join(differs)} differ from the stack's"))
        elif have.expiry is None or have.expiry - now <= margin:
            when = have.expiry.isoformat() if have.expiry else "an unknown time"
            plans.append(ChannelPlan("renew", want, f"expires at {when}, within {margin}"))
        else:
            plans.append(ChannelPlan("ok", want, f"expires at {have.expiry.isoformat()}"))
    wanted_ids = {want.channel_id for want in wanted}
    urls = {want.notify_url for want in wanted}
    for have in existing:
        if have.channel_id not in wanted_ids and have.notify_url in urls:
            plans.append(ChannelPlan("disable", have, "delivers to this stack but is not one it wants"))
    return plans


def stamp(when: datetime) -> str:
    """Zoho's time form: ISO 8601 with the offset, to the second (a naive time is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.replace(microsecond=0).isoformat()
