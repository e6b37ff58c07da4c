"""Announcements (通知公告): who may post them, who sees which, what is still shown, who has read them.

An announcement is posted on a unit; one on a township or the county reaches every unit under it.
A unit's page lists the live ones (not withdrawn, not past their expiry day) of the unit and of
the areas above it, pinned first, then newest first. Residents-only ones are shown only to someone
with a login on the unit (or above it, or, for an area's, on a unit under it)."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.db import db, utcnow
from ..core.errors import DomainError, raise_field_errors
from ..core.permissions import ADMINS, has_role
from ..core.time import today
from ..units.models import Unit
from .models import AUDIENCES, Announcement, AnnouncementRead

TITLE_MAX = 120
BODY_MAX = 5000
SHOWN = 20  # on a unit's page and a resident's home: the newest live ones


@dataclass
class Listed:
    announcement: Announcement
    unread: bool = False


def _bool(value, field: str, errors: list) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "n", "no", "false", "0", "off"):
        return False
    if value in ("y", "yes", "true", "1", "on"):
        return True
    errors.append((field, _("Pinned is yes or no.")))
    return False


def _expiry(value, errors: list) -> date | None:
    if isinstance(value, date):
        day = value
    elif value in (None, ""):
        return None
    else:
        try:
            day = date.fromisoformat(value.strip()) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            errors.append(("expires_on", _("Give the date as YYYY-MM-DD.")))
            return None
    if day < today():
        errors.append(("expires_on", _("The expiry date cannot be in the past.")))
    return day


def check(fields: dict) -> dict:
    """An announcement's fields, checked: every problem at once, by field."""
    errors: list[tuple[str, str]] = []
    title = fields.get("title").strip() if isinstance(fields.get("title"), str) else ""
    body = fields.get("body").strip() if isinstance(fields.get("body"), str) else ""
    if not title:
        errors.append(("title", _("This field is required.")))
    elif len(title) > TITLE_MAX:
        errors.append(("title", _("At most %(n)s characters.", n=TITLE_MAX)))
    if not body:
        errors.append(("body", _("This field is required.")))
    elif len(body) > BODY_MAX:
        errors.append(("body", _("At most %(n)s characters.", n=f"{BODY_MAX:,}")))
    audience = fields.get("audience") or "public"
    if audience not in AUDIENCES:
        errors.append(("audience", _("The audience is public or residents.")))
    pinned = _bool(fields.get("pinned"), "pinned", errors)
    expires_on = _expiry(fields.get("expires_on"), errors)
    raise_field_errors(errors)
    return {"title": title, "body": body, "audience": audience, "pinned": pinned, "expires_on": expires_on}


def post(unit: Unit, fields: dict, actor, photo=None) -> Announcement:
    """Post an announcement on `unit` (the caller has checked the actor administers it)."""
    values = check(fields)
    announcement = Announcement(unit_id=unit.id, created_by_id=getattr(actor, "id", None), photo=photo, **values)
    db.session.add(announcement)
    db.session.flush()
    audit.record("announcement.post", announcement, actor=actor, unit_id=unit.id, audience=values["audience"])
    return announcement


def edit(announcement: Announcement, fields: dict, actor, photo=None, remove_photo: bool = False) -> Announcement:
    """Change a live or expired announcement (a withdrawn one stays withdrawn)."""
    if announcement.withdrawn_at is not None:
        raise DomainError(_("This announcement has been withdrawn and can no longer be changed."))
    values = check(fields)
    for key, value in values.items():
        setattr(announcement, key, value)
    if photo is not None:
        announcement.photo = photo
    elif remove_photo:
        announcement.photo = None
    announcement.updated_at = utcnow()
    db.session.flush()
    audit.record("announcement.edit", announcement, actor=actor, unit_id=announcement.unit_id)
    return announcement


def withdraw(announcement: Announcement, actor) -> Announcement:
    """Take an announcement down everywhere at once."""
    if announcement.withdrawn_at is not None:
        raise DomainError(_("This announcement has been withdrawn already."))
    announcement.withdrawn_at, announcement.withdrawn_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit.record("announcement.withdraw", announcement, actor=actor, unit_id=announcement.unit_id)
    return announcement


def is_live(announcement: Announcement) -> bool:
    expired = announcement.expires_on is not None and announcement.expires_on < today()
    return announcement.withdrawn_at is None and not expired


def may_manage(user, announcement: Announcement) -> bool:
    return has_role(user, ADMINS, announcement.unit)


def sees_residents_only(user, unit: Unit) -> bool:
    """A login on the unit, above it, or (for an area) under it: a resident, not a stranger."""
    if user is None or not user.is_authenticated:
        return False
    return any(a.unit.contains(unit) or unit.contains(a.unit) for a in user.roles)


def may_see(user, announcement: Announcement) -> bool:
    """Anyone sees a live public announcement; a residents-only one needs a login there; those who
    may manage it see it also when withdrawn or expired."""
    if user is not None and user.is_authenticated and may_manage(user, announcement):
        return True
    if not is_live(announcement):
        return False
    return announcement.audience == "public" or sees_residents_only(user, announcement.unit)


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def for_unit(unit: Unit, user=None, limit: int = SHOWN) -> list[Listed]:
    """The live announcements a unit's page shows `user` (None: the public), pinned first, newest
    first; unread ones marked for a signed-in user."""
    audiences = ["public", "residents"] if sees_residents_only(user, unit) else ["public"]
    rows = db.session.scalars(
        select(Announcement)
        .where(
            Announcement.unit_id.in_(_ancestor_ids(unit) or [unit.id]),
            Announcement.withdrawn_at.is_(None),
            or_(Announcement.expires_on.is_(None), Announcement.expires_on >= today()),
            Announcement.audience.in_(audiences),
        )
        .order_by(Announcement.pinned.desc(), Announcement.created_at.desc(), Announcement.id.desc())
        .limit(limit)
    ).all()
    read = _read_ids(user, [a.id for a in rows])
    signed_in = user is not None and user.is_authenticated
    return [Listed(a, signed_in and a.id not in read) for a in rows]


def _read_ids(user, ids: list[int]) -> set[int]:
    if user is None or not user.is_authenticated or not ids:
        return set()
    return set(
        db.session.scalars(
            select(AnnouncementRead.announcement_id).where(
                and_(AnnouncementRead.user_id == user.id, AnnouncementRead.announcement_id.in_(ids))
            )
        )
    )


def mark_read(announcement: Announcement, user) -> None:
    """Remember that `user` opened it (once; a second opening, or a racing one, changes nothing)."""
    if user is None or not user.is_authenticated or _read_ids(user, [announcement.id]):
        return
    try:
        with db.session.begin_nested():
            db.session.add(AnnouncementRead(announcement_id=announcement.id, user_id=user.id))
            db.session.flush()
    except IntegrityError:
        pass


def posted_on(unit: Unit) -> list[Announcement]:
    """Every announcement posted on the unit, withdrawn and expired ones too, newest first (its admins' list)."""
    return list(
        db.session.scalars(
            select(Announcement)
            .where(Announcement.unit_id == unit.id)
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        )
    )


def as_form(announcement: Announcement) -> dict:
    return {
        "title": announcement.title,
        "body": announcement.body,
        "audience": announcement.audience,
        "pinned": announcement.pinned,
        "expires_on": announcement.expires_on,
    }
