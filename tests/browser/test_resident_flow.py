"""Real browser, 360 px: a resident signs in with mobile number and PIN, reads the passbook (with the
12-month chart) and opens the member card."""

import pytest

from moral_bank.auth import pins
from moral_bank.cards import service as cards
from moral_bank.core.db import db

from ..factories import award
from .conftest import screenshot
from .test_cards_qr import decoded
from .test_sign_in_flow import fits_the_screen

pytestmark = pytest.mark.browser


def test_a_resident_signs_in_with_a_pin_and_reads_the_passbook(page, world):
    pins.set_pin(world.h1.members[0], "13903570000", "2026", world.users["unit_admin"])
    award(world.h1, 56, "p-1", memo="10月 评分")
    award(world.h1, 20, "p-2", memo="调解邻里纠纷")
    db.session.commit()

    page.goto("/")
    page.get_by_test_id("landing-pin-login").click()
    page.get_by_label("手机号").fill("139 0357 0000")
    page.get_by_label("PIN 码（4–6 位数字）").fill("1111")
    page.get_by_test_id("pin-submit").click()
    assert page.get_by_role("alert").first.is_visible()
    page.get_by_label("PIN 码（4–6 位数字）").fill("2026")
    page.get_by_test_id("pin-submit").click()
    page.get_by_test_id("passbook-link").click()
    assert page.get_by_test_id("balance").inner_text() == "76"
    assert "调解邻里纠纷" in page.content()
    assert page.get_by_test_id("chart").is_visible()
    assert fits_the_screen(page)
    screenshot(page, "resident-passbook")
    page.go_back()
    page.get_by_test_id("card-link").click()
    assert page.get_by_test_id("short-code").is_visible()
    assert fits_the_screen(page)
    screenshot(page, "resident-card")
    page.go_back()
    page.get_by_test_id("phone-qr-link").click()
    (url,) = decoded(page.get_by_test_id("phone-qr").screenshot())
    assert "/c/p." in url
    db.session.expire_all()
    assert cards.resolve(url).household.id == world.h1.id
    db.session.commit()
    screenshot(page, "resident-phone-qr")
