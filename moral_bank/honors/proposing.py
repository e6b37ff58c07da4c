"""Proposing stars by their rules, for one unit or for every unit under a township or county at once.

What the rules read of a period is fetched for any number of units with a fixed number of GROUP BY queries
(`period_points`), and ranked in Python per unit and category (`rank`): a county of 67 villages and nine
stars costs three queries, not 67 × 9 × 3. Proposing one unit (`service.propose`) is the same code over
a list of one, so both propose exactly the same stars.
"""

import heapq
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select

from ..core import audit
from ..core.db import db, utcnow
from ..core.errors import DomainError
from ..households.models import Household
from ..scoring.models import CATEGORIES, CATEGORY_LABELS, Deed, DeedCategory, RatingSheet, RubricItem, SheetScore
from ..units.models import MORAL_BANK_KINDS, Unit
from .models import Honor, StarCategory
from .service import PEACE_DEEDS, Period, parse_period

CHUNK = 500  # units per IN list


@dataclass
class Candidate:
    household_id: int
    points: int
    parts: dict[str, int]  # what the points are made of, by name
    period: Period

    @property
    def reason(self) -> str:
        """Why, in words (built only for the candidates shown or proposed: a county has 100,000s)."""
        return explain(self.parts, self.period)


@dataclass
class PeriodPoints:
    """What the star rules read of one unit's period, per household: its posted rating sheets' points per
    standard, its posted good deeds' points per deed category, whether it has a posted deduction."""

    standards: dict[int, dict[str, int]] = field(default_factory=dict)
    awards: dict[int, dict[str, int]] = field(default_factory=dict)
    deducted: set[int] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # deed category code → name
    codes: dict[int, str] = field(default_factory=dict)  # household id → code, for ties


def period_points(unit_ids: list[int], period: Period) -> dict[int, PeriodPoints]:
    """unit id → what its rules read, from three GROUP BY queries per CHUNK units."""
    found = {u: PeriodPoints() for u in unit_ids}
    for n in range(0, len(unit_ids), CHUNK):
        chunk = unit_ids[n : n + CHUNK]
        for unit_id, household_id, standard, points in db.session.execute(
            select(RatingSheet.unit_id, RatingSheet.household_id, RubricItem.category, func.sum(SheetScore.points))
            .join(SheetScore, SheetScore.sheet_id == RatingSheet.id)
            .join(RubricItem, RubricItem.id == SheetScore.item_id)
            .where(
                # The period's sheets first (by month), then their scores: joined the other way round, SQLite
                # walks every sheet of the month once per rubric item.
                RatingSheet.id.in_(
                    select(RatingSheet.id).where(
                        RatingSheet.unit_id.in_(chunk),
                        RatingSheet.status == "posted",
                        RatingSheet.month.in_(period.months),
                    )
                )
            )
            .group_by(RatingSheet.unit_id, RatingSheet.household_id, RubricItem.category)
        ):
            found[unit_id].standards.setdefault(household_id, {})[standard] = int(points)
        for unit_id, household_id, code, name, kind, points in db.session.execute(
            select(
                Deed.unit_id,
                Deed.household_id,
                DeedCategory.code,
                DeedCategory.name,
                DeedCategory.kind,
                func.sum(Deed.points),
            )
            .join(DeedCategory, DeedCategory.id == Deed.category_id)
            .where(
                Deed.unit_id.in_(chunk),
                Deed.status == "posted",
                Deed.happened_on >= period.start,
                Deed.happened_on <= period.end,
            )
            .group_by(Deed.unit_id, Deed.household_id, DeedCategory.code, DeedCategory.name, DeedCategory.kind)
        ):
            mine = found[unit_id]
            if kind == "deduction":
                mine.deducted.add(household_id)
            else:
                mine.awards.setdefault(household_id, {})[code] = int(points)
                mine.names[code] = name
        for unit_id, household_id, code in db.session.execute(
            select(Household.unit_id, Household.id, Household.code).where(Household.unit_id.in_(chunk))
        ):
            found[unit_id].codes[household_id] = code
    return found


def explain(parts: dict[str, int], period: Period) -> str:
    shown = " + ".join(f"{name} {points}" for name, points in parts.items())
    return _("%(parts)s = %(total)s points in %(period)s", parts=shown, total=sum(parts.values()), period=period.text)


def _by_name(got: dict[str, int], wanted, names: dict[str, str]) -> dict[str, int]:
    parts: dict[str, int] = {}
    for code in sorted(got):
        if code in wanted:
            parts[names[code]] = parts.get(names[code], 0) + got[code]
    return parts


def rank(category: StarCategory, period: Period, points: PeriodPoints, limit: int | None = None) -> list[Candidate]:
    """Who qualifies under the category's rule, best first (ties by household code), each with why; only
    the first `limit` of them if given (the same as cutting the whole list, without sorting it all).

    Ranking: the points of the chosen standards and deed categories. Three-zero: the points of
    peace-keeping deeds, for households without a deduction in the period. Nomination: nobody."""
    if category.rule == "nomination":
        return []
    found: dict[int, dict[str, int]] = {}
    if category.rule == "three_zero":
        wanted = category.deed_categories or PEACE_DEEDS
        for household_id, got in points.awards.items():
            parts = _by_name(got, wanted, points.names)
            if parts and household_id not in points.deducted:
                found[household_id] = parts
    else:
        labels = {c: str(CATEGORY_LABELS[c]) for c in CATEGORIES if c in category.rubric_categories}
        if labels:
            for household_id, got in points.standards.items():
                parts = {label: got[c] for c, label in labels.items() if c in got}
                if parts:
                    found[household_id] = parts
        if category.deed_categories:
            for household_id, got in points.awards.items():
                parts = _by_name(got, category.deed_categories, points.names)
                if parts:
                    found.setdefault(household_id, {}).update(parts)
    least, codes = max(category.min_points, 1), points.codes
    scored = [(total, h) for h, parts in found.items() if (total := sum(parts.values())) >= least]

    def order(scored):
        return -scored[0], codes.get(scored[1], "")

    best = sorted(scored, key=order) if limit is None else heapq.nsmallest(limit, scored, key=order)
    return [Candidate(h, total, found[h], period) for total, h in best]


def candidates(category: StarCategory, unit: Unit, period: Period) -> list[Candidate]:
    """Who qualifies in one unit (all of them, not only the top)."""
    return rank(category, period, period_points([unit.id], period)[unit.id])


def _categories(units: list[Unit]) -> dict[int, list[StarCategory]]:
    """unit id → the active stars it names (its county's, then its own), in their order."""
    owners = {u.id for u in units} | {int(u.path.strip("/").split("/")[0]) for u in units}
    every = list(
        db.session.scalars(
            select(StarCategory)
            .where(StarCategory.unit_id.in_(owners), StarCategory.active.is_(True))
            .order_by(StarCategory.position, StarCategory.id)
        )
    )
    return {u.id: [c for c in every if c.unit_id in (u.id, int(u.path.strip("/").split("/")[0]))] for u in units}


def propose_units(units: list[Unit], period: Period) -> list[dict]:
    """Propose the period's stars of every rule-based category of its kind in each unit: up to the
    category's number less those proposed or approved, skipping households already on its list (or
    removed from it) for the period. Returns the rows added."""
    ids = [u.id for u in units]
    by_unit = _categories(units)
    points = period_points(ids, period)
    taken: dict[tuple[int, int], dict[int, str]] = {}
    for n in range(0, len(ids), CHUNK):
        for category_id, unit_id, household_id, status in db.session.execute(
            select(Honor.category_id, Honor.unit_id, Honor.household_id, Honor.status).where(
                Honor.unit_id.in_(ids[n : n + CHUNK]), Honor.period == period.text
            )
        ):
            taken.setdefault((category_id, unit_id), {})[household_id] = status
    rows = []
    now = utcnow()
    for unit in units:
        for category in by_unit[unit.id]:
            if category.period != period.kind or category.rule == "nomination":
                continue
            held = taken.get((category.id, unit.id), {})
            open_places = category.per_unit - sum(1 for s in held.values() if s in ("proposed", "approved"))
            ranked = rank(category, period, points[unit.id], limit=max(open_places, 0) + len(held))
            for place, candidate in enumerate(ranked, start=1):
                if open_places <= 0:
                    break
                if candidate.household_id in held:  # proposed, approved, or removed by the admin: not again
                    continue
                rows.append(
                    {
                        "category_id": category.id,
                        "unit_id": unit.id,
                        "household_id": candidate.household_id,
                        "period": period.text,
                        "period_end": period.end,
                        "status": "proposed",
                        "how": "rule",
                        "reason": candidate.reason,
                        "points": candidate.points,
                        "rank": place,
                        "proposed_at": now,
                        "revoke_reason": "",
                    }
                )
                open_places -= 1
    return rows


def propose(unit: Unit, period_text: str, actor=None) -> list[Honor]:
    """Propose one village's or community's stars for a period; returns the new proposals."""
    if unit.kind not in MORAL_BANK_KINDS:
        raise DomainError(_("Only a village or community names stars."), field="unit")
    period = parse_period(period_text)
    made = [Honor(**row) for row in propose_units([unit], period)]
    db.session.add_all(made)
    db.session.flush()
    audit.record("honors.propose", actor=actor, unit_id=unit.id, period=period.text, proposed=len(made))
    return made


@dataclass
class AreaProposal:
    period: str
    units: int  # villages and communities under the area
    units_with_proposals: int
    proposed: int


def propose_area(area: Unit, period_text: str, actor=None) -> AreaProposal:
    """Propose the period's stars of every village and community under a township or county (or of one
    unit), as propose() would unit by unit, with a fixed number of queries. Proposing again adds nobody twice."""
    period = parse_period(period_text)
    units = list(
        db.session.scalars(
            select(Unit)
            .where(
                or_(Unit.id == area.id, Unit.path.startswith(area.path)),
                Unit.kind.in_(MORAL_BANK_KINDS),
            )
            .order_by(Unit.code)
        )
    )
    rows = propose_units(units, period)
    for n in range(0, len(rows), 1000):
        db.session.execute(insert(Honor), rows[n : n + 1000])
    audit.record("honors.propose_area", actor=actor, unit_id=area.id, period=period.text, proposed=len(rows))
    return AreaProposal(period.text, len(units), len({r["unit_id"] for r in rows}), len(rows))
