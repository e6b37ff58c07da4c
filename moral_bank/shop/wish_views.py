"""The wish list's pages: a household's list and its form (phone), the shop's requests by item.
Rules live in shop/wishes.py."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ANY_ROLE, require_household, require_unit, roles_required
from ..core.views import apply_form_error, commit_or_flash
from ..households.models import Household
from . import service, wishes
from .forms import WishDeclineForm, WishForm, WishStockedForm
from .models import Shop, Wish

bp = Blueprint("wishes", __name__)


def _number(text: str | None):
    """A form's id as a number; anything else is passed on as it came, and refused by the service."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else (text or None)


def _own_household(household_id: int) -> Household:
    household = db.get_or_404(Household, household_id)
    mine = wishes.household_of(current_user)
    if mine is None or mine.id != household.id:
        abort(403)
    return household


def _wish_form(household: Household) -> WishForm:
    form = WishForm()
    form.shop.choices = [SelectChoice(str(s.id), s.name) for s in service.shops_of(household.unit)]
    return form


def _page(household: Household, form: WishForm, status: int = 200):
    listed = wishes.of_household(household)
    own = wishes.household_of(current_user) is not None and wishes.household_of(current_user).id == household.id
    new = {w.id for w in listed if w.status in wishes.CLOSED and w.seen_at is None}
    page = render_template(
        "shop/wishes.html",
        household=household,
        wishes=listed,
        new=new if own else set(),
        own=own,
        form=form,
        action=ActionForm(),
        per_day=wishes.WISHES_PER_DAY,
    )
    if own and status == 200 and wishes.mark_seen(household, current_user):
        db.session.commit()  # the answers shown now are no longer new on the home page
    return page, status


@bp.get("/households/<int:household_id>/wishes")
@roles_required(*ANY_ROLE)
def household_wishes(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household)
    form = _wish_form(household)
    form.shop.data = request.args.get("shop") or form.shop.data
    return _page(household, form)


@bp.post("/households/<int:household_id>/wishes")
@roles_required("resident")
def ask(household_id: int):
    household = _own_household(household_id)
    form = _wish_form(household)
    if form.validate_on_submit():
        chosen = _number(form.shop.data)
        found = db.session.get(Shop, chosen) if isinstance(chosen, int) else None
        try:
            if found is None:
                raise DomainError(_("Choose a shop."), field="shop")
            wish = wishes.ask(found, household, form.name.data, form.note.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(
                _("%(name)s is on your wish list; %(shop)s will let you know.", name=wish.name, shop=found.name),
                "success",
            )
            return redirect(url_for("wishes.household_wishes", household_id=household.id))
    return _page(household, form, 422)


@bp.post("/wishes/<int:wish_id>/withdraw")
@roles_required("resident")
def withdraw(wish_id: int):
    wish = db.get_or_404(Wish, wish_id)
    _own_household(wish.household_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: wishes.withdraw(wish, current_user), _("Taken off your wish list."))
    return redirect(url_for("wishes.household_wishes", household_id=wish.household_id))


# --- the shop's side -------------------------------------------------------------------------


def _shop(shop_id: int) -> Shop:
    found = db.get_or_404(Shop, shop_id)
    require_unit(found.unit, *service.CLERKS)
    return found


@bp.get("/shops/<int:shop_id>/wishes")
@roles_required(*service.CLERKS)
def shop_wishes(shop_id: int):
    found = _shop(shop_id)
    return render_template(
        "shop/shop_wishes.html",
        shop=found,
        groups=wishes.open_groups(found),
        items=service.items_of(found, active_only=True),
        action=ActionForm(),
    )


def _flash_errors(form) -> None:
    for name, messages in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        text = " ".join(str(m) for m in messages)
        flash(f"{label.text}: {text}" if label and label.text and name != "key" else text, "error")


@bp.post("/shops/<int:shop_id>/wishes/stocked")
@roles_required(*service.CLERKS)
def stocked(shop_id: int):
    found = _shop(shop_id)
    form = WishStockedForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: wishes.stocked(found, form.key.data, current_user, _number(form.item_id.data)),
            lambda n: _("Marked as stocked; %(n)s households were told.", n=n),
        )
    else:
        _flash_errors(form)
    return redirect(url_for("wishes.shop_wishes", shop_id=found.id))


@bp.post("/shops/<int:shop_id>/wishes/declined")
@roles_required(*service.CLERKS)
def declined(shop_id: int):
    found = _shop(shop_id)
    form = WishDeclineForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: wishes.declined(found, form.key.data, form.reason.data, current_user),
            lambda n: _("Declined; %(n)s households were told why.", n=n),
        )
    else:
        _flash_errors(form)
    return redirect(url_for("wishes.shop_wishes", shop_id=found.id))
