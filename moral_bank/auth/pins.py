"""Resident sign-in with a phone number and a PIN of 4–6 digits, set by the unit admin and changeable by
the resident. Five wrong PINs in a row lock the login until the unit admin lifts the lock."""

import re

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import audit, permissions
from ..core.db import db, utcnow
from ..core.errors import Conflict, DomainError, NotAllowed, raise_field_errors
from ..households.models import Member
from .models import RoleAssignment, User

PIN_RE = re.compile(r"^[0-9]{4,6}$")
PHONE_RE = re.compile(r"^1[0-9]{10}$|^[0-9]{7,15}$")
MAX_FAILURES = 5
_DUMMY = generate_password_hash("0000")


class PinLocked(Conflict):
    pass


def normalize_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isascii() and ch.isdigit())
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == normalize_phone(phone))) if phone else None


def _require_admin(actor, member: Member) -> None:
    if not permissions.has_role(actor, permissions.ADMINS, member.household.unit):
        raise NotAllowed(_("Only an admin of the household's unit may do this."))


def set_pin(member: Member, phone: str, pin: str, actor) -> User:
    """Give a household member a resident login with this phone and PIN (or change them)."""
    _require_admin(actor, member)
    phone = normalize_phone(phone)
    errors = []
    if not PHONE_RE.match(phone):
        errors.append(("phone", _("Please give a mobile number of 11 digits.")))
    if not isinstance(pin, str) or not PIN_RE.match(pin):
        errors.append(("pin", _("The PIN is 4 to 6 digits.")))
    raise_field_errors(errors)
    user = db.session.scalar(select(User).where(User.member_id == member.id))
    other = by_phone(phone)
    if other is not None and other is not user:
        raise DomainError(_("Another resident already signs in with this phone number."), field="phone")
    if user is None:
        user = User(
            username=f"resident-{member.id}",
            display_name=member.name,
            password_hash=generate_password_hash(pin + "-no-password-sign-in"),  # signs in with the PIN only
            member_id=member.id,
        )
        db.session.add(user)
    if not any(r.role == "resident" and r.unit_id == member.household.unit_id for r in user.roles):
        user.roles.append(RoleAssignment(role="resident", unit_id=member.household.unit_id))
    user.phone, user.pin_hash = phone, generate_password_hash(pin)
    user.pin_failures, user.pin_locked_at = 0, None
    db.session.flush()
    audit.record("auth.set_pin", user, actor=actor, unit_id=member.household.unit_id)
    return user


def sign_in(phone: str, pin: str) -> User | None:
    """The resident when phone and PIN match; None otherwise. Raises PinLocked for a locked login."""
    user = by_phone(phone)
    if user is None or not user.active or user.pin_hash is None:
        check_password_hash(_DUMMY, pin or "")  # the same cost whether or not the phone is known
        audit.record("auth.pin_failed", phone=normalize_phone(phone)[-4:])
        return None
    if user.pin_locked_at is not None:
        raise PinLocked(_("This login is locked after too many wrong PINs. Please ask your village admin."))
    if not check_password_hash(user.pin_hash, pin or ""):
        user.pin_failures += 1
        if user.pin_failures >= MAX_FAILURES:
            user.pin_locked_at = utcnow()
            audit.record("auth.pin_locked", user, actor=user)
        audit.record("auth.pin_failed", user, actor=user, failures=user.pin_failures)
        return None
    user.pin_failures = 0
    audit.record("auth.pin_login", user, actor=user)
    return user


def unlock(member: Member, actor) -> User:
    _require_admin(actor, member)
    user = db.session.scalar(select(User).where(User.member_id == member.id))
    if user is None:
        raise DomainError(_("This member has no resident login."))
    user.pin_failures, user.pin_locked_at = 0, None
    db.session.flush()
    audit.record("auth.pin_unlock", user, actor=actor)
    return user


def change_pin(user: User, current: str, new: str) -> None:
    if user.pin_hash is None or not check_password_hash(user.pin_hash, current or ""):
        raise DomainError(_("The current PIN is not correct."), field="current_pin")
    if not isinstance(new, str) or not PIN_RE.match(new):
        raise DomainError(_("The PIN is 4 to 6 digits."), field="new_pin")
    user.pin_hash = generate_password_hash(new)
    db.session.flush()
    audit.record("auth.change_pin", user, actor=user)


def login_of(member: Member) -> User | None:
    return db.session.scalar(select(User).where(User.member_id == member.id))
