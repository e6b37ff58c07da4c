"""Households and members of a unit."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import pins
from ..auth.forms import SetPinForm
from ..core import importer
from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ADMINS, ANY_ROLE, STAFF, require_household, require_unit, roles_required
from ..core.views import apply_form_error, download, paginate, search_arg
from ..ledger import service as ledger
from ..units.models import Unit
from . import service
from .forms import HouseholdEditForm, HouseholdForm, MemberForm
from .models import Household, Member

bp = Blueprint("households", __name__)


@bp.get("/units/<int:unit_id>/households")
@roles_required(*STAFF)
def index(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *STAFF)
    q = search_arg()
    return render_template("households/index.html", unit=unit, q=q, page=paginate(service.list_query(unit, q)))


@bp.route("/units/<int:unit_id>/households/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def create(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit)
    form = HouseholdForm()
    if form.validate_on_submit():
        try:
            household = service.create_household(
                unit,
                form.code.data,
                form.head_name.data,
                service.split_members(form.members.data),
                form.address.data or "",
                form.phone.data or "",
                form.grid_cell.data or "",
                current_user,
            )
        except DomainError as exc:
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The household of %(name)s was added.", name=household.head_name), "success")
            return redirect(url_for("households.detail", household_id=household.id))
    return render_template("households/form.html", form=form, unit=unit), 422 if form.errors else 200


@bp.get("/households/<int:household_id>")
@roles_required(*ANY_ROLE)
def detail(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household)
    account = ledger.household_account(household.id)
    return render_template(
        "households/detail.html",
        household=household,
        account=account,
        page=paginate(ledger.entries_for(account.id), 20),
        member_form=MemberForm(),
        action_form=ActionForm(),
        pin_form=SetPinForm(),
        logins={m.id: pins.login_of(m) for m in household.members},
    )


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household, ADMINS)
    form = HouseholdEditForm(obj=household)
    if form.validate_on_submit():
        try:
            service.update_household(
                household,
                form.head_name.data,
                form.address.data or "",
                form.phone.data or "",
                form.grid_cell.data or "",
                current_user,
            )
        except DomainError as exc:
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("households.detail", household_id=household.id))
    return render_template(
        "households/form.html", form=form, unit=household.unit, household=household
    ), 422 if form.errors else 200


@bp.post("/households/<int:household_id>/members")
@roles_required(*ADMINS)
def add_member(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household, ADMINS)
    form = MemberForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("The member's name is required (at most 50 characters)."))
        service.add_member(household, form.name.data, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("households.detail", household_id=household.id))


@bp.post("/households/<int:household_id>/members/<int:member_id>/delete")
@roles_required(*ADMINS)
def remove_member(household_id: int, member_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household, ADMINS)
    member = db.get_or_404(Member, member_id)
    if member.household_id != household.id or not ActionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("households.detail", household_id=household.id))
    try:
        service.remove_member(member, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("households.detail", household_id=household.id))


@bp.route("/households/import", methods=["GET", "POST"])
@roles_required(*ADMINS)
def import_file():
    return importer.run(
        service.COLUMNS,
        service.validate_import,
        service.import_households,
        _("Import households"),
        url_for("main.index"),
    )


@bp.get("/units/<int:unit_id>/households/export.<fmt>")
@roles_required(*ADMINS)
def export(unit_id: int, fmt: str):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit)
    return download(fmt, f"households-{unit.code}", service.COLUMNS, service.export_rows(unit))


# --- residents' phone and PIN --------------------------------------------------------------------


def _member_of(household_id: int, member_id: int) -> Member:
    member = db.get_or_404(Member, member_id)
    if member.household_id != household_id:
        abort(404)
    require_household(member.household, ADMINS)
    return member


@bp.post("/households/<int:household_id>/members/<int:member_id>/pin")
@roles_required(*ADMINS)
def set_pin(household_id: int, member_id: int):
    member = _member_of(household_id, member_id)
    form = SetPinForm()
    if form.validate_on_submit():
        try:
            pins.set_pin(member, form.phone.data or "", form.pin.data or "", current_user)
        except DomainError as exc:
            db.session.rollback()
            for message in (getattr(exc, "fields", None) or {exc.field: exc.message}).values():
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s can now sign in with the mobile number and PIN.", name=member.name), "success")
    return redirect(url_for("households.detail", household_id=household_id) + f"#member-{member.id}")


@bp.post("/households/<int:household_id>/members/<int:member_id>/unlock")
@roles_required(*ADMINS)
def unlock_pin(household_id: int, member_id: int):
    member = _member_of(household_id, member_id)
    if ActionForm().validate_on_submit():
        try:
            pins.unlock(member, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s's login is unlocked.", name=member.name), "success")
    return redirect(url_for("households.detail", household_id=household_id) + f"#member-{member.id}")
