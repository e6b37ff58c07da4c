"""A household's passbook (存折): its ledger entries month by month, each explained by its source.

A page is a window of months (newest first), read with one range query on
(account, created_at), so ten years of history cost a page what one year does.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from ..core.db import db
from ..core.time import month_of, zone
from ..honors import service as honors
from ..honors.models import Honor
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.models import TRANSFER_KIND_LABELS, Account, Entry, Transfer
from ..scoring.models import CATEGORIES, CATEGORY_LABELS, Deed, DeedCategory, RatingSheet, RubricItem, SheetScore
from ..shop.models import Redemption, Shop
from ..units.models import Unit

MONTHS_PER_PAGE = 12
LAST_PAGE = 1200  # a century


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    path: str  # enough for the permission check (Unit.contains reads only the path)


@dataclass(frozen=True)
class Head:
    """What a passbook view needs before its history: plain columns, no ORM objects (every view reads it)."""

    id: int
    code: str
    head_name: str
    unit: UnitRef
    account_id: int
    balance: int
    newest_entry: int
    stars: int  # approved stars: the history (which lists them) changes with them


# Built once: every passbook view runs it.
_HEAD = (
    select(
        Household.id,
        Household.code,
        Household.head_name,
        Unit.id,
        Unit.name,
        Unit.path,
        Account.id,
        Account.balance,
        select(func.max(Entry.id)).where(Entry.account_id == Account.id).scalar_subquery(),
        select(func.count(Honor.id))
        .where(Honor.household_id == Household.id, Honor.status == "approved")
        .scalar_subquery(),
    )
    .join(Account, Account.household_id == Household.id)
    .join(Unit, Unit.id == Household.unit_id)
    .where(Household.id == bindparam("household_id"))
)


def head(household_id: int) -> Head | None:
    """The household, its unit, its balance and its newest entry id, in one query."""
    row = db.session.execute(_HEAD, {"household_id": household_id}).first()
    if row is None:
        return None
    hid, code, name, unit_id, unit_name, path, account_id, balance, newest_entry, stars = row
    return Head(hid, code, name, UnitRef(unit_id, unit_name, path), account_id, balance, newest_entry or 0, stars)


def history_key(head: Head, page: int, locale: str) -> str:
    """A key that changes with every new entry of the account (and each month, for the chart)."""
    return f"passbook:{head.account_id}:{page}:{locale}:{month_of()}:{head.newest_entry}:{head.balance}:{head.stars}"


@dataclass
class Line:
    """One entry as the passbook shows it."""

    day: date
    kind: str  # the transfer kind: rating, deed, deduction, reversal, redemption, …
    label: str
    points: int
    detail: str = ""
    breakdown: list[tuple[str, int]] = field(default_factory=list)  # a rating's 孝善信勤简美


@dataclass
class Month:
    month: str
    lines: list[Line] = field(default_factory=list)

    @property
    def earned(self) -> int:
        return sum(line.points for line in self.lines if line.points > 0)

    @property
    def spent(self) -> int:
        return -sum(line.points for line in self.lines if line.points < 0)


@dataclass
class Page:
    household: Household
    balance: int
    months: list[Month]
    page: int
    has_older: bool
    chart: list[tuple[str, int]]  # (month, points earned) for the last 12 months, oldest first
    stars: list = field(default_factory=list)  # approved honors, newest first (page 1 only)

    @property
    def bars(self) -> list[tuple[str, int, float]]:
        """(month, points, bar height 0–110) for the chart."""
        top = max([n for _m, n in self.chart] + [1])
        return [(m, n, round(n / top * 110, 1)) for m, n in self.chart]


def _shift(month: str, by: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    n = year * 12 + (mon - 1) + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _start_utc(month: str) -> datetime:
    """The first moment of a local month, in UTC."""
    local = datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=zone())
    return local.astimezone(UTC)


def _rows(account_id: int, first_month: str, last_month: str) -> list:
    """(created_at, amount, kind, memo, source_type, source_id) of the account's entries, newest first."""
    return db.session.execute(
        select(Entry.created_at, Entry.amount, Transfer.kind, Transfer.memo, Transfer.source_type, Transfer.source_id)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .where(
            Entry.account_id == account_id,
            Entry.created_at >= _start_utc(first_month),
            Entry.created_at < _start_utc(_shift(last_month, 1)),
        )
        .order_by(Entry.created_at.desc(), Entry.id.desc())
    ).all()


def _sources(rows) -> tuple[dict[int, tuple[str, list]], dict[int, tuple[str, str]]]:
    """For the sheets and deeds behind these rows: sheet id → (month, [(standard, points)]) and
    deed id → (category name, reason). Three small queries, whatever the number of rows."""
    sheet_ids = {r.source_id for r in rows if r.source_type == "rating_sheet"}
    deed_ids = {r.source_id for r in rows if r.source_type == "deed"}
    sheets: dict[int, tuple[str, list]] = {}
    if sheet_ids:
        months = dict(
            db.session.execute(select(RatingSheet.id, RatingSheet.month).where(RatingSheet.id.in_(sheet_ids))).all()
        )
        totals: dict[int, dict[str, int]] = {}
        for sheet_id, category, points in db.session.execute(
            select(SheetScore.sheet_id, RubricItem.category, func.sum(SheetScore.points))
            .join(RubricItem, RubricItem.id == SheetScore.item_id)
            .where(SheetScore.sheet_id.in_(sheet_ids))
            .group_by(SheetScore.sheet_id, RubricItem.category)
        ):
            totals.setdefault(sheet_id, {})[category] = int(points)
        labels = {c: str(CATEGORY_LABELS[c]) for c in CATEGORIES}
        for sheet_id, month in months.items():
            by = totals.get(sheet_id, {})
            sheets[sheet_id] = (month, [(labels[c], by[c]) for c in CATEGORIES if c in by])
    deeds: dict[int, tuple[str, str]] = {}
    if deed_ids:
        deeds = {
            deed_id: (name, reason)
            for deed_id, name, reason in db.session.execute(
                select(Deed.id, DeedCategory.name, Deed.reason)
                .join(DeedCategory, DeedCategory.id == Deed.category_id)
                .where(Deed.id.in_(deed_ids))
            )
        }
    return sheets, deeds


def _shops(rows) -> dict[int, tuple[str, str]]:
    """redemption id → (shop name, receipt no.) for the redemptions and voids behind these rows."""
    ids = {r.source_id for r in rows if r.source_type == "redemption"}
    if not ids:
        return {}
    found = db.session.execute(
        select(Redemption.id, Redemption.shop_id, Shop.name)
        .join(Shop, Shop.id == Redemption.shop_id)
        .where(Redemption.id.in_(ids))
    )
    return {rid: (name, Redemption(id=rid, shop_id=shop_id).receipt_no) for rid, shop_id, name in found}


def _lines(rows) -> list[tuple[str, Line]]:
    """(month, line) for each row, each explained by its source."""
    sheets, deeds = _sources(rows)
    shops = _shops(rows)
    kinds = {k: str(label) for k, label in TRANSFER_KIND_LABELS.items()}
    local = zone()
    out = []
    for created_at, amount, kind, memo, source_type, source_id in rows:
        moment = created_at.astimezone(local)
        line = Line(day=moment.date(), kind=kind, label=kinds.get(kind, kind), points=amount, detail=memo)
        if kind != "reversal":
            if source_type == "rating_sheet" and source_id in sheets:
                month, breakdown = sheets[source_id]
                line.label = _("Monthly rating %(month)s", month=month)
                line.breakdown = breakdown
                line.detail = memo if memo != month else ""
            elif source_type == "deed" and source_id in deeds:
                line.label, reason = deeds[source_id]
                line.detail = memo or reason
            elif source_type == "redemption" and source_id in shops:
                shop_name, receipt_no = shops[source_id]
                if kind == "redemption":  # the memo lists the items; a void's memo is its reason
                    line.label = _("Redeemed at %(shop)s", shop=shop_name)
                line.detail = _("%(memo)s · receipt %(no)s", memo=memo, no=receipt_no)
        out.append((f"{moment.year:04d}-{moment.month:02d}", line))
    return out


def page_of(household: Household, page: int = 1, now: datetime | None = None) -> Page:
    """Page 1 is the current month and the 11 before it; page 2 the 12 before those; and so on."""
    account = ledger.household_account(household.id)
    page = max(1, min(page, LAST_PAGE))
    newest = _shift(month_of(now), -(page - 1) * MONTHS_PER_PAGE)
    oldest = _shift(newest, -(MONTHS_PER_PAGE - 1))
    rows = _rows(account.id, oldest, newest)
    by_month: dict[str, Month] = {}
    for month, line in _lines(rows):
        by_month.setdefault(month, Month(month)).lines.append(line)
    has_older = (
        db.session.scalar(
            select(Entry.id).where(Entry.account_id == account.id, Entry.created_at < _start_utc(oldest)).limit(1)
        )
        is not None
    )
    # Page 1 covers exactly the chart's 12 months: count them from the rows already read.
    chart = _chart(rows, month_of(now)) if page == 1 else earned_by_month(account.id, now)
    return Page(
        household=household,
        balance=account.balance,
        months=sorted(by_month.values(), key=lambda m: m.month, reverse=True),
        page=page,
        has_older=has_older,
        chart=chart,
        stars=honors.stars_of(household.id) if page == 1 else [],
    )


def _chart(rows, last: str) -> list[tuple[str, int]]:
    first = _shift(last, -11)
    totals = {_shift(first, i): 0 for i in range(12)}
    for row in rows:
        if row.kind in EARNING_KINDS:
            month = month_of(row.created_at)
            if month in totals:
                totals[month] += row.amount
    return [(m, max(n, 0)) for m, n in totals.items()]


def earned_by_month(account_id: int, now: datetime | None = None) -> list[tuple[str, int]]:
    """Points earned per month over the last 12 months (corrections count against the month they fall in)."""
    last = month_of(now)
    return _chart(_rows(account_id, _shift(last, -11), last), last)


# What counts as earning on the chart: points given for virtue, and their corrections.
EARNING_KINDS = ("rating", "deed", "star_bonus", "reversal", "deduction")


def month_of_entries(household: Household, month: str) -> Month:
    """One month of the passbook (for the API)."""
    account = ledger.household_account(household.id)
    return Month(month, [line for _m, line in _lines(_rows(account.id, month, month))])
