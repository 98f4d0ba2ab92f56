"""The simulator: one Zoho CRM organisation in one data centre, its accounts servers, records,
notification channels and limits, on a clock a test can move."""

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local.http import QuietHTTPServer, serve
from local.shopify_store.clock import ShopClock, system_clock
from local.zoho_crm.auth import DATA_CENTRES, Accounts, Client, User
from local.zoho_crm.limits import Limits
from local.zoho_crm.records import ALL_TRIGGERS, Change, Store
from local.zoho_crm.watch import Channels


class ZohoCRM:
    def __init__(
        self,
        dc: str = "com",
        edition: str = "enterprise",
        users: int = 10,
        client: Client | None = None,
        base_clock: Callable[[], datetime] = system_clock,
        scale: float = 1.0,
    ) -> None:
        self.dc = dc
        self.clock = ShopClock(base_clock, scale)
        self.accounts = Accounts(dc, client or Client())
        self.limits = Limits(edition, users)
        self.store = Store(self.now)
        self.user = self.store.add_user(User("5725767000000411001", "Org Admin", "admin@zylker.example"))
        self.latency = 0.0  # real seconds each API call holds its concurrency slot (tests of the limit)
        self.gate: threading.Event | None = None  # when set to a cleared Event, API calls wait for it
        self.server: QuietHTTPServer | None = None
        self.url = ""
        self.channels: Channels | None = None
        self.cursors: dict[str, dict[str, Any]] = {}  # page_token → where the next page starts

    def now(self) -> datetime:
        return self.clock()

    # where things are
    def accounts_url(self, dc: str | None = None) -> str:
        return f"{self.url}/accounts/{dc or self.dc}"

    def api_domain(self, dc: str | None = None) -> str:
        return f"{self.url}/api/{dc or self.dc}"

    def start(self, port: int = 0, host: str = "127.0.0.1") -> "ZohoCRM":
        from local.zoho_crm.server import route

        self.server = serve(lambda m, t, h, b: route(self, m, t, h, b), host, port, "zoho-crm")
        self.url = f"http://{host}:{self.server.server_address[1]}"
        # the docs' resource_uri names the real API domain; here the simulator's own
        self.channels = Channels(f"{self.api_domain()}/crm/v2")
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.channels is not None:
            self.channels.stop()

    # helpers for tests and the generator
    def refresh_token(self, user: User | None = None) -> str:
        """A refresh token as the Self Client flow leaves one (grant → token, done in-process)."""
        return self.accounts.issue_refresh_token(user or self.user, self.now())

    def changed(self, change: Change) -> None:
        if self.channels is not None:
            self.channels.notify(change, self.now())

    def hold(self) -> None:
        """Keep an API call in flight: until ``gate`` opens (at most 10 s), then ``latency`` seconds."""
        if self.gate is not None:
            self.gate.wait(10)
        if self.latency:
            time.sleep(self.latency)

    def user_edit(self, module: str, rows: list[dict[str, Any]], user: User | None = None) -> list[dict[str, Any]]:
        """A change made in the CRM's own screens (not through the API): every trigger runs and the
        channels are told, as for an API write. Rows with an ``id`` update, rows without create."""
        who = user or self.user
        answers: list[dict[str, Any]] = []
        creates, updates = [r for r in rows if "id" not in r], [r for r in rows if "id" in r]
        if creates:
            done, change = self.store.create(module, creates, ALL_TRIGGERS, who)
            answers += done
            self.changed(change)
        if updates:
            done, change = self.store.update(module, updates, ALL_TRIGGERS, who)
            answers += done
            self.changed(change)
        return answers

    @staticmethod
    def data_centres() -> dict[str, tuple[str, str]]:
        return dict(DATA_CENTRES)
