"""The shop's reports: a shop's month day by day and item by item, and a unit's points by month.

Days and months are the deployment's (core.time.zone()), never the server's: a month is the
UTC range [its first local midnight, the next month's), a day is found by a CASE over the
local midnights of the month, so the grouping happens in the database on SQLite and PostgreSQL
alike, and stays right across a daylight-saving change where a zone has one.

A voided redemption counts as not redeemed (it was undone on its day): it is left out of the
redemptions, points and items, and counted on its own as voided.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from ..core.db import db
from ..core.errors import DomainError
from ..core.time import month_of, zone
from ..households.models import Household
from ..ledger.models import Account, Entry, Transfer
from ..scoring.service import MONTH_RE
from ..units.models import MORAL_BANK_KINDS, Unit
from .models import Item, Redemption, RedemptionLine, Shop

FIRST_MONTH = "2000-01"


# --- months -----------------------------------------------------------------------------------


def check_month(month) -> str:
    """A report month 'YYYY-MM', from 2000-01 up to this month, or a DomainError (422)."""
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise DomainError(_("The month must look like 2026-10."), field="month")
    if not FIRST_MONTH <= month <= month_of():
        raise DomainError(_("Choose a month from 2000-01 to this month."), field="month")
    return month


def shift(month: str, by: int) -> str:
    n = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone()).astimezone(UTC)


def month_days(month: str) -> list[date]:
    first = date(int(month[:4]), int(month[5:7]), 1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((nxt - first).days)]


def month_range(month: str) -> tuple[datetime, datetime]:
    """The local month as a UTC range [start, end)."""
    month = check_month(month)
    days = month_days(month)
    return _local_midnight(days[0]), _local_midnight(days[-1] + timedelta(days=1))


def _day_number(column, month: str):
    """SQL: the local day of the month (1–31) of `column`, for rows already inside the month."""
    days = month_days(month)
    whens = [(column < _local_midnight(d + timedelta(days=1)), d.day) for d in days[:-1]]
    return case(*whens, else_=days[-1].day)


# --- a shop's month ---------------------------------------------------------------------------


@dataclass
class DayRow:
    day: date
    redemptions: int = 0  # not voided
    voided: int = 0
    points: int = 0  # of the redemptions not voided
    items: int = 0  # pieces on the lines of the redemptions not voided


@dataclass
class ShopMonth:
    shop: Shop
    month: str
    days: list[DayRow]  # only days with a redemption (voided or not)
    total: DayRow = field(init=False)

    def __post_init__(self):
        self.total = DayRow(
            day=month_days(self.month)[0],
            redemptions=sum(d.redemptions for d in self.days),
            voided=sum(d.voided for d in self.days),
            points=sum(d.points for d in self.days),
            items=sum(d.items for d in self.days),
        )


def shop_days(shop: Shop, month: str) -> ShopMonth:
    """Per local day of `month` with any redemption at `shop`: redemptions, voided, points, items out."""
    start, end = month_range(month)
    pieces = (
        select(func.coalesce(func.sum(RedemptionLine.qty), 0))
        .where(RedemptionLine.redemption_id == Redemption.id)
        .scalar_subquery()
    )
    kept = Redemption.voided_at.is_(None)
    per_redemption = (
        select(
            _day_number(Redemption.created_at, month).label("day"),
            case((kept, 1), else_=0).label("kept"),
            case((kept, Redemption.total), else_=0).label("points"),
            case((kept, pieces), else_=0).label("pieces"),
        )
        .where(Redemption.shop_id == shop.id, Redemption.created_at >= start, Redemption.created_at < end)
        .subquery()
    )
    # Grouped outside the subquery: PostgreSQL would not match the CASE's parameters in GROUP BY.
    rows = db.session.execute(
        select(
            per_redemption.c.day,
            func.sum(per_redemption.c.kept),
            func.count() - func.sum(per_redemption.c.kept),
            func.sum(per_redemption.c.points),
            func.sum(per_redemption.c.pieces),
        )
        .group_by(per_redemption.c.day)
        .order_by(per_redemption.c.day)
    ).all()
    first = month_days(month)[0]
    days = [
        DayRow(first.replace(day=day), int(kept), int(voided), int(points), int(items))
        for day, kept, voided, points, items in rows
    ]
    return ShopMonth(shop=shop, month=month, days=days)


@dataclass
class ItemRow:
    item_id: int
    name: str  # the item's name now (lines sold under an older name count under it)
    qty: int
    points: int


def shop_items(shop: Shop, start: datetime, end: datetime) -> list[ItemRow]:
    """Per item sold at `shop` in [start, end) (UTC-aware): pieces out and points, voided ones left out;
    most points first."""
    points = func.sum(RedemptionLine.qty * RedemptionLine.price)
    rows = db.session.execute(
        select(Item.id, Item.name, func.sum(RedemptionLine.qty), points)
        .select_from(RedemptionLine)
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .join(Item, Item.id == RedemptionLine.item_id)
        .where(
            Redemption.shop_id == shop.id,
            Redemption.voided_at.is_(None),
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .group_by(Item.id, Item.name)
        .order_by(points.desc(), Item.name)
    ).all()
    return [ItemRow(item_id, name, int(qty), int(pts)) for item_id, name, qty, pts in rows]


# --- a unit's points --------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    code: str
    name: str
    households: int = 0  # created before the month's end
    issued: int = 0  # net, issuance ↔ households, in the month
    redeemed: int = 0  # net, households ↔ shops, in the month (voids taken off)
    outstanding: int = 0  # the households' balances at the month's end


@dataclass
class PointsMonth:
    unit: Unit
    month: str
    rows: list[UnitRow]
    total: UnitRow = field(init=False)

    def __post_init__(self):
        self.total = UnitRow(
            unit_id=self.unit.id,
            code=self.unit.code,
            name=self.unit.name,
            households=sum(r.households for r in self.rows),
            issued=sum(r.issued for r in self.rows),
            redeemed=sum(r.redeemed for r in self.rows),
            outstanding=sum(r.outstanding for r in self.rows),
        )


def unit_points(area: Unit, month: str) -> PointsMonth:
    """Per village or community at or under `area`: households, points issued and redeemed in
    `month`, and outstanding at its end: three GROUP BY queries, whatever the number of households.

    - households: those registered before the month's end;
    - issued: the sum of household entries in the month whose transfer's other account is an
      issuance account (awards, less deductions, corrections of awards and any yearly reset);
    - redeemed: minus the sum of household entries in the month whose other account is a shop's
      (redemptions, less voids);
    - outstanding: the sum of the households' entries before the month's end.
    """
    start, end = month_range(month)
    under = and_(Unit.path.startswith(area.path), Unit.kind.in_(MORAL_BANK_KINDS))
    rows = {
        unit_id: UnitRow(unit_id, code, name)
        for unit_id, code, name in db.session.execute(
            select(Unit.id, Unit.code, Unit.name).where(under).order_by(Unit.path)
        )
    }
    if not rows:
        return PointsMonth(area, month, [])

    counted = db.session.execute(
        select(Household.unit_id, func.count(Household.id))
        .join(Unit, Unit.id == Household.unit_id)
        .where(under, Household.created_at < end)
        .group_by(Household.unit_id)
    )
    for unit_id, n in counted:
        rows[unit_id].households = int(n)

    # The other side of each household entry, read from its transfer (a join by primary key; a
    # self-join of the entries was about three times slower on a county's 1.4 million entries).
    other = case((Transfer.from_account_id == Entry.account_id, Transfer.to_account_id), else_=Transfer.from_account_id)
    flows = db.session.execute(
        select(Account.unit_id, other, func.sum(Entry.amount))
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .join(Unit, Unit.id == Account.unit_id)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .where(under, Account.kind == "household", Entry.created_at >= start, Entry.created_at < end)
        .group_by(Account.unit_id, other)
    ).all()
    others = {other_id for _u, other_id, _a in flows}
    kinds = dict(db.session.execute(select(Account.id, Account.kind).where(Account.id.in_(others))).all())
    for unit_id, other_id, amount in flows:
        if kinds[other_id] == "issuance":
            rows[unit_id].issued += int(amount)
        elif kinds[other_id] == "shop":
            rows[unit_id].redeemed -= int(amount)

    held = db.session.execute(
        select(Account.unit_id, func.sum(Entry.amount))
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .join(Unit, Unit.id == Account.unit_id)
        .where(under, Account.kind == "household", Entry.created_at < end)
        .group_by(Account.unit_id)
    )
    for unit_id, amount in held:
        rows[unit_id].outstanding = int(amount)
    return PointsMonth(area, month, list(rows.values()))
