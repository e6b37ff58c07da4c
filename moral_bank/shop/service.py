"""The points shop's rules: shops and whom they serve, items and their stock, checkout and void.

Stock is kept like points: an item's `stock` moves only together with a
StockMovement row, by a guarded UPDATE (`stock >= qty`), so it never goes below
zero. A checkout is one transaction: the redemption and its lines, the stock
movements, and one ledger debit household → shop. Locks are taken in one order
everywhere (items by id, then the accounts by id, inside ledger.transfer), so
concurrent checkouts and voids cannot deadlock.
"""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.security import check_password_hash

from ..auth.models import User
from ..auth.pins import MAX_FAILURES
from ..cards import service as cards
from ..core import audit, permissions
from ..core.db import db, take_write_lock, utcnow
from ..core.errors import (
    Conflict,
    DomainError,
    IdempotencyMismatch,
    InsufficientBalance,
    NotAllowed,
    raise_field_errors,
)
from ..core.time import to_local, today
from ..households.models import Household, Member
from ..ledger import service as ledger
from ..ledger.models import Account
from ..scoring.models import UnitSettings
from ..scoring.service import PIN_THRESHOLD, settings_for
from ..units import service as units
from ..units.models import Unit, UnitRef
from .models import Item, Redemption, RedemptionLine, Shop, StockMovement, shop_unit

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,120}$")
MAX_QTY = 999
MAX_PRICE = 100_000
MAX_STOCK = 1_000_000
CLERKS = (*permissions.ADMINS, "clerk")


class InsufficientStock(Conflict):
    pass


class PinNeeded(DomainError):
    """The total is above the unit's threshold: the household's PIN must be given."""

    status = 403


class WrongPin(PinNeeded):
    """A wrong PIN was counted (the caller commits, so the count survives the refusal)."""


class AlreadyVoided(Conflict):
    pass


# --- shops -----------------------------------------------------------------------------------


def _name(value, field: str = "name") -> str:
    name = (value or "").strip() if isinstance(value, str) else ""
    if not name or len(name) > 100:
        raise DomainError(_("Please give a name of at most 100 characters."), field=field)
    return name


def create_shop(unit: Unit, name: str, served_codes: list[str] | None, actor) -> Shop:
    """A shop of `unit`. It serves the unit's own subtree and every unit listed (a township shop)."""
    if not permissions.has_role(actor, permissions.ADMINS, unit):
        raise NotAllowed(_("Only an admin of this unit may open a shop for it."))
    name = _name(name)
    served = _served_units(served_codes or [], actor)
    if db.session.scalar(select(Shop.id).where(Shop.unit_id == unit.id, Shop.name == name)) is not None:
        raise DomainError(_("This unit already has a shop with this name."), field="name")
    shop = Shop(unit=unit, name=name, account=ledger.open_shop_account(unit, name), served=served)
    db.session.add(shop)
    db.session.flush()
    audit.record("shop.create", shop, actor=actor, unit_id=unit.id, served=[u.code for u in served])
    return shop


def _served_units(codes, actor) -> list[Unit]:
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise DomainError(_("Give a list of unit codes."), field="served")
    found = []
    for code in dict.fromkeys(c.strip() for c in codes if c.strip()):
        unit = units.by_code(code)
        if unit is None:
            raise DomainError(_("No unit has the code %(code)s.", code=code), field="served")
        if not permissions.has_role(actor, permissions.ADMINS, unit):
            raise NotAllowed(_("You are not an admin of %(name)s.", name=unit.name))
        found.append(unit)
    return found


def set_served(shop: Shop, served_codes: list[str], actor) -> Shop:
    shop.served = _served_units(served_codes, actor)
    db.session.flush()
    audit.record("shop.served", shop, actor=actor, unit_id=shop.unit_id, served=[u.code for u in shop.served])
    return shop


def shops_for(user) -> list[Shop]:
    """The shops a user works in or runs: those of the units their staff roles cover."""
    return list(
        db.session.scalars(
            select(Shop)
            .join(Unit, Unit.id == Shop.unit_id)
            .where(permissions.unit_filter(user, CLERKS, Unit))
            .order_by(Unit.path, Shop.name)
        )
    )


def shops_of(unit: Unit) -> list[Shop]:
    """The open shops a unit's households can use: its own and those above it, and those serving it."""
    ancestors = [int(i) for i in unit.path.strip("/").split("/") if i]
    served = select(shop_unit.c.shop_id).where(shop_unit.c.unit_id.in_(ancestors))
    return list(
        db.session.scalars(
            select(Shop)
            .where(Shop.active.is_(True), (Shop.unit_id.in_(ancestors)) | (Shop.id.in_(served)))
            .order_by(Shop.id)
        )
    )


def serves(shop: Shop, household: Household) -> bool:
    path = household.unit.path
    return path.startswith(shop.unit.path) or any(path.startswith(u.path) for u in shop.served)


class CartItem(NamedTuple):
    id: int
    shop_id: int
    name: str
    price: int
    active: bool


@dataclass(frozen=True)
class ShopRef:
    """What a checkout needs of a shop, read without the ORM (its hot path); `served` as Shop's."""

    id: int
    unit_id: int
    account_id: int
    active: bool
    unit: UnitRef
    # The cart's items read with the shop (by id, whichever shop they belong to).
    items: tuple[CartItem, ...] = ()

    @property
    def served(self) -> list[UnitRef]:
        return [UnitRef(*row) for row in db.session.execute(_SERVED_UNITS, {"shop_id": self.id})]


_UNITS = Unit.__table__
_SHOPS, _ITEMS = Shop.__table__, Item.__table__
# The shop and, on each row, one of the cart's items: one query for both.
_SHOP_REF = (
    select(_SHOPS.c.id, _SHOPS.c.unit_id, _SHOPS.c.account_id, _SHOPS.c.active, _UNITS.c.path, _UNITS.c.name)
    .add_columns(_ITEMS.c.id, _ITEMS.c.shop_id, _ITEMS.c.name, _ITEMS.c.price, _ITEMS.c.active)
    .join(_UNITS, _UNITS.c.id == _SHOPS.c.unit_id)
    .outerjoin(_ITEMS, _ITEMS.c.id.in_(bindparam("item_ids", expanding=True)))
    .where(_SHOPS.c.id == bindparam("shop_id"))
)
_SERVED_UNITS = (
    select(_UNITS.c.id, _UNITS.c.path, _UNITS.c.name)
    .join(shop_unit, shop_unit.c.unit_id == _UNITS.c.id)
    .where(shop_unit.c.shop_id == bindparam("shop_id"))
)


def _with_card(how: str):
    """_SHOP_REF with, on every row, the household a card lookup finds (columns c_*; NULL when none)."""
    found = cards.REF_QUERIES[how].subquery("card")
    return _SHOP_REF.add_columns(*(col.label("c_" + col.name) for col in found.c)).outerjoin(found, true())


_SHOP_AND_CARD = {how: _with_card(how) for how in cards.REF_QUERIES}


def shop_ref(shop_id: int, item_ids: list[int] | None = None, card: cards.Lookup | None = None):
    """The shop as a light row, with the items of `item_ids` that exist (for a checkout), and, given a
    card lookup, the row of the household it finds, in the same query: (ShopRef or None, card row)."""
    params = {"shop_id": shop_id, "item_ids": item_ids or [0]}
    if card is None or card.how is None:
        rows = db.session.execute(_SHOP_REF, params).all()
    else:
        rows = db.session.execute(_SHOP_AND_CARD[card.how], {**params, **card.params}).all()
    if not rows:
        return None, None
    s = rows[0]
    items = tuple(CartItem(*row[6:11]) for row in rows if row[6] is not None)
    found = {k[2:]: v for k, v in s._mapping.items() if isinstance(k, str) and k.startswith("c_")}
    if not any(v is not None for v in found.values()):
        found = None
    return ShopRef(s[0], s[1], s[2], s[3], UnitRef(s[1], s[4], s[5]), items), found


def require_clerk(shop: Shop, actor) -> None:
    if not permissions.has_role(actor, CLERKS, shop.unit):
        raise NotAllowed(_("Only this shop's clerks and the unit's admins may do this."))


# --- items and stock -------------------------------------------------------------------------


def _whole(value, field: str, low: int, high: int, message: str) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(message, field=field)
    return value


def _price(value) -> int:
    return _whole(value, "price", 1, MAX_PRICE, _("The price is a whole number of points from 1 to 100000."))


def _low(value) -> int:
    return _whole(value, "low_stock", 0, MAX_STOCK, _("The low-stock level is a whole number, 0 or more."))


def add_item(shop: Shop, name, price, stock=0, low_stock=5, actor=None, photo=None) -> Item:
    require_clerk(shop, actor)
    errors = []
    checked = {}
    for field, check, value in (
        ("name", _name, name),
        ("price", _price, price),
        ("low_stock", _low, low_stock),
        (
            "stock",
            lambda v: _whole(v, "stock", 0, MAX_STOCK, _("The stock is a whole number, 0 or more.")),
            stock,
        ),
    ):
        try:
            checked[field] = check(value)
        except DomainError as exc:
            errors.append((field, exc.message))
    raise_field_errors(errors)
    if db.session.scalar(select(Item.id).where(Item.shop_id == shop.id, Item.name == checked["name"])) is not None:
        raise DomainError(_("This shop already has an item with this name."), field="name")
    item = Item(shop=shop, name=checked["name"], price=checked["price"], low_stock=checked["low_stock"], stock=0)
    item.photo = photo
    db.session.add(item)
    db.session.flush()
    audit.record("shop.item_add", item, actor=actor, unit_id=shop.unit_id, price=item.price)
    if checked["stock"]:
        _move(item.id, item.name, checked["stock"], "restock", _("Opening stock"), getattr(actor, "id", None))
    return item


def update_item(item: Item, changes: dict, actor=None, photo=None) -> Item:
    """Change name, price, low_stock and/or active (the stock changes only by restock or stock-take)."""
    require_clerk(item.shop, actor)
    unknown = sorted(set(changes) - {"name", "price", "low_stock", "active"})
    errors = [(key, _("Unknown field.")) for key in unknown]
    checks = {"name": _name, "price": _price, "low_stock": _low}
    values = {}
    for key, value in changes.items():
        if key in checks:
            try:
                values[key] = checks[key](value)
            except DomainError as exc:
                errors.append((key, exc.message))
        elif key == "active":
            if not isinstance(value, bool):
                errors.append(("active", _("Give true or false.")))
            values[key] = value
    raise_field_errors(errors)
    if "name" in values and values["name"] != item.name:
        taken = select(Item.id).where(Item.shop_id == item.shop_id, Item.name == values["name"], Item.id != item.id)
        if db.session.scalar(taken) is not None:
            raise DomainError(_("This shop already has an item with this name."), field="name")
    for key, value in values.items():
        setattr(item, key, value)
    if photo is not None:
        item.photo = photo
    db.session.flush()
    audit.record("shop.item_update", item, actor=actor, unit_id=item.shop.unit_id, **values)
    return item


# The checkout's statements, built once (building a statement costs more than running it).
_TAKE = (
    _ITEMS.update()
    .where(_ITEMS.c.id == bindparam("item_id"), _ITEMS.c.stock + bindparam("delta") >= 0)
    .values(stock=_ITEMS.c.stock + bindparam("delta"))
    .returning(_ITEMS.c.stock)
)
_INSERT_MOVEMENT = StockMovement.__table__.insert()
_SETTINGS = UnitSettings.__table__
_ACCOUNTS = Account.__table__
# The cart's items with, on each row, the household's account and the unit's PIN threshold: one
# query (one round trip) for everything the checkout reads before it writes.
_CART = select(
    _ITEMS.c.id,
    _ITEMS.c.shop_id,
    _ITEMS.c.name,
    _ITEMS.c.price,
    _ITEMS.c.active,
    select(_ACCOUNTS.c.id)
    .where(_ACCOUNTS.c.household_id == bindparam("household_id"))
    .scalar_subquery()
    .label("account_id"),
    func.coalesce(
        select(_SETTINGS.c.pin_threshold).where(_SETTINGS.c.unit_id == bindparam("unit_id")).scalar_subquery(),
        PIN_THRESHOLD,
    ).label("threshold"),
).where(_ITEMS.c.id.in_(bindparam("ids", expanding=True)))
# The redemption row claims the Idempotency-Key: a second request with the key inserts nothing (on
# PostgreSQL it waits for the first to commit or roll back) and gets the first redemption instead.
_CLAIM = {
    name: dialect_insert(Redemption.__table__)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(Redemption.__table__.c.id)
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_INSERT_LINES = RedemptionLine.__table__.insert().returning(RedemptionLine.__table__.c.id, sort_by_parameter_order=True)
_FINISH_REDEMPTION = (
    Redemption.__table__.update()
    .where(Redemption.__table__.c.id == bindparam("rid"))
    .values(transfer_id=bindparam("transfer_id"), balance_after=bindparam("balance_after"))
)
_BY_KEY = select(Redemption).where(Redemption.idempotency_key == bindparam("key"))


def _move(
    item_id: int, name: str, delta: int, kind: str, reason: str, actor_id: int | None, redemption_id: int | None = None
) -> int:
    """Move an item's stock by `delta` and write its movement row (plain statements: a checkout runs
    this); refused (InsufficientStock) when the stock would go below zero. Returns the new stock."""
    conn = db.session.connection()  # the same transaction, without the ORM's per-statement work
    stock_after = conn.execute(_TAKE, {"item_id": item_id, "delta": delta}).scalar()
    if stock_after is None:
        left = db.session.scalar(select(Item.stock).where(Item.id == item_id).execution_options(populate_existing=True))
        raise InsufficientStock(
            _("Only %(left)s of %(name)s left in stock.", left=left, name=name), field=f"item_{item_id}"
        )
    conn.execute(
        _INSERT_MOVEMENT,
        {
            "item_id": item_id,
            "kind": kind,
            "delta": delta,
            "stock_after": stock_after,
            "reason": reason[:200],
            "redemption_id": redemption_id,
            "actor_id": actor_id,
            "created_at": utcnow(),
        },
    )
    _expire_stock(item_id)
    return stock_after


def _expire_stock(*item_ids: int) -> None:
    """Loaded items must not show an old stock after a plain UPDATE."""
    for item_id in item_ids:
        loaded = db.session.identity_map.get(db.session.identity_key(Item, (item_id,)))
        if loaded is not None:
            db.session.expire(loaded, ["stock"])


def move_stock(item: Item, kind: str, qty, reason: str, actor) -> StockMovement | None:
    """A restock (`qty` more) or a stock-take (`qty` is the count on the shelf; a reason is required).

    A stock-take that finds what the books say records nothing and returns None."""
    require_clerk(item.shop, actor)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    errors = []
    if kind not in ("restock", "stocktake"):
        errors.append(("kind", _("Choose a restock or a stock-take.")))
    low = 1 if kind == "restock" else 0
    try:
        qty = _whole(qty, "qty", low, MAX_STOCK, _("Give a whole number of pieces (at most 1000000)."))
    except DomainError as exc:
        errors.append(("qty", exc.message))
    if kind == "stocktake" and not reason:
        errors.append(("reason", _("Please say why the count differs (a stock-take needs a reason).")))
    if len(reason) > 200:
        errors.append(("reason", _("At most %(n)s characters.", n=200)))
    raise_field_errors(errors)
    if kind == "restock":
        delta = qty
    else:
        # Lock the row first: the difference must be taken against the stock as it is now.
        held = db.session.scalar(select(Item.stock).where(Item.id == item.id).with_for_update())
        delta = qty - held
        if delta == 0:
            return None
    _move(item.id, item.name, delta, kind, reason, getattr(actor, "id", None))
    audit.record(f"shop.{kind}", item, actor=actor, unit_id=item.shop.unit_id, delta=delta)
    return db.session.scalar(
        select(StockMovement).where(StockMovement.item_id == item.id).order_by(StockMovement.id.desc()).limit(1)
    )


def items_of(shop: Shop, active_only: bool = False) -> list[Item]:
    stmt = select(Item).where(Item.shop_id == shop.id).order_by(Item.name)
    if active_only:
        stmt = stmt.where(Item.active.is_(True))
    return list(db.session.scalars(stmt))


def low_stock(shop: Shop) -> list[Item]:
    return list(
        db.session.scalars(
            select(Item)
            .where(Item.shop_id == shop.id, Item.active.is_(True), Item.stock <= Item.low_stock)
            .order_by(Item.stock, Item.name)
        )
    )


def movements(item: Item, limit: int = 50) -> list[StockMovement]:
    return list(
        db.session.scalars(
            select(StockMovement).where(StockMovement.item_id == item.id).order_by(StockMovement.id.desc()).limit(limit)
        )
    )


# --- checkout --------------------------------------------------------------------------------


@dataclass
class Cart:
    """An open checkout: whose it is, how the card was shown, and the key that makes it redeem once."""

    shop_id: int
    household_id: int
    via: str  # card (scanned), code (typed), phone
    card_id: int | None
    key: str


def _cart_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="shop-cart")


def cart_token(cart: Cart) -> str:
    return _cart_serializer().dumps([cart.shop_id, cart.household_id, cart.via, cart.card_id, cart.key])


def cart_of(token: str, shop: Shop) -> Cart:
    try:
        shop_id, household_id, via, card_id, key = _cart_serializer().loads(
            token or "", max_age=current_app.config["CART_SECONDS"]
        )
    except SignatureExpired:
        raise DomainError(_("This checkout was left open too long; please scan the card again.")) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_("This checkout is not valid; please scan the card again.")) from None
    if shop_id != shop.id:
        raise DomainError(_("This checkout belongs to another shop; please scan the card again."))
    return Cart(shop_id, household_id, via, card_id, key)


def via_of(code: str, found: cards.Resolved) -> str:
    if found.phone_nonce is not None:
        return "phone"
    return "code" if len(cards.normalize(code)) == 8 else "card"


def _check_household(shop: Shop, household: Household) -> None:
    if not shop.active:
        raise Conflict(_("This shop is closed."))
    if not serves(shop, household):
        raise Conflict(
            _("This shop does not serve %(unit)s, where this household lives.", unit=household.unit.name),
            field="code",
        )


def open_cart(shop: Shop, code: str, actor) -> tuple[Cart, Household]:
    """Scan → an open cart. A phone QR is used up here: it opens one checkout."""
    require_clerk(shop, actor)
    found = cards.resolve(code)
    _check_household(shop, found.household)
    cards.consume(found)
    cart = Cart(
        shop.id,
        found.household.id,
        via_of(code, found),
        found.card.id if found.card else None,
        secrets.token_urlsafe(18),
    )
    audit.record("shop.scan", found.household, actor=actor, unit_id=shop.unit_id, via=cart.via)
    return cart, found.household


def parse_lines(lines) -> list[tuple[int, int]]:
    """[{item_id, qty}, …] → [(item id, qty)] merged by item, or the errors of every bad line."""
    if not isinstance(lines, list) or not lines:
        raise DomainError(_("The cart is empty: add at least one item."), field="lines")
    merged: dict[int, int] = {}
    errors = []
    for n, line in enumerate(lines):
        item_id = line.get("item_id") if isinstance(line, dict) else None
        qty = line.get("qty") if isinstance(line, dict) else None
        if isinstance(item_id, bool) or not isinstance(item_id, int):
            errors.append((f"lines.{n}.item_id", _("Give the item's id.")))
        elif isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
            errors.append((f"lines.{n}.qty", _("The quantity is a whole number from 1 to 999.")))
        else:
            merged[item_id] = merged.get(item_id, 0) + qty
    raise_field_errors(errors)
    if any(q > MAX_QTY for q in merged.values()):
        raise DomainError(_("The quantity is a whole number from 1 to 999."), field="lines")
    return sorted(merged.items())


def _digest(shop_id: int, household_id: int, lines: list[tuple[int, int]]) -> str:
    return hashlib.sha256(json.dumps([shop_id, household_id, lines]).encode()).hexdigest()


def by_key(key: str) -> Redemption | None:
    return db.session.execute(_BY_KEY, {"key": key}).scalar_one_or_none()


def _check_key(key) -> None:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise DomainError(_("The Idempotency-Key must be 8–120 letters, digits or '-_.:'."), field="idempotency_key")


def replay(shop: Shop, key, lines) -> Redemption | None:
    """The redemption made earlier under `key`, when this is a retry of it (checked before the card is
    read again: a phone QR works once, and the retry must still get its receipt)."""
    _check_key(key)
    earlier = by_key(key)
    if earlier is None:
        return None
    if earlier.shop_id != shop.id or earlier.digest != _digest(shop.id, earlier.household_id, parse_lines(lines)):
        raise IdempotencyMismatch(_("This Idempotency-Key was already used for a different checkout."))
    return earlier


def _earlier(key: str, digest: str) -> Redemption | None:
    earlier = by_key(key)
    if earlier is not None and earlier.digest != digest:
        raise IdempotencyMismatch(_("This Idempotency-Key was already used for a different checkout."))
    return earlier


def needs_pin(household: Household, total: int) -> bool:
    return total > settings_for(household.unit).pin_threshold


def _pin_logins(household: Household) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Member, Member.id == User.member_id)
            .where(Member.household_id == household.id, User.pin_hash.is_not(None), User.active.is_(True))
            .order_by(User.id)
        )
    )


def check_pin(household: Household, pin) -> None:
    """The PIN of any resident login of the household. A wrong PIN counts against every unlocked login
    of the household (five in a row lock them, as at sign-in); the caller commits before reporting it."""
    logins = _pin_logins(household)
    if not logins:
        raise PinNeeded(
            _("This household has no PIN yet; the unit admin can set one on the household's page."), field="pin"
        )
    if not isinstance(pin, str) or not pin.strip():
        raise PinNeeded(_("This amount needs the household's PIN."), field="pin")
    unlocked = [u for u in logins if u.pin_locked_at is None]
    if not unlocked:
        raise PinNeeded(_("The household's PIN is locked after too many wrong tries; ask the unit admin."), field="pin")
    for user in unlocked:
        if check_password_hash(user.pin_hash, pin.strip()):
            user.pin_failures = 0
            return
    for user in unlocked:
        user.pin_failures += 1
        if user.pin_failures >= MAX_FAILURES:
            user.pin_locked_at = utcnow()
            audit.record("auth.pin_locked", user)
    audit.record("shop.pin_failed", household, unit_id=household.unit_id)
    raise WrongPin(_("The PIN is not right."), field="pin")


def redeem(
    shop: Shop,
    household: Household,
    lines,
    key: str,
    actor,
    pin=None,
    via: str = "card",
    card_id: int | None = None,
    phone: cards.Resolved | None = None,
    fresh: bool = False,
) -> tuple[Redemption, bool]:
    """Check out `lines` for `household`, once per `key`: (the redemption, True) the first time,
    (the same redemption, False) on a replay. Refused when the balance or a stock is short, the PIN
    is missing or wrong, or the shop does not serve the household; rows may have been written by
    then, so the caller rolls back (as every request does on an error).

    `fresh=True` skips the look-up of the key before the checks: the caller has just looked (replay()
    or by_key()), or leaves a replay to the key's claim at the redemption's INSERT, which also settles
    a request racing with the same key."""
    require_clerk(shop, actor)
    _check_key(key)
    wanted = parse_lines(lines)
    digest = _digest(shop.id, household.id, wanted)
    if not fresh:
        earlier = _earlier(key, digest)
        if earlier is not None:
            return earlier, False
    _check_household(shop, household)
    # Plain rows, not ORM objects: this is the checkout's hot path.
    conn = db.session.connection()  # the same transaction, without the ORM's per-statement work
    items, account_id, threshold = _cart(conn, shop, household, wanted)
    errors = []
    line_of = {}  # an item's first line in the request (wanted is merged and sorted by item)
    for n, line in enumerate(lines):
        line_of.setdefault(line["item_id"], n)
    for item_id, _qty in wanted:
        item = items.get(item_id)
        if item is None:
            errors.append(
                (f"lines.{line_of[item_id]}.item_id", _("This shop has no item with the id %(id)s.", id=item_id))
            )
        elif not item.active:
            errors.append((f"item_{item_id}", _("%(name)s is no longer sold.", name=item.name)))
    raise_field_errors(errors)
    total = sum(items[i].price * q for i, q in wanted)
    take_write_lock()
    if total > threshold:
        check_pin(db.session.get(Household, household.id), pin)  # the ORM household (a HouseholdRef here from the API)
    actor_id = getattr(actor, "id", None)
    fields = {
        "shop_id": shop.id,
        "household_id": household.id,
        "clerk_id": actor_id,
        "idempotency_key": key,
        "digest": digest,
        "total": total,
        "via": via,
        "card_id": card_id,
        "created_at": utcnow(),
        "void_reason": "",
    }
    memo = "、".join(f"{items[i].name}×{q}" for i, q in wanted)
    if conn.dialect.name == "postgresql":
        return _redeem_pg(conn, fields, items, wanted, account_id, shop, household, memo, phone)
    claim = _CLAIM[conn.dialect.name]
    redemption_id = conn.execute(claim, {**fields, "balance_after": 0}).scalar()
    if redemption_id is None:  # a double tap or a retry, at this moment or earlier: that one stands
        earlier = _earlier(key, digest)
        if earlier is None:
            raise Conflict(_("This checkout is being confirmed at this moment; look at the receipts."))
        return earlier, False
    if phone is not None:
        cards.consume(phone)
    lines_out = [
        {"redemption_id": redemption_id, "item_id": i, "name": items[i].name, "qty": q, "price": items[i].price}
        for i, q in wanted
    ]
    line_ids = conn.scalars(_INSERT_LINES, lines_out).all()
    # The accounts first (inside ledger.post), then the items by id: the lock order of every writer.
    # The rows every checkout of the shop touches (its account, its items) are locked last, so
    # checkouts wait for each other the shortest time. A refusal below leaves rows written: the
    # caller rolls back (one commit per request, at the edge).
    try:
        transfer_id, balance_after = ledger.post(
            account_id,
            shop.account_id,
            total,
            "redemption",
            f"redemption:{redemption_id}",
            ("redemption", redemption_id),
            memo,
            actor_id,
        )
    except InsufficientBalance:
        raise _short(ledger.current_balance(account_id), total) from None
    conn.execute(_FINISH_REDEMPTION, {"rid": redemption_id, "transfer_id": transfer_id, "balance_after": balance_after})
    ledger.expire_balances(account_id, shop.account_id)
    redemption = _as_loaded(
        Redemption(
            id=redemption_id,
            **fields,
            transfer_id=transfer_id,
            balance_after=balance_after,
            voided_at=None,
            voided_by_id=None,
        ),
        [RedemptionLine(id=line_id, **line) for line_id, line in zip(line_ids, lines_out, strict=True)],
    )
    audit.record(
        "shop.redeem",
        redemption,
        actor=actor,
        unit_id=household.unit_id,
        shop_id=shop.id,
        total=total,
        household_id=household.id,
    )
    for item_id, qty in wanted:
        _move(item_id, items[item_id].name, -qty, "redemption", "", actor_id, redemption_id)
    return redemption, True


def _cart(conn, shop, household, wanted) -> tuple[dict, int, int]:
    """The cart's items of this shop by id, the household's account and the PIN threshold: already
    read with the refs of an API checkout (ShopRef, cards.HouseholdRef), else one query."""
    ids = [i for i, _q in wanted]
    if isinstance(shop, ShopRef) and isinstance(household, cards.HouseholdRef):
        items = {item.id: item for item in shop.items if item.shop_id == shop.id and item.id in ids}
        threshold = PIN_THRESHOLD if household.pin_threshold is None else household.pin_threshold
        return items, household.account_id, threshold
    rows = conn.execute(_CART, {"ids": ids, "household_id": household.id, "unit_id": household.unit_id}).all()
    items = {row.id: row for row in rows if row.shop_id == shop.id}
    return items, (rows[0].account_id if rows else None), (rows[0].threshold if rows else PIN_THRESHOLD)


def _redeem_pg(conn, fields, items, wanted, account_id, shop, household, memo, phone) -> tuple[Redemption, bool]:
    """redeem()'s writes on PostgreSQL: one statement (checkout_pg.CHECKOUT) that writes all or nothing,
    a phone QR's use included; then the same answers as the portable path."""
    from .checkout_pg import CHECKOUT

    total = fields["total"]
    row = conn.execute(
        CHECKOUT,
        {
            "from_id": account_id,
            "to_id": shop.account_id,
            "n": total,
            "shop_id": shop.id,
            "household_id": household.id,
            "unit_id": household.unit_id,
            "actor_id": fields["clerk_id"],
            "key": fields["idempotency_key"],
            "digest": fields["digest"],
            "via": fields["via"],
            "card_id": fields["card_id"],
            "now": fields["created_at"],
            "memo": memo[:500],
            "ip": (request.remote_addr or "") if has_request_context() else "cli",
            "nonce": phone.phone_nonce if phone is not None else None,
            "item_ids": [i for i, _q in wanted],
            "names": [items[i].name for i, _q in wanted],
            "qtys": [q for _i, q in wanted],
            "prices": [items[i].price for i, _q in wanted],
        },
    ).one()
    if row.redemption_id is None:  # nothing was written: a replay, or a refusal
        earlier = _earlier(fields["idempotency_key"], fields["digest"])
        if earlier is not None:
            return earlier, False
        if row.balance_before < total:
            raise _short(row.balance_before, total)
        for item_id in row.short_items or ():
            left = conn.execute(select(Item.stock).where(Item.id == item_id)).scalar()
            raise InsufficientStock(
                _("Only %(left)s of %(name)s left in stock.", left=left, name=items[item_id].name),
                field=f"item_{item_id}",
            )
        if row.covered and phone is not None:
            raise cards.CardRefused(_("This phone code has been used already."), field="code")
        raise Conflict(_("This checkout is being confirmed at this moment; look at the receipts."))
    ledger.expire_balances(account_id, shop.account_id)
    _expire_stock(*(i for i, _q in wanted))
    lines = [
        RedemptionLine(
            id=line_id, redemption_id=row.redemption_id, item_id=i, name=items[i].name, qty=q, price=items[i].price
        )
        for line_id, (i, q) in zip(row.line_ids, wanted, strict=True)
    ]
    redemption = Redemption(
        id=row.redemption_id,
        **fields,
        transfer_id=row.transfer_id,
        balance_after=row.balance_before - total,
        voided_at=None,
        voided_by_id=None,
    )
    return _as_loaded(redemption, lines), True


def _as_loaded(redemption: Redemption, lines: list[RedemptionLine]) -> Redemption:
    """The redemption just written with plain statements, put in the session as if it had been read
    back (no SELECT): the caller gets the usual object, lines and relationships included."""
    redemption.lines = lines
    for obj in (redemption, *lines):
        make_transient_to_detached(obj)
    db.session.add(redemption)
    return redemption


def _short(balance: int, total: int) -> InsufficientBalance:
    return InsufficientBalance(
        _("Not enough points: the balance is %(balance)s, %(points)s needed.", balance=balance, points=total),
        field="total",
    )


def can_void(redemption: Redemption) -> bool:
    return redemption.voided_at is None and to_local(redemption.created_at).date() == today()


def void(redemption: Redemption, reason: str, actor) -> Redemption:
    """Undo a checkout on the day it was made: the points go back (a reversal) and the goods back on
    the shelf. Never twice."""
    require_clerk(redemption.shop, actor)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise DomainError(_("Please give a reason for voiding."), field="reason")
    if len(reason) > 200:
        raise DomainError(_("At most %(n)s characters.", n=200), field="reason")
    # Lock the redemption: a second void waits here, then finds it voided.
    db.session.execute(select(Redemption.id).where(Redemption.id == redemption.id).with_for_update()).scalar_one()
    db.session.refresh(redemption, ["voided_at"])
    if redemption.voided_at is not None:
        raise AlreadyVoided(_("This redemption has already been voided."))
    if to_local(redemption.created_at).date() != today():
        raise Conflict(_("A redemption can be voided only on the day it was made."))
    with db.session.begin_nested():
        # The accounts, then the items: the lock order of the checkout.
        ledger.reverse(redemption.transfer, actor, reason, kind="void")
        for line in sorted(redemption.lines, key=lambda line: line.item_id):
            _move(line.item_id, line.name, line.qty, "void", reason, getattr(actor, "id", None), redemption.id)
        redemption.voided_at = utcnow()
        redemption.voided_by_id = getattr(actor, "id", None)
        redemption.void_reason = reason
        db.session.flush()
    audit.record("shop.void", redemption, actor=actor, unit_id=redemption.household.unit_id, reason=reason)
    return redemption
