"""The store's webhooks to this stack: which ones xerosync needs, what is wrong with them, and
the repair (pure planning, then a few REST calls).

WooCommerce disables a webhook after repeated failed deliveries and never retries a delivery
(``WC_Webhook::failed_delivery`` in WooCommerce's class-wc-webhook.php), so a store that could
not reach us for a while stops syncing without a word. Each reconciliation (and ``xerosync
setup``) therefore checks every topic xerosync needs, on the webhooks whose delivery URL is this
stack's:

* missing: created (WooCommerce pings it; the ingress answers the ping 200);
* disabled: re-enabled in place (``status: active``), keeping its id and its delivery log.
  WooCommerce does not reset the failure count on re-enabling, so until one delivery succeeds
  the very next failure disables it again. A webhook found disabled again within a day of being
  re-enabled is therefore replaced: a new one (failure count 0, same topic, URL and secret) is
  created and the old one deleted;
* paused: left alone (a merchant pauses a webhook on purpose) and reported;
* active: nothing to do.

Webhooks pointing elsewhere are never touched.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from xerosync.sources.port import Kind, WebhookAction
from xerosync.timestamps import store_time

TOPICS: dict[Kind, tuple[str, ...]] = {
    "order": ("order.created", "order.updated", "order.deleted", "order.restored"),
    "customer": ("customer.created", "customer.updated"),
    "product": ("product.created", "product.updated"),
}
ALL_TOPICS = tuple(topic for topics in TOPICS.values() for topic in topics)
REPLACE_WITHIN = timedelta(hours=24)  # disabled again this soon after a re-enable: replace it


class StoreWebhooks(Protocol):
    def webhooks(self) -> list[dict[str, Any]]: ...

    def create_webhook(self, fields: dict[str, Any]) -> dict[str, Any]: ...

    def update_webhook(self, webhook_id: int, fields: dict[str, Any]) -> dict[str, Any]: ...

    def delete_webhook(self, webhook_id: int) -> None: ...


def wanted_topics(kinds: set[Kind]) -> list[str]:
    """The topics xerosync needs, for the kinds of record it syncs."""
    return [topic for kind, topics in TOPICS.items() if kind in kinds for topic in topics]


def same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def ours(hooks: Iterable[dict[str, Any]], url: str) -> list[dict[str, Any]]:
    return [h for h in hooks if same_url(str(h.get("delivery_url", "")), url)]


def plan(
    hooks: list[dict[str, Any]], url: str, topics: list[str], reenabled: dict[str, str], now: datetime
) -> list[WebhookAction]:
    """What to do for each topic. ``reenabled`` holds the webhooks xerosync re-enabled (id -> when)."""
    mine = ours(hooks, url)
    actions = []
    for topic in topics:
        found = sorted((h for h in mine if h.get("topic") == topic), key=lambda h: int(h["id"]))
        by_status = {str(h.get("status")): h for h in reversed(found)}
        if not found:
            actions.append(WebhookAction(topic, "create", None, "no webhook for this topic points at this stack"))
        elif "active" in by_status:
            actions.append(WebhookAction(topic, "ok", str(by_status["active"]["id"])))
        elif "paused" in by_status:
            hook = by_status["paused"]
            actions.append(WebhookAction(topic, "paused", str(hook["id"]), "paused in the store; left as it is"))
        else:
            hook = found[0]
            when = reenabled.get(str(hook["id"]))
            recent = when is not None and now - _moment(when) < REPLACE_WITHIN
            if recent:
                detail = f"disabled again after being re-enabled at {when}: replaced by a new webhook"
                actions.append(WebhookAction(topic, "replace", str(hook["id"]), detail))
            else:
                detail = f"{hook.get('status')} by WooCommerce after failed deliveries: re-enabled"
                actions.append(WebhookAction(topic, "reenable", str(hook["id"]), detail))
    return actions


def apply(
    actions: list[WebhookAction], store: StoreWebhooks, url: str, secret: str, reenabled: dict[str, str], now: datetime
) -> tuple[list[WebhookAction], list[dict[str, Any]]]:
    """Carry out the repairs. Returns the actions as done (a failed one says why) and the
    webhooks created, so that the caller knows their creation time. ``reenabled`` is updated."""
    done: list[WebhookAction] = []
    created: list[dict[str, Any]] = []
    for action in actions:
        try:
            if action.action == "create" or action.action == "replace":
                hook = store.create_webhook(
                    {
                        "name": f"xerosync {action.topic}",
                        "topic": action.topic,
                        "delivery_url": url,
                        "secret": secret,
                        "status": "active",
                    }
                )
                created.append(hook)
                if action.action == "replace" and action.webhook_id is not None:
                    store.delete_webhook(int(action.webhook_id))
                    reenabled.pop(str(action.webhook_id), None)
                done.append(replace(action, webhook_id=str(hook["id"])))
            elif action.action == "reenable" and action.webhook_id is not None:
                store.update_webhook(int(action.webhook_id), {"status": "active"})
                reenabled[str(action.webhook_id)] = now.isoformat(timespec="seconds")
                done.append(action)
            else:
                done.append(action)
        except Exception as exc:  # one webhook failing must not stop the others, nor the reconciliation
            done.append(replace(action, action="failed", detail=f"{action.action} failed: {exc}"))
    for key, when in list(reenabled.items()):  # forget re-enables old enough not to matter any more
        if now - _moment(when) >= REPLACE_WITHIN:
            del reenabled[key]
    return done, created


def install_time(hooks: Iterable[dict[str, Any]], url: str) -> datetime | None:
    """When xerosync was switched on for this store: the creation of its first webhook (store time)."""
    times = [t for t in (store_time(h.get("date_created_gmt")) for h in ours(hooks, url)) if t is not None]
    return min(times) if times else None


def _moment(value: str) -> datetime:
    return store_time(value) or datetime.min.replace(tzinfo=UTC)
