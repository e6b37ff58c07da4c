import click
from flask.cli import with_appcontext

from ..core.cli import run_import
from . import service


@click.command("import-households")
@click.argument("path")
@with_appcontext
def import_households(path: str) -> None:
    """Import households from a CSV or XLSX file (unit_code,household_code,head_name,members,address,phone)."""
    run_import(path, service.COLUMNS, service.validate_import, service.import_households)
