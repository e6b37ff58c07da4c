"""The three-zero ledger: recording and resolving a unit's incidents, listing and counting an area's,
importing and exporting them (the rules; views, the API and the command line call these). Each change
marks the month's score for recomputation."""

from collections import namedtuple
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import contains_eager

from ..auth.models import User
from ..core import audit, permissions
from ..core.db import db, utcnow
from ..core.errors import DomainError, FieldErrors, raise_field_errors
from ..core.tabular import Table
from ..core.time import month_of, today
from ..scoring.service import MONTH_RE
from ..units.models import AREA_KINDS, Unit
from . import scores
from .areas import percent
from .models import INCIDENT_KINDS, INCIDENT_STATUSES, SUBKINDS, Incident, UnitScore

EARLIEST = date(2000, 1, 1)


def _date(value, field: str, errors: list) -> date | None:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            errors.append((field, _("Give the date as YYYY-MM-DD.")))
            return None
    if not EARLIEST <= day <= today():
        errors.append((field, _("The date must lie between 2000-01-01 and today.")))
        return None
    return day


def _text(value, field: str, errors: list, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        errors.append((field, _("This field is required.")))
    elif len(text) > 500:
        errors.append((field, _("At most %(n)s characters.", n=500)))
    return text[:500]


def check(unit: Unit | None, fields: dict) -> dict:
    """The fields of an incident, checked: every problem at once, by field."""
    errors: list[tuple[str, str]] = []
    if unit is None:
        errors.append(("unit", _("No unit has this code.")))
    elif unit.kind in AREA_KINDS:
        errors.append(("unit", _("Incidents are recorded for villages, communities, enterprises and institutions.")))
    kind = fields.get("kind") if isinstance(fields.get("kind"), str) else ""
    subkind = (fields.get("subkind") or "") if isinstance(fields.get("subkind") or "", str) else None
    if kind not in INCIDENT_KINDS:
        errors.append(("kind", _("Choose petition, accident, case, dispute or hazard.")))
    elif subkind not in SUBKINDS[kind]:
        errors.append(("subkind", _("This kind of incident takes one of: %(names)s.", names=_subkind_names(kind))))
    occurred_on = _date(fields.get("occurred_on"), "occurred_on", errors)
    summary = _text(fields.get("summary"), "summary", errors)
    escalated = fields.get("escalated", False)
    if not isinstance(escalated, bool):
        errors.append(("escalated", _("Escalated is yes or no.")))
    status = fields.get("status") or "open"
    resolved_on, resolution = None, ""
    if status not in ("open", "resolved"):
        errors.append(("status", _("The status is open or resolved.")))
    elif status == "resolved":
        resolved_on = _date(fields.get("resolved_on"), "resolved_on", errors)
        resolution = _text(fields.get("resolution"), "resolution", errors, required=False)
        if resolved_on and occurred_on and resolved_on < occurred_on:
            errors.append(("resolved_on", _("It cannot be resolved before it happened.")))
    raise_field_errors(errors)
    return {
        "kind": kind,
        "subkind": subkind,
        "occurred_on": occurred_on,
        "summary": summary,
        "escalated": escalated,
        "status": status,
        "resolved_on": resolved_on,
        "resolution": resolution,
    }


def _subkind_names(kind: str) -> str:
    return "、".join(k for k in SUBKINDS[kind] if k) or "—"


def record(unit: Unit, fields: dict, actor) -> Incident:
    """Record an incident of `unit` (checked), and mark its month's score for recomputation."""
    values = check(unit, fields)
    incident = Incident(unit_id=unit.id, recorded_by_id=getattr(actor, "id", None), **values)
    db.session.add(incident)
    db.session.flush()
    audit.record("incident.record", incident, actor=actor, unit_id=unit.id, kind=values["kind"])
    scores.touch(unit.id, month_of(values["occurred_on"]))
    return incident


def resolve(incident: Incident, resolved_on, resolution, actor) -> Incident:
    """Mark an open incident resolved, on a day not before it happened, saying how."""
    if incident.status == "resolved":
        raise DomainError(_("This incident is resolved already."))
    errors: list[tuple[str, str]] = []
    day = _date(resolved_on, "resolved_on", errors)
    how = _text(resolution, "resolution", errors)
    if day and day < incident.occurred_on:
        errors.append(("resolved_on", _("It cannot be resolved before it happened.")))
    raise_field_errors(errors)
    incident.status, incident.resolved_on, incident.resolution = "resolved", day, how
    db.session.flush()
    audit.record("incident.resolve", incident, actor=actor, unit_id=incident.unit_id)
    scores.touch(incident.unit_id, month_of(incident.occurred_on))
    return incident


def touch(unit_id: int, month: str) -> None:
    """Another domain changed an input of the unit's month (a reviewed sheet, an approved or revoked
    star, a household added): its score is recomputed when the transaction commits."""
    scores.touch(unit_id, month)


def last_month_score(unit: Unit) -> UnitScore | None:
    """What the public sees of a unit: its three-zero status and score of the last whole month."""
    first = today().replace(day=1)
    return scores.shown(unit, month_of(date.fromordinal(first.toordinal() - 1)))


def incidents_count() -> int:
    return db.session.scalar(select(func.count(Incident.id)))


def compute_month(month: str) -> int:
    """Score every unit for a month (the monthly job; changes in between recompute on their own)."""
    return scores.compute(month)


def _of_area(area: Unit, first: date | None, last: date | None, kind: str | None = None, status: str | None = None):
    """The conditions on incidents joined to their unit: under `area`, between the days, of the kind
    and status (each when given and known)."""
    conditions = [Unit.path.startswith(area.path)]
    if first is not None:
        conditions.append(Incident.occurred_on >= first)
    if last is not None:
        conditions.append(Incident.occurred_on <= last)
    if kind in INCIDENT_KINDS:
        conditions.append(Incident.kind == kind)
    if status in INCIDENT_STATUSES:
        conditions.append(Incident.status == status)
    return conditions


NEWEST_FIRST = (Incident.occurred_on.desc(), Incident.id.desc())


def incidents_of(
    area: Unit,
    first: date | None = None,
    last: date | None = None,
    kind: str | None = None,
    status: str | None = None,
):
    """A select of the incidents of `area` and the units under it, newest first (for paging), each
    with its unit loaded."""
    return (
        select(Incident)
        .join(Unit, Unit.id == Incident.unit_id)
        .where(*_of_area(area, first, last, kind, status))
        .options(contains_eager(Incident.unit))
        .order_by(*NEWEST_FIRST)
    )


def recorded_by(incident: Incident) -> str:
    """The name of whoever recorded the incident ("" for an import from the command line)."""
    user = db.session.get(User, incident.recorded_by_id) if incident.recorded_by_id else None
    return user.name if user else ""


# --- an area's list: the months asked for, counts and resolution rates ------------------------------

# The county's standard for mediating disputes: at least this share of them resolved.
DISPUTE_STANDARD = 90


def month_span(first_month: str = "", last_month: str = "") -> tuple[date | None, date | None]:
    """The first day of `first_month` and the last of `last_month` (YYYY-MM, either may be empty for
    no bound), neither after this month and not the wrong way round."""
    errors: list[tuple[str, str]] = []
    days: list[date | None] = []
    for field, month in (("from_month", first_month), ("to_month", last_month)):
        month = (month or "").strip()
        if not month:
            days.append(None)
        elif not MONTH_RE.match(month) or not "2000-01" <= month <= month_of():
            errors.append((field, _("Give the month as YYYY-MM, not after this month.")))
            days.append(None)
        else:
            first, last = scores.month_range(month)
            days.append(first if field == "from_month" else last)
    if days[0] and days[1] and days[0] > days[1]:
        errors.append(("to_month", _("The last month cannot come before the first.")))
    raise_field_errors(errors)
    return days[0], days[1]


@dataclass
class KindCount:
    """An area's incidents of one kind in the months asked for: open, resolved, and the rate."""

    kind: str
    open: int = 0
    resolved: int = 0

    @property
    def label(self) -> str:
        return str(INCIDENT_KINDS[self.kind])

    @property
    def total(self) -> int:
        return self.open + self.resolved

    @property
    def rate(self):
        """Resolved of all, a percentage to two decimals (None when there were none)."""
        return percent(self.resolved, self.total)

    @property
    def meets_standard(self) -> bool | None:
        """For disputes: whether the resolution rate reaches the county's standard (None: no disputes)."""
        return None if self.rate is None else self.rate >= DISPUTE_STANDARD


def tally(area: Unit, first: date | None = None, last: date | None = None) -> dict[str, KindCount]:
    """Every kind's open and resolved incidents of `area` and the units under it (one query)."""
    query = (
        select(Incident.kind, Incident.status, func.count(Incident.id))
        .join(Unit, Unit.id == Incident.unit_id)
        .where(*_of_area(area, first, last))
        .group_by(Incident.kind, Incident.status)
    )
    counts = {kind: KindCount(kind) for kind in INCIDENT_KINDS}
    for kind, status, n in db.session.execute(query):
        setattr(counts[kind], status, n)
    return counts


# --- import and export ------------------------------------------------------------------------------

COLUMNS = ("unit_code", "kind", "subkind", "date", "summary", "status", "resolved_on", "escalated")
EXPORT_COLUMNS = (*COLUMNS, "unit_name", "recorded_by")
FLAGS = {"yes": True, "true": True, "1": True, "是": True, "no": False, "false": False, "0": False, "否": False}
# The file's column of each field check() names.
COLUMN_OF = {"unit": "unit_code", "occurred_on": "date"}
CHUNK = 5000

_Unit = namedtuple("_Unit", "id kind path")  # what check() and the reach test read of a unit


def _row_fields(row: dict) -> dict:
    escalated = row["escalated"].strip().lower()
    return {
        "kind": row["kind"].strip().lower(),
        "subkind": row["subkind"].strip().lower(),
        "occurred_on": row["date"],
        "summary": row["summary"],
        # Anything else stays text, which check() refuses with its message.
        "escalated": FLAGS.get(escalated, escalated) if escalated else False,
        "status": row["status"].strip().lower(),
        "resolved_on": row["resolved_on"],
    }


def _problem(line: int, field: str, message: str) -> tuple[int, str]:
    return line, _("%(column)s: %(problem)s", column=COLUMN_OF.get(field, field), problem=message)


def _in_column_order(problems) -> list[tuple[str, str]]:
    def position(problem: tuple[str, str]) -> int:
        column = COLUMN_OF.get(problem[0], problem[0])
        return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)

    return sorted(problems, key=position)


def _check_rows(table: Table, actor=None) -> list[dict]:
    """Check every row as record() checks a form, and that the unit is the importer's (`actor`; None
    for the command line: any unit). Fills table.errors with (line, "column: problem") for every problem
    of every row; returns the checked values of the good rows, ready to insert."""
    units = {c: _Unit(i, k, p) for c, i, k, p in db.session.execute(select(Unit.code, Unit.id, Unit.kind, Unit.path))}
    reach = [a.unit.path for a in permissions.assignments(actor, permissions.ADMINS)] if actor is not None else None
    values: list[dict] = []
    for row in table.rows:
        line, unit = row["_line"], units.get(row["unit_code"])
        fields = _row_fields(row)
        problems: list[tuple[str, str]] = []
        if unit is not None and reach is not None and not any(unit.path.startswith(p) for p in reach):
            problems.append(("unit", _("You may not record incidents in %(code)s.", code=row["unit_code"])))
        if row["resolved_on"] and fields["status"] != "resolved":
            problems.append(("resolved_on", _("A resolution date needs the status resolved.")))
        try:
            checked = check(unit, fields)
        except FieldErrors as exc:
            problems += exc.fields.items()
        if problems:
            table.errors += [_problem(line, field, message) for field, message in _in_column_order(problems)]
            continue
        values.append({"unit_id": unit.id, "_line": line, **checked})
    _refuse_recorded(values, table)
    table.errors.sort(key=lambda e: e[0])  # by line; within a line, in the file's column order
    return values


def _refuse_recorded(values: list[dict], table: Table) -> None:
    """A row the same as an incident already recorded (unit, kind, subkind, date, summary) is refused:
    importing a file twice must not count everything twice."""
    if not values:
        return
    key = (Incident.unit_id, Incident.kind, Incident.subkind, Incident.occurred_on, Incident.summary)
    ids = sorted({v["unit_id"] for v in values})
    first, last = min(v["occurred_on"] for v in values), max(v["occurred_on"] for v in values)
    recorded = set()
    for n in range(0, len(ids), CHUNK):
        query = select(*key).where(Incident.unit_id.in_(ids[n : n + CHUNK]), Incident.occurred_on.between(first, last))
        recorded.update(tuple(r) for r in db.session.execute(query))
    if not recorded:
        return
    for v in values:
        if (v["unit_id"], v["kind"], v["subkind"], v["occurred_on"], v["summary"]) in recorded:
            problem = _("This incident is recorded already (the same unit, kind, date and summary).")
            table.errors.append(_problem(v["_line"], "summary", problem))


def validate_import(table: Table, actor=None) -> Table:
    """Check every row of an import (nothing is written); table.errors lists each problem by line
    and column."""
    _check_rows(table, actor)
    return table


def import_incidents(table: Table, actor=None) -> int:
    """Insert every row of a file whose rows are all good, in chunks, or nothing; then recompute the
    scores of the unit-months it touched, once per month. Returns how many were imported."""
    checked = Table(rows=table.rows)
    values = _check_rows(checked, actor)
    if checked.errors:
        raise DomainError(_("The file has errors; nothing was imported."), field="file")
    now, by = utcnow(), getattr(actor, "id", None)
    rows = []
    touched: dict[str, set[int]] = {}
    for v in values:
        rows.append({**v, "resolution": "", "recorded_by_id": by, "created_at": now, "updated_at": now})
        del rows[-1]["_line"]
        touched.setdefault(month_of(v["occurred_on"]), set()).add(v["unit_id"])
    for n in range(0, len(rows), CHUNK):
        db.session.execute(insert(Incident.__table__), rows[n : n + CHUNK])
    audit.record("incident.import", actor=actor, count=len(rows))
    for month, unit_ids in sorted(touched.items()):
        ids = sorted(unit_ids)
        for n in range(0, len(ids), CHUNK):  # a bounded IN list on every database
            scores.compute(month, unit_ids=ids[n : n + CHUNK])
    return len(rows)


def import_counts(table: Table) -> dict[str, int]:
    """How many rows of each kind a (checked) file holds, for the command line's report."""
    counts: dict[str, int] = {}
    for row in table.rows:
        kind = row["kind"].strip().lower()
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def export_rows(area: Unit, first: date | None = None, last: date | None = None, kind=None, status=None):
    """The list's incidents in the import's columns, then the unit's name and who recorded each (plain
    rows: a county's export holds many)."""
    query = (
        select(
            Unit.code,
            Incident.kind,
            Incident.subkind,
            Incident.occurred_on,
            Incident.summary,
            Incident.status,
            Incident.resolved_on,
            Incident.escalated,
            Unit.name,
            func.coalesce(func.nullif(User.display_name, ""), User.username, ""),
        )
        .join(Unit, Unit.id == Incident.unit_id)
        .outerjoin(User, User.id == Incident.recorded_by_id)
        .where(*_of_area(area, first, last, kind, status))
        .order_by(*NEWEST_FIRST)
    )
    for code, kind_, subkind, day, summary, status_, resolved_on, escalated, name, by in db.session.execute(query):
        resolved = resolved_on.isoformat() if resolved_on else ""
        yield (
            code,
            kind_,
            subkind,
            day.isoformat(),
            summary,
            status_,
            resolved,
            "yes" if escalated else "no",
            name,
            by,
        )
