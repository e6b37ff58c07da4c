"""Users and their roles, for admins within their own subtree."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import service as auth
from ..auth.forms import ResetPasswordForm, RoleForm, UserForm, role_choices
from ..auth.models import RoleAssignment, User
from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ADMINS, grantable_roles, roles_required
from ..core.views import apply_form_error
from . import service

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _grantable() -> list[str]:
    return grantable_roles(current_user)


def _managed_user(user_id: int, take_over: bool = False) -> User:
    user = db.get_or_404(User, user_id)
    allowed = auth.can_take_over if take_over else auth.can_manage
    if not allowed(current_user, user):
        abort(403)
    return user


@bp.get("/")
@roles_required(*ADMINS)
def index():
    return render_template("admin/users.html", users=auth.visible_users(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def create():
    form = UserForm()
    form.role.choices = role_choices(_grantable())
    if form.validate_on_submit():
        try:
            user = service.create_with_role(
                form.username.data,
                form.password.data,
                form.display_name.data or "",
                form.role.data,
                form.unit_code.data,
                form.household_code.data or "",
                current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc if exc.field != "unit" else DomainError(exc.message, "unit_code"))
        else:
            db.session.commit()
            flash(_("The login %(name)s was created.", name=user.username), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form), 422 if form.errors else 200


@bp.get("/<int:user_id>")
@roles_required(*ADMINS)
def detail(user_id: int):
    user = _managed_user(user_id)
    form = RoleForm()
    form.role.choices = role_choices(_grantable())
    return _detail_page(user, form)


def _detail_page(user: User, form: RoleForm, password_form: ResetPasswordForm | None = None, status: int = 200):
    return render_template(
        "admin/user_detail.html",
        user=user,
        form=form,
        action_form=ActionForm(),
        password_form=password_form or ResetPasswordForm(),
        can_take_over=auth.can_take_over(current_user, user),
    ), status


@bp.post("/<int:user_id>/roles")
@roles_required(*ADMINS)
def add_role(user_id: int):
    user = _managed_user(user_id)
    form = RoleForm()
    form.role.choices = role_choices(_grantable())
    if form.validate_on_submit():
        try:
            service.grant(user, form.role.data, form.unit_code.data, form.household_code.data or "", current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc if exc.field != "unit" else DomainError(exc.message, "unit_code"))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return _detail_page(user, form, status=422)


@bp.post("/<int:user_id>/roles/<int:assignment_id>/delete")
@roles_required(*ADMINS)
def remove_role(user_id: int, assignment_id: int):
    user = _managed_user(user_id)
    assignment = db.get_or_404(RoleAssignment, assignment_id)
    if assignment.user_id != user.id or not ActionForm().validate_on_submit():
        abort(400)
    try:
        auth.revoke_role(assignment, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/password")
@roles_required(*ADMINS)
def reset_password(user_id: int):
    user = _managed_user(user_id, take_over=True)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            auth.reset_password(user, form.new_password.data, current_user)
        except DomainError as exc:
            apply_form_error(form, exc if exc.field != "password" else DomainError(exc.message, "new_password"))
        else:
            db.session.commit()
            flash(_("The password of %(name)s was reset.", name=user.username), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    role_form = RoleForm()
    role_form.role.choices = role_choices(_grantable())
    return _detail_page(user, role_form, form, 422)


@bp.post("/<int:user_id>/active")
@roles_required(*ADMINS)
def set_active(user_id: int):
    user = _managed_user(user_id, take_over=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        auth.set_active(user, not user.active, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            _("The login %(name)s is on again.", name=user.username)
            if user.active
            else _("The login %(name)s is switched off.", name=user.username),
            "success",
        )
    return redirect(url_for("users.detail", user_id=user.id))
