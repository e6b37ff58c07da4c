"""Sign in, sign out, change password."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..core.db import db
from ..core.errors import DomainError
from ..core.extensions import limiter
from ..core.permissions import login_required, public
from ..core.views import apply_form_error, safe_next
from . import pins, service
from .forms import ChangePasswordForm, ChangePinForm, LoginForm, PinLoginForm

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=lambda: "user:" + request.form.get("username", "")[:64])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = service.authenticate(form.username.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the audit row of the failed attempt
            form.password.errors.append(_("The user name or password is not correct."))
        else:
            login_user(user)
            db.session.commit()
            return redirect(safe_next(form.next.data))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as exc:
            getattr(form, exc.field or "new_password").errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form), 200 if not form.errors else 422


# --- residents: phone and PIN ------------------------------------------------------------------


def _pin_limit() -> str:
    return current_app.config["PIN_RATE_LIMIT"]


@bp.route("/resident/login", methods=["GET", "POST"])
@limiter.limit(_pin_limit, methods=["POST"])
@limiter.limit(
    _pin_limit, methods=["POST"], key_func=lambda: "phone:" + pins.normalize_phone(request.form.get("phone", ""))
)
@public
def pin_login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = PinLoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = pins.sign_in(form.phone.data, form.pin.data)
        except pins.PinLocked as exc:
            db.session.commit()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()  # keep the failure count and the audit row
            if user is None:
                form.pin.errors.append(_("The phone number or PIN is not correct."))
            else:
                login_user(user)
                return redirect(safe_next(form.next.data))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("auth/pin_login.html", form=form), status


@bp.route("/account/pin", methods=["GET", "POST"])
@login_required
def change_pin():
    form = ChangePinForm()
    if form.validate_on_submit():
        try:
            pins.change_pin(current_user, form.current_pin.data, form.new_pin.data)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your PIN has been changed."), "success")
            return redirect(url_for("main.index"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("auth/change_pin.html", form=form), status
