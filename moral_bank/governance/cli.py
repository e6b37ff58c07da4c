import time

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..core.cli import fail_on_errors, load_table
from ..core.db import db
from ..core.time import month_of
from ..scoring.service import MONTH_RE
from ..units import service as units
from . import scores, service


@click.command("compute-scores")
@click.option("--month", default=None, help="YYYY-MM; this month by default.")
@click.option("--area", "area_code", default=None, help="A township's or the county's code; every unit by default.")
@with_appcontext
def compute_scores(month: str | None, area_code: str | None) -> None:
    """(Re)compute the three-zero status and self-governance score of every unit for a month."""
    month = month or month_of()
    if not MONTH_RE.match(month):
        raise click.BadParameter(_("Give the month as YYYY-MM."), param_hint="--month")
    area = None
    if area_code:
        area = units.by_code(area_code)
        if area is None:
            raise click.BadParameter(_("No unit has the code %(code)s.", code=area_code), param_hint="--area")
    started = time.perf_counter()
    n = scores.compute(month, area=area)
    db.session.commit()
    click.echo(
        _("%(n)s units scored for %(month)s in %(s)s s.", n=n, month=month, s=f"{time.perf_counter() - started:.1f}")
    )


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
