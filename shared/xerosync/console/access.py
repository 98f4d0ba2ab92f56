"""Signing in and out: ``GET /console/signin?token=`` and ``POST /console/signout``."""

from xerosync.console import auth, context
from xerosync.console.page import Html, link, page, problem, tag
from xerosync.console.web import Request, Response, redirect, router


@router.get("/console/signin")
def signin(request: Request) -> Response:
    """The link's token for a session. The answer is a page that moves on to the console by itself
    (not a redirect): a link opened from another site (a mail) is a cross-site navigation, and the
    browser would not send the new SameSite=Strict cookie along a redirect of it."""
    session = auth.sign_in(auth.sessions(), request.query.get("token", ""))
    if session is None:
        return problem(
            401,
            "This sign-in link does not work",
            "It was used already, has expired, or was mistyped. " + auth.HOW_TO_SIGN_IN,
        )
    context.audit(session, "console", "signed in", "signed in to the console")
    answer = page(
        "Signed in",
        Html(tag("p", f"Signed in as {session.who}.") + tag("p", link("/console", "Continue to the console"))),
        refresh_to="/console",
    )
    answer.cookies.append(auth.session_cookie(session))
    answer.headers["referrer-policy"] = "no-referrer"  # this page's URL holds the link's token
    return answer


@router.post("/console/signout")
@auth.signed_in
def signout(request: Request) -> Response:
    auth.sessions().end(request.session.digest)
    context.audit(request.session, "console", "signed out", "signed out of the console")
    return redirect("/console/signedout", cookies=[auth.cleared_cookie()])


@router.get("/console/signedout")
def signedout(request: Request) -> Response:
    return page("Signed out", tag("p", "You are signed out. " + auth.HOW_TO_SIGN_IN))
