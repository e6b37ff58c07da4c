"""A household's passbook (存折): its ledger entries month by month, each explained by its source.

A page is a window of months (newest first), read with one range query on
(account, created_at), so ten years of history cost a page what one year does.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.db import db
from ..core.time import month_of, zone
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.models import Entry, Transfer
from ..scoring.models import Deed, RatingSheet, SheetScore

MONTHS_PER_PAGE = 12


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


def _entries(account_id: int, first_month: str, last_month: str) -> list[Entry]:
    return list(
        db.session.scalars(
            select(Entry)
            .where(
                Entry.account_id == account_id,
                Entry.created_at >= _start_utc(first_month),
                Entry.created_at < _start_utc(_shift(last_month, 1)),
            )
            .options(selectinload(Entry.transfer))
            .order_by(Entry.created_at.desc(), Entry.id.desc())
        )
    )


def _sources(entries: list[Entry]) -> tuple[dict[int, RatingSheet], dict[int, Deed]]:
    """The sheets and deeds behind these entries, loaded in two queries."""
    sheet_ids = {e.transfer.source_id for e in entries if e.transfer.source_type == "rating_sheet"}
    deed_ids = {e.transfer.source_id for e in entries if e.transfer.source_type == "deed"}
    sheets = {
        s.id: s
        for s in db.session.scalars(
            select(RatingSheet)
            .where(RatingSheet.id.in_(sheet_ids))
            .options(selectinload(RatingSheet.scores).selectinload(SheetScore.item))
        )
    }
    deeds = {
        d.id: d
        for d in db.session.scalars(select(Deed).where(Deed.id.in_(deed_ids)).options(selectinload(Deed.category)))
    }
    return sheets, deeds


def _line(entry: Entry, sheets: dict, deeds: dict) -> Line:
    t: Transfer = entry.transfer
    day = entry.created_at.astimezone(zone()).date()
    line = Line(day=day, kind=t.kind, label=t.kind_label, points=entry.amount, detail=t.memo)
    sheet = sheets.get(t.source_id) if t.source_type == "rating_sheet" else None
    deed = deeds.get(t.source_id) if t.source_type == "deed" else None
    if t.kind == "reversal":
        line.detail = t.memo  # the reason for the correction
    elif sheet is not None:
        line.label = _("Monthly rating %(month)s", month=sheet.month)
        line.breakdown = sheet.category_totals
        line.detail = t.memo if t.memo != sheet.month else ""
    elif deed is not None:
        line.label = deed.category.name
        line.detail = t.memo or deed.reason
    return line


def page_of(household: Household, page: int = 1, now: datetime | None = None) -> Page:
    """Page 1 is the current month and the 11 before it; page 2 the 12 before those; and so on."""
    account = ledger.household_account(household.id)
    page = max(1, min(page, 1200))
    newest = _shift(month_of(now), -(page - 1) * MONTHS_PER_PAGE)
    oldest = _shift(newest, -(MONTHS_PER_PAGE - 1))
    entries = _entries(account.id, oldest, newest)
    sheets, deeds = _sources(entries)
    by_month: dict[str, Month] = {}
    for entry in entries:
        month = month_of(entry.created_at)
        by_month.setdefault(month, Month(month)).lines.append(_line(entry, sheets, deeds))
    has_older = (
        db.session.scalar(
            select(Entry.id).where(Entry.account_id == account.id, Entry.created_at < _start_utc(oldest)).limit(1)
        )
        is not None
    )
    return Page(
        household=household,
        balance=account.balance,
        months=sorted(by_month.values(), key=lambda m: m.month, reverse=True),
        page=page,
        has_older=has_older,
        chart=earned_by_month(account.id, now),
    )


def earned_by_month(account_id: int, now: datetime | None = None) -> list[tuple[str, int]]:
    """Points credited per month over the last 12 months (corrections count against the month they fall in)."""
    last = month_of(now)
    first = _shift(last, -11)
    rows = db.session.execute(
        select(Entry.created_at, Entry.amount, Transfer.kind)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .where(
            Entry.account_id == account_id,
            Entry.created_at >= _start_utc(first),
            Entry.created_at < _start_utc(_shift(last, 1)),
        )
    ).all()
    totals = {_shift(first, i): 0 for i in range(12)}
    for created_at, amount, kind in rows:
        if kind in EARNING_KINDS:
            totals[month_of(created_at)] += amount
    return [(m, max(n, 0)) for m, n in totals.items()]


# What counts as earning on the chart: points given for virtue, and their corrections.
EARNING_KINDS = ("rating", "deed", "star_bonus", "reversal", "deduction")


def month_of_entries(household: Household, month: str) -> Month:
    """One month of the passbook (for the API)."""
    account = ledger.household_account(household.id)
    entries = _entries(account.id, month, month)
    sheets, deeds = _sources(entries)
    return Month(month, [_line(e, sheets, deeds) for e in entries])
