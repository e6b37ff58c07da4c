"""Helpers for commands: fail with a clear, translated message and a non-zero exit.

Commands speak the deployment's default language (FLASK_BABEL_DEFAULT_LOCALE).
"""

from collections.abc import Callable
from pathlib import Path

import click
from flask_babel import gettext as _

from .db import db
from .errors import DomainError
from .tabular import Table, read_table


def load_table(path: str, columns: tuple[str, ...]) -> Table:
    file = Path(path)
    if not file.is_file():
        raise click.ClickException(_("No such file: %(path)s", path=path))
    try:
        return read_table(file.name, file.read_bytes(), columns)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


def fail_on_errors(table: Table) -> None:
    if table.errors:
        for line, message in table.errors[:200]:
            click.echo(_("line %(line)s: %(message)s", line=line, message=message), err=True)
        more = len(table.errors) - 200
        if more > 0:
            click.echo(_("… and %(n)s more rows.", n=more), err=True)
        raise click.ClickException(
            _("%(n)s problems found. Nothing was imported; correct the file and upload it again.", n=len(table.errors))
        )


def run_import(path: str, columns: tuple[str, ...], validate: Callable, do_import: Callable) -> None:
    """Import a whole file or nothing, committing once."""
    table = validate(load_table(path, columns))
    fail_on_errors(table)
    count = do_import(table)
    db.session.commit()
    click.echo(_("Imported %(n)s rows.", n=count))
