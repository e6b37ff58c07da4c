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
from ..units.models import Unit
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


def _resolve_phone(token: str) -> Resolved:
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


def resolve(code: str) -> Resolved:
    """A scanned token (or the URL holding it) or a typed short code → the household, if the card is valid."""
    text = (code or "").strip()
    if not text or len(text) > 300:
        raise DomainError(_("Scan the card, or type the 8-character code under the QR."), field="code")
    if "/c/" in text:
        text = text.rsplit("/c/", 1)[1].split("?")[0]
    if text.startswith(PHONE_PREFIX):
        return _resolve_phone(text[len(PHONE_PREFIX) :])
    short = normalize(text)
    if len(short) == 8:
        if not set(short) <= set(ALPHABET) or not luhn.is_valid(short, ALPHABET):
            raise CardRefused(_("This code is not right; please check it against the card."), field="code")
        card = db.session.scalar(_BY_SHORT_CODE, {"short": short})
        if card is None:
            raise CardRefused(_("No card has this code."), field="code")
    else:
        try:
            household_id, version = _serializer().loads(text)
        except (BadSignature, ValueError, TypeError):
            raise CardRefused(_("This is not one of our cards."), field="code") from None
        card = db.session.scalar(_BY_VERSION, {"household_id": household_id, "version": version})
        if card is None:
            raise CardRefused(_("This is not one of our cards."), field="code")
    if card.revoked_at is not None:
        raise CardRefused(_("This card has been replaced by a newer one and no longer works."), field="code")
    return Resolved(card.household, card)


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
