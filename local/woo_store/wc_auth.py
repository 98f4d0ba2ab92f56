"""WooCommerce's application authentication endpoint (``/wc-auth/v1/...``): an app sends the
store's administrator to ``/wc-auth/v1/authorize?app_name=&scope=&user_id=&return_url=&callback_url=``;
Approve makes a REST API key with that scope, POSTs it as JSON to ``callback_url`` and sends the
browser to ``return_url?success=1&user_id=...``; Deny sends it there with ``success=0``.

Written from ``WC_Auth`` (``includes/class-wc-auth.php``, WooCommerce trunk) and
https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-endpoint:

* every parameter is required (``Error: Missing parameter X.``), ``scope`` is ``read``, ``write``
  or ``read_write``, both URLs must be valid (``https://`` is prepended to one without a scheme);
  errors are a 401 page ``Error: ....`` (``wp_die``);
* the approve page names the app, the scope and what it allows (``get_permissions_in_scope``);
  Approve is a link to ``access_granted`` carrying a ``wc_auth_nonce``; Deny is a link to
  ``return_url`` with ``success=0&user_id=``;
* ``access_granted`` checks the nonce, stores the key (its description ``<app> - API (<UTC date>)``),
  POSTs ``{key_id, user_id, consumer_key, consumer_secret, key_permissions}`` (``wp_json_encode``,
  60 s timeout) and wants exactly 200: anything else (or no answer) deletes the key and is the
  401 page "An error occurred in the request and at the time were unable to send the consumer data";
* a key authenticates REST calls with its permissions (``WC_REST_Authentication::check_permissions``):
  ``read`` GET/HEAD only, ``write`` POST/PUT/PATCH/DELETE only.

Simplified: the visitor is the store's administrator, already signed in (WooCommerce sends a
visitor who is not to ``/wc-auth/v1/login`` first); the nonce is single use (WordPress's lasts
12-24 hours); a callback's redirect is its answer (WordPress's HTTP API follows up to five).
WooCommerce requires ``callback_url`` to be ``https://``; the simulator also accepts
``http://`` to ``localhost`` or ``127.0.0.1`` so the local stack (plain HTTP) can be the callback.
"""

import html
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from local import woo

if TYPE_CHECKING:
    from local.woo_store.store import WooStore

Response = tuple[int, dict[str, str], bytes]
SCOPES = {"read": "Read", "write": "Write", "read_write": "Read/Write"}
PERMISSIONS = {  # WC_Auth::get_permissions_in_scope
    "read": ["View coupons", "View customers", "View orders and sales reports", "View products"],
    "write": ["Create webhooks", "Create coupons", "Create customers", "Create orders", "Create products"],
    "read_write": [
        "Create webhooks",
        "View and manage coupons",
        "View and manage customers",
        "View and manage orders and sales reports",
        "View and manage products",
    ],
}
PARAMS = ("app_name", "user_id", "return_url", "callback_url", "scope")
SEND_FAILED = "An error occurred in the request and at the time were unable to send the consumer data"


class _Unfollowed(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is the callback's answer (simplified: WordPress's HTTP API follows up to 5)


_NO_REDIRECTS = urllib.request.build_opener(_Unfollowed)


@dataclass
class ApiKey:
    key_id: int
    consumer_key: str
    consumer_secret: str
    permissions: str  # read, write, read_write
    description: str

    def allows(self, method: str) -> bool:
        wanted = "read" if method in ("GET", "HEAD") else "write"
        return self.permissions in (wanted, "read_write")


class Failed(Exception):
    """wp_die( 'Error: <message>.' ) with status 401."""


def formatted(url: str) -> str:
    """``WC_Auth::get_formatted_url``: decoded, ``https://`` when it names no scheme."""
    url = unquote(url)
    return url if "://" in url else "https://" + url


def with_query(url: str, **params: str) -> str:
    """``add_query_arg``."""
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _validated(query: dict[str, str]) -> dict[str, str]:
    """``WC_Auth::make_validation``."""
    for name in PARAMS:
        if not query.get(name):
            raise Failed(f"Missing parameter {name}")
    if query["scope"] not in SCOPES:
        raise Failed(f"Invalid scope {query['scope']}")
    for name in ("return_url", "callback_url"):
        url = urlsplit(formatted(query[name]))
        if url.scheme not in ("http", "https") or not url.hostname:
            raise Failed(f"The {formatted(query[name])} is not a valid URL")
    callback = urlsplit(formatted(query["callback_url"]))
    local = callback.scheme == "http" and callback.hostname in ("localhost", "127.0.0.1")  # the simulator only
    if callback.scheme != "https" and not local:
        raise Failed("The callback_url needs to be over SSL")
    return query


def handle(store: "WooStore", method: str, target: str) -> Response:
    url = urlsplit(target)
    route = url.path.removeprefix("/wc-auth/v1/").strip("/").lower()
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    try:
        data = _validated(query)
        if method == "GET" and route == "authorize":
            return _page(200, "Connect", _grant_page(store, data))
        if method == "GET" and route == "access_granted":
            return _granted(store, data, query.get("wc_auth_nonce", ""))
        raise Failed("You do not have permission to access this page")
    except Failed as exc:
        return _page(401, "Access denied", f"<p>Error: {html.escape(str(exc))}.</p>")


def _grant_page(store: "WooStore", data: dict[str, str]) -> str:
    nonce = store.auth_nonce()
    app, scope = html.escape(data["app_name"]), data["scope"]
    granted = "/wc-auth/v1/access_granted?" + urlencode({**{k: data[k] for k in PARAMS}, "wc_auth_nonce": nonce})
    deny = with_query(formatted(data["return_url"]), success="0", user_id=data["user_id"])
    items = "".join(f"<li>{html.escape(p)}</li>" for p in PERMISSIONS[scope])
    return (
        f'<h1 id="wc-auth-app">{app} would like to connect to your store</h1>'
        f'<p>This will give "{app}" <strong id="wc-auth-scope">{SCOPES[scope]}</strong> access '
        "which will allow it to:</p>"
        f'<ul id="wc-auth-permissions">{items}</ul>'
        f'<p class="wc-auth-actions"><a id="wc-auth-approve" class="button button-primary wc-auth-approve" '
        f'href="{html.escape(granted)}">Approve</a> '
        f'<a id="wc-auth-deny" class="button wc-auth-deny" href="{html.escape(deny)}">Deny</a></p>'
        "<p>Logged in as admin</p>"
    )


def _granted(store: "WooStore", data: dict[str, str], nonce: str) -> Response:
    if not store.spend_auth_nonce(nonce):
        raise Failed("Invalid nonce verification")
    key = store.add_api_key(data["scope"], data["app_name"][:170])
    consumer = {
        "key_id": key.key_id,
        "user_id": data["user_id"],
        "consumer_key": key.consumer_key,
        "consumer_secret": key.consumer_secret,
        "key_permissions": key.permissions,
    }
    request = urllib.request.Request(  # noqa: S310 - the scheme is http(s), checked by _validated
        formatted(data["callback_url"]),
        data=woo.wp_json_encode(consumer),
        headers={"Content-Type": "application/json;charset=UTF-8"},
        method="POST",
    )
    try:
        with _NO_REDIRECTS.open(request, timeout=store.delivery_timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        store.delete_api_key(key.key_id)
        raise Failed(str(exc)) from None
    store.auth_log.append({"callback_url": formatted(data["callback_url"]), "status": status, "key_id": key.key_id})
    if status != 200:
        store.delete_api_key(key.key_id)  # WC_Auth::maybe_delete_key
        raise Failed(SEND_FAILED)
    location = with_query(formatted(data["return_url"]), success="1", user_id=data["user_id"])
    return 302, {"Location": location, "Content-Type": "text/html; charset=UTF-8"}, b""


def _page(status: int, title: str, body: str) -> Response:
    text = f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'
    return status, {"Content-Type": "text/html; charset=UTF-8"}, text.encode()


def new_key(key_id: int, permissions: str, app_name: str, when: str) -> ApiKey:
    """``WC_Auth::create_keys``: ``ck_``/``cs_`` + ``wc_rand_hash()`` (40 hex digits)."""
    return ApiKey(
        key_id,
        "ck_" + secrets.token_hex(20),
        "cs_" + secrets.token_hex(20),
        permissions if permissions in SCOPES else "read",
        f"{app_name} - API ({when})",
    )


def keys_json(keys: "dict[int, ApiKey]") -> list[dict[str, object]]:
    """For ``/_store/state``: the keys made through the endpoint, without their secrets."""
    return [
        {
            "key_id": k.key_id,
            "permissions": k.permissions,
            "description": k.description,
            "truncated": k.consumer_key[-7:],
        }
        for k in keys.values()
    ]
