"""The console's plumbing, pure: the router, the request read from an HTTP API event, escaping,
the CSRF and origin checks (the same code runs behind the local stack in tests/console)."""

import base64

from xerosync.console.auth import CSRF_FIELD, Session, csrf_field, csrf_ok, same_origin
from xerosync.console.page import Html, esc, moving_on, page, table, tag
from xerosync.console.web import Request, Response, Router, redirect

SESSION = Session(digest="d", secret="s3cret-id", who="ops", started=0.0)


def event(method: str = "GET", path: str = "/console", **extra: object) -> dict[str, object]:
    return {"rawPath": path, "requestContext": {"http": {"method": method, "path": path}}, **extra}


def test_the_router_matches_by_method_and_path_and_names_a_wrong_method() -> None:
    router = Router()
    router.add("GET", "/console/record/{key}", lambda r: Response(body=r.params["key"]))
    found = router.match("GET", "/console/record/order:1001")
    assert found is not None and not isinstance(found, str)
    assert found[1] == {"key": "order:1001"}
    assert router.match("POST", "/console/record/order:1001") == "method"
    assert router.match("GET", "/console/record/a/b") is None  # {key} is one segment
    assert router.match("GET", "/console/recordx/1") is None


def test_a_request_reads_the_form_cookies_and_query_of_a_payload_2_event() -> None:
    body = base64.b64encode(b"csrf=abc&record=order%3A1").decode()
    request = Request.from_event(
        event(
            "POST",
            "/console/retry",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "h"},
            cookies=["__Host-xerosync-session=v1", "other=2"],
            rawQueryString="a=1",
            body=body,
            isBase64Encoded=True,
        )
    )
    assert request.form == {"csrf": "abc", "record": "order:1"}
    assert request.cookies["__Host-xerosync-session"] == "v1" and request.query == {"a": "1"}
    assert request.headers["host"] == "h"


def test_every_value_is_escaped_unless_built_as_markup() -> None:
    hostile = "<script>alert('x')</script>"
    assert esc(hostile) == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert esc(Html("<b>ok</b>")) == "<b>ok</b>"
    assert "<script>" not in table(("a",), [[hostile]])
    assert tag("a", hostile, href='"><script>') == (
        '<a href="&quot;&gt;&lt;script&gt;">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</a>'
    )
    rendered = page(hostile, hostile).body
    assert "<script>" not in rendered and '<meta name="viewport"' in rendered


def test_the_csrf_token_is_the_session_s_and_compared_whole() -> None:
    field = csrf_field(SESSION)
    assert f'name="{CSRF_FIELD}"' in field and SESSION.secret not in field  # the cookie's value never shows
    good = Request("POST", "/x", form={CSRF_FIELD: SESSION.csrf})
    assert csrf_ok(good, SESSION)
    assert not csrf_ok(Request("POST", "/x", form={CSRF_FIELD: SESSION.csrf[:-1]}), SESSION)
    assert not csrf_ok(Request("POST", "/x"), SESSION)
    other = Session(digest="e", secret="another", who="ops", started=0.0)
    assert not csrf_ok(good, other)


def test_the_origin_check_refuses_other_sites_and_null() -> None:
    def request(**headers: str) -> Request:
        return Request("POST", "/x", headers={"host": "console.example", **headers})

    assert same_origin(request(origin="https://console.example", **{"sec-fetch-site": "same-origin"}))
    assert same_origin(request())  # curl: the token alone holds it
    assert not same_origin(request(origin="https://evil.example"))
    assert not same_origin(request(origin="null"))
    assert not same_origin(request(**{"sec-fetch-site": "same-site"}))


def test_the_origin_is_the_one_the_browser_reached() -> None:
    # the absolute URLs handed to other sites (Xero's redirect URI, the store's callback) start here
    assert Request("GET", "/x", headers={"host": "abc.execute-api.eu-west-1.amazonaws.com"}).origin == (
        "https://abc.execute-api.eu-west-1.amazonaws.com"
    )
    assert Request("GET", "/x", headers={"host": "localhost:3000"}).origin == "http://localhost:3000"
    assert Request("GET", "/x", headers={"host": "127.0.0.1:3000"}).origin == "http://127.0.0.1:3000"
    behind = Request(
        "GET", "/x", headers={"host": "inner", "x-forwarded-host": "shop.example", "x-forwarded-proto": "https"}
    )
    assert behind.host == "shop.example" and behind.origin == "https://shop.example"
    assert same_origin(Request("POST", "/x", headers={**behind.headers, "origin": "https://shop.example"}))


def test_a_page_that_moves_on_goes_to_its_console_path_at_once_with_a_link_too() -> None:
    answer = moving_on("Xero connected", "Connected to <Shop>.", "/console/connect?done=connected", status=400)
    assert answer.status == 400
    assert '<meta http-equiv="refresh" content="0; url=/console/connect?done=connected">' in answer.body
    assert 'id="connect-continue"' in answer.body and "Connected to &lt;Shop&gt;." in answer.body
    assert "cookies" not in answer.to_event()  # no session shown or set: it follows a cross-site redirect


def test_a_redirect_never_leaves_the_site() -> None:
    assert redirect("/console/fix").headers["location"] == "/console/fix"
    assert redirect("//evil.example/x").headers["location"] == "/console"
    assert redirect("https://evil.example").headers["location"] == "/console"
    answer = redirect("/console", cookies=["c=1"]).to_event()
    assert answer["statusCode"] == 303 and answer["cookies"] == ["c=1"]
    assert answer["headers"]["content-security-policy"].startswith("default-src 'none'")


def test_a_page_that_breaks_answers_500_in_the_layout_and_names_no_detail() -> None:
    from xerosync.console.app import handle
    from xerosync.console.web import router

    def broken(request: Request) -> Response:
        raise RuntimeError("secret-ish detail from deep inside")

    router.add("GET", "/console/test-broken", broken)
    try:
        answer = handle(event("GET", "/console/test-broken"))
    finally:
        router.routes.pop()
    assert answer["statusCode"] == 500
    assert "RuntimeError" in answer["body"] and "secret-ish detail" not in answer["body"]
    assert handle(event("GET", "/console/nowhere"))["statusCode"] == 404
    assert handle(event("DELETE", "/console"))["statusCode"] == 405


def test_a_sign_in_link_s_page_spends_nothing_and_its_post_from_elsewhere_is_refused() -> None:
    # neither touches the session store: a link's page only shows a button, and a POST from another
    # site is refused before its token is looked at (tests/console/test_access.py spends one for real)
    from xerosync.console.app import handle

    token = "t0ken-from-a-mail"
    shown = handle(event("GET", "/console/signin", rawQueryString=f"token={token}"))
    assert shown["statusCode"] == 200 and 'id="signin"' in shown["body"] and "cookies" not in shown
    assert token not in shown["body"] and '<form method="post">' in shown["body"]  # posts to its own URL
    for headers in ({"origin": "https://evil.example", "host": "console.example"}, {"sec-fetch-site": "cross-site"}):
        refused = handle(event("POST", "/console/signin", rawQueryString=f"token={token}", headers=headers))
        assert refused["statusCode"] == 403 and "cookies" not in refused
    assert handle(event("GET", "/console/signin"))["statusCode"] == 401  # a link without its token
