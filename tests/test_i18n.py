"""Three languages: complete catalogs, locale by script, a switch that sticks."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from moral_bank.core.i18n import match_locale

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ("zh_Hans", "zh_Hant")


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> set[str]:
    """Every message in the code and templates, freshly extracted."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from babel.messages.frontend import main; main()",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("locale", CATALOGS)
def test_catalog_translates_every_message_without_fuzzy_entries(locale, source_messages):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {}
    problems = []
    for m in catalog:
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
        if m.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        elif not all(strings):
            problems.append(f"untranslated: {key!r}")
        else:
            translated[key] = strings
    missing = sorted(source_messages - set(translated))
    assert not problems, problems[:20]
    assert not missing, f"{len(missing)} messages not in the {locale} catalog (make update-catalogs): {missing[:20]}"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-MO", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("zh-Hans-HK", "zh_Hans"),
        ("en-US", "en"),
        ("en", "en"),
        ("fr-FR", None),
        ("*", None),
        ("", None),
        ("%%bad", None),
    ],
)
def test_browser_language_tags_map_by_script(tag, expected):
    assert match_locale(tag) == expected


@pytest.mark.parametrize(
    ("header", "lang", "sign_in"),
    [
        ("zh-CN,zh;q=0.9", "zh-Hans", "登录"),
        ("zh-TW", "zh-Hant", "登入"),
        ("zh-HK,en;q=0.5", "zh-Hant", "登入"),
        ("en-GB,en;q=0.8", "en", "Sign in"),
        ("fr-FR", "zh-Hans", "登录"),
        (None, "zh-Hans", "登录"),
    ],
)
def test_accept_language_picks_the_page_language(client, header, lang, sign_in):
    headers = {"Accept-Language": header} if header else {}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert sign_in in page


def test_language_switch_sticks_and_overrides_the_browser(client):
    response = client.post("/language", data={"locale": "zh_Hant", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-Hant">' in page


def test_language_switch_refuses_unknown_locales_and_foreign_redirects(client):
    response = client.post("/language", data={"locale": "xx", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)


def test_signed_in_users_choice_is_remembered_across_sessions(app, world, login_as):
    login_as("scorer").post("/language", data={"locale": "en", "next": "/"})
    fresh = login_as("scorer")  # a new browser: no session choice yet
    assert '<html lang="en">' in fresh.get("/").get_data(as_text=True)


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_every_page_of_a_role_renders_in_each_language(world, login_as, locale):
    c = login_as("county_admin")
    c.post("/language", data={"locale": locale})
    for url in (
        "/",
        "/admin/units/",
        f"/admin/units/{world.village.id}",
        f"/units/{world.village.id}/households",
        f"/households/{world.h1.id}",
        "/admin/users/",
        "/admin/units/import",
        "/households/import",
        "/admin/units/new",
        f"/admin/units/{world.village.id}/edit",
        f"/units/{world.village.id}/households/new",
        f"/households/{world.h1.id}/edit",
        "/admin/users/new",
        f"/admin/users/{world.users['scorer'].id}",
        "/account/password",
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        title = page[page.index("<title>") + 7 : page.index("</title>")]
        assert "<" not in title and 0 < len(title) < 120, (url, title)
        assert page.count("<h1") == 1, url
        assert f'<html lang="{locale.replace("_", "-")}">' in page, url


@pytest.mark.parametrize("locale", CATALOGS)
def test_every_translation_formats_with_its_placeholders(locale):
    """A translation must take the same %(name)s values as its message, and write a lone % as %%
    (a "100%" in Chinese once broke a page)."""
    import re

    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    problems = []
    for m in catalog:
        if not m.id or not m.string or isinstance(m.id, tuple):
            continue
        names = set(re.findall(r"%\((\w+)\)s", m.id))
        if not names:
            continue
        values = dict.fromkeys(names, "X")
        try:
            m.id % values
            out = m.string % values
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(f"{m.id!r}: {exc}")
            continue
        if out.count("X") < len(names):
            problems.append(f"{m.id!r}: drops a value")
    assert not problems, problems
