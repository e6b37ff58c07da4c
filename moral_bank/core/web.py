"""Request plumbing: sign-in loading, security headers, template helpers."""

from flask import Flask, abort, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from .db import MAX_ID
from .errors import json_error, register_error_handlers, wants_json
from .extensions import login_manager
from .i18n import LOCALES, html_lang
from .permissions import ADMINS, has_role

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _has_nul(data) -> bool:
    if data is None:
        return False
    if isinstance(data, str):
        return "\x00" in data
    if hasattr(data, "lists"):  # a MultiDict of form fields or query arguments
        return any(_has_nul(k) or any(_has_nul(v) for v in vs) for k, vs in data.lists())
    if isinstance(data, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_nul(v) for v in data)
    return False


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: at most MAX_ID, so a longer number is a plain 404 rather than an
    overflow in the database driver (SQLite refuses integers beyond 64 bits)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId  # before any blueprint adds its routes
    from ..auth import service as auth_service
    from ..auth.models import ROLE_LABELS
    from ..units.models import KIND_LABELS

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # The API authenticates by bearer token only: a browser's cookie must not
        # work there, since the API takes no CSRF token.
        if wants_json():
            return None
        return auth_service.get_active_user(user_id)

    @login_manager.request_loader
    def load_user_from_token(req):
        header = req.headers.get("Authorization", "")
        if wants_json() and header.startswith("Bearer "):
            return auth_service.user_for_token(header[7:].strip())
        return None

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return json_error(401, _("Please sign in first."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # is_anonymous, not is_authenticated: that one reads `active`, which a commit has expired,
        # and would load the user again just to answer this.
        if not current_user.is_anonymous:
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.context_processor
    def template_helpers():
        locale = str(get_locale())
        return {
            "is_admin": has_role(current_user, ADMINS),
            "is_shop_staff": has_role(current_user, (*ADMINS, "clerk")),
            "role_labels": ROLE_LABELS,
            "kind_labels": KIND_LABELS,
            "locales": LOCALES,
            "current_locale": locale,
            "html_lang": html_lang(locale),
        }

    @app.before_request
    def permanent_session():
        # Not for the API (bearer tokens, no cookie): marking its empty session would sign and send
        # a cookie with every answer. Setting it every time would re-sign the cookie each response.
        if not session.permanent and not wants_json():
            session.permanent = True

    @app.before_request
    def refuse_nul_characters():
        # No person types a NUL character, and PostgreSQL cannot store one: refuse it
        # up front with a clear 400 rather than fail deep inside a query.
        if _has_nul(request.args) or _has_nul(request.view_args):
            abort(400)
        if request.method == "GET":
            return
        if request.is_json:  # the raw body: a NUL is a byte or JSON's escape of it (no walk of the parsed body)
            body = request.get_data(cache=True)
            if b"\x00" in body or b"\\u0000" in body:
                abort(400)
        elif _has_nul(request.form):
            abort(400)

    register_error_handlers(app)
