"""The red and black list (红黑榜) of a unit for a period.

Red: the period's approved stars. Black: households whose deductions in the period add up to at least the
unit's threshold (`UnitSettings.black_list_threshold`, 10 points by default).

A deduction counts when it is posted (reviewed, on the notice board for its notice period with no objection
upheld) and happened in the period, as the three-zero star rule counts them. It counts at the points the
scorer recorded, even when the passbook held less and posting took only what was there: the list is about
conduct, not about what a balance could bear. A posted deduction corrected afterwards (`notices.correct`:
its transfer reversed and the right points posted) counts at its corrected points, so one corrected to 0
does not count. Deductions still on review or on the notice board do not count: a household can still
object to them.

Admins see full names, codes and points; the public roll shows the black list only when the unit turns it
on, and then only masked names (always, whatever the unit's name_privacy) and the kinds of deduction.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from ..core import permissions
from ..core.db import db
from ..core.errors import NotAllowed
from ..households.models import Household, mask_name
from ..scoring import service as scoring
from ..scoring.models import Deed, DeedCategory, LineCorrection, NoticeLine
from ..units.models import Unit
from . import service
from .models import Honor


@dataclass
class BlackListed:
    """A household on the black list, as admins see it."""

    household_id: int
    code: str
    name: str
    points: int  # its counted deductions in the period
    categories: list[tuple[str, int]]  # (deduction category, points), most first


@dataclass(frozen=True)
class PublicBlackListed:
    """What the public roll may show of a household on the black list: nothing that identifies it more."""

    name: str  # masked
    categories: tuple[str, ...]


def red_list(unit: Unit, period_text: str) -> list[Honor]:
    """The period's approved stars, by category."""
    return service.roll(unit, period_text, statuses=("approved",))


def _counted_points():
    """A deduction's points as the black list counts them (see the module's docstring)."""
    corrected = select(LineCorrection.id).where(LineCorrection.line_id == NoticeLine.id).exists()
    return case((corrected, -NoticeLine.posted_points), else_=Deed.points)


def _black_list(unit: Unit, period_text: str) -> list[BlackListed]:
    period = service.parse_period(period_text)
    threshold = scoring.settings_for(unit).black_list_threshold
    # One statement: points per (household, deduction category), and the households whose sum reaches
    # the threshold.
    per_category = (
        select(
            Deed.household_id.label("household_id"),
            DeedCategory.name.label("category"),
            func.sum(_counted_points()).label("points"),
        )
        .join(DeedCategory, DeedCategory.id == Deed.category_id)
        # Its posted notice line: a deed on the board or withdrawn after an objection has none.
        .join(NoticeLine, and_(NoticeLine.deed_id == Deed.id, NoticeLine.status == "posted"))
        .where(
            Deed.unit_id == unit.id,
            DeedCategory.kind == "deduction",
            Deed.happened_on >= period.start,
            Deed.happened_on <= period.end,
        )
        .group_by(Deed.household_id, DeedCategory.name)
        .having(func.sum(_counted_points()) > 0)
        .cte("per_category")
    )
    totals = (
        select(per_category.c.household_id, func.sum(per_category.c.points).label("total"))
        .group_by(per_category.c.household_id)
        .having(func.sum(per_category.c.points) >= threshold)
        .subquery("totals")
    )
    rows = db.session.execute(
        select(Household.id, Household.code, Household.head_name, totals.c.total, per_category.c.category)
        .add_columns(per_category.c.points)
        .join(totals, totals.c.household_id == Household.id)
        .join(per_category, per_category.c.household_id == Household.id)
        .order_by(totals.c.total.desc(), Household.code, per_category.c.points.desc(), per_category.c.category)
    ).all()
    listed: dict[int, BlackListed] = {}
    for household_id, code, name, total, category, points in rows:
        entry = listed.setdefault(household_id, BlackListed(household_id, code, name, int(total), []))
        entry.categories.append((category, int(points)))
    return list(listed.values())


def black_list(unit: Unit, period_text: str, actor) -> list[BlackListed]:
    """The black list with full names and points: for admins of the unit (or above it) only."""
    if not permissions.has_role(actor, permissions.ADMINS, unit):
        raise NotAllowed(_("Only an admin of this unit may see its black list."))
    return _black_list(unit, period_text)


def public_black_list(unit: Unit, period_text: str) -> list[PublicBlackListed] | None:
    """The black list as the public roll shows it, or None when the unit keeps it off the roll (the
    default): masked names and the kinds of deduction, never points, dates, reasons or codes, in name order."""
    if not scoring.settings_for(unit).black_list_public:
        return None
    shown = [
        PublicBlackListed(mask_name(entry.name), tuple(category for category, _points in entry.categories))
        for entry in _black_list(unit, period_text)
    ]
    return sorted(shown, key=lambda entry: entry.name)  # not by points: the order would tell them
