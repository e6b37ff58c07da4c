from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..households.models import Household


class Card(db.Model):
    """One version of a household's member card. Reissuing revokes the previous version."""

    __tablename__ = "card"
    __table_args__ = (UniqueConstraint("household_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    # 7 characters and a check character, from an alphabet with no 0/O, 1/I/L.
    short_code: Mapped[str] = mapped_column(String(8), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    household: Mapped[Household] = relationship()

    @property
    def short_code_display(self) -> str:
        return f"{self.short_code[:4]} {self.short_code[4:]}"


class PhoneQrUse(db.Model):
    """A phone QR that has been used (each can be used once)."""

    __tablename__ = "phone_qr_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
