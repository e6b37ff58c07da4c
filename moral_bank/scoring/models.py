from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.photos import Photo
from ..households.models import Household, Member
from ..units.models import Unit

# The six standards, in their customary order.
CATEGORY_LABELS = {
    "xiao": _l("Filial (孝)"),
    "shan": _l("Kind (善)"),
    "xin": _l("Trustworthy (信)"),
    "qin": _l("Diligent (勤)"),
    "jian": _l("Frugal (简)"),
    "mei": _l("Tidy (美)"),
}
CATEGORIES = tuple(CATEGORY_LABELS)
PRIVACY_CHOICES = ("masked", "full")


class Rubric(db.Model):
    """One version of a scoring standard, owned by a county or by a unit that overrides it."""

    __tablename__ = "rubric"
    __table_args__ = (UniqueConstraint("unit_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    version: Mapped[int]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    items: Mapped[list["RubricItem"]] = relationship(
        back_populates="rubric", order_by="RubricItem.position", cascade="all, delete-orphan"
    )

    @property
    def monthly_maximum(self) -> int:
        return sum(i.max_points for i in self.items)


class RubricItem(db.Model):
    __tablename__ = "rubric_item"
    __table_args__ = (
        UniqueConstraint("rubric_id", "code"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
        CheckConstraint(f"category IN ({', '.join(repr(c) for c in CATEGORIES)})", name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))
    max_points: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    rubric: Mapped[Rubric] = relationship(back_populates="items")

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS[self.category])


class ScoringMonth(db.Model):
    """A unit's month, pinned to the rubric version in force when it opened."""

    __tablename__ = "scoring_month"
    __table_args__ = (UniqueConstraint("unit_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    rubric: Mapped[Rubric] = relationship()


class UnitSettings(db.Model):
    """Per-unit moral bank settings; a unit without a row uses the defaults."""

    __tablename__ = "unit_settings"
    __table_args__ = (
        CheckConstraint("notice_days BETWEEN 0 AND 30", name="notice_days_range"),
        CheckConstraint("name_privacy IN ('masked', 'full')", name="name_privacy"),
        CheckConstraint("pin_threshold >= 0", name="pin_threshold_not_negative"),
        CheckConstraint("black_list_threshold >= 1", name="black_list_threshold_positive"),
        CheckConstraint("claims_per_day BETWEEN 1 AND 20", name="claims_per_day_range"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    notice_days: Mapped[int] = mapped_column(default=3)
    name_privacy: Mapped[str] = mapped_column(String(10), default="masked")
    # A redemption above this many points needs the household's PIN.
    pin_threshold: Mapped[int] = mapped_column(default=200, server_default="200")
    # The black list (黑榜): households whose posted deductions in a period reach this many points.
    # Off the public roll unless the unit turns it on; admins always see it.
    black_list_public: Mapped[bool] = mapped_column(default=False, server_default=false())
    black_list_threshold: Mapped[int] = mapped_column(default=10, server_default="10")
    # Residents' self-reports: two-step review (the scorer, then the unit admin), and how many a
    # household may send in one day.
    claims_two_step: Mapped[bool] = mapped_column(default=False, server_default=false())
    claims_per_day: Mapped[int] = mapped_column(default=3, server_default="3")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScorerAssignment(db.Model):
    """Which scorer visits a household (one scorer per household)."""

    __tablename__ = "scorer_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), unique=True)
    scorer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()


SHEET_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned for correction"),
    "approved": _l("Approved"),
    "on_notice": _l("On the notice board"),
    "posted": _l("Posted"),
}
SHEET_STATUSES = tuple(SHEET_STATUS_LABELS)
EDITABLE_STATUSES = ("draft", "returned")


class Reviewed:
    """What a rating sheet and a deed share: a review status shown in words, editable or not."""

    status: str

    @property
    def status_label(self) -> str:
        return str(SHEET_STATUS_LABELS[self.status])

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class RatingSheet(Reviewed, db.Model):
    """One household's monthly rating against the month's rubric version."""

    __tablename__ = "rating_sheet"
    __table_args__ = (
        UniqueConstraint("household_id", "month"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in SHEET_STATUSES)})", name="status"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    scoring_month_id: Mapped[int] = mapped_column(ForeignKey("scoring_month.id"), index=True)
    scorer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    total: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(500), default="")
    review_comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))

    household: Mapped[Household] = relationship()
    scoring_month: Mapped[ScoringMonth] = relationship()
    photo: Mapped[Photo | None] = relationship()
    scores: Mapped[list["SheetScore"]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="SheetScore.id"
    )

    @property
    def category_totals(self) -> list[tuple[str, int]]:
        """Points per standard, in the order 孝 善 信 勤 简 美: [("孝", 15), …]."""
        totals: dict[str, int] = {}
        for score in self.scores:
            totals[score.item.category] = totals.get(score.item.category, 0) + score.points
        return [(str(CATEGORY_LABELS[c]), totals[c]) for c in CATEGORIES if c in totals]


class SheetScore(db.Model):
    __tablename__ = "sheet_score"
    __table_args__ = (
        UniqueConstraint("sheet_id", "item_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("rating_sheet.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rubric_item.id"))
    points: Mapped[int]

    sheet: Mapped[RatingSheet] = relationship(back_populates="scores")
    item: Mapped[RubricItem] = relationship()


DEED_KINDS = ("award", "deduction")


class DeedCategory(db.Model):
    """A kind of good deed (or of the negative list) with its per-deed limit, set per county."""

    __tablename__ = "deed_category"
    __table_args__ = (
        UniqueConstraint("unit_id", "code"),
        CheckConstraint("kind IN ('award', 'deduction')", name="kind"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10))
    max_points: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class Deed(Reviewed, db.Model):
    """An award or a deduction for one household, waiting for review, notice and posting."""

    __tablename__ = "deed"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in SHEET_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("deed_category.id"))
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    happened_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    review_comment: Mapped[str] = mapped_column(String(500), default="")
    # A phone's own id for this deed (Idempotency-Key): a retry returns the first deed.
    client_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))

    photo: Mapped[Photo | None] = relationship()
    household: Mapped[Household] = relationship()
    category: Mapped[DeedCategory] = relationship()
    member: Mapped[Member | None] = relationship()

    @property
    def signed_points(self) -> int:
        return -self.points if self.category.kind == "deduction" else self.points


NOTICE_STATUS_LABELS = {
    "on_notice": _l("On the notice board"),
    "posted": _l("Posted"),
}
LINE_STATUS_LABELS = {
    "listed": _l("Listed"),
    "withdrawn": _l("Withdrawn for correction"),
    "posted": _l("Posted"),
}
OBJECTION_STATUS_LABELS = {
    "open": _l("Awaiting a decision"),
    "upheld": _l("Upheld"),
    "rejected": _l("Rejected"),
}


class Notice(db.Model):
    """A batch of a unit's reviewed sheets and deeds on the public notice board (公示)."""

    __tablename__ = "notice"
    __table_args__ = (CheckConstraint("status IN ('on_notice', 'posted')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(12), default="on_notice", index=True)
    notice_days: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship()
    lines: Mapped[list["NoticeLine"]] = relationship(back_populates="notice", order_by="NoticeLine.id")

    @property
    def status_label(self) -> str:
        return str(NOTICE_STATUS_LABELS[self.status])


class NoticeLine(db.Model):
    """One sheet or one deed on a notice, with the points it will post (negative for a deduction)."""

    __tablename__ = "notice_line"
    __table_args__ = (
        CheckConstraint("(sheet_id IS NULL) <> (deed_id IS NULL)", name="one_source"),
        CheckConstraint("status IN ('listed', 'withdrawn', 'posted')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    sheet_id: Mapped[int | None] = mapped_column(ForeignKey("rating_sheet.id"), index=True)
    deed_id: Mapped[int | None] = mapped_column(ForeignKey("deed.id"), index=True)
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="listed")
    # What reached the passbook: a deduction is capped at the balance, so it may be less.
    posted_points: Mapped[int | None]
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))

    notice: Mapped[Notice] = relationship(back_populates="lines")
    household: Mapped[Household] = relationship()
    sheet: Mapped[RatingSheet | None] = relationship()
    deed: Mapped[Deed | None] = relationship()

    @property
    def source(self) -> RatingSheet | Deed:
        return self.sheet if self.sheet_id is not None else self.deed

    @property
    def description(self) -> str:
        if self.sheet_id is not None:
            return str(_l("Monthly rating"))
        return str(_l("%(category)s: %(reason)s", category=self.deed.category.name, reason=self.deed.reason))

    @property
    def status_label(self) -> str:
        return str(LINE_STATUS_LABELS[self.status])


class Objection(db.Model):
    """Someone's objection to one line of a notice, resolved by a unit admin."""

    __tablename__ = "objection"
    __table_args__ = (CheckConstraint("status IN ('open', 'upheld', 'rejected')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("notice_line.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    resolution: Mapped[str] = mapped_column(String(500), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notice: Mapped[Notice] = relationship()
    line: Mapped[NoticeLine] = relationship()

    @property
    def status_label(self) -> str:
        return str(OBJECTION_STATUS_LABELS[self.status])


class LineCorrection(db.Model):
    """A posted line corrected: its transfer reversed and the right points posted anew, with a reason."""

    __tablename__ = "line_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("notice_line.id"), index=True)
    old_points: Mapped[int]
    new_points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[NoticeLine] = relationship(backref=db.backref("corrections", order_by="LineCorrection.id"))
