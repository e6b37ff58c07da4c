"""Three-zero compliance of an area (a township or the county): units per kind and per kind group,
how many are compliant, the rate against the target and the four-colour warning (DESIGN.md)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from ..core.db import db
from ..units.models import AREA_KINDS, KINDS, MORAL_BANK_KINDS, Unit
from .models import GovernanceSettings, Incident
from .scores import breaking, county_id_of, month_range, settings_of

OTHER_KINDS = tuple(k for k in KINDS if k not in AREA_KINDS and k not in MORAL_BANK_KINDS)
GROUPS = {"villages": MORAL_BANK_KINDS, "others": OTHER_KINDS}


def percent(part: int, whole: int) -> Decimal | None:
    """part/whole as a percentage to two decimals, rounded half up from the exact fraction (so the
    figure shown always agrees with its counts); None when there is nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def warning_of(rate: Decimal | None, target: int, s: GovernanceSettings) -> str:
    """The warning colour by how many points the rate falls short of its target."""
    if rate is None or rate >= target:
        return "none"
    short = target - rate
    if short < s.warn_blue:
        return "blue"
    if short < s.warn_yellow:
        return "yellow"
    if short < s.warn_orange:
        return "orange"
    return "red"


WARNINGS_ORDER = ("none", "blue", "yellow", "orange", "red")


def worst(warnings) -> str:
    """The most severe of some warnings ("none" when there are none)."""
    return max(warnings, key=WARNINGS_ORDER.index, default="none")


@dataclass
class Rate:
    units: int
    compliant: int
    target: int | None = None
    warning: str = "none"

    @property
    def rate(self) -> Decimal | None:
        return percent(self.compliant, self.units)

    def as_json(self) -> dict:
        out = {"units": self.units, "compliant": self.compliant, "rate": _number(self.rate)}
        if self.target is not None:
            out |= {"target": self.target, "warning": self.warning}
        return out


def _number(rate: Decimal | None) -> float | None:
    return None if rate is None else float(rate)


@dataclass
class Compliance:
    area: Unit
    first: date
    last: date
    kinds: dict[str, Rate]
    groups: dict[str, Rate]
    overall: Rate

    @property
    def warning(self) -> str:
        """The area's warning: the worst of its groups'."""
        return worst(g.warning for g in self.groups.values())

    def as_json(self) -> dict:
        return {
            "area": self.area.code,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "kinds": {k: r.as_json() for k, r in self.kinds.items()},
            "groups": {g: r.as_json() for g, r in self.groups.items()},
            "overall": self.overall.as_json(),
            "warning": self.warning,
        }


def period_range(month: str | None = None, year: int | None = None) -> tuple[date, date]:
    """A month (YYYY-MM) or a whole year: a unit is compliant for a year when it is every month."""
    if month:
        return month_range(month)
    return date(year, 1, 1), date(year, 12, 31)


def compliance(area: Unit, first: date, last: date) -> Compliance:
    """Units under `area` by kind, those with no breaking incident between `first` and `last`, and
    the rates per kind, per kind group (with target and warning) and overall. Two queries."""
    under = Unit.path.startswith(area.path)
    units = dict(
        db.session.execute(
            select(Unit.kind, func.count(Unit.id)).where(under, Unit.kind.not_in(AREA_KINDS)).group_by(Unit.kind)
        ).all()
    )
    broken = dict(
        db.session.execute(
            select(Unit.kind, func.count(func.distinct(Incident.unit_id)))
            .join(Unit, Unit.id == Incident.unit_id)
            .where(under, breaking(first, last))
            .group_by(Unit.kind)
        ).all()
    )
    kinds, groups, overall = rates(units, broken, settings_of(county_id_of(area.path)))
    return Compliance(area, first, last, kinds, groups, overall)


def rates(units: dict[str, int], broken: dict[str, int], s: GovernanceSettings):
    """From the units per kind and how many of them broke the three zeros: the rates per kind, per
    kind group (with the target and the warning) and overall."""
    kinds = {k: Rate(n, n - broken.get(k, 0)) for k, n in sorted(units.items(), key=lambda kv: KINDS.index(kv[0]))}
    groups = {}
    for group, members in GROUPS.items():
        total = sum(kinds[k].units for k in members if k in kinds)
        good = sum(kinds[k].compliant for k in members if k in kinds)
        target = s.target_villages if group == "villages" else s.target_others
        groups[group] = Rate(total, good, target, warning_of(percent(good, total), target, s))
    overall = Rate(sum(r.units for r in kinds.values()), sum(r.compliant for r in kinds.values()))
    return kinds, groups, overall
