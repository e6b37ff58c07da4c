"""Real browser, 360 px: a resident reports a good deed with a photo from the phone, follows it, and the
scorer sees it (photo included) in the review queue."""

import io

import pytest
from PIL import Image
from sqlalchemy import select

from moral_bank.claims.models import Claim
from moral_bank.core.db import db
from moral_bank.core.time import today
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.scoring import deeds
from moral_bank.scoring import service as scoring

from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return out.getvalue()


def test_a_resident_reports_a_deed_with_a_photo(page, world):
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    db.session.commit()

    sign_in(page, "resident")
    page.get_by_test_id("report-deed-link").click()
    assert fits_the_screen(page)
    page.locator("#category").select_option("neighbours")
    page.locator("#text").fill("帮五保户李大爷挑水一个月")
    page.locator("#witness").fill("张建国")
    page.locator("#photos").set_input_files(
        files=[{"name": "water.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg()}]
    )
    screenshot(page, "claim-form")
    page.get_by_test_id("send-claim").click()

    assert page.get_by_test_id("claim").count() == 1
    assert "帮五保户李大爷挑水一个月" in page.content()
    image = page.locator(".claim img.thumb")
    assert image.count() == 1 and image.evaluate("img => img.complete && img.naturalWidth") == 64
    assert fits_the_screen(page)
    screenshot(page, "claim-list")
    db.session.expire_all()
    claim = db.session.scalars(select(Claim)).one()
    assert (claim.status, claim.happened_on, claim.witness, len(claim.photos)) == ("pending", today(), "张建国", 1)
    db.session.commit()

    page.context.clear_cookies()
    sign_in(page, "scorer")
    page.goto(f"/units/{world.village.id}/claims")
    assert page.get_by_test_id("queue-claim").count() == 1
    assert fits_the_screen(page)
    screenshot(page, "claim-queue")
