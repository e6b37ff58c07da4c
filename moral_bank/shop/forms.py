from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..core.forms import max_length, required

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
PHOTO_INPUT = {"accept": "image/jpeg,image/png,image/webp"}


class ShopForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int, validators=[required()])
    name = StringField(_l("Shop name"), validators=[required(), max_length(100)])
    served = StringField(
        _l("Also serves (unit codes, separated by spaces or commas)"), validators=[Optional(), max_length(500)]
    )


class ServedForm(FlaskForm):
    served = StringField(
        _l("Also serves (unit codes, separated by spaces or commas)"), validators=[Optional(), max_length(500)]
    )


class ItemForm(FlaskForm):
    # Numbers are checked by shop/service (one place for the rules, the same messages as the API).
    name = StringField(_l("Item name"), validators=[required(), max_length(100)])
    price = StringField(_l("Price (points)"), validators=[required(), max_length(6)], render_kw=NUMBER)
    stock = StringField(_l("Opening stock"), validators=[Optional(), max_length(7)], render_kw=NUMBER)
    low_stock = StringField(_l("Low-stock level"), validators=[Optional(), max_length(7)], render_kw=NUMBER)
    photo = FileField(_l("Photo (optional)"), render_kw=PHOTO_INPUT)


class ItemEditForm(FlaskForm):
    name = StringField(_l("Item name"), validators=[required(), max_length(100)])
    price = StringField(_l("Price (points)"), validators=[required(), max_length(6)], render_kw=NUMBER)
    low_stock = StringField(_l("Low-stock level"), validators=[required(), max_length(7)], render_kw=NUMBER)
    active = BooleanField(_l("On sale"))
    photo = FileField(_l("New photo (optional)"), render_kw=PHOTO_INPUT)


class StockForm(FlaskForm):
    kind = RadioField(
        _l("What happened"),
        choices=[
            SelectChoice("restock", _l("Restock: goods came in")),
            SelectChoice("stocktake", _l("Stock-take: I counted the shelf")),
        ],
        default="restock",
        validators=[required()],
    )
    qty = StringField(_l("How many pieces"), validators=[required(), max_length(7)], render_kw=NUMBER)
    reason = StringField(_l("Reason (needed for a stock-take)"), validators=[Optional(), max_length(200)])


class ScanForm(FlaskForm):
    code = StringField(
        _l("Card code"),
        validators=[required(), max_length(300)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class CartForm(FlaskForm):
    """The quantities come as qty_<item id> fields, read by the view."""

    pin = PasswordField(_l("Household PIN"), validators=[Optional(), max_length(6)], render_kw=NUMBER)


class VoidForm(FlaskForm):
    reason = StringField(_l("Reason for voiding"), validators=[required(), max_length(200)])


class WishForm(FlaskForm):
    # Checked by shop/wishes.ask (the shop must serve the household; the name is not on sale there).
    shop = SelectField(_l("Shop"), choices=[], validate_choice=False)
    name = StringField(
        _l("What would you like the shop to sell?"),
        validators=[required(), max_length(100)],
        render_kw={"autocomplete": "off", "maxlength": 100},
    )
    note = StringField(
        _l("A note for the shop (optional)"),
        validators=[Optional(), max_length(200)],
        render_kw={"autocomplete": "off", "maxlength": 200},
        description=_l("e.g. a brand or size"),
    )


class WishStockedForm(FlaskForm):
    key = HiddenField(validators=[required(), max_length(100)])
    item_id = SelectField(_l("Item on sale (optional)"), choices=[], validate_choice=False)


class WishDeclineForm(FlaskForm):
    key = HiddenField(validators=[required(), max_length(100)])
    reason = StringField(
        _l("Why not (the households read this)"),
        validators=[required(), max_length(200)],
        render_kw={"maxlength": 200},
    )
