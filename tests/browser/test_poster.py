"""Real browser: the printable honor-roll poster of a full village roll (ten categories, three stars
each, more ten-star households than the poster names) prints on exactly one A4 page, and on one A3
page at A3 size; its QR code, as Chromium draws it, decodes with an independent decoder (zxing-cpp)
to the online roll's address."""

import re
from datetime import timedelta

import pytest

from moral_bank.core.db import db
from moral_bank.core.time import month_of, today
from moral_bank.honors import service as honors

from ..factories import household
from ..test_honors import last_month
from .conftest import screenshot
from .test_cards_qr import decoded

pytestmark = pytest.mark.browser

HEADS = ["欧阳明华", "李秀英", "张建国", "赵大妈", "孙桂兰", "周德福", "吴翠花", "郑海涛", "冯玉珍", "陈志强"]
POINTS = 72 / 25.4  # PDF points per millimetre


def full_roll(world) -> None:
    """Every star of last month taken three times (the county's nine and the village's own), and thirty
    ten-star households from nominations over the ten months before (three a star a month)."""
    admin = world.users["unit_admin"]
    honors.ensure_defaults(world.county)
    honors.add_category(world.village, {"code": "culture", "name": "文化活动之星", "rule": "nomination"}, admin)
    people = [household(world.village, f"P{i:02d}", HEADS[i % len(HEADS)], []) for i in range(30)]
    categories = honors.categories_for(world.village)
    assert len(categories) == 10
    for n, category in enumerate(categories):
        category.per_unit = 3
        for person in people[3 * n : 3 * n + 3]:
            honors.approve(honors.nominate(world.village, category, person, last_month(), "表现突出", admin), admin)
        for g in range(10):
            m = (n + g) % 10
            month = month_of(today().replace(day=1) - timedelta(days=31 * (m + 1) + 15))
            for person in people[3 * g : 3 * g + 3]:
                honors.approve(honors.nominate(world.village, category, person, month, "群众评议", admin), admin)
    db.session.commit()
    assert len(honors.ten_star(world.village)) == 30 > honors.POSTER_TEN_STAR


def pages_of(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in millimetres of each page of a PDF (Chromium writes plain page objects)."""
    text = pdf.decode("latin-1")
    count = len(re.findall(r"/Type\s*/Page(?![a-zA-Z])", text))
    boxes = re.findall(r"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", text)
    assert len(boxes) == count, (count, boxes)
    return [(round(float(w) / POINTS), round(float(h) / POINTS)) for w, h in boxes]


def test_a_full_roll_prints_on_one_page_with_a_qr_of_the_online_roll(page, world, live_server):
    full_roll(world)
    page.goto("/roll/V1")
    page.get_by_test_id("poster-a4").click()
    page.wait_for_url(f"**/roll/V1/poster?period={last_month()}&size=a4")
    assert page.get_by_test_id("print").is_visible()
    assert page.locator("[data-testid=star-name]").count() == 30
    assert page.locator("[data-testid=ten-star-name]").count() == honors.POSTER_TEN_STAR

    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, as it prints
    assert not page.get_by_test_id("print").is_visible()  # the toolbar is not printed
    (url,) = decoded(page.get_by_test_id("poster-qr").screenshot())
    assert url == f"{live_server}/roll/V1?period={last_month()}"
    screenshot(page, "poster-a4")
    assert pages_of(page.pdf(format="A4")) == [(210, 297)]
    assert pages_of(page.pdf(prefer_css_page_size=True)) == [(210, 297)]  # the page size the CSS asks for

    page.goto(f"/roll/V1/poster?period={last_month()}&size=a3")
    assert pages_of(page.pdf(prefer_css_page_size=True)) == [(297, 420)]
    (url,) = decoded(page.get_by_test_id("poster-qr").screenshot())
    assert url == f"{live_server}/roll/V1?period={last_month()}"
