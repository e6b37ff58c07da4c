import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..core.db import db
from ..core.errors import DomainError
from ..units import service as units
from . import notices
from .service import check_month


@click.command("close-month")
@click.option("--unit", "unit_code", help="Only this unit (its code); without it, every unit.")
@click.option("--month", help="Only notices of this month (YYYY-MM).")
@click.option("--chunk", default=500, show_default=True, help="Commit after this many lines.")
@with_appcontext
def close_month(unit_code: str | None, month: str | None, chunk: int) -> None:
    """Post every notice whose period has ended with no open objection; report the others.

    Safe to run again, also after being killed midway: each sheet and deed posts once.
    Exits 1 when a notice of the named unit could not be posted yet.
    """
    unit = None
    try:
        if month:
            check_month(month)
        if unit_code:
            unit = units.by_code(unit_code)
            if unit is None:
                raise DomainError(_("No unit has the code %(code)s.", code=unit_code))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    waiting = 0
    for notice in notices.pending(unit, month):
        problem = notices.why_not_postable(notice)
        label = _("Notice %(id)s (%(unit)s, %(month)s)", id=notice.id, unit=notice.unit.code, month=notice.month)
        if problem:
            waiting += 1
            if unit is not None:
                click.echo(_("%(notice)s not posted: %(reason)s", notice=label, reason=problem), err=True)
            continue
        count = notices.post(notice, actor=None, chunk=max(chunk, 1))
        db.session.commit()
        click.echo(_("%(notice)s: %(n)s lines posted.", notice=label, n=count))
    if unit is not None and waiting:
        raise click.ClickException(_("%(n)s notice(s) could not be posted yet.", n=waiting))
    click.echo(_("Done."))
