"""Real browser at 360 px: a resident asks the village shop for soy sauce on the wish list (心愿单), the
clerk sees the request counted on the shop's wish list and marks it stocked, and the resident's home page
then shows the shop's answer marked new, until the resident opens it."""

import pytest
from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.shop import service as shop
from moral_bank.shop.models import Wish

from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_a_wish_is_asked_stocked_and_the_home_page_says_so(page, world):
    s = shop.create_shop(world.village, "山中村积分超市", [], world.users["unit_admin"])
    shop.add_item(s, "肥皂", 5, 20, 3, world.users["clerk"])
    shop_id = s.id
    db.session.commit()

    sign_in(page, "resident")
    page.get_by_test_id("wish-list-link").click()
    page.get_by_test_id("wish-name").fill(" 酱油 ")
    page.locator("#note").fill("要海天生抽")
    assert fits_the_screen(page)
    page.get_by_test_id("send-wish").click()
    wish = page.get_by_test_id("wish")
    assert wish.count() == 1 and "酱油" in wish.inner_text() and "要海天生抽" in wish.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "wish-list-resident")

    page.get_by_test_id("wish-name").fill("肥皂")  # on sale already: told so, with the price
    page.get_by_test_id("send-wish").click()
    assert "肥皂" in page.locator("#name-help").inner_text() and "5" in page.locator("#name-help").inner_text()
    page.get_by_test_id("logout").click()

    sign_in(page, "clerk")
    page.goto(f"/shops/{shop_id}")
    page.get_by_test_id("shop-wishes").click()
    group = page.get_by_test_id("wish-group")
    assert group.count() == 1
    assert group.get_by_test_id("wish-group-name").inner_text() == "酱油"
    assert "1" in group.get_by_test_id("wish-group-count").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "wish-list-shop")
    group.get_by_test_id("wish-stocked").click()
    page.wait_for_selector("[data-testid=no-wish-groups]")
    page.get_by_test_id("logout").click()

    db.session.expire_all()
    assert db.session.scalar(select(Wish.status)) == "stocked"
    db.session.commit()

    sign_in(page, "resident")
    news = page.get_by_test_id("wish-news")
    assert "山中村积分超市" in news.inner_text() and "酱油" in news.inner_text()
    assert news.get_by_test_id("unread").is_visible()
    assert fits_the_screen(page)
    screenshot(page, "wish-news-home")
    news.locator("a").first.click()
    page.wait_for_selector("[data-testid=wish-status]")
    assert page.get_by_test_id("wish").first.get_by_test_id("unread").is_visible()  # new on the list too
    page.goto("/")
    assert page.get_by_test_id("wish-news").get_by_test_id("unread").count() == 0  # seen: no longer new
