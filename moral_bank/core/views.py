"""Small helpers every domain's views use."""

from flask import Response, abort, current_app, flash, request, url_for

from .db import db
from .errors import DomainError
from .tabular import to_csv, to_xlsx

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(fmt: str, basename: str, columns: tuple[str, ...], rows) -> Response:
    if fmt not in MIMETYPES:
        abort(404)
    body = to_csv(columns, rows) if fmt == "csv" else to_xlsx(columns, rows)
    return Response(
        body, content_type=MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{basename}.{fmt}"'}
    )


def paginate(stmt, per_page: int | None = None):
    """A page of `stmt` from ?page= and ?per_page= (capped at 200); bad numbers fall back to defaults."""
    requested = request.args.get("per_page", type=int)
    size = requested if requested and requested > 0 else per_page or current_app.config["PAGE_SIZE"]
    page = request.args.get("page", type=int)
    # A huge page number would overflow the database's integers: past the end is past the end.
    page = min(page, 1_000_000) if page and page > 0 else 1
    return db.paginate(stmt, page=page, per_page=size, max_per_page=200, error_out=False)


def apply_form_error(form, exc) -> None:
    """Show a domain error under each field it names, or at the top of the form."""
    fields = getattr(exc, "fields", None) or {exc.field: exc.message}
    for name, message in fields.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def saved(form, action, done: str) -> bool:
    """Run a form's service call: on a domain error roll back and show it on the form; else commit
    and flash `done`. True when it was saved (the view then redirects)."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        apply_form_error(form, exc)
        return False
    db.session.commit()
    flash(done, "success")
    return True


def search_arg() -> str:
    return (request.args.get("q") or "").strip()[:50]


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else the home page (no open redirects)."""
    # Not "//evil.example", nor "/\evil.example" (browsers read "\" as "/"), nor anything holding a
    # tab or newline: browsers and urlsplit drop those, so "/<TAB>/evil.example" became "//evil.example".
    local = target and target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if local and target.isprintable() else url_for("main.index")


def commit_or_flash(action, done) -> bool:
    """Run a service call for a button: on a domain error roll back and flash its message; else
    commit and flash `done` (a message, or a function of the call's result giving one)."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    db.session.commit()
    flash(done(result) if callable(done) else done, "success")
    return True
