"""Fix: retry failed records, push a date range, run a reconciliation now, a day's drift report.

Every change is written to the sync log with who asked for it (:func:`xerosync.console.context.audit`).
"""

from xerosync.console import context
from xerosync.console.auth import csrf_field, signed_in
from xerosync.console.page import Html, page, tag
from xerosync.console.web import Request, Response, redirect, router


@router.get("/console/fix")
@signed_in
def fix(request: Request) -> Response:
    retry_all = tag(
        "form",
        Html(csrf_field(request.session) + tag("button", "Retry every failed record", type="submit")),
        method="post",
        action="/console/retry",
        class_="row",
    )
    content = Html(tag("h2", "Failed records") + retry_all)
    return page("Fix", content, session=request.session, flash=request.query.get("done", ""))


@router.post("/console/retry")
@signed_in
def retry(request: Request) -> Response:
    """Dead-lettered records back to their queues: one (``record``) or all."""
    from urllib.parse import quote

    from xerosync import ops

    record = request.form.get("record", "").strip() or None
    context.audit(
        request.session, record or "console", "retry", f"retry {'of ' + record if record else 'of every failed record'}"
    )
    moved = sum(r.moved for r in ops.retry(context.stack(), record=record))
    said = f"{moved} record(s) sent back to their queues"
    if record:
        return redirect(f"/console/record/{quote(record)}?done={quote(said)}")
    return redirect(f"/console/fix?done={quote(said)}")
