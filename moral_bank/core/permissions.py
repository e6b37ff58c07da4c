"""The one permission check: a role held on a unit covers that unit's subtree.

Every view and API endpoint declares its rule with `@public` or
`@roles_required(...)`; object-level checks (`require_unit`,
`require_household`) sit in the views right after loading the object.
A route with no declared rule fails the route × role test.
"""

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import false, or_

ADMINS = ("county_admin", "township_admin", "unit_admin")
STAFF = ADMINS + ("scorer", "clerk")
ANY_ROLE = STAFF + ("resident",)

# Which roles each admin role may hand out (within its own subtree).
GRANTABLE = {
    "county_admin": ("county_admin", "township_admin", "unit_admin", "scorer", "clerk", "resident"),
    "township_admin": ("unit_admin", "scorer", "clerk", "resident"),
    "unit_admin": ("scorer", "clerk", "resident"),
}


def public(view: Callable) -> Callable:
    view.permission = "public"
    return view


def roles_required(*roles: str) -> Callable:
    """Signed in and holding one of `roles` on some unit (object checks come after)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager

                return login_manager.unauthorized()
            if not has_role(current_user, roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = tuple(roles)
        return wrapped

    return decorator


def login_required(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    wrapped = roles_required(*ANY_ROLE, "*")(view)
    wrapped.permission = "login"
    return wrapped


def assignments(user, roles: Iterable[str]) -> list:
    roles = set(roles)
    return [a for a in user.roles if a.role in roles]


def has_role(user, roles: Iterable[str], unit=None) -> bool:
    """True when `user` holds one of `roles` on `unit` or above it (any unit if None)."""
    if user is None or not user.is_authenticated:
        return False
    roles = set(roles)
    if "*" in roles:
        return True
    return any(unit is None or a.unit.contains(unit) for a in assignments(user, roles))


def require_unit(unit, *roles: str) -> None:
    if not has_role(current_user, roles or ADMINS, unit):
        abort(403)


def can_see_household(user, household, roles: Iterable[str] = STAFF) -> bool:
    if has_role(user, roles, household.unit):
        return True
    member = getattr(user, "member", None)
    return "resident" in user.role_names and member is not None and member.household_id == household.id


def require_household(household, roles: Iterable[str] = STAFF) -> None:
    if not can_see_household(current_user, household, roles):
        abort(403)


def unit_filter(user, roles: Iterable[str], unit_model):
    """A SQL condition: units the user's `roles` cover."""
    paths = [a.unit.path for a in assignments(user, roles)]
    if not paths:
        return false()
    return or_(*(unit_model.path.startswith(p) for p in paths))


def grantable_roles(user, unit=None) -> list[str]:
    """Roles `user` may grant on `unit` (on some unit when None)."""
    out: list[str] = []
    for a in assignments(user, ADMINS):
        if unit is None or a.unit.contains(unit):
            out += [r for r in GRANTABLE[a.role] if r not in out]
    return out
