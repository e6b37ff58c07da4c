"""Real browser: the printed door plates (一户一码) as Chromium lays them out on A6 paper, each plate's
pixels decoded by the vendored jsQR (the decoder the clerk's scanner uses) on a canvas. A plate's QR
must read back as that household's door-plate URL, which opens its masked page; on a unit's sheet
every plate reads, each to its own household."""

import base64
from pathlib import Path

import pytest

from moral_bank.cards import service as cards
from moral_bank.core.db import db
from moral_bank.engagement import doorplate

from ..factories import award, household
from .conftest import screenshot
from .test_sign_in_flow import sign_in

pytestmark = pytest.mark.browser

JSQR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "jsqr-1.4.0" / "jsQR.js"
A6 = {"width": 397, "height": 559}  # 105 × 148 mm at 96 dpi: the plate as printed, at screen resolution
# Draws a PNG into a canvas and runs jsQR on its pixels: the decoded text, or null.
DECODE = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = jsQR(pixels.data, pixels.width, pixels.height, {inversionAttempts: "dontInvert"});
  return found ? found.data : null;
}"""


@pytest.fixture
def decode(browser):
    """decode(png bytes) → the text of the QR in the picture (None when none reads), by jsQR in a page
    of its own (a blank page: no site, no CSP)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto("about:blank")
    page.add_script_tag(path=str(JSQR))
    yield lambda png: page.evaluate(DECODE, base64.b64encode(png).decode())
    context.close()


def printed(page) -> None:
    page.emulate_media(media="print")
    page.set_viewport_size(A6)


def test_a_households_plate_decodes_to_its_page(page, world, live_server, app, decode):
    award(world.h1, 21, "plate-qr")
    db.session.commit()
    with app.test_request_context(base_url=live_server):
        expected = doorplate.plate_url(world.h1.id, cards.current(world.h1).version)
    household_id = world.h1.id
    db.session.commit()

    sign_in(page, "unit_admin")
    printed(page)
    page.goto(f"/households/{household_id}/door-plate")
    plate = page.get_by_test_id("plate-H1")
    box = plate.bounding_box()
    assert box["width"] <= A6["width"] + 1 and box["height"] <= A6["height"] + 1  # one A6 page
    assert decode(page.get_by_test_id("plate-H1").locator(".qr").screenshot()) == expected
    assert decode(plate.screenshot()) == expected  # the whole plate, border and text around the QR
    assert decode(plate.locator(".hint").screenshot()) is None  # text alone reads as nothing
    screenshot(page, "door-plate-printed")

    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.clear_cookies()  # as a neighbour's phone would open it
    page.goto(expected)
    assert "王*保" in page.get_by_test_id("plate-name").inner_text()
    assert "王四保" not in page.content()
    assert page.get_by_test_id("plate-earned").inner_text() == "21"


def test_every_plate_of_a_unit_sheet_decodes_to_its_own_household(page, world, live_server, app, decode):
    for n in range(5):
        household(world.village, f"P{n}", "赵春梅", [])
    db.session.commit()
    codes = {}
    with app.test_request_context(base_url=live_server):
        page_plates = doorplate.unit_plates(world.village)  # households without a card get one here
        for h, _qr in page_plates:
            codes[h.code] = doorplate.plate_url(h.id, cards.current(h).version)
    village_id = world.village.id
    db.session.commit()
    assert len(codes) == 7

    sign_in(page, "unit_admin")
    printed(page)
    page.goto(f"/units/{village_id}/door-plates")
    plates = page.locator(".plate")
    assert plates.count() == 7
    read = {}
    for plate in plates.all():
        code = plate.get_attribute("data-testid").removeprefix("plate-")
        read[code] = decode(plate.screenshot())
    assert read == codes
    assert len(set(read.values())) == 7
    screenshot(page, "door-plates-unit-sheet")

    page.context.clear_cookies()
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(read["P3"])
    assert "赵*梅" in page.get_by_test_id("plate-name").inner_text()
    assert "P3" in page.get_by_test_id("plate-page").inner_text()
