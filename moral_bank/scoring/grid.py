"""The desktop grid: a whole unit's month (households × rubric items) saved in one submit.

Every cell is checked before anything is saved; with any bad cell nothing is
saved and each bad cell is named, so the page can keep what was typed and
point at the cells to fix.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.db import db, utcnow
from ..core.errors import Conflict, DomainError
from ..households.models import Household
from ..units.models import Unit
from .models import RatingSheet, RubricItem, SheetScore
from .service import open_month
from .sheets import worklist


class GridErrors(DomainError):
    """Bad cells: {(household_id, item_code or ""): message}."""

    def __init__(self, cells: dict[tuple[int, str], str]):
        super().__init__(_("%(n)s cells need correcting; nothing was saved.", n=len(cells)))
        self.cells = cells


@dataclass
class Grid:
    """What the grid page shows: the month's items and the rows the user may rate."""

    unit: Unit
    month: str
    items: list[RubricItem]
    rows: list[tuple[Household, RatingSheet | None]]
    values: dict[tuple[int, str], str] = field(default_factory=dict)

    def value(self, household_id: int, code: str) -> str:
        return self.values.get((household_id, code), "")


def load(user, unit: Unit, month: str) -> Grid:
    scoring_month = open_month(unit, month, user)
    rows = sorted(worklist(user, unit, month), key=lambda row: row[0].code)
    sheet_ids = [s.id for _h, s in rows if s is not None]
    values = {}
    if sheet_ids:
        for household_id, code, points in db.session.execute(
            select(RatingSheet.household_id, RubricItem.code, SheetScore.points)
            .join(SheetScore, SheetScore.sheet_id == RatingSheet.id)
            .join(RubricItem, RubricItem.id == SheetScore.item_id)
            .where(RatingSheet.id.in_(sheet_ids))
        ):
            values[(household_id, code)] = str(points)
    return Grid(unit, month, list(scoring_month.rubric.items), rows, values)


def _check_row(items: list[RubricItem], typed: dict[str, str], submit: bool) -> tuple[dict[str, int], dict]:
    scores, bad = {}, {}
    for item in items:
        text = (typed.get(item.code) or "").strip()
        if not text:
            if submit:
                bad[item.code] = _("%(item)s: a score is needed before submitting.", item=item.name)
            continue
        if text.isascii() and text.isdigit() and int(text) <= item.max_points:
            scores[item.code] = int(text)
        else:
            bad[item.code] = _("%(item)s: a whole number from 0 to %(max)s.", item=item.name, max=item.max_points)
    return scores, bad


def save(grid: Grid, typed: dict[int, dict[str, str]], actor, submit: bool) -> int:
    """Save (or submit) every editable row with something typed in it. Returns the number of rows saved.

    `typed` maps household id → item code → the text typed. Rows left blank are
    skipped; a row that has a sheet which can no longer change is refused.
    Raises GridErrors naming every bad cell; nothing is saved then.
    """
    allowed = {h.id: (h, sheet) for h, sheet in grid.rows}
    errors: dict[tuple[int, str], str] = {}
    changes: list[tuple[Household, RatingSheet | None, dict[str, int]]] = []
    for household_id, cells in typed.items():
        if household_id not in allowed:
            errors[(household_id, "")] = _("You may not rate this household.")
            continue
        household, sheet = allowed[household_id]
        blank = not any((v or "").strip() for v in cells.values())
        current = {code: grid.value(household_id, code) for code in cells}
        unchanged = sheet is not None and all((cells[c] or "").strip() == current[c] for c in cells)
        if (blank and sheet is None) or (unchanged and not (submit and sheet.editable)):
            continue
        if sheet is not None and not sheet.editable:
            errors[(household_id, "")] = _(
                "%(household)s: this sheet is %(status)s and can no longer be changed.",
                household=household.head_name,
                status=sheet.status_label,
            )
            continue
        scores, bad = _check_row(grid.items, cells, submit)
        errors.update({(household_id, code): message for code, message in bad.items()})
        if not bad:
            changes.append((household, sheet, scores))
    if errors:
        raise GridErrors(errors)
    if not changes:
        return 0
    _write(grid, changes, actor, submit)
    audit.record(
        "sheet.grid_submit" if submit else "sheet.grid_save",
        actor=actor,
        unit_id=grid.unit.id,
        month=grid.month,
        rows=len(changes),
    )
    return len(changes)


def _write(grid: Grid, changes, actor, submit: bool) -> None:
    """Write the rows with a few multi-row statements (500 rows × 12 items is 6,000 scores)."""
    items = {i.code: i.id for i in grid.items}
    scoring_month = open_month(grid.unit, grid.month, actor)
    now = utcnow()
    status, submitted_at = ("submitted", now) if submit else ("draft", None)
    created = [(household, scores) for household, sheet, scores in changes if sheet is None]
    updated = [(sheet, scores) for _household, sheet, scores in changes if sheet is not None]
    rows: list[tuple[int, dict[str, int]]] = []
    try:
        if created:
            new_ids = db.session.execute(
                insert(RatingSheet).returning(RatingSheet.id, sort_by_parameter_order=True),
                [
                    {
                        "household_id": household.id,
                        "unit_id": household.unit_id,
                        "month": grid.month,
                        "scoring_month_id": scoring_month.id,
                        "scorer_id": actor.id,
                        "status": status,
                        "total": sum(scores.values()),
                        "note": "",
                        "submitted_at": submitted_at,
                    }
                    for household, scores in created
                ],
            ).scalars()
            rows += list(zip(new_ids, (scores for _h, scores in created), strict=True))
        if updated:
            db.session.execute(
                update(RatingSheet),
                [
                    {"id": sheet.id, "status": status, "total": sum(scores.values()), "submitted_at": submitted_at}
                    for sheet, scores in updated
                ],
            )
            old_ids = [sheet.id for sheet, _scores in updated]
            for start in range(0, len(old_ids), 500):
                db.session.execute(delete(SheetScore).where(SheetScore.sheet_id.in_(old_ids[start : start + 500])))
            rows += [(sheet.id, scores) for sheet, scores in updated]
        scores_rows = [
            {"sheet_id": sheet_id, "item_id": items[code], "points": points}
            for sheet_id, scores in rows
            for code, points in scores.items()
        ]
        if scores_rows:
            db.session.execute(insert(SheetScore), scores_rows)
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone saved sheets of this unit at the same moment. Please reload the grid.")) from None
    db.session.expire_all()
