"""Locale choice: the user's choice, then Accept-Language matched by script."""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from flask import current_app, has_request_context, request, session
from flask_login import current_user

# Catalog folder names Flask-Babel looks for; "en" needs no catalog (source strings).
LOCALES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
DEFAULT_LOCALE = "zh_Hans"


@lru_cache(maxsize=512)  # parsing a tag costs Babel a scan of every locale it knows
def match_locale(tag: str) -> str | None:
    """Map a browser language tag to one of LOCALES.

    Chinese is matched by script, not region: zh-CN/zh-SG → zh_Hans,
    zh-TW/zh-HK/zh-MO → zh_Hant (Babel's likely-subtags data says which).
    """
    tag = (tag or "").strip().replace("-", "_")
    if not tag or tag == "*":
        return None
    try:
        loc = Locale.parse(tag)
    except (ValueError, UnknownLocaleError):
        return None
    if loc.language == "en":
        return "en"
    if loc.language != "zh":
        return None
    script = loc.script
    if not script:
        likely = get_global("likely_subtags")
        key = f"zh_{loc.territory}" if loc.territory else "zh"
        script = Locale.parse(likely.get(key, "zh_Hans_CN")).script
    return f"zh_{script}" if script in ("Hans", "Hant") else None


def select_locale() -> str:
    if not has_request_context():  # command line, background work
        return current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    for tag, _quality in request.accept_languages:
        found = match_locale(tag)
        if found:
            return found
    return current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)


def html_lang(locale: str) -> str:
    return {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}.get(locale, locale)
