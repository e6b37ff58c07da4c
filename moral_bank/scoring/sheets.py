"""Monthly rating sheets: a score per rubric item, saved as a draft or submitted for review."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core import audit, permissions
from ..core.db import db, utcnow
from ..core.errors import Conflict, NotAllowed, raise_field_errors
from ..households.models import Household
from .models import RatingSheet, ScorerAssignment, SheetScore
from .service import open_month

SCORERS = (*permissions.ADMINS, "scorer")


def can_score(user, household: Household) -> bool:
    """Admins over the household's unit, or the scorer it is assigned to."""
    if permissions.has_role(user, permissions.ADMINS, household.unit):
        return True
    if not permissions.has_role(user, ("scorer",), household.unit):
        return False
    return (
        db.session.scalar(
            select(ScorerAssignment.id).where(
                ScorerAssignment.household_id == household.id, ScorerAssignment.scorer_id == user.id
            )
        )
        is not None
    )


def sheet_for(household: Household, month: str) -> RatingSheet | None:
    return db.session.scalar(
        select(RatingSheet).where(RatingSheet.household_id == household.id, RatingSheet.month == month)
    )


def score_errors(items: dict, scores, submit: bool) -> list[tuple[str, str]]:
    if not isinstance(scores, dict):
        return [("scores", _('Give a score for each item, e.g. {"xiao-elders": 8}.'))]
    errors = []
    for code, points in scores.items():
        item = items.get(code)
        if item is None:
            errors.append((f"scores.{code}", _("%(code)s is not an item of this month's rubric.", code=code)))
        elif isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= item.max_points:
            errors.append(
                (
                    f"scores.{code}",
                    _("%(item)s: a whole number from 0 to %(max)s.", item=item.name, max=item.max_points),
                )
            )
    if submit:
        for code, item in items.items():
            if code not in scores:
                errors.append((f"scores.{code}", _("%(item)s: a score is needed before submitting.", item=item.name)))
    return errors


def _same(sheet: RatingSheet, scores: dict, note: str) -> bool:
    return sheet.note == note and {s.item.code: s.points for s in sheet.scores} == scores


def save_sheet(
    household: Household,
    month: str,
    scores: dict,
    note: str = "",
    actor=None,
    submit: bool = False,
    photo=None,
) -> tuple[RatingSheet, bool]:
    """Create or update the household's sheet for `month`. Returns (sheet, created).

    A sheet can change while it is a draft or returned for correction. Sending an
    already submitted sheet again, unchanged, returns it (a phone's retry).
    """
    if actor is None or not can_score(actor, household):
        raise NotAllowed(_("Only the household's scorer or a unit admin may rate it."))
    note = (note or "").strip() if isinstance(note, str) else ""
    scoring_month = open_month(household.unit, month, actor)
    items = {i.code: i for i in scoring_month.rubric.items}
    errors = score_errors(items, scores, submit)
    if len(note) > 500:
        errors.append(("note", _("The note may have at most 500 characters.")))
    raise_field_errors(errors)
    sheet = sheet_for(household, month)
    if sheet is not None and not sheet.editable:
        if sheet.status == "submitted" and submit and photo is None and _same(sheet, scores, note):
            return sheet, False
        raise Conflict(_("This sheet is %(status)s and can no longer be changed.", status=sheet.status_label))
    created = sheet is None
    try:
        with db.session.begin_nested():
            if created:
                sheet = RatingSheet(
                    household=household,
                    unit_id=household.unit_id,
                    month=month,
                    scoring_month=scoring_month,
                    scorer_id=actor.id,
                )
                db.session.add(sheet)
            # Update rows in place: replacing them would insert before deleting and trip the unique key.
            current = {s.item.code: s for s in sheet.scores}
            for code, points in scores.items():
                if code in current:
                    current.pop(code).points = points
                else:
                    sheet.scores.append(SheetScore(item=items[code], points=points))
            for leftover in current.values():
                sheet.scores.remove(leftover)
            sheet.total = sum(scores.values())
            sheet.note = note
            if photo is not None:
                sheet.photo_id = photo.id
            sheet.status = "submitted" if submit else "draft"
            sheet.submitted_at = utcnow() if submit else None
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Someone saved this sheet at the same moment. Please reload it.")) from None
    audit.record(
        "sheet.submit" if submit else "sheet.save",
        sheet,
        actor=actor,
        unit_id=household.unit_id,
        month=month,
        total=sheet.total,
    )
    return sheet, created


def worklist(user, unit, month: str) -> list[tuple[Household, RatingSheet | None]]:
    """The households `user` rates in `unit` with their sheet for `month`: unrated first, then by code."""
    stmt = select(Household).where(Household.unit_id == unit.id).order_by(Household.code)
    if not permissions.has_role(user, permissions.ADMINS, unit):
        stmt = stmt.join(ScorerAssignment, ScorerAssignment.household_id == Household.id).where(
            ScorerAssignment.scorer_id == user.id
        )
    households = list(db.session.scalars(stmt))
    by_household = {
        s.household_id: s
        for s in db.session.scalars(
            select(RatingSheet).where(RatingSheet.unit_id == unit.id, RatingSheet.month == month)
        )
    }
    rows = [(h, by_household.get(h.id)) for h in households]
    return sorted(rows, key=lambda row: (row[1] is not None and row[1].status != "draft", row[0].code))


def parse_scores(raw: dict[str, str], items) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Typed text per item code → whole numbers; blanks are left out; anything else is an error."""
    scores, errors = {}, []
    for item in items:
        text = (raw.get(item.code) or "").strip()
        if not text:
            continue
        if text.isdigit() and text.isascii():
            scores[item.code] = int(text)
        else:
            errors.append(
                (
                    f"scores.{item.code}",
                    _("%(item)s: a whole number from 0 to %(max)s.", item=item.name, max=item.max_points),
                )
            )
    return scores, errors


def by_category(items) -> list[tuple[str, list]]:
    """Items grouped under 孝 善 信 勤 简 美, in that customary order."""
    from .models import CATEGORIES

    return [(c, [i for i in items if i.category == c]) for c in CATEGORIES if any(i.category == c for i in items)]
