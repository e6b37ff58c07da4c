"""The figures of a township's or the county's dashboard and of its public summary: three-zero
compliance per kind and kind group with the four-colour warnings, each township's compliance and its
rank, the units ranked by self-governance score, incidents by kind with their resolution rates, the
monthly trends and the colour grid of units.

Every figure comes from a handful of aggregate queries over the area's subtree (the unit path
prefix), never a query per unit. A built dashboard is cached under the area, the period and
`scores.data_version()`, which changes after every commit that changed incidents or scores."""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal_column, or_, select

from ..core.db import db
from ..core.errors import DomainError
from ..core.extensions import cache
from ..core.time import month_of
from ..units.models import AREA_KINDS, KIND_LABELS, Unit
from . import areas, ranking, scores
from .areas import GROUPS
from .models import COLOURS, INCIDENT_KINDS, WARNINGS, Incident

FIRST_YEAR = 2000
TREND_MONTHS = (12, 24)
TOP = 20  # units shown at each end of the ranking; the export has them all
# What breaks a unit's three zeros (scores.breaking() without its days, which the query has already).
BREAKS = or_(and_(Incident.kind == "petition", Incident.escalated), Incident.kind.in_(("accident", "case")))
CACHE_SECONDS = 3600  # a backstop: new units or settings show within this (incidents and scores at once)
YEAR_RE = re.compile(r"^[0-9]{4}$")
MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    """A year or a month; `months` are those of it up to this month (a year's score is their mean)."""

    text: str
    first: date
    last: date
    months: tuple[str, ...]

    @property
    def is_year(self) -> bool:
        return len(self.text) == 4

    @property
    def year(self) -> str | None:
        return self.text if self.is_year else None


def shift(month: str, by: int) -> str:
    n = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def parse_period(text) -> Period:
    """`YYYY` or `YYYY-MM` from 2000 to now; this year when empty."""
    text = text.strip() if isinstance(text, str) else ""
    now = month_of()
    text = text or now[:4]
    if YEAR_RE.match(text) and FIRST_YEAR <= int(text) <= int(now[:4]):
        first, last = areas.period_range(year=int(text))
        months = tuple(m for m in (f"{text}-{n:02d}" for n in range(1, 13)) if m <= now)
    elif MONTH_RE.match(text) and f"{FIRST_YEAR}-01" <= text <= now:
        (first, last), months = scores.month_range(text), (text,)
    else:
        raise DomainError(_("Choose a year (YYYY) or a month (YYYY-MM) from 2000 to this month."), field="period")
    return Period(text, first, last, months)


def parse_trend(text) -> int:
    """How many months the trend charts cover: 12 (the default) or 24."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        return TREND_MONTHS[0]
    if text not in {str(n) for n in TREND_MONTHS}:
        raise DomainError(_("The trend covers 12 or 24 months."), field="months")
    return int(text)


def period_choices(current: Period) -> dict[str, list[str]]:
    """What the period selector offers: the last five years and the last 24 months (and the period
    shown, if it is older)."""
    now = month_of()
    years = [str(int(now[:4]) - n) for n in range(5)]
    months = [shift(now, -n) for n in range(24)]
    if current.text not in years + months:
        (years if current.is_year else months).append(current.text)
    return {"years": years, "months": months}


@dataclass
class TownshipRow:
    """A township's (or the county's own units') compliance, by kind group and overall."""

    id: int
    code: str
    name: str
    groups: dict[str, areas.Rate]
    overall: areas.Rate
    rank: int | None = None  # None for the units directly under the county

    @property
    def warning(self) -> str:
        return areas.worst(g.warning for g in self.groups.values())


@dataclass
class IncidentRow:
    kind: str
    found: int
    resolved: int

    @property
    def rate(self) -> Decimal | None:
        return areas.percent(self.resolved, self.found)


@dataclass
class TrendMonth:
    month: str
    groups: dict[str, areas.Rate]
    overall: areas.Rate
    incidents: dict[str, int]

    @property
    def incidents_total(self) -> int:
        return sum(self.incidents.values())


@dataclass
class Dashboard:
    area_id: int
    area_code: str
    area_kind: str
    period: Period
    trend_months: int
    kinds: dict[str, areas.Rate]
    groups: dict[str, areas.Rate]
    overall: areas.Rate
    townships: list[TownshipRow]  # ranked; for a county only
    direct: TownshipRow | None  # a county's units that belong to no township
    incidents: list[IncidentRow] = field(default_factory=list)
    trend: list[TrendMonth] = field(default_factory=list)
    # The units' part (the admins' dashboard, not the public summary):
    ranked: int = 0
    unscored: int = 0  # units with no score in any month of the period
    missing: int = 0  # unit-months without a score
    filled: bool = False  # missing scores were computed for it (not cached: the data version is changing)
    top: list[ranking.RankedUnit] = field(default_factory=list)
    bottom: list[ranking.RankedUnit] = field(default_factory=list)
    grid: list[ranking.GridGroup] = field(default_factory=list)

    @property
    def warning(self) -> str:
        return areas.worst(g.warning for g in self.groups.values())

    @property
    def incidents_total(self) -> IncidentRow:
        return IncidentRow("", sum(r.found for r in self.incidents), sum(r.resolved for r in self.incidents))


# --- queries ----------------------------------------------------------------------------------


def _under(area: Unit):
    return and_(Unit.path.startswith(area.path), Unit.kind.not_in(AREA_KINDS))


def _month_key(column):
    """The YYYY-MM of a date column, in SQL."""
    # Literals, not bound parameters: PostgreSQL must see the GROUP BY expression equal the selected one.
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.substr(column, literal_column("1"), literal_column("7"))  # SQLite keeps dates as YYYY-MM-DD


def _nested(rows) -> dict:
    """{a: {b: n}} from rows (a, b, n)."""
    out: dict = {}
    for a, b, n in rows:
        out.setdefault(a, {})[b] = int(n or 0)
    return out


def _units_by_parent(area: Unit) -> dict[int, dict[str, int]]:
    return _nested(
        db.session.execute(
            select(Unit.parent_id, Unit.kind, func.count(Unit.id))
            .where(_under(area))
            .group_by(Unit.parent_id, Unit.kind)
        )
    )


def _broken_by(area: Unit, key, first: date, last: date) -> dict:
    """Units under `area` that broke the three zeros between the two days, counted by `key` and kind."""
    return _nested(
        db.session.execute(
            select(key, Unit.kind, func.count(func.distinct(Incident.unit_id)))
            .join(Unit, Unit.id == Incident.unit_id)
            .where(_under(area), scores.breaking(first, last))
            .group_by(key, Unit.kind)
        )
    )


def _add(counts: list[dict[str, int]]) -> dict[str, int]:
    total: Counter = Counter()
    for c in counts:
        total.update(c)
    return dict(total)


def _incidents_and_trend(area: Unit, period: Period, count: int, units: dict[str, int], s):
    """The incidents of the period by kind (found, and resolved by its end) and the trend of the
    `count` months up to the period's last: compliance per kind group and incidents per kind, month by
    month. One query over the window's incidents (which holds the period: a year has 12 months)."""
    months = [shift(period.months[-1], -n) for n in range(count - 1, -1, -1)]
    first, last = scores.month_range(months[0])[0], scores.month_range(months[-1])[1]
    month = _month_key(Incident.occurred_on)
    done = and_(Incident.status == "resolved", Incident.resolved_on <= period.last)
    rows = db.session.execute(
        select(
            month,
            Unit.kind,
            func.count(func.distinct(case((BREAKS, Incident.unit_id)))),
            *(func.sum(case((Incident.kind == k, 1), else_=0)) for k in INCIDENT_KINDS),
            *(func.sum(case((and_(Incident.kind == k, done), 1), else_=0)) for k in INCIDENT_KINDS),
        )
        .join(Unit, Unit.id == Incident.unit_id)
        .where(_under(area), Incident.occurred_on.between(first, last))
        .group_by(month, Unit.kind)
    )
    broken: dict[str, dict[str, int]] = {}
    happened: dict[str, Counter] = {m: Counter() for m in months}
    found, resolved = Counter(), Counter()
    n = len(INCIDENT_KINDS)
    for m, unit_kind, units_broken, *counts in rows:
        broken.setdefault(m, {})[unit_kind] = units_broken
        for k, f, r in zip(INCIDENT_KINDS, counts[:n], counts[n:], strict=True):
            happened[m][k] += int(f or 0)
            if m in period.months:
                found[k] += int(f or 0)
                resolved[k] += int(r or 0)
    trend = []
    for m in months:
        _kinds, groups, overall = areas.rates(units, broken.get(m, {}), s)
        trend.append(TrendMonth(m, groups, overall, {k: happened[m][k] for k in INCIDENT_KINDS}))
    return [IncidentRow(k, found[k], resolved[k]) for k in INCIDENT_KINDS], trend


def _townships(area: Unit, by_parent: dict, broken: dict, s) -> tuple[list[TownshipRow], TownshipRow | None]:
    """Each township of a county with its compliance, ranked by the villages' rate, then overall."""
    listed = db.session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.parent_id == area.id, Unit.kind == "township")
    ).all()
    rows = []
    for uid, code, name in listed:
        _kinds, groups, overall = areas.rates(by_parent.get(uid, {}), broken.get(uid, {}), s)
        rows.append(TownshipRow(uid, code, name, groups, overall))

    def key(row: TownshipRow) -> tuple:
        village, whole = row.groups["villages"].rate, row.overall.rate
        return (-1 if village is None else village, -1 if whole is None else whole)

    rows.sort(key=lambda r: r.code)
    rows.sort(key=key, reverse=True)
    for n, row in enumerate(rows):
        row.rank = rows[n - 1].rank if n and key(rows[n - 1]) == key(row) else n + 1
    direct = None
    if by_parent.get(area.id):
        _kinds, groups, overall = areas.rates(by_parent[area.id], broken.get(area.id, {}), s)
        direct = TownshipRow(area.id, area.code, area.name, groups, overall)
    return rows, direct


# --- the dashboard ----------------------------------------------------------------------------


def build(area: Unit, period: Period, trend_months: int, with_units: bool = True) -> Dashboard:
    """Every figure of the area's dashboard (`with_units`: also the units' ranking and grid, and the
    missing scores computed when they are few; the public summary goes without)."""
    s = scores.settings_of(scores.county_id_of(area.path))
    r = None
    if with_units:  # first: it may compute missing scores (and take the write lock for it)
        r = ranking.rank(area, period.months, fill=True, year=period.year)
        by_parent = r.by_parent()
    else:
        by_parent = _units_by_parent(area)
    broken = _broken_by(area, Unit.parent_id, period.first, period.last)
    units = _add(list(by_parent.values()))
    kinds, groups, overall = areas.rates(units, _add(list(broken.values())), s)
    townships, direct = _townships(area, by_parent, broken, s) if area.kind == "county" else ([], None)
    incidents, trend = _incidents_and_trend(area, period, trend_months, units, s)
    d = Dashboard(area.id, area.code, area.kind, period, trend_months, kinds, groups, overall, townships, direct)
    d.incidents, d.trend = incidents, trend
    if r is not None:
        d.ranked, d.unscored, d.missing, d.filled = len(r), len(r.units) - len(r), r.missing, r.filled
        d.top, d.bottom = r.top(TOP), r.bottom(min(TOP, len(r) - TOP))  # the two ends never overlap
        listed = (
            [(t.id, t.code, t.name) for t in townships] if area.kind == "county" else [(area.id, area.code, area.name)]
        )
        d.grid = ranking.grid(area, r, listed)
    return d


def _tree_size() -> tuple:
    """Units added to the tree change the counts before any incident does."""
    return tuple(db.session.execute(select(func.count(Unit.id), func.max(Unit.id))).one())


def cached(area: Unit, period: Period, trend_months: int, with_units: bool = True) -> Dashboard:
    """build(), kept in the app's cache until incidents or scores change (or units are added)."""
    scope = "admin" if with_units else "public"
    size = "-".join(str(n) for n in _tree_size())
    key = f"dashboard:{scope}:{area.id}:{period.text}:{trend_months}:{size}:{scores.data_version()}"
    found = cache.get(key)
    if found is None:
        found = build(area, period, trend_months, with_units)
        if not found.filled:  # else the commit that keeps the new scores starts a new version anyway
            cache.set(key, found, timeout=CACHE_SECONDS)
    return found


# --- what the pages and downloads show --------------------------------------------------------

GROUP_LABELS = {"villages": _l("Villages and communities"), "others": _l("Enterprises and institutions")}
LABELS = {"groups": GROUP_LABELS, "warnings": WARNINGS, "colours": COLOURS, "incidents": INCIDENT_KINDS}


def _number(rate: Decimal | None) -> float | None:
    return None if rate is None else float(rate)


def chart_data(d: Dashboard) -> dict:
    """The trends and the problems found and resolved, for the charts (the same figures as the tables
    under them), with the labels in the reader's language."""
    compliance = [
        {"key": g, "name": str(GROUP_LABELS[g]), "values": [_number(t.groups[g].rate) for t in d.trend]} for g in GROUPS
    ]
    compliance.append({"key": "overall", "name": _("All units"), "values": [_number(t.overall.rate) for t in d.trend]})
    return {
        "months": [t.month for t in d.trend],
        "compliance": compliance,
        "incidents": [
            {"key": k, "name": str(label), "values": [t.incidents[k] for t in d.trend]}
            for k, label in INCIDENT_KINDS.items()
        ],
        "problems": {
            "kinds": [str(INCIDENT_KINDS[r.kind]) for r in d.incidents],
            "found": [r.found for r in d.incidents],
            "resolved": [r.resolved for r in d.incidents],
            "names": {"found": _("Found"), "resolved": _("Resolved")},
        },
    }


def colour_label(colour: str) -> str:
    return str(COLOURS[colour]) if colour in COLOURS else _("No score yet")


def unit_rows(ranked: list[ranking.RankedUnit]) -> tuple[tuple, list]:
    """The whole ranking of units as a table to download."""
    columns = (_("Rank"), _("Code"), _("Unit"), _("Kind"), _("Township"), _("Months scored"), _("Score"), _("Colour"))
    rows = [
        (r.rank, r.code, r.name, str(KIND_LABELS[r.kind]), r.township, r.months, r.score, colour_label(r.colour))
        for r in ranked
    ]
    return columns, rows


def township_rows(d: Dashboard) -> tuple[tuple, list]:
    """The ranking of townships with each one's compliance by kind group (the 排名通报) to download."""
    columns = [_("Rank"), _("Code"), _("Township")]
    for g in GROUPS:
        label = str(GROUP_LABELS[g])
        columns += [
            _("%(group)s: units", group=label),
            _("%(group)s: compliant", group=label),
            _("%(group)s: rate (%%)", group=label),
            _("%(group)s: target (%%)", group=label),
            _("%(group)s: warning", group=label),
        ]
    columns += [_("All units"), _("Compliant"), _("Rate (%)"), _("Warning")]
    rows = []
    for t in d.townships:
        row = [t.rank, t.code, t.name]
        for g in GROUPS:
            r = t.groups[g]
            row += [r.units, r.compliant, r.rate, r.target, str(WARNINGS[r.warning])]
        row += [t.overall.units, t.overall.compliant, t.overall.rate, str(WARNINGS[t.warning])]
        rows.append(tuple(row))
    return tuple(columns), rows
