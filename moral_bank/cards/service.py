"""Member cards. The QR holds a URL with a signed token of (household id, card version); the short
code printed under it finds the same card by hand. Reissuing makes every older version stop at once."""

import secrets
from dataclasses import dataclass

import segno
from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from stdnum import luhn

from ..core import audit
from ..core.db import db, utcnow
from ..core.errors import Conflict, DomainError
from ..households.models import Household, mask_name
from ..ledger import service as ledger
from ..ledger.models import Account
from ..scoring.models import UnitSettings
from ..units.models import Unit, UnitRef
from .models import Card, PhoneQrUse

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


class CardRefused(Conflict):
    """A card that cannot be used; the message says why (replaced, unknown, expired, used)."""


def new_short_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _i in range(7))
    return body + luhn.calc_check_digit(body, ALPHABET)


def normalize(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if not ch.isspace() and ch != "-")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="card")


def token_of(card: Card) -> str:
    return _serializer().dumps([card.household_id, card.version])


def issue_missing(household_ids: list[int], actor=None) -> int:
    """Version 1 cards for households that have none (new households, imports). Returns how many."""
    have = set(db.session.scalars(select(Card.household_id).where(Card.household_id.in_(household_ids))))
    rows = [
        {"household_id": h, "version": 1, "short_code": new_short_code(), "issued_by_id": getattr(actor, "id", None)}
        for h in household_ids
        if h not in have
    ]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(Card), rows[start : start + 1000])
    return len(rows)


def current(household: Household) -> Card:
    card = db.session.scalar(
        select(Card).where(Card.household_id == household.id, Card.revoked_at.is_(None)).order_by(Card.version.desc())
    )
    if card is None:
        issue_missing([household.id])
        return current(household)
    return card


def reissue(household: Household, actor=None) -> Card:
    """A new card version; the old card stops working everywhere at once."""
    old = current(household)
    old.revoked_at = utcnow()
    card = Card(
        household_id=household.id,
        version=old.version + 1,
        short_code=new_short_code(),
        issued_by_id=getattr(actor, "id", None),
    )
    db.session.add(card)
    db.session.flush()
    audit.record("card.reissue", card, actor=actor, unit_id=household.unit_id, version=card.version)
    return card


@dataclass
class Resolved:
    household: Household
    card: Card | None
    phone_nonce: str | None = None  # set for a phone QR, which the shop consumes once


# --- the resident's live phone QR -----------------------------------------------------------

PHONE_PREFIX = "p."


def _phone_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="phone-qr")


def phone_token(household: Household) -> str:
    """A QR for the resident's phone: good for PHONE_QR_SECONDS (2 minutes) and for one use."""
    return PHONE_PREFIX + _phone_serializer().dumps([household.id, secrets.token_hex(8)])


def _phone_household_id(token: str) -> tuple[int, str]:
    """A phone QR's (household id, nonce), refused when expired, forged or used."""
    try:
        household_id, nonce = _phone_serializer().loads(token, max_age=current_app.config["PHONE_QR_SECONDS"])
    except SignatureExpired:
        raise CardRefused(
            _("This phone code has expired; ask the resident to show the new one."), field="code"
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise CardRefused(_("This is not one of our cards."), field="code") from None
    if db.session.scalar(select(PhoneQrUse.id).where(PhoneQrUse.nonce == nonce)) is not None:
        raise CardRefused(_("This phone code has been used already."), field="code")
    return household_id, nonce


def _resolve_phone(token: str) -> Resolved:
    household_id, nonce = _phone_household_id(token)
    household = db.session.get(Household, household_id)
    if household is None:
        raise CardRefused(_("This is not one of our cards."), field="code")
    return Resolved(household, None, nonce)


def consume(found: Resolved) -> None:
    """Use up a phone QR (the shop calls this in the checkout's transaction). A second use is refused."""
    if found.phone_nonce is None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(PhoneQrUse(nonce=found.phone_nonce, household_id=found.household.id))
            db.session.flush()
    except IntegrityError:
        raise CardRefused(_("This phone code has been used already."), field="code") from None


_WITH_HOUSEHOLD = joinedload(Card.household).joinedload(Household.unit)
# Built once: every checkout runs one of them (building a statement costs more than running it).
_BY_SHORT_CODE = select(Card).where(Card.short_code == bindparam("short")).options(_WITH_HOUSEHOLD)
_BY_VERSION = (
    select(Card)
    .where(Card.household_id == bindparam("household_id"), Card.version == bindparam("version"))
    .options(_WITH_HOUSEHOLD)
)
_HOUSEHOLDS, _UNITS, _CARDS = Household.__table__, Unit.__table__, Card.__table__
_ACCOUNTS, _SETTINGS = Account.__table__, UnitSettings.__table__
_REF_COLUMNS = (
    _HOUSEHOLDS.c.id.label("household_id"),
    _HOUSEHOLDS.c.unit_id,
    _UNITS.c.path.label("unit_path"),
    _UNITS.c.name.label("unit_name"),
    select(_ACCOUNTS.c.id).where(_ACCOUNTS.c.household_id == _HOUSEHOLDS.c.id).scalar_subquery().label("account_id"),
    select(_SETTINGS.c.pin_threshold)
    .where(_SETTINGS.c.unit_id == _HOUSEHOLDS.c.unit_id)
    .scalar_subquery()
    .label("pin_threshold"),
)
_REF_BY_HOUSEHOLD = (
    select(*_REF_COLUMNS)
    .join(_UNITS, _UNITS.c.id == _HOUSEHOLDS.c.unit_id)
    .where(_HOUSEHOLDS.c.id == bindparam("household_id"))
)
_REF_CARD = (
    select(_CARDS.c.id.label("card_id"), _CARDS.c.revoked_at, *_REF_COLUMNS)
    .join(_HOUSEHOLDS, _HOUSEHOLDS.c.id == _CARDS.c.household_id)
    .join(_UNITS, _UNITS.c.id == _HOUSEHOLDS.c.unit_id)
)
_REF_BY_SHORT_CODE = _REF_CARD.where(_CARDS.c.short_code == bindparam("short"))
_REF_BY_VERSION = _REF_CARD.where(
    _CARDS.c.household_id == bindparam("household_id"), _CARDS.c.version == bindparam("version")
)
REF_QUERIES = {"phone": _REF_BY_HOUSEHOLD, "short": _REF_BY_SHORT_CODE, "signed": _REF_BY_VERSION}


def _parse(code: str) -> tuple[str, object]:
    """A scanned token (or the URL holding it) or a typed short code → ("phone", token), ("short",
    code) or ("signed", (household id, version)); refused when it cannot be one of our cards."""
    text = (code or "").strip()
    if not text or len(text) > 300:
        raise DomainError(_("Scan the card, or type the 8-character code under the QR."), field="code")
    if "/c/" in text:
        text = text.rsplit("/c/", 1)[1].split("?")[0]
    if text.startswith(PHONE_PREFIX):
        return "phone", text[len(PHONE_PREFIX) :]
    short = normalize(text)
    if len(short) == 8:
        if not set(short) <= set(ALPHABET) or not luhn.is_valid(short, ALPHABET):
            raise CardRefused(_("This code is not right; please check it against the card."), field="code")
        return "short", short
    try:
        household_id, version = _serializer().loads(text)
    except (BadSignature, ValueError, TypeError):
        raise CardRefused(_("This is not one of our cards."), field="code") from None
    return "signed", (household_id, version)


def _unknown(how: str) -> CardRefused:
    if how == "short":
        return CardRefused(_("No card has this code."), field="code")
    return CardRefused(_("This is not one of our cards."), field="code")


def _revoked() -> CardRefused:
    return CardRefused(_("This card has been replaced by a newer one and no longer works."), field="code")


def resolve(code: str) -> Resolved:
    """A scanned token (or the URL holding it) or a typed short code → the household, if the card is valid."""
    how, value = _parse(code)
    if how == "phone":
        return _resolve_phone(value)
    if how == "short":
        card = db.session.scalar(_BY_SHORT_CODE, {"short": value})
    else:
        card = db.session.scalar(_BY_VERSION, {"household_id": value[0], "version": value[1]})
    if card is None:
        raise _unknown(how)
    if card.revoked_at is not None:
        raise _revoked()
    return Resolved(card.household, card)


@dataclass(frozen=True)
class HouseholdRef:
    """What a checkout needs of a household, read without the ORM (its hot path): with its ledger
    account and its unit's PIN threshold setting (None: the default), read in the same query."""

    id: int
    unit_id: int
    unit: UnitRef
    account_id: int
    pin_threshold: int | None


@dataclass(frozen=True)
class CardRef:
    id: int


@dataclass(frozen=True)
class Lookup:
    """A scanned code parsed for a checkout: which query finds its household (`how`, `params`), or
    the refusal to give (raised by ref_from_row, after the caller's own checks)."""

    how: str | None
    params: dict
    nonce: str | None = None
    refusal: DomainError | None = None


def lookup(code: str) -> Lookup:
    try:
        how, value = _parse(code)
        if how == "phone":
            household_id, nonce = _phone_household_id(value)
            return Lookup("phone", {"household_id": household_id}, nonce)
    except DomainError as exc:
        return Lookup(None, {}, refusal=exc)
    if how == "short":
        return Lookup("short", {"short": value})
    return Lookup("signed", {"household_id": value[0], "version": value[1]})


def ref_from_row(found: Lookup, row) -> Resolved:
    """The light household (HouseholdRef, CardRef) of a looked-up code's row (a mapping of the REF_QUERIES
    columns, or None when nothing matched); raises the code's refusal."""
    if found.refusal is not None:
        raise found.refusal
    if row is None:
        raise _unknown(found.how)
    if found.how != "phone" and row["revoked_at"] is not None:
        raise _revoked()
    household = HouseholdRef(
        row["household_id"],
        row["unit_id"],
        UnitRef(row["unit_id"], row["unit_path"], row["unit_name"]),
        row["account_id"],
        row["pin_threshold"],
    )
    return Resolved(household, None if found.how == "phone" else CardRef(row["card_id"]), found.nonce)


def public_view(household: Household) -> dict:
    """All a scan shows to anyone: the masked name and the balance."""
    return {"name": mask_name(household.head_name), "balance": ledger.household_account(household.id).balance}


def scan_url(card: Card) -> str:
    return url_for("cards.scan", token=token_of(card), _external=True)


def qr_svg(url: str, scale: int = 4, border: int = 4) -> Markup:
    """The QR of a URL as inline SVG (inline, so a strict CSP needs no data: images). A border of 4
    modules is the standard quiet zone; the printed sheet, cut with a margin around it, uses 2.
    With a viewBox and no fixed size, CSS scales it to the phone or the card."""
    return Markup(segno.make(url, error="m", boost_error=False).svg_inline(scale=scale, border=border, omitsize=True))


def unit_cards(unit: Unit) -> list[tuple[Household, Card]]:
    """Every household of a unit with its current card, by code (for the printable sheet)."""
    rows = db.session.execute(
        select(Household, Card)
        .join(Card, Card.household_id == Household.id)
        .where(Household.unit_id == unit.id, Card.revoked_at.is_(None))
        .order_by(Household.code)
    ).all()
    return [(h, c) for h, c in rows]
