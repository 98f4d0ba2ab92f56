"""Who may use the console: one-time sign-in links, sessions, CSRF.

* A sign-in link is minted by an operator with AWS credentials for the stack
  (``xerosync console link``): a random token, of which only a digest is stored, good once and
  for :data:`SIGNIN_SECONDS`; whoever minted it is the session's "who".
* ``GET /console/signin?token=`` shows a "Sign in" button (a mail scanner's fetch spends nothing);
  its ``POST`` to the same URL (from the console's own origin) swaps the token for a session: a
  random id in a ``__Host-`` cookie (HttpOnly, Secure, SameSite=Strict, Path=/), of which again
  only a digest is stored. A session ends after :data:`IDLE_SECONDS` without a request, and
  :data:`ABSOLUTE_SECONDS` after it began.
* Every POST carries the session's synchronizer token (:func:`csrf_field`), compared in constant
  time, and must come from the console's own origin (``Origin``, ``Sec-Fetch-Site``).

The token is never stored: it is an HMAC of the session's id (which only the browser and the
request hold), so reading the table yields neither a session nor its token.
"""

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Protocol
from urllib.parse import urlsplit

from xerosync.console.page import Html, esc, problem
from xerosync.console.web import Handler, Request, Response

COOKIE = "__Host-xerosync-session"
CSRF_FIELD = "csrf"
SIGNIN_SECONDS = 600  # a link is good for 10 minutes, once
IDLE_SECONDS = 900  # a session ends after 15 minutes without a request ...
ABSOLUTE_SECONDS = 8 * 3600  # ... and 8 hours after sign-in, whatever
HOW_TO_SIGN_IN = "Sign in with a link from the operator: xerosync console link --stack <stack> (good once, 10 minutes)."


class Sessions(Protocol):
    """Where links and sessions are kept (xerosync.aws.console_sessions.DynamoConsoleSessions)."""

    def put_signin(self, digest: str, who: str, expires_at: float) -> None: ...

    def take_signin(self, digest: str, now: float) -> str | None: ...

    def put_session(self, digest: str, who: str, started: float, expires_at: float) -> None: ...

    def session(self, digest: str) -> dict[str, object] | None: ...

    def touch(self, digest: str, seen: float, expires_at: float) -> None: ...

    def end(self, digest: str) -> None: ...


@dataclass(frozen=True)
class Session:
    """A signed-in session. ``secret`` (the cookie's value) is never rendered or logged."""

    digest: str
    secret: str
    who: str
    started: float

    @property
    def csrf(self) -> str:
        return hmac.new(self.secret.encode(), b"xerosync console csrf", hashlib.sha256).hexdigest()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_signin(store: Sessions, who: str, *, now: float | None = None) -> str:
    """A new sign-in token for ``who`` (returned once, stored only as its digest)."""
    token = secrets.token_urlsafe(32)
    store.put_signin(digest(token), who, (now or time.time()) + SIGNIN_SECONDS)
    return token


def sign_in(store: Sessions, token: str, *, now: float | None = None) -> Session | None:
    """The link's token swapped for a new session (None: unknown, used or expired)."""
    now = now or time.time()
    if not token or len(token) > 200:
        return None
    who = store.take_signin(digest(token), now)
    if who is None:
        return None
    secret = secrets.token_urlsafe(32)
    session = Session(digest(secret), secret, who or "unknown", now)
    store.put_session(session.digest, session.who, now, _expiry(now, now))
    return session


def _expiry(started: float, seen: float) -> float:
    return min(seen + IDLE_SECONDS, started + ABSOLUTE_SECONDS)


def current_session(store: Sessions, request: Request, *, now: float | None = None) -> Session | None:
    """The request's session, if its cookie names a live one (its idle expiry slides on)."""
    now = now or time.time()
    secret = request.cookies.get(COOKIE, "")
    if not secret or len(secret) > 200:
        return None
    found = store.session(digest(secret))
    if found is None or float(str(found["expires_at"])) <= now:
        return None
    started = float(str(found["started"]))
    store.touch(digest(secret), now, _expiry(started, now))
    return Session(digest(secret), secret, str(found["who"]), started)


def session_cookie(session: Session) -> str:
    return f"{COOKIE}={session.secret}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={ABSOLUTE_SECONDS}"


def cleared_cookie() -> str:
    return f"{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"


def csrf_field(session: Session) -> Html:
    """The hidden field every form of a signed-in page carries."""
    return Html(f'<input type="hidden" name="{CSRF_FIELD}" value="{esc(session.csrf)}">')


def csrf_ok(request: Request, session: Session) -> bool:
    sent = request.form.get(CSRF_FIELD, "")
    return bool(sent) and hmac.compare_digest(sent.encode(), session.csrf.encode())


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site: ``Sec-Fetch-Site`` other
    than same-origin, or an ``Origin`` whose host is not the request's. (A client that sends
    neither, such as curl, is held by the CSRF token alone.)"""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc.lower() == request.host.lower()


# --- wiring: where the sessions are kept, set once by xerosync.console.app ------------------------------
_store: Callable[[], Sessions] | None = None


def use(store: Callable[[], Sessions]) -> None:
    global _store
    _store = store


def sessions() -> Sessions:
    assert _store is not None, "xerosync.console.app sets the session store"
    return _store()


def signed_in(handler: Handler) -> Handler:
    """Only with a session (else 401, saying how to sign in); on POST, only with the session's
    CSRF token from the console's own origin (else 403). Sets ``request.session``."""

    @wraps(handler)
    def guarded(request: Request) -> Response:
        session = current_session(sessions(), request)
        if session is None:
            answer = problem(401, "Sign in first", HOW_TO_SIGN_IN)
            if COOKIE in request.cookies:  # an expired or signed-out session's cookie: forget it
                answer.cookies.append(cleared_cookie())
            return answer
        if request.method == "POST" and not (same_origin(request) and csrf_ok(request, session)):
            return problem(403, "Refused", "This form is stale or came from elsewhere: reload the page and try again.")
        request.session = session
        return handler(request)

    return guarded
