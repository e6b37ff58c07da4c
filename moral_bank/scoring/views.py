"""Scoring pages: the scorer's worklist and sheet (phone), the grid (desktop), deeds, the admin's
review queue and notice-board pages."""

import uuid
from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..core import photos
from ..core.db import db
from ..core.errors import DomainError, FieldErrors
from ..core.forms import ActionForm
from ..core.permissions import ADMINS, ANY_ROLE, STAFF, require_household, require_unit, roles_required
from ..core.time import month_of, today
from ..core.views import apply_form_error, saved
from ..households.models import Household
from ..units.models import Unit
from . import deeds, grid, notices, review, service, sheets
from .forms import (
    AssignForm,
    CorrectionForm,
    DeedForm,
    PublishForm,
    ResolveForm,
    ReviewForm,
    SettingsForm,
    sheet_form,
)
from .models import CATEGORY_LABELS, LINE_STATUS_LABELS, Deed, Notice, NoticeLine, Objection, RatingSheet

bp = Blueprint("scoring", __name__, url_prefix="/scoring")


def _month() -> str:
    return service.check_month(request.args.get("month") or month_of())


@bp.get("/units/<int:unit_id>/worklist")
@roles_required(*sheets.SCORERS)
def worklist(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *sheets.SCORERS)
    month = _month()
    rows = sheets.worklist(current_user, unit, month)
    done = sum(1 for _h, sheet in rows if sheet is not None and sheet.status != "draft")
    return render_template("scoring/worklist.html", unit=unit, month=month, rows=rows, done=done)


@bp.route("/households/<int:household_id>/sheet", methods=["GET", "POST"])
@roles_required(*sheets.SCORERS)
def sheet(household_id: int):
    household = db.get_or_404(Household, household_id)
    if not sheets.can_score(current_user, household):
        abort(403)
    month = _month()
    scoring_month = service.open_month(household.unit, month, current_user)
    items = scoring_month.rubric.items
    existing = sheets.sheet_for(household, month)
    data = {f"item_{s.item.code}": str(s.points) for s in existing.scores} if existing else {}
    form = sheet_form(items, data={**data, "note": existing.note if existing else ""})
    if form.validate_on_submit():
        raw = {i.code: form[f"item_{i.code}"].data for i in items}
        submit = request.form.get("action") == "submit"
        scores, errors = sheets.parse_scores(raw, items)
        try:
            if errors:  # report the unreadable cells and the out-of-range ones together
                bad = {name for name, _m in errors}
                more = sheets.score_errors({i.code: i for i in items}, scores, submit)
                raise FieldErrors(errors + [e for e in more if e[0] not in bad])
            photo = _photo(form.photo.data)
            sheets.save_sheet(household, month, scores, form.note.data or "", current_user, submit, photo)
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Submitted for review.") if submit else _("Draft saved."), "success")
            return redirect(url_for("scoring.worklist", unit_id=household.unit_id, month=month))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "scoring/sheet.html",
        household=household,
        month=month,
        groups=sheets.by_category(items),
        form=form,
        sheet=existing,
    ), status


def _photo(upload):
    """The uploaded photo, checked and stored; None when none was chosen."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return photos.store(upload.read(current_app.config["PHOTO_MAX_BYTES"] + 1), current_user)


@bp.get("/photos/<token>")
@roles_required(*ANY_ROLE)
def photo(token: str):
    """A sheet's or deed's photo, for someone who may see that household (never public)."""
    found = photos.by_token(token)
    owner = found and (
        db.session.scalar(select(RatingSheet).where(RatingSheet.photo_id == found.id))
        or db.session.scalar(select(Deed).where(Deed.photo_id == found.id))
    )
    if not owner:
        abort(404)
    require_household(owner.household, STAFF)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _show_errors(form, exc: DomainError) -> None:
    fields = getattr(exc, "fields", None) or {exc.field: exc.message}
    for name, message in fields.items():
        target = (form._fields.get(name) or form._fields.get("item_" + name.removeprefix("scores."))) if name else None
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


def _submit(form, action: Callable, done: Callable[[object], str]) -> None:
    """Run a button form's action: commit and flash what was done, or roll back and flash why not."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(done(result), "success")


# --- the notice board, admin side ------------------------------------------------------


@bp.route("/units/<int:unit_id>/notices", methods=["GET", "POST"])
@roles_required(*ADMINS)
def notices_page(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            notice = notices.publish(unit, form.month.data.strip(), current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Published to the notice board until %(end)s.", end=notices.ends_text(notice)), "success")
            return redirect(url_for("scoring.notice_detail", notice_id=notice.id))
    elif request.method == "GET":
        form.month.data = month_of()
    status = 422 if form.errors else 200
    return render_template(
        "scoring/notices.html",
        unit=unit,
        form=form,
        waiting=notices.waiting_to_publish(unit),
        notices=notices.notices_of(unit),
        settings=service.settings_for(unit),
    ), status


@bp.get("/notices/<int:notice_id>")
@roles_required(*ADMINS)
def notice_detail(notice_id: int):
    notice = db.get_or_404(Notice, notice_id)
    require_unit(notice.unit, *ADMINS)
    return render_template(
        "scoring/notice.html",
        notice=notice,
        lines=notices.lines_of(notice),
        objections=notices.objections_of(notice),
        blocked=notices.why_not_postable(notice),
        totals=notices.totals(notice),
        status_labels=LINE_STATUS_LABELS,
        action=ActionForm(),
        resolve_form=ResolveForm(),
        correction_form=CorrectionForm(),
    )


@bp.post("/notices/<int:notice_id>/post")
@roles_required(*ADMINS)
def post_notice(notice_id: int):
    notice = db.get_or_404(Notice, notice_id)
    require_unit(notice.unit, *ADMINS)
    _submit(
        ActionForm(),
        lambda: notices.post(notice, current_user),
        lambda count: _("%(n)s lines posted to the passbooks.", n=count),
    )
    return redirect(url_for("scoring.notice_detail", notice_id=notice_id))


@bp.post("/objections/<int:objection_id>/resolve")
@roles_required(*ADMINS)
def resolve_objection(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    require_unit(objection.notice.unit, *ADMINS)
    form = ResolveForm()
    upheld = request.form.get("decision") == "uphold"
    _submit(
        form,
        lambda: notices.resolve(objection, upheld, form.resolution.data or "", current_user),
        lambda _o: _("Objection upheld; the line went back to its scorer.") if upheld else _("Objection rejected."),
    )
    return redirect(url_for("scoring.notice_detail", notice_id=objection.notice_id) + f"#objection-{objection.id}")


# --- the desktop grid ---------------------------------------------------------------------


def _typed_cells(g: grid.Grid) -> dict[int, dict[str, str]]:
    """What was typed into the grid, for the rows shown on it (other fields are ignored)."""
    out = {}
    for household, sheet in g.rows:
        if sheet is not None and not sheet.editable:
            continue
        names = [f"c-{household.id}-{item.code}" for item in g.items]
        if any(name in request.form for name in names):
            out[household.id] = {
                item.code: request.form.get(name, "")[:20] for item, name in zip(g.items, names, strict=True)
            }
    return out


@bp.route("/units/<int:unit_id>/grid", methods=["GET", "POST"])
@roles_required(*sheets.SCORERS)
def grid_page(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *sheets.SCORERS)
    month = _month()
    g = grid.load(current_user, unit, month)
    form, errors, status = ActionForm(), {}, 200
    if form.validate_on_submit():
        typed = _typed_cells(g)
        submit = request.form.get("action") == "submit"
        try:
            count = grid.save(g, typed, current_user, submit)
        except grid.GridErrors as exc:
            db.session.rollback()
            errors, status = exc.cells, 422
            g.values.update({(h, code): text for h, cells in typed.items() for code, text in cells.items()})
            flash(exc.message, "error")
        except DomainError as exc:
            db.session.rollback()
            status = 409
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("%(n)s sheets submitted.", n=count) if submit else _("%(n)s sheets saved.", n=count), "success")
            return redirect(url_for("scoring.grid_page", unit_id=unit.id, month=month))
    return render_template(
        "scoring/grid.html",
        g=g,
        form=form,
        errors=errors,
        error_list=sorted(errors.items())[:50],
        households={h.id: h for h, _s in g.rows},
    ), status


# --- review and deeds --------------------------------------------------------------------


@bp.get("/units/<int:unit_id>/review")
@roles_required(*ADMINS)
def review_queue(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    month = _month()
    waiting_sheets, waiting_deeds = review.queue(unit, month)
    return render_template(
        "scoring/review.html",
        unit=unit,
        month=month,
        sheets=waiting_sheets,
        deeds=waiting_deeds,
        form=ReviewForm(),
        action=ActionForm(),
    )


def _decide(entry, unit_id: int, month: str):
    require_unit(db.get_or_404(Unit, unit_id), *ADMINS)
    form = ReviewForm()
    approve = request.form.get("decision") == "approve"
    _submit(
        form,
        lambda: review.review(entry, approve, form.comment.data or "", current_user),
        lambda _e: _("Approved.") if approve else _("Returned to the scorer."),
    )
    return redirect(url_for("scoring.review_queue", unit_id=unit_id, month=month))


@bp.post("/sheets/<int:sheet_id>/review")
@roles_required(*ADMINS)
def review_sheet(sheet_id: int):
    sheet = db.get_or_404(RatingSheet, sheet_id)
    return _decide(sheet, sheet.unit_id, sheet.month)


@bp.post("/deeds/<int:deed_id>/review")
@roles_required(*ADMINS)
def review_deed(deed_id: int):
    deed = db.get_or_404(Deed, deed_id)
    return _decide(deed, deed.unit_id, request.args.get("month") or month_of())


@bp.post("/units/<int:unit_id>/review/approve-all")
@roles_required(*ADMINS)
def approve_all(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    month = _month()
    if ActionForm().validate_on_submit():
        # Only what the admin saw on the page: ids listed in the form.
        sheet_ids = [int(v) for v in request.form.getlist("sheet") if v.isdigit()][:2000]
        deed_ids = [int(v) for v in request.form.getlist("deed") if v.isdigit()][:2000]
        count = review.approve_many(unit, sheet_ids, deed_ids, current_user)
        db.session.commit()
        flash(_("%(n)s approved.", n=count), "success")
    return redirect(url_for("scoring.review_queue", unit_id=unit.id, month=month))


@bp.route("/households/<int:household_id>/deeds/new", methods=["GET", "POST"])
@roles_required(*sheets.SCORERS)
def record_deed(household_id: int):
    household = db.get_or_404(Household, household_id)
    if not sheets.can_score(current_user, household):
        abort(403)
    form = DeedForm()
    categories = deeds.categories_for(household.unit)
    form.category.choices = [("", "—")] + [(c.code, _deed_choice(c)) for c in categories]
    form.member_id.choices = [("", _("The whole household"))] + [(str(m.id), m.name) for m in household.members]
    if form.validate_on_submit():
        points = (form.points.data or "").strip()
        member = form.member_id.data
        try:
            deeds.record_deed(
                household,
                form.category.data,
                int(points) if points.isascii() and points.isdigit() else points,
                form.reason.data,
                form.happened_on.data,
                int(member) if member and member.isdigit() else None,
                current_user,
                form.client_key.data or None,
                _photo(form.photo.data),
            )
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, deed_fields(exc))
        else:
            db.session.commit()
            flash(_("Deed recorded; it goes to the unit admin for review."), "success")
            return redirect(url_for("scoring.worklist", unit_id=household.unit_id))
    elif not form.is_submitted():
        form.client_key.data = uuid.uuid4().hex
        form.happened_on.data = today().isoformat()
    status = 422 if form.errors or form.form_errors else 200
    return render_template("scoring/deed.html", household=household, form=form, categories=categories), status


def _deed_choice(category) -> str:
    if category.kind == "deduction":
        return _("%(name)s (deduction, up to %(max)s)", name=category.name, max=category.max_points)
    return _("%(name)s (award, up to %(max)s)", name=category.name, max=category.max_points)


def deed_fields(exc: DomainError) -> DomainError:
    """The service names 'date'; the deed forms (and the self-report form) call it happened_on."""
    fields = getattr(exc, "fields", None)
    if fields and "date" in fields:
        fields["happened_on"] = fields.pop("date")
    elif exc.field == "date":
        exc.field = "happened_on"
    return exc


@bp.post("/notice-lines/<int:line_id>/correct")
@roles_required(*ADMINS)
def correct_line(line_id: int):
    line = db.get_or_404(NoticeLine, line_id)
    require_unit(line.notice.unit, *ADMINS)
    form = CorrectionForm()
    text = (form.points.data or "").strip()
    number = int(text) if text.lstrip("-").isdigit() and text.isascii() else text
    _submit(
        form,
        lambda: notices.correct(line, number, form.reason.data, current_user),
        lambda _c: _("Corrected: the old points were reversed and the right points posted."),
    )
    return redirect(url_for("scoring.notice_detail", notice_id=line.notice_id) + f"#line-{line.id}")


# --- unit settings and scorer assignments -----------------------------------------------


@bp.route("/units/<int:unit_id>/settings", methods=["GET", "POST"])
@roles_required(*ADMINS)
def settings_page(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    current = service.settings_for(unit)
    form = SettingsForm(
        data={
            "notice_days": str(current.notice_days),
            "name_privacy": current.name_privacy,
            "pin_threshold": str(current.pin_threshold),
            "black_list_threshold": str(current.black_list_threshold),
            "black_list_public": "on" if current.black_list_public else "off",
            "claims_per_day": str(current.claims_per_day),
            "claims_two_step": "on" if current.claims_two_step else "off",
        }
    )
    if form.validate_on_submit():
        changes = {
            name: int(text) if text.isascii() and text.isdigit() else text
            for name, text in (
                ("notice_days", form.notice_days.data.strip()),
                ("pin_threshold", form.pin_threshold.data.strip()),
                ("black_list_threshold", form.black_list_threshold.data.strip()),
                ("claims_per_day", (form.claims_per_day.data or "").strip()),
            )
        }
        if changes["claims_per_day"] == "":  # left out (an older form): unchanged
            del changes["claims_per_day"]
        changes["name_privacy"] = form.name_privacy.data
        answer = form.black_list_public.data
        changes["black_list_public"] = {"on": True, "off": False}.get(answer, answer)  # anything else: refused
        answer = form.claims_two_step.data
        if answer is not None:
            changes["claims_two_step"] = {"on": True, "off": False}.get(answer, answer)
        if saved(form, lambda: service.update_settings(unit, changes, current_user), _("Settings saved.")):
            return redirect(url_for("scoring.settings_page", unit_id=unit.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("scoring/settings.html", unit=unit, form=form), status


@bp.route("/units/<int:unit_id>/assignments", methods=["GET", "POST"])
@roles_required(*ADMINS)
def assignments_page(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    form = AssignForm()
    scorers = service.scorers_of(unit)
    form.scorer.choices = [("", "—")] + [(str(u.id), f"{u.name} ({u.username})") for u in scorers]
    form.cell.choices = [("", "—")] + [(c, c) for c in service.grid_cells(unit)]
    if form.validate_on_submit():
        scorer = next((u for u in scorers if str(u.id) == form.scorer.data), None)
        codes = request.form.getlist("household")[:5000]
        if form.cell.data:
            codes = sorted(set(codes) | set(service.codes_in_cell(unit, form.cell.data)))
        if scorer is None:
            form.scorer.errors = [*form.scorer.errors, _("Choose a scorer.")]
        elif not codes:
            form.form_errors.append(_("Tick the households, or choose a grid cell."))
        else:
            try:
                count = service.assign(unit, scorer, codes, current_user)
            except DomainError as exc:
                db.session.rollback()
                apply_form_error(form, exc)
            else:
                db.session.commit()
                flash(_("%(n)s households assigned to %(name)s.", n=count, name=scorer.name), "success")
                return redirect(url_for("scoring.assignments_page", unit_id=unit.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "scoring/assignments.html", unit=unit, form=form, rows=service.assignment_rows(unit), scorers=scorers
    ), status


# --- the rubric ---------------------------------------------------------------------------

RUBRIC_FIELDS = ("code", "category", "name", "max_points")


@bp.route("/units/<int:unit_id>/rubric", methods=["GET", "POST"])
@roles_required(*ADMINS)
def rubric_page(unit_id: int):
    """The standard in force; saving creates a new version owned by this unit (a county's, or a village's own)."""
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    rubric = service.rubric_in_force(unit)
    rows = [{f: str(getattr(i, f)) for f in RUBRIC_FIELDS} for i in rubric.items] if rubric else []
    form, cell_errors, status = ActionForm(), {}, 200
    note = ""
    if form.validate_on_submit():
        count = min(request.form.get("rows", type=int) or 0, 200)
        rows = [{f: request.form.get(f"{f}-{n}", "").strip()[:100] for f in RUBRIC_FIELDS} for n in range(count)]
        filled = [(n, row) for n, row in enumerate(rows) if any(row.values())]
        items = [
            {**row, "max_points": int(row["max_points"]) if row["max_points"].isdigit() else row["max_points"]}
            for _n, row in filled
        ]
        note = request.form.get("note", "").strip()[:200]
        try:
            saved = service.new_rubric_version(unit, items, note, current_user)
        except DomainError as exc:
            db.session.rollback()
            status = 422
            for name, message in (getattr(exc, "fields", None) or {exc.field: exc.message}).items():
                parts = (name or "").split(".")
                if len(parts) == 3 and parts[1].isdigit() and 0 < int(parts[1]) <= len(filled):
                    cell_errors[(filled[int(parts[1]) - 1][0], parts[2])] = message
                else:
                    form.form_errors.append(message)
            if cell_errors:
                form.form_errors.append(_("Some items need correcting; nothing was saved."))
        else:
            db.session.commit()
            flash(
                _("Saved as version %(n)s. Months already open keep the version they opened with.", n=saved.version),
                "success",
            )
            return redirect(url_for("scoring.rubric_page", unit_id=unit.id))
    rows += [dict.fromkeys(RUBRIC_FIELDS, "") for _i in range(3)]
    return render_template(
        "scoring/rubric.html",
        unit=unit,
        rubric=rubric,
        rows=rows,
        errors=cell_errors,
        form=form,
        note=note,
        categories=CATEGORY_LABELS,
        messages=[m for m in cell_errors.values()],
    ), status
