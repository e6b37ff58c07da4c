"""Users, passwords, role grants and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import audit, permissions
from ..core.db import db, utcnow
from ..core.errors import DomainError, NotAllowed
from ..households.models import Member
from ..units.models import Unit
from .models import ROLES, ApiToken, RoleAssignment, User

MIN_PASSWORD = 8
_DUMMY_HASH = None


def get_active_user(user_id) -> User | None:
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    # Every request loads its user: one query (built once), with the roles, their units and a
    # resident's member joined.
    user = db.session.execute(_SESSION_USER, {"user_id": user_id}).unique().scalar_one_or_none()
    return user if user is not None and user.active else None


_SESSION_USER = (
    select(User)
    .where(User.id == bindparam("user_id"))
    .options(joinedload(User.roles).joinedload(RoleAssignment.unit), joinedload(User.member))
)


def by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == (username or "").strip()))


def authenticate(username: str, password: str) -> User | None:
    """The user when the password matches; None otherwise (same cost either way)."""
    global _DUMMY_HASH
    user = by_username(username)
    if user is None or not user.active:
        _DUMMY_HASH = _DUMMY_HASH or generate_password_hash("not a password")
        check_password_hash(_DUMMY_HASH, password or "")
        audit.record("auth.login_failed", username=(username or "")[:64])
        return None
    if not check_password_hash(user.password_hash, password or ""):
        audit.record("auth.login_failed", user, actor=user)
        return None
    audit.record("auth.login", user, actor=user)
    return user


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD), field="password")


def create_user(username: str, password: str, display_name: str = "", actor=None) -> User:
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise DomainError(_("Please enter a user name of at most 64 characters."), field="username")
    if by_username(username) is not None:
        raise DomainError(_("The user name %(name)s is taken.", name=username), field="username")
    _check_password(password)
    user = User(username=username, display_name=display_name.strip(), password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError(_("The current password is not correct."), field="current_password")
    _check_password(new)
    user.password_hash = generate_password_hash(new)
    audit.record("user.password_change", user, actor=user)


def set_password(user: User, new: str, actor=None) -> None:
    _check_password(new)
    user.password_hash = generate_password_hash(new)
    audit.record("user.password_reset", user, actor=actor)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def grant_role(user: User, role: str, unit: Unit, member: Member | None = None, actor=None) -> RoleAssignment:
    """Give `user` a role on `unit`. With an actor, only what that actor may grant there."""
    if role not in ROLES:
        raise DomainError(_("Unknown role: %(role)s.", role=role), field="role")
    if actor is not None and role not in permissions.grantable_roles(actor, unit):
        raise NotAllowed(_("You may not grant this role on this unit."), field="role")
    if role == "resident":
        if member is None or member.household.unit_id != unit.id:
            raise DomainError(
                _("A resident login must be linked to a member of a household in this unit."), field="household"
            )
        if user.member_id not in (None, member.id):
            raise DomainError(_("This login is already linked to another household member."), field="household")
        user.member = member
    elif unit.kind not in ("county", "township") and role in ("county_admin", "township_admin"):
        raise DomainError(_("This role belongs on a county or township."), field="role")
    existing = db.session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id, RoleAssignment.role == role, RoleAssignment.unit_id == unit.id
        )
    )
    if existing is not None:
        return existing
    assignment = RoleAssignment(user=user, role=role, unit=unit)
    db.session.add(assignment)
    db.session.flush()
    audit.record("user.grant_role", user, actor=actor, unit_id=unit.id, role=role)
    return assignment


def revoke_role(assignment: RoleAssignment, actor=None) -> None:
    if actor is not None and assignment.role not in permissions.grantable_roles(actor, assignment.unit):
        raise NotAllowed(_("You may not remove this role."))
    if actor is not None and assignment.user_id == actor.id:
        raise DomainError(_("You cannot remove your own role."))
    user = assignment.user
    audit.record("user.revoke_role", user, actor=actor, unit_id=assignment.unit_id, role=assignment.role)
    user.roles.remove(assignment)
    db.session.delete(assignment)
    if assignment.role == "resident":
        user.member = None
    db.session.flush()


def visible_users(actor) -> list[User]:
    """Users holding any role inside the actor's admin subtrees."""
    cond = permissions.unit_filter(actor, permissions.ADMINS, Unit)
    stmt = (
        select(User)
        .join(RoleAssignment)
        .join(Unit, RoleAssignment.unit_id == Unit.id)
        .where(cond)
        .distinct()
        .order_by(User.username)
    )
    return list(db.session.scalars(stmt))


def can_manage(actor, user: User) -> bool:
    return user in visible_users(actor) or not user.roles and permissions.has_role(actor, ("county_admin",))


def can_take_over(actor, user: User) -> bool:
    """May `actor` reset `user`'s password or switch the login off?

    Only when the actor could have granted every role the user holds: a village
    admin must not take over a township admin who also scores in the village.
    """
    if user.id == actor.id:
        return False
    if not user.roles:
        return permissions.has_role(actor, ("county_admin",))
    return all(a.role in permissions.grantable_roles(actor, a.unit) for a in user.roles)


def set_active(user: User, active: bool, actor=None) -> None:
    if actor is not None and not can_take_over(actor, user):
        raise NotAllowed(_("You may not change this login."))
    user.active = active
    if not active:
        db.session.execute(db.delete(ApiToken).where(ApiToken.user_id == user.id))
    audit.record("user.activate" if active else "user.deactivate", user, actor=actor)


def reset_password(user: User, new: str, actor=None) -> None:
    if actor is not None and not can_take_over(actor, user):
        raise NotAllowed(_("You may not change this login."))
    set_password(user, new, actor)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        token_hash=_hash_token(raw),
        expires_at=utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"]),
    )
    db.session.add(token)
    db.session.flush()
    audit.record("auth.token", user, actor=user)
    return raw, token


def user_for_token(raw: str) -> User | None:
    """The active user of an unexpired token, with roles, units and member, in one query (every API call)."""
    found = db.session.execute(_TOKEN_USER, {"token_hash": _hash_token(raw), "now": utcnow()})
    return found.unique().scalar_one_or_none()


# Built once: every API request runs it.
_TOKEN_USER = (
    select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"), ApiToken.expires_at > bindparam("now"), User.active.is_(True)
    )
    .options(joinedload(User.roles).joinedload(RoleAssignment.unit), joinedload(User.member))
)
