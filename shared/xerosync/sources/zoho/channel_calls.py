"""The calls that keep Zoho CRM's notification channels (``actions/watch``; what to do with each is
:func:`~xerosync.sources.zoho.channels.plan_channels`), mixed into
:class:`~xerosync.sources.zoho.client.ZohoCRM`: :meth:`ChannelCalls.channels` lists them,
:meth:`ChannelCalls.enable_channel` enables (POST) or renews (PUT) one for at most a week,
:meth:`ChannelCalls.disable_channels` deletes, :meth:`ChannelCalls.keep_channels` does what the
plan says, :meth:`ChannelCalls.subscriptions` is the port's webhook check.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from xerosync.sources.port import Kind, StoreError, Subscriptions, WebhookAction, require_https
from xerosync.sources.zoho.channels import (
    EXPIRY,
    MAX_EXPIRY,
    Channel,
    ChannelPlan,
    events_for,
    plan_channels,
    stamp,
)
from xerosync.sources.zoho.webhook import RESOURCE_OF_MODULE


class ChannelCalls:
    """Needs the client's :meth:`call`, clock and synced modules."""

    _clock: Callable[[], float]
    modules: tuple[str, ...]

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        raise NotImplementedError  # the client's

    def channels(self) -> list[Channel]:
        """The organisation's live channels (Zoho lists one entry per channel and module; an expired
        channel is not listed)."""
        status, answer = self.call("GET", "/actions/watch")
        entries = answer.get("watch") if isinstance(answer, dict) and status != 204 else None
        found: dict[str, dict[str, Any]] = {}
        for entry in entries or ():
            if not isinstance(entry, dict) or not entry.get("channel_id"):
                continue
            channel = found.setdefault(
                str(entry["channel_id"]),
                {"events": set(), "url": str(entry.get("notify_url") or ""), "token": entry.get("token"), "expiry": []},
            )
            channel["events"] |= {f"{entry.get('resource_name')}.{op}" for op in entry.get("events") or ()}
            channel["expiry"].append(_when(entry.get("channel_expiry")))
        return [
            Channel(cid, frozenset(c["events"]), c["url"], c["token"] or None, _earliest(c["expiry"]))
            for cid, c in found.items()
        ]

    def enable_channel(self, channel: Channel, *, replace: bool = False, expiry: datetime | None = None) -> datetime:
        """Enable ``channel`` (POST; with ``replace``, PUT: its details replaced, which renews it)
        until ``expiry`` (default :data:`~.channels.EXPIRY` from now; never more than Zoho's week,
        which Zoho would silently answer with one hour). Returns the expiry Zoho echoes."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        until = expiry or now + EXPIRY
        if not now < until <= now + MAX_EXPIRY:
            raise StoreError(f"a Zoho channel expires within {MAX_EXPIRY.days} days of now, not at {stamp(until)}")
        if not channel.token or len(channel.token) > 50:
            raise StoreError(f"channel {channel.channel_id}: Zoho takes a token of 1 to 50 characters")
        require_https(channel.notify_url, "a Zoho channel's notify_url")
        item = {
            "channel_id": channel.channel_id,
            "events": sorted(channel.events),
            "notify_url": channel.notify_url,
            "token": channel.token,
            "channel_expiry": stamp(until),
            "notify_on_related_action": False,  # a Contact's change is not its Account's (Kaizen #170 Q1)
            # the changed fields' values in each delivery: how xerosync knows its own write coming back
            # (xerosync.sources.zoho.writeback.own_write)
            "return_affected_field_values": True,
        }
        method = "PUT" if replace else "POST"
        _, answer = self.call(method, "/actions/watch", body={"watch": [item]})
        entries = answer.get("watch") if isinstance(answer, dict) else None
        first = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}
        if first.get("status") != "success":
            raise StoreError(f"Zoho CRM refused channel {channel.channel_id} ({first.get('code')})")
        echoed = [_when(e.get("channel_expiry")) for e in (first.get("details") or {}).get("events") or ()]
        effective = _earliest(echoed)
        if effective is None:
            raise StoreError(f"Zoho CRM enabled channel {channel.channel_id} without saying until when")
        return effective

    def disable_channels(self, channel_ids: Sequence[str]) -> None:
        """Delete channels (``DELETE actions/watch?channel_ids=``)."""
        if channel_ids:
            self.call("DELETE", "/actions/watch", params={"channel_ids": ",".join(channel_ids)})

    def keep_channels(self, wanted: Sequence[Channel], known: Sequence[str] = ()) -> list[ChannelPlan]:
        """List, plan (:func:`~.channels.plan_channels`) and act: what :meth:`subscriptions` does each
        run of the reconciliation. Returns the plans, for its log."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        plans = plan_channels(self.channels(), wanted, now, known=known)
        for plan in plans:
            if plan.action in ("create", "recreate"):
                self.enable_channel(plan.channel)
            elif plan.action in ("renew", "replace"):
                self.enable_channel(plan.channel, replace=True)
        self.disable_channels([p.channel.channel_id for p in plans if p.action == "disable"])
        return plans

    def subscriptions(
        self, url: str, secret: Callable[[], str], kinds: set[Kind], memory: dict[str, Any], now: datetime, repair: bool
    ) -> Subscriptions:
        """The port's webhook check (the reconciliation runs it on its schedule): one channel to
        ``url`` for the synced modules of ``kinds``, its token the stack's webhook secret, kept by
        :meth:`keep_channels`. ``memory`` keeps the channel's id once enabled (so a lost one is
        re-created, not created) and when it was first enabled (Zoho lists no creation time)."""
        result = Subscriptions(installed_at=_when(memory.get("zoho_installed_at")))
        modules = [m for m in self.modules if RESOURCE_OF_MODULE.get(m) in kinds]
        if not repair or not url or not modules:
            return result
        want = Channel(channel_id_for(url), events_for(modules), url, secret())
        topic = f"actions/watch {','.join(modules)}"
        try:
            plans = self.keep_channels([want], known=list(memory.get("zoho_channels") or ()))
        except StoreError as exc:
            result.actions.append(WebhookAction(topic, "failed", want.channel_id, str(exc)))
            return result
        memory["zoho_channels"] = [want.channel_id]
        if result.installed_at is None:
            memory["zoho_installed_at"] = now.isoformat()
            result.installed_at = now
        # a renewal is routine (every six days): "ok"; a lost channel re-created is a repair
        words = {"ok": "ok", "renew": "ok", "create": "create", "recreate": "create", "replace": "replace",
                 "disable": "replace"}  # fmt: skip
        for plan in plans:
            name = topic if plan.channel.channel_id == want.channel_id else "actions/watch (a stray channel, deleted)"
            result.actions.append(WebhookAction(name, words[plan.action], plan.channel.channel_id, plan.reason))
        return result


def channel_id_for(url: str) -> str:
    """The stack's channel id (Zoho takes a number): the same for one ``notify_url`` every run."""
    import hashlib

    return str(int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:15], 16))


def _when(value: Any) -> datetime | None:
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None


def _earliest(times: Sequence[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None
