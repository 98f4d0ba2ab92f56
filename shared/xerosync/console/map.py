"""Map: the store settings as a form, choices read from Xero and from the store.

* ``GET /console/map``: the form over the stored settings (the SSM parameter), each problem
  ``xerosync settings check`` finds beside its field, and the parameter's versions.
  ``?reread=1`` reads Xero's and the store's lists (and the recent order) again (kept a minute).
* ``POST /console/map/preview`` (the form's "Review the change"): the posted form as proposed
  settings, checked, the changes they make, and an order previewed under the current and the
  proposed settings; nothing is saved. Only this page offers to save (its form carries the digest
  of what it showed).
* ``POST /console/map``: checked as ``settings check`` checks a file and refused with the problems
  beside their fields; saved only when the settings are those a review showed (else the review
  is shown, nothing saved), as a new version of the parameter (SSM keeps the previous ones),
  written to the sync log with who saved it; then the page shows what the save changed.

A save never loses a setting the form does not show (:func:`xerosync.settings_form.apply`), and
is refused when the settings were saved by someone else since the form was opened.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from xerosync.aws import parameters
from xerosync.config import Problem, SettingsError, StoreSettings, read_document
from xerosync.console import context
from xerosync.console.auth import signed_in
from xerosync.console.map_html import (
    STYLE,
    changes_html,
    form_html,
    preview_html,
    problems_html,
    saved_note,
    versions_html,
)
from xerosync.console.page import Html, join, page, tag
from xerosync.console.web import Request, Response, redirect, router
from xerosync.jobs import Job, NotConfigured
from xerosync.preview import Comparison, compare
from xerosync.settings_check import Review, review
from xerosync.settings_form import SCALARS, apply, changes, dump, form, mappings
from xerosync.settings_lists import NO_LISTS, Kept, KeptOrganisation, XeroLists, xero_lists
from xerosync.sources.port import StoreError, StoreLists, lists_of
from xerosync.wiring import SETTINGS_MAX_AGE
from xerosync.xero.errors import XeroError
from xerosync.xero.governor import BudgetExhausted

SETTINGS_KEY = "settings"  # the sync log's key of every settings change
BUDGET_WAIT = 5.0
MEMORY: dict[str, Kept] = {}  # Xero's and the store's lists, kept a minute by this container


@dataclass
class Stored:
    """The settings as stored, and what the form is built with."""

    job: Job
    text: str
    version: int
    document: dict[str, Any]
    organisation: KeptOrganisation
    xero: XeroLists
    lists: StoreLists
    notes: list[str] = field(default_factory=list)  # what could not be read (Xero, the store)


def _load(job: Job, *, reread: bool = False) -> Stored:
    name = job.environment.settings_parameter
    text, version = parameters.get_parameter_version(name)
    document, moved = read_document(text, source=f"SSM parameter {name}")
    organisation = KeptOrganisation(_Xero(job), MEMORY)
    store = MEMORY.setdefault("store", Kept())
    if reread:
        organisation.forget()
        store.forget()
        MEMORY.setdefault("recent", Kept()).forget()  # the order to preview with, too
    notes = list(moved)
    try:
        xero = xero_lists(organisation)
    except (XeroError, BudgetExhausted, NotConfigured) as exc:
        xero = XeroLists((), (), (), (), ())
        notes.append(f"Xero's lists could not be read ({exc}): connect Xero, then read them again")
    lists = NO_LISTS
    try:
        lists = store.get(lambda: _store_lists(job))  # the store's client (its secret read) only when not kept
    except (StoreError, NotConfigured) as exc:
        notes.append(f"The store's lists could not be read ({exc}): its words are typed instead")
    return Stored(job, text, version, document, organisation, xero, lists, notes)


def _store_lists(job: Job) -> StoreLists:
    lister = lists_of(job.store)
    return lister.store_lists() if lister is not None else NO_LISTS


class _Xero:
    """The stack's Xero client, built only when a list is read (a kept list needs none), waiting
    at most :data:`BUDGET_WAIT` seconds for the organisation's shared call budget (the governor):
    a page answers within the HTTP API's 30 seconds, and says when Xero's budget is spent."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self._client: Any = None

    def _xero(self) -> Any:
        if self._client is None:
            from xerosync.wiring import xero_from

            self._client = xero_from(self._job.environment, budget_wait=BUDGET_WAIT)
        return self._client

    def accounts(self) -> list[dict[str, Any]]:
        return list(self._xero().accounts())

    def tax_rates(self) -> list[dict[str, Any]]:
        return list(self._xero().tax_rates())

    def tracking_categories(self) -> list[dict[str, Any]]:
        return list(self._xero().tracking_categories())


def _review(stored: Stored, text: str) -> Review:
    try:
        return review(text, stored.job.source, stored.organisation)
    except (XeroError, BudgetExhausted) as exc:  # the check cannot be made: nothing is saved
        return Review(None, [Problem("", f"Xero could not be asked ({exc})")], [], [])


def _kept_keys(document: dict[str, Any], lists: StoreLists) -> list[str]:
    """The settings of ``document`` the form does not show (kept as they are by a save)."""
    shown = {p.split(".", 1)[0] for p, *_ in SCALARS} | {m.split(".", 1)[0] for m in mappings(lists)}
    kept = [k for k in document if k not in shown]
    store = document.get("store")
    if isinstance(store, dict):
        kept += [f"store.{k}" for k in store if k != lists.status_setting]
    return kept


def _page(
    request: Request,
    stored: Stored,
    document: dict[str, Any],
    problems: list[Problem],
    *,
    top: Html | None = None,
    status: int = 200,
    flash: str = "",
    error: str = "",
    order: str = "",
    reviewed: str = "",
) -> Response:
    sections, apart = form(document, stored.xero, stored.lists, problems)
    add_options = {"tax.rates": stored.xero.tax_types, "payments.accounts": stored.xero.payment_accounts}
    content = join(
        [
            STYLE,
            problems_html([Problem("", n) for n in stored.notes], "Read with care:"),
            problems_html(apart, "Settings the form does not show have problems:"),
            top or Html(""),
            form_html(
                sections,
                request.session,
                version=stored.version,
                order=order or _recent_order(),
                add_options=add_options,
                kept=_kept_keys(document, stored.lists),
                reviewed=reviewed,
            ),
            versions_html(parameters.history(stored.job.environment.settings_parameter, limit=5), stored.version),
        ]
    )
    return page("Map", content, session=request.session, status=status, flash=flash, error=error)


def _recent_order() -> str:
    """A recent order's id to preview with: the order most recently in the sync log (kept a minute)."""
    key = MEMORY.setdefault("recent", Kept()).get(lambda: context.journal().latest_key("order:", datetime.now(UTC)))
    return str(key).split(":", 1)[1] if key else ""


@router.get("/console/map")
@signed_in
def settings_form(request: Request) -> Response:
    try:
        stored = _load(context.job(), reread=request.query.get("reread") == "1")
    except SettingsError as exc:
        return page("Map", tag("p", str(exc), class_="error"), session=request.session, status=500)
    flash, top = request.query.get("done", ""), Html("")
    saved = request.query.get("saved", "")
    if saved.isdigit():
        versions = {v.number: v for v in parameters.history(stored.job.environment.settings_parameter, limit=100)}
        new, old = versions.get(int(saved)), versions.get(int(saved) - 1)
        if new is not None:
            before, _ = read_document(old.value) if old is not None else ({}, [])
            after, _ = read_document(new.value)
            flash = saved_note(new.number, new.modified, SETTINGS_MAX_AGE)
            top = changes_html(changes(before, after), f"What version {saved} changed")
    problems = _review(stored, stored.text).problems
    return _page(request, stored, stored.document, problems, top=top, flash=flash)


def _proposed(request: Request, stored: Stored) -> tuple[dict[str, Any], str, Review]:
    document = apply(stored.document, request.form, stored.lists)
    text = dump(document, like=stored.text)
    return document, text, _review(stored, text)


def _digest(stored: Stored, text: str) -> str:
    """What a review showed: the stored version and the proposed text (a save must match it)."""
    return hashlib.sha256(f"{stored.version}\n{text}".encode()).hexdigest()[:32]


@router.post("/console/map/preview")
@signed_in
def preview_change(request: Request) -> Response:
    return _review_page(request, _load(context.job()))


def _review_page(request: Request, stored: Stored, *, flash: str = "") -> Response:
    """The posted form as proposed settings: what saving them changes, their problems beside their
    fields, and an order previewed under both; a Save button when there are no problems."""
    document, text, checked = _proposed(request, stored)
    order = request.form.get("preview_order", "").strip()
    comparison: Comparison | None = None
    why = ""
    if order and checked.settings is not None:
        comparison, why = _compare(stored, order, checked.settings)
    elif order:
        why = "The proposed settings have problems (beside their fields): fix them to preview an order."
    changed = changes(stored.document, document)
    top = join([changes_html(changed, "What saving would change"), preview_html(order, comparison, why)])
    said = f"{len(checked.problems)} problem(s): saving would be refused." if checked.problems else ""
    ready = _digest(stored, text) if changed and not checked.problems else ""
    return _page(
        request, stored, document, checked.problems, top=top, error=said, flash=flash, order=order, reviewed=ready
    )


def _compare(stored: Stored, order: str, proposed: StoreSettings) -> tuple[Comparison | None, str]:
    try:
        found = stored.job.store.fetch("order", order)
        current = stored.job.settings
    except (StoreError, NotConfigured, SettingsError) as exc:
        return None, str(exc)
    return compare(dict(found.raw), current, proposed, stored.job.source), ""


@router.post("/console/map")
@signed_in
def save(request: Request) -> Response:
    stored = _load(context.job())
    opened = request.form.get("version", "")
    if opened != str(stored.version):
        error = (
            f"The settings were saved again (version {stored.version}) since this form was opened (version {opened}): "
            "nothing was saved. Here they are as they are now."
        )
        return _page(request, stored, stored.document, [], status=409, error=error)
    document, text, checked = _proposed(request, stored)
    if checked.settings is None or checked.problems:
        error = f"Not saved: {len(checked.problems)} problem(s), each beside its setting."
        top = changes_html(changes(stored.document, document), "What saving would have changed")
        return _page(request, stored, document, checked.problems, top=top, status=422, error=error)
    changed = changes(stored.document, document)
    if not changed:
        return redirect("/console/map?done=" + quote("nothing changed: nothing saved"))
    if request.form.get("reviewed", "") != _digest(stored, text):  # saved only as a review showed it
        return _review_page(request, stored, flash="Not saved yet: here is what saving changes; save again to confirm.")
    who = request.session.who
    name = stored.job.environment.settings_parameter
    version = parameters.put_parameter(name, text, description=f"saved from the console by {who}")
    listed = "; ".join(f"{c.setting}: {c.old or '(not set)'} -> {c.new or '(removed)'}" for c in changed)
    context.audit(request.session, SETTINGS_KEY, "settings saved", f"version {stored.version} -> {version}: {listed}")
    return redirect(f"/console/map?saved={version}")


__all__ = ["preview_change", "save", "settings_form"]
