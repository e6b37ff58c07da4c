"""Domain exceptions raised by services, and the HTTP error handlers."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule was broken. `message` is translated text for the user."""

    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class FieldErrors(DomainError):
    """Several fields are wrong at once; `fields` maps each to its message."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors[0][1], field=errors[0][0])
        self.fields = dict(reversed(errors))  # the first message per field wins


def raise_field_errors(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise FieldErrors(errors)


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class InsufficientBalance(Conflict):
    pass


class AlreadyReversed(Conflict):
    pass


class IdempotencyMismatch(Conflict):
    pass


def field_messages(exc: DomainError) -> dict | None:
    fields = getattr(exc, "fields", None) or ({exc.field: exc.message} if exc.field else {})
    return {name: [message] for name, message in fields.items()} or None


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, fields: dict | None = None):
    body = {"error": {"status": status, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you sent."),
        401: _("Please sign in first."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Nothing was saved; please try again."),
    }


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = _messages().get(status, exc.description or "")
        if status == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            message = _("The form expired. Please try again.")
        if wants_json():
            return json_error(status, message)
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if wants_json():
            return json_error(exc.status, exc.message, field_messages(exc))
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(exc: Exception):
        # A number beyond what a column holds (SQLite's driver overflows, PostgreSQL refuses it) came
        # from the request: the services check the ids and numbers they know of; this is the net.
        if isinstance(exc, DataError) and "out of range" not in str(exc.orig):
            return unhandled(exc)
        from .db import db

        db.session.rollback()
        message = _("A number in the request is too large.")
        if wants_json():
            return json_error(400, message)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        app.logger.exception("unhandled error")
        from .db import db

        db.session.rollback()
        if wants_json():
            return json_error(500, _messages()[500])
        return render_template("errors/error.html", status=500, message=_messages()[500]), 500
