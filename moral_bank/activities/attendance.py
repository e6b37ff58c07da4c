"""At the event and after it: the rotating check-in QR (a signed token of the activity and its 30-second
window), checking households in (the QR scanned by a resident, or the organizer scanning a card or
using the list), and closing the activity, which records a deed per attending household through
`scoring.deeds`, so the points still go review → notice → post."""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from ..cards import service as cards
from ..core import audit
from ..core.db import db, utcnow
from ..core.errors import Conflict, DomainError, NotAllowed
from ..core.time import to_local
from ..households.models import Household
from ..scoring import deeds, review
from ..units.models import Unit
from .models import Activity, Signup
from .service import household_of, in_reach, may_manage, require_reach, signup_of, signups, take_place

WINDOW_SECONDS = 30  # the check-in QR changes this often; the previous one is still accepted
CHECK_IN_EARLY = timedelta(hours=1)

# --- the rotating check-in QR -----------------------------------------------------------------


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="activity-check-in")


def window(at: datetime | None = None) -> int:
    return int((at or utcnow()).timestamp()) // WINDOW_SECONDS


def seconds_left(at: datetime | None = None) -> int:
    """Seconds until the QR shown now is replaced."""
    return WINDOW_SECONDS - int((at or utcnow()).timestamp()) % WINDOW_SECONDS


def checkin_token(activity: Activity, at: datetime | None = None) -> str:
    return _signer().dumps([activity.id, window(at)])


def checkin_url(activity: Activity, at: datetime | None = None) -> str:
    return url_for("activities.check_in", activity_id=activity.id, t=checkin_token(activity, at), _external=True)


def checkin_svg(activity: Activity) -> bytes:
    """The QR of this window's check-in URL as an SVG file (for an <img>: it needs the xmlns)."""
    out = io.BytesIO()
    segno.make(checkin_url(activity), error="m", boost_error=False).save(
        out, kind="svg", scale=8, border=4, omitsize=True, xmldecl=False
    )
    return out.getvalue()


def read_token(activity: Activity, token, at: datetime | None = None) -> None:
    """Accept a check-in token of this activity from the current or the previous 30-second window."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise DomainError(_("Scan the check-in code on the organizer's phone."), field="token")
    try:
        activity_id, shown = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise Conflict(_("This is not one of our check-in codes."), field="token") from None
    if not isinstance(activity_id, int) or not isinstance(shown, int):
        raise Conflict(_("This is not one of our check-in codes."), field="token")
    if activity_id != activity.id:
        raise Conflict(_("This check-in code is for another activity."), field="token")
    if window(at) - shown not in (0, 1):
        raise Conflict(
            _("This check-in code has expired. Scan the code on the organizer's phone again."), field="token"
        )


# --- check-in ---------------------------------------------------------------------------------


def checkin_open(activity: Activity) -> bool:
    return activity.status == "open" and utcnow() >= activity.starts_at - CHECK_IN_EARLY


def _require_checkin_open(activity: Activity) -> None:
    if activity.status != "open":
        raise Conflict(_("This activity is closed."))
    if not checkin_open(activity):
        raise Conflict(_("Check-in opens an hour before the start."))


def _mark_attended(signup: Signup, actor, method: str) -> bool:
    """A guarded UPDATE, so two check-ins at once count once. True when this one checked the household in."""
    done = db.session.execute(
        update(Signup)
        .where(Signup.id == signup.id, Signup.status == "signed_up")
        .values(status="attended", checked_in_at=utcnow(), checked_in_by_id=actor.id, check_in_method=method)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(signup)
    return done == 1


def check_in(activity: Activity, household: Household, actor, method: str) -> tuple[Signup, bool]:
    """Check a household in. Returns (sign-up, checked in now); a second check-in changes nothing.
    The organizer (card, list) may check in a walk-in while places remain; a resident needs a sign-up."""
    _require_checkin_open(activity)
    organizer = method in ("card", "list")
    if organizer and not may_manage(actor, activity):
        raise NotAllowed(_("Only the activity's organizer may check others in."))
    signup = signup_of(activity, household)
    if signup is None:
        if not organizer:
            raise Conflict(_("Your household has not signed up for this activity. Please see the organizer."))
        require_reach(activity, household)
        signup, _created = take_place(activity, household, actor, "", walk_in=True)
    if signup.status == "attended":
        return signup, False
    done = _mark_attended(signup, actor, method)
    if done:
        audit.record("activity.check_in", signup, actor=actor, unit_id=household.unit_id, method=method)
    return signup, done


def check_in_by_token(activity: Activity, token, actor) -> tuple[Signup, bool]:
    """A resident's check-in with the QR on the organizer's phone."""
    household = household_of(actor)
    if household is None:
        raise NotAllowed(_("Sign in as a resident to check in."))
    read_token(activity, token)
    return check_in(activity, household, actor, "qr")


def household_by_text(activity: Activity, text) -> Household:
    """What the organizer scanned or typed: a household code of a unit in reach, or a member card
    (its QR, a phone QR, or the 8-character code under it)."""
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > 300:
        raise DomainError(_("Scan the card, or type the 8-character code under the QR."), field="code")
    if len(text) <= 32:
        found = [
            h
            for h in db.session.scalars(
                select(Household).join(Unit, Unit.id == Household.unit_id).where(Household.code == text)
            )
            if in_reach(activity, h.unit)
        ]
        if len(found) == 1:
            return found[0]
    return cards.resolve(text).household


# --- closing ----------------------------------------------------------------------------------


@dataclass
class Closed:
    activity: Activity
    attended: list[Signup]
    no_show: list[Signup]
    deeds_created: int


def _attended_ids(value) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise DomainError(_("List the households that came by their ids."), field="attended")
    return value


def close(activity: Activity, actor, attended=None) -> Closed:
    """Confirm attendance: one deed per attending household (the activity's category and points, dated
    the day it started), reviewed by the organizer like a unit admin's approval of a self-report, so it
    waits only for the notice board; everyone else signed up is marked as not come. `attended` lists
    household ids (default: those checked in). Closing again creates nothing."""
    if not may_manage(actor, activity):
        raise NotAllowed(_("Only the activity's organizer may close it."))
    wanted = _attended_ids(attended)
    if activity.status == "closed":
        return _summary(activity, 0)
    if utcnow() < activity.starts_at:
        raise Conflict(_("An activity can be closed only after it has started."))
    listed = signups(activity)
    by_household = {s.household_id: s for s in listed}
    if wanted is not None and any(h not in by_household for h in wanted):
        raise DomainError(
            _("Only households signed up or checked in can be confirmed; check the others in first."),
            field="attended",
        )
    # Claim the close (a second closer waits on the row lock, then finds it closed).
    claimed = db.session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.status == "open")
        .values(status="closed", closed_at=utcnow(), closed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(activity)
    if claimed != 1:
        return _summary(activity, 0)
    came = set(wanted) if wanted is not None else {s.household_id for s in listed if s.status == "attended"}
    created = 0
    day = to_local(activity.starts_at).date().isoformat()
    reason = _("Volunteer activity: %(title)s", title=activity.title)
    for signup in listed:
        if signup.household_id not in came:
            signup.status = "no_show"
            continue
        if signup.status != "attended":
            signup.status, signup.check_in_method = "attended", "close"
            signup.checked_in_at, signup.checked_in_by_id = utcnow(), actor.id
        deed, made = deeds.record_deed(
            signup.household,
            activity.category.code,
            activity.points,
            reason,
            day,
            actor=actor,
            client_key=f"activity-{activity.id:06d}-{signup.household_id}",
        )
        if made:
            review.review(deed, True, "", actor)  # the organizer's confirmation is the deed's review
            created += 1
        signup.deed_id = deed.id
    db.session.flush()
    audit.record("activity.close", activity, actor=actor, unit_id=activity.unit_id, attended=len(came), deeds=created)
    return _summary(activity, created)


def _summary(activity: Activity, created: int) -> Closed:
    listed = signups(activity)
    return Closed(
        activity,
        [s for s in listed if s.status == "attended"],
        [s for s in listed if s.status == "no_show"],
        created,
    )
