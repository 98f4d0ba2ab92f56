"""The console's HTTP plumbing: an API Gateway HTTP API (payload 2.0) event in, a request; a
response out, the event answer; and a router from method and path to a handler.

Standard library only, and nothing here is imported by the sync functions (an import-linter
contract in pyproject.toml): the console adds nothing to their cold start.
"""

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

# Every answer: no caching (pages show live state and carry the CSRF token), no referrer to
# another site, no framing, no script at all, and styles only from the page itself (the layout's
# inline <style>). "same-origin", not "no-referrer": under no-referrer Chromium sends a form's POST
# with "Origin: null", which the origin check (xerosync.console.auth.same_origin) must refuse. The
# sign-in page, whose URL holds the link's token, sends no referrer at all (xerosync.console.access).
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass
class Request:
    """One request, as the console's handlers see it. ``params``: the route's ``{name}`` values;
    ``session``: set by :func:`xerosync.console.auth.signed_in` before the handler runs."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)  # an urlencoded POST body
    body: str = ""  # any other POST body (a store's JSON callback)
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    cookies: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    session: Any = None  # xerosync.console.auth.Session once signed in

    @property
    def host(self) -> str:
        """The host (and port) the browser reached: the proxy's ``X-Forwarded-Host`` when one says it."""
        return self.headers.get("x-forwarded-host") or self.headers.get("host", "")

    @property
    def origin(self) -> str:
        """The stack's own origin, as the browser reached it, for the absolute URLs a page hands to
        another site (Xero's redirect URI, the store's callback): https behind API Gateway; the local
        stack serves http on this machine only (localhost, 127.0.0.1)."""
        local = self.host.split(":")[0] in ("localhost", "127.0.0.1")
        scheme = self.headers.get("x-forwarded-proto") or ("http" if local else "https")
        return f"{scheme}://{self.host}"

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "Request":
        http = (event.get("requestContext") or {}).get("http") or {}
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        # payload 2.0 moves the Cookie header into "cookies"; accept either
        raw_cookies = list(event.get("cookies") or [])
        if "cookie" in headers:
            raw_cookies += headers["cookie"].split(";")
        cookies: dict[str, str] = {}
        for pair in raw_cookies:
            name, _, value = pair.strip().partition("=")
            if name and name not in cookies:
                cookies[name] = value
        method = str(http.get("method") or "GET").upper()
        form: dict[str, str] = {}
        body = ""
        if method == "POST" and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(_body(event), keep_blank_values=True))
        elif method == "POST":
            body = _body(event)
        return cls(
            method=method,
            path=str(event.get("rawPath") or http.get("path") or "/"),
            query=dict(parse_qsl(str(event.get("rawQueryString") or ""), keep_blank_values=True)),
            form=form,
            body=body,
            headers=headers,
            cookies=cookies,
        )


def _body(event: dict[str, Any]) -> str:
    body = event.get("body") or ""
    if not isinstance(body, str):
        return ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return ""
    return body


@dataclass
class Response:
    status: int = 200
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values

    def to_event(self) -> dict[str, Any]:
        """The answer in payload 2.0's shape (API Gateway turns ``cookies`` into Set-Cookie headers)."""
        answer: dict[str, Any] = {
            "statusCode": self.status,
            "headers": {**SECURITY_HEADERS, "content-type": self.content_type, **self.headers},
            "body": self.body,
        }
        if self.cookies:
            answer["cookies"] = list(self.cookies)
        return answer


def redirect(location: str, *, status: int = 303, cookies: list[str] | None = None) -> Response:
    """See ``location`` (a path of this site). 303: the browser follows a POST's answer with a GET."""
    if not location.startswith("/") or location.startswith("//"):
        location = "/console"  # never an open redirect
    return Response(status=status, headers={"location": location}, cookies=list(cookies or []))


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # /console/record/{key}: a {name} matches one path segment
    handler: Handler
    regex: re.Pattern[str]


class Router:
    """Method and path to handler; the first route added that matches wins."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        parts = re.split(r"(\{[a-z_]+\})", pattern)
        regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
        self.routes.append(Route(method.upper(), pattern, handler, re.compile(f"^{regex}/?$")))

    def get(self, pattern: str) -> Callable[[Handler], Handler]:
        return self._decorator("GET", pattern)

    def post(self, pattern: str) -> Callable[[Handler], Handler]:
        return self._decorator("POST", pattern)

    def _decorator(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler)
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | str | None:
        """The route and its parameters; ``"method"`` when the path exists for another method."""
        other = False
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, {k: v for k, v in found.groupdict().items()}
            other = True
        return "method" if other else None


# Every route of the console, registered by the modules xerosync.console.app imports.
router = Router()
