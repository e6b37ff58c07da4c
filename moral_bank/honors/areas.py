"""The honor rolls of an area (a township or a county) on one public page.

For every village and community under the area: its stars of the roll period, its ten-star households
and plaque rate, and whether its roll is published; subtotals per township and the area's totals.

The roll period is last month, the period the monthly cycle names stars for (what `propose` and the
admin's roll page default to). A unit's "stars" are its approved stars of that month, exactly what its
own page `/roll/<code>?period=<month>` shows, and its roll is published when it has at least one. The
ten-star households are counted as the unit page counts them (a rolling year up to today).

Everything comes from a fixed number of GROUP BY queries over the unit tree (`Unit.path` prefix), so a
county of 67 villages costs what a township of three does.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select

from ..core.db import db
from ..core.time import today
from ..households.models import Household
from ..units.models import AREA_KINDS, MORAL_BANK_KINDS, Unit
from .models import Honor
from .service import _months_before, last_period

CENT = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole in per cent to two decimals, rounded half up as on a calculator (2 of 3 is
    66.67); None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """Counts of one unit, a township's units or the whole area."""

    target: int  # the plaque target in per cent of households
    units: int = 0
    households: int = 0
    stars: int = 0
    ten_star: int = 0
    published: int = 0

    @property
    def plaque_rate(self) -> Decimal | None:
        return percent(self.ten_star, self.households)

    @property
    def plaque_met(self) -> bool:
        # Judged on the rate as shown, so the page never says "20.00 %, below the 20 % target".
        rate = self.plaque_rate
        return rate is not None and rate >= self.target

    def add(self, other: "Figures") -> None:
        self.units += other.units
        self.households += other.households
        self.stars += other.stars
        self.ten_star += other.ten_star
        self.published += other.published


@dataclass
class Row:
    unit: Unit
    figures: Figures


@dataclass
class Group:
    """A township and its units (or, on a county page, the units directly under the county)."""

    head: Unit
    rows: list[Row] = field(default_factory=list)
    total: Figures | None = None


@dataclass
class AreaRoll:
    area: Unit
    period: str
    target: int
    trail: list[Unit]  # the areas above this one, county first
    groups: list[Group]
    total: Figures


def trail(unit: Unit) -> list[Unit]:
    """The county and township above a unit, county first (for the breadcrumbs); one query."""
    ids = [int(i) for i in unit.path.strip("/").split("/") if i and int(i) != unit.id]
    if not ids:
        return []
    above = db.session.scalars(select(Unit).where(Unit.id.in_(ids), Unit.kind.in_(AREA_KINDS)))
    return sorted(above, key=lambda u: len(u.path))


def _per_unit(stmt) -> dict[int, int]:
    return {unit_id: int(n) for unit_id, n in db.session.execute(stmt)}


def _counts(area: Unit, period: str) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """unit id → households, approved stars of the period, ten-star households; three GROUP BYs."""
    in_area = Unit.path.startswith(area.path)
    households = _per_unit(
        select(Household.unit_id, func.count(Household.id))
        .join(Unit, Unit.id == Household.unit_id)
        .where(in_area)
        .group_by(Household.unit_id)
    )
    stars = _per_unit(
        select(Honor.unit_id, func.count(Honor.id))
        .join(Unit, Unit.id == Honor.unit_id)
        .where(in_area, Honor.status == "approved", Honor.period == period)
        .group_by(Honor.unit_id)
    )
    # The same rule as service.ten_star, for every unit at once.
    on = today()
    since = _months_before(on, current_app.config["TEN_STAR_MONTHS"])
    holders = (
        select(Honor.unit_id)
        .join(Unit, Unit.id == Honor.unit_id)
        .where(in_area, Honor.status == "approved", Honor.period_end > since, Honor.period_end <= on)
        .group_by(Honor.unit_id, Honor.household_id)
        .having(func.count(func.distinct(Honor.category_id)) >= current_app.config["TEN_STAR_STARS"])
        .subquery()
    )
    ten_star = _per_unit(select(holders.c.unit_id, func.count()).group_by(holders.c.unit_id))
    return households, stars, ten_star


def area_roll(area: Unit) -> AreaRoll:
    """Every village and community under a township or county with its figures, grouped by township
    (a township page has one group), with subtotals and totals. At most five queries, whatever the size."""
    if area.kind not in AREA_KINDS:
        raise ValueError(f"{area.code} is not a township or county")
    period = last_period("month")
    target = current_app.config["PLAQUE_TARGET_PERCENT"]
    units = db.session.scalars(
        select(Unit)
        .where(Unit.path.startswith(area.path), Unit.id != area.id, Unit.kind.in_(("township", *MORAL_BANK_KINDS)))
        .order_by(Unit.code)
    ).all()
    households, stars, ten_star = _counts(area, period)
    groups = {u.id: Group(u) for u in units if u.kind == "township"}
    direct = Group(area)  # villages directly under the area (a township's own, or a county's own)
    total = Figures(target)
    for unit in units:
        if unit.kind == "township":
            continue
        n = stars.get(unit.id, 0)
        figures = Figures(target, 1, households.get(unit.id, 0), n, ten_star.get(unit.id, 0), int(n > 0))
        groups.get(unit.parent_id, direct).rows.append(Row(unit, figures))
        total.add(figures)
    listed = [*groups.values(), direct] if direct.rows or not groups else list(groups.values())
    for group in listed:
        group.total = Figures(target)
        for row in group.rows:
            group.total.add(row.figures)
    return AreaRoll(area, period, target, trail(area), listed, total)
