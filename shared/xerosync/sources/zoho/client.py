"""Zoho CRM's records API (v8) over httpx: OAuth per data centre, tokens kept in the stack, paging.

**Access**: the credentials secret and Zoho's OAuth per data centre (:data:`.oauth.ACCOUNTS`, the
refresh-token grant, the ``api_domain`` the token answer names): :mod:`.oauth`.

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
token the holder stores; a lock left by a crashed container runs out after 30 s. Logs and errors
never carry a token.

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
:func:`~xerosync.sources.zoho.channels.plan_channels` says (:mod:`.channels`); the calls are in :mod:`.channel_calls`.

Errors: no answer, 5xx, 429 → :class:`StoreUnavailable` (429 ``TOO_MANY_REQUESTS`` retried
first: :mod:`.governor`); credits spent → ``StoreUnavailable`` with the reason; a record that is
not there (204 on a get) → :class:`StoreNotFound`; other refusals → :class:`StoreError` with
Zoho's code and message.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerosync.frozen import frozen
from xerosync.sources.minting import cached_or_minted
from xerosync.sources.port import (
    AccessToken,
    CredentialsRefused,
    StoreError,
    StoreNotFound,
    StoreUnavailable,
    TokenCache,
)
from xerosync.sources.zoho.channel_calls import ChannelCalls
from xerosync.sources.zoho.channels import stamp
from xerosync.sources.zoho.governor import ZohoGovernor, governor_for
from xerosync.sources.zoho.oauth import Credentials, mint, read_json
from xerosync.sources.zoho.webhook import RESOURCE_OF_MODULE

API = "/crm/v8"
REMINT_BEFORE = 300.0  # seconds of life left at which a cached token is replaced
PER_PAGE = 200  # Zoho's most per page
DISCRETE_LIMIT = 2000  # records reachable with ``page``; past them ``page_token``
WRITE_BATCH = 100  # records per create/update call
TOO_MANY = "TOO_MANY_REQUESTS"
CREDITS_SPENT = "LIMIT_EXCEEDED"


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


class ZohoCRM(ChannelCalls):
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
        self.governor.share(tokens, f"zoho-credits:{credentials.data_centre}:{credentials.client_id}")
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
        minted = mint(self._http, self.credentials, self._clock)
        self.minted += 1
        return minted

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
            answer = read_json(response)
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
            headers["If-Modified-Since"] = stamp(since)
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
        headers = {"If-Modified-Since": stamp(since)} if since is not None else {}
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


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, datetime):
        return stamp(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
