"""Real browser: sign in → the role's home page → switch language, on a 360 px phone screen."""

import pytest

from moral_bank.core.db import db

from .. import factories
from .conftest import screenshot

pytestmark = pytest.mark.browser


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def sign_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_test_id("landing-login").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_test_id("login-submit").click()


def test_unit_admin_signs_in_sees_home_and_switches_language(page, world):
    db.session.commit()
    sign_in(page, "unit_admin")
    page.wait_for_selector("[data-testid=home-unit_admin]")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "山中村" in page.get_by_test_id("home-unit_admin").inner_text()
    assert "户" in page.get_by_test_id("home-unit_admin").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "home-unit-admin-zh-Hans")

    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert "Households" in page.get_by_test_id("home-unit_admin").inner_text()
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en", "the choice must stick"
    assert fits_the_screen(page)
    screenshot(page, "home-unit-admin-en")

    page.get_by_role("button", name="繁體中文").click()
    page.wait_for_selector("html[lang=zh-Hant]")
    assert "登出" in page.get_by_test_id("logout").inner_text()
    screenshot(page, "home-unit-admin-zh-Hant")


def test_wrong_password_is_explained_and_the_name_is_kept(page, world):
    db.session.commit()
    page.goto("/login")
    page.get_by_label("用户名").fill("scorer")
    page.get_by_label("密码").fill("not the password")
    page.get_by_test_id("login-submit").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "不正确" in page.content()
    assert page.get_by_label("用户名").input_value() == "scorer"


def test_resident_sees_the_household_balance_large(page, world):
    factories.award(world.h1, 56, "rating-10", memo="10月评分")
    db.session.commit()
    sign_in(page, "resident")
    balance = page.get_by_test_id("balance")
    assert balance.inner_text().strip() == "56"
    assert float(balance.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 32
    assert "10月评分" in page.get_by_test_id("home-resident").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "home-resident-zh-Hans")
