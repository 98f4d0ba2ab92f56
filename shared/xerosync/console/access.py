"""Signing in and out: ``GET /console/signin?token=`` (a page with a button), ``POST /console/signin``
(the token for a session) and ``POST /console/signout``."""

from xerosync.console import auth, context
from xerosync.console.page import Html, page, problem, tag
from xerosync.console.web import Request, Response, redirect, router

TOKEN_FIELD = "token"  # noqa: S105 - the query parameter's name


@router.get("/console/signin")
def signin_page(request: Request) -> Response:
    """The link's page: a "Sign in" button, the token consumed by nothing here. Mail scanners and
    link previews fetch a link before its reader does; a GET that spent the token would leave the
    reader a used link. The referrer policy stays ``same-origin`` (the button's POST goes to the
    console itself, and under ``no-referrer`` Chromium would send it with ``Origin: null``)."""
    token = request.query.get(TOKEN_FIELD, "")
    if not token or len(token) > 200:
        return problem(401, "This sign-in link does not work", "It has no token. " + auth.HOW_TO_SIGN_IN)
    # no action: the form posts to this very URL, token and all, so the page never renders the token
    form = Html(f'<form method="post">{tag("button", "Sign in", type="submit", id="signin")}</form>')
    return page("Sign in", Html(tag("p", "Sign in to the xerosync console with this link (good once).") + form))


@router.post("/console/signin")
def signin(request: Request) -> Response:
    """The link's token (in the query: the button posts to the link's own URL) for a session. No
    session yet, so no synchronizer token: the link's token is the proof, and the request must come
    from the console's own page (``Origin``, ``Sec-Fetch-Site``), so that another site cannot sign a
    browser in to a session of its choosing. The answer is a 303 to the console: the POST is the
    console's own, so the new SameSite=Strict cookie goes along."""
    if not auth.same_origin(request):
        return problem(403, "Refused", "This sign-in came from elsewhere: open the link itself and press Sign in.")
    session = auth.sign_in(auth.sessions(), request.query.get(TOKEN_FIELD, ""))
    if session is None:
        return problem(
            401,
            "This sign-in link does not work",
            "It was used already, has expired, or was mistyped. " + auth.HOW_TO_SIGN_IN,
        )
    context.audit(session, "console", "signed in", "signed in to the console")
    return redirect("/console", cookies=[auth.session_cookie(session)])


@router.post("/console/signout")
@auth.signed_in
def signout(request: Request) -> Response:
    auth.sessions().end(request.session.digest)
    context.audit(request.session, "console", "signed out", "signed out of the console")
    return redirect("/console/signedout", cookies=[auth.cleared_cookie()])


@router.get("/console/signedout")
def signedout(request: Request) -> Response:
    return page("Signed out", tag("p", "You are signed out. " + auth.HOW_TO_SIGN_IN))
