from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.photos import Photo
from ..units.models import Unit

AUDIENCES = {"public": _l("Everyone (public)"), "residents": _l("Residents only")}


class Announcement(db.Model):
    """A notice posted on a unit; a township's or county's reaches every unit under it."""

    __tablename__ = "announcement"
    __table_args__ = (
        CheckConstraint("audience IN ('public', 'residents')", name="audience"),
        # A unit's page lists its own and its areas' announcements, pinned and newest first.
        Index("ix_announcement_unit_id_created_at", "unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    audience: Mapped[str] = mapped_column(String(10), default="public")
    pinned: Mapped[bool] = mapped_column(default=False)
    expires_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship()
    photo: Mapped[Photo | None] = relationship()

    @property
    def audience_label(self) -> str:
        return str(AUDIENCES.get(self.audience, self.audience))


class AnnouncementRead(db.Model):
    """A user opened an announcement (so it is no longer marked unread for them)."""

    __tablename__ = "announcement_read"
    __table_args__ = (UniqueConstraint("announcement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
