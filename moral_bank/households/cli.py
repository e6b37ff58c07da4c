import click
from flask.cli import with_appcontext

from ..core.cli import fail_on_errors, load_table
from ..core.db import db
from . import service


@click.command("import-households")
@click.argument("path")
@with_appcontext
def import_households(path: str) -> None:
    """Import households from a CSV or XLSX file (unit_code,household_code,head_name,members,address,phone)."""
    table = service.validate_import(load_table(path, service.COLUMNS))
    fail_on_errors(table)
    count = service.import_households(table)
    db.session.commit()
    click.echo(f"Imported {count} households.")
