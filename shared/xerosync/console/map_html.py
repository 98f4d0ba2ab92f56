"""The Map page's markup: the settings form (every field with a stable id, its label and its error
beside it), the changes a save makes, a record previewed under both settings, and the versions.

Ids are the browser tests' handles: a field is ``setting-<its setting>`` (``setting-accounts-sales``,
``setting-tax-rates-1``), its error ``<id>-error``; the form ``map-form``, its sections ``map-<name>``,
the changes ``map-changes``, the preview ``map-preview``, the versions ``map-versions``.
"""

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from xerosync.aws.parameters import Version
from xerosync.config import Problem
from xerosync.console.auth import Session, csrf_field
from xerosync.console.page import Html, esc, join, table, tag
from xerosync.preview import Comparison
from xerosync.settings_form import ADD_KEY, ADD_VALUE, Change, Field, Section
from xerosync.settings_lists import Option


def saved_note(version: int, saved_at: datetime | None, kept_seconds: float) -> str:
    """What a save means for the records synced next. A sync function reads the settings once and
    keeps them ``kept_seconds`` (:data:`xerosync.wiring.SETTINGS_MAX_AGE`), so a record it starts
    within that time of the save may still use the previous version; one started after uses the
    saved one. A record retried from the console or the CLI reads the settings afresh."""
    minutes = math.ceil(kept_seconds / 60)
    plural = "s" if minutes != 1 else ""
    if saved_at is None:
        when = f"within {minutes} minute{plural} of the save"
    else:
        due = saved_at.astimezone(UTC) + timedelta(seconds=kept_seconds)
        if due.second or due.microsecond:  # the next whole minute: never an earlier time than the truth
            due = due.replace(second=0, microsecond=0) + timedelta(minutes=1)
        when = f"from {due:%H:%M} UTC ({minutes} minute{plural} after the save)"
    return (
        f"Saved as version {version}; the previous settings are kept as version {version - 1}. "
        f"Records synced {when} use it: a sync function keeps the settings it read for up to {minutes} "
        f"minute{plural}, so a record it syncs before then may still use version {version - 1}. "
        "A record retried from Fix (or with xerosync retry) uses it at once."
    )


STYLE = Html(
    "<style>"
    "fieldset{background:#fff;border:1px solid #dde3e8;border-radius:6px;margin:0 0 1rem;padding:.6rem .9rem}"
    "legend{font-weight:600;padding:0 .3rem}"
    ".field{margin:.45rem 0}.field select,.field input{width:100%;max-width:30rem}"
    ".field-error{color:#a1161a;margin:.15rem 0 0;font-size:.85rem}"
    ".field.bad select,.field.bad input{border-color:#a1161a}"
    ".sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:.75rem}"
    "pre{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:.6rem;overflow-x:auto;font-size:.8rem}"
    ".del{color:#a1161a}.ins{color:#176b2c}"
    "</style>"
)


def _options(f: Field) -> Html:
    blank = tag("option", f"({f.blank})", value="")
    offered = {o.value for o in f.options}
    extra = [] if not f.value or f.value in offered else [Option(f.value, f"{f.value} (not in the list)")]
    groups: dict[str, list[Option]] = {}
    for option in [*extra, *f.options]:
        groups.setdefault(option.group, []).append(option)

    def one(o: Option) -> Html:
        label = o.label + (f" - {o.note}" if o.note and o.note != o.value else "")
        return tag("option", label, value=o.value, selected="selected" if o.value == f.value else None)

    parts = [blank]
    for group, options in groups.items():
        rendered = join(one(o) for o in options)
        parts.append(tag("optgroup", rendered, label=group) if group else rendered)
    return join(parts)


def field_html(f: Field) -> Html:
    error_id = f"{f.id}-error"
    note = tag("span", f" {f.note}", class_="muted") if f.note else ""
    label = tag("label", Html(esc(f.label) + esc(note)), for_=f.id)
    described = error_id if f.error else None
    if f.options or f.kind != "text":
        control = tag("select", _options(f), id=f.id, name=f.name, aria_describedby=described)
    else:
        control = Html(
            f'<input type="text" id="{esc(f.id)}" name="{esc(f.name)}" value="{esc(f.value)}"'
            + (f' aria-describedby="{esc(described)}"' if described else "")
            + ">"
        )
    error = tag("p", f.error, id=error_id, class_="field-error", role="alert") if f.error else ""
    return tag("div", Html(label + control + esc(error)), class_="field bad" if f.error else "field")


def add_row(section: Section, options: Sequence[Option]) -> Html:
    """A free-text entry for a mapping: the store's word typed, its Xero code chosen."""
    base = "setting-add-" + section.adds.replace(".", "-")
    key = Field(ADD_KEY + section.adds, f"{section.add_label}: the store's id", "text", "")
    value = Field(
        ADD_VALUE + section.adds, f"{section.add_label}: maps to", section.add_kind, "", tuple(options), "none"
    )
    key_html = Html(
        f'<div class="field"><label for="{base}-key">{esc(key.label)}</label>'
        f'<input type="text" id="{base}-key" name="{esc(key.name)}" value=""></div>'
    )
    value_html = tag(
        "div",
        Html(
            tag("label", value.label, for_=f"{base}-value")
            + tag("select", _options(value), id=f"{base}-value", name=value.name)
        ),
        class_="field",
    )
    return Html(key_html + value_html)


def form_html(
    sections: Sequence[Section],
    session: Session,
    *,
    version: int,
    order: str,
    add_options: Mapping[str, Sequence[Option]],
    kept: Sequence[str],
    reviewed: str = "",
) -> Html:
    """The form; ``reviewed`` (the digest of the settings a review showed): offers to save them."""
    parts = [csrf_field(session), Html(f'<input type="hidden" name="version" value="{int(version)}">')]
    if reviewed:
        parts.append(Html(f'<input type="hidden" name="reviewed" value="{esc(reviewed)}">'))
    for section in sections:
        inner = [tag("legend", section.title), *(field_html(f) for f in section.fields)]
        if section.adds:
            inner.append(add_row(section, add_options.get(section.adds, ())))
        parts.append(tag("fieldset", join(inner), id=section.id))
    if kept:
        parts.append(tag("p", "Kept as they are (not on this form): " + ", ".join(kept), class_="muted", id="map-kept"))
    order_field = Html(
        '<div class="field"><label for="map-preview-order">Preview with order (the store\'s order id)</label>'
        f'<input type="text" id="map-preview-order" name="preview_order" value="{esc(order)}"></div>'
    )
    save = ' <button type="submit" id="map-save">Save these settings</button>' if reviewed else ""
    buttons = Html(
        '<p><button type="submit" id="map-preview-button" formaction="/console/map/preview" class="secondary">'
        f"Review the change</button>{save}</p>"
    )
    parts += [order_field, buttons]
    return tag("form", join(parts), method="post", action="/console/map", id="map-form")


def changes_html(changes: Sequence[Change], title: str) -> Html:
    rows = [
        [c.setting, "(not set)" if c.old is None else c.old, "(removed)" if c.new is None else c.new] for c in changes
    ]
    return tag(
        "section",
        Html(tag("h2", title) + table(("setting", "before", "after"), rows, empty="nothing changes")),
        id="map-changes",
    )


def problems_html(problems: Sequence[Problem], title: str) -> Html:
    if not problems:
        return Html("")
    items = join(tag("li", str(p)) for p in problems)
    return tag("div", Html(tag("p", title) + tag("ul", items)), class_="error", id="map-problems", role="alert")


def preview_html(order: str, comparison: Comparison | None, why: str = "") -> Html:
    title = tag("h2", f"What the change does to order {order}" if order else "What the change does to an order")
    if comparison is None:
        return tag(
            "section", Html(title + tag("p", why or "Name an order to preview it.", class_="muted")), id="map-preview"
        )
    said = (
        "The change alters what is sent to Xero for this order."
        if comparison.differs
        else ("The change does not alter what is sent to Xero for this order.")
    )
    kinds = {"-": "del", "+": "ins"}
    diff = join(Html(tag("span", line, class_=kinds.get(line[:1])) + "\n") for line in comparison.diff)
    sides = tag(
        "div",
        Html(
            tag("div", Html(tag("h3", "Current settings") + tag("pre", comparison.current)), id="map-preview-current")
            + tag(
                "div", Html(tag("h3", "Proposed settings") + tag("pre", comparison.proposed)), id="map-preview-proposed"
            )
        ),
        class_="sides",
    )
    body = Html(title + tag("p", said, id="map-preview-verdict"))
    if comparison.differs:
        body = Html(body + tag("pre", diff, id="map-preview-diff"))
    return tag("section", Html(body + sides), id="map-preview")


def versions_html(versions: Sequence[Version], current: int) -> Html:
    def when(moment: datetime | None) -> str:
        return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""

    rows = [
        [str(v.number) + (" (current)" if v.number == current else ""), when(v.modified), v.description or v.by]
        for v in versions
    ]
    return tag(
        "section",
        Html(tag("h2", "Versions") + table(("version", "saved", "by"), rows, empty="never saved: the defaults apply")),
        id="map-versions",
    )


__all__ = ["STYLE", "changes_html", "form_html", "preview_html", "problems_html", "versions_html"]
