"""The public roll's rendered body, kept in the app's cache (Redis when REDIS_URL is set, shared by every
worker) per unit, period and language, under a data version that changes after every commit that
wrote to what the page shows: stars, star categories, deeds and their notice lines (the black list),
unit settings, households, units, shops, scores. A newly approved star shows at once; a page built
from old rows meanwhile stays under the old version, which nobody asks for again."""

import secrets

from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core.extensions import cache
from ..core.time import month_of
from ..governance import scores

VERSION_KEY = "honors:version"
SHOWN = {
    "honor",
    "star_category",
    "deed",
    "notice_line",
    "line_correction",
    "unit_settings",
    "household",
    "unit",
    "shop",
    "unit_score",
    "incident",
}
TIMEOUT = 24 * 3600


def data_version() -> str:
    """A token that changes after every commit that changed what the public roll shows."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=0)
        version = cache.get(VERSION_KEY)
    return version


def key(page: str, unit_id: int, period: str | None) -> str:
    """The cache key of a page: also this month's, as a page without a period shows the latest roll and
    last month's black list and score, which change when the month turns without any data changing."""
    versions = cache.get_many(VERSION_KEY, scores.VERSION_KEY)
    if None in versions:
        versions = [data_version(), scores.data_version()]
    return f"{page}:{unit_id}:{period or ''}:{month_of()}:{get_locale()}:{versions[0]}:{versions[1]}"


def cached(cache_key: str, build) -> Markup:
    """The body kept under `cache_key`, or `build()` (a rendered template) kept for next time."""
    body = cache.get(cache_key)
    if body is None:
        body = build()
        cache.set(cache_key, body, timeout=TIMEOUT)
    return Markup(body)


def _mark(session: Session) -> None:
    session.info["honors_changed"] = True


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in SHOWN:
            _mark(session)
            return


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in SHOWN:
            _mark(state.session)


@event.listens_for(Session, "after_commit")
def _new_version(session: Session) -> None:
    if session.info.pop("honors_changed", False):
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=0)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("honors_changed", None)
