"""Configuration. Environment: DATABASE_URL, REDIS_URL, and FLASK_* for any key."""

import os
import secrets
from pathlib import Path


def database_url(url: str) -> str:
    """Accept the usual postgresql:// form and use the psycopg 3 driver for it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance_path: str) -> str:
    """A secret key kept in the instance folder, so the demo needs no setup."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent.parent / "translations")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set FLASK_SESSION_COOKIE_SECURE=true behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = None  # a scorer's form may stay open for hours on a phone
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    PHOTO_MAX_BYTES = 10_000_000  # a phone's photo; it is kept re-encoded at 1600 px, about 300 KB
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    PIN_RATE_LIMIT = "10 per minute;30 per hour"  # per address and per phone, on top of the lock after 5 wrong PINs
    OBJECTION_RATE_LIMIT = "5 per hour;20 per day"  # per address, on the public notice board and the API
    API_TOKEN_HOURS = 12
    PAGE_SIZE = 50
    PHONE_QR_SECONDS = 120  # a resident's phone QR works this long, and once
    TEN_STAR_STARS = 10  # different stars a household holds for the ten-star plaque (十星级文明户) …
    TEN_STAR_MONTHS = 12  # … within this many months (a rolling year)
    PLAQUE_TARGET_PERCENT = 20  # the ten-star plaque rate a unit aims at, in per cent of its households
    CART_SECONDS = 1800  # a checkout opened by a scan stays open this long


def load(app, overrides: dict | None = None) -> None:
    app.config.from_object(Config)
    app.config.from_prefixed_env()
    url = os.environ.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "moral_bank.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
    redis_url = os.environ.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if redis_url:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", redis_url)
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 3600)
    app.config.setdefault("CACHE_KEY_PREFIX", "mb:")
    if overrides:
        app.config.update(overrides)
        if "SQLALCHEMY_DATABASE_URI" in overrides:
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(overrides["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)
