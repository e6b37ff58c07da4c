"""Announcements (admins' list, post, edit, withdraw; the public page) and door plates (print, the
public page). Rules live in engagement/service.py and engagement/doorplate.py."""

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import photos
from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ADMINS, public, require_household, require_unit, roles_required
from ..core.views import apply_form_error, commit_or_flash
from ..households.models import Household
from ..units.models import Unit
from . import doorplate, service, speech
from .forms import AnnouncementForm
from .models import Announcement

bp = Blueprint("engagement", __name__)


def _unit(unit_id: int) -> Unit:
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    return unit


def _managed(announcement_id: int) -> Announcement:
    announcement = db.get_or_404(Announcement, announcement_id)
    require_unit(announcement.unit, *ADMINS)
    return announcement


def _image(upload):
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return photos.store(upload.read(current_app.config["PHOTO_MAX_BYTES"] + 1), current_user, field="image")


def _fields(form: AnnouncementForm) -> dict:
    return {name: getattr(form, name).data for name in ("title", "body", "audience", "pinned", "expires_on")}


# --- the admins' pages ------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/announcements", methods=["GET", "POST"])
@roles_required(*ADMINS)
def announcements(unit_id: int):
    """A unit's announcements (withdrawn and expired ones too) and the form to post one."""
    unit = _unit(unit_id)
    form = AnnouncementForm()
    if form.validate_on_submit():
        try:
            made = service.post(unit, _fields(form), current_user, photo=_image(form.image.data))
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Announcement posted."), "success")
            return redirect(url_for("engagement.announcement", announcement_id=made.id))
    status = 422 if form.errors or form.form_errors else 200
    listed = service.posted_on(unit)
    return render_template(
        "engagement/announcements.html", unit=unit, listed=listed, live=service.is_live, form=form, action=ActionForm()
    ), status


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_announcement(announcement_id: int):
    announcement = _managed(announcement_id)
    form = AnnouncementForm(data=service.as_form(announcement))
    if form.validate_on_submit():
        try:
            service.edit(
                announcement,
                _fields(form),
                current_user,
                photo=_image(form.image.data),
                remove_photo=bool(form.remove_image.data),
            )
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Announcement saved."), "success")
            return redirect(url_for("engagement.announcement", announcement_id=announcement.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("engagement/edit.html", announcement=announcement, form=form), status


@bp.post("/announcements/<int:announcement_id>/withdraw")
@roles_required(*ADMINS)
def withdraw_announcement(announcement_id: int):
    announcement = _managed(announcement_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: service.withdraw(announcement, current_user), _("Announcement withdrawn."))
    return redirect(url_for("engagement.announcements", unit_id=announcement.unit_id))


# --- what residents and the public see --------------------------------------------------------


def _visible(announcement_id: int) -> Announcement:
    """The announcement if the visitor may read it; a residents-only one asks a stranger to sign in."""
    announcement = db.get_or_404(Announcement, announcement_id)
    if service.may_see(current_user, announcement):
        return announcement
    if service.is_live(announcement) and not current_user.is_authenticated:
        from ..core.extensions import login_manager

        abort(login_manager.unauthorized())
    abort(404)


@bp.get("/announcements/<int:announcement_id>")
@public
def announcement(announcement_id: int):
    found = _visible(announcement_id)
    service.mark_read(found, current_user)
    db.session.commit()
    response = make_response(
        render_template(
            "engagement/announcement.html",
            a=found,
            live=service.is_live(found),
            may_manage=current_user.is_authenticated and service.may_manage(current_user, found),
            spoken=speech.announcement_text(found.title, found.body),
            action=ActionForm(),
        )
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/announcements/<int:announcement_id>/image")
@public
def announcement_image(announcement_id: int):
    found = _visible(announcement_id)
    if found.photo is None:
        abort(404)
    response = make_response(found.photo.data)
    response.headers["Content-Type"] = found.photo.content_type
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- door plates ------------------------------------------------------------------------------


@bp.get("/d/<token>")
@public
def plate(token: str):
    """What a phone opens from the door plate: the household's standing, never its private details."""
    try:
        household = doorplate.resolve(token)
    except DomainError as exc:
        return render_template("engagement/plate.html", refused=exc.message), exc.status
    return render_template("engagement/plate.html", shown=doorplate.standing(household))


@bp.get("/households/<int:household_id>/door-plate")
@roles_required(*ADMINS)
def door_plate(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household, ADMINS)
    plates = doorplate.plate_of(household)
    db.session.commit()  # a household from before cards gets its first one
    return render_template("engagement/plates.html", unit=household.unit, plates=plates)


@bp.get("/units/<int:unit_id>/door-plates")
@roles_required(*ADMINS)
def door_plates(unit_id: int):
    """Every household's door plate of a unit, one A6 page each."""
    unit = _unit(unit_id)
    plates = doorplate.unit_plates(unit)
    db.session.commit()
    return render_template("engagement/plates.html", unit=unit, plates=plates)
