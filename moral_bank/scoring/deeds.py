"""Deeds: awards for good deeds and deductions from the negative list, one household at a time."""

import re
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..core import audit
from ..core.db import db, is_id
from ..core.errors import DomainError, NotAllowed, raise_field_errors
from ..core.time import today
from ..households.models import Household, Member
from ..units.models import Unit
from .models import Deed, DeedCategory
from .sheets import can_score

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
OLDEST_DAYS = 366


def _county_ids(unit: Unit) -> list[int]:
    return [int(i) for i in unit.path.strip("/").split("/") if i]


def categories_for(unit: Unit) -> list[DeedCategory]:
    """Active categories set on the unit or any unit above it (in practice: its county)."""
    return list(
        db.session.scalars(
            select(DeedCategory)
            .where(DeedCategory.unit_id.in_(_county_ids(unit)), DeedCategory.active)
            .order_by(DeedCategory.kind, DeedCategory.id)
        )
    )


def add_category(unit: Unit, code: str, name: str, kind: str, max_points: int) -> DeedCategory:
    errors = []
    if not isinstance(code, str) or not re.match(r"^[a-z0-9_-]{1,32}$", code):
        errors.append(("code", _("The code must be 1–32 lower-case letters, digits, '-' or '_'.")))
    if not isinstance(name, str) or not name.strip() or len(name) > 50:
        errors.append(("name", _("The name is required (at most 50 characters).")))
    if kind not in ("award", "deduction"):
        errors.append(("kind", _("A category is an award or a deduction.")))
    if isinstance(max_points, bool) or not isinstance(max_points, int) or not 0 < max_points <= 1000:
        errors.append(("max_points", _("The limit per deed is a whole number from 1 to 1000.")))
    raise_field_errors(errors)
    category = DeedCategory(unit_id=unit.id, code=code, name=name.strip(), kind=kind, max_points=max_points)
    db.session.add(category)
    db.session.flush()
    return category


def by_key(client_key: str | None) -> Deed | None:
    if not client_key:
        return None
    return db.session.scalar(select(Deed).where(Deed.client_key == client_key))


def _parse_day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def record_deed(
    household: Household,
    category_code: str,
    points,
    reason: str,
    happened_on: str,
    member_id: int | None = None,
    actor=None,
    client_key: str | None = None,
    photo=None,
) -> tuple[Deed, bool]:
    """Record a deed for review. Returns (deed, created); a repeated client key returns the first deed."""
    if actor is None or not can_score(actor, household):
        raise NotAllowed(_("Only the household's scorer or a unit admin may record its deeds."))
    if client_key is not None and not KEY_RE.match(client_key):
        raise DomainError(_("The Idempotency-Key must be 8–80 letters, digits or '-_.:'."), field="idempotency_key")
    earlier = by_key(client_key)
    if earlier is not None:
        if earlier.household_id != household.id:
            raise DomainError(
                _("This Idempotency-Key was already used for another household."), field="idempotency_key"
            )
        return earlier, False
    categories = {c.code: c for c in categories_for(household.unit)}
    category = categories.get(category_code)
    errors = []
    if category is None:
        errors.append(("category", _("Unknown deed category.")))
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        errors.append(("points", _("Points must be a whole number greater than zero.")))
    elif category is not None and points > category.max_points:
        errors.append(
            ("points", _("%(name)s: at most %(max)s points per deed.", name=category.name, max=category.max_points))
        )
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 500:
        errors.append(("reason", _("Please say what happened (at most 500 characters).")))
    day = _parse_day(happened_on)
    if day is None:
        errors.append(("date", _("The date must look like 2026-10-15.")))
    elif day > today() or day < today() - timedelta(days=OLDEST_DAYS):
        errors.append(("date", _("The date must be within the past year, not in the future.")))
    if member_id is not None and (
        not is_id(member_id)
        or db.session.scalar(select(Member.id).where(Member.id == member_id, Member.household_id == household.id))
        is None
    ):
        errors.append(("member_id", _("This person is not a member of the household.")))
    raise_field_errors(errors)
    deed = Deed(
        household=household,
        unit_id=household.unit_id,
        member_id=member_id,
        category=category,
        points=points,
        reason=reason,
        happened_on=day,
        client_key=client_key,
        recorded_by_id=actor.id,
        photo_id=getattr(photo, "id", None),
    )
    db.session.add(deed)
    db.session.flush()
    audit.record(
        "deed.record", deed, actor=actor, unit_id=household.unit_id, category=category.code, points=deed.signed_points
    )
    return deed, True
