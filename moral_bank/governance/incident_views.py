"""The three-zero ledger's pages: an area's or a unit's incidents (filtered, counted, paged,
exported), recording and resolving one, importing a file. Rules live in governance/service.py."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import importer
from ..core.db import db
from ..core.errors import DomainError, FieldErrors, NotAllowed
from ..core.permissions import ADMINS, require_unit, roles_required
from ..core.time import today
from ..core.views import apply_form_error, download, paginate, saved
from ..units import service as units
from ..units.models import AREA_KINDS, Unit
from . import service
from .forms import FilterForm, IncidentForm, ResolveForm, kind_value, split_kind
from .models import Incident

bp = Blueprint("incidents", __name__, url_prefix="/incidents")


def _unit(unit_id: int) -> Unit:
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    return unit


def _filters() -> tuple[FilterForm, dict]:
    """The list's filters from the query string; a bad one is named on the form and left out."""
    form = FilterForm(formdata=request.args)
    form.validate()

    def good_months():
        return [("" if f.errors else f.data) for f in (form.from_month, form.to_month)]

    try:
        first, last = service.month_span(*good_months())
    except DomainError as exc:
        apply_form_error(form, exc)
        first, last = service.month_span(*good_months())  # the bound that was good still counts
    return form, {"first": first, "last": last, "kind": form.kind.data or None, "status": form.status.data or None}


def _link_args(form: FilterForm) -> dict:
    """The good filters (and the page size), for the pager's and the downloads' links."""
    args = {f.name: f.data for f in form if f.data and not f.errors}
    size = request.args.get("per_page", "")
    return args | ({"per_page": size} if size.isdigit() else {})


def _kind_and_subkind_as_one(exc: DomainError) -> FieldErrors:
    """The form has one select for the kind and its subkind: a subkind's problem is shown there."""
    fields = getattr(exc, "fields", None) or {exc.field: exc.message}
    return FieldErrors([("kind" if name == "subkind" else name, message) for name, message in fields.items()])


@bp.get("/units/<int:unit_id>")
@roles_required(*ADMINS)
def index(unit_id: int):
    unit = _unit(unit_id)
    form, filters = _filters()
    return render_template(
        "governance/incidents/index.html",
        unit=unit,
        form=form,
        args=_link_args(form),
        page=paginate(service.incidents_of(unit, **filters)),
        counts=service.tally(unit, filters["first"], filters["last"]),
        standard=service.DISPUTE_STANDARD,
    )


@bp.get("/units/<int:unit_id>/export.<fmt>")
@roles_required(*ADMINS)
def export(unit_id: int, fmt: str):
    unit = _unit(unit_id)
    _form, filters = _filters()
    return download(fmt, f"incidents-{unit.code}", service.EXPORT_COLUMNS, service.export_rows(unit, **filters))


@bp.route("/units/<int:unit_id>/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def create(unit_id: int):
    unit = _unit(unit_id)
    if unit.kind in AREA_KINDS:
        raise DomainError(_("Incidents are recorded for villages, communities, enterprises and institutions."))
    form = IncidentForm(occurred_on=today().isoformat())
    if form.validate_on_submit():
        kind, subkind = split_kind(form.kind.data)
        fields = {**form.data, "kind": kind, "subkind": subkind}
        try:
            incident = service.record(unit, fields, current_user)
        except DomainError as exc:
            apply_form_error(form, _kind_and_subkind_as_one(exc))
        else:
            db.session.commit()
            flash(_("The incident was recorded."), "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return render_template(
        "governance/incidents/new.html", unit=unit, form=form, today=today().isoformat()
    ), 422 if form.errors else 200


@bp.route("/<int:incident_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def detail(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    require_unit(incident.unit, *ADMINS)
    form = ResolveForm(resolved_on=today().isoformat())
    if form.validate_on_submit():

        def resolve():
            return service.resolve(incident, form.resolved_on.data, form.resolution.data, current_user)

        if saved(form, resolve, _("The incident is resolved.")):
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return render_template(
        "governance/incidents/detail.html",
        incident=incident,
        kind=kind_value(incident.kind, incident.subkind),
        recorded_by=service.recorded_by(incident),
        form=form,
        today=today().isoformat(),
    ), 422 if form.errors else 200


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*ADMINS)
def import_file():
    roots = units.visible_roots(current_user)
    if not roots:
        raise NotAllowed(_("You are not allowed to do this."))
    done = url_for("incidents.index", unit_id=roots[0].id)
    return importer.run(service.COLUMNS, service.validate_import, service.import_incidents, _("Import incidents"), done)
