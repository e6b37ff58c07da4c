"""A unit admin's review of submitted sheets and deeds: approve, or return with a comment."""

from flask_babel import gettext as _

from ..core import audit, permissions
from ..core.db import db
from ..core.errors import Conflict, DomainError, NotAllowed
from ..units.models import Unit
from .models import Deed, RatingSheet


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
    audit.record(f"{entry.__tablename__}.{target}", entry, actor=actor, unit_id=entry.unit_id, comment=comment or None)
    return entry


def _status_label(entry) -> str:
    from .models import SHEET_STATUS_LABELS

    return str(SHEET_STATUS_LABELS[entry.status])
