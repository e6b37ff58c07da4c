"""The unit admin's honor-roll pages: propose a period's stars, approve, remove, nominate, revoke, and
the star categories. Rules live in honors/service.py."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..cards import service as cards
from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ADMINS, public, require_unit, roles_required
from ..core.views import apply_form_error, commit_or_flash
from ..engagement import service as announcements
from ..governance import service as governance
from ..households import service as households
from ..scoring.service import settings_for
from ..shop.service import shops_of
from ..units import service as units
from ..units.models import AREA_KINDS, MORAL_BANK_KINDS, Unit
from . import areas, lists, page_cache, service
from .forms import CategoryForm, NominateForm, PeriodForm, RevokeForm
from .models import Honor, StarCategory

bp = Blueprint("honors", __name__, url_prefix="/honors")
public_bp = Blueprint("honors_public", __name__)


def _unit(unit_id: int) -> Unit:
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    return unit


def _honor(honor_id: int) -> Honor:
    honor = db.get_or_404(Honor, honor_id)
    require_unit(honor.unit, *ADMINS)
    return honor


def _period_arg() -> str:
    text = (request.args.get("period") or "").strip()[:7]
    try:
        return service.parse_period(text).text
    except DomainError:
        return service.last_period("month")


def _period_or_last(text: str) -> str:
    """The period a form named, or last month when it named none that can be read."""
    return text if service.PERIOD_RE.match(text) else service.last_period("month")


def _back(unit_id: int, period: str):
    return redirect(url_for("honors.roll", unit_id=unit_id, period=period))


@bp.get("/units/<int:unit_id>")
@roles_required(*ADMINS)
def roll(unit_id: int):
    unit = _unit(unit_id)
    period = _period_arg()
    categories = service.categories_for(unit)
    nominate = NominateForm(period=period)
    nominate.category.choices = [SelectChoice(str(c.id), c.label) for c in categories]
    honors = service.roll(unit, period, statuses=("proposed", "approved", "revoked"))
    ten, households_count = service.plaque_rate(unit)
    return render_template(
        "honors/roll.html",
        unit=unit,
        period=period,
        categories=categories,
        honors=honors,
        by_category={c.id: [h for h in honors if h.category_id == c.id] for c in categories},
        propose_form=PeriodForm(period=period),
        nominate_form=nominate,
        revoke_form=RevokeForm(),
        action=ActionForm(),
        ten_star=service.ten_star(unit),
        plaque=(ten, households_count),
    )


@bp.get("/units/<int:unit_id>/lists")
@roles_required(*ADMINS)
def lists_page(unit_id: int):
    """The red and black list (红黑榜) of a period, with full names and points."""
    unit = _unit(unit_id)
    period = _period_arg()
    return render_template(
        "honors/lists.html",
        unit=unit,
        period=period,
        red=lists.red_list(unit, period),
        black=lists.black_list(unit, period, current_user),
        settings=settings_for(unit),
    )


def _for_period(unit_id: int, act, done):
    """A button on the roll that acts on the unit's period: run `act`, say `done(result, period)`."""
    unit = _unit(unit_id)
    form = PeriodForm()
    period = (form.period.data or "").strip()
    if form.validate_on_submit():
        commit_or_flash(lambda: act(unit, period), lambda result: done(result, period))
    return _back(unit.id, _period_or_last(period))


@bp.post("/units/<int:unit_id>/propose")
@roles_required(*ADMINS)
def propose(unit_id: int):
    return _for_period(
        unit_id,
        lambda unit, period: service.propose(unit, period, current_user),
        lambda made, period: _("%(n)s stars proposed for %(period)s.", n=len(made), period=period),
    )


@bp.post("/units/<int:unit_id>/approve-all")
@roles_required(*ADMINS)
def approve_all(unit_id: int):
    return _for_period(
        unit_id,
        lambda unit, period: service.approve_all(unit, period, current_user),
        lambda done, _period: _("%(n)s stars approved; their bonus points are in the passbooks.", n=done),
    )


def _decide(honor_id: int, act, done_message: str):
    honor = _honor(honor_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: act(honor), done_message)
    return _back(honor.unit_id, honor.period)


@bp.post("/<int:honor_id>/approve")
@roles_required(*ADMINS)
def approve(honor_id: int):
    return _decide(honor_id, lambda h: service.approve(h, current_user), _("Approved: the star is on the roll."))


@bp.post("/<int:honor_id>/remove")
@roles_required(*ADMINS)
def remove(honor_id: int):
    return _decide(honor_id, lambda h: service.remove(h, current_user), _("Removed from the proposals."))


@bp.post("/<int:honor_id>/revoke")
@roles_required(*ADMINS)
def revoke(honor_id: int):
    honor = _honor(honor_id)
    form = RevokeForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: service.revoke(honor, form.reason.data, current_user),
            _("Revoked: the star is off the roll and its bonus points were taken back."),
        )
    else:
        flash(_("Please give a reason for revoking (at most 500 characters)."), "error")
    return _back(honor.unit_id, honor.period)


@bp.post("/units/<int:unit_id>/nominate")
@roles_required(*ADMINS)
def nominate(unit_id: int):
    unit = _unit(unit_id)
    form = NominateForm()
    form.category.choices = [SelectChoice(str(c.id), c.label) for c in service.categories_for(unit)]
    period = (form.period.data or "").strip()
    if form.validate_on_submit():
        category = db.session.get(StarCategory, int(form.category.data))
        household = households.by_code(unit, (form.household.data or "").strip())

        def nominate_it():
            if household is None:
                raise DomainError(_("No household of %(unit)s has this code.", unit=unit.name), field="household")
            return service.nominate(unit, category, household, period, form.reason.data, current_user)

        commit_or_flash(nominate_it, _("Nominated; approve it to put it on the roll."))
    else:
        flash(" ".join(str(m) for messages in form.errors.values() for m in messages), "error")
    return _back(unit.id, _period_or_last(period))


@bp.route("/units/<int:unit_id>/categories", methods=["GET", "POST"])
@roles_required(*ADMINS)
def categories(unit_id: int):
    unit = _unit(unit_id)
    form = CategoryForm()
    if form.validate_on_submit():
        fields = {
            "code": form.code.data.strip(),
            "name": form.name.data,
            "name_hant": form.name_hant.data or "",
            "name_en": form.name_en.data or "",
            "period": form.period.data,
            "rule": form.rule.data,
            "rubric_categories": form.rubric_categories.data or [],
            "deed_categories": [c for c in (form.deed_categories.data or "").replace(",", " ").split() if c],
        }
        for key in ("per_unit", "bonus", "min_points"):
            text = (getattr(form, key).data or "").strip()
            fields[key] = int(text) if text.isascii() and text.isdigit() else text
        try:
            made = service.add_category(unit, fields, current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s added.", name=made.name), "success")
            return redirect(url_for("honors.categories", unit_id=unit.id))
    listed = db.session.scalars(
        select(StarCategory)
        .where(StarCategory.id.in_([c.id for c in service.categories_for(unit, active_only=False)]))
        .order_by(StarCategory.position, StarCategory.id)
    ).all()
    status = 422 if form.errors or form.form_errors else 200
    return render_template("honors/categories.html", unit=unit, categories=listed, form=form), status


# --- the public roll (no login) --------------------------------------------------------------


def _public_unit(code: str) -> Unit:
    unit = units.by_code(code)
    if unit is None or unit.kind not in MORAL_BANK_KINDS:
        abort(404)
    return unit


@public_bp.get("/roll/<code>")
@public
def public_roll(code: str):
    """The unit's honor roll as the village sees it: the stars of a period (the red list), the black list
    if the unit shows it, earlier periods, the ten-star households, and links to the notice board and the shop.
    A township's or county's code leads to its area page."""
    unit = units.by_code(code)
    if unit is not None and unit.kind in AREA_KINDS:
        return _cacheable(redirect(url_for("honors_public.area_roll", code=unit.code)))
    if unit is None or unit.kind not in MORAL_BANK_KINDS:
        abort(404)
    asked = (request.args.get("period") or "").strip()[:7] or None
    body = page_cache.cached(page_cache.key("roll", unit.id, asked), lambda: _roll_body(unit, asked))
    listed = announcements.for_unit(unit)  # public ones only: this page is cached for anyone
    return _cacheable(render_template("honors/public_roll.html", unit=unit, body=body, announcements=listed))


def _roll_body(unit: Unit, asked: str | None) -> str:
    try:
        period, stars = service.public_roll(unit, asked)
    except DomainError:
        abort(404)
    black_period = period or service.last_period("month")  # the roll's period, else last month
    return render_template(
        "honors/_public_roll_body.html",
        unit=unit,
        period=period,
        stars=stars,
        periods=service.published_periods(unit),
        ten_star=service.public_ten_star(unit),
        plaque=service.plaque_rate(unit),
        shops=shops_of(unit),
        score=governance.last_month_score(unit),
        black=lists.public_black_list(unit, black_period),
        black_period=black_period,
        trail=areas.trail(unit),
    )


@public_bp.get("/roll/area/<code>")
@public
def area_roll(code: str):
    """A township's or county's honor rolls: every village and community under it with last month's
    stars, ten-star households, plaque rate and whether its roll is out. A unit's code goes to its roll."""
    unit = units.by_code(code)
    if unit is not None and unit.kind in MORAL_BANK_KINDS:
        return _cacheable(redirect(url_for("honors_public.public_roll", code=unit.code)))
    if unit is None or unit.kind not in AREA_KINDS:
        abort(404)
    return _cacheable(render_template("honors/area_roll.html", roll=areas.area_roll(unit)))


def _cacheable(page):
    """Public pages: anyone (and any proxy) may keep them five minutes."""
    response = make_response(page)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@public_bp.get("/roll/<code>/poster")
@public
def poster(code: str):
    """The roll of a period as an A4 or A3 poster for the bulletin board, with a QR code of the online
    roll. Same stars and names as the public roll; 404 with a message while nothing is published."""
    unit = _public_unit(code)
    try:
        size = service.poster_size(request.args.get("size"))
        period, stars = service.public_roll(unit, (request.args.get("period") or "").strip() or None)
    except DomainError as exc:
        return render_template("errors/error.html", status=400, message=exc.message), 400
    online = url_for("honors_public.public_roll", code=unit.code, period=period, _external=True)
    ten = service.public_ten_star(unit) if stars else []
    page = render_template(
        "honors/poster.html",
        unit=unit,
        period=period,
        size=size,
        stars=stars,
        ten_star=ten[: service.POSTER_TEN_STAR],
        more=max(len(ten) - service.POSTER_TEN_STAR, 0),
        plaque=service.plaque_rate(unit) if stars else None,
        online=online,
        qr=cards.qr_svg(online) if stars else None,
    )
    if not stars:
        return page, 404
    return page, 200, {"Cache-Control": "public, max-age=300"}
