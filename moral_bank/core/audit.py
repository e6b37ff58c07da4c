"""Who changed what, when and from where (invariant 5)."""

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, db, utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    # One index, for a unit's trail by time: every state change writes a row, and each index is one
    # more page written.
    __table_args__ = (Index("ix_audit_log_unit_id_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    ip: Mapped[str] = mapped_column(String(45), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def record(action: str, obj=None, *, actor=None, unit_id: int | None = None, **details) -> None:
    """Write an audit row in the current transaction (a plain INSERT, now: every state change calls
    this, checkouts included). `actor` defaults to the signed-in user; `obj` must have its id."""
    if actor is None and has_request_context() and not current_user.is_anonymous:
        actor = current_user
    # On the session's connection: the same transaction, without the ORM's per-statement work.
    db.session.connection().execute(
        _INSERT,
        {
            "at": utcnow(),
            "action": action,
            "user_id": getattr(actor, "id", None),
            "object_type": obj.__tablename__ if obj is not None else "",
            "object_id": getattr(obj, "id", None),
            "unit_id": unit_id if unit_id is not None else getattr(obj, "unit_id", None),
            "ip": (request.remote_addr or "") if has_request_context() else "cli",
            "details": {k: v for k, v in details.items() if v is not None},
        },
    )


_INSERT = AuditLog.__table__.insert()
