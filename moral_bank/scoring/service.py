"""Rubric versions, scoring months, unit settings and scorer assignments."""

import re

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..auth.models import RoleAssignment, User
from ..core import audit, permissions
from ..core.db import db
from ..core.errors import DomainError, NotFound, raise_field_errors
from ..core.time import month_of
from ..households.models import Household
from ..units.models import MORAL_BANK_KINDS, Unit
from .models import CATEGORIES, PRIVACY_CHOICES, Rubric, RubricItem, ScorerAssignment, ScoringMonth, UnitSettings

ITEM_CODE_RE = re.compile(r"^[a-z0-9_-]{1,32}$")
MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
MAX_ITEM_POINTS = 1000
PIN_THRESHOLD = 200  # a redemption above this many points needs the household's PIN, unless the unit says otherwise
# Deductions run from 2 to 30 points each: 10 in a period is one serious deduction or several small ones,
# never a single slip of 2 to 5 points (see README, the red and black list).
BLACK_LIST_THRESHOLD = 10
CLAIMS_PER_DAY = 3  # a household's self-reports a day: enough for real deeds, too few to flood the reviewers


# --- rubric ------------------------------------------------------------------------


def rubric_in_force(unit: Unit) -> Rubric | None:
    """The newest version owned by the unit or, failing that, by its nearest ancestor."""
    ids = [int(i) for i in unit.path.strip("/").split("/") if i]
    owners = db.session.execute(
        select(Rubric.unit_id, func.max(Rubric.version)).where(Rubric.unit_id.in_(ids)).group_by(Rubric.unit_id)
    ).all()
    if not owners:
        return None
    latest = dict(owners)
    owner = max(latest, key=ids.index)  # the deepest unit on the path
    return db.session.scalar(select(Rubric).where(Rubric.unit_id == owner, Rubric.version == latest[owner]))


def require_rubric(unit: Unit) -> Rubric:
    rubric = rubric_in_force(unit)
    if rubric is None:
        raise NotFound(_("No scoring rubric covers %(unit)s yet.", unit=unit.name))
    return rubric


def _item_errors(items: list[dict]) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    if not items:
        errors.append(("items", _("A rubric needs at least one item.")))
    for n, item in enumerate(items, start=1):
        code, name, category, points = (item.get(k) for k in ("code", "name", "category", "max_points"))
        if not isinstance(code, str) or not ITEM_CODE_RE.match(code):
            errors.append(
                (f"items.{n}.code", _("Item %(n)s: the code must be 1–32 lower-case letters, digits, '-' or '_'.", n=n))
            )
        elif code in seen:
            errors.append((f"items.{n}.code", _("Item %(n)s: the code %(code)s appears twice.", n=n, code=code)))
        else:
            seen.add(code)
        if category not in CATEGORIES:
            errors.append((f"items.{n}.category", _("Item %(n)s: unknown category.", n=n)))
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            errors.append((f"items.{n}.name", _("Item %(n)s: the name is required (at most 100 characters).", n=n)))
        if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_ITEM_POINTS:
            errors.append(
                (
                    f"items.{n}.max_points",
                    _(
                        "Item %(n)s: the monthly maximum must be a whole number from 1 to %(max)s.",
                        n=n,
                        max=MAX_ITEM_POINTS,
                    ),
                )
            )
    missing = [c for c in CATEGORIES if c not in {i.get("category") for i in items}]
    if items and missing:
        errors.append(("items", _("Every one of the six standards needs at least one item.")))
    return errors


def new_rubric_version(unit: Unit, items: list[dict], note: str = "", actor=None) -> Rubric:
    """Save `items` as the next version of `unit`'s rubric. Earlier versions stay as they were."""
    if unit.kind not in ("county", *MORAL_BANK_KINDS):
        raise DomainError(_("A rubric belongs to a county, or to a village or community that overrides it."))
    raise_field_errors(_item_errors(items))
    last = db.session.scalar(select(func.max(Rubric.version)).where(Rubric.unit_id == unit.id)) or 0
    rubric = Rubric(unit=unit, version=last + 1, note=(note or "")[:200], created_by_id=getattr(actor, "id", None))
    rubric.items = [
        RubricItem(
            code=i["code"], category=i["category"], name=i["name"].strip(), max_points=i["max_points"], position=n
        )
        for n, i in enumerate(items)
    ]
    db.session.add(rubric)
    db.session.flush()
    audit.record("rubric.version", rubric, actor=actor, unit_id=unit.id, version=rubric.version)
    return rubric


# --- scoring months --------------------------------------------------------------


def check_month(month: str) -> str:
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise DomainError(_("The month must look like 2026-10."), field="month")
    if month > month_of():
        raise DomainError(_("A month in the future cannot be scored."), field="month")
    return month


def open_month(unit: Unit, month: str, actor=None) -> ScoringMonth:
    """The unit's scoring month, opened (and pinned to the rubric in force) on first use."""
    check_month(month)
    existing = db.session.scalar(
        select(ScoringMonth).where(ScoringMonth.unit_id == unit.id, ScoringMonth.month == month)
    )
    if existing is not None:
        return existing
    opened = ScoringMonth(unit=unit, month=month, rubric=require_rubric(unit), opened_by_id=getattr(actor, "id", None))
    db.session.add(opened)
    db.session.flush()
    audit.record("scoring.open_month", opened, actor=actor, unit_id=unit.id, month=month)
    return opened


# --- unit settings -----------------------------------------------------------------


def _default_settings(unit: Unit) -> UnitSettings:
    # Spelled out: a row not yet in the database has no column defaults applied.
    return UnitSettings(
        unit_id=unit.id,
        notice_days=3,
        name_privacy="masked",
        pin_threshold=PIN_THRESHOLD,
        black_list_public=False,
        black_list_threshold=BLACK_LIST_THRESHOLD,
        claims_two_step=False,
        claims_per_day=CLAIMS_PER_DAY,
    )


def settings_for(unit: Unit) -> UnitSettings:
    found = db.session.get(UnitSettings, unit.id)
    return found if found is not None else _default_settings(unit)


SETTINGS = (
    "notice_days",
    "name_privacy",
    "pin_threshold",
    "black_list_public",
    "black_list_threshold",
    "claims_two_step",
    "claims_per_day",
)


def update_settings(unit: Unit, changes: dict, actor=None) -> UnitSettings:
    """Change notice_days (0–30), name_privacy ('masked' or 'full'), pin_threshold (points),
    black_list_public (true/false), black_list_threshold (points, 1–10000), claims_two_step
    (true/false) and/or claims_per_day (self-reports a household may send a day, 1–20)."""
    errors = []
    unknown = sorted(set(changes) - set(SETTINGS))
    for key in unknown:
        errors.append((key, _("Unknown setting.")))
    days = changes.get("notice_days")
    if "notice_days" in changes and (isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 30):
        errors.append(("notice_days", _("The notice period is a whole number of days from 0 to 30.")))
    if "name_privacy" in changes and changes["name_privacy"] not in PRIVACY_CHOICES:
        errors.append(("name_privacy", _("Names are shown either 'masked' or 'full'.")))
    threshold = changes.get("pin_threshold")
    if "pin_threshold" in changes and (
        isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= 100_000
    ):
        errors.append(("pin_threshold", _("The PIN threshold is a whole number of points from 0 to 100000.")))
    if "black_list_public" in changes and not isinstance(changes["black_list_public"], bool):
        errors.append(("black_list_public", _("Say whether the black list is shown on the public roll: yes or no.")))
    floor = changes.get("black_list_threshold")
    if "black_list_threshold" in changes and (
        isinstance(floor, bool) or not isinstance(floor, int) or not 1 <= floor <= 10_000
    ):
        errors.append(
            ("black_list_threshold", _("The black list threshold is a whole number of points from 1 to 10000."))
        )
    if "claims_two_step" in changes and not isinstance(changes["claims_two_step"], bool):
        errors.append(("claims_two_step", _("Say whether self-reports are reviewed in two steps: yes or no.")))
    per_day = changes.get("claims_per_day")
    if "claims_per_day" in changes and (
        isinstance(per_day, bool) or not isinstance(per_day, int) or not 1 <= per_day <= 20
    ):
        errors.append(
            ("claims_per_day", _("The self-reports a household may send a day: a whole number from 1 to 20."))
        )
    raise_field_errors(errors)
    if unit.kind not in MORAL_BANK_KINDS:
        raise DomainError(_("Only a village or community runs a moral bank."), field="unit")
    current = db.session.get(UnitSettings, unit.id)
    if current is None:
        current = _default_settings(unit)
        db.session.add(current)
    for key, value in changes.items():
        setattr(current, key, value)
    db.session.flush()
    audit.record("unit.settings", actor=actor, unit_id=unit.id, **changes)
    return current


# --- scorer assignments ------------------------------------------------------------


def assign(unit: Unit, scorer: User, household_codes: list[str], actor=None) -> int:
    """Make `scorer` the scorer of these households of `unit`, replacing any earlier scorer."""
    if not permissions.has_role(scorer, ("scorer",), unit):
        raise DomainError(_("%(name)s is not a scorer of this unit.", name=scorer.username), field="scorer")
    if not isinstance(household_codes, list) or not all(isinstance(c, str) for c in household_codes):
        raise DomainError(_("Give a list of household codes."), field="households")
    rows = (
        dict(
            db.session.execute(
                select(Household.code, Household.id).where(
                    Household.unit_id == unit.id, Household.code.in_(household_codes)
                )
            ).all()
        )
        if household_codes
        else {}
    )
    unknown = [c for c in household_codes if c not in rows]
    if unknown:
        raise DomainError(
            _("No household in this unit has the code %(code)s.", code=", ".join(unknown[:10])), field="households"
        )
    ids = sorted(set(rows.values()))
    if ids:
        db.session.execute(delete(ScorerAssignment).where(ScorerAssignment.household_id.in_(ids)))
        db.session.add_all(
            ScorerAssignment(household_id=i, scorer_id=scorer.id, assigned_by_id=getattr(actor, "id", None))
            for i in ids
        )
    db.session.flush()
    audit.record("scoring.assign", scorer, actor=actor, unit_id=unit.id, households=len(ids))
    return len(ids)


def assigned_household_ids(scorer: User, unit: Unit) -> set[int]:
    return set(
        db.session.scalars(
            select(ScorerAssignment.household_id)
            .join(Household)
            .where(ScorerAssignment.scorer_id == scorer.id, Household.unit_id == unit.id)
        )
    )


def scorers_of(unit: Unit) -> list[User]:
    """Active logins holding the scorer role on `unit` or a unit above it."""
    ancestors = [int(i) for i in unit.path.strip("/").split("/") if i]
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == "scorer", RoleAssignment.unit_id.in_(ancestors), User.active)
            .order_by(User.username)
            .distinct()
        )
    )


def assignment_rows(unit: Unit) -> list[tuple[Household, User | None]]:
    """Every household of `unit` with its scorer (or None), by code."""
    return [
        (h, u)
        for h, u in db.session.execute(
            select(Household, User)
            .outerjoin(ScorerAssignment, ScorerAssignment.household_id == Household.id)
            .outerjoin(User, User.id == ScorerAssignment.scorer_id)
            .where(Household.unit_id == unit.id)
            .order_by(Household.code)
        ).all()
    ]


def grid_cells(unit: Unit) -> list[str]:
    return list(
        db.session.scalars(
            select(Household.grid_cell)
            .where(Household.unit_id == unit.id, Household.grid_cell != "")
            .distinct()
            .order_by(Household.grid_cell)
        )
    )


def codes_in_cell(unit: Unit, cell: str) -> list[str]:
    return list(
        db.session.scalars(select(Household.code).where(Household.unit_id == unit.id, Household.grid_cell == cell))
    )
