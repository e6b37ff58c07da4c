"""Each unit's monthly three-zero status and self-governance score (DESIGN.md), computed for many units
at once with one aggregate query per input, stored with the counts they came from, and recomputed
at the commit of any transaction that touched an input (touch())."""

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, cast, delete, event, func, insert, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..core.db import db, utcnow
from ..core.extensions import cache
from ..honors.models import Honor
from ..households.models import Household
from ..scoring.models import RatingSheet, RubricItem, ScoringMonth
from ..units.models import AREA_KINDS, MORAL_BANK_KINDS, Unit
from .models import GovernanceSettings, Incident, UnitScore, UnitScoreYear

RATED = ("approved", "on_notice", "posted")  # a sheet that counts: reviewed and passed
CHUNK = 5000
VERSION_KEY = "governance:version"


def month_range(month: str) -> tuple[date, date]:
    """The first and the last day of a YYYY-MM month."""
    year, mon = int(month[:4]), int(month[5:7])
    first = date(year, mon, 1)
    following = date(year + mon // 12, mon % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def county_id_of(path: str) -> int:
    return int(path.strip("/").split("/")[0])


def settings_of(county_id: int) -> GovernanceSettings:
    found = db.session.get(GovernanceSettings, county_id)
    if found is None:
        found = GovernanceSettings(county_id=county_id)
        for column in GovernanceSettings.__table__.columns:  # the defaults, without a row
            if column.default is not None and not callable(column.default.arg):
                setattr(found, column.key, column.default.arg)
    return found


def colour_of(score: float, s: GovernanceSettings) -> str:
    for colour, floor in (("green", s.green), ("blue", s.blue), ("yellow", s.yellow), ("orange", s.orange)):
        if score >= floor:
            return colour
    return "red"


@dataclass
class Inputs:
    """What a unit's month is scored from."""

    kind: str
    petitions_escalated: int = 0
    accidents: int = 0
    cases: int = 0
    disputes: int = 0
    disputes_resolved: int = 0
    households: int = 0
    rated: int = 0
    points_total: int = 0
    rubric_max: int = 0
    stars: int = 0


def score_row(unit_id: int, month: str, i: Inputs, s: GovernanceSettings) -> dict:
    """The unit_score row of one unit's month: DESIGN.md's formula with the county's weights. Units
    without a moral bank (enterprises, institutions) are scored on the three zeros and disputes only,
    rescaled to 100. No disputes in the month counts as all resolved."""
    zeros = (i.petitions_escalated == 0) + (i.accidents == 0) + (i.cases == 0)
    dispute_rate = i.disputes_resolved / i.disputes if i.disputes else 1.0
    parts = {
        "zeros_points": s.weight_zeros * zeros / 3,
        "dispute_points": s.weight_disputes * dispute_rate,
        "participation_points": 0.0,
        "virtue_points": 0.0,
        "honor_points": 0.0,
    }
    if i.kind in MORAL_BANK_KINDS:
        if i.households:
            parts["participation_points"] = s.weight_participation * min(1.0, i.rated / i.households)
            parts["honor_points"] = s.weight_honors * min(1.0, i.stars * s.households_per_star / i.households)
        if i.rated and i.rubric_max:
            parts["virtue_points"] = s.weight_virtue * max(0.0, min(1.0, i.points_total / i.rated / i.rubric_max))
    else:
        scale = 100 / (s.weight_zeros + s.weight_disputes)
        parts = {k: v * scale for k, v in parts.items()}
    parts = {k: round(v, 2) for k, v in parts.items()}
    score = round(sum(parts.values()), 2)
    return {
        "unit_id": unit_id,
        "month": month,
        **{k: v for k, v in vars(i).items() if k != "kind"},
        "compliant": zeros == 3,
        **parts,
        "score": score,
        "colour": colour_of(score, s),
        "computed_at": utcnow(),
    }


def _grouped(query) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in db.session.execute(query)}


def _inputs(units: list[tuple[int, str]], month: str) -> dict[int, Inputs]:
    """Every input of the units' month, one aggregate query per kind of input."""
    ids = [u for u, _k in units]
    first, last = month_range(month)
    found = {u: Inputs(kind) for u, kind in units}
    for chunk in (ids[n : n + CHUNK] for n in range(0, len(ids), CHUNK)):
        incidents = _grouped(
            select(
                Incident.unit_id,
                func.sum(case((and_(Incident.kind == "petition", Incident.escalated), 1), else_=0)),
                func.sum(case((Incident.kind == "accident", 1), else_=0)),
                func.sum(case((Incident.kind == "case", 1), else_=0)),
                func.sum(case((Incident.kind == "dispute", 1), else_=0)),
                func.sum(
                    case(
                        (
                            and_(Incident.kind == "dispute", Incident.status == "resolved", ~Incident.escalated),
                            1,
                        ),
                        else_=0,
                    )
                ),
            )
            .where(Incident.unit_id.in_(chunk), Incident.occurred_on.between(first, last))
            .group_by(Incident.unit_id)
        )
        households = _grouped(
            select(Household.unit_id, func.count(Household.id))
            .where(Household.unit_id.in_(chunk))
            .group_by(Household.unit_id)
        )
        sheets = _grouped(
            select(RatingSheet.unit_id, func.count(RatingSheet.id), func.sum(RatingSheet.total))
            .where(RatingSheet.unit_id.in_(chunk), RatingSheet.month == month, RatingSheet.status.in_(RATED))
            .group_by(RatingSheet.unit_id)
        )
        maxima = _grouped(
            select(ScoringMonth.unit_id, func.sum(RubricItem.max_points))
            .join(RubricItem, RubricItem.rubric_id == ScoringMonth.rubric_id)
            .where(ScoringMonth.unit_id.in_(chunk), ScoringMonth.month == month)
            .group_by(ScoringMonth.unit_id)
        )
        stars = _grouped(
            select(Honor.unit_id, func.count(Honor.id))
            .where(Honor.unit_id.in_(chunk), Honor.status == "approved", Honor.period_end.between(first, last))
            .group_by(Honor.unit_id)
        )
        for u in chunk:
            i = found[u]
            (i.petitions_escalated, i.accidents, i.cases, i.disputes, i.disputes_resolved) = (
                int(v or 0) for v in incidents.get(u, (0, 0, 0, 0, 0))
            )
            i.households = households.get(u, (0,))[0]
            i.rated, i.points_total = (int(v or 0) for v in sheets.get(u, (0, 0)))
            i.rubric_max = int(maxima.get(u, (0,))[0] or 0)
            i.stars = stars.get(u, (0,))[0]
    return found


def _scored_units(area: Unit | None, unit_ids) -> list[tuple[int, str, str]]:
    query = select(Unit.id, Unit.kind, Unit.path).where(Unit.kind.not_in(AREA_KINDS))
    if area is not None:
        query = query.where(Unit.path.startswith(area.path))
    if unit_ids is not None:
        query = query.where(Unit.id.in_(list(unit_ids)))
    return list(db.session.execute(query.order_by(Unit.id)))


def compute(month: str, area: Unit | None = None, unit_ids=None) -> int:
    """(Re)compute and store the month's score of every unit under `area` (or of `unit_ids`, or of
    every unit). Returns how many units were scored."""
    units = _scored_units(area, unit_ids)
    if not units:
        return 0
    inputs = _inputs([(u, kind) for u, kind, _p in units], month)
    settings: dict[int, GovernanceSettings] = {}
    rows = []
    for u, _kind, path in units:
        county = county_id_of(path)
        if county not in settings:
            settings[county] = settings_of(county)
        rows.append(score_row(u, month, inputs[u], settings[county]))
    ids = [u for u, _k, _p in units]
    for n in range(0, len(ids), CHUNK):
        db.session.execute(delete(UnitScore).where(UnitScore.month == month, UnitScore.unit_id.in_(ids[n : n + CHUNK])))
    for n in range(0, len(rows), CHUNK):
        db.session.execute(insert(UnitScore), rows[n : n + CHUNK])
    sum_years(month[:4], None if area is None and unit_ids is None else ids)
    changed()
    return len(rows)


def sum_years(year: str, unit_ids=None) -> None:
    """Bring the year's sums (unit_score_year) in line with its monthly scores, for `unit_ids` or for
    every unit. Each score counts in hundredths, so a year's mean is exact."""
    upsert = (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    summed = (
        select(
            UnitScore.unit_id, literal(year), func.sum(cast(func.round(UnitScore.score * 100), Integer)), func.count()
        )
        .where(UnitScore.month.in_(months))
        .group_by(UnitScore.unit_id)
    )
    ids = None if unit_ids is None else list(unit_ids)
    for n in range(0, 1 if ids is None else len(ids), CHUNK):
        query = summed if ids is None else summed.where(UnitScore.unit_id.in_(ids[n : n + CHUNK]))
        statement = upsert(UnitScoreYear).from_select(["unit_id", "year", "total_cents", "months"], query)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["year", "unit_id"], set_={"total_cents": excluded.total_cents, "months": excluded.months}
        )
        db.session.execute(statement)


def touch(unit_id: int, month: str) -> None:
    """An input of the unit's month changed: its score is recomputed when the transaction commits."""
    db.session.info.setdefault("scores_to_compute", set()).add((unit_id, month))
    changed()


def changed() -> None:
    """Incidents or scores changed: what was built from them before (the dashboards) is stale once
    this transaction commits."""
    db.session.info["governance_changed"] = True


def data_version() -> str:
    """A token that changes after every commit that changed incidents or scores (in the app's cache,
    so shared by every worker when it is Redis). A cache that lost it starts a new one."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=0)
        version = cache.get(VERSION_KEY)
    return version


@event.listens_for(Session, "before_commit")
def _recompute_touched(session: Session) -> None:
    touched = session.info.pop("scores_to_compute", None)
    if not touched:
        return
    by_month: dict[str, set[int]] = {}
    for unit_id, month in touched:
        by_month.setdefault(month, set()).add(unit_id)
    for month, unit_ids in sorted(by_month.items()):
        compute(month, unit_ids=unit_ids)


@event.listens_for(Session, "after_commit")
def _new_version(session: Session) -> None:
    # After the commit, not before: a dashboard built meanwhile from the old rows is kept under the
    # old token, which nobody asks for again.
    if session.info.pop("governance_changed", False):
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=0)


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop("scores_to_compute", None)
    session.info.pop("governance_changed", None)


def score_of(unit: Unit, month: str) -> UnitScore:
    """The stored score of the unit's month, computed now if it never was."""
    found = db.session.scalar(select(UnitScore).where(UnitScore.unit_id == unit.id, UnitScore.month == month))
    if found is None:
        compute(month, unit_ids=[unit.id])
        found = db.session.scalar(select(UnitScore).where(UnitScore.unit_id == unit.id, UnitScore.month == month))
    return found


def shown(unit: Unit, month: str) -> UnitScore | None:
    """The unit's score of a month for a page that only reads (a public GET writes nothing): the stored
    one, or one computed now and not stored. None for a township or county."""
    if unit.kind in AREA_KINDS:
        return None
    found = db.session.scalar(select(UnitScore).where(UnitScore.unit_id == unit.id, UnitScore.month == month))
    if found is not None:
        return found
    inputs = _inputs([(unit.id, unit.kind)], month)[unit.id]
    row = score_row(unit.id, month, inputs, settings_of(county_id_of(unit.path)))
    return UnitScore(**row, unit=unit)


def breaking(first: date, last: date):
    """The incidents that break a unit's three zeros between two days (an escalated petition, any
    accident, any case)."""
    return and_(
        Incident.occurred_on.between(first, last),
        or_(and_(Incident.kind == "petition", Incident.escalated), Incident.kind.in_(("accident", "case"))),
    )


@dataclass
class Line:
    """One line of a score's explanation: what it measures, from which counts, its points of how many."""

    name: str
    detail: str
    points: float
    of: float


def explain(s: UnitScore) -> list[Line]:
    """The score line by line, e.g. participation "287/301 households" = 19.1 of 20."""
    weights = settings_of(county_id_of(s.unit.path))
    if s.unit.kind not in MORAL_BANK_KINDS:
        scale = 100 / (weights.weight_zeros + weights.weight_disputes)
        return [
            Line(_("Three zeros"), _("%(n)s of 3 met", n=s.zeros_met), s.zeros_points, weights.weight_zeros * scale),
            Line(_("Dispute resolution"), _disputes(s), s.dispute_points, weights.weight_disputes * scale),
        ]
    mean = s.points_total / s.rated if s.rated else 0
    return [
        Line(_("Three zeros"), _("%(n)s of 3 met", n=s.zeros_met), s.zeros_points, weights.weight_zeros),
        Line(
            _("Participation"),
            _("%(rated)s/%(households)s households rated", rated=s.rated, households=s.households),
            s.participation_points,
            weights.weight_participation,
        ),
        Line(
            _("Virtue level"),
            _("mean %(mean)s of %(max)s points", mean=f"{mean:.1f}", max=s.rubric_max),
            s.virtue_points,
            weights.weight_virtue,
        ),
        Line(
            _("Honor density"),
            _(
                "%(stars)s stars for %(households)s households (one per %(per)s counts in full)",
                stars=s.stars,
                households=s.households,
                per=weights.households_per_star,
            ),
            s.honor_points,
            weights.weight_honors,
        ),
        Line(_("Dispute resolution"), _disputes(s), s.dispute_points, weights.weight_disputes),
    ]


def _disputes(s: UnitScore) -> str:
    if not s.disputes:
        return _("no disputes this month (counts in full)")
    return _(
        "%(resolved)s/%(disputes)s disputes resolved in the unit", resolved=s.disputes_resolved, disputes=s.disputes
    )
