"""The points shop (积分超市): shops, their items, stock movements and redemptions."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.photos import Photo
from ..households.models import Household
from ..ledger.models import Account, Transfer
from ..units.models import Unit

# Units a shop serves besides its own subtree (a township shop serving listed villages).
shop_unit = Table(
    "shop_unit",
    db.metadata,
    Column("shop_id", ForeignKey("shop.id"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)

STOCK_KIND_LABELS = {
    "restock": _l("Restock"),
    "redemption": _l("Redemption"),
    "void": _l("Voided redemption"),
    "stocktake": _l("Stock-take"),
}


class Shop(db.Model):
    __tablename__ = "shop"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The till: points spent here land in it (household → shop), voids take them back.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    account: Mapped[Account] = relationship()
    served: Mapped[list[Unit]] = relationship(secondary=shop_unit, order_by=Unit.code)


class Item(db.Model):
    __tablename__ = "shop_item"
    __table_args__ = (
        UniqueConstraint("shop_id", "name"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("low_stock >= 0", name="low_stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[int]
    # Cached sum of the item's stock movements, moved only with a movement (like a balance).
    stock: Mapped[int] = mapped_column(default=0)
    low_stock: Mapped[int] = mapped_column(default=5)
    active: Mapped[bool] = mapped_column(default=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shop: Mapped[Shop] = relationship()
    photo: Mapped[Photo | None] = relationship()

    @property
    def is_low(self) -> bool:
        return self.stock <= self.low_stock


class StockMovement(db.Model):
    """One change of an item's stock; never edited, never deleted."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_nonzero"),
        CheckConstraint("stock_after >= 0", name="stock_after_not_negative"),
        CheckConstraint("kind IN ('restock', 'redemption', 'void', 'stocktake')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("shop_item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    delta: Mapped[int]
    stock_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200), default="")
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemption.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship()

    @property
    def kind_label(self) -> str:
        return str(STOCK_KIND_LABELS.get(self.kind, self.kind))


class Redemption(db.Model):
    """A checkout: its lines, one ledger debit and the stock movements, written in one transaction."""

    __tablename__ = "redemption"
    __table_args__ = (
        CheckConstraint("total > 0", name="total_positive"),
        # The reports read a shop's redemptions by day: one index serves both (each index is one more
        # page written by every checkout).
        Index("ix_redemption_shop_id_created_at", "shop_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    # What was asked for under the key, so a replay with a different cart is refused.
    digest: Mapped[str] = mapped_column(String(64))
    total: Mapped[int]
    balance_after: Mapped[int]
    via: Mapped[str] = mapped_column(String(10), default="card")  # card, code (typed), phone
    card_id: Mapped[int | None] = mapped_column(ForeignKey("card.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    void_reason: Mapped[str] = mapped_column(String(200), default="")

    shop: Mapped[Shop] = relationship()
    household: Mapped[Household] = relationship()
    transfer: Mapped[Transfer | None] = relationship()
    lines: Mapped[list["RedemptionLine"]] = relationship(
        back_populates="redemption", order_by="RedemptionLine.id", cascade="all, delete-orphan"
    )

    @property
    def receipt_no(self) -> str:
        return f"{self.shop_id:03d}-{self.id:07d}"


class RedemptionLine(db.Model):
    __tablename__ = "redemption_line"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("price > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemption.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("shop_item.id"))
    name: Mapped[str] = mapped_column(String(100))  # as it was called when sold
    qty: Mapped[int]
    price: Mapped[int]  # points each, when sold

    redemption: Mapped[Redemption] = relationship(back_populates="lines")

    @property
    def amount(self) -> int:
        return self.qty * self.price


WISH_STATUS_LABELS = {
    "open": _l("Waiting for the shop"),
    "stocked": _l("Now in the shop"),
    "declined": _l("Not stocked"),
    "withdrawn": _l("Withdrawn"),
}
WISH_STATUSES = tuple(WISH_STATUS_LABELS)


class Wish(db.Model):
    """A household asks a shop for an item it does not sell (心愿单). Requests for the same item are
    grouped by `key`, the name normalised; the shop stocks or declines a whole group at once and each
    asking household sees the outcome on its home page until it has looked (`seen_at`)."""

    __tablename__ = "shop_wish"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in WISH_STATUSES)})", name="status"),
        # One open request per household, shop and item; a second (a double tap) is refused here too.
        Index(
            "uq_shop_wish_open",
            "shop_id",
            "household_id",
            "key",
            unique=True,
            sqlite_where=db.text("status = 'open'"),
            postgresql_where=db.text("status = 'open'"),
        ),
        # The shop's list: its open requests, by item.
        Index("ix_shop_wish_shop_status_key", "shop_id", "status", "key"),
        # The daily limit and the household's own list.
        Index("ix_shop_wish_household_asked_on", "household_id", "asked_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    name: Mapped[str] = mapped_column(String(100))  # as typed (trimmed)
    key: Mapped[str] = mapped_column(String(100))  # normalised: what groups requests
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    asked_on: Mapped[date]
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")  # why the shop declined
    item_id: Mapped[int | None] = mapped_column(ForeignKey("shop_item.id"))  # what it stocked
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the household saw the outcome

    shop: Mapped[Shop] = relationship()
    household: Mapped[Household] = relationship()
    item: Mapped[Item | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(WISH_STATUS_LABELS[self.status])
