import click
from flask.cli import with_appcontext

from ..core.cli import fail_on_errors, load_table
from ..core.db import db
from . import service


@click.command("import-units")
@click.argument("path")
@with_appcontext
def import_units(path: str) -> None:
    """Import units from a CSV or XLSX file (code,name,kind,parent_code)."""
    table = service.validate_import(load_table(path, service.COLUMNS))
    fail_on_errors(table)
    count = service.import_units(table)
    db.session.commit()
    click.echo(f"Imported {count} units.")
