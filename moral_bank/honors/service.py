"""Honor rolls: star categories, proposing stars by their rules, approval (the bonus posted through the
ledger), nomination, removal, revocation (the bonus reversed), and the ten-star plaque.

A period is a month (2026-10), a quarter (2026-Q4) or a year (2026), in the deployment's time zone.
A ranking counts what was posted for the household in the period: its rating sheets' points in the
chosen standards (孝善信勤简美) and its deeds' points in the chosen deed categories.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core import audit, permissions
from ..core.db import db, utcnow
from ..core.errors import Conflict, DomainError, NotAllowed, raise_field_errors
from ..core.time import today
from ..governance import service as governance
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.models import Transfer
from ..scoring.models import CATEGORIES
from ..scoring.notices import shown_name
from ..units.models import Unit
from .models import Honor, StarCategory

PERIOD_RE = re.compile(r"^(?P<year>[0-9]{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$")
PEACE_DEEDS = ["mediation", "traffic", "forest-fire", "security"]  # 矛盾调解 交通劝导 护林防火 治安

# The default stars of a county: code, 简体, 繁體, English, rule, standards, deed categories, per unit, bonus.
DEFAULTS = [
    ("three-zero", "三零创建之星", "三零創建之星", "Three-Zero Star", "three_zero", [], PEACE_DEEDS, 3, 20),
    ("filial", "孝老爱亲之星", "孝老愛親之星", "Filial Piety Star", "ranking", ["xiao"], ["filial"], 2, 10),
    ("neighbours", "邻里互助之星", "鄰里互助之星", "Good Neighbour Star", "ranking", ["shan"], ["neighbours"], 2, 10),
    ("honest", "诚实守信之星", "誠實守信之星", "Honesty Star", "ranking", ["xin"], [], 2, 10),
    ("diligent", "勤劳致富之星", "勤勞致富之星", "Hard Work Star", "ranking", ["qin"], [], 2, 10),
    ("courtyard", "庭院经济之星", "庭院經濟之星", "Courtyard Economy Star", "ranking", [], ["courtyard"], 2, 10),
    ("forest", "护林防护之星", "護林防護之星", "Forest Guardian Star", "ranking", [], ["forest-fire"], 2, 10),
    ("new-customs", "移风易俗之星", "移風易俗之星", "New Customs Star", "ranking", ["jian"], [], 2, 10),
    ("tidy", "卫生整洁之星", "衛生整潔之星", "Clean and Tidy Star", "ranking", ["mei"], ["hygiene"], 2, 10),
]


@dataclass(frozen=True)
class Period:
    text: str  # 2026-10, 2026-Q4, 2026
    kind: str  # month, quarter, year
    start: date
    end: date  # the last day

    @property
    def months(self) -> list[str]:
        first = self.start.year * 12 + self.start.month - 1
        last = self.end.year * 12 + self.end.month - 1
        return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(first, last + 1)]


def parse_period(text) -> Period:
    found = PERIOD_RE.match(text.strip()) if isinstance(text, str) else None
    if found is None or not 2000 <= int(found["year"]) <= 2100:
        raise DomainError(_("A period is a month (2026-10), a quarter (2026-Q4) or a year (2026)."), field="period")
    year = int(found["year"])
    if found["month"]:
        first_month, months, kind = int(found["month"]), 1, "month"
    elif found["quarter"]:
        first_month, months, kind = 3 * int(found["quarter"]) - 2, 3, "quarter"
    else:
        first_month, months, kind = 1, 12, "year"
    start = date(year, first_month, 1)
    after = date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    return Period(text.strip(), kind, start, after - timedelta(days=1))


def period_of(kind: str, day: date | None = None) -> str:
    """The period of this kind that holds `day` (today by default)."""
    day = day or today()
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def last_period(kind: str, day: date | None = None) -> str:
    """The period of this kind that ended most recently (the one to name stars for)."""
    return period_of(kind, parse_period(period_of(kind, day)).start - timedelta(days=1))


# --- categories ------------------------------------------------------------------------------


def county_of(unit: Unit) -> Unit | None:
    ids = [int(i) for i in unit.path.strip("/").split("/") if i]
    return db.session.scalar(select(Unit).where(Unit.id.in_(ids), Unit.kind == "county"))


def ensure_defaults(county: Unit) -> list[StarCategory]:
    """The county's default stars, created once."""
    if db.session.scalar(select(StarCategory.id).where(StarCategory.unit_id == county.id).limit(1)):
        return categories_for(county)
    for position, (code, name, hant, en, rule, standards, deeds, per_unit, bonus) in enumerate(DEFAULTS):
        db.session.add(
            StarCategory(
                unit_id=county.id,
                code=code,
                name=name,
                name_hant=hant,
                name_en=en,
                period="month",
                per_unit=per_unit,
                bonus=bonus,
                rule=rule,
                rubric_categories=standards,
                deed_categories=deeds,
                min_points=1,
                position=position,
            )
        )
    db.session.flush()
    return categories_for(county)


def categories_for(unit: Unit, active_only: bool = True) -> list[StarCategory]:
    """The stars a unit names: its county's and its own."""
    county = county_of(unit)
    owners = [u.id for u in (county, unit) if u is not None]
    stmt = select(StarCategory).where(StarCategory.unit_id.in_(owners))
    if active_only:
        stmt = stmt.where(StarCategory.active.is_(True))
    return list(db.session.scalars(stmt.order_by(StarCategory.position, StarCategory.id)))


def add_category(owner: Unit, fields: dict, actor) -> StarCategory:
    """A new star for a county (all its units) or for one unit. Checks every field at once."""
    if not permissions.has_role(actor, permissions.ADMINS, owner):
        raise NotAllowed(_("Only an admin of this unit may add its stars."))
    errors = []
    code = fields.get("code")
    if not isinstance(code, str) or not re.match(r"^[a-z0-9-]{1,32}$", code):
        errors.append(("code", _("A code of lowercase letters, digits and '-' (at most 32).")))
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 50:
        errors.append(("name", _("Please give a name of at most 50 characters.")))
    for key in ("name_hant", "name_en"):
        if not isinstance(fields.get(key, ""), str) or len(fields.get(key, "")) > 80:
            errors.append((key, _("At most %(n)s characters.", n=80)))
    if fields.get("period", "month") not in ("month", "quarter", "year"):
        errors.append(("period", _("Choose month, quarter or year.")))
    if fields.get("rule", "ranking") not in ("ranking", "three_zero", "nomination"):
        errors.append(("rule", _("Choose a rule: ranking, three_zero or nomination.")))
    numbers = {"per_unit": (1, 100, 3), "bonus": (0, 1000, 10), "min_points": (0, 100_000, 1)}
    for key, (low, high, _default) in numbers.items():
        value = fields.get(key, _default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.append((key, _("A whole number from %(low)s to %(high)s.", low=low, high=high)))
    standards = fields.get("rubric_categories", [])
    if not isinstance(standards, list) or not set(standards) <= set(CATEGORIES):
        errors.append(("rubric_categories", _("Standards are among: %(codes)s.", codes=", ".join(CATEGORIES))))
    deeds = fields.get("deed_categories", [])
    if not isinstance(deeds, list) or not all(isinstance(c, str) for c in deeds):
        errors.append(("deed_categories", _("Give a list of deed category codes.")))
    if fields.get("rule", "ranking") == "ranking" and not standards and not deeds and not errors:
        errors.append(("rubric_categories", _("A ranking needs standards or deed categories to count.")))
    raise_field_errors(errors)
    if db.session.scalar(select(StarCategory.id).where(StarCategory.unit_id == owner.id, StarCategory.code == code)):
        raise DomainError(_("This unit already has a star with this code."), field="code")
    category = StarCategory(
        unit_id=owner.id,
        code=code,
        name=name.strip(),
        name_hant=fields.get("name_hant", "").strip(),
        name_en=fields.get("name_en", "").strip(),
        period=fields.get("period", "month"),
        rule=fields.get("rule", "ranking"),
        rubric_categories=standards,
        deed_categories=deeds,
        **{key: fields.get(key, default) for key, (_low, _high, default) in numbers.items()},
        position=100,
    )
    db.session.add(category)
    db.session.flush()
    audit.record("honors.category", category, actor=actor, unit_id=owner.id, code=code)
    return category


# --- proposing (honors/proposing.py) ----------------------------------------------------------


def candidates(category: StarCategory, unit: Unit, period: Period):
    """Who qualifies under the category's rule, best first, each with why (all of them, not only the top)."""
    from . import proposing

    return proposing.candidates(category, unit, period)


def propose(unit: Unit, period_text: str, actor=None) -> list[Honor]:
    """Propose the period's stars of every rule-based category of its kind (month, quarter or year).
    A category whose roll is full (its number approved) is left alone; proposing again adds nobody twice."""
    from . import proposing

    return proposing.propose(unit, period_text, actor)


def propose_area(area: Unit, period_text: str, actor=None):
    """Propose the period's stars of every village and community under a township or county at once."""
    from . import proposing

    return proposing.propose_area(area, period_text, actor)


def roll(unit: Unit, period_text: str, statuses=("proposed", "approved")) -> list[Honor]:
    period = parse_period(period_text)
    return list(
        db.session.scalars(
            select(Honor)
            .join(StarCategory, StarCategory.id == Honor.category_id)
            .where(Honor.unit_id == unit.id, Honor.period == period.text, Honor.status.in_(statuses))
            .order_by(StarCategory.position, StarCategory.id, Honor.rank.is_(None), Honor.rank, Honor.id)
        )
    )


# --- decisions -------------------------------------------------------------------------------


def _require_admin(honor: Honor, actor) -> None:
    if not permissions.has_role(actor, permissions.ADMINS, honor.unit):
        raise NotAllowed(_("Only an admin of the unit may decide its stars."))


def approve(honor: Honor, actor) -> Honor:
    """Publish the star on the roll and post its bonus points (once: the key is the honor's id)."""
    _require_admin(honor, actor)
    if honor.status == "approved":
        return honor
    if honor.status != "proposed":
        raise Conflict(_("Only a proposed star can be approved."))
    full = db.session.scalar(
        select(func.count(Honor.id)).where(
            Honor.category_id == honor.category_id,
            Honor.unit_id == honor.unit_id,
            Honor.period == honor.period,
            Honor.status == "approved",
        )
    )
    if full >= honor.category.per_unit:
        raise Conflict(_("%(star)s already has its %(n)s stars for this period.", star=honor.category.label, n=full))
    if honor.category.bonus:
        honor.transfer_id = ledger.transfer(
            ledger.issuance_account(honor.unit),
            ledger.household_account(honor.household_id),
            honor.category.bonus,
            "star_bonus",
            source=("honor", honor.id),
            idempotency_key=f"honor:{honor.id}",
            actor=actor,
            memo=f"{honor.category.name} {honor.period}",
        ).id
    honor.status, honor.decided_by_id, honor.decided_at = "approved", getattr(actor, "id", None), utcnow()
    db.session.flush()
    governance.touch(honor.unit_id, honor.period_end.strftime("%Y-%m"))  # the unit's honor density
    audit.record("honors.approve", honor, actor=actor, unit_id=honor.unit_id, bonus=honor.category.bonus)
    return honor


def approve_all(unit: Unit, period_text: str, actor) -> int:
    done = 0
    for honor in roll(unit, period_text, statuses=("proposed",)):
        try:
            approve(honor, actor)
            done += 1
        except Conflict:
            continue  # that category is full; the admin sees the proposal left over
    return done


def remove(honor: Honor, actor) -> Honor:
    """Take a proposed star off the list (the rule will not propose it again for this period)."""
    _require_admin(honor, actor)
    if honor.status != "proposed":
        raise Conflict(_("Only a proposed star can be removed; revoke an approved one."))
    honor.status, honor.decided_by_id, honor.decided_at = "removed", getattr(actor, "id", None), utcnow()
    db.session.flush()
    audit.record("honors.remove", honor, actor=actor, unit_id=honor.unit_id)
    return honor


def nominate(unit: Unit, category: StarCategory, household: Household, period_text: str, reason, actor) -> Honor:
    """Put a household forward for a star, with a reason (by nomination, or replacing a proposal)."""
    if not permissions.has_role(actor, permissions.ADMINS, unit):
        raise NotAllowed(_("Only an admin of the unit may decide its stars."))
    period = parse_period(period_text)
    reason = reason.strip() if isinstance(reason, str) else ""
    errors = []
    if category.id not in {c.id for c in categories_for(unit)}:
        errors.append(("category", _("This unit does not name this star.")))
    elif category.period != period.kind:
        errors.append(("period", _("%(star)s is named per %(kind)s.", star=category.label, kind=category.period_label)))
    if household.unit_id != unit.id:
        errors.append(("household", _("This household is not in %(unit)s.", unit=unit.name)))
    if not reason or len(reason) > 500:
        errors.append(("reason", _("Please give the reason for the nomination (at most 500 characters).")))
    raise_field_errors(errors)
    honor = db.session.scalar(
        select(Honor).where(
            Honor.category_id == category.id, Honor.household_id == household.id, Honor.period == period.text
        )
    )
    if honor is not None and honor.status in ("proposed", "approved"):
        raise Conflict(_("This household is already on the list for this star."))
    if honor is None:
        honor = Honor(
            category_id=category.id,
            unit_id=unit.id,
            household_id=household.id,
            period=period.text,
            period_end=period.end,
        )
        db.session.add(honor)
    honor.status, honor.how, honor.reason, honor.points, honor.rank = "proposed", "nomination", reason, 0, None
    db.session.flush()
    audit.record("honors.nominate", honor, actor=actor, unit_id=unit.id)
    return honor


def revoke(honor: Honor, reason, actor) -> Honor:
    """Take back an approved star: its bonus is reversed (refused if the household has spent it)."""
    _require_admin(honor, actor)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 500:
        raise DomainError(_("Please give a reason for revoking (at most 500 characters)."), field="reason")
    if honor.status != "approved":
        raise Conflict(_("Only an approved star can be revoked."))
    if honor.transfer_id is not None:
        ledger.reverse(db.session.get(Transfer, honor.transfer_id), actor, reason)
    honor.status, honor.revoke_reason = "revoked", reason
    governance.touch(honor.unit_id, honor.period_end.strftime("%Y-%m"))
    honor.decided_by_id, honor.decided_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    audit.record("honors.revoke", honor, actor=actor, unit_id=honor.unit_id, reason=reason)
    return honor


# --- the ten-star plaque and a household's stars ----------------------------------------------


def ten_star(unit: Unit, on: date | None = None) -> list[tuple[Household, int]]:
    """Households holding TEN_STAR_STARS different approved stars whose period ended within the last
    TEN_STAR_MONTHS months (a rolling year by default), with how many they hold; most first."""
    on = on or today()
    months = current_app.config["TEN_STAR_MONTHS"]
    since = _months_before(on, months)
    rows = db.session.execute(
        select(Household, func.count(func.distinct(Honor.category_id)))
        .join(Honor, Honor.household_id == Household.id)
        .where(Honor.unit_id == unit.id, Honor.status == "approved", Honor.period_end > since, Honor.period_end <= on)
        .group_by(Household.id)
        .having(func.count(func.distinct(Honor.category_id)) >= current_app.config["TEN_STAR_STARS"])
        .order_by(func.count(func.distinct(Honor.category_id)).desc(), Household.code)
    ).all()
    return [(h, n) for h, n in rows]


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def plaque_rate(unit: Unit, on: date | None = None) -> tuple[int, int]:
    """(ten-star households, households) of the unit."""
    households = db.session.scalar(select(func.count(Household.id)).where(Household.unit_id == unit.id)) or 0
    return len(ten_star(unit, on)), households


def stars_of(household_id: int) -> list[Honor]:
    """A household's approved stars, newest first (its passbook shows them)."""
    return list(
        db.session.scalars(
            select(Honor)
            .where(Honor.household_id == household_id, Honor.status == "approved")
            .order_by(Honor.period_end.desc(), Honor.id.desc())
        )
    )


# --- the public roll -------------------------------------------------------------------------


def published_periods(unit: Unit, limit: int = 12) -> list[str]:
    """The periods with approved stars, newest first."""
    return list(
        db.session.scalars(
            select(Honor.period)
            .where(Honor.unit_id == unit.id, Honor.status == "approved")
            .group_by(Honor.period)
            .order_by(func.max(Honor.period_end).desc())
            .limit(limit)
        )
    )


def public_roll(unit: Unit, period_text: str | None = None) -> tuple[str | None, list[tuple[StarCategory, list]]]:
    """What the village sees: the period (the asked one, else the newest published) and, per category,
    its approved stars as (shown name, initial). Names follow the unit's name_privacy."""

    periods = published_periods(unit, limit=1)
    period = parse_period(period_text).text if period_text else (periods[0] if periods else None)
    if period is None:
        return None, []
    grouped: dict[int, tuple[StarCategory, list]] = {}
    for honor in roll(unit, period, statuses=("approved",)):
        name = shown_name(unit, honor.household.head_name)
        grouped.setdefault(honor.category_id, (honor.category, []))[1].append((name, name[:1]))
    return period, list(grouped.values())


def public_ten_star(unit: Unit) -> list[tuple[str, int]]:
    """The ten-star households as the public sees them: (shown name, stars held), most first."""
    return [(shown_name(unit, h.head_name), n) for h, n in ten_star(unit)]


# --- the printed poster ----------------------------------------------------------------------

POSTER_SIZES = ("a4", "a3")
POSTER_TEN_STAR = 24  # names that fit on the page under a full roll; the online roll lists them all


def poster_size(text: str | None) -> str:
    """The paper a poster is printed on: "a4" (when none is named) or "a3"."""
    size = text.strip().lower() if isinstance(text, str) else ""
    if size in ("", *POSTER_SIZES):
        return size or "a4"
    raise DomainError(_("A poster is printed on A4 or A3: size=a4 or size=a3."), field="size")
