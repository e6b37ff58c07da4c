"""The shop's pages: shops and items for staff, the clerk's checkout (scan → cart → receipt), the
public catalog. Rules live in shop/service.py."""

import re

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..auth.models import User
from ..core import photos
from ..core.db import db
from ..core.errors import DomainError
from ..core.permissions import ADMINS, assignments, has_role, public, require_unit, roles_required
from ..core.views import apply_form_error, commit_or_flash
from ..households.models import Household
from ..ledger import service as ledger
from ..units.models import Unit
from . import service, wishes
from .forms import CartForm, ItemEditForm, ItemForm, ScanForm, ServedForm, ShopForm, StockForm, VoidForm
from .models import Item, Redemption, Shop

bp = Blueprint("shop", __name__)
CLERKS = service.CLERKS


def _codes(text: str | None) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", text or "") if c]


def _shop(shop_id: int) -> Shop:
    found = db.get_or_404(Shop, shop_id)
    require_unit(found.unit, *CLERKS)
    return found


def _item(found: Shop, item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None or item.shop_id != found.id:
        abort(404)
    return item


def _photo(upload):
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return photos.store(upload.read(current_app.config["PHOTO_MAX_BYTES"] + 1), current_user)


def _admin_units() -> list[Unit]:
    return sorted({a.unit for a in assignments(current_user, ADMINS)}, key=lambda u: u.path)


# --- shops and items (staff) -----------------------------------------------------------------


def _shop_form() -> ShopForm:
    form = ShopForm()
    form.unit.choices = [SelectChoice(u.id, u.name) for u in _admin_units()]
    return form


@bp.get("/shops")
@roles_required(*CLERKS)
def index():
    return render_template("shop/index.html", shops=service.shops_for(current_user), form=_shop_form())


@bp.post("/shops")
@roles_required(*ADMINS)
def create():
    form = _shop_form()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit.data)
        require_unit(unit, *ADMINS)
        try:
            created = service.create_shop(unit, form.name.data, _codes(form.served.data), current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Shop %(name)s opened.", name=created.name), "success")
            return redirect(url_for("shop.detail", shop_id=created.id))
    return render_template("shop/index.html", shops=service.shops_for(current_user), form=form), 422


@bp.route("/shops/<int:shop_id>", methods=["GET", "POST"])
@roles_required(*CLERKS)
def detail(shop_id: int):
    found = _shop(shop_id)
    form = ItemForm()
    if form.validate_on_submit():
        try:
            item = service.add_item(
                found,
                form.name.data,
                form.price.data,
                form.stock.data or 0,
                form.low_stock.data or 5,
                current_user,
                photo=_photo(form.photo.data),
            )
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s added.", name=item.name), "success")
            waiting = wishes.waiting_for(found, item.name)
            if waiting:
                flash(
                    _("%(n)s households asked for %(name)s: tell them on the wish list.", n=waiting, name=item.name),
                    "info",
                )
            return redirect(url_for("shop.detail", shop_id=found.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "shop/detail.html",
        shop=found,
        items=service.items_of(found),
        low=service.low_stock(found),
        wished=wishes.open_count(found),
        form=form,
        served_form=ServedForm(data={"served": " ".join(u.code for u in found.served)}),
        can_admin=has_role(current_user, ADMINS, found.unit),
    ), status


@bp.post("/shops/<int:shop_id>/served")
@roles_required(*ADMINS)
def served(shop_id: int):
    found = _shop(shop_id)
    require_unit(found.unit, *ADMINS)
    form = ServedForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: service.set_served(found, _codes(form.served.data), current_user), _("Saved."))
    return redirect(url_for("shop.detail", shop_id=found.id))


@bp.route("/shops/<int:shop_id>/items/<int:item_id>", methods=["GET", "POST"])
@roles_required(*CLERKS)
def item(shop_id: int, item_id: int):
    found = _shop(shop_id)
    it = _item(found, item_id)
    form = ItemEditForm(
        data={"name": it.name, "price": str(it.price), "low_stock": str(it.low_stock), "active": it.active}
    )
    if form.validate_on_submit():
        changes = {
            "name": form.name.data,
            "price": form.price.data,
            "low_stock": form.low_stock.data,
            "active": bool(form.active.data),
        }
        try:
            service.update_item(it, changes, current_user, photo=_photo(form.photo.data))
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("shop.item", shop_id=found.id, item_id=it.id))
    return _item_page(found, it, form, StockForm(), 422 if form.errors or form.form_errors else 200)


def _item_page(found: Shop, it: Item, form, stock_form, status: int):
    return render_template(
        "shop/item.html", shop=found, item=it, form=form, stock_form=stock_form, movements=service.movements(it)
    ), status


@bp.post("/shops/<int:shop_id>/items/<int:item_id>/stock")
@roles_required(*CLERKS)
def stock(shop_id: int, item_id: int):
    found = _shop(shop_id)
    it = _item(found, item_id)
    form = StockForm()
    if form.validate_on_submit():
        try:
            moved = service.move_stock(it, form.kind.data, form.qty.data, form.reason.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            if moved is None:
                flash(_("The count matches the books; nothing to change."), "success")
            else:
                flash(_("Stock of %(name)s is now %(n)s.", name=it.name, n=moved.stock_after), "success")
            return redirect(url_for("shop.item", shop_id=found.id, item_id=it.id))
    edit = ItemEditForm(
        formdata=None,
        data={"name": it.name, "price": str(it.price), "low_stock": str(it.low_stock), "active": it.active},
    )
    return _item_page(found, it, edit, form, 422)


# --- the public catalog ----------------------------------------------------------------------


@bp.get("/shops/<int:shop_id>/catalog")
@public
def catalog(shop_id: int):
    found = db.get_or_404(Shop, shop_id)
    if not found.active:
        abort(404)
    household = wishes.household_of(current_user)
    response = make_response(
        render_template(
            "shop/catalog.html",
            shop=found,
            items=service.items_of(found, True),
            wished=wishes.most_wished(found),
            may_wish=household is not None and service.serves(found, household),
            household=household,
        )
    )
    if not current_user.is_authenticated:
        response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/shops/<int:shop_id>/items/<int:item_id>/photo")
@public
def item_photo(shop_id: int, item_id: int):
    it = db.session.get(Item, item_id)
    if it is None or it.shop_id != shop_id or it.photo is None:
        abort(404)
    response = make_response(it.photo.data)
    response.headers["Content-Type"] = it.photo.content_type
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- checkout: scan → cart → receipt ---------------------------------------------------------


@bp.route("/shops/<int:shop_id>/checkout", methods=["GET", "POST"])
@roles_required(*CLERKS)
def checkout(shop_id: int):
    found = _shop(shop_id)
    form = ScanForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            cart, _household = service.open_cart(found, form.code.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
            status = exc.status
        else:
            db.session.commit()  # a phone QR is used up now
            return redirect(url_for("shop.cart", shop_id=found.id, token=service.cart_token(cart)))
    return render_template("shop/checkout.html", shop=found, form=form), status


def _quantities(items: list[Item]) -> dict[int, str]:
    """What the clerk typed for each item, as typed (kept when the page comes back with an error)."""
    return {i.id: (request.form.get(f"qty_{i.id}") or "").strip()[:4] for i in items}


def _cart_page(found: Shop, cart, household: Household, form, typed: dict[int, str], status: int = 200):
    items = service.items_of(found, active_only=True)
    return render_template(
        "shop/cart.html",
        shop=found,
        cart=cart,
        household=household,
        balance=ledger.household_account(household.id).balance,
        items=items,
        typed=typed,
        threshold=service.settings_for(household.unit).pin_threshold,
        form=form,
    ), status


@bp.route("/shops/<int:shop_id>/cart/<token>", methods=["GET", "POST"])
@roles_required(*CLERKS)
def cart(shop_id: int, token: str):
    found = _shop(shop_id)
    try:
        cart = service.cart_of(token, found)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("shop.checkout", shop_id=found.id))
    done = service.by_key(cart.key)
    if done is not None:  # a double tap or a reload after confirming: the same receipt
        return redirect(url_for("shop.receipt", redemption_id=done.id))
    household = db.get_or_404(Household, cart.household_id)
    form = CartForm()
    items = service.items_of(found, active_only=True)
    if request.method == "GET":
        return _cart_page(found, cart, household, form, {})
    typed = _quantities(items)
    if not form.validate_on_submit():
        return _cart_page(found, cart, household, form, typed, 422)
    lines, bad = [], []
    for item_id, text in typed.items():
        if not text or text == "0":
            continue
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= service.MAX_QTY:
            bad.append(item_id)
        else:
            lines.append({"item_id": item_id, "qty": int(text)})
    if bad:
        form.form_errors.append(_("The quantity is a whole number from 1 to 999."))
        return _cart_page(found, cart, household, form, typed, 422)
    try:
        redemption, _created = service.redeem(
            found, household, lines, cart.key, current_user, form.pin.data, cart.via, cart.card_id, fresh=True
        )
    except service.WrongPin as exc:
        db.session.commit()  # the wrong try counts towards the lock-out
        apply_form_error(form, exc)
        return _cart_page(found, cart, household, form, typed, 403)
    except DomainError as exc:
        db.session.rollback()
        apply_form_error(form, exc)
        return _cart_page(found, cart, household, form, typed, exc.status)
    db.session.commit()
    return redirect(url_for("shop.receipt", redemption_id=redemption.id))


def _redemption(redemption_id: int) -> Redemption:
    found = db.get_or_404(Redemption, redemption_id)
    require_unit(found.shop.unit, *CLERKS)
    return found


@bp.get("/redemptions/<int:redemption_id>")
@roles_required(*CLERKS)
def receipt(redemption_id: int):
    found = _redemption(redemption_id)
    thermal = request.args.get("layout") == "58mm"
    return render_template(
        "shop/receipt.html",
        r=found,
        thermal=thermal,
        can_void=service.can_void(found),
        form=VoidForm(),
        clerk_name=_clerk_name(found),
    )


def _clerk_name(found: Redemption) -> str:
    return db.session.scalar(select(User.display_name).where(User.id == found.clerk_id)) or ""


@bp.post("/redemptions/<int:redemption_id>/void")
@roles_required(*CLERKS)
def void(redemption_id: int):
    found = _redemption(redemption_id)
    form = VoidForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: service.void(found, form.reason.data, current_user),
            _("Voided: the points went back to the household and the goods back on the shelf."),
        )
    else:
        flash(_("Please give a reason for voiding."), "error")
    return redirect(url_for("shop.receipt", redemption_id=found.id))
