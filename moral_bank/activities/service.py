"""Volunteer activities (志愿活动): posting, who sees which, sign-up with a guarded place counter,
cancelling, and the lists. Check-in and closing are in `attendance.py`.

Who: an admin over the activity's unit organizes it (a village's unit admin; a township admin for an
activity open to several villages). A township's or the county's activity is open to the units listed
in `served`, or to every unit under it when none are listed. Residents of a unit in reach see it and
sign their household up; one household takes one place.

Decided here: a household not signed up may be checked in by the organizer (a walk-in) while places
remain, within the activity's reach; a resident scanning the QR without a sign-up is refused and asked
to see the organizer. Check-in opens an hour before the start and stays open until the activity is closed."""

import re
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..claims import service as claims
from ..core import audit, permissions
from ..core.db import db, utcnow
from ..core.errors import Conflict, DomainError, NotAllowed, raise_field_errors
from ..core.time import zone
from ..households.models import Household
from ..scoring import deeds
from ..units import service as units
from ..units.models import AREA_KINDS, MORAL_BANK_KINDS, Unit
from .models import Activity, Signup, activity_unit

TITLE_MAX, PLACE_MAX, DESCRIPTION_MAX, MEMBER_MAX = 120, 120, 2000, 50
CAPACITY_MAX = 1000
RECENT = timedelta(days=90)  # closed activities stay on the public list this long
FIELDS = (
    "title",
    "description",
    "place",
    "starts_at",
    "ends_at",
    "signup_deadline",
    "capacity",
    "category",
    "points",
    "served",
)


# --- reach and roles --------------------------------------------------------------------------


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def in_reach(activity: Activity, unit: Unit) -> bool:
    """True when `unit` lies under the activity's unit and, if units are listed, under one of them."""
    if not activity.unit.contains(unit):
        return False
    return not activity.served or any(s.contains(unit) for s in activity.served)


def may_manage(user, activity: Activity) -> bool:
    return permissions.has_role(user, permissions.ADMINS, activity.unit)


def may_see(user, activity: Activity) -> bool:
    """Its organizers and the staff above it, and anyone with a login on a unit in its reach."""
    if user is None or not user.is_authenticated:
        return False
    return any(a.unit.contains(activity.unit) or in_reach(activity, a.unit) for a in user.roles)


def household_of(user) -> Household | None:
    return claims.household_of(user)


def reaching(unit: Unit):
    """A SQL condition: activities open to `unit` (posted on it or above it, and listing it or nothing)."""
    ancestors = _ancestor_ids(unit) or [unit.id]
    listed = select(activity_unit.c.activity_id).where(activity_unit.c.activity_id == Activity.id)
    return and_(
        Activity.unit_id.in_(ancestors),
        or_(~exists(listed), exists(listed.where(activity_unit.c.unit_id.in_(ancestors)))),
    )


# --- posting ----------------------------------------------------------------------------------


def _text(fields: dict, name: str, most: int, errors: list, required: bool = True) -> str:
    value = fields.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        errors.append((name, _("This field is required.")))
    elif len(value) > most:
        errors.append((name, _("At most %(n)s characters.", n=most)))
    return value


def _moment(value, name: str, errors: list) -> datetime | None:
    """An aware datetime, or ISO 8601 text (without a zone: the deployment's local time)."""
    if isinstance(value, str) and value.strip():
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime) or not 2000 <= value.year <= 2100:  # no overflow at the ends
        errors.append((name, _("Give the date and time as YYYY-MM-DD HH:MM.")))
        return None
    return value if value.tzinfo else value.replace(tzinfo=zone())


def _whole(value, name: str, low: int, high: int, errors: list) -> int | None:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append((name, _("A whole number from %(low)s to %(high)s.", low=low, high=high)))
        return None
    return value


def award_categories(unit: Unit):
    return [c for c in deeds.categories_for(unit) if c.kind == "award"]


def _served(unit: Unit, codes, errors: list) -> list[Unit]:
    if codes in (None, "", []):
        return []
    if isinstance(codes, str):
        codes = re.split(r"[\s,，、;；]+", codes)
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors.append(("served", _("Give a list of unit codes.")))
        return []
    found = []
    for code in dict.fromkeys(c.strip() for c in codes if c.strip()):
        served = units.by_code(code)
        if served is None:
            errors.append(("served", _("No unit has the code %(code)s.", code=code)))
        elif served.id == unit.id or not unit.contains(served) or unit.kind not in AREA_KINDS:
            errors.append(("served", _("%(name)s is not a unit under %(area)s.", name=served.name, area=unit.name)))
        else:
            found.append(served)
    return found


def check(unit: Unit, fields: dict, new: bool = True) -> dict:
    """An activity's fields, checked: every problem at once, by field."""
    errors: list[tuple[str, str]] = []
    values = {
        "title": _text(fields, "title", TITLE_MAX, errors),
        "description": _text(fields, "description", DESCRIPTION_MAX, errors, required=False),
        "place": _text(fields, "place", PLACE_MAX, errors),
    }
    starts = _moment(fields.get("starts_at"), "starts_at", errors)
    ends = _moment(fields.get("ends_at"), "ends_at", errors)
    deadline = fields.get("signup_deadline")
    deadline = starts if deadline in (None, "") else _moment(deadline, "signup_deadline", errors)
    if starts is not None and new and starts < utcnow():
        errors.append(("starts_at", _("The start cannot be in the past.")))
    if starts is not None and ends is not None and ends <= starts:
        errors.append(("ends_at", _("The end must come after the start.")))
    if starts is not None and deadline is not None and deadline > starts:
        errors.append(("signup_deadline", _("The sign-up deadline cannot be after the start.")))
    values["capacity"] = _whole(fields.get("capacity"), "capacity", 1, CAPACITY_MAX, errors)
    category = {c.code: c for c in award_categories(unit)}.get(fields.get("category"))
    if category is None:
        errors.append(("category", _("Choose the kind of good deed the attendance counts as.")))
    points = fields.get("points")
    most = category.max_points if category else 1000
    values["points"] = _whole(points, "points", 1, most, errors)
    values["served"] = _served(unit, fields.get("served"), errors)
    raise_field_errors(errors)
    return {**values, "starts_at": starts, "ends_at": ends, "signup_deadline": deadline, "category": category}


def post(unit: Unit, fields: dict, actor) -> Activity:
    """Post an activity on `unit`: a village or community, or a township or the county (then `served`
    may list the units under it that it is open to)."""
    if not permissions.has_role(actor, permissions.ADMINS, unit):
        raise NotAllowed(_("Only an admin of this unit may post its activities."))
    if unit.kind not in MORAL_BANK_KINDS + AREA_KINDS:
        raise DomainError(_("Activities are posted by a village, a community, a township or the county."))
    values = check(unit, fields)
    activity = Activity(unit=unit, created_by_id=getattr(actor, "id", None), **values)
    db.session.add(activity)
    db.session.flush()
    audit.record(
        "activity.post",
        activity,
        actor=actor,
        unit_id=unit.id,
        capacity=activity.capacity,
        served=[u.code for u in activity.served],
    )
    return activity


# --- sign-up and cancelling -------------------------------------------------------------------

# Built once: the guarded counter (the CHECK constraint backs it up).
_TAKE_PLACE = (
    update(Activity)
    .where(Activity.id == bindparam("aid"), Activity.signed_up < Activity.capacity, Activity.status == "open")
    .values(signed_up=Activity.signed_up + 1)
    .execution_options(synchronize_session=False)
)
_FREE_PLACE = (
    update(Activity)
    .where(Activity.id == bindparam("aid"), Activity.signed_up > 0)
    .values(signed_up=Activity.signed_up - 1)
    .execution_options(synchronize_session=False)
)


def signup_of(activity: Activity, household: Household) -> Signup | None:
    return db.session.scalar(
        select(Signup).where(Signup.activity_id == activity.id, Signup.household_id == household.id)
    )


def _acting_for(activity: Activity, household: Household, actor) -> bool:
    """True for the organizer; a resident may act only for their own household."""
    if may_manage(actor, activity):
        return True
    mine = household_of(actor)
    if mine is None or mine.id != household.id:
        raise NotAllowed(_("A resident may sign up only their own household."))
    return False


def require_reach(activity: Activity, household: Household) -> None:
    if not in_reach(activity, household.unit):
        raise NotAllowed(_("This activity is not open to %(unit)s.", unit=household.unit.name))


def take_place(activity: Activity, household: Household, actor, member_name: str, **extra) -> tuple[Signup, bool]:
    """The guarded counter, then the sign-up row, in one savepoint: full → Conflict; a racing sign-up of
    the same household loses on the unique key and gets the winner's row."""
    try:
        with db.session.begin_nested():
            if db.session.execute(_TAKE_PLACE, {"aid": activity.id}).rowcount != 1:
                raise Conflict(_("Sorry, this activity is full."))
            signup = Signup(
                activity_id=activity.id,
                household_id=household.id,
                member_name=member_name,
                signed_up_by_id=getattr(actor, "id", None),
                **extra,
            )
            db.session.add(signup)
            db.session.flush()
    except IntegrityError:  # the same household signed up at the same moment
        earlier = signup_of(activity, household)
        if earlier is None:  # not that: the CHECK on the counter, which the guard should have kept
            raise Conflict(_("Sorry, this activity is full.")) from None
        return earlier, False
    db.session.refresh(activity)
    return signup, True


def sign_up(activity: Activity, household: Household, actor, member_name: str = "") -> tuple[Signup, bool]:
    """Sign a household up (its resident, or the organizer for it). Returns (sign-up, created); signing up
    again returns the first one."""
    organizer = _acting_for(activity, household, actor)
    require_reach(activity, household)
    name = member_name.strip() if isinstance(member_name, str) else None
    if name is None or len(name) > MEMBER_MAX:
        raise DomainError(_("At most %(n)s characters.", n=MEMBER_MAX), field="member_name")
    earlier = signup_of(activity, household)
    if earlier is not None:
        return earlier, False
    if activity.status != "open":
        raise Conflict(_("This activity is closed."))
    if not organizer and utcnow() >= activity.signup_deadline:
        raise Conflict(_("The sign-up deadline has passed."))
    signup, created = take_place(activity, household, actor, name)
    if created:
        audit.record("activity.sign_up", signup, actor=actor, unit_id=household.unit_id, activity=activity.id)
    return signup, created


def deadline_passed(activity: Activity) -> bool:
    return utcnow() >= activity.signup_deadline


def cancel(activity: Activity, household: Household, actor) -> None:
    """The household gives its place back, before the sign-up deadline and before checking in."""
    _acting_for(activity, household, actor)
    signup = signup_of(activity, household)
    if signup is None:
        raise Conflict(_("Your household has not signed up for this activity."))
    if activity.status != "open" or utcnow() >= activity.signup_deadline:
        raise Conflict(_("The sign-up deadline has passed; please tell the organizer if you cannot come."))
    if signup.status != "signed_up":
        raise Conflict(_("Your household has checked in already."))
    db.session.delete(signup)
    db.session.flush()
    db.session.execute(_FREE_PLACE, {"aid": activity.id})
    db.session.refresh(activity)
    audit.record("activity.cancel", activity, actor=actor, unit_id=household.unit_id, household=household.id)


# --- lists ------------------------------------------------------------------------------------


def signups(activity: Activity) -> list[Signup]:
    return list(
        db.session.scalars(
            select(Signup)
            .join(Household, Household.id == Signup.household_id)
            .where(Signup.activity_id == activity.id)
            .options(selectinload(Signup.household).selectinload(Household.unit))
            .order_by(Household.unit_id, Household.code)
        )
    )


def posted_on(unit: Unit) -> list[Activity]:
    """A unit's own activities, the coming ones first, then the past ones, newest first (its admins' list)."""
    rows = db.session.scalars(
        select(Activity).where(Activity.unit_id == unit.id).order_by(Activity.starts_at.desc()).limit(200)
    ).all()
    return sorted((a for a in rows if a.status == "open"), key=lambda a: a.starts_at) + [
        a for a in rows if a.status == "closed"
    ]


def open_for(unit: Unit, limit: int = 20) -> list[Activity]:
    """The open activities a unit's residents may still join or attend, soonest first."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(reaching(unit), Activity.status == "open", Activity.ends_at > utcnow())
            .options(selectinload(Activity.unit))
            .order_by(Activity.starts_at, Activity.id)
            .limit(limit)
        )
    )


def public_list(unit: Unit) -> tuple[list[Activity], list[Activity]]:
    """(coming and under way, closed in the last 90 days) for the public page of a unit."""
    recent = db.session.scalars(
        select(Activity)
        .where(reaching(unit), Activity.status == "closed", Activity.starts_at >= utcnow() - RECENT)
        .options(selectinload(Activity.unit))
        .order_by(Activity.starts_at.desc())
        .limit(20)
    ).all()
    return open_for(unit, 50), list(recent)


def attended_count(activity: Activity) -> int:
    return db.session.scalar(
        select(func.count(Signup.id)).where(Signup.activity_id == activity.id, Signup.status == "attended")
    )


def signup_statuses(activities: list[Activity], household: Household | None) -> dict[int, Signup]:
    """The household's sign-up of each listed activity, by activity id."""
    if household is None or not activities:
        return {}
    rows = db.session.scalars(
        select(Signup).where(Signup.household_id == household.id, Signup.activity_id.in_([a.id for a in activities]))
    )
    return {s.activity_id: s for s in rows}
