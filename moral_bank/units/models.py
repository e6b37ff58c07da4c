from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow

KIND_LABELS = {
    "county": _l("County"),
    "township": _l("Township"),
    "village": _l("Village"),
    "community": _l("Community"),
    "school": _l("School"),
    "kindergarten": _l("Kindergarten"),
    "hospital": _l("Hospital"),
    "scenic_area": _l("Scenic area"),
    "market": _l("Market"),
    "factory_mine": _l("Factory or mine"),
    "station": _l("Station"),
    "airport": _l("Airport"),
    "religious_site": _l("Religious site"),
    "institution": _l("Institution"),
    "enterprise": _l("Enterprise"),
}
KINDS = tuple(KIND_LABELS)
# Kinds where the moral bank runs (households, passbooks, shops).
MORAL_BANK_KINDS = ("village", "community")
AREA_KINDS = ("county", "township")


@dataclass(frozen=True)
class UnitRef:
    """A unit's id, path and name read without the ORM (hot paths); contains() as Unit's."""

    id: int
    path: str
    name: str

    def contains(self, other) -> bool:
        return other.path.startswith(self.path)


class Unit(db.Model):
    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Materialised path of ids, "/1/5/23/": a subtree is a prefix match.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.code")

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def has_moral_bank(self) -> bool:
        return self.kind in MORAL_BANK_KINDS

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def contains(self, other: "Unit") -> bool:
        """True when `other` is this unit or lies under it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.kind}>"
