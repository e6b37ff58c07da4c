"""Real browser: the QR codes as Chromium draws them — the phone card page, and the printed sheet at
A4 size — decode with an independent decoder (zxing-cpp) to the card's scan URL, which opens the
masked name and balance."""

import io

import pytest
import zxingcpp
from PIL import Image

from moral_bank.cards import service as cards
from moral_bank.core.db import db

from ..factories import award, household
from .conftest import screenshot
from .test_sign_in_flow import sign_in

pytestmark = pytest.mark.browser


def decoded(png: bytes) -> set[str]:
    return {r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}


def test_card_qrs_decode_on_the_phone_and_on_the_printed_sheet(page, world, live_server, app):
    for i in range(6):
        household(world.village, f"Q{i}", "吴翠花", [])
    award(world.h1, 33, "qr-1")
    db.session.commit()
    with app.test_request_context(base_url=live_server):
        tokens = {h.code: cards.token_of(cards.current(h)) for h in [world.h1, world.h2]}
    db.session.commit()

    sign_in(page, "unit_admin")
    page.goto(f"/households/{world.h1.id}/card")
    qr = page.get_by_test_id("card-qr")
    assert qr.bounding_box()["width"] <= 360
    (url,) = decoded(qr.screenshot())
    assert url == f"{live_server}/c/{tokens['H1']}"
    screenshot(page, "card-phone")

    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, as it prints
    page.goto(f"/units/{world.village.id}/cards")
    found = set()
    for card in page.locator(".card").all():
        found |= decoded(card.screenshot())
    assert len(found) == 8 and f"{live_server}/c/{tokens['H2']}" in found
    screenshot(page, "card-sheet")

    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    assert page.get_by_test_id("card-name").inner_text().endswith("王*保 户") or "王*保" in page.content()
    assert page.get_by_test_id("balance").inner_text() == "33"
