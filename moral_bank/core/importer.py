"""The upload → preview → confirm flow shared by every file import page."""

from collections.abc import Callable

from flask import current_app, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user

from .db import db
from .errors import DomainError
from .forms import ConfirmForm, UploadForm
from .tabular import Table, discard, read_table, stash, unstash


def run(
    columns: tuple[str, ...],
    validate: Callable[[Table, object], Table],
    do_import: Callable[[Table, object], int],
    title: str,
    done_url: str,
):
    """Render the import page; on upload show the preview, on confirm import everything or nothing."""
    upload, confirm = UploadForm(), ConfirmForm()
    instance, owner = current_app.instance_path, current_user.id
    context = {"upload": upload, "confirm": confirm, "columns": columns, "title": title}
    status = 200
    try:
        if confirm.token.data and confirm.validate_on_submit():
            filename, data = unstash(instance, confirm.token.data, owner)
            count = do_import(read_table(filename, data, columns), current_user)
            db.session.commit()
            discard(instance, confirm.token.data)
            flash(_("Imported %(n)s rows.", n=count), "success")
            return redirect(done_url)
        if upload.validate_on_submit():
            filename, data = upload.file.data.filename, upload.file.data.read()
            table = validate(read_table(filename, data, columns), current_user)
            context["table"] = table
            if not table.errors:
                confirm.token.data = stash(instance, filename, data, owner)
            else:
                status = 422
        elif upload.errors:
            status = 422
    except DomainError as exc:
        db.session.rollback()
        upload.file.errors = [*upload.file.errors, exc.message]
        status = 422
    return render_template("admin/import.html", **context), status
