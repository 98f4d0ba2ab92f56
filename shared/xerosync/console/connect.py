"""Connect: the Xero organisation (a standard app's consent) and the store's API credentials.

* ``GET /console/connect``: what is connected, "Connect to Xero" (``#connect-xero``), "Disconnect"
  (``#disconnect-xero``), the store's credentials form (:mod:`xerosync.console.store_credentials`).
* ``GET /connect/xero`` (signed in): a new ``state`` and PKCE verifier kept server-side for ten
  minutes, single use (:class:`xerosync.aws.consent_state.DynamoConsents`), then Xero's consent.
* ``GET /connect/xero/callback``: Xero's redirect. It comes from another site, so no SameSite=Strict
  session cookie comes with it: the ``state`` ties it to the signed-in request that started it
  (RFC 6749 section 10.12). One organisation: connected here; several: Xero's answer waits
  server-side for the chooser (:meth:`xerosync.aws.consent_state.DynamoConsents.put_parked`: ten
  minutes, bound to the session, under the digest of a random reference), and the browser gets
  only that reference; either way the answer is a page that moves on to a console page by itself
  (a same-site navigation, where the session applies again).
* ``GET /connect/xero/choose?c=<reference>`` and ``POST /connect/xero/choose`` (signed in, the
  same session that started it): choose the organisation (``#tenant-<id>``, ``#choose-organisation``).
* ``POST /connect/xero/disconnect`` (signed in, CSRF): ``DELETE /connections/{id}`` at Xero, the
  token set cleared.

Each change goes to the sync log with who made it (:mod:`xerosync.connect.xero`). No token,
verifier or code is rendered or logged; messages name what happened, not values.
"""

import json
import secrets
import time

from xerosync.connect.xero import Consent, ConsentRefused, NotReady, refusal
from xerosync.console import context
from xerosync.console.auth import csrf_field, digest, signed_in
from xerosync.console.page import Html, badge, esc, join, link, moving_on, page, problem, table, tag
from xerosync.console.web import Request, Response, redirect, router
from xerosync.xero.errors import XeroError
from xerosync.xero.oauth import Pkce, new_state

CONSENT_SECONDS = 600  # a consent started must come back within this (Xero's code lives 5 minutes)
CALLBACK = "/connect/xero/callback"
REFERENCE_BYTES = 24  # the chooser's reference to a parked consent: random, and nothing but a reference
PAGE = "/console/connect"
# what ?done= and ?error= may say: fixed words, so nothing from a link reaches the page as text
# (what Xero or the store said is in the sync log, shown below them)
DONE = {
    "connected": "Xero is connected.",
    "disconnected": "Xero is disconnected: the stack stops writing to it.",
    "store": "The store's credentials are saved.",
}
ERRORS = {
    "cancelled": "The connection to Xero was cancelled: nothing changed. Connect again when you are ready.",
    "refused": "Xero did not connect: what it said is in the latest changes below. Nothing changed.",
    "noapp": "The stack has no Xero app yet: put the app's client_id and client_secret in XeroCredentialsSecret, "
    "with this stack's /connect/xero/callback as a redirect URI of the app.",
    "custom": "This stack uses a custom connection: disconnect it in Xero's developer portal.",
    "disconnect": "Xero did not disconnect: what it said is in the latest changes below.",
    "store": "The store refused the credentials, or did not answer: see the latest changes below. Nothing was saved.",
    "fields": "Some required fields are empty: nothing was saved.",
    "storedenied": "The key was denied on the store's approve page: nothing changed.",
    "address": "The store's URL must be a plain http(s) address: nothing changed.",
}


# --- the page ------------------------------------------------------------------------------------
@router.get(PAGE)
@signed_in
def connect_page(request: Request) -> Response:
    from xerosync.console.store_credentials import store_section

    connector = context.xero_connect()
    status = connector.status()
    words = {
        "none": "No Xero app yet: put its client ID and secret in XeroCredentialsSecret first.",
        "custom connection": "No consent stored here: the credentials are used as a custom connection "
        "(client credentials), which reaches its organisation by itself. A standard app needs Connect to Xero.",
        "connected": f"Connected to {status.tenant_name or status.tenant_id}.",
        "broken": f"Not working: {status.problem}",
    }
    state = badge({"connected": "ok", "custom connection": "custom"}.get(status.kind, "failed"))
    xero = Html(
        tag("h2", "Xero")
        + tag("p", Html(state + esc(" " + words.get(status.kind, status.kind))), id="xero-status")
        + tag(
            "p",
            link(
                "/connect/xero",
                "Reconnect Xero" if status.kind == "connected" else "Connect to Xero",
                id="connect-xero",
            ),
        )
    )
    if status.kind in ("connected", "broken"):
        xero = Html(
            xero
            + tag(
                "form",
                Html(
                    csrf_field(request.session)
                    + tag("button", "Disconnect Xero", type="submit", id="disconnect-xero", class_="secondary")
                ),
                method="post",
                action="/connect/xero/disconnect",
                class_="row",
            )
        )
    content = Html(xero + store_section(request.session) + _latest())
    done = DONE.get(request.query.get("done", ""), "")
    return page(
        "Connect", content, session=request.session, flash=done, error=ERRORS.get(request.query.get("error", ""), "")
    )


def _latest() -> Html:
    """The latest connection changes and refusals, with who made them (the sync log's words)."""
    from xerosync.connect import store, xero

    journal = context.journal()
    entries = sorted(
        journal.by_record(xero.LOG_KEY) + journal.by_record(store.LOG_KEY), key=lambda e: e.at, reverse=True
    )[:6]
    rows = [[e.at[:19].replace("T", " "), badge(e.outcome), e.action, e.reason] for e in entries]
    return Html(tag("h2", "Latest changes") + tag("div", table(["when", "", "what", ""], rows), id="connect-log"))


# --- the consent ---------------------------------------------------------------------------------
@router.get("/connect/xero")
@signed_in
def start(request: Request) -> Response:
    connector = context.xero_connect()
    state, pkce = new_state(), Pkce.new()
    redirect_uri = request.origin + CALLBACK
    try:
        url = connector.authorize_url(redirect_uri, state, pkce.challenge)
    except NotReady:
        return redirect(f"{PAGE}?error=noapp")
    fields = {"who": request.session.who, "session": request.session.digest, "verifier": pkce.verifier}
    context.consents().put_pending(
        digest(state), {**fields, "redirect_uri": redirect_uri}, time.time() + CONSENT_SECONDS
    )
    return Response(status=302, headers={"location": url})


@router.get(CALLBACK)
def callback(request: Request) -> Response:
    state = request.query.get("state", "")
    pending = context.consents().take_pending(digest(state), time.time()) if 0 < len(state) <= 200 else None
    if pending is None:
        return problem(
            400,
            "This Xero connection is unknown",
            "It was finished already, started more than ten minutes ago, or not started from this console: "
            "start again from the console's Connect page.",
        )
    connector = context.xero_connect()
    who = pending["who"]
    error = request.query.get("error", "")
    if error or not request.query.get("code"):
        said = refusal(error or "no code", request.query.get("error_description", "")[:200])
        connector.refused(who, said, via="console")
        to = f"{PAGE}?error={'cancelled' if error == 'access_denied' else 'refused'}"
        return moving_on("Xero did not connect", said, to, status=400)
    try:
        consent = connector.consent(request.query["code"], pending["redirect_uri"], pending["verifier"])
        if len(consent.organisations) == 1:
            chosen = connector.connect(consent, consent.organisations[0].tenant_id, who, via="console")
            return moving_on("Xero connected", f"Connected to {chosen.tenant_name}.", f"{PAGE}?done=connected")
    except (ConsentRefused, NotReady, XeroError) as exc:
        said = f"Xero did not connect: {exc}"
        connector.refused(who, said, via="console")
        return moving_on("Xero did not connect", said, f"{PAGE}?error=refused", status=400)
    # Xero's answer stays in the stack's table (encrypted at rest by DynamoDB, as the token set it
    # becomes is); the browser holds only a random reference to it, kept there as its digest
    reference = secrets.token_urlsafe(REFERENCE_BYTES)
    context.consents().put_parked(
        digest(reference),
        {"consent": json.dumps(consent.dump()), "session": pending["session"], "who": who},
        time.time() + CONSENT_SECONDS,
    )
    return moving_on(
        "Choose the organisation",
        "Xero connected several organisations: choose one.",
        f"/connect/xero/choose?c={reference}",
    )


def _parked(request: Request, reference: str, *, take: bool) -> Consent | Response:
    store = context.consents()
    parked = digest(reference) if 0 < len(reference) <= 200 else ""
    found = store.peek_parked(parked, time.time()) if parked else None
    # (no "consent": parked by an earlier version of the console, sealed: it asks to connect again)
    if found is None or found.get("session") != request.session.digest or "consent" not in found:
        return problem(
            400,
            "This choice has expired",
            "Choosing an organisation must follow its consent within ten minutes, in the same session: connect again.",
            session=request.session,
        )
    if take and store.take_parked(parked, time.time()) is None:  # another request chose meanwhile
        return redirect(f"{PAGE}?done=connected")
    return Consent.load(json.loads(found["consent"]))


@router.get("/connect/xero/choose")
@signed_in
def choose_page(request: Request) -> Response:
    reference = request.query.get("c", "")
    consent = _parked(request, reference, take=False)
    if isinstance(consent, Response):
        return consent
    options = join(
        tag(
            "label",
            Html(
                f'<input type="radio" name="tenant" id="tenant-{esc(o.tenant_id)}" value="{esc(o.tenant_id)}"'
                f"{' checked' if i == 0 else ''}> " + esc(o.tenant_name)
            ),
            for_=f"tenant-{o.tenant_id}",
        )
        for i, o in enumerate(sorted(consent.organisations, key=lambda o: o.tenant_name.lower()))
    )
    form = tag(
        "form",
        Html(
            csrf_field(request.session)
            + f'<input type="hidden" name="c" value="{esc(reference)}">'
            + tag("fieldset", Html(tag("legend", "Organisation") + options), id="organisations")
            + tag("button", "Connect this organisation", type="submit", id="choose-organisation")
        ),
        method="post",
        action="/connect/xero/choose",
    )
    note = tag(
        "p",
        "This stack writes to one organisation. The others stay connected to the Xero app until you "
        "disconnect them in Xero (Settings > Connected apps).",
        class_="muted",
    )
    return page("Choose the Xero organisation", Html(form + note), session=request.session)


@router.post("/connect/xero/choose")
@signed_in
def choose(request: Request) -> Response:
    consent = _parked(request, request.form.get("c", ""), take=True)
    if isinstance(consent, Response):
        return consent
    connector = context.xero_connect()
    try:
        connector.connect(consent, request.form.get("tenant", ""), request.session.who, via="console")
    except (ConsentRefused, NotReady, XeroError) as exc:
        connector.refused(request.session.who, f"Xero did not connect: {exc}", via="console")
        return redirect(f"{PAGE}?error=refused")
    return redirect(f"{PAGE}?done=connected")


@router.post("/connect/xero/disconnect")
@signed_in
def disconnect(request: Request) -> Response:
    connector = context.xero_connect()
    try:
        connector.disconnect(request.session.who, via="console")
    except NotReady:
        return redirect(f"{PAGE}?error=custom")
    except XeroError as exc:
        connector.refused(request.session.who, f"Xero did not disconnect: {exc}", via="console")
        return redirect(f"{PAGE}?error=disconnect")
    return redirect(f"{PAGE}?done=disconnected")
