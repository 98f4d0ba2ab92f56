"""Server-rendered HTML for the console: one layout, a few building blocks, every value escaped.

A page is built from strings; :class:`Html` marks a string as markup already (built here, or
by :func:`esc`), and everything else that reaches a page goes through :func:`esc`
(``html.escape`` with quotes), so a store's text, a Xero reason or a record key can never
become markup. No script anywhere: links and forms only, readable on a phone (viewport meta,
one column, tables that scroll sideways).
"""

import html
from collections.abc import Iterable
from typing import Any

from xerosync.console.web import Response


class Html(str):
    """Markup that is safe as it is (never user text that was not escaped)."""

    __slots__ = ()


def esc(value: Any) -> Html:
    """``value`` as HTML text: escaped, unless it is :class:`Html` already."""
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Html:
    return Html(sep.join(esc(p) for p in parts))


def tag(element: str, content: Any = "", /, **attributes: Any) -> Html:
    """``<element a="v">content</element>``; an attribute named ``class_`` is ``class``; None leaves it out."""
    attrs = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"'
        for k, v in attributes.items()
        if v is not None and v is not False
    )
    return Html(f"<{element}{attrs}>{esc(content)}</{element}>")


def link(href: str, text: Any, **attributes: Any) -> Html:
    return tag("a", text, href=href, **attributes)


def table(head: Iterable[Any], rows: Iterable[Iterable[Any]], *, empty: str = "nothing yet") -> Html:
    """A table in a scrolling box; cells are escaped unless :class:`Html`."""
    rows = [list(r) for r in rows]
    if not rows:
        return tag("p", empty, class_="muted")
    header = join(tag("th", h) for h in head)
    body = join(tag("tr", join(tag("td", c) for c in row)) for row in rows)
    return tag("div", tag("table", Html(f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody>")), class_="scroll")


def badge(text: str) -> Html:
    """An outcome or state, coloured by kind (failed/ALARM red, applied/OK green, ...)."""
    kind = {
        "failed": "bad", "alarm": "bad", "dead": "bad", "refused": "bad",
        "applied": "good", "ok": "good", "done": "good", "unchanged": "good", "duplicate": "good",
        "retrying": "warn", "waiting": "warn", "requested": "warn", "running": "warn",
    }.get(text.lower(), "")  # fmt: skip
    return tag("span", text, class_=f"badge {kind}".strip())


STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2630;background:#f5f7f9}
header{background:#13b5ea;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
header .who{margin-left:auto;font-size:.85rem;opacity:.9}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.scroll{overflow-x:auto;background:#fff;border:1px solid #dde3e8;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #eef1f4;vertical-align:top}
td{overflow-wrap:break-word}td a,button{white-space:nowrap}td .muted{font-size:.8rem}td form.row{margin:0}
th{background:#f0f3f6;font-weight:600;white-space:nowrap}
.badge{display:inline-block;padding:0 .45rem;border-radius:4px;background:#e8ecef;font-size:.85rem}
.badge.bad{background:#fde2e1;color:#a1161a}.badge.good{background:#dff5e4;color:#176b2c}
.badge.warn{background:#fff1cc;color:#7a5200}
.muted{color:#66727f}
.flash{background:#dff5e4;border:1px solid #9fd8ad;padding:.6rem .8rem;border-radius:6px}
.error{background:#fde2e1;border:1px solid #f1a8a6;padding:.6rem .8rem;border-radius:6px}
form.inline{display:inline}
form.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0}
label{display:flex;flex-direction:column;font-size:.85rem;gap:.15rem}
input,select{font:inherit;padding:.4rem .5rem;border:1px solid #b8c2cc;border-radius:4px;min-width:0}
button{font:inherit;padding:.45rem .9rem;border:0;border-radius:4px;background:#13b5ea;color:#fff;cursor:pointer}
button.secondary{background:#5b6975}
a{color:#0b7fab}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.75rem}
.card{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:.7rem .9rem}
.card b{display:block;font-size:1.3rem}
"""

# The navigation; the Connect and Map pages add theirs here when they exist (xerosync.console README).
NAV: list[tuple[str, str]] = [
    ("/console", "Status"),
    ("/console/log", "Sync log"),
    ("/console/fix", "Fix"),
    ("/console/map", "Map"),
    ("/console/connect", "Connect"),
]


def page(
    title: str,
    content: Any,
    *,
    session: Any = None,
    status: int = 200,
    flash: str = "",
    error: str = "",
    refresh: int | None = None,
    refresh_to: str | None = None,
) -> Response:
    """A whole page in the layout. ``session``: shows the navigation, who is signed in and the
    sign-out button; ``refresh``: reload after that many seconds (progress, without script);
    ``refresh_to``: go there (a path of the console) after ``refresh`` seconds (default at once)."""
    from xerosync.console.auth import csrf_field

    nav = Html("")
    if session is not None:
        links = join(link(href, text) for href, text in NAV)
        signout = Html(
            f'<form class="inline" method="post" action="/console/signout">{csrf_field(session)}'
            f'<button class="secondary" type="submit">Sign out</button></form>'
        )
        nav = Html(f'{links}<span class="who">{esc(session.who)}</span>{signout}')
    notes = Html("")
    if flash:
        notes = tag("p", flash, class_="flash", role="status")
    if error:
        notes = Html(notes + tag("p", error, class_="error", role="alert"))
    meta_refresh = ""
    if refresh_to:
        meta_refresh = f'<meta http-equiv="refresh" content="{int(refresh or 0)}; url={esc(refresh_to)}">'
    elif refresh:
        meta_refresh = f'<meta http-equiv="refresh" content="{int(refresh)}">'
    body = (
        "<!doctype html>"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex">{meta_refresh}'
        f"<title>{esc(title)} - xerosync</title><style>{STYLE}</style></head>"
        f'<body><header><a href="/console">xerosync</a>{nav}</header>'
        f"<main><h1>{esc(title)}</h1>{notes}{esc(content)}</main></body></html>"
    )
    return Response(status=status, body=body)


def problem(status: int, title: str, detail: str, *, session: Any = None) -> Response:
    """An error page (404, 403, ...) that says what happened."""
    return page(title, tag("p", detail), session=session, status=status)


def moving_on(title: str, message: str, to: str, *, status: int = 200) -> Response:
    """A page that goes on to ``to`` (a path of the console) at once, with a Continue link as well:
    the answer to a redirect from another site (Xero's, the store's), which carries no
    SameSite=Strict cookie, moves on by a same-site navigation, where the session applies again."""
    body = Html(tag("p", message, id="connect-message") + tag("p", link(to, "Continue", id="connect-continue")))
    return page(title, body, status=status, refresh=0, refresh_to=to)
