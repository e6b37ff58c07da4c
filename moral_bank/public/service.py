"""What each role sees on its home page: the next thing to do."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..activities import service as activities
from ..core.db import db
from ..engagement import service as announcements
from ..engagement import speech
from ..households import service as households
from ..ledger import service as ledger
from ..ledger.models import Account
from ..shop import wishes
from ..units import service as units
from ..units.models import Unit


@dataclass
class UnitSummary:
    unit: Unit
    counts: dict[str, int] = field(default_factory=dict)
    households: int = 0
    points_outstanding: int = 0


def _summary(unit: Unit) -> UnitSummary:
    outstanding = db.session.scalar(
        select(func.coalesce(func.sum(Account.balance), 0))
        .join(Unit, Account.unit_id == Unit.id)
        .where(Account.kind == "household", Unit.path.startswith(unit.path))
    )
    return UnitSummary(unit, units.subtree_counts(unit), households.count_in(unit), int(outstanding or 0))


def home_sections(user) -> dict:
    """One entry per role the user holds, each with the units it covers."""
    sections: dict = {}
    for role in ("county_admin", "township_admin", "unit_admin", "scorer", "clerk"):
        roots = units.visible_roots(user, (role,))
        if roots:
            sections[role] = [_summary(u) for u in roots]
    if "resident" in user.role_names and user.member is not None:
        household = user.member.household
        account = ledger.household_account(household.id)
        recent = db.session.scalars(ledger.entries_for(account.id).limit(10)).all()
        sections["resident"] = {
            "household": household,
            "account": account,
            "entries": recent,
            "spoken": speech.passbook_text(account.id, account.balance),
            "announcements": announcements.for_unit(household.unit, user),
            "activities": activities.open_for(household.unit, 5),
            "wish_news": wishes.news_for(household),
        }
    return sections


def database_ok() -> bool:
    db.session.execute(select(1))
    return True
