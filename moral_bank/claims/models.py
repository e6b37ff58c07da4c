"""Self-reports (积分申报): a resident's account of a good deed, with photos, waiting for review."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.photos import Photo
from ..households.models import Household, Member
from ..scoring.models import Deed, DeedCategory

CLAIM_STATUS_LABELS = {
    "pending": _l("Waiting for review"),
    "checked": _l("Checked by the scorer; waiting for the unit admin"),
    "approved": _l("Approved: on its way to the notice board"),
    "rejected": _l("Not approved"),
    "withdrawn": _l("Withdrawn"),
}
CLAIM_STATUSES = tuple(CLAIM_STATUS_LABELS)
OPEN_STATUSES = ("pending", "checked")


class Claim(db.Model):
    """One household's report of a deed. Approved, it becomes a Deed (review → notice → post)."""

    __tablename__ = "claim"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in CLAIM_STATUSES)})", name="status"),
        # The daily limit counts a household's reports of one day.
        Index("ix_claim_household_reported_on", "household_id", "reported_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("deed_category.id"))
    happened_on: Mapped[date]
    text: Mapped[str] = mapped_column(String(500))
    witness: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    reported_on: Mapped[date]
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(String(500), default="")
    deed_id: Mapped[int | None] = mapped_column(ForeignKey("deed.id"))

    household: Mapped[Household] = relationship()
    member: Mapped[Member | None] = relationship()
    category: Mapped[DeedCategory] = relationship()
    deed: Mapped[Deed | None] = relationship()
    photos: Mapped[list["ClaimPhoto"]] = relationship(
        back_populates="claim", order_by="ClaimPhoto.position", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return str(CLAIM_STATUS_LABELS[self.status])


class ClaimPhoto(db.Model):
    __tablename__ = "claim_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    claim: Mapped[Claim] = relationship(back_populates="photos")
    photo: Mapped[Photo] = relationship()
