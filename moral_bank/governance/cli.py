import time

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..core.db import db
from ..core.time import month_of
from ..scoring.service import MONTH_RE
from ..units import service as units
from . import scores


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
