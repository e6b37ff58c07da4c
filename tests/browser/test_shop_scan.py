"""Real browser, phone-sized: the clerk's camera reads a household's card. Chromium's fake camera plays a
video of the card's QR (a y4m file made here from the QR image), the checkout page decodes it
(static/js/scanner.js with jsQR: headless Chromium on Linux has no native QR detector) and opens the
cart; the clerk takes 3 bars of soap and the receipt shows the new balance."""

import io

import pytest
import segno
from PIL import Image

from moral_bank.cards import service as cards
from moral_bank.core.db import db
from moral_bank.ledger import service as ledger
from moral_bank.shop import service as shop

from .. import factories
from .conftest import CHROMIUM, LAUNCH_ARGS, refused_form, screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FRAMES = 640, 480, 30
PHONE = {"width": 390, "height": 844}


def card_video(url: str, path) -> None:
    """The card's QR centred on a white 640 × 480 frame, as a YUV4MPEG2 4:2:0 file (Chromium loops it)."""
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=8, border=4)
    qr = Image.open(png).convert("L")
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(qr, ((WIDTH - qr.width) // 2, (HEIGHT - qr.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            out.write(b"FRAME\n" + planes)


@pytest.fixture
def camera_page(browser, live_server, tmp_path):
    """camera_page(url) → a phone-sized page whose camera films the QR of `url`, failing the test on any
    page error. Its own Chromium: the fake-camera flags are given at launch."""
    launched, errors = [], []

    def open_page(url: str):
        video = tmp_path / "card.y4m"
        card_video(url, video)
        args = [
            *LAUNCH_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
        launched.append(chromium)
        context = chromium.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server)
        context.grant_permissions(["camera"])
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not refused_form(msg) else None)
        return pg

    yield open_page
    for chromium in launched:
        chromium.close()
    assert not errors, f"errors in the browser console: {errors}"


def test_the_camera_reads_a_card_and_the_clerk_redeems(camera_page, world, live_server, app):
    s = shop.create_shop(world.village, "山中村积分超市", [], world.users["unit_admin"])
    soap = shop.add_item(s, "肥皂", 5, 20, 3, world.users["clerk"])
    factories.award(world.h1, 100, "fund")
    with app.test_request_context(base_url=live_server):
        url = cards.scan_url(cards.current(world.h1))
    shop_id, soap_id, account_id = s.id, soap.id, world.h1.account.id
    db.session.commit()  # and hold no transaction: on SQLite it would keep the server from writing

    page = camera_page(url)
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
