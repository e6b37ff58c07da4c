"""The wish list (心愿单): a household asks a shop for an item it does not sell; the shop sees the
requests grouped by item, with how many households asked, and stocks or declines a whole group at
once, which tells every household still waiting.

Requests group by the item's name normalised (Unicode NFKC, spaces collapsed, case folded), so
"酱油 " and "酱油", or "ＯＫ绷" and "ok绷", are one item. A household has one open request per shop and
item, and asks for at most WISHES_PER_DAY items a day (withdrawn ones count). Closing a group is one
guarded UPDATE of the requests still open, so a request withdrawn a moment before is not told
anything, and one withdrawn a moment after finds it already answered."""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..core import audit
from ..core.db import db, is_id, utcnow
from ..core.errors import Conflict, DomainError, NotAllowed, raise_field_errors
from ..core.time import to_local, today
from ..households.models import Household
from .models import Item, Shop, Wish
from .service import items_of, require_clerk, serves

NAME_MAX = 100
NOTE_MAX = 200
REASON_MAX = 200
WISHES_PER_DAY = 5
# A declined item cannot be asked for again at once: the shop has just said why.
DECLINED_DAYS = 30
# How long an answer stays on the household's home page once seen.
NEWS_DAYS = 14
NEWS_SHOWN = 5
CLOSED = ("stocked", "declined")


def clean(value) -> str:
    """The name as typed, trimmed, its runs of spaces made one."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def normalise(value) -> str:
    """What groups requests: the cleaned name in Unicode NFKC (full-width letters and spaces made
    plain), case folded."""
    return clean(unicodedata.normalize("NFKC", value if isinstance(value, str) else "")).casefold()


def household_of(user) -> Household | None:
    """The household a resident login belongs to (None for anyone else)."""
    member = getattr(user, "member", None)
    if member is None or "resident" not in getattr(user, "role_names", ()):
        return None
    return member.household


def _own(household: Household, actor) -> bool:
    mine = household_of(actor)
    return mine is not None and mine.id == household.id


def require_serves(shop: Shop, household: Household) -> None:
    if not shop.active or not serves(shop, household):
        raise NotAllowed(_("This shop does not serve your village."), field="shop")


def in_catalog(shop: Shop, key: str) -> Item | None:
    """The shop's item on sale under this (normalised) name, if any."""
    return next((i for i in items_of(shop, active_only=True) if normalise(i.name) == key), None)


def asked_today(household: Household) -> int:
    return db.session.scalar(
        select(func.count(Wish.id)).where(Wish.household_id == household.id, Wish.asked_on == today())
    )


def _open(shop: Shop, household: Household, key: str) -> Wish | None:
    return db.session.scalar(
        select(Wish).where(
            Wish.shop_id == shop.id, Wish.household_id == household.id, Wish.key == key, Wish.status == "open"
        )
    )


def _declined_lately(shop: Shop, household: Household, key: str) -> Wish | None:
    since = utcnow() - timedelta(days=DECLINED_DAYS)
    return db.session.scalar(
        select(Wish)
        .where(
            Wish.shop_id == shop.id,
            Wish.household_id == household.id,
            Wish.key == key,
            Wish.status == "declined",
            Wish.closed_at >= since,
        )
        .order_by(Wish.closed_at.desc())
        .limit(1)
    )


def _check(name, note) -> tuple[str, str]:
    errors = []
    name = clean(name)
    note = "" if note is None else note.strip() if isinstance(note, str) else None
    if not name or len(normalise(name)) > NAME_MAX or len(name) > NAME_MAX:
        errors.append(("name", _("Please name the item (at most %(n)s characters).", n=NAME_MAX)))
    if note is None or len(note) > NOTE_MAX:
        errors.append(("note", _("At most %(n)s characters.", n=NOTE_MAX)))
    raise_field_errors(errors)
    return name, note


def ask(shop: Shop, household: Household, name, note, actor) -> Wish:
    """A resident asks `shop` (one serving their household) for an item it does not sell."""
    if not _own(household, actor):
        raise NotAllowed(_("Only a resident of this household may add to its wish list."))
    require_serves(shop, household)
    name, note = _check(name, note)
    key = normalise(name)
    item = in_catalog(shop, key)
    if item is not None:
        if item.stock > 0:
            message = _(
                "%(shop)s already sells %(name)s, for %(n)s points.", shop=shop.name, name=item.name, n=item.price
            )
        else:
            message = _(
                "%(shop)s already sells %(name)s, for %(n)s points; it is sold out just now.",
                shop=shop.name,
                name=item.name,
                n=item.price,
            )
        raise Conflict(message, field="name")
    if _open(shop, household, key) is not None:
        raise Conflict(
            _("You have already asked %(shop)s for %(name)s; it will let you know.", shop=shop.name, name=name),
            field="name",
        )
    declined = _declined_lately(shop, household, key)
    if declined is not None:
        raise Conflict(
            _(
                "%(shop)s said on %(day)s that it will not stock %(name)s: %(reason)s",
                shop=shop.name,
                day=to_local(declined.closed_at).date().isoformat(),
                name=declined.name,
                reason=declined.reason,
            ),
            field="name",
        )
    if asked_today(household) >= WISHES_PER_DAY:
        raise Conflict(
            _(
                "Your household has asked for %(n)s items today, the most a day. Please try again tomorrow.",
                n=WISHES_PER_DAY,
            )
        )
    wish = Wish(
        shop_id=shop.id,
        household_id=household.id,
        name=name,
        key=key,
        note=note,
        asked_on=today(),
        asked_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():  # a racing double tap meets the unique index
            db.session.add(wish)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("You have already asked %(shop)s for %(name)s; it will let you know.", shop=shop.name, name=name),
            field="name",
        ) from None
    audit.record("shop.wish", wish, actor=actor, unit_id=household.unit_id, shop_id=shop.id, key=key)
    return wish


def withdraw(wish: Wish, actor) -> Wish:
    """The household takes back a request the shop has not answered yet."""
    if not _own(wish.household, actor):
        raise NotAllowed(_("Only a resident of this household may change its wish list."))
    done = db.session.execute(
        update(Wish)
        .where(Wish.id == wish.id, Wish.status == "open")
        .values(status="withdrawn", closed_at=utcnow(), closed_by_id=actor.id)
    ).rowcount
    db.session.refresh(wish)
    if not done and wish.status != "withdrawn":
        raise Conflict(_("The shop has already answered this request."))
    if done:
        audit.record("shop.wish_withdraw", wish, actor=actor, unit_id=wish.household.unit_id)
    return wish


# --- the shop's side -------------------------------------------------------------------------


@dataclass
class Group:
    """The open requests of a shop for one item."""

    key: str
    name: str  # as the first household typed it
    count: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    notes: list[str] = field(default_factory=list)
    item: Item | None = None  # the shop's item on sale under this name, if one is now


def open_groups(shop: Shop) -> list[Group]:
    """The shop's open requests by item, the most recently asked for first."""
    wishes = db.session.scalars(
        select(Wish).where(Wish.shop_id == shop.id, Wish.status == "open").order_by(Wish.created_at, Wish.id)
    ).all()
    groups: dict[str, Group] = {}
    for w in wishes:
        g = groups.setdefault(w.key, Group(w.key, w.name, first_at=w.created_at))
        g.count += 1
        g.last_at = w.created_at
        if w.note and len(g.notes) < 5:
            g.notes.append(w.note)
    catalog = {normalise(i.name): i for i in items_of(shop, active_only=True)}
    for g in groups.values():
        g.item = catalog.get(g.key)
    return sorted(groups.values(), key=lambda g: (g.last_at, g.key), reverse=True)


def open_count(shop: Shop) -> int:
    """How many different items households are waiting for."""
    return db.session.scalar(
        select(func.count(func.distinct(Wish.key))).where(Wish.shop_id == shop.id, Wish.status == "open")
    )


def waiting_for(shop: Shop, name: str) -> int:
    """How many households wait for an item of this name (a clerk adding it is reminded to tell them)."""
    return db.session.scalar(
        select(func.count(Wish.id)).where(Wish.shop_id == shop.id, Wish.key == normalise(name), Wish.status == "open")
    )


def most_wished(shop: Shop, limit: int = 5) -> list[tuple[str, int]]:
    """The items most households are waiting for (for the public catalog): (name, households)."""
    return [(g.name, g.count) for g in sorted(open_groups(shop), key=lambda g: (-g.count, g.name))[:limit]]


def _key(value) -> str:
    key = normalise(value)
    if not key or len(key) > NAME_MAX:
        raise DomainError(_("Say which item: its name as on the wish list."), field="key")
    return key


def _close(shop: Shop, key: str, values: dict, actor) -> int:
    # Locked, and read only while still open: a withdrawal committed meanwhile is skipped, and one
    # waiting for these rows then finds them answered.
    waiting = db.session.scalars(
        select(Wish)
        .where(Wish.shop_id == shop.id, Wish.key == key, Wish.status == "open")
        .order_by(Wish.id)
        .with_for_update()
    ).all()
    if not waiting:
        raise Conflict(_("Nobody is waiting for this item any more; it may have just been answered."), field="key")
    now = utcnow()
    for wish in waiting:
        for name, value in {**values, "closed_at": now, "closed_by_id": getattr(actor, "id", None)}.items():
            setattr(wish, name, value)
    db.session.flush()
    return len(waiting)


def stocked(shop: Shop, key, actor, item_id=None) -> int:
    """The shop now sells the item: every household waiting for it is told (with the item and its
    price when the shop links one of its items, or one on sale has this very name). The number told."""
    require_clerk(shop, actor)
    key = _key(key)
    item = None
    if item_id not in (None, ""):
        item = db.session.get(Item, item_id) if is_id(item_id) else None
        if item is None or item.shop_id != shop.id:
            raise DomainError(_("This shop has no such item."), field="item_id")
    else:
        item = in_catalog(shop, key)
    told = _close(shop, key, {"status": "stocked", "item": item}, actor)
    audit.record("shop.wish_stocked", shop, actor=actor, unit_id=shop.unit_id, key=key, households=told)
    return told


def declined(shop: Shop, key, reason, actor) -> int:
    """The shop will not stock the item: every household waiting for it is told why. The number told."""
    require_clerk(shop, actor)
    key = _key(key)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > REASON_MAX:
        raise DomainError(_("Please tell the households why (at most %(n)s characters).", n=REASON_MAX), field="reason")
    told = _close(shop, key, {"status": "declined", "reason": reason}, actor)
    audit.record("shop.wish_declined", shop, actor=actor, unit_id=shop.unit_id, key=key, households=told)
    return told


# --- the household's side --------------------------------------------------------------------


def of_household(household: Household) -> list[Wish]:
    """The household's requests, open ones first, then newest first."""
    return list(
        db.session.scalars(
            select(Wish)
            .where(Wish.household_id == household.id)
            .options(selectinload(Wish.shop), selectinload(Wish.item))
            .order_by((Wish.status == "open").desc(), Wish.created_at.desc(), Wish.id.desc())
            .limit(200)
        )
    )


def news_for(household: Household) -> list[Wish]:
    """The shops' answers for the household's home page: the ones not seen yet, and those seen
    answered in the last NEWS_DAYS days; newest first."""
    since = utcnow() - timedelta(days=NEWS_DAYS)
    return list(
        db.session.scalars(
            select(Wish)
            .where(
                Wish.household_id == household.id,
                Wish.status.in_(CLOSED),
                or_(Wish.seen_at.is_(None), Wish.closed_at >= since),
            )
            .options(selectinload(Wish.shop), selectinload(Wish.item))
            .order_by(Wish.seen_at.is_not(None), Wish.closed_at.desc(), Wish.id.desc())
            .limit(NEWS_SHOWN)
        )
    )


def mark_seen(household: Household, user) -> int:
    """A resident of the household has looked at its wish list: the answers are no longer new."""
    if not _own(household, user):
        return 0
    return db.session.execute(
        update(Wish)
        .where(Wish.household_id == household.id, Wish.status.in_(CLOSED), Wish.seen_at.is_(None))
        .values(seen_at=utcnow())
    ).rowcount
