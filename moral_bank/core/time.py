"""'Today' and months in the deployment's time zone (default Asia/Shanghai)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def now_local() -> datetime:
    return datetime.now(UTC).astimezone(zone())


def today() -> date:
    return now_local().date()


def month_of(moment: datetime | date | None = None) -> str:
    """The month 'YYYY-MM' of a moment (UTC-aware datetime or local date)."""
    if moment is None:
        moment = now_local()
    elif isinstance(moment, datetime):
        moment = moment.astimezone(zone())
    return f"{moment.year:04d}-{moment.month:02d}"


def to_local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(zone()) if moment else None
