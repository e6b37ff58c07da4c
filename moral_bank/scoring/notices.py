"""The notice board (公示): publish reviewed lines, take objections, resolve them, post to the ledger.

A line reaches a passbook only through `post()`, once per sheet or deed
(ledger idempotency keys `sheet:<id>` and `deed:<id>`), and only after the
notice period has ended with no objection open. Posting commits per chunk
when asked to, so a run killed midway resumes where it stopped.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core import audit, permissions
from ..core.db import db, utcnow
from ..core.errors import Conflict, DomainError, InsufficientBalance, NotAllowed, raise_field_errors
from ..core.time import to_local
from ..governance import service as governance
from ..households.models import mask_name
from ..ledger import service as ledger
from ..ledger.models import Account, Transfer
from ..units.models import Unit
from .models import Deed, DeedCategory, LineCorrection, Notice, NoticeLine, Objection, RatingSheet
from .service import check_month, settings_for

PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{4,18}[0-9]$")


def _require_admin(actor, unit: Unit, message: str) -> None:
    if actor is not None and not permissions.has_role(actor, permissions.ADMINS, unit):
        raise NotAllowed(message)


def _month_days(month: str) -> tuple[date, date]:
    first = date.fromisoformat(month + "-01")
    after = (first + timedelta(days=32)).replace(day=1)
    return first, after


# --- publishing -----------------------------------------------------------------------


def ready_to_publish(unit: Unit, month: str) -> tuple[list[RatingSheet], list[Deed]]:
    """The unit's approved sheets of `month` and approved deeds that happened in it."""
    first, after = _month_days(month)
    sheets = db.session.scalars(
        select(RatingSheet)
        .where(RatingSheet.unit_id == unit.id, RatingSheet.month == month, RatingSheet.status == "approved")
        .order_by(RatingSheet.household_id)
    ).all()
    deeds = db.session.scalars(
        select(Deed)
        .join(DeedCategory)
        .where(
            Deed.unit_id == unit.id,
            Deed.status == "approved",
            Deed.happened_on >= first,
            Deed.happened_on < after,
        )
        .order_by(Deed.household_id, Deed.id)
    ).all()
    return list(sheets), list(deeds)


def publish(unit: Unit, month: str, actor) -> Notice:
    """Put the unit's approved lines of `month` on the notice board for its notice period."""
    _require_admin(actor, unit, _("Only a unit admin may publish to the notice board."))
    check_month(month)
    sheets, deeds = ready_to_publish(unit, month)
    if not sheets and not deeds:
        raise Conflict(_("Nothing approved is waiting to be published for %(month)s.", month=month), field="month")
    days = settings_for(unit).notice_days
    now = utcnow()
    notice = Notice(
        unit_id=unit.id,
        month=month,
        notice_days=days,
        published_at=now,
        ends_at=now + timedelta(days=days),
        published_by_id=getattr(actor, "id", None),
    )
    db.session.add(notice)
    db.session.flush()
    lines = [
        {"notice_id": notice.id, "household_id": s.household_id, "sheet_id": s.id, "deed_id": None, "points": s.total}
        for s in sheets
    ] + [
        {"notice_id": notice.id, "household_id": d.household_id, "sheet_id": None, "deed_id": d.id}
        | {"points": d.signed_points}
        for d in deeds
    ]
    db.session.execute(NoticeLine.__table__.insert(), lines)
    for entry in (*sheets, *deeds):
        entry.status = "on_notice"
    db.session.flush()
    audit.record("notice.publish", notice, actor=actor, month=month, lines=len(lines), days=days)
    return notice


def notices_of(unit: Unit, limit: int = 24) -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice).where(Notice.unit_id == unit.id).order_by(Notice.published_at.desc()).limit(limit)
        )
    )


def board(unit: Unit) -> list[Notice]:
    """What the public notice board shows: batches still on notice, newest first."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.unit_id == unit.id, Notice.status == "on_notice")
            .order_by(Notice.published_at.desc())
        )
    )


def shown_name(unit: Unit, name: str) -> str:
    return name if settings_for(unit).name_privacy == "full" else mask_name(name)


def lines_of(notice: Notice) -> list[NoticeLine]:
    """A notice's lines with their households, sheets and deeds loaded, by household."""
    return list(
        db.session.scalars(
            select(NoticeLine)
            .where(NoticeLine.notice_id == notice.id)
            .options(
                selectinload(NoticeLine.household),
                selectinload(NoticeLine.sheet),
                selectinload(NoticeLine.deed).selectinload(Deed.category),
                selectinload(NoticeLine.corrections),
            )
            .order_by(NoticeLine.household_id, NoticeLine.id)
        )
    )


def waiting_to_publish(unit: Unit) -> list[tuple[str, int]]:
    """Months with approved sheets or deeds not yet on a notice, and how many."""
    counts: dict[str, int] = {}
    for month, n in db.session.execute(
        select(RatingSheet.month, func.count())
        .where(RatingSheet.unit_id == unit.id, RatingSheet.status == "approved")
        .group_by(RatingSheet.month)
    ):
        counts[month] = counts.get(month, 0) + n
    for day in db.session.scalars(select(Deed.happened_on).where(Deed.unit_id == unit.id, Deed.status == "approved")):
        month = f"{day.year:04d}-{day.month:02d}"
        counts[month] = counts.get(month, 0) + 1
    return sorted(counts.items(), reverse=True)


def ends_text(notice: Notice) -> str:
    """The end of the notice period in local time, as people write it: 2026-11-28 14:05."""
    return format_datetime(to_local(notice.ends_at), "yyyy-MM-dd HH:mm")


def running(notice: Notice, now: datetime | None = None) -> bool:
    return notice.status == "on_notice" and (now or utcnow()) < notice.ends_at


# --- objections -------------------------------------------------------------------------


def object_to(notice: Notice, line_id, name, phone, reason, user=None) -> Objection:
    """Anyone's objection to one listed line, while the notice period runs."""
    line = db.session.get(NoticeLine, line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else None
    errors = []
    if line is None or line.notice_id != notice.id:
        errors.append(("line_id", _("Choose a line of this notice.")))
    name = name.strip() if isinstance(name, str) else ""
    phone = phone.strip() if isinstance(phone, str) else ""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not name or len(name) > 50:
        errors.append(("name", _("Please give your name (at most 50 characters).")))
    if not PHONE_RE.match(phone):
        errors.append(("phone", _("Please give a phone number we can call back (digits only).")))
    if not reason or len(reason) > 500:
        errors.append(("reason", _("Please say what is wrong (at most 500 characters).")))
    raise_field_errors(errors)
    if not running(notice):
        raise Conflict(_("The notice period has ended; objections are closed."))
    if line.status != "listed":
        raise Conflict(_("This line has been withdrawn for correction already."), field="line_id")
    objection = Objection(
        notice_id=notice.id,
        line_id=line.id,
        name=name,
        phone=phone,
        reason=reason,
        user_id=getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record("objection.raise", objection, actor=user, unit_id=notice.unit_id, line=line.id)
    return objection


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="objection")


def receipt_token(objection: Objection) -> str:
    """What the objector keeps to look up the outcome (not guessable from the id)."""
    return _serializer().dumps(objection.id)


def by_receipt(token: str) -> Objection | None:
    try:
        objection_id = _serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(Objection, objection_id) if isinstance(objection_id, int) else None


def open_objections(notice: Notice) -> list[Objection]:
    return list(
        db.session.scalars(
            select(Objection).where(Objection.notice_id == notice.id, Objection.status == "open").order_by(Objection.id)
        )
    )


def objections_of(notice: Notice) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.notice_id == notice.id).order_by(Objection.id)))


def resolve(objection: Objection, upheld, resolution, actor) -> Objection:
    """Uphold (the line goes back to its scorer for correction) or reject with a reason for the objector."""
    notice = objection.notice
    _require_admin(actor, notice.unit, _("Only a unit admin may resolve objections."))
    if not isinstance(upheld, bool):
        raise DomainError(_("Say upheld: true, or upheld: false with a reason."), field="upheld")
    resolution = resolution.strip() if isinstance(resolution, str) else ""
    if not upheld and not resolution:
        raise DomainError(_("Please give the objector the reason for rejecting it."), field="resolution")
    if len(resolution) > 500:
        raise DomainError(_("The reason may have at most 500 characters."), field="resolution")
    target = "upheld" if upheld else "rejected"
    if objection.status == target and objection.resolution == resolution:
        return objection  # a retry of the same decision
    if objection.status != "open":
        raise Conflict(_("This objection has been resolved already."))
    objection.status = target
    objection.resolution = resolution
    objection.resolved_by_id = getattr(actor, "id", None)
    objection.resolved_at = utcnow()
    line = objection.line
    if upheld and line.status == "listed":
        line.status = "withdrawn"
        source = line.source
        source.status = "returned"
        if isinstance(source, RatingSheet):  # no longer counts towards the unit's participation
            governance.touch(source.unit_id, source.month)
        source.review_comment = _("Objection upheld: %(reason)s", reason=objection.reason)[:500]
        # Other open objections to the same line are settled by this one.
        for other in db.session.scalars(
            select(Objection).where(
                Objection.line_id == line.id, Objection.status == "open", Objection.id != objection.id
            )
        ):
            other.status, other.resolution = "upheld", resolution
            other.resolved_by_id, other.resolved_at = objection.resolved_by_id, objection.resolved_at
    db.session.flush()
    audit.record(f"objection.{target}", objection, actor=actor, unit_id=notice.unit_id, line=line.id)
    return objection


# --- posting ----------------------------------------------------------------------------


def why_not_postable(notice: Notice, now: datetime | None = None) -> str | None:
    """None when the notice may post now, else the reason in the user's language."""
    if notice.status == "posted":
        return None
    if running(notice, now):
        return _(
            "The notice period runs until %(end)s; it can be posted after that.",
            end=ends_text(notice),
        )
    count = db.session.scalar(
        select(func.count(Objection.id)).where(Objection.notice_id == notice.id, Objection.status == "open")
    )
    if count:
        return _("%(n)s objection(s) are still open; resolve them first.", n=count)
    return None


def _key(line: NoticeLine) -> str:
    return f"sheet:{line.sheet_id}" if line.sheet_id is not None else f"deed:{line.deed_id}"


def _source(line: NoticeLine) -> tuple[str, int]:
    return ("rating_sheet", line.sheet_id) if line.sheet_id is not None else ("deed", line.deed_id)


def _memo(line: NoticeLine) -> str:
    return line.sheet.month if line.sheet_id is not None else line.deed.reason


def _post_lines(lines: list[NoticeLine], issuance: Account, actor) -> None:
    """Post a chunk of lines in one ledger batch. Awards go first, so a month's award covers its
    deductions; a deduction takes at most what the passbook holds."""
    accounts = dict(
        db.session.execute(
            select(Account.household_id, Account.id).where(Account.household_id.in_({ln.household_id for ln in lines}))
        ).all()
    )
    posted = ledger.post_batch(
        issuance,
        [
            ledger.Posting(
                accounts[line.household_id],
                line.points,
                ("rating" if line.sheet_id is not None else "deed") if line.points > 0 else "deduction",
                _key(line),
                _source(line),
                _memo(line),
            )
            for line in lines
            if line.points
        ],
        actor,
    )
    for line in lines:
        line.transfer_id, line.posted_points = posted.get(_key(line), (None, 0))
        line.status = "posted"
        line.source.status = "posted"


def _chunks(notice: Notice, size: int) -> Iterator[list[NoticeLine]]:
    while True:
        lines = db.session.scalars(
            select(NoticeLine)
            .where(NoticeLine.notice_id == notice.id, NoticeLine.status == "listed")
            .options(selectinload(NoticeLine.sheet), selectinload(NoticeLine.deed))
            # Awards before deductions, so a month's award is there to cover its deductions.
            .order_by(NoticeLine.points.desc(), NoticeLine.id)
            .limit(size)
        ).all()
        if not lines:
            return
        yield list(lines)


def post(notice: Notice, actor=None, chunk: int = 0, now: datetime | None = None) -> int:
    """Post every listed line of a notice whose period is over. Returns the number of lines posted.

    With `chunk` > 0 the work is committed every `chunk` lines; a run killed
    midway leaves whole chunks posted and the rest listed, and running again
    posts the rest. Posting a posted notice does nothing.
    """
    _require_admin(actor, notice.unit, _("Only a unit admin may post to the passbooks."))
    # One poster at a time: a second one waits here, then finds the lines posted.
    db.session.execute(select(Notice.id).where(Notice.id == notice.id).with_for_update())
    db.session.refresh(notice, ["status"])
    if notice.status == "posted":
        return 0
    problem = why_not_postable(notice, now)
    if problem:
        raise Conflict(problem)
    issuance = ledger.issuance_account(notice.unit)
    posted = 0
    for lines in _chunks(notice, chunk or 1000):
        _post_lines(lines, issuance, actor)
        posted += len(lines)
        db.session.flush()
        if chunk:
            db.session.commit()
    notice.status = "posted"
    notice.posted_at = utcnow()
    notice.posted_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("notice.post", notice, actor=actor, month=notice.month, lines=posted)
    if chunk:
        db.session.commit()
    return posted


def pending(unit: Unit | None = None, month: str | None = None) -> list[Notice]:
    """Notices still on the board (of a unit and/or month), the earliest ending first."""
    query = select(Notice).where(Notice.status == "on_notice").order_by(Notice.ends_at, Notice.id)
    if unit is not None:
        query = query.where(Notice.unit_id == unit.id)
    if month is not None:
        query = query.where(Notice.month == month)
    return list(db.session.scalars(query))


def totals(notice: Notice) -> dict:
    """Lines and points of a notice, by line status."""
    rows = db.session.execute(
        select(NoticeLine.status, func.count(), func.coalesce(func.sum(NoticeLine.points), 0))
        .where(NoticeLine.notice_id == notice.id)
        .group_by(NoticeLine.status)
    ).all()
    return {status: {"lines": int(n), "points": int(p)} for status, n, p in rows}


# --- corrections after posting -----------------------------------------------------------


def correct(line: NoticeLine, points, reason, actor) -> LineCorrection:
    """Correct a posted line: reverse what it posted and post `points` anew, both with `reason`.

    Both entries show in the passbook. A sheet's points are 0 or more; a deed
    keeps its sign (an award stays positive, a deduction negative, and takes at
    most what the passbook holds). Refused when the household no longer holds
    the points to take back.
    """
    notice = line.notice
    _require_admin(actor, notice.unit, _("Only a unit admin may correct posted points."))
    deduction = line.points < 0
    reason = reason.strip() if isinstance(reason, str) else ""
    errors = []
    if isinstance(points, bool) or not isinstance(points, int):
        errors.append(("points", _("Points must be a whole number.")))
    elif line.sheet_id is not None and points < 0:
        errors.append(("points", _("A monthly rating is 0 or more.")))
    elif line.deed_id is not None and (points > 0 if deduction else points < 0):
        errors.append(("points", _("A deduction stays below zero and an award above it.")))
    if not reason or len(reason) > 500:
        errors.append(("reason", _("Please give the reason for the correction (at most 500 characters).")))
    raise_field_errors(errors)
    if line.status != "posted":
        raise Conflict(_("Only posted lines are corrected this way; change the sheet or deed instead."))
    old = line.posted_points or 0
    if points == old:
        raise DomainError(_("These are the points already posted."), field="points")
    issuance = ledger.issuance_account(notice.unit)
    account = ledger.household_account(line.household_id)
    number = len(line.corrections) + 1
    correction = LineCorrection(line=line, old_points=old, new_points=points, reason=reason)
    correction.actor_id = getattr(actor, "id", None)
    db.session.add(correction)
    kind = "deduction" if points < 0 else ("rating" if line.sheet_id is not None else "deed")
    if points:
        # The new entry first: an award's new points help cover taking back the old ones.
        key = f"correction:{line.id}:{number}"
        done = ledger.post_batch(
            issuance, [ledger.Posting(account.id, points, kind, key, _source(line), reason)], actor
        )
        correction.transfer_id, correction.new_points = done[key]
    if line.transfer_id is not None:
        try:
            reversal = ledger.reverse(db.session.get(Transfer, line.transfer_id), actor, reason)
        except InsufficientBalance:
            raise Conflict(_("The household has already spent these points; they cannot be taken back now.")) from None
        correction.reversal_id = reversal.id
    line.transfer_id, line.posted_points = correction.transfer_id, correction.new_points
    db.session.flush()
    audit.record("notice_line.correct", line, actor=actor, unit_id=notice.unit_id, old=old, new=correction.new_points)
    return correction
