"""Real browser, 360 px: the public honor roll of a village, as a villager opens it on a phone."""

import pytest
from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.honors import service as honors
from moral_bank.honors.models import Honor

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
