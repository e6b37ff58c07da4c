"""A unit admin's review of submitted sheets and deeds: approve, or return with a comment."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import audit, permissions
from ..core.db import db
from ..core.errors import Conflict, DomainError, NotAllowed
from ..governance import service as governance
from ..units.models import Unit
from .models import Deed, RatingSheet, SheetScore


def review(entry: RatingSheet | Deed, approve, comment: str, actor) -> RatingSheet | Deed:
    """Approve a submitted sheet or deed, or return it to the scorer with a comment.

    Repeating the same decision changes nothing (a retry); a decision on
    something not waiting for review is refused.
    """
    unit = db.session.get(Unit, entry.unit_id)
    if not permissions.has_role(actor, permissions.ADMINS, unit):
        raise NotAllowed(_("Only a unit admin may review."))
    if not isinstance(approve, bool):
        raise DomainError(_("Say approve: true, or approve: false with a comment."), field="approve")
    comment = comment.strip() if isinstance(comment, str) else ""
    if not approve and not comment:
        raise DomainError(_("Please tell the scorer what to correct."), field="comment")
    if len(comment) > 500:
        raise DomainError(_("The comment may have at most 500 characters."), field="comment")
    target = "approved" if approve else "returned"
    if entry.status == target and (approve or entry.review_comment == comment):
        return entry
    if entry.status != "submitted":
        raise Conflict(
            _("Only submitted entries can be reviewed; this one is %(status)s.", status=_status_label(entry))
        )
    entry.status = target
    entry.review_comment = "" if approve else comment
    db.session.flush()
    if isinstance(entry, RatingSheet):  # a reviewed sheet counts towards the unit's participation
        governance.touch(entry.unit_id, entry.month)
    audit.record(f"{entry.__tablename__}.{target}", entry, actor=actor, unit_id=entry.unit_id, comment=comment or None)
    return entry


def _status_label(entry) -> str:
    from .models import SHEET_STATUS_LABELS

    return str(SHEET_STATUS_LABELS[entry.status])


def queue(unit: Unit, month: str) -> tuple[list[RatingSheet], list[Deed]]:
    """What waits for the unit admin: the month's submitted sheets, and every submitted deed."""
    sheets = db.session.scalars(
        select(RatingSheet)
        .where(RatingSheet.unit_id == unit.id, RatingSheet.month == month, RatingSheet.status == "submitted")
        .options(
            selectinload(RatingSheet.household),
            selectinload(RatingSheet.scores).selectinload(SheetScore.item),
        )
        .order_by(RatingSheet.submitted_at, RatingSheet.id)
    ).all()
    deeds = db.session.scalars(
        select(Deed)
        .where(Deed.unit_id == unit.id, Deed.status == "submitted")
        .options(selectinload(Deed.household), selectinload(Deed.category))
        .order_by(Deed.happened_on, Deed.id)
    ).all()
    return list(sheets), list(deeds)


def approve_many(unit: Unit, sheet_ids: list[int], deed_ids: list[int], actor) -> int:
    """Approve the listed submitted sheets and deeds of `unit` (those still submitted). Returns how many."""
    entries = [
        *db.session.scalars(
            select(RatingSheet).where(
                RatingSheet.id.in_(sheet_ids), RatingSheet.unit_id == unit.id, RatingSheet.status == "submitted"
            )
        ),
        *db.session.scalars(
            select(Deed).where(Deed.id.in_(deed_ids), Deed.unit_id == unit.id, Deed.status == "submitted")
        ),
    ]
    for entry in entries:
        review(entry, True, "", actor)
    return len(entries)
