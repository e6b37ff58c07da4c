"""Volunteer activities (志愿活动): an organizer posts one, households sign up for its places, check in
at the event, and the organizer's closing turns attendance into deeds."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..households.models import Household
from ..scoring.models import Deed, DeedCategory
from ..units.models import Unit

# The units a township's (or the county's) activity is open to; none listed: every unit under it.
activity_unit = Table(
    "activity_unit",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)

ACTIVITY_STATUS_LABELS = {
    "open": lazy_pgettext("activity status", "Open"),
    "closed": lazy_pgettext("activity status", "Closed"),
}
SIGNUP_STATUS_LABELS = {
    "signed_up": _l("Signed up"),
    "attended": _l("Checked in"),
    "no_show": _l("Did not come"),
}
SIGNUP_STATUSES = tuple(SIGNUP_STATUS_LABELS)
CHECK_IN_METHODS = ("qr", "card", "list", "close")


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("points > 0", name="points_positive"),
        # The guarded counter: a sign-up takes a place only while one is free, a cancellation gives it back.
        CheckConstraint("signed_up >= 0 AND signed_up <= capacity", name="signed_up_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_activity_unit_id_starts_at", "unit_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    signed_up: Mapped[int] = mapped_column(default=0)
    points: Mapped[int]
    category_id: Mapped[int] = mapped_column(ForeignKey("deed_category.id"))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    category: Mapped[DeedCategory] = relationship()
    served: Mapped[list[Unit]] = relationship(secondary=activity_unit, order_by=Unit.code)

    @property
    def places_left(self) -> int:
        return self.capacity - self.signed_up

    @property
    def status_label(self) -> str:
        return str(ACTIVITY_STATUS_LABELS[self.status])


class Signup(db.Model):
    """One household's place in an activity (one household, one place)."""

    __tablename__ = "activity_signup"
    __table_args__ = (
        UniqueConstraint("activity_id", "household_id"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in SIGNUP_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    member_name: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(10), default="signed_up")
    walk_in: Mapped[bool] = mapped_column(default=False)
    signed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    check_in_method: Mapped[str | None] = mapped_column(String(10))
    deed_id: Mapped[int | None] = mapped_column(ForeignKey("deed.id"))

    activity: Mapped[Activity] = relationship()
    household: Mapped[Household] = relationship()
    deed: Mapped[Deed | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(SIGNUP_STATUS_LABELS[self.status])
