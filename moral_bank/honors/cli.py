import time

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..core.db import db
from ..core.errors import DomainError
from ..units import service as units
from ..units.models import AREA_KINDS, MORAL_BANK_KINDS
from . import service


@click.command("propose-stars")
@click.argument("area_code")
@click.option("--period", default=None, help="YYYY-MM (or 2026-Q4, 2026); last month by default.")
@with_appcontext
def propose_stars(area_code: str, period: str | None) -> None:
    """Propose a period's stars for every village and community under a township or county (or one unit)."""
    area = units.by_code(area_code)
    if area is None or area.kind not in (*AREA_KINDS, *MORAL_BANK_KINDS):
        raise click.BadParameter(
            _("No township, county, village or community has the code %(code)s.", code=area_code),
            param_hint="AREA_CODE",
        )
    started = time.perf_counter()
    try:
        done = service.propose_area(area, period or service.last_period("month"))
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint="--period") from None
    db.session.commit()
    click.echo(
        _(
            "%(n)s stars proposed for %(period)s in %(units)s of %(total)s villages and communities (%(s)s s).",
            n=f"{done.proposed:,}",
            period=done.period,
            units=done.units_with_proposals,
            total=done.units,
            s=f"{time.perf_counter() - started:.1f}",
        )
    )
