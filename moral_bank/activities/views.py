"""Volunteer activity pages: the organizer's list and form, the attendance sheet (card and list check-in,
closing), the rotating check-in QR; the resident's sign-up, one-tap check-in and scanner; the public list.
Rules live in activities/service.py and activities/attendance.py."""

import re

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ADMINS, ANY_ROLE, public, require_unit, roles_required
from ..core.views import apply_form_error, commit_or_flash, saved
from ..units import service as units
from ..units.models import AREA_KINDS, Unit
from . import attendance, service
from .forms import ActivityForm, AddHouseholdForm, CardCheckInForm, CheckInForm, ScanForm, SignupForm
from .models import Activity

bp = Blueprint("activities", __name__)


def _managed(activity_id: int) -> Activity:
    activity = db.get_or_404(Activity, activity_id)
    if not service.may_manage(current_user, activity):
        abort(403)
    return activity


def _seen(activity_id: int) -> Activity:
    activity = db.get_or_404(Activity, activity_id)
    if not service.may_see(current_user, activity):
        abort(403)
    return activity


def _own_household():
    household = service.household_of(current_user)
    if household is None:
        abort(403)
    return household


# --- the organizer's pages --------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/activities", methods=["GET", "POST"])
@roles_required(*ADMINS)
def manage(unit_id: int):
    """A unit's activities and the form to post one."""
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    form = ActivityForm()
    form.category.choices = [("", "—")] + [(c.code, c.name) for c in service.award_categories(unit)]
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in service.FIELDS}
        made = []
        if saved(form, lambda: made.append(service.post(unit, fields, current_user)), _("Activity posted.")):
            return redirect(url_for("activities.attendance_page", activity_id=made[0].id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "activities/manage.html",
        unit=unit,
        form=form,
        area=unit.kind in AREA_KINDS,
        activities=service.posted_on(unit),
    ), status


@bp.get("/activities/<int:activity_id>/attendance")
@roles_required(*ADMINS)
def attendance_page(activity_id: int):
    activity = _managed(activity_id)
    return _attendance(activity, AddHouseholdForm(), CardCheckInForm())


def _attendance(activity: Activity, add_form, card_form, status: int = 200):
    return render_template(
        "activities/attendance.html",
        activity=activity,
        signups=service.signups(activity),
        checkin_open=attendance.checkin_open(activity),
        add_form=add_form,
        card_form=card_form,
        action=ActionForm(),
    ), status


@bp.post("/activities/<int:activity_id>/households")
@roles_required(*ADMINS)
def add_household(activity_id: int):
    """The organizer signs a household up (by its code or card), e.g. for a resident without a phone."""
    activity = _managed(activity_id)
    form = AddHouseholdForm()
    if form.validate_on_submit():

        def add():
            household = attendance.household_by_text(activity, form.household.data)
            return service.sign_up(activity, household, current_user, form.member_name.data or "")

        if saved(form, add, _("Signed up.")):
            return redirect(url_for("activities.attendance_page", activity_id=activity.id))
    return _attendance(activity, form, CardCheckInForm(formdata=None), 422)


@bp.post("/activities/<int:activity_id>/check-ins")
@roles_required(*ADMINS)
def organizer_check_in(activity_id: int):
    """Check a household in: a button on the list (household_id) or a scanned or typed card code."""
    activity = _managed(activity_id)
    form = CardCheckInForm()
    if form.validate_on_submit():
        by_list = (form.household_id.data or "").strip()

        def check():
            if by_list:
                household = next(
                    (s.household for s in service.signups(activity) if str(s.household_id) == by_list), None
                )
                if household is None:
                    raise DomainError(_("This household has not signed up for this activity."), field="code")
                return attendance.check_in(activity, household, current_user, "list")
            household = attendance.household_by_text(activity, form.code.data)
            return attendance.check_in(activity, household, current_user, "card")

        try:
            signup, now = check()
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            name = signup.household.head_name
            flash(
                _("%(name)s checked in.", name=name) if now else _("%(name)s was checked in already.", name=name),
                "success",
            )
            return redirect(url_for("activities.attendance_page", activity_id=activity.id))
    return _attendance(activity, AddHouseholdForm(formdata=None), form, 422)


@bp.get("/activities/<int:activity_id>/qr")
@roles_required(*ADMINS)
def qr_page(activity_id: int):
    """The organizer's phone at the event: a check-in QR that changes every 30 seconds."""
    activity = _managed(activity_id)
    return render_template(
        "activities/qr.html",
        activity=activity,
        checkin_open=attendance.checkin_open(activity),
        every=attendance.WINDOW_SECONDS,
        first=attendance.seconds_left(),
        checked_in=service.attended_count(activity),
    )


@bp.get("/activities/<int:activity_id>/qr.svg")
@roles_required(*ADMINS)
def qr_svg_image(activity_id: int):
    activity = _managed(activity_id)
    if not attendance.checkin_open(activity):
        abort(404)
    response = make_response(attendance.checkin_svg(activity))
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/activities/<int:activity_id>/close")
@roles_required(*ADMINS)
def close(activity_id: int):
    """Confirm who came (the ticked households): a deed for each, the others recorded as not come."""
    activity = _managed(activity_id)
    if ActionForm().validate_on_submit():
        raw = request.form.getlist("attended")
        ids = [int(v) if v.isascii() and v.isdigit() else v for v in raw]
        commit_or_flash(
            lambda: attendance.close(activity, current_user, ids),
            lambda c: _(
                "Closed: %(came)s came, %(missed)s did not. Their deeds wait for the notice board.",
                came=len(c.attended),
                missed=len(c.no_show),
            ),
        )
    return redirect(url_for("activities.attendance_page", activity_id=activity.id))


# --- what residents see -----------------------------------------------------------------------


@bp.get("/activities/<int:activity_id>")
@roles_required(*ANY_ROLE)
def detail(activity_id: int):
    activity = _seen(activity_id)
    household = service.household_of(current_user)
    mine = service.signup_of(activity, household) if household else None
    return render_template(
        "activities/detail.html",
        activity=activity,
        household=household if household and service.in_reach(activity, household.unit) else None,
        mine=mine,
        may_manage=service.may_manage(current_user, activity),
        deadline_passed=service.deadline_passed(activity),
        form=SignupForm(),
        action=ActionForm(),
    )


@bp.post("/activities/<int:activity_id>/sign-up")
@roles_required("resident")
def sign_up(activity_id: int):
    activity = _seen(activity_id)
    household = _own_household()
    form = SignupForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: service.sign_up(activity, household, current_user, form.member_name.data or ""),
            _("You are signed up. Please come on time."),
        )
    else:
        for messages in form.errors.values():
            flash(" ".join(str(m) for m in messages), "error")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.post("/activities/<int:activity_id>/cancel")
@roles_required("resident")
def cancel(activity_id: int):
    activity = _seen(activity_id)
    household = _own_household()
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: service.cancel(activity, household, current_user), _("Sign-up cancelled."))
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/check-in", methods=["GET", "POST"])
@roles_required("resident")
def check_in(activity_id: int):
    """What the QR on the organizer's phone opens: one tap checks the resident's household in."""
    activity = _seen(activity_id)
    household = _own_household()
    form = CheckInForm()
    token = form.t.data if form.is_submitted() else request.args.get("t", "")
    if form.validate_on_submit():
        try:
            _signup, now = attendance.check_in_by_token(activity, token, current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(
                _("You are checked in. Thank you for volunteering!") if now else _("You were checked in already."),
                "success",
            )
            return redirect(url_for("activities.detail", activity_id=activity.id))
    form.t.data = token
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "activities/check_in.html",
        activity=activity,
        household=household,
        mine=service.signup_of(activity, household),
        form=form,
    ), status


# A check-in QR's URL: /activities/<id>/check-in?t=<token> (any host: the phone reads what the organizer shows).
CHECK_IN_URL = re.compile(r"/activities/(\d{1,9})/check-in\?t=([A-Za-z0-9_.\-]{1,200})$")


@bp.get("/activities/scan")
@roles_required("resident")
def scan():
    """The in-app scanner: it reads the organizer's QR and opens its check-in page."""
    form = ScanForm(request.args)
    text = (form.code.data or "").strip()
    if text:
        found = CHECK_IN_URL.search(text)
        if found:
            return redirect(url_for("activities.check_in", activity_id=int(found[1]), t=found[2]))
        form.code.errors = [_("This is not an activity's check-in code.")]
    return render_template("activities/scan.html", form=form), 422 if text else 200


# --- the public list --------------------------------------------------------------------------


@bp.get("/volunteer/<code>")
@public
def public_list(code: str):
    """A unit's coming volunteer activities (with places left) and the recent ones, for anyone."""
    unit = units.by_code(code)
    if unit is None:
        abort(404)
    coming, recent = service.public_list(unit)
    return render_template("activities/public_list.html", unit=unit, coming=coming, recent=recent)
