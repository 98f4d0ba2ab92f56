"""Reading and submitting an HTML form as a browser would, for tests that follow pages over HTTP
(httpx) instead of a browser: the consent screen, the stack's connect pages."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

FORM = {"content-type": "application/x-www-form-urlencoded"}


def encoded(pairs: list[tuple[str, str]]) -> str:
    """A form's fields as a browser posts them (``content=encoded(...)``, ``headers=FORM``)."""
    return urlencode(pairs)


@dataclass
class Control:
    tag: str
    type: str
    name: str
    value: str
    id: str
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    controls: list[Control] = field(default_factory=list)

    def control(self, id: str) -> Control:
        found = [c for c in self.controls if c.id == id]
        assert found, f"no element #{id} in the form (ids: {[c.id for c in self.controls if c.id]})"
        return found[0]

    def submission(
        self, button: str, *, tick: tuple[str, ...] = (), untick: tuple[str, ...] = ()
    ) -> list[tuple[str, str]]:
        """The fields a browser sends when ``button`` (an id) is clicked, after ticking and
        unticking checkboxes and radio buttons by id."""
        pressed = self.control(button)
        pairs: list[tuple[str, str]] = []
        for c in self.controls:
            if c.tag == "button" or c.type == "submit":
                if c is pressed and c.name:
                    pairs.append((c.name, c.value))
                continue
            if c.type in ("checkbox", "radio"):
                group_ticked = c.type == "radio" and any(o.id in tick for o in self.controls if o.name == c.name)
                on = c.id in tick if group_ticked else (c.checked or c.id in tick) and c.id not in untick
                if on and c.name:
                    pairs.append((c.name, c.value or "on"))
                continue
            if c.name:
                pairs.append((c.name, c.value))
        return pairs


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.ids: dict[str, str] = {}  # id -> tag
        self._form: Form | None = None
        self._button: Control | None = None
        self._text: list[str] = []
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids[a["id"]] = tag
            self._open.append((tag, a["id"]))
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag in ("input", "button", "select", "textarea") and self._form is not None:
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            control = Control(tag, kind, a.get("name", ""), a.get("value", ""), a.get("id", ""), "checked" in a)
            self._form.controls.append(control)
        elif tag == "option" and self._form is not None and self._form.controls:
            select = self._form.controls[-1]
            if select.tag == "select" and ("selected" in a or not select.value):
                select.value = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for _, id in self._open:
            self.texts[id] = self.texts.get(id, "") + data


@dataclass
class Page:
    forms: list[Form]
    ids: dict[str, str]
    texts: dict[str, str]  # the text inside each element with an id

    def form_with(self, id: str) -> Form:
        for form in self.forms:
            if any(c.id == id for c in form.controls):
                return form
        raise AssertionError(f"no form holds #{id} (ids on the page: {sorted(self.ids)})")


def read(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    return Page(parser.forms, parser.ids, parser.texts)
