"""Honor rolls (光荣榜): star categories and the stars awarded to households for a period."""

from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..households.models import Household
from ..units.models import Unit

PERIOD_LABELS = {"month": _l("Monthly"), "quarter": _l("Quarterly"), "year": _l("Yearly")}
RULE_LABELS = {
    "ranking": _l("Top households by points"),
    "three_zero": _l("Three-zero: peace-keeping deeds and no deduction"),
    "nomination": _l("Nomination only"),
}
HONOR_STATUSES = ("proposed", "approved", "removed", "revoked")
HONOR_STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "approved": _l("Approved"),
    "removed": _l("Removed"),
    "revoked": _l("Revoked"),
}


class StarCategory(db.Model):
    """A kind of star (孝老爱亲之星 …), set by a county for all its units or by a unit for itself."""

    __tablename__ = "star_category"
    __table_args__ = (
        UniqueConstraint("unit_id", "code"),
        CheckConstraint("period IN ('month', 'quarter', 'year')", name="period"),
        CheckConstraint("rule IN ('ranking', 'three_zero', 'nomination')", name="rule"),
        CheckConstraint("per_unit BETWEEN 1 AND 100", name="per_unit_range"),
        CheckConstraint("bonus >= 0", name="bonus_not_negative"),
        CheckConstraint("min_points >= 0", name="min_points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # a county, or the unit's own
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))  # 简体中文
    name_hant: Mapped[str] = mapped_column(String(50), default="")
    name_en: Mapped[str] = mapped_column(String(80), default="")
    period: Mapped[str] = mapped_column(String(10), default="month")
    per_unit: Mapped[int] = mapped_column(default=3)
    bonus: Mapped[int] = mapped_column(default=10)
    rule: Mapped[str] = mapped_column(String(12), default="ranking")
    # For a ranking: the rating standards (xiao, shan, …) and deed category codes whose points count.
    rubric_categories: Mapped[list] = mapped_column(JSON, default=list)
    deed_categories: Mapped[list] = mapped_column(JSON, default=list)
    min_points: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()

    @property
    def label(self) -> str:
        """The name in the page's language."""
        locale = str(get_locale() or "zh_Hans")
        if locale == "zh_Hant":
            return self.name_hant or self.name
        if locale == "en":
            return self.name_en or self.name
        return self.name

    @property
    def rule_label(self) -> str:
        return str(RULE_LABELS[self.rule])

    @property
    def period_label(self) -> str:
        return str(PERIOD_LABELS[self.period])


class Honor(db.Model):
    """One star for one household and period: proposed by a rule or nominated, then approved (its bonus
    posted) or removed; an approved star can be revoked (its bonus reversed)."""

    __tablename__ = "honor"
    __table_args__ = (
        UniqueConstraint("category_id", "household_id", "period"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in HONOR_STATUSES)})", name="status"),
        CheckConstraint("how IN ('rule', 'nomination')", name="how"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("star_category.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # 2026-10, 2026-Q4 or 2026
    period_end: Mapped[date]  # the last day, for the rolling year of the ten-star plaque
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    how: Mapped[str] = mapped_column(String(10), default="rule")
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it qualified, or the nomination
    points: Mapped[int] = mapped_column(default=0)  # the points the ranking counted
    rank: Mapped[int | None]
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")

    category: Mapped[StarCategory] = relationship()
    household: Mapped[Household] = relationship()
    unit: Mapped[Unit] = relationship()

    @property
    def status_label(self) -> str:
        return str(HONOR_STATUS_LABELS[self.status])
