"""The store's API credentials on the Connect page: the fields the stack's source declares
(:class:`xerosync.sources.credentials_port.CredentialForm`), checked with one call to the store,
saved in the store's credentials secret only when it accepted them (:mod:`xerosync.connect.store`).

A secret field is never shown back: its input is empty, saying whether a value is stored, and
left empty it keeps that value. A store that makes keys from its own approve page gets a
"Connect the store" button above the form (:mod:`xerosync.console.store_grant`). Element ids:
``#store-credentials`` (the form), ``#store-<field>`` (each input), ``#save-store``.
"""

from xerosync.connect import store
from xerosync.console import context
from xerosync.console.auth import Session, csrf_field, signed_in
from xerosync.console.page import Html, esc, join, tag
from xerosync.console.store_grant import grant_section
from xerosync.console.web import Request, Response, redirect, router
from xerosync.sources.port import StoreError


def store_section(session: Session) -> Html:
    form = context.store_form()
    if form is None:
        return Html(tag("h2", "Store") + tag("p", "This store's credentials are not entered here.", class_="muted"))
    current = context.store_secret().read()
    fields = store.shown(form, current)
    grant = context.key_grant()
    approve = grant_section(session, str(current.get(grant.address) or "")) if grant is not None else Html("")

    def hint(f: store.Shown) -> str:
        if not f.secret:
            return f.help
        return "stored: leave empty to keep" if f.stored else "not set"

    inputs = join(
        tag(
            "label",
            Html(
                esc(f.label + ("" if f.required else " (optional)"))
                + Html(
                    f'<input name="{esc(f.name)}" id="store-{esc(f.name)}" value="{esc(f.value)}" '
                    f'type="{"password" if f.secret else "text"}" autocomplete="off" '
                    f'placeholder="{esc(hint(f))}">'
                )
                + tag("small", f.help, class_="muted")
            ),
            for_=f"store-{f.name}",
        )
        for f in fields
    )
    body = tag(
        "form",
        Html(csrf_field(session) + inputs + tag("button", "Check and save", type="submit", id="save-store")),
        method="post",
        action="/connect/store",
        id="store-credentials",
        class_="row",
    )
    return Html(tag("h2", f"Store: {form.title}") + approve + body)


@router.post("/connect/store")
@signed_in
def save(request: Request) -> Response:
    form = context.store_form()
    if form is None:
        return redirect("/console/connect")
    secret = context.store_secret()
    entered = {f.name: request.form.get(f.name, "") for f in form.fields}
    try:
        store.save(
            form, entered, read=secret.read, write=secret.write, who=request.session.who, journal=context.journal()
        )
    except store.Missing:
        return redirect("/console/connect?error=fields")
    except StoreError:
        return redirect("/console/connect?error=store")
    return redirect("/console/connect?done=store")
