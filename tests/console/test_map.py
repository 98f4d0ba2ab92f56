"""Map over real HTTP: the console's local stack (its ConsoleFunction, the Xero sandbox's lists, the
WooCommerce simulator's tax rates, gateways, statuses and orders).

The form is posted as a browser posts it: every field the page renders, with the one change."""

import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from html.parser import HTMLParser

import httpx
import pytest
import yaml

from tests.console.conftest import OnStack, signed_in
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e  # the whole local stack

SETTINGS = """\
invoice_prefix: "WC-"
accounts: {sales: "200", shipping: "210", fees: "220", rounding: "860"}
tax:
  rates: {"1": OUTPUT}
  no_tax: EXEMPTOUTPUT
  rounding: BASEXCLUDED
payments:
  accounts: {stripe: "092", ppcp-gateway: "093"}
# settings the form does not show: a save must keep every one
pull: {mark_paid: true, stock_items: [TENT-1]}
reconcile: {overlap_seconds: 300, customer_sweep_hours: 12}
items: {unknown_sku: description, long_sku: skip}
store: {paid_status: completed, paid_statuses: [processing, completed]}
settlements: {overlap_days: 5}
"""


@dataclass
class Mapped(OnStack):
    order_id: int
    client_id: str
    client_secret: str

    def version(self) -> tuple[str, int]:
        found = self.stack.client("ssm").get_parameter(Name=self.stack.outputs["SettingsParameterName"])["Parameter"]
        return found["Value"], found["Version"]

    def xero_reads(self) -> int:
        lists = ("GET /Accounts", "GET /TaxRates", "GET /TrackingCategories")
        return sum(n for (_, endpoint), n in self.site.sandbox.state.calls.items() if endpoint in lists)


@pytest.fixture(scope="module")
def mapped(site: Stack) -> Iterator[Mapped]:
    """The console's stack with these settings (the stack's own put back after), and an order the
    store placed and the stack synced (so the sync log has it)."""
    stack, woo = site.stack, site.store
    assert woo is not None
    original, _ = Mapped(site, 0, "", "").version()
    stack.put_settings(SETTINGS)
    tent = woo.add_product("Map Tent", "110.00", sku="TENT-1")
    order = woo.place_order(
        [(tent.id, 1)],
        billing={"email": "jo@example.com", "first_name": "Jo", "country": "AU", "state": "VIC"},
        status="processing",
        paid=True,
        payment_method="stripe",
    )
    woo.flush_webhooks()
    assert stack.wait_idle(60)
    credentials = OnStack(site).secret("XeroCredentialsSecret")
    try:
        yield Mapped(site, order.id, credentials["client_id"], credentials["client_secret"])
    finally:
        stack.put_settings(original)


class Form(HTMLParser):
    """The fields of ``#map-form`` as a browser would post them (selected options, input values)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "map-form":
            self._inside = True
        if not self._inside:
            return
        if tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self.fields[a["name"]] = ""
            self.options[a["name"]] = []
        elif tag == "option" and self._select is not None:
            self.options[self._select].append(a.get("value", ""))
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


def read_form(page: str) -> Form:
    form = Form()
    form.feed(page)
    assert form.fields, "the page has no settings form"
    return form


def post(client: httpx.Client, path: str, fields: dict[str, str]) -> httpx.Response:
    return client.post(path, data=fields, headers={"Origin": str(client.base_url).rstrip("/")})


def error_of(page: str, field_id: str) -> str:
    start = page.index(f'id="{field_id}-error"')
    return page[page.index(">", start) + 1 : page.index("</p>", start)]


def test_every_map_route_refuses_without_a_session_or_a_csrf_token(mapped: Mapped) -> None:
    before = mapped.version()
    anonymous = httpx.Client(base_url=mapped.stack.api_url, timeout=30)
    assert anonymous.get("/console/map").status_code == 401
    for path in ("/console/map", "/console/map/preview"):
        assert post(anonymous, path, {"accounts.sales": "210"}).status_code == 401
    client = signed_in(mapped.site)
    fields = read_form(client.get("/console/map").text).fields
    for path in ("/console/map", "/console/map/preview"):
        without = {k: v for k, v in fields.items() if k != "csrf"} | {"accounts.sales": "210"}
        assert post(client, path, without).status_code == 403
        assert post(client, path, {**without, "csrf": "forged"}).status_code == 403
    assert mapped.version() == before  # nothing saved


def test_the_lists_come_from_xero_and_the_store(mapped: Mapped) -> None:
    client = signed_in(mapped.site)
    form = read_form(client.get("/console/map", params={"reread": "1"}).text)
    assert "201" not in form.options["accounts.sales"]
    assert {"200", "210", "090"} <= set(form.options["accounts.sales"])
    assert "INPUT" not in form.options["tax.no_tax"] and "OUTPUT" in form.options["tax.no_tax"]  # sales tax only
    assert "tax.rates[1]" in form.fields  # the store's GST rate, by its id
    assert {"payments.accounts[stripe]", "payments.accounts[bacs]", "payments.accounts[cheque]"} <= set(form.fields)
    assert form.fields["store.order_statuses[on-hold]"] == ""  # the store's status, at its default
    reads = mapped.xero_reads()
    with httpx.Client(base_url=mapped.site.sandbox.url) as xero:  # the merchant adds an account in Xero
        token = xero.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            auth=(mapped.client_id, mapped.client_secret),
        ).json()["access_token"]
        added = xero.put(
            "/api.xro/2.0/Accounts",
            json={"Code": "201", "Name": "Sales - Wholesale", "Type": "REVENUE"},
            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": mapped.site.org.tenant_id},
        )
        assert added.status_code == 200, added.text
    kept = read_form(client.get("/console/map").text)
    assert "201" not in kept.options["accounts.sales"] and mapped.xero_reads() == reads  # kept a minute
    fresh = read_form(client.get("/console/map", params={"reread": "1"}).text)
    assert "201" in fresh.options["accounts.sales"]
    assert mapped.xero_reads() == reads + 3  # one page view: Accounts, TaxRates, TrackingCategories


def test_an_invalid_choice_is_refused_with_the_checks_message_and_nothing_saved(mapped: Mapped) -> None:
    before = mapped.version()
    client = signed_in(mapped.site)
    fields = read_form(client.get("/console/map").text).fields
    answer = post(client, "/console/map", {**fields, "accounts.sales": "999", "payments.accounts[stripe]": "200"})
    assert answer.status_code == 422
    assert error_of(answer.text, "setting-accounts-sales") == "999: no account with this code; see Chart of accounts"
    assert error_of(answer.text, "setting-payments-accounts-stripe").startswith(
        "200: account Sales does not accept payments"
    )
    assert mapped.version() == before


def test_a_save_keeps_the_previous_version_shows_the_change_and_every_other_setting(mapped: Mapped) -> None:
    old_text, old_version = mapped.version()
    client = signed_in(mapped.site, who="merchant@map.test")
    fields = read_form(client.get("/console/map").text).fields
    changed = {**fields, "accounts.shipping": "200", "payments.accounts[bacs]": "090"}
    unreviewed = post(client, "/console/map", changed)  # a save is made only as a review showed it
    assert unreviewed.status_code == 200 and "Not saved yet" in unreviewed.text and mapped.version()[1] == old_version
    review = post(client, "/console/map/preview", changed)
    assert review.status_code == 200 and 'id="map-changes"' in review.text and 'id="map-save"' in review.text
    assert "accounts.shipping" in review.text and mapped.version()[1] == old_version  # shown, not saved
    reviewed = read_form(review.text).fields
    assert reviewed["reviewed"] and reviewed["accounts.shipping"] == "200"
    saved = post(client, "/console/map", reviewed)
    assert saved.status_code == 303 and saved.headers["location"] == f"/console/map?saved={old_version + 1}"
    new_text, new_version = mapped.version()
    assert new_version == old_version + 1
    history = mapped.stack.client("ssm").get_parameter_history(Name=mapped.stack.outputs["SettingsParameterName"])
    assert {p["Version"]: p["Value"] for p in history["Parameters"]}[old_version] == old_text  # kept
    old, new = yaml.safe_load(old_text), yaml.safe_load(new_text)
    assert new["accounts"]["shipping"] == "200" and new["payments"]["accounts"]["bacs"] == "090"
    for unseen in ("pull", "reconcile", "items", "settlements", "invoice_prefix"):
        assert new[unseen] == old[unseen]
    assert new["store"]["paid_status"] == "completed" and new["store"]["paid_statuses"] == ["processing", "completed"]
    after = client.get(saved.headers["location"]).text
    changes = after[after.index('id="map-changes"') : after.index("</section>", after.index('id="map-changes"'))]
    assert "accounts.shipping" in changes and "210" in changes and "payments.accounts.bacs" in changes
    assert f"Saved as version {new_version}" in after
    # and from when the sync functions use it (a warm one keeps what it read for 5 minutes)
    saved_at = {p["Version"]: p["LastModifiedDate"] for p in history["Parameters"]}[new_version]
    due = saved_at.astimezone(UTC) + timedelta(seconds=300)
    due = due if not (due.second or due.microsecond) else due.replace(second=0, microsecond=0) + timedelta(minutes=1)
    assert f"Records synced from {due:%H:%M} UTC (5 minutes after the save) use it" in html.unescape(after)
    assert f"may still use version {old_version}" in after and "uses it at once" in after
    reasons = [entry["reason"] for entry in mapped.log("settings")]
    assert any("by merchant@map.test" in r and "accounts.shipping: 210 -> 200" in r for r in reasons), reasons
    stale = post(client, "/console/map", {**reviewed, "accounts.fees": "200"})  # the form of the old version
    assert stale.status_code == 409 and mapped.version()[1] == new_version


def test_the_preview_of_an_order_differs_when_a_tax_mapping_changes(mapped: Mapped) -> None:
    client = signed_in(mapped.site)
    # reread: another module's visit to Map (the browser tests') may have kept an older recent order a minute
    fields = read_form(client.get("/console/map", params={"reread": "1"}).text).fields
    assert fields["preview_order"] == str(mapped.order_id)  # the order most recently in the sync log
    order = {"preview_order": str(mapped.order_id)}
    same = html.unescape(post(client, "/console/map/preview", fields).text)
    assert "does not alter what is sent to Xero" in same
    assert '"TaxType": "OUTPUT"' in same
    answer = post(client, "/console/map/preview", {**fields, **order, "tax.rates[1]": "EXEMPTOUTPUT"})
    assert answer.status_code == 200
    other = html.unescape(answer.text)
    assert "The change alters what is sent to Xero for this order." in other
    diff = other[other.index('id="map-preview-diff"') : other.index('id="map-preview-current"')]
    assert '"TaxType": "EXEMPTOUTPUT"' in diff
    current = other[other.index('id="map-preview-current"') : other.index('id="map-preview-proposed"')]
    assert '"TaxType": "OUTPUT"' in current and "EXEMPTOUTPUT" not in current
