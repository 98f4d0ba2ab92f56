"""The simulator's HTTP face. Paths (``{dc}`` one of ``auth.DATA_CENTRES``):

* ``POST /accounts/{dc}/oauth/v2/token``: the DC's accounts server (``auth.py``);
* ``/api/{dc}/crm/v8/{module}`` GET (list) / POST (create) / PUT (update) / DELETE ``?ids=``;
  ``/api/{dc}/crm/v8/{module}/{id}`` GET / PUT; ``/api/{dc}/crm/v8/{module}/upsert`` POST;
  ``/api/{dc}/crm/v8/{module}/deleted`` GET;
  ``/api/{dc}/crm/v8/actions/watch`` POST / PUT / PATCH / GET / DELETE: the API domain
  (``www.zohoapis.{dc}``), each call behind the token check, the concurrency limit and the credits;
* ``GET /_zoho/state``, ``POST /_zoho/clock {"advance": s}``, ``POST /_zoho/faults {"drop", "twice",
  "delay"}``, ``GET /_zoho/writes``: the control surface for harnesses in another process.

Listing (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html and the spec's
getRecords examples): ``fields`` is required (``REQUIRED_PARAM_MISSING``), at most 50
(``LIMIT_EXCEEDED``); ``per_page`` ≤ 200 (default 200); ``page`` only within the first 2,000
records, else 400 ``DISCRETE_PAGINATION_LIMIT_EXCEEDED``; ``page_token`` (``info.next_page_token``,
valid 24 h: ``page_token_expiry``) beyond, up to 100,000 records (``PAGINATION_LIMIT_EXCEEDED``);
``sort_by`` id | Created_Time | Modified_Time, ``sort_order`` asc | desc; ``ids``;
``If-Modified-Since`` (ISO 8601) keeps records modified at or after it (**a guess**: "at or
after" rather than "after"); nothing to answer → 204, or 304 with If-Modified-Since.
**Guesses**: the default order (id ascending), ``per_page`` > 200 answered ``INVALID_DATA``,
a get of an unknown id answered 204.
"""

import json
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from local.http import Response
from local.zoho_crm.auth import DATA_CENTRES
from local.zoho_crm.records import ALL_TRIGGERS, DUPLICATE_CHECK, MODULES, Change, error, plain, zoho_time

if TYPE_CHECKING:
    from local.zoho_crm.simulator import ZohoCRM

TOKEN = re.compile(r"^/accounts/([a-z.]+)/oauth/v2/token$")
API = re.compile(r"^/api/([a-z.]+)(/crm/v8/.*)$")
MAX_PER_PAGE = 200
DISCRETE_LIMIT = 2000
TOKEN_LIMIT = 100_000
SORTABLE = ("id", "Created_Time", "Modified_Time")


def _json(status: int, payload: Any) -> Response:
    if status in (204, 304):
        return status, {}, b""
    return status, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(plain(payload)).encode()


def route(crm: "ZohoCRM", method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
    url = urlsplit(target)
    path, query = url.path, parse_qs(url.query, keep_blank_values=True)
    match = TOKEN.match(path)
    if match and method == "POST":
        form = dict(parse_qsl(url.query)) | dict(parse_qsl(body.decode(errors="replace")))
        dc = match.group(1)
        status, payload = crm.accounts.token(dc, form, crm.api_domain(dc), crm.now())
        return _json(status, payload)
    if path.startswith("/_zoho/"):
        return control(crm, method, path, body)
    match = API.match(path)
    if not match or match.group(1) not in DATA_CENTRES:
        return _json(404, error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"))
    dc, rest = match.group(1), match.group(2)
    user, refusal = crm.accounts.check(headers.get("authorization"), dc, crm.now())
    if refusal is not None:
        return _json(401, refusal)
    assert user is not None
    refused = crm.limits.enter(crm.now())
    if refused is not None:
        return _json(429, refused)
    try:
        crm.hold()
        return api(crm, user, method, rest, query, headers, body)
    finally:
        crm.limits.leave()


def api(
    crm: "ZohoCRM", user: Any, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
) -> Response:
    parts = path.split("/")[3:]  # after "", "crm", "v8"
    if parts == ["actions", "watch"]:
        return watch(crm, method, query, body)
    if not parts or parts[0] not in MODULES:
        return _json(
            400,
            error("INVALID_MODULE", "the module name given seems to be invalid", api_name=parts[0] if parts else ""),
        )
    module = parts[0]
    if len(parts) == 1:
        if method == "GET":
            return listing(crm, module, query, headers)
        if method in ("POST", "PUT"):
            return write(crm, user, module, method, body, None)
        if method == "DELETE":
            ids = [i for v in query.get("ids", []) for i in v.split(",") if i]
            if not ids:
                return _json(400, error("REQUIRED_PARAM_MISSING", "required param is missing", param_name="ids"))
            answers, change = crm.store.delete(module, ids, user)
            crm.changed(change)
            return _json(_status(answers, 200), {"data": answers})
    if len(parts) == 2 and parts[1] == "upsert" and method == "POST":
        return write(crm, user, module, "UPSERT", body, None)
    if len(parts) == 2 and parts[1] == "deleted" and method == "GET":
        return deleted(crm, module, query, headers)
    if len(parts) == 2 and method == "GET":
        record = crm.store.get(module, parts[1])
        if record is None:
            return _json(204, {})
        return _json(200, {"data": [record]})
    if len(parts) == 2 and method == "PUT":
        return write(crm, user, module, method, body, parts[1])
    return _json(405, error("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"))


def _status(answers: list[dict[str, Any]], ok: int) -> int:
    good = sum(1 for a in answers if a.get("status") == "success")
    return ok if good == len(answers) else 207 if good else 400


def write(crm: "ZohoCRM", user: Any, module: str, method: str, body: bytes, record_id: str | None) -> Response:
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return _json(400, error("INVALID_DATA", "body is not a valid JSON"))
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list) or not payload["data"]:
        return _json(400, error("MANDATORY_NOT_FOUND", "required field not found", api_name="data", json_path="$.data"))
    rows = payload["data"]
    if len(rows) > 100:
        return _json(400, error("LIMIT_EXCEEDED", "limit exceeded", api_name="data", limit=100))
    trigger = payload.get("trigger")
    if trigger is None:
        triggers = ALL_TRIGGERS
    elif isinstance(trigger, list) and all(t in ALL_TRIGGERS for t in trigger):
        triggers = tuple(trigger)
    else:
        return _json(400, error("INVALID_DATA", "invalid data", api_name="trigger", json_path="$.trigger"))
    if method == "UPSERT":
        checks = payload.get("duplicate_check_fields") or list(DUPLICATE_CHECK[module])
        if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
            return _json(400, error("INVALID_DATA", "invalid data", api_name="duplicate_check_fields"))
        return upsert(crm, user, module, rows, checks, triggers)
    if method == "POST":
        answers, change = crm.store.create(module, rows, triggers, user)
        ok = 201
    else:
        if record_id is not None:
            rows = [{**rows[0], "id": record_id}] if isinstance(rows[0], dict) else rows
        answers, change = crm.store.update(module, rows, triggers, user)
        ok = 200
    crm.changed(change)
    return _json(_status(answers, ok), {"data": answers})


def upsert(
    crm: "ZohoCRM", user: Any, module: str, rows: list[Any], checks: list[str], triggers: tuple[str, ...]
) -> Response:
    """``POST /crm/v8/{module}/upsert``: a row that matches an existing record on the first of
    ``duplicate_check_fields`` it carries (the module's system-defined field when none are given)
    updates it, any other row inserts; each answer says which (``action``, ``duplicate_field``).
    https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html"""
    answers: list[dict[str, Any]] = []
    inserted, updated = Change(module, "insert", []), Change(module, "update", [])
    for index, row in enumerate(rows):
        match, field = None, None
        if isinstance(row, dict):
            for name in checks:
                if row.get(name) not in (None, ""):
                    found = [r for r in crm.store.all(module) if r.get(name) == row[name]]
                    if found:
                        match, field = found[0], name
                        break
        if match is not None:
            done, change = crm.store.update(module, [{**row, "id": match["id"]}], triggers, user)
            updated.ids += change.ids
            updated.affected.update(change.affected)
            updated.values.update(change.values)
        else:
            done, change = crm.store.create(module, [row], triggers, user)
            inserted.ids += change.ids
        answer = json.loads(json.dumps(plain(done[0])).replace("$.data[0]", f"$.data[{index}]"))
        if answer["status"] == "success":
            answer.update(action="update" if match else "insert", duplicate_field=field)
        answers.append(answer)
    crm.changed(inserted)
    crm.changed(updated)
    return _json(_status(answers, 200), {"data": answers})


def _since(headers: dict[str, str]) -> tuple[datetime | None, Response | None]:
    value = headers.get("if-modified-since")
    if not value:
        return None, None
    try:
        since = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, _json(400, error("INVALID_DATA", "invalid data", param_name="If-Modified-Since"))
    if since.tzinfo is None:
        return None, _json(400, error("INVALID_DATA", "invalid data", param_name="If-Modified-Since"))
    return since, None


def _int(query: dict[str, list[str]], name: str, default: int) -> int | None:
    try:
        return int(query.get(name, [str(default)])[0])
    except ValueError:
        return None


def listing(crm: "ZohoCRM", module: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
    fields = [f for v in query.get("fields", []) for f in v.split(",") if f]
    if not fields:
        return _json(400, error("REQUIRED_PARAM_MISSING", "required param is missing", param_name="fields"))
    if len(fields) > 50:
        return _json(400, error("LIMIT_EXCEEDED", "limit exceeded", limit=50, param_name="fields"))
    per_page, page = _int(query, "per_page", MAX_PER_PAGE), _int(query, "page", 1)
    if per_page is None or not 1 <= per_page <= MAX_PER_PAGE:
        return _json(400, error("INVALID_DATA", "invalid data", param_name="per_page", maximum_length=MAX_PER_PAGE))
    if page is None or page < 1:
        return _json(400, error("INVALID_DATA", "invalid data", param_name="page"))
    sort_by = query.get("sort_by", ["id"])[0]
    sort_order = query.get("sort_order", ["asc"])[0]
    if sort_by not in SORTABLE or sort_order not in ("asc", "desc"):
        return _json(
            400,
            error("INVALID_DATA", "invalid data", param_name="sort_by" if sort_by not in SORTABLE else "sort_order"),
        )
    since, bad = _since(headers)
    if bad:
        return bad
    token = query.get("page_token", [""])[0]
    offset = (page - 1) * per_page
    if token:
        cursor = crm.cursors.get(token)
        if cursor is None or cursor["expiry"] <= crm.now() or cursor["key"] != (module, sort_by, sort_order, since):
            return _json(400, error("INVALID_DATA", "invalid data", param_name="page_token"))
        offset = cursor["offset"]
        if offset + per_page > TOKEN_LIMIT:
            return _json(
                400,
                error(
                    "PAGINATION_LIMIT_EXCEEDED",
                    "You can only get upto 100000 records using page_token param",
                    param_name="page_token",
                ),
            )
    elif offset + per_page > DISCRETE_LIMIT:
        return _json(
            400,
            error(
                "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                "You can only get the first 2000 records without using page_token param",
                limit=DISCRETE_LIMIT,
            ),
        )
    records = crm.store.all(module)
    ids = {i for v in query.get("ids", []) for i in v.split(",") if i}
    if ids:
        records = [r for r in records if r["id"] in ids]
    if since is not None:
        records = [r for r in records if datetime.fromisoformat(r["Modified_Time"]) >= since]

    def key(record: dict[str, Any]) -> Any:
        return int(record["id"]) if sort_by == "id" else (datetime.fromisoformat(record[sort_by]), int(record["id"]))

    records.sort(key=key, reverse=sort_order == "desc")
    chunk = records[offset : offset + per_page]
    if not chunk:
        return _json(304 if since is not None and offset == 0 else 204, {})
    more = offset + per_page < len(records)
    info: dict[str, Any] = {
        "per_page": per_page,
        "count": len(chunk),
        "page": offset // per_page + 1,
        "sort_by": sort_by,
        "sort_order": sort_order,
        "more_records": more,
        "next_page_token": None,
        "previous_page_token": None,
        "page_token_expiry": None,
    }
    if more:
        expiry = crm.now() + timedelta(hours=24)
        next_token = secrets.token_hex(24)
        crm.cursors[next_token] = {
            "offset": offset + per_page,
            "key": (module, sort_by, sort_order, since),
            "expiry": expiry,
        }
        info["next_page_token"], info["page_token_expiry"] = next_token, zoho_time(expiry)
    wanted = set(fields) | {"id"}
    return _json(200, {"data": [{k: v for k, v in r.items() if k in wanted} for r in chunk], "info": info})


def deleted(crm: "ZohoCRM", module: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
    kind = query.get("type", ["all"])[0]
    if kind not in ("all", "recycle", "permanent"):
        return _json(400, error("INVALID_DATA", "invalid data", param_name="type"))
    per_page, page = _int(query, "per_page", MAX_PER_PAGE), _int(query, "page", 1)
    if per_page is None or not 1 <= per_page <= MAX_PER_PAGE or page is None or page < 1:
        return _json(400, error("INVALID_DATA", "invalid data", param_name="per_page"))
    since, bad = _since(headers)
    if bad:
        return bad
    with crm.store.lock:
        rows = [d for d in crm.store.deleted[module] if kind in ("all", d.kind)]
    if since is not None:
        rows = [d for d in rows if d.deleted_time >= since]
    rows.sort(key=lambda d: d.deleted_time, reverse=True)
    chunk = rows[(page - 1) * per_page : page * per_page]
    if not chunk:
        return _json(304 if since is not None else 204, {})
    info = {"per_page": per_page, "count": len(chunk), "page": page, "more_records": page * per_page < len(rows)}
    return _json(200, {"data": [d.as_json() for d in chunk], "info": info})


def watch(crm: "ZohoCRM", method: str, query: dict[str, list[str]], body: bytes) -> Response:
    channels = crm.channels
    assert channels is not None
    now = crm.now()
    if method == "GET":
        return _json(*channels.details(now))
    if method == "DELETE":
        ids = [i for v in query.get("channel_ids", []) for i in v.split(",") if i]
        if not ids:
            return _json(400, error("REQUIRED_PARAM_MISSING", "required param is missing", param_name="channel_ids"))
        return _json(*channels.delete(ids))
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return _json(400, error("INVALID_DATA", "body is not a valid JSON"))
    if method in ("POST", "PUT"):
        return _json(*channels.enable(payload, now, replace=method == "PUT"))
    if method == "PATCH":
        return _json(*channels.disable_events(payload, now))
    return _json(405, error("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"))


def control(crm: "ZohoCRM", method: str, path: str, body: bytes) -> Response:
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        return _json(400, {"error": "invalid JSON"})
    if method == "GET" and path == "/_zoho/state":
        return _json(200, state(crm))
    if method == "POST" and path == "/_zoho/clock":
        if "advance" in data:
            crm.clock.advance(float(data["advance"]))
        return _json(200, {"now": crm.now().isoformat()})
    if method == "POST" and path == "/_zoho/faults" and crm.channels is not None:
        faults = crm.channels.faults
        faults.drop = int(data.get("drop", faults.drop))
        faults.twice = int(data.get("twice", faults.twice))
        faults.delay = float(data.get("delay", faults.delay))
        return _json(200, {"drop": faults.drop, "twice": faults.twice, "delay": faults.delay})
    if method == "GET" and path == "/_zoho/writes":
        writes = [
            {"module": w.module, "id": w.id, "operation": w.operation, "triggers": list(w.triggers), "user": w.user,
             "at": zoho_time(w.at), "fields": list(w.fields)}
            for w in crm.store.writes
        ]  # fmt: skip
        return _json(200, {"writes": writes})
    return _json(404, {"error": f"no control endpoint {method} {path}"})


def state(crm: "ZohoCRM") -> dict[str, Any]:
    return {
        "url": crm.url,
        "dc": crm.dc,
        "accounts_url": crm.accounts_url(),
        "api_domain": crm.api_domain(),
        "real_hosts": crm.data_centres()[crm.dc],
        "client_id": crm.accounts.client.client_id,
        "client_secret": crm.accounts.client.client_secret,
        "user": {"id": crm.user.id, "name": crm.user.name},
        "now": crm.now().isoformat(),
        "records": {m: len(crm.store.records[m]) for m in MODULES},
        "tokens_minted": crm.accounts.minted,
        "limits": crm.limits.status(crm.now()),
        "channels": len(crm.channels.live(crm.now())) if crm.channels else 0,
        "deliveries": len(crm.channels.deliveries) if crm.channels else 0,
    }
