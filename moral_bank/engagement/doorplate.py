"""The door plate (一户一码): a QR on the household's door leading to a public page of its standing.

The QR holds a signed token of (household, member-card version), so reissuing the card (a lost card,
a household that wants its plate replaced) makes the old plate stop at once. The page shows the masked
name, stars, ten-star status, points earned this year and the rank in the unit by them: never phone
numbers, members, deductions or the balance."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..cards import service as cards
from ..core.db import db
from ..core.errors import Conflict, NotFound
from ..core.time import today, zone
from ..honors import service as honors
from ..households.models import Household, mask_name
from ..ledger.models import Account, Entry, Transfer
from ..units.models import Unit

# What counts as earned: ratings, good deeds and star bonuses, less any correction of them.
EARNED = ("rating", "deed", "star_bonus")


class PlateRevoked(Conflict):
    status = 410


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="door-plate")


def token_of(household_id: int, card_version: int) -> str:
    return _serializer().dumps([household_id, card_version])


def plate_url(household_id: int, card_version: int) -> str:
    return url_for("engagement.plate", token=token_of(household_id, card_version), _external=True)


def resolve(token: str) -> Household:
    """The household of a plate's token; NotFound for a token we never made, PlateRevoked when the
    household's card has been reissued since the plate was printed."""
    try:
        household_id, version = _serializer().loads(token) if len(token or "") <= 200 else (None, None)
    except (BadSignature, ValueError, TypeError):
        household_id = version = None
    household = db.session.get(Household, household_id) if isinstance(household_id, int) else None
    if household is None:
        raise NotFound(_("This is not one of our door plates."))
    if cards.current(household).version != version:
        raise PlateRevoked(
            _("This door plate is no longer valid: the household has a new card. Ask the village for a new plate.")
        )
    return household


def earned_by_household(unit: Unit, year: int) -> dict[int, int]:
    """Points each household of the unit earned in `year` (in the deployment's zone), by household id."""
    start = datetime(year, 1, 1, tzinfo=zone())
    end = datetime(year + 1, 1, 1, tzinfo=zone())
    undone = aliased(Transfer)
    rows = db.session.execute(
        select(Account.household_id, func.sum(Entry.amount))
        .join(Entry, Entry.account_id == Account.id)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .outerjoin(undone, undone.id == Transfer.reverses_id)
        .where(
            Account.unit_id == unit.id,
            Account.kind == "household",
            Entry.created_at >= start,
            Entry.created_at < end,
            or_(Transfer.kind.in_(EARNED), and_(Transfer.kind == "reversal", undone.kind.in_(EARNED))),
        )
        .group_by(Account.household_id)
    ).all()
    return {household_id: int(points or 0) for household_id, points in rows}


@dataclass
class Standing:
    name: str
    code: str
    unit: Unit
    stars: list  # approved honors, newest first
    ten_star: bool
    year: int
    earned: int
    rank: int
    households: int


def standing(household: Household) -> Standing:
    """What the plate's page shows."""
    year = today().year
    earned = earned_by_household(household.unit, year)
    mine = earned.get(household.id, 0)
    households = db.session.scalar(select(func.count(Household.id)).where(Household.unit_id == household.unit_id))
    return Standing(
        name=mask_name(household.head_name),
        code=household.code,
        unit=household.unit,
        stars=honors.stars_of(household.id),
        ten_star=any(h.id == household.id for h, _n in honors.ten_star(household.unit)),
        year=year,
        earned=mine,
        rank=1 + sum(1 for points in earned.values() if points > mine),
        households=households or 0,
    )


def plate_of(household: Household) -> list[tuple[Household, object]]:
    """One household's plate to print: the household and its QR (inline SVG)."""
    return [(household, cards.qr_svg(plate_url(household.id, cards.current(household).version), 6, border=2))]


def unit_plates(unit: Unit) -> list[tuple[Household, object]]:
    """Every household's plate of a unit, by household code (households without a card get one)."""
    ids = list(db.session.scalars(select(Household.id).where(Household.unit_id == unit.id)))
    cards.issue_missing(ids)
    return [(h, cards.qr_svg(plate_url(h.id, c.version), 6, border=2)) for h, c in cards.unit_cards(unit)]
