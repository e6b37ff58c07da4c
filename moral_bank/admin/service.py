"""Creating logins and granting roles by unit and household code."""

from flask_babel import gettext as _

from ..auth import service as auth
from ..auth.models import RoleAssignment, User
from ..core.errors import DomainError
from ..households import service as households
from ..units import service as units


def grant(user: User, role: str, unit_code: str, household_code: str = "", actor=None) -> RoleAssignment:
    """Grant `role` on the unit with `unit_code`; a resident is linked to the household's head."""
    unit = units.require_not_none(units.by_code(unit_code), unit_code)
    member = None
    if role == "resident":
        household = households.by_code(unit, (household_code or "").strip())
        if household is None:
            raise DomainError(
                _("No household in this unit has the code %(code)s.", code=household_code or "-"),
                field="household_code",
            )
        member = next(m for m in household.members if m.is_head)
    try:
        return auth.grant_role(user, role, unit, member, actor)
    except DomainError as exc:
        if exc.field == "household":
            exc.field = "household_code"
        raise


def create_with_role(
    username: str, password: str, display_name: str, role: str, unit_code: str, household_code: str = "", actor=None
) -> User:
    user = auth.create_user(username, password, display_name, actor)
    grant(user, role, unit_code, household_code, actor)
    return user
