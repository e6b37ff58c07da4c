"""The three-zero ledger (incidents), each unit's monthly score with its parts, and a county's rules
for scoring and warning."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..units.models import Unit

INCIDENT_KINDS = {
    "petition": _l("Petition (上访)"),
    "accident": _l("Accident"),
    "case": _l("Case"),
    "dispute": _l("Dispute (矛盾纠纷)"),
    "hazard": _l("Hazard (安全隐患)"),
}
# The finer kinds; "" where a kind has none.
SUBKINDS = {
    "petition": {"": _l("Petition")},
    "accident": {"public_safety": _l("Public-safety accident"), "production_safety": _l("Production-safety accident")},
    "case": {"criminal": _l("Criminal case"), "public_order": _l("Public-order case")},
    "dispute": {"": _l("Dispute")},
    "hazard": {"": _l("Hazard")},
}
INCIDENT_STATUSES = {"open": lazy_pgettext("incident", "Open"), "resolved": _l("Resolved")}
COLOURS = {
    "green": _l("Green"),
    "blue": _l("Blue"),
    "yellow": _l("Yellow"),
    "orange": _l("Orange"),
    "red": _l("Red"),
}
# Area warnings by how far a compliance rate falls short of its target; "none" when it is met.
WARNINGS = {
    "none": _l("No warning"),
    "blue": _l("Blue warning"),
    "yellow": _l("Yellow warning"),
    "orange": _l("Orange warning"),
    "red": _l("Red warning"),
}


class Incident(db.Model):
    """Something that happened in a unit and counts against (or for) its three-zero status."""

    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in INCIDENT_KINDS)})", name="kind"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        CheckConstraint("status = 'open' OR resolved_on IS NOT NULL", name="resolved_on_set"),
        Index("ix_incident_unit_id_occurred_on", "unit_id", "occurred_on"),
        Index("ix_incident_occurred_on", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(10))
    subkind: Mapped[str] = mapped_column(String(20), default="")
    occurred_on: Mapped[date]
    summary: Mapped[str] = mapped_column(String(500))
    # A petition taken beyond the unit (to the township or higher) breaks 零上访; one settled in the
    # unit does not. A dispute that was escalated does not count as resolved in the unit.
    escalated: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_on: Mapped[date | None]
    resolution: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()

    @property
    def kind_label(self) -> str:
        return str(INCIDENT_KINDS[self.kind])

    @property
    def subkind_label(self) -> str:
        return str(SUBKINDS[self.kind].get(self.subkind, self.subkind))

    @property
    def status_label(self) -> str:
        return str(INCIDENT_STATUSES[self.status])


class UnitScore(db.Model):
    """A unit's month: the three-zero status and the self-governance score with the counts each part
    came from (so the score page can explain it line by line)."""

    __tablename__ = "unit_score"
    __table_args__ = (Index("ix_unit_score_month_unit_id", "month", "unit_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    month: Mapped[str] = mapped_column(String(7))
    petitions_escalated: Mapped[int] = mapped_column(default=0)
    accidents: Mapped[int] = mapped_column(default=0)
    cases: Mapped[int] = mapped_column(default=0)
    compliant: Mapped[bool] = mapped_column(default=True)
    households: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    points_total: Mapped[int] = mapped_column(default=0)  # of the rated households' sheets
    rubric_max: Mapped[int] = mapped_column(default=0)
    stars: Mapped[int] = mapped_column(default=0)
    disputes: Mapped[int] = mapped_column(default=0)
    disputes_resolved: Mapped[int] = mapped_column(default=0)
    zeros_points: Mapped[float] = mapped_column(Float, default=0)
    participation_points: Mapped[float] = mapped_column(Float, default=0)
    virtue_points: Mapped[float] = mapped_column(Float, default=0)
    honor_points: Mapped[float] = mapped_column(Float, default=0)
    dispute_points: Mapped[float] = mapped_column(Float, default=0)
    score: Mapped[float] = mapped_column(Float, default=0)
    colour: Mapped[str] = mapped_column(String(10), default="red")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()

    @property
    def zeros_met(self) -> int:
        return (self.petitions_escalated == 0) + (self.accidents == 0) + (self.cases == 0)

    @property
    def colour_label(self) -> str:
        return str(COLOURS[self.colour])


class UnitScoreYear(db.Model):
    """A unit's scored months of a year summed up (kept by scores.compute with every unit_score row it
    writes), so a year's ranking of 60,000 units reads one row per unit, not twelve."""

    __tablename__ = "unit_score_year"
    __table_args__ = (Index("ix_unit_score_year_year_unit_id", "year", "unit_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[str] = mapped_column(String(4))
    total_cents: Mapped[int] = mapped_column(default=0)  # the sum of its months' scores, in hundredths
    months: Mapped[int] = mapped_column(default=0)  # how many of its months have a score


class GovernanceSettings(db.Model):
    """A county's weights, colour bands, compliance targets and warning bands; a county without a row
    uses DESIGN.md's defaults."""

    __tablename__ = "governance_settings"
    __table_args__ = (
        CheckConstraint(
            "weight_zeros + weight_participation + weight_virtue + weight_honors + weight_disputes = 100",
            name="weights_sum_100",
        ),
        CheckConstraint("green > blue AND blue > yellow AND yellow > orange AND orange > 0", name="bands_order"),
        CheckConstraint("warn_blue < warn_yellow AND warn_yellow < warn_orange", name="warnings_order"),
    )

    county_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    weight_zeros: Mapped[int] = mapped_column(default=40)
    weight_participation: Mapped[int] = mapped_column(default=20)
    weight_virtue: Mapped[int] = mapped_column(default=20)
    weight_honors: Mapped[int] = mapped_column(default=10)
    weight_disputes: Mapped[int] = mapped_column(default=10)
    green: Mapped[int] = mapped_column(default=90)
    blue: Mapped[int] = mapped_column(default=80)
    yellow: Mapped[int] = mapped_column(default=70)
    orange: Mapped[int] = mapped_column(default=60)
    households_per_star: Mapped[int] = mapped_column(default=50)
    target_villages: Mapped[int] = mapped_column(default=80)  # % of villages and communities compliant
    target_others: Mapped[int] = mapped_column(default=90)  # % of enterprises and institutions
    warn_blue: Mapped[int] = mapped_column(default=5)  # points short of the target, below which: blue
    warn_yellow: Mapped[int] = mapped_column(default=10)
    warn_orange: Mapped[int] = mapped_column(default=20)  # and at or above this: red
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
