"""Home page per role, language switch, health check."""

from flask import Blueprint, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..auth import service as auth_service
from ..core.db import db
from ..core.i18n import LOCALES
from ..core.permissions import public
from ..core.views import safe_next
from . import service

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("public/landing.html")
    return render_template("public/home.html", sections=service.home_sections(current_user))


@bp.post("/language")
@public
def set_language():
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            auth_service.set_locale(current_user, locale)
            db.session.commit()
    return redirect(safe_next(request.form.get("next", "")))


@bp.get("/healthz")
@public
def healthz():
    try:
        service.database_ok()
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
