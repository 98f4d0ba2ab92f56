"""Notification channels (``/crm/v8/actions/watch``) and their deliveries.

Sources: https://www.zoho.com/crm/developer/docs/api/v8/notifications/overview.html,
…/v8/notifications/enable.html, …/update-details.html, …/disable.html, …/get-details.html,
the official spec https://github.com/zoho/crm-oas ``v8.0/notifications.json``, and Kaizen #170
(https://help.zoho.com/portal/en/community/topic/kaizen-170-faqs-on-notification-apis):

* a channel: ``channel_id``, ``events`` (``Module.create|edit|delete|all``), ``notify_url``,
  ``token`` (≤ 50 characters, echoed in each delivery), ``channel_expiry`` — "a maximum of one week
  from the time they are enabled. If it is not specified or set for more than a week, the default
  expiry time is for one hour" — and ``return_affected_field_values``; the enable answer echoes
  the effective ``channel_expiry``;
* POST enables (adds events to a channel), PUT replaces a channel's details, PATCH with
  ``_delete_events: true`` removes events, GET lists, DELETE ``?channel_ids=`` removes;
* a delivery is a POST of JSON ``{server_time (ms), query_params (of notify_url), module,
  resource_uri, ids, affected_fields, operation (insert|update|delete), channel_id, token}``,
  plus ``affected_values`` when asked: ids, never records; one POST carries the ids of one API call.

Not documented, so **guesses**: no retries (a failed delivery is lost); an expired channel is
gone (not listed, delivers nothing); ``resource_uri`` uses ``/crm/v2/`` as every docs sample does.
Faults on demand (``Faults``): drop the next n deliveries, deliver the next n twice, delay them.
"""

import json
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.zoho_crm.records import MODULES, Change, error, plain, zoho_time

DEFAULT_EXPIRY = timedelta(hours=1)
MAX_EXPIRY = timedelta(days=7)
OPERATIONS = {"create": "insert", "edit": "update", "delete": "delete"}


@dataclass
class Channel:
    channel_id: str
    events: set[str]  # "Invoices.create" …
    notify_url: str
    token: str | None
    expiry: datetime
    return_affected_field_values: bool = False
    notify_on_related_action: bool = True

    def wants(self, module: str, operation: str) -> bool:
        verb = {v: k for k, v in OPERATIONS.items()}[operation]
        return f"{module}.{verb}" in self.events or f"{module}.all" in self.events


@dataclass
class Faults:
    drop: int = 0
    twice: int = 0
    delay: float = 0.0  # real seconds before each delivery goes


@dataclass
class Delivery:
    channel_id: str
    url: str
    body: dict[str, Any]
    status: int | None = None
    dropped: bool = False
    sent_at: float = field(default_factory=time.monotonic)


class Channels:
    def __init__(self, resource_base: str) -> None:
        self.resource_base = resource_base
        self.lock = threading.Lock()
        self.channels: dict[str, Channel] = {}
        self.faults = Faults()
        self.deliveries: list[Delivery] = []
        self.outbox: queue.Queue[Delivery | None] = queue.Queue()
        self.worker = threading.Thread(target=self._run, daemon=True, name="zoho-notify")
        self.worker.start()

    def live(self, now: datetime) -> list[Channel]:
        with self.lock:
            for key in [k for k, c in self.channels.items() if c.expiry <= now]:
                del self.channels[key]
            return list(self.channels.values())

    # the API ------------------------------------------------------------------------------

    def enable(self, body: Any, now: datetime, replace: bool) -> tuple[int, dict[str, Any]]:
        items = body.get("watch") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return 400, error("MANDATORY_NOT_FOUND", "required field not found", api_name="watch")
        answers, ok = [], 0
        for index, item in enumerate(items):
            problem = self._invalid(item, index)
            if problem:
                answers.append(problem)
                continue
            expiry = self._expiry(item.get("channel_expiry"), now)
            events = set(item["events"])
            with self.lock:
                current = self.channels.get(str(item["channel_id"]))
                if current and not replace:
                    events |= current.events
                channel = Channel(
                    str(item["channel_id"]),
                    events,
                    str(item["notify_url"]),
                    item.get("token"),
                    expiry,
                    bool(item.get("return_affected_field_values", False)),
                    bool(item.get("notify_on_related_action", True)),
                )
                self.channels[channel.channel_id] = channel
            ok += 1
            answers.append(
                {
                    "code": "SUCCESS",
                    "details": {"events": self._describe(channel, sorted({e.split(".")[0] for e in item["events"]}))},
                    "message": "Successfully subscribed for actions-watch of the given module",
                    "status": "success",
                }
            )
        return (200 if ok == len(answers) else 207 if ok else 400), {"watch": answers}

    def disable_events(self, body: Any, now: datetime) -> tuple[int, dict[str, Any]]:
        items = body.get("watch") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return 400, error("MANDATORY_NOT_FOUND", "required field not found", api_name="watch")
        answers = []
        for item in items:
            with self.lock:
                channel = self.channels.get(str(item.get("channel_id"))) if isinstance(item, dict) else None
                if channel is None or channel.expiry <= now or not item.get("_delete_events"):
                    answers.append(error("INVALID_DATA", "invalid data", api_name="channel_id"))
                    continue
                removed = set(item.get("events") or [])
                channel.events -= removed
            answers.append(
                {
                    "code": "SUCCESS",
                    "details": {"events": self._describe(channel, sorted({e.split(".")[0] for e in removed}))},
                    "message": "Successfully unsubscribed from actions-watch of the given module",
                    "status": "success",
                }
            )
        return 200, {"watch": answers}

    def details(self, now: datetime) -> tuple[int, dict[str, Any]]:
        out = []
        for channel in self.live(now):
            for module in sorted({e.split(".")[0] for e in channel.events}):
                ops = sorted(e.split(".")[1] for e in channel.events if e.startswith(module + "."))
                out.append(
                    {
                        "notify_on_related_action": channel.notify_on_related_action,
                        "channel_expiry": zoho_time(channel.expiry),
                        "resource_uri": f"{self.resource_base}/{module}",
                        "resource_id": _module_id(module),
                        "return_affected_field_values": channel.return_affected_field_values,
                        "resource_name": module,
                        "channel_id": channel.channel_id,
                        "events": ops,
                        "notify_url": channel.notify_url,
                        "token": channel.token,
                    }
                )
        return (200, {"watch": out}) if out else (204, {})

    def delete(self, channel_ids: list[str]) -> tuple[int, dict[str, Any]]:
        answers = []
        for channel_id in channel_ids:
            with self.lock:
                channel = self.channels.pop(channel_id, None)
            if channel is None:
                answers.append(error("INVALID_DATA", "invalid data", api_name="channel_id", channel_id=channel_id))
                continue
            modules = sorted({e.split(".")[0] for e in channel.events})
            answers.append(
                {
                    "code": "SUCCESS",
                    "details": {"events": self._describe(channel, modules, expiry=False)},
                    "message": "Successfully unsubscribed from actions-watch of the given module",
                    "status": "success",
                }
            )
        return 200, {"watch": answers}

    def _invalid(self, item: Any, index: int) -> dict[str, Any] | None:
        path = f"$.watch[{index}]"
        if not isinstance(item, dict):
            return error("INVALID_DATA", "invalid data", json_path=path)
        for name in ("channel_id", "events", "notify_url"):
            if not item.get(name):
                return error(
                    "MANDATORY_NOT_FOUND", "required field not found", api_name=name, json_path=f"{path}.{name}"
                )
        try:
            int(str(item["channel_id"]))
        except ValueError:
            return error("INVALID_DATA", "invalid data", api_name="channel_id", json_path=f"{path}.channel_id")
        events = item["events"]
        if not isinstance(events, list) or not all(_event_ok(e) for e in events):
            return error("INVALID_DATA", "invalid data", api_name="events", json_path=f"{path}.events")
        token = item.get("token")
        if token is not None and (not isinstance(token, str) or len(token) > 50):
            return error("INVALID_DATA", "invalid data", api_name="token", json_path=f"{path}.token", maximum_length=50)
        if not str(item["notify_url"]).startswith(("http://", "https://")):
            return error("INVALID_DATA", "invalid data", api_name="notify_url", json_path=f"{path}.notify_url")
        return None

    @staticmethod
    def _expiry(value: Any, now: datetime) -> datetime:
        try:
            asked = datetime.fromisoformat(str(value)) if value else None
        except ValueError:
            asked = None
        if asked is None or asked.tzinfo is None or asked <= now or asked - now > MAX_EXPIRY:
            return now + DEFAULT_EXPIRY
        return asked

    def _describe(self, channel: Channel, modules: list[str], expiry: bool = True) -> list[dict[str, Any]]:
        out = []
        for module in modules:
            entry: dict[str, Any] = {
                "resource_uri": f"{self.resource_base}/{module}",
                "resource_id": _module_id(module),
                "resource_name": module,
                "channel_id": channel.channel_id,
            }
            if expiry:
                entry = {"channel_expiry": zoho_time(channel.expiry), **entry}
            out.append(entry)
        return out

    # deliveries ---------------------------------------------------------------------------

    def notify(self, change: Change, now: datetime) -> None:
        if not change.ids:
            return
        for channel in self.live(now):
            if not channel.wants(change.module, change.operation):
                continue
            body: dict[str, Any] = {
                "server_time": int(now.timestamp() * 1000),
                "query_params": dict(parse_qsl(urlsplit(channel.notify_url).query)),
                "module": change.module,
                "resource_uri": f"{self.resource_base}/{change.module}",
                "ids": list(change.ids),
                "affected_fields": [{i: change.affected[i]} for i in change.ids if i in change.affected],
                "operation": change.operation,
                "channel_id": channel.channel_id,
                "token": channel.token,
            }
            if channel.return_affected_field_values and change.operation == "update":
                body["affected_values"] = [
                    {"record_id": i, "values": plain(change.values.get(i, {}))} for i in change.ids
                ]
            with self.lock:
                copies = 1
                if self.faults.drop > 0:
                    self.faults.drop -= 1
                    self.deliveries.append(Delivery(channel.channel_id, channel.notify_url, body, dropped=True))
                    continue
                if self.faults.twice > 0:
                    self.faults.twice -= 1
                    copies = 2
            for _ in range(copies):
                self.outbox.put(Delivery(channel.channel_id, channel.notify_url, body))

    def _run(self) -> None:
        while True:
            delivery = self.outbox.get()
            if delivery is None:
                return
            if self.faults.delay > 0:
                time.sleep(self.faults.delay)
            data = json.dumps(delivery.body).encode()
            request = urllib.request.Request(  # noqa: S310 (http(s) only: checked when the channel was enabled)
                delivery.url, data=data, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the channel's URL)
                    delivery.status = response.status
            except urllib.error.HTTPError as err:
                delivery.status = err.code
            except OSError:
                delivery.status = None
            delivery.sent_at = time.monotonic()
            with self.lock:
                self.deliveries.append(delivery)
            self.outbox.task_done()

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until every queued delivery has been attempted (tests)."""
        deadline = time.monotonic() + timeout
        while self.outbox.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self.outbox.put(None)


def _event_ok(event: Any) -> bool:
    if not isinstance(event, str) or event.count(".") != 1:
        return False
    module, verb = event.split(".")
    return module in MODULES and verb in ("create", "edit", "delete", "all")


def _module_id(module: str) -> str:
    """A stable module id (Zoho answers the module's numeric id)."""
    return str(5725767000000002175 + 2 * MODULES.index(module))
