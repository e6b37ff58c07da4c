from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ADMINS, ANY_ROLE, public, require_household, require_unit, roles_required
from ..households.models import Household
from ..units.models import Unit
from . import service

bp = Blueprint("cards", __name__)


@bp.get("/c/<token>")
@public
def scan(token: str):
    """What any phone camera opens: the masked name and the balance, nothing else."""
    try:
        found = service.resolve(token)
    except service.CardRefused as exc:
        return render_template("cards/scan.html", refused=exc.message), 410
    except DomainError:
        abort(404)
    return render_template("cards/scan.html", shown=service.public_view(found.household))


@bp.get("/households/<int:household_id>/card")
@roles_required(*ANY_ROLE)
def card(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household)
    current = service.current(household)
    db.session.commit()  # a household from before cards gets its first one
    url = service.scan_url(current)
    return render_template(
        "cards/card.html", household=household, card=current, qr=service.qr_svg(url, 8), form=ActionForm()
    )


@bp.post("/households/<int:household_id>/card/reissue")
@roles_required(*ADMINS)
def reissue(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household, ADMINS)
    if ActionForm().validate_on_submit():
        new = service.reissue(household, current_user)
        db.session.commit()
        flash(_("New card %(code)s issued; the old card no longer works.", code=new.short_code_display), "success")
    return redirect(url_for("cards.card", household_id=household.id))


@bp.get("/units/<int:unit_id>/cards")
@roles_required(*ADMINS)
def sheet(unit_id: int):
    """Every household's card of a unit, 8 to an A4 page, ready to print and cut."""
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    cards = [(h, c, service.qr_svg(service.scan_url(c), 3, border=2)) for h, c in service.unit_cards(unit)]
    pages = [cards[i : i + 8] for i in range(0, len(cards), 8)]
    return render_template("cards/sheet.html", unit=unit, pages=pages, count=len(cards))


@bp.get("/households/<int:household_id>/phone-qr")
@roles_required("resident")
def phone_qr(household_id: int):
    """The resident's live QR: good for 2 minutes and one use; the page renews it before it runs out."""
    household = db.get_or_404(Household, household_id)
    require_household(household, ())  # the household's own resident only
    token = service.phone_token(household)
    seconds = current_app.config["PHONE_QR_SECONDS"]
    return render_template(
        "cards/phone_qr.html",
        household=household,
        qr=service.qr_svg(url_for("cards.scan", token=token, _external=True), 8),
        seconds=seconds,
        refresh=max(seconds - 20, 5),
    )
