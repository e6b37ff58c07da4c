import click
from flask.cli import with_appcontext

from ..core.cli import run_import
from . import service


@click.command("import-units")
@click.argument("path")
@with_appcontext
def import_units(path: str) -> None:
    """Import units from a CSV or XLSX file (code,name,kind,parent_code)."""
    run_import(path, service.COLUMNS, service.validate_import, service.import_units)
