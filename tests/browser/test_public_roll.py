"""Real browser, 360 px: the public honor roll of a village, as a villager opens it on a phone."""

import pytest
from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.honors import service as honors
from moral_bank.honors.models import Honor

from ..test_honor_areas import tree  # noqa: F401  (fixture)
from ..test_honors import _category, last_month, rated  # noqa: F401  (fixture)
from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen

pytestmark = pytest.mark.browser


def test_the_public_roll_on_a_phone(page, world, rated):  # noqa: F811
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    honors.approve_all(world.village, last_month(), admin)
    approved = db.session.scalars(select(Honor).where(Honor.status == "approved")).all()
    db.session.commit()  # and hold no transaction open while the browser reads
    assert approved

    page.goto("/roll/V1")
    assert page.get_by_test_id("stars-three-zero").is_visible()
    text = page.content()
    assert "王*保" in text and "王四保" not in text and last_month() in text
    assert fits_the_screen(page)
    screenshot(page, "public-roll")
    page.get_by_role("button", name="公示栏").click()  # a link styled as a button
    page.wait_for_url("**/notice-board/V1")


def test_the_county_roll_on_a_phone(page, world, tree):  # noqa: F811
    """The county's page at 360 px: the figures are on screen, the page does not scroll sideways, and
    its links lead down to a township and a village's roll and back up."""
    page.goto("/roll/area/C")
    for testid, shown in (("total-stars", "3"), ("total-published", "2"), ("stars-V1", "2"), ("stars-V3", "1")):
        assert page.get_by_test_id(testid).is_visible() and page.get_by_test_id(testid).inner_text() == shown
    assert page.get_by_test_id("ten-star-V1").inner_text() == "1"
    assert "50.00%" in page.get_by_test_id("plaque-V1").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "county-roll")

    page.get_by_test_id("group-T2").get_by_role("link", name="黑龙关镇").click()
    page.wait_for_url("**/roll/area/T2")
    assert page.get_by_test_id("stars-V3").inner_text() == "1" and fits_the_screen(page)
    page.get_by_test_id("link-V3").click()
    page.wait_for_url(f"**/roll/V3?period={tree.last}")
    assert page.get_by_test_id("stars-filial").is_visible()
    page.get_by_test_id("trail").get_by_role("link", name="黑龙关镇").click()
    page.wait_for_url("**/roll/area/T2")
    page.get_by_test_id("trail").get_by_role("link", name="蒲县").click()
    page.wait_for_url("**/roll/area/C")
