"""The units of an area ranked by self-governance score over some months (one month, or the months of
a year so far: then a unit's score is the mean of its months with a score), each unit's colour, and
the colour grid by township. One aggregate query over unit_score and one list of the area's units;
then integer arithmetic on hundredths, and ranks from a count of units per score (the page shows the
two ends of the ranking without sorting every unit)."""

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from operator import itemgetter

from sqlalchemy import Integer, and_, cast, func, select
from sqlalchemy.exc import IntegrityError

from ..core.db import db, take_write_lock
from ..units.models import AREA_KINDS, Unit
from . import scores
from .models import UnitScore, UnitScoreYear

FILL_LIMIT = 12_000  # unit-months whose missing scores a dashboard computes on opening
GRID_LIMIT = 2500  # above this many units the grid shows each township's colour counts, not cells
COLOUR_ORDER = ("green", "blue", "yellow", "orange", "red", "none")


@dataclass
class RankedUnit:
    rank: int
    id: int
    code: str
    name: str
    kind: str
    township: str
    months: int  # months of the period with a score
    score: Decimal  # the mean of those months, to two decimals
    colour: str


@dataclass
class Cell:
    id: int
    code: str
    name: str
    colour: str  # "none" while the unit has no score in the period
    score: Decimal | None


@dataclass
class GridGroup:
    id: int
    code: str
    name: str
    is_area: bool  # a township, with a dashboard of its own; else the units directly under a county
    colours: Counter = field(default_factory=Counter)
    cells: list[Cell] | None = None  # None when the area has too many units to draw one by one


@dataclass
class Ranking:
    """The units best first by mean score, then by code; equal scores share a rank (1, 1, 3, …)."""

    units: dict[int, tuple]  # every unit of the area: id → (code, name, kind, parent_id)
    scored: dict[int, tuple[int, int]]  # a scored unit's mean score in hundredths, and its months
    colours: dict[int, str]
    parents: dict[int, str]  # the names of the townships (and the county)
    months: int  # how many months are ranked
    filled: bool  # scores were missing and have been computed

    def __post_init__(self) -> None:
        # A rank is one more than the number of units scored higher: from how many units hold each
        # score, so the page's two ends of the ranking need no sort of every unit.
        self._held = Counter(map(itemgetter(0), self.scored.values()))
        self._rank_of, above = {}, 0
        for cents, n in sorted(self._held.items(), reverse=True):
            self._rank_of[cents] = above + 1
            above += n

    def _cents_at(self, position: int) -> int:
        """The score at a position of the ranking (from 0)."""
        return next(c for c, r in self._rank_of.items() if r - 1 <= position < r - 1 + self._held[c])

    def __len__(self) -> int:
        return len(self.scored)

    def by_parent(self) -> dict[int, dict[str, int]]:
        """How many units of each kind each township (or the county itself) has."""
        out: dict[int, dict[str, int]] = {}
        rows = self.units.values()
        for (parent, kind), n in Counter(zip(map(itemgetter(3), rows), map(itemgetter(2), rows), strict=True)).items():
            out.setdefault(parent, {})[kind] = n
        return out

    @property
    def missing(self) -> int:
        """Unit-months without a score."""
        return self.months * len(self.units) - sum(map(itemgetter(1), self.scored.values()))

    def _rows(self, ids) -> list[RankedUnit]:
        """`ids` in ranking order, as rows."""
        out = []
        for uid in sorted(ids, key=lambda uid: (-self.scored[uid][0], self.units[uid][0])):
            code, name, kind, parent = self.units[uid]
            cents, months = self.scored[uid]
            township = self.parents.get(parent, "")
            score = Decimal(cents).scaleb(-2)
            out.append(
                RankedUnit(self._rank_of[cents], uid, code, name, kind, township, months, score, self.colours[uid])
            )
        return out

    def rows(self) -> list[RankedUnit]:
        """The whole ranking."""
        return self._rows(self.scored)

    def top(self, n: int) -> list[RankedUnit]:
        """The first `n` of the ranking."""
        if not self.scored or n <= 0:
            return []
        last = self._cents_at(min(n, len(self.scored)) - 1)
        return self._rows(u for u, (c, _m) in self.scored.items() if c >= last)[:n]

    def bottom(self, n: int) -> list[RankedUnit]:
        """The last `n` of the ranking."""
        if not self.scored or n <= 0:
            return []
        first = self._cents_at(max(len(self.scored) - n, 0))
        tail = self._rows(u for u, (c, _m) in self.scored.items() if c <= first)
        return tail[max(len(tail) - n, 0) :]


def mean_cents(cents, months):
    """The mean of a unit's monthly scores, `cents` being their sum in hundredths: in hundredths,
    rounded half up. Integer arithmetic, so the same in Python and as a SQL expression of columns."""
    return (2 * cents + months) // (2 * months)


def big_read(statement) -> list[tuple]:
    """The rows of a large read (tens of thousands) straight from the DB-API cursor, in the session's
    transaction: at that size SQLAlchemy's result rows cost more than the query. For statements whose
    parameters are plain strings and numbers (no type conversion is applied to them)."""
    conn = db.session.connection()
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _units(area: Unit, months: tuple[str, ...], year: str | None) -> tuple[dict, list[tuple]]:
    """Every unit of the area (id → code, name, kind, parent) and rows (id, mean score in hundredths,
    months scored): for a whole `year` from its sums, kept with the scores, else from the months'
    scores. A county's means are taken over every unit and matched later (a join would look up a
    unit per score row); a township's only over its own units."""
    under = and_(Unit.path.startswith(area.path), Unit.kind.not_in(AREA_KINDS))
    units = {
        uid: (code, name, kind, parent)
        for uid, code, name, kind, parent in big_read(
            select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id).where(under)
        )
    }
    if year is not None:
        total, n = UnitScoreYear.total_cents, UnitScoreYear.months
        means = select(UnitScoreYear.unit_id, mean_cents(total, n), n).where(UnitScoreYear.year == year, n > 0)
        scored_unit = UnitScoreYear.unit_id
    else:
        total, n = func.sum(cast(func.round(UnitScore.score * 100), Integer)), func.count(UnitScore.id)
        means = select(UnitScore.unit_id, mean_cents(total, n), n).where(UnitScore.month.in_(months))
        means, scored_unit = means.group_by(UnitScore.unit_id), UnitScore.unit_id
    if area.kind != "county":
        means = means.join(Unit, Unit.id == scored_unit).where(under)
    return units, big_read(means)


def _scored(units: dict, rows: list[tuple], floors: list[float]) -> tuple[dict, dict]:
    """The area's scored units (id → mean in hundredths, months) and their colours: a score's colour is
    the last band it reaches (`floors`: the bands in hundredths, lowest first)."""
    names = COLOUR_ORDER[4::-1]
    scored, colours = {}, {}
    for uid, cents, n in rows:
        if uid in units:
            scored[uid] = (cents, n)
            colours[uid] = names[bisect_right(floors, cents)]
    return scored, colours


def _fill(months: tuple[str, ...], units: dict, scored: dict) -> bool:
    """Compute the scores the months lack for the units, when they are few enough (an area opened for
    the first time): scores are otherwise computed only when an input changes."""
    if sum(map(itemgetter(1), scored.values())) == len(units) * len(months):
        return False  # nothing lacks (the usual case: checked without a loop per unit)
    lacking = [uid for uid in units if scored.get(uid, (0, 0))[1] < len(months)]
    if len(lacking) * len(months) > FILL_LIMIT:
        return False
    take_write_lock()  # on SQLite this page's transaction began as a reader
    for month in months:
        try:
            with db.session.begin_nested():
                scores.compute(month, unit_ids=lacking)
        except IntegrityError:  # another request computed the same month at the same moment
            pass
    return True


def rank(area: Unit, months: tuple[str, ...], fill: bool = False, year: str | None = None) -> Ranking:
    """The area's units with a score in `months`, best first (by their mean score, then by code; equal
    scores share a rank). `year`: the months are that whole year (up to now). `fill`: first compute
    the missing scores when they are few."""
    s = scores.settings_of(scores.county_id_of(area.path))
    floors = [s.orange * 100, s.yellow * 100, s.blue * 100, s.green * 100]
    units, rows = _units(area, months, year)
    scored, colours = _scored(units, rows, floors)
    filled = fill and _fill(months, units, scored)
    if filled:
        units, rows = _units(area, months, year)
        scored, colours = _scored(units, rows, floors)
    parents = dict(
        db.session.execute(
            select(Unit.id, Unit.name).where(Unit.path.startswith(area.path), Unit.kind.in_(AREA_KINDS))
        ).all()
    )
    return Ranking(units, scored, colours, parents, len(months), filled)


def grid(area: Unit, ranking: Ranking, townships: list[tuple[int, str, str]]) -> list[GridGroup]:
    """The units by township (`townships`: id, code, name; a county's own units last), each group with
    its count of units per colour and, unless the area is too big to draw, a cell per unit."""
    groups = {uid: GridGroup(uid, code, name, True) for uid, code, name in sorted(townships, key=lambda t: t[1])}
    if area.kind == "county":
        groups[area.id] = GridGroup(area.id, area.code, area.name, False)
    draw = len(ranking.units) <= GRID_LIMIT
    ids, rows = ranking.units.keys(), ranking.units.values()
    counts = Counter(zip(map(itemgetter(3), rows), map(ranking.colours.get, ids, repeat("none")), strict=False))
    for (parent, colour), n in counts.items():
        if parent in groups:
            groups[parent].colours[colour] = n
    if draw:
        for group in groups.values():
            group.cells = []
        for uid, (code, name, _kind, parent) in sorted(ranking.units.items(), key=lambda kv: kv[1][0]):
            if parent in groups:
                scored = ranking.scored.get(uid)
                score = Decimal(scored[0]).scaleb(-2) if scored else None
                groups[parent].cells.append(Cell(uid, code, name, ranking.colours.get(uid, "none"), score))
    return [g for g in groups.values() if g.colours]
