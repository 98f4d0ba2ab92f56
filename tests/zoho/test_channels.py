"""Zoho CRM notification channels against the simulator over HTTP (enabled, listed, renewed before
their week is out, re-created once lost, disabled), and the pure plan that decides which."""

from datetime import timedelta

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from tests.zoho.conftest import NOW, client
from xerosync.sources.port import StoreError
from xerosync.sources.zoho.channels import EXPIRY, RENEW_MARGIN, Channel, events_for, plan_channels

URL = "https://stack.example/webhooks/zoho"
TOKEN = "xerosync-zoho-7f3a9c2e4b1d"


def wanted(channel_id: str = "1105420521999070702", modules: tuple[str, ...] = ("Accounts", "Invoices")) -> Channel:
    return Channel(channel_id, events_for(modules), URL, TOKEN)


# --- against the simulator ------------------------------------------------------------------------
def test_a_channel_is_enabled_for_six_days_and_listed_as_enabled(crm: Simulator) -> None:
    api = client(crm)
    expiry = api.enable_channel(wanted())
    assert expiry == crm.now() + EXPIRY
    [listed] = api.channels()
    assert (listed.channel_id, listed.notify_url, listed.token, listed.expiry) == (wanted().channel_id, URL, TOKEN,
                                                                                   expiry)  # fmt: skip
    assert listed.events == frozenset({"Accounts.all", "Invoices.all"})
    assert TOKEN not in repr(listed)


def test_the_client_never_asks_for_more_than_zohos_week(crm: Simulator) -> None:
    # Zoho would silently answer one hour: the client refuses to ask
    with pytest.raises(StoreError, match="within 7 days"):
        client(crm).enable_channel(wanted(), expiry=crm.now() + timedelta(days=7, seconds=1))
    with pytest.raises(StoreError, match="1 to 50 characters"):
        client(crm).enable_channel(Channel("1", events_for(["Accounts"]), URL, "x" * 51))
    assert client(crm).channels() == []


def test_a_channel_expiring_within_the_margin_is_renewed_and_one_lost_is_recreated(crm: Simulator) -> None:
    api = client(crm)
    want = [wanted()]
    # Given the first run: the channel is created
    assert [p.action for p in api.keep_channels(want)] == ["create"]
    first = api.channels()[0].expiry
    assert first is not None
    # When a run comes half a day later: nothing to do
    crm.clock.advance(12 * 3600)
    assert [p.action for p in api.keep_channels(want, known=[want[0].channel_id])] == ["ok"]
    # When a run comes within a day of the expiry: renewed (PUT) to six days from then
    crm.clock.advance((EXPIRY - RENEW_MARGIN - timedelta(hours=12) + timedelta(minutes=1)).total_seconds())
    assert [p.action for p in api.keep_channels(want, known=[want[0].channel_id])] == ["renew"]
    [renewed] = api.channels()
    assert renewed.expiry == crm.now() + EXPIRY and renewed.expiry > first
    # When the job misses a week (the channel expired: Zoho no longer lists it, delivers nothing)
    crm.clock.advance(EXPIRY.total_seconds() + 1)
    assert api.channels() == []
    # Then the next run re-creates it, not creates: the gap is the reconciliation's to fill
    [plan] = api.keep_channels(want, known=[want[0].channel_id])
    assert plan.action == "recreate" and "lost" in plan.reason
    assert [c.channel_id for c in api.channels()] == [want[0].channel_id]


def test_changed_modules_replace_the_channels_events_and_a_stray_channel_is_disabled(crm: Simulator) -> None:
    api = client(crm)
    api.enable_channel(wanted(modules=("Accounts",)))
    api.enable_channel(wanted("42"))
    plans = api.keep_channels([wanted(modules=("Accounts", "Products"))])
    assert [(p.action, p.channel.channel_id) for p in plans] == [("replace", wanted().channel_id), ("disable", "42")]
    [listed] = api.channels()
    assert listed.events == frozenset({"Accounts.all", "Products.all"})


# --- the plan, pure ---------------------------------------------------------------------------------
def test_the_plan() -> None:
    want = wanted()
    fresh = Channel(want.channel_id, want.events, URL, TOKEN, NOW + timedelta(days=5))
    soon = Channel(want.channel_id, want.events, URL, TOKEN, NOW + RENEW_MARGIN)
    other_token = Channel(want.channel_id, want.events, URL, "another", NOW + timedelta(days=5))
    three = frozenset({"Accounts.create", "Accounts.edit", "Accounts.delete", "Invoices.all"})
    spelled_out = Channel(want.channel_id, three, URL, TOKEN, NOW + timedelta(days=5))
    elsewhere = Channel("9", want.events, "https://other.example/hook", "t", NOW)

    def actions(existing: list[Channel], known: tuple[str, ...] = ()) -> list[str]:
        return [p.action for p in plan_channels(existing, [want], NOW, known=known)]

    assert actions([fresh]) == ["ok"]
    assert actions([spelled_out]) == ["ok"]  # create, edit and delete are "all"
    assert actions([soon]) == ["renew"]
    assert actions([other_token]) == ["replace"]
    assert actions([]) == ["create"]
    assert actions([], known=(want.channel_id,)) == ["recreate"]
    assert actions([fresh, elsewhere]) == ["ok"]  # another app's channel is left alone
    plan = plan_channels([other_token], [want], NOW)[0]
    assert "another" not in plan.reason and TOKEN not in repr(plan)


def test_the_ports_webhook_check_keeps_one_channel_for_the_synced_modules(crm: Simulator) -> None:
    # the reconciliation calls subscriptions() on its schedule: that is the channels' keeper
    api = client(crm)
    api.modules = ("Accounts", "Contacts", "Invoices", "Products")
    memory: dict[str, object] = {}

    def check() -> list[tuple[str, str]]:
        done = api.subscriptions(URL, lambda: TOKEN, {"customer", "order"}, memory, crm.now(), repair=True)
        assert done.installed_at == NOW
        return [(a.action, a.detail.split(" ")[0]) for a in done.actions]

    assert check() == [("create", "not")]
    [listed] = api.channels()
    assert listed.events == frozenset({"Accounts.all", "Contacts.all", "Invoices.all"})  # no Products: not a kind asked
    assert listed.token == TOKEN and listed.notify_url == URL
    assert check() == [("ok", "expires")]
    crm.clock.advance((EXPIRY - RENEW_MARGIN).total_seconds() + 60)
    assert check() == [("ok", "expires")]  # renewed: routine, not a repair
    crm.clock.advance((EXPIRY + timedelta(seconds=1)).total_seconds())
    assert check() == [("create", "lost")]  # expired meanwhile: re-created
    assert api.subscriptions(URL, lambda: TOKEN, {"order"}, {}, crm.now(), repair=False).actions == []
