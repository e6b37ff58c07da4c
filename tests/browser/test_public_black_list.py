"""Real browser, 360 px: a unit admin turns the black list on for the public roll, and the village sees it
with masked names and the kinds of deduction only; the admin's red and black list page."""

import pytest

from moral_bank.core.db import db

from ..test_honors import last_month
from ..test_red_black_list import deducted  # noqa: F401  (fixture)
from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_the_black_list_turned_on_and_shown_on_a_phone(page, world, deducted):  # noqa: F811
    village = world.village.id
    db.session.commit()  # and hold no transaction open while the browser reads (or writes)
    roll = f"/roll/V1?period={last_month()}"
    page.goto(roll)
    assert page.get_by_test_id("public-black-list").count() == 0  # off by default

    sign_in(page, "unit_admin")
    page.goto(f"/scoring/units/{village}/settings")
    page.get_by_test_id("black-list-public").locator('input[value="on"]').check()
    page.get_by_test_id("save-settings").click()
    page.wait_for_url(f"**/scoring/units/{village}/settings")

    page.goto(f"/honors/units/{village}?period={last_month()}")
    page.get_by_test_id("lists-link").click()
    assert page.get_by_test_id("black-H5").is_visible() and "孙有才" in page.get_by_test_id("black-H5").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "admin-red-black-list")

    page.goto(roll)
    section = page.get_by_test_id("public-black-list")
    assert section.is_visible()
    text = section.inner_text()
    assert "孙*才" in text and "赵*妈" in text and "打架斗殴" in text
    assert "孙有才" not in text and "12" not in text
    assert fits_the_screen(page)
    screenshot(page, "public-black-list")
