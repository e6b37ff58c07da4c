import time

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..core.cli import fail_on_errors, load_table
from ..core.db import db
from . import service


@click.command("import-incidents")
@click.argument("path")
@with_appcontext
def import_incidents(path: str) -> None:
    """Import incidents from a CSV or XLSX file (unit_code,kind,subkind,date,summary,status,resolved_on,
    escalated): every row or, when any row is bad, none (listing every problem)."""
    started = time.perf_counter()
    table = service.validate_import(load_table(path, service.COLUMNS))
    fail_on_errors(table)
    count = service.import_incidents(table)
    db.session.commit()
    for kind, n in sorted(service.import_counts(table).items()):
        click.echo(f"{kind}: {n}")
    click.echo(_("Imported %(n)s rows in %(seconds)s s.", n=count, seconds=f"{time.perf_counter() - started:.1f}"))
