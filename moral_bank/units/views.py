"""Managing the unit tree (county and township admins; unit admins see their own)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import importer
from ..core.db import db
from ..core.errors import DomainError
from ..core.permissions import ADMINS, require_unit, roles_required
from ..core.views import apply_form_error, download, paginate, search_arg
from . import service
from .forms import UnitEditForm, UnitForm
from .models import Unit

bp = Blueprint("units", __name__, url_prefix="/admin/units")
AREA_ADMINS = ("county_admin", "township_admin")


@bp.get("/")
@roles_required(*ADMINS)
def index():
    stmt = service.visible_units_query(current_user)
    q = search_arg()
    if q:
        stmt = stmt.where(Unit.name.contains(q) | Unit.code.contains(q))
    return render_template("units/index.html", page=paginate(stmt), q=q)


@bp.get("/<int:unit_id>")
@roles_required(*ADMINS)
def detail(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit)
    return render_template("units/detail.html", unit=unit, counts=service.subtree_counts(unit))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*AREA_ADMINS)
def create():
    form = UnitForm(parent_code=request.args.get("parent", ""))
    if form.validate_on_submit():
        try:
            parent = (
                service.require_not_none(service.by_code(form.parent_code.data), form.parent_code.data)
                if form.parent_code.data
                else None
            )
            unit = service.create_unit(form.code.data, form.name.data, form.kind.data, parent, current_user)
        except DomainError as exc:
            apply_form_error(form, exc if exc.field != "unit" else DomainError(exc.message, "parent_code"))
        else:
            db.session.commit()
            flash(_("The unit %(name)s was added.", name=unit.name), "success")
            return redirect(url_for("units.detail", unit_id=unit.id))
    return render_template("units/form.html", form=form), 422 if form.errors else 200


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit)
    form = UnitEditForm(obj=unit)
    if form.validate_on_submit():
        try:
            service.update_unit(unit, form.name.data, form.kind.data, current_user)
        except DomainError as exc:
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("units.detail", unit_id=unit.id))
    return render_template("units/form.html", form=form, unit=unit), 422 if form.errors else 200


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*AREA_ADMINS)
def import_file():
    return importer.run(
        service.COLUMNS, service.validate_import, service.import_units, _("Import units"), url_for("units.index")
    )


@bp.get("/<int:unit_id>/export.<fmt>")
@roles_required(*ADMINS)
def export(unit_id: int, fmt: str):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit)
    return download(fmt, f"units-{unit.code}", service.COLUMNS, service.export_rows(unit))
