"""Connect the store from its own approve page, for a source whose store offers one (the optional
:class:`~xerosync.sources.credentials_port.KeyGrant` capability; WooCommerce's ``/wc-auth/v1``):

* ``POST /connect/store/grant`` (signed in, CSRF): a new nonce, kept server-side (only its digest)
  for ten minutes with who asked and their session, then the store's approve page (``#connect-store``
  is the button, the page that moves on is ``#connect-store-continue``).
* ``POST /connect/store/callback``: the store sends the key it made, server to server, with no
  session: the nonce is all that authenticates it, so it is looked up by its digest, compared in
  constant time and spent at once (a replay finds nothing). The key is then saved exactly as the
  typed-in form saves one (:func:`xerosync.connect.store.save`: checked with one REST call first,
  written to the sync log with who started it, never shown back). Anything but a stored key answers
  4xx, and the store deletes the key it made.
* ``GET /connect/store/return``: the store sends the browser back (cross-site: no SameSite=Strict
  cookie); Deny spends the nonce and is logged; either way a page that moves on to the Connect page.
"""

import hmac
import secrets
import time
from urllib.parse import urlsplit

from xerosync.connect import store
from xerosync.console import context
from xerosync.console.auth import Session, csrf_field, digest, signed_in
from xerosync.console.page import Html, esc, link, moving_on, page, problem, tag
from xerosync.console.web import Request, Response, redirect, router
from xerosync.sources.port import StoreError
from xerosync.sync.ports import LogEntry

GRANT_SECONDS = 600  # the administrator must approve within this
APP_NAME = "xerosync"  # what the store's approve page names
START = "/connect/store/grant"
CALLBACK = "/connect/store/callback"
RETURN = "/connect/store/return"
PAGE = "/console/connect"
UNKNOWN = (
    "It was finished already, started more than ten minutes ago, or not started from this console: "
    "start again from the console's Connect page."
)


def _key(nonce: str) -> str:
    """Where a nonce's grant is kept: its digest, never the nonce (a different prefix from Xero's
    ``state``, so neither callback can spend the other's)."""
    return digest("store-grant:" + nonce)


def _result(key: str) -> str:
    return f"store-grant#{key}"


def grant_section(session: Session, address: str) -> Html:
    """The "Connect the store" form, or nothing for a source whose store offers no approve page."""
    if context.key_grant() is None:
        return Html("")
    form = tag(
        "form",
        Html(
            csrf_field(session)
            + tag(
                "label",
                Html(
                    esc("Store URL")
                    + Html(f'<input name="address" id="grant-address" value="{esc(address)}" type="url" required>')
                ),
                for_="grant-address",
            )
            + tag("button", "Connect the store", type="submit", id="connect-store")
        ),
        method="post",
        action=START,
        class_="row",
    )
    note = tag(
        "p",
        "The store shows its own page to approve read/write access for xerosync, and sends the key it makes "
        "straight to this stack. Or type a key in below.",
        class_="muted",
    )
    return Html(form + note)


@router.post(START)
@signed_in
def start(request: Request) -> Response:
    grant = context.key_grant()
    if grant is None:
        return redirect(PAGE)
    address = request.form.get("address", "").strip().rstrip("/")
    url = urlsplit(address)
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        return redirect(f"{PAGE}?error=address")
    nonce = secrets.token_urlsafe(24)
    fields = {"who": request.session.who, "session": request.session.digest, "address": address}
    context.consents().put_pending(_key(nonce), {**fields, "check": _key(nonce)}, time.time() + GRANT_SECONDS)
    base = request.origin
    to = grant.approve_url(
        address, app_name=APP_NAME, nonce=nonce, return_url=base + RETURN, callback_url=base + CALLBACK
    )
    _log("requested", f"by {request.session.who} via console: sent to the store's approve page at {address}")
    body = Html(
        tag("p", "The store asks you to approve xerosync's access.", id="connect-message")
        + tag("p", link(to, "Continue to the store", id="connect-store-continue"))
    )
    return page("Approve at the store", body, refresh=0, refresh_to=to)


def _pending(nonce: str) -> dict[str, str] | None:
    """The grant this nonce started, spent (single use); None for anything else."""
    if not 0 < len(nonce) <= 200:
        return None
    key = _key(nonce)
    found = context.consents().take_pending(key, time.time())
    if found is None or not hmac.compare_digest(found.get("check", ""), key):
        return None
    return found


@router.post(CALLBACK)
def callback(request: Request) -> Response:
    grant, form = context.key_grant(), context.store_form()
    if grant is None or form is None:
        return Response(status=404, body="no key grant here", content_type="text/plain")
    try:
        granted = grant.granted(request.body)
    except StoreError as exc:
        return Response(status=400, body=f"{exc}", content_type="text/plain")
    pending = _pending(granted.nonce)
    if pending is None:
        return Response(status=403, body="unknown, spent or expired user_id", content_type="text/plain")
    secret = context.store_secret()
    entered = {grant.address: pending["address"], **granted.fields}
    who = f"{pending['who']} (approved at the store)"
    outcome, status = "saved", 200
    try:
        store.save(form, entered, read=secret.read, write=secret.write, who=who, journal=context.journal())
    except StoreError:  # logged by save, with what the store said
        outcome, status = "refused", 400
    context.consents().put_parked(_result(_key(granted.nonce)), {"outcome": outcome}, time.time() + GRANT_SECONDS)
    return Response(status=status, body=outcome, content_type="text/plain")


@router.get(RETURN)
def returned(request: Request) -> Response:
    grant = context.key_grant()
    answer = grant.returned(request.query) if grant is not None else None
    if answer is None:
        return problem(400, "This store connection is unknown", UNKNOWN)
    nonce, approved = answer
    if not approved:
        pending = _pending(nonce)
        if pending is None:
            return problem(400, "This store connection is unknown", UNKNOWN)
        _log("refused", f"by {pending['who']} via console: denied at the store's approve page: nothing saved")
        return moving_on("The store did not connect", "The store's key was denied.", f"{PAGE}?error=storedenied")
    result = context.consents().take_parked(_result(_key(nonce)), time.time()) if 0 < len(nonce) <= 200 else None
    if result is None:
        return problem(400, "This store connection is unknown", UNKNOWN)
    if result.get("outcome") == "saved":
        return moving_on("Store connected", "The store's key is saved.", f"{PAGE}?done=store")
    return moving_on("The store did not connect", "The store's key was not saved.", f"{PAGE}?error=store")


def _log(outcome: str, reason: str) -> None:
    entry = LogEntry(key=store.LOG_KEY, outcome=outcome, action="store key grant", topic="console", reason=reason)
    context.journal().write(entry)
