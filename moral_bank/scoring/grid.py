"""The desktop grid: a whole unit's month (households × rubric items) saved in one submit.

Every cell is checked before anything is saved; with any bad cell nothing is
saved and each bad cell is named, so the page can keep what was typed and
point at the cells to fix.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

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
    items = {i.code: i for i in grid.items}
    scoring_month = open_month(grid.unit, grid.month, actor)
    existing = {
        s.id: s
        for s in db.session.scalars(
            select(RatingSheet)
            .where(RatingSheet.id.in_([sheet.id for _h, sheet, _s in changes if sheet is not None]))
            .options(selectinload(RatingSheet.scores).selectinload(SheetScore.item))
        )
    }
    now = utcnow()
    for household, sheet, scores in changes:
        if sheet is None:
            sheet = RatingSheet(
                household_id=household.id,
                unit_id=household.unit_id,
                month=grid.month,
                scoring_month_id=scoring_month.id,
                scorer_id=actor.id,
                note="",
            )
            db.session.add(sheet)
            current = {}
        else:
            sheet = existing[sheet.id]
            current = {s.item.code: s for s in sheet.scores}
        for code, points in scores.items():
            if code in current:
                current.pop(code).points = points
            else:
                sheet.scores.append(SheetScore(item_id=items[code].id, points=points))
        for leftover in current.values():
            sheet.scores.remove(leftover)
        sheet.total = sum(scores.values())
        sheet.status = "submitted" if submit else "draft"
        sheet.submitted_at = now if submit else None
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone saved sheets of this unit at the same moment. Please reload the grid.")) from None
