"""Zoho CRM's records API (v8) over httpx: OAuth per data centre, tokens kept in the stack, paging.

**Access** (credentials secret, JSON): ``{"data_centre": "eu", "client_id": ..., "client_secret":
..., "refresh_token": ...}`` from a Self Client or a server-based client of the API console.
Zoho Accounts runs one server per data centre, and a client is known only to its own
(https://www.zoho.com/accounts/protocol/oauth/multi-dc.html): the refresh-token grant
(``POST {accounts-server}/oauth/v2/token``, ``grant_type=refresh_token``;
https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html) goes to the
server of the data centre the secret names (:data:`ACCOUNTS`), and the API is called on the
``api_domain`` the token response names, never a hard-coded host. A client refused by that
server (``invalid_client``: the org lives in another data centre) raises
:class:`~xerosync.sources.port.CredentialsRefused` naming the data centre; a token whose
``api_domain`` is not that data centre's is refused too. ``accounts_server`` in the secret
overrides the table (``{dc}`` replaced), for the local simulator only.

**Tokens** (valid one hour) go into the stack's :class:`~xerosync.sources.port.TokenCache` (the
mapping table: :class:`xerosync.aws.tokens.DynamoAccessTokens`) under
``zoho-token:<dc>:<client id>``, with the API domain beside them (``...:api-domain``), so every
function and container uses one token for its hour: Zoho lets one refresh token mint ten access
tokens in ten minutes, then blocks minting for the rest of them (same page). A token is minted
again when less than :data:`REMINT_BEFORE` of it is left, or once after the API answers 401
``INVALID_TOKEN`` (a newer one another container stored is taken first). One mint for the whole
stack: within a process one thread asks while the others wait, and across containers the mint
happens under the cache's lock (:func:`xerosync.sources.minting.cached_or_minted`, a lease in the
token's item of the mapping table): a container finding it held waits a moment and takes the
token the holder stores; a lock left by a crashed container runs out after 30 s.
A refresh token Zoho no longer knows (``invalid_code``: a user keeps at most 20, the 21st deletes
the oldest) raises ``CredentialsRefused`` saying so. Logs and errors never carry a token.

**Records** (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html and the official
OpenAPI, github.com/zoho/crm-oas ``v8.0/record.json``): ``fields`` always sent; listing sorted by
``Modified_Time`` with ``If-Modified-Since``, 200 a page, ``page`` for the first 2,000 records and
``page_token`` (``info.next_page_token``) past them (``DISCRETE_PAGINATION_LIMIT_EXCEEDED``
otherwise); ``GET /{module}/deleted``; writes of at most 100 records a call, always with
``"trigger": []`` so no workflow, approval or blueprint runs on xerosync's own writes, and one
:class:`RecordAnswer` per record (207 mixed answers: one record's refusal hides no other's).

**Notification channels** (``actions/watch``): :meth:`ZohoCRM.channels` lists them,
:meth:`ZohoCRM.enable_channel` enables (POST) or renews (PUT) one for at most a week,
:meth:`ZohoCRM.disable_channels` deletes, :meth:`ZohoCRM.keep_channels` does what
:func:`~xerosync.sources.zoho.channels.plan_channels` says (:mod:`.channels`).

Errors: no answer, 5xx, 429 → :class:`StoreUnavailable` (429 ``TOO_MANY_REQUESTS`` retried
first: :mod:`.governor`, which also bounds the stack's calls in flight); credits spent →
``StoreUnavailable`` with the reason, for every container of the stack until they reset; a record that is
not there (204 on a get) → :class:`StoreNotFound`; other refusals → :class:`StoreError` with
Zoho's code and message.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xerosync.frozen import frozen
from xerosync.sources.minting import cached_or_minted
from xerosync.sources.port import (
    AccessToken,
    CredentialsRefused,
    Kind,
    StoreError,
    StoreNotFound,
    StoreUnavailable,
    Subscriptions,
    TokenCache,
    WebhookAction,
    require_https,
)
from xerosync.sources.zoho.channels import EXPIRY, MAX_EXPIRY, Channel, ChannelPlan, events_for, plan_channels
from xerosync.sources.zoho.governor import ZohoGovernor, governor_for
from xerosync.sources.zoho.webhook import RESOURCE_OF_MODULE

# data centre -> (accounts server, API domain it answers with), from the multi-DC page
ACCOUNTS: dict[str, tuple[str, str]] = {
    "com": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "com.au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "com.cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "uk": ("https://accounts.zoho.uk", "https://www.zohoapis.uk"),  # the docs' line is truncated: verify
}
API = "/crm/v8"
TOKEN_LIFETIME = 3600.0
REMINT_BEFORE = 300.0  # seconds of life left at which a cached token is replaced
PER_PAGE = 200  # Zoho's most per page
DISCRETE_LIMIT = 2000  # records reachable with ``page``; past them ``page_token``
WRITE_BATCH = 100  # records per create/update call
TOO_MANY = "TOO_MANY_REQUESTS"
CREDITS_SPENT = "LIMIT_EXCEEDED"


@frozen
class Credentials:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    data_centre: str = "com"
    accounts_server: str = ""  # overrides the table ("{dc}" replaced): the local simulator

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Credentials | None":
        """None while the secret is not filled in."""
        values = {k: str(data.get(k) or "").strip() for k in ("client_id", "client_secret", "refresh_token")}
        if not all(values.values()):
            return None
        dc = str(data.get("data_centre") or data.get("dc") or "com").strip().lower()
        return cls(**values, data_centre=dc, accounts_server=str(data.get("accounts_server") or "").strip())

    @property
    def accounts_url(self) -> str:
        if self.accounts_server:
            return require_https(self.accounts_server.replace("{dc}", self.data_centre), "the Zoho accounts server")
        if self.data_centre not in ACCOUNTS:
            raise StoreError(f"Zoho data centre {self.data_centre!r} is not one of {', '.join(ACCOUNTS)}")
        return ACCOUNTS[self.data_centre][0]


@frozen
class RecordAnswer:
    """Zoho's answer about one record of a write, in the order the records were sent."""

    index: int
    ok: bool
    code: str  # SUCCESS, INVALID_DATA, MANDATORY_NOT_FOUND, DUPLICATE_DATA, ...
    message: str
    id: str | None  # the record's id (a success; DUPLICATE_DATA names the duplicate's)
    details: Mapping[str, Any]
    action: str = ""  # upsert: insert or update


@frozen
class Page:
    records: tuple[dict[str, Any], ...]
    info: Mapping[str, Any]


_MINTING = threading.Lock()


class ZohoCRM:
    def __init__(
        self,
        credentials: Credentials,
        tokens: TokenCache,
        *,
        concurrency: int = 5,
        governor: ZohoGovernor | None = None,
        timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
        transport: Any = None,
        modules: Sequence[str] = tuple(RESOURCE_OF_MODULE),
        minting: threading.Lock | None = None,
    ) -> None:
        import httpx

        self.credentials = credentials
        self.tokens = tokens
        self._clock = clock
        self._http = httpx.Client(timeout=timeout, headers={"User-Agent": "xerosync"}, transport=transport)
        self.governor = governor or governor_for(self._key, concurrency, clock)
        self.governor.share(tokens, f"zoho-limits:{credentials.data_centre}:{credentials.client_id}")
        self._minting = minting or _MINTING  # the process's; a test gives each "container" its own
        self._held: AccessToken | None = None
        self._domain = ""
        self.minted = 0  # tokens this client minted (the rest came from the cache)
        self.modules = tuple(modules)  # the CRM modules synced (the settings' store.modules)

    # --- access ------------------------------------------------------------------------------
    @property
    def _key(self) -> str:
        return f"zoho-token:{self.credentials.data_centre}:{self.credentials.client_id}"

    def _usable(self, token: AccessToken | None, stale: str | None) -> bool:
        return token is not None and token.value != stale and token.expires_at - self._clock() > REMINT_BEFORE

    def token(self, *, stale: str | None = None) -> tuple[str, str]:
        """A valid access token and the API domain it is for (held, cached, or minted)."""
        if self._usable(self._held, stale) and self._domain:
            assert self._held is not None
            return self._held.value, self._domain

        def cached() -> tuple[AccessToken, AccessToken] | None:
            token, domain = self.tokens.get(self._key), self.tokens.get(self._key + ":api-domain")
            return (token, domain) if token is not None and domain is not None and self._usable(token, stale) else None

        def minted() -> tuple[AccessToken, AccessToken]:
            token, domain = self._mint()
            self.tokens.put(self._key + ":api-domain", domain)
            self.tokens.put(self._key, token)
            return token, domain

        with self._minting:  # one thread of the process asks the stack; one container of the stack mints
            token, domain = cached_or_minted(self.tokens, self._key, cached, minted)
            self._held, self._domain = token, domain.value
            return token.value, domain.value

    def _mint(self) -> tuple[AccessToken, AccessToken]:
        import httpx

        c = self.credentials
        form = {"grant_type": "refresh_token", "refresh_token": c.refresh_token, "client_id": c.client_id,
                "client_secret": c.client_secret}  # fmt: skip
        try:
            response = self._http.post(c.accounts_url + "/oauth/v2/token", data=form)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"Zoho's accounts server did not answer: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise StoreUnavailable(f"Zoho's accounts server answered {response.status_code}")
        body = _json(response)
        problem = str(body.get("error") or "") if isinstance(body, dict) else "no JSON"
        if problem == "invalid_client":
            raise CredentialsRefused(
                f"Zoho's accounts server for data centre {c.data_centre!r} does not know client {c.client_id} "
                "(invalid_client): set data_centre in the store credentials to the one the CRM's sign-in page is "
                "on, or check client_id and client_secret"
            )
        if problem == "invalid_code":
            raise CredentialsRefused(
                f"Zoho no longer accepts the refresh token of client {c.client_id} (invalid_code): it was revoked, "
                "or deleted because its user made a 21st (a user keeps at most 20); generate a new one"
            )
        if problem == "Access Denied":
            error = StoreUnavailable("Zoho blocked minting access tokens (more than ten in ten minutes)")
            error.retry_after = 600.0
            raise error
        if problem or response.status_code >= 400 or not isinstance(body, dict) or not body.get("access_token"):
            raise StoreError(f"Zoho's accounts server refused the refresh ({response.status_code} {problem})")
        domain = str(body.get("api_domain") or "")
        if not domain:
            raise StoreError("Zoho's token answer carries no api_domain")
        require_https(domain, "the api_domain of Zoho's token answer")
        expected = ACCOUNTS.get(c.data_centre, ("", ""))[1]
        if not c.accounts_server and domain != expected:
            raise StoreError(
                f"Zoho's token for data centre {c.data_centre!r} names API domain {domain}, not {expected}: "
                "set data_centre to the CRM's own"
            )
        self.minted += 1
        expires = self._clock() + float(body.get("expires_in") or TOKEN_LIFETIME)
        return AccessToken(str(body["access_token"]), expires), AccessToken(domain, expires)

    # --- calls -------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One API call (``path`` after ``/crm/v8``): the status and the JSON answer (None when
        empty), 429 TOO_MANY_REQUESTS retried, a refused token minted again once; raises the
        port's errors for everything else that is not a 2xx or a 304."""
        import httpx

        what = f"{method} {path}"
        stale: str | None = None
        attempt = 0
        while True:
            token, domain = self.token(stale=stale)
            sent = {"Authorization": f"Zoho-oauthtoken {token}", **(headers or {})}
            content = None
            if body is not None:
                content = json.dumps(body, default=_plain)
                sent["Content-Type"] = "application/json"
            with self.governor.slot(what):
                try:
                    response = self._http.request(
                        method, domain + API + path, params=dict(params or {}), content=content, headers=sent
                    )
                except httpx.HTTPError as exc:
                    raise StoreUnavailable(f"Zoho CRM did not answer {what}: {type(exc).__name__}") from None
            answer = _json(response)
            code = str(answer.get("code") or "") if isinstance(answer, dict) else ""
            if response.status_code == 401 and code == "INVALID_TOKEN" and stale is None:
                stale = token  # expired early or deleted (a 31st token): another from the cache, or a new one
                continue
            if response.status_code == 429 and code == TOO_MANY:
                self.governor.too_many(attempt, what)
                attempt += 1
                continue
            if response.status_code == 429 and code == CREDITS_SPENT:
                details = answer.get("details") or {}
                raise self.governor.exhausted(what, str(details.get("resets_at") or "") or None)
            return self._checked(what, response.status_code, code, answer)

    @staticmethod
    def _checked(what: str, status: int, code: str, answer: Any) -> tuple[int, Any]:
        if status == 429 or status >= 500:
            raise StoreUnavailable(f"Zoho CRM answered {status} {code} to {what}")
        if status == 401:
            raise CredentialsRefused(f"Zoho CRM refused the access token for {what} ({code})")
        if status == 404 and code in ("INVALID_URL_PATTERN", ""):
            raise StoreError(f"Zoho CRM has no {what} (404 {code})")
        if status >= 400:
            if isinstance(answer, dict) and isinstance(answer.get("data"), list) and answer["data"]:
                return status, answer  # a write refused record by record: the caller reads each
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            details = answer.get("details") if isinstance(answer, dict) else None
            raise StoreError(f"Zoho CRM refused {what} ({status} {code}: {message} {details or ''})".rstrip())
        return status, answer

    # --- reads -------------------------------------------------------------------------------
    def get(self, module: str, record_id: str) -> dict[str, Any]:
        """One record, whole; :class:`StoreNotFound` when the CRM has none with that id."""
        status, answer = self.call("GET", f"/{module}/{record_id}")
        data = answer.get("data") if isinstance(answer, dict) else None
        if status == 204 or not data:
            raise StoreNotFound(f"Zoho CRM has no {module} record {record_id}")
        return dict(data[0])

    def records(
        self,
        module: str,
        fields: Sequence[str],
        *,
        since: datetime | None = None,
        ids: Sequence[str] = (),
        per_page: int = PER_PAGE,
    ) -> Iterator[dict[str, Any]]:
        """Records of ``module`` (only ``fields``, and ``id``), oldest change first when listed
        since a time (``If-Modified-Since``: Zoho keeps those modified at or after it), every page:
        ``page`` within the first 2,000 records, ``page_token`` past them."""
        params: dict[str, Any] = {"fields": ",".join(fields), "per_page": per_page}
        if ids:
            params["ids"] = ",".join(ids)
        headers = {}
        if since is not None:
            params.update(sort_by="Modified_Time", sort_order="asc")
            headers["If-Modified-Since"] = _stamp(since)
        page = 1
        while True:
            found = self._page(module, "", params, headers)
            yield from found.records
            if not found.records or not found.info.get("more_records"):
                return
            page += 1
            params.pop("page_token", None)
            if page * per_page <= DISCRETE_LIMIT:
                params["page"] = page
            else:
                token = found.info.get("next_page_token")
                if not token:
                    raise StoreError(f"Zoho CRM gave no page_token past record {(page - 1) * per_page} of {module}")
                params.pop("page", None)
                params["page_token"] = token

    def deleted(self, module: str, *, since: datetime | None = None, kind: str = "all") -> Iterator[dict[str, Any]]:
        """The deleted records of ``module`` (``{id, display_name, type, deleted_by, deleted_time,
        created_by}``), since a time when given, every page."""
        headers = {"If-Modified-Since": _stamp(since)} if since is not None else {}
        page = 1
        while True:
            found = self._page(module, "/deleted", {"type": kind, "per_page": PER_PAGE, "page": page}, headers)
            yield from found.records
            if not found.records or not found.info.get("more_records"):
                return
            page += 1

    def _page(self, module: str, suffix: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> Page:
        status, answer = self.call("GET", f"/{module}{suffix}", params=params, headers=headers)
        if status in (204, 304) or not isinstance(answer, dict):
            return Page((), {})
        return Page(tuple(dict(r) for r in answer.get("data") or ()), dict(answer.get("info") or {}))

    # --- writes ------------------------------------------------------------------------------
    def create(self, module: str, rows: Sequence[Mapping[str, Any]]) -> list[RecordAnswer]:
        return self._write("POST", f"/{module}", rows, {})

    def update(self, module: str, rows: Sequence[Mapping[str, Any]]) -> list[RecordAnswer]:
        """Partial updates, each row with its ``id``."""
        if any(not row.get("id") for row in rows):
            raise StoreError(f"an update of {module} names a record without its id")
        return self._write("PUT", f"/{module}", rows, {})

    def upsert(
        self, module: str, rows: Sequence[Mapping[str, Any]], duplicate_check_fields: Sequence[str]
    ) -> list[RecordAnswer]:
        extra = {"duplicate_check_fields": list(duplicate_check_fields)}
        return self._write("POST", f"/{module}/upsert", rows, extra)

    def _write(
        self, method: str, path: str, rows: Sequence[Mapping[str, Any]], extra: Mapping[str, Any]
    ) -> list[RecordAnswer]:
        """Records in calls of :data:`WRITE_BATCH`, each call with ``"trigger": []`` (no workflow,
        approval or blueprint runs: xerosync's writes must not set the CRM's automations off,
        crm-oas Body_Wrapper); one answer per record, in order."""
        answers: list[RecordAnswer] = []
        for start in range(0, len(rows), WRITE_BATCH):
            chunk = [dict(r) for r in rows[start : start + WRITE_BATCH]]
            _, answer = self.call(method, path, body={"data": chunk, "trigger": [], **extra})
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data, list) or len(data) != len(chunk):
                raise StoreError(f"Zoho CRM answered {method} {path} without one answer per record")
            answers += [_answer(start + i, a) for i, a in enumerate(data)]
        return answers

    # --- notification channels (actions/watch: xerosync.sources.zoho.channels) -----------------------
    def channels(self) -> list[Channel]:
        """The organisation's live channels (Zoho lists one entry per channel and module; an expired
        channel is not listed)."""
        status, answer = self.call("GET", "/actions/watch")
        entries = answer.get("watch") if isinstance(answer, dict) and status != 204 else None
        found: dict[str, dict[str, Any]] = {}
        for entry in entries or ():
            if not isinstance(entry, dict) or not entry.get("channel_id"):
                continue
            channel = found.setdefault(
                str(entry["channel_id"]),
                {"events": set(), "url": str(entry.get("notify_url") or ""), "token": entry.get("token"), "expiry": []},
            )
            channel["events"] |= {f"{entry.get('resource_name')}.{op}" for op in entry.get("events") or ()}
            channel["expiry"].append(_when(entry.get("channel_expiry")))
        return [
            Channel(cid, frozenset(c["events"]), c["url"], c["token"] or None, _earliest(c["expiry"]))
            for cid, c in found.items()
        ]

    def enable_channel(self, channel: Channel, *, replace: bool = False, expiry: datetime | None = None) -> datetime:
        """Enable ``channel`` (POST; with ``replace``, PUT: its details replaced, which renews it)
        until ``expiry`` (default :data:`~.channels.EXPIRY` from now; never more than Zoho's week,
        which Zoho would silently answer with one hour). Returns the expiry Zoho echoes."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        until = expiry or now + EXPIRY
        if not now < until <= now + MAX_EXPIRY:
            raise StoreError(f"a Zoho channel expires within {MAX_EXPIRY.days} days of now, not at {_stamp(until)}")
        if not channel.token or len(channel.token) > 50:
            raise StoreError(f"channel {channel.channel_id}: Zoho takes a token of 1 to 50 characters")
        require_https(channel.notify_url, "a Zoho channel's notify_url")
        item = {
            "channel_id": channel.channel_id,
            "events": sorted(channel.events),
            "notify_url": channel.notify_url,
            "token": channel.token,
            "channel_expiry": _stamp(until),
            "notify_on_related_action": False,  # a Contact's change is not its Account's (Kaizen #170 Q1)
            # the changed fields' values in each delivery: how xerosync knows its own write coming back
            # (xerosync.sources.zoho.writeback.own_write)
            "return_affected_field_values": True,
        }
        method = "PUT" if replace else "POST"
        _, answer = self.call(method, "/actions/watch", body={"watch": [item]})
        entries = answer.get("watch") if isinstance(answer, dict) else None
        first = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}
        if first.get("status") != "success":
            raise StoreError(f"Zoho CRM refused channel {channel.channel_id} ({first.get('code')})")
        echoed = [_when(e.get("channel_expiry")) for e in (first.get("details") or {}).get("events") or ()]
        effective = _earliest(echoed)
        if effective is None:
            raise StoreError(f"Zoho CRM enabled channel {channel.channel_id} without saying until when")
        return effective

    def disable_channels(self, channel_ids: Sequence[str]) -> None:
        """Delete channels (``DELETE actions/watch?channel_ids=``)."""
        if channel_ids:
            self.call("DELETE", "/actions/watch", params={"channel_ids": ",".join(channel_ids)})

    def keep_channels(self, wanted: Sequence[Channel], known: Sequence[str] = ()) -> list[ChannelPlan]:
        """List, plan (:func:`~.channels.plan_channels`) and act: what :meth:`subscriptions` does each
        run of the reconciliation. Returns the plans, for its log."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        plans = plan_channels(self.channels(), wanted, now, known=known)
        for plan in plans:
            if plan.action in ("create", "recreate"):
                self.enable_channel(plan.channel)
            elif plan.action in ("renew", "replace"):
                self.enable_channel(plan.channel, replace=True)
        self.disable_channels([p.channel.channel_id for p in plans if p.action == "disable"])
        return plans

    def subscriptions(
        self, url: str, secret: Callable[[], str], kinds: set[Kind], memory: dict[str, Any], now: datetime, repair: bool
    ) -> Subscriptions:
        """The port's webhook check (the reconciliation runs it on its schedule): one channel to
        ``url`` for the synced modules of ``kinds``, its token the stack's webhook secret, kept by
        :meth:`keep_channels`. ``memory`` keeps the channel's id once enabled (so a lost one is
        re-created, not created) and when it was first enabled (Zoho lists no creation time)."""
        result = Subscriptions(installed_at=_when(memory.get("zoho_installed_at")))
        modules = [m for m in self.modules if RESOURCE_OF_MODULE.get(m) in kinds]
        if not repair or not url or not modules:
            return result
        want = Channel(channel_id_for(url), events_for(modules), url, secret())
        topic = f"actions/watch {','.join(modules)}"
        try:
            plans = self.keep_channels([want], known=list(memory.get("zoho_channels") or ()))
        except StoreError as exc:
            result.actions.append(WebhookAction(topic, "failed", want.channel_id, str(exc)))
            return result
        memory["zoho_channels"] = [want.channel_id]
        if result.installed_at is None:
            memory["zoho_installed_at"] = now.isoformat()
            result.installed_at = now
        # a renewal is routine (every six days): "ok"; a lost channel re-created is a repair
        words = {"ok": "ok", "renew": "ok", "create": "create", "recreate": "create", "replace": "replace",
                 "disable": "replace"}  # fmt: skip
        for plan in plans:
            name = topic if plan.channel.channel_id == want.channel_id else "actions/watch (a stray channel, deleted)"
            result.actions.append(WebhookAction(name, words[plan.action], plan.channel.channel_id, plan.reason))
        return result


def channel_id_for(url: str) -> str:
    """The stack's channel id (Zoho takes a number): the same for one ``notify_url`` every run."""
    import hashlib

    return str(int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:15], 16))


def _when(value: Any) -> datetime | None:
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None


def _earliest(times: Sequence[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _answer(index: int, raw: Mapping[str, Any]) -> RecordAnswer:
    details = dict(raw.get("details") or {})
    record_id = details.get("id") or (details.get("duplicate_record") or {}).get("id")
    return RecordAnswer(
        index=index,
        ok=str(raw.get("status")) == "success",
        code=str(raw.get("code") or ""),
        message=str(raw.get("message") or ""),
        id=str(record_id) if record_id else None,
        details=details,
        action=str(raw.get("action") or ""),
    )


def _json(response: Any) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, datetime):
        return _stamp(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _stamp(when: datetime) -> str:
    """Zoho's time form: ISO 8601 with the offset, to the second."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.replace(microsecond=0).isoformat()
