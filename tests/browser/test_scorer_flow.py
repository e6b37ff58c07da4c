"""Real browser, 360 px: a scorer opens the worklist, rates a household and submits it."""

import pytest

from moral_bank.core.db import db
from moral_bank.core.time import month_of
from moral_bank.scoring import service as scoring
from moral_bank.scoring import sheets

from ..test_rating_sheets import FULL
from ..test_scoring_setup import demo_items
from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_scorer_rates_a_household_on_a_phone(page, world):
    scoring.new_rubric_version(world.county, demo_items())
    scoring.assign(world.village, world.users["scorer"], ["H1", "H2"])
    db.session.commit()

    sign_in(page, "scorer")
    page.get_by_test_id("worklist-link").click()
    assert "0 / 2" in page.get_by_test_id("progress").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "scoring-worklist")

    page.get_by_test_id("rate-H1").click()
    page.get_by_label("孝敬老人").fill("11")  # above the item's maximum of 10
    page.get_by_test_id("save-draft").click()
    assert page.get_by_role("alert").first.is_visible()
    assert page.get_by_label("孝敬老人").input_value() == "11", "what was typed stays"
    for code, points in FULL.items():
        page.locator(f"#item_{code}").fill(str(points))
    box = page.get_by_label("孝敬老人").bounding_box()
    assert box["height"] >= 44, "touch targets are large"
    assert fits_the_screen(page)
    screenshot(page, "scoring-sheet")
    page.get_by_test_id("submit-sheet").click()

    page.wait_for_selector("[data-testid=progress]")
    assert "1 / 2" in page.get_by_test_id("progress").inner_text()
    db.session.expire_all()
    sheet = sheets.sheet_for(world.h1, month_of())
    assert (sheet.status, sheet.total) == ("submitted", 80)
    screenshot(page, "scoring-worklist-after")
