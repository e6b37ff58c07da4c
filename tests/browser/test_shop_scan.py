"""Real browser, phone-sized: the clerk's camera reads a household's card. Chromium's fake camera plays a
video of the card's QR (a y4m file made here from the QR image), the checkout page decodes it
(static/js/scanner.js with jsQR: headless Chromium on Linux has no native QR detector) and opens the
cart; the clerk takes 3 bars of soap and the receipt shows the new balance."""

import pytest

from moral_bank.cards import service as cards
from moral_bank.core.db import db
from moral_bank.ledger import service as ledger
from moral_bank.shop import service as shop

from .. import factories
from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_the_camera_reads_a_card_and_the_clerk_redeems(camera_page, world, live_server, app):
    s = shop.create_shop(world.village, "山中村积分超市", [], world.users["unit_admin"])
    soap = shop.add_item(s, "肥皂", 5, 20, 3, world.users["clerk"])
    factories.award(world.h1, 100, "fund")
    with app.test_request_context(base_url=live_server):
        url = cards.scan_url(cards.current(world.h1))
    shop_id, soap_id, account_id = s.id, soap.id, world.h1.account.id
    db.session.commit()  # and hold no transaction: on SQLite it would keep the server from writing

    page = camera_page(url, PHONE)
    sign_in(page, "clerk")
    page.goto(f"/shops/{shop_id}/checkout")
    assert page.get_by_test_id("scan-start").is_visible()
    assert fits_the_screen(page)
    screenshot(page, "shop-checkout-phone")

    page.get_by_test_id("scan-start").click()
    page.wait_for_url(f"**/shops/{shop_id}/cart/**")
    assert "王四保" in page.locator("h1").inner_text()
    assert page.get_by_test_id("cart-balance").inner_text() == "100"
    page.get_by_test_id(f"qty-{soap_id}").fill("3")
    assert fits_the_screen(page)
    screenshot(page, "shop-cart-phone")
    page.get_by_test_id("cart-confirm").click()

    assert page.get_by_test_id("receipt-balance").inner_text() == "85"
    assert page.get_by_test_id("receipt-total").inner_text() == "15"
    screenshot(page, "shop-receipt-phone")
    db.session.expire_all()
    assert ledger.current_balance(account_id) == 85
    db.session.commit()
