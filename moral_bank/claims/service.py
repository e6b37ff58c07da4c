"""Self-reports: a resident reports a deed of their household; the household's scorer and the unit
admin review it (in two steps where the unit wants that); approved, it becomes a deed through
`scoring.deeds`, so it still waits for the notice period before it reaches the passbook."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core import audit, permissions, photos
from ..core.db import db, is_id, utcnow
from ..core.errors import Conflict, DomainError, NotAllowed, raise_field_errors
from ..core.time import today
from ..households.models import Household, Member
from ..scoring import deeds, review
from ..scoring import service as scoring
from ..scoring.models import Deed, ScorerAssignment
from ..units.models import Unit
from .models import OPEN_STATUSES, Claim, ClaimPhoto

MAX_PHOTOS = 6
# A report must be fresh: a reviewer can still ask the neighbours about last month, not about last year.
OLDEST_DAYS = 30
REVIEW_ROLES = (*permissions.ADMINS, "scorer")


def household_of(user) -> Household | None:
    """The household a resident login belongs to (None for anyone else)."""
    member = getattr(user, "member", None)
    if member is None or "resident" not in user.role_names:
        return None
    return member.household


def categories(unit: Unit):
    """What a resident may report: the county's award categories (deductions are the scorer's)."""
    return [c for c in deeds.categories_for(unit) if c.kind == "award"]


def _check_fields(household: Household, fields: dict) -> tuple[list, dict]:
    errors = []
    found = {c.code: c for c in categories(household.unit)}
    category = found.get(fields.get("category"))
    if category is None:
        errors.append(("category", _("Choose what kind of good deed it was.")))
    day = deeds._parse_day(fields.get("date"))
    if day is None:
        errors.append(("date", _("The date must look like 2026-10-15.")))
    elif day > today() or day < today() - timedelta(days=OLDEST_DAYS):
        errors.append(("date", _("The date must be within the past %(n)s days, not in the future.", n=OLDEST_DAYS)))
    text = fields.get("text")
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > 500:
        errors.append(("text", _("Please say what happened (at most 500 characters).")))
    witness = fields.get("witness") or ""
    witness = witness.strip() if isinstance(witness, str) else None
    if witness is None or len(witness) > 50:
        errors.append(("witness", _("The witness's name may have at most 50 characters.")))
    member_id = fields.get("member_id")
    if member_id is not None and (
        not is_id(member_id)
        or db.session.scalar(select(Member.id).where(Member.id == member_id, Member.household_id == household.id))
        is None
    ):
        errors.append(("member_id", _("This person is not a member of the household.")))
    values = {"category": category, "day": day, "text": text, "witness": witness, "member_id": member_id}
    return errors, values


def reported_today(household: Household) -> int:
    return db.session.scalar(
        select(func.count(Claim.id)).where(Claim.household_id == household.id, Claim.reported_on == today())
    )


def report(household: Household, fields: dict, uploads: list[tuple[str, bytes]], actor) -> Claim:
    """A resident's report for their own household: category, date (ISO), text, optional member_id and
    witness; `uploads` are (file name, bytes) of up to six photos. Every bad field is named at once."""
    if household_of(actor) is None or household_of(actor).id != household.id:
        raise NotAllowed(_("Only a resident of this household may report its good deeds."))
    errors, values = _check_fields(household, fields)
    if len(uploads) > MAX_PHOTOS:
        errors.append(("photos", _("At most %(n)s photos.", n=MAX_PHOTOS)))
    raise_field_errors(errors)
    limit = scoring.settings_for(household.unit).claims_per_day
    # Every report of the day counts, withdrawn ones too: withdrawing does not open the gate again.
    if reported_today(household) >= limit:
        raise Conflict(
            _("Your household has sent %(n)s reports today, the most a day. Please try again tomorrow.", n=limit)
        )
    stored = [photos.store(raw, actor, "photos", filename=name or "") for name, raw in uploads]
    claim = Claim(
        household=household,
        unit_id=household.unit_id,
        member_id=values["member_id"],
        category=values["category"],
        happened_on=values["day"],
        text=values["text"],
        witness=values["witness"],
        reported_on=today(),
        reported_by_id=actor.id,
        photos=[ClaimPhoto(photo=p, position=n) for n, p in enumerate(stored)],
    )
    db.session.add(claim)
    db.session.flush()
    audit.record("claim.report", claim, actor=actor, unit_id=household.unit_id, category=claim.category.code)
    return claim


def withdraw(claim: Claim, actor) -> Claim:
    """The household takes its report back; only while nobody has reviewed it."""
    mine = household_of(actor)
    if mine is None or mine.id != claim.household_id:
        raise NotAllowed(_("Only a resident of this household may withdraw its report."))
    if claim.status == "withdrawn":
        return claim
    if claim.status != "pending":
        raise Conflict(_("This report has already been reviewed; it can no longer be withdrawn."))
    claim.status = "withdrawn"
    db.session.flush()
    audit.record("claim.withdraw", claim, actor=actor, unit_id=claim.unit_id)
    return claim


def _is_admin(user, claim: Claim) -> bool:
    return permissions.has_role(user, permissions.ADMINS, db.session.get(Unit, claim.unit_id))


def _scorer_of(household_id: int) -> int | None:
    return db.session.scalar(select(ScorerAssignment.scorer_id).where(ScorerAssignment.household_id == household_id))


def can_review(user, claim: Claim) -> bool:
    """The household's scorer, or an admin over its unit."""
    if _is_admin(user, claim):
        return True
    household = db.session.get(Household, claim.household_id)
    return permissions.has_role(user, ("scorer",), household.unit) and _scorer_of(claim.household_id) == user.id


def _points(claim: Claim, points) -> int:
    if points is None or points == "":
        return claim.category.max_points
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= claim.category.max_points:
        raise DomainError(_("Points: a whole number from 1 to %(max)s.", max=claim.category.max_points), field="points")
    return points


def decide(claim: Claim, approve, comment: str, actor, points=None) -> Claim:
    """Approve or reject a report. With two-step review the household's scorer approves first, then a
    unit admin; the last approval records the deed (the unit admin's approval also reviews it).
    Points default to the category's limit. A rejection needs a reason the household will read."""
    if not can_review(actor, claim):
        raise NotAllowed(_("Only the household's scorer or a unit admin may review its reports."))
    if not isinstance(approve, bool):
        raise DomainError(_("Say approve: true, or approve: false with a comment."), field="approve")
    comment = comment.strip() if isinstance(comment, str) else ""
    if not approve and not comment:
        raise DomainError(_("Please tell the household why it is not approved."), field="comment")
    if len(comment) > 500:
        raise DomainError(_("The comment may have at most 500 characters."), field="comment")
    if claim.status not in OPEN_STATUSES:
        raise Conflict(_("This report is no longer waiting for review; it is: %(status)s", status=claim.status_label))
    admin = _is_admin(actor, claim)
    two_step = scoring.settings_for(db.session.get(Unit, claim.unit_id)).claims_two_step
    if claim.status == "checked" and not admin:
        raise Conflict(_("The scorer has checked this report; it now waits for the unit admin."))
    if not approve:
        claim.status, claim.review_comment = "rejected", comment
        claim.reviewed_by_id, claim.reviewed_at = actor.id, utcnow()
        db.session.flush()
        audit.record("claim.reject", claim, actor=actor, unit_id=claim.unit_id, comment=comment)
        return claim
    value = _points(claim, points)
    if two_step and claim.status == "pending":
        if not admin:  # the scorer's step
            claim.status, claim.checked_by_id, claim.checked_at = "checked", actor.id, utcnow()
            claim.review_comment = comment
            db.session.flush()
            audit.record("claim.check", claim, actor=actor, unit_id=claim.unit_id)
            return claim
        if _scorer_of(claim.household_id) is not None:
            raise Conflict(_("Two-step review: the household's scorer checks this report first."))
    deed, _created = deeds.record_deed(
        claim.household,
        claim.category.code,
        value,
        claim.text,
        claim.happened_on.isoformat(),
        claim.member_id,
        actor,
        client_key=f"claim-{claim.id:08d}",
        photo=claim.photos[0].photo if claim.photos else None,
    )
    if admin:  # the unit admin's approval is the deed's review: it goes on to the notice board
        review.review(deed, True, "", actor)
    claim.status, claim.deed_id, claim.review_comment = "approved", deed.id, comment
    claim.reviewed_by_id, claim.reviewed_at = actor.id, utcnow()
    db.session.flush()
    audit.record("claim.approve", claim, actor=actor, unit_id=claim.unit_id, deed=deed.id, points=value)
    return claim


def of_household(household: Household) -> list[Claim]:
    return list(
        db.session.scalars(
            select(Claim)
            .where(Claim.household_id == household.id)
            .options(selectinload(Claim.category), selectinload(Claim.photos).selectinload(ClaimPhoto.photo))
            .order_by(Claim.created_at.desc(), Claim.id.desc())
            .limit(200)
        )
    )


def queue(user, unit: Unit) -> list[Claim]:
    """What waits for `user` in `unit`: an admin sees every open report, a scorer the pending ones
    of the households assigned to them."""
    stmt = (
        select(Claim)
        .where(Claim.unit_id == unit.id, Claim.status.in_(OPEN_STATUSES))
        .options(
            selectinload(Claim.household),
            selectinload(Claim.category),
            selectinload(Claim.member),
            selectinload(Claim.photos).selectinload(ClaimPhoto.photo),
        )
        .order_by(Claim.created_at, Claim.id)
    )
    if not permissions.has_role(user, permissions.ADMINS, unit):
        assigned = select(ScorerAssignment.household_id).where(ScorerAssignment.scorer_id == user.id)
        stmt = stmt.where(Claim.household_id.in_(assigned), Claim.status == "pending")
    return list(db.session.scalars(stmt.limit(500)))


def duplicates(claims: list[Claim]) -> set[int]:
    """Ids of the reports with the same household, category and date as another open or approved report,
    or as a deed: shown to the reviewer, who decides."""
    if not claims:
        return set()
    households = {c.household_id for c in claims}
    others = db.session.execute(
        select(Claim.id, Claim.household_id, Claim.category_id, Claim.happened_on).where(
            Claim.household_id.in_(households), Claim.status.in_((*OPEN_STATUSES, "approved"))
        )
    ).all()
    taken: dict[tuple[int, int, date], set] = {}
    for claim_id, household_id, category_id, day in others:
        taken.setdefault((household_id, category_id, day), set()).add(("claim", claim_id))
    for deed_id, household_id, category_id, day in db.session.execute(
        select(Deed.id, Deed.household_id, Deed.category_id, Deed.happened_on).where(
            Deed.household_id.in_(households), Deed.status != "returned"
        )
    ):
        taken.setdefault((household_id, category_id, day), set()).add(("deed", deed_id))
    flagged = set()
    for c in claims:
        same = taken.get((c.household_id, c.category_id, c.happened_on), set()) - {("claim", c.id)}
        same -= {("deed", c.deed_id)} if c.deed_id else set()
        if same:
            flagged.add(c.id)
    return flagged


def photo_owner(photo) -> Claim | None:
    return db.session.scalar(select(Claim).join(ClaimPhoto).where(ClaimPhoto.photo_id == photo.id))
