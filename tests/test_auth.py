"""Signing in and out, passwords, redirects, cookies, headers, CSRF, rate limits and the audit trail."""

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash

from moral_bank.auth.models import User
from moral_bank.core.audit import AuditLog
from moral_bank.core.db import db

from . import factories
from .conftest import make_app

EN = {"Accept-Language": "en"}
BAD_LOGIN = "The user name or password is not correct."
NEW_PASSWORD = "a brand new secret 7"


# --- helpers ------------------------------------------------------------------


def login(client, username: str, password: str = factories.PASSWORD, next_url: str | None = None, **kwargs):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data, **kwargs)


def signed_in(client) -> bool:
    """A page only a signed-in user may open: anyone else is sent to the login page."""
    response = client.get("/account/password")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<small id="{field_id}-help" class="field-error" role="alert">(.*?)</small>', page, re.S)
    assert match, f"no error shown under {field_id}"
    return match.group(1)


def audit_rows(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def password_hash(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).password_hash


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def other_app(app, db_url, tmp_path):
    """other_app(**config) → a second app on the same (already created) database; its test client runs
    each request in an app context of its own, and the test checks the database through the suite's app.
    (conftest switches the process-wide rate limiter off again after each test.)"""
    made = []

    def make(**overrides):
        new = make_app(db_url, str(tmp_path / f"instance{len(made)}"), **overrides)
        made.append(new)
        return new

    yield make
    for new in made:
        with new.app_context():
            db.engine.dispose()


# --- signing in -----------------------------------------------------------------


def test_login_success_redirects_home(client, world):
    assert not signed_in(client)
    response = login(client, "scorer")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="logout"' in home and 'data-testid="login-link"' not in home


def test_login_page_when_already_signed_in_goes_home(client, world):
    login(client, "scorer")
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_default_language_is_simplified_chinese(client, world):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page


def test_wrong_password_shows_error_on_form_and_keeps_user_name(client, world):
    response = login(client, "scorer", "wrong password", headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert field_error(page, "password") == BAD_LOGIN
    assert re.search(r'<input [^>]*name="username"[^>]*value="scorer"', page)
    assert "wrong password" not in page  # a password is never sent back
    assert not signed_in(client)


def test_wrong_password_error_is_translated_by_default(app, client, world):
    with app.test_request_context(), force_locale("zh_Hans"):
        chinese = _(BAD_LOGIN)
    assert chinese != BAD_LOGIN and re.search(r"[\u4e00-\u9fff]", chinese)  # the catalog has it in Chinese
    response = login(client, "scorer", "wrong password")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "password") == chinese


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, world):
    unknown = login(client, "nobody", "wrong password", headers=EN)
    wrong = login(client, "scorer", "wrong password", headers=EN)
    assert unknown.status_code == wrong.status_code == 422
    assert field_error(unknown.get_data(as_text=True), "password") == BAD_LOGIN


def test_empty_login_form_shows_required_fields(client, world):
    response = client.post("/login", data={"username": "", "password": ""}, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "username") and field_error(page, "password")
    assert not audit_rows("auth.login")


def test_inactive_user_cannot_log_in(client, world):
    world.users["scorer"].active = False
    db.session.commit()
    response = login(client, "scorer", headers=EN)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "password") == BAD_LOGIN
    assert not signed_in(client)
    assert not audit_rows("auth.login")


def test_deactivating_a_user_ends_their_session(client, world):
    login(client, "scorer")
    assert signed_in(client)
    world.users["scorer"].active = False
    db.session.commit()
    assert not signed_in(client)


# --- where to go after signing in ------------------------------------------------


@pytest.mark.parametrize("target", ["/account/password", "/units/?q=V1", "/admin/users/"])
def test_next_local_path_is_followed(client, world, target):
    response = login(client, "unit_admin", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == target


OPEN_REDIRECTS = [
    "//evil.example",
    "//evil.example/login",
    "https://evil.example",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "javascript:alert(1)",
    "evil.example",
    " //evil.example",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_to_another_site_goes_home(client, world, target):
    response = login(client, "unit_admin", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in(client)


def test_sign_in_from_a_protected_page_returns_there(client, world):
    response = client.get("/account/password")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    page = client.get(login_url).get_data(as_text=True)
    assert re.search(r'<input [^>]*name="next"[^>]*value="/account/password"', page)
    assert login(client, "scorer", next_url="/account/password").headers["Location"] == "/account/password"


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_language_switch_does_not_redirect_to_another_site(client, world, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client, world):
    response = client.post("/language", data={"locale": "en", "next": "/login?next=/units/"})
    assert response.headers["Location"] == "/login?next=/units/"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


# --- signing out ------------------------------------------------------------------


def test_logout_requires_post(client, world):
    login(client, "scorer")
    response = client.get("/logout")
    assert response.status_code == 405
    assert signed_in(client)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not signed_in(client)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="login-link"' in home


def test_logout_when_not_signed_in_goes_to_login(client, world):
    response = client.post("/logout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- changing the password -------------------------------------------------------


def change(client, current: str, new: str, confirm: str | None = None):
    data = {"current_password": current, "new_password": new, "confirm": new if confirm is None else confirm}
    return client.post("/account/password", data=data, headers=EN)


@pytest.fixture
def scorer_client(client, world):
    assert login(client, "scorer").status_code == 302
    return client


def test_change_password_needs_sign_in(client, world):
    response = client.post("/account/password", data={"current_password": factories.PASSWORD})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_change_password_wrong_current(scorer_client, world):
    scorer_id = world.users["scorer"].id
    before = password_hash(scorer_id)
    response = change(scorer_client, "not my password", NEW_PASSWORD)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "current_password") == "The current password is not correct."
    assert password_hash(scorer_id) == before


def test_change_password_too_short(scorer_client, world):
    scorer_id = world.users["scorer"].id
    before = password_hash(scorer_id)
    response = change(scorer_client, factories.PASSWORD, "short7")
    assert response.status_code == 422
    assert "8" in field_error(response.get_data(as_text=True), "new_password")
    assert password_hash(scorer_id) == before


def test_change_password_mismatch(scorer_client, world):
    scorer_id = world.users["scorer"].id
    before = password_hash(scorer_id)
    response = change(scorer_client, factories.PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "confirm") == "The two passwords differ."
    assert password_hash(scorer_id) == before


def test_change_password_success(app, scorer_client, world):
    scorer_id = world.users["scorer"].id
    response = change(scorer_client, factories.PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Your password has been changed." in scorer_client.get("/", headers=EN).get_data(as_text=True)
    assert check_password_hash(password_hash(scorer_id), NEW_PASSWORD)
    assert [r.user_id for r in audit_rows("user.password_change")] == [world.users["scorer"].id]

    fresh = app.test_client()
    assert login(fresh, "scorer", factories.PASSWORD).status_code == 422
    assert not signed_in(fresh)
    assert login(fresh, "scorer", NEW_PASSWORD).status_code == 302
    assert signed_in(fresh)


# --- cookies and headers ------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client, world):
    response = login(client, "scorer")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in cookies[0].split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page", "/api/v1/openapi.json", "/api/v1/me"])
def test_responses_carry_a_content_security_policy(client, world, path):
    csp = client.get(path).headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


def test_signed_in_pages_carry_a_content_security_policy(client, world):
    login(client, "unit_admin")
    for path in ("/", "/account/password", "/admin/users/"):
        assert "default-src 'self'" in client.get(path).headers["Content-Security-Policy"]


# --- CSRF ------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused(other_app, world):
    app = other_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    response = login(browser, "scorer", headers=EN)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form expired. Please try again." in page
    assert "CSRF" not in page  # a message for people, not the library's
    assert not audit_rows("auth.login")
    assert not signed_in(browser)

    # With the token from the form, the same sign-in works.
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", data={"username": "scorer", "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert signed_in(browser)


def test_change_password_and_logout_without_csrf_token_change_nothing(other_app, world):
    scorer_id = world.users["scorer"].id
    app = other_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"username": "scorer", "password": factories.PASSWORD, "csrf_token": token})
    assert signed_in(browser)
    before = password_hash(scorer_id)

    response = browser.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        headers=EN,
    )
    assert response.status_code == 400
    assert "The form expired. Please try again." in response.get_data(as_text=True)
    assert password_hash(scorer_id) == before

    assert browser.post("/logout").status_code == 400
    assert signed_in(browser)


def test_api_needs_no_csrf_token(other_app, world):
    app = other_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/api/v1/tokens", json={"username": "scorer", "password": factories.PASSWORD})
    assert response.status_code == 201


# --- rate limits ------------------------------------------------------------------


@pytest.fixture
def limited(other_app):
    return other_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


def test_fourth_failed_login_is_rate_limited(limited, world):
    browser = limited.test_client()
    for _attempt in range(3):
        assert login(browser, "scorer", "wrong password", headers=EN).status_code == 422
    response = login(browser, "scorer", "wrong password", headers=EN)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many attempts. Please wait a minute and try again." in response.get_data(as_text=True)
    # Even the right password waits now.
    assert login(browser, "scorer", headers=EN).status_code == 429
    assert not signed_in(browser)


def test_rate_limit_counts_per_user_name_across_addresses(limited, world):
    for n in range(3):
        browser = limited.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"127.0.0.{n + 2}"
        assert login(browser, "scorer", "wrong password").status_code == 422
    browser = limited.test_client()
    browser.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    assert login(browser, "scorer", "wrong password").status_code == 429
    # Another person from that address is not locked out.
    assert login(browser, "clerk").status_code == 302


def test_viewing_the_login_page_is_not_rate_limited(limited, world):
    browser = limited.test_client()
    for _attempt in range(6):
        assert browser.get("/login").status_code == 200


def test_token_requests_are_rate_limited_with_json(limited, world):
    api = limited.test_client()
    for _attempt in range(3):
        response = api.post("/api/v1/tokens", json={"username": "scorer", "password": "wrong password"})
        assert response.status_code == 401
    response = api.post("/api/v1/tokens", json={"username": "scorer", "password": "wrong password"}, headers=EN)
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert response.json["error"]["status"] == 429
    assert response.json["error"]["message"] == "Too many attempts. Please wait a minute and try again."


# --- audit trail --------------------------------------------------------------------


def test_login_and_failed_login_are_audited_with_the_address(client, world):
    scorer = world.users["scorer"]
    client.environ_base["REMOTE_ADDR"] = "127.0.0.7"
    login(client, "scorer", "wrong password")
    login(client, "nobody", "also wrong")
    login(client, "scorer")

    failed = audit_rows("auth.login_failed")
    assert [(r.user_id, r.ip) for r in failed] == [(scorer.id, "127.0.0.7"), (None, "127.0.0.7")]
    assert failed[1].details == {"username": "nobody"}
    assert [(r.user_id, r.ip, r.object_id) for r in audit_rows("auth.login")] == [(scorer.id, "127.0.0.7", scorer.id)]
    for row in failed:
        assert "wrong" not in str(row.details)  # typed passwords are never logged


def test_api_token_issue_is_audited(client, world):
    client.post("/api/v1/tokens", json={"username": "clerk", "password": factories.PASSWORD})
    assert [r.user_id for r in audit_rows("auth.token")] == [world.users["clerk"].id]
    assert [r.ip for r in audit_rows("auth.login")] == ["127.0.0.1"]
