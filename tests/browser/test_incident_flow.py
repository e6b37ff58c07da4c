"""Real browser, 360 px: a unit admin records a dispute on a phone, is told what is wrong with it, then
resolves it on its page, and the list counts it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.core.time import today
from moral_bank.governance.models import Incident

from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_a_unit_admin_records_and_resolves_a_dispute_on_a_phone(page, world):
    village_id, admin_id = world.village.id, world.users["unit_admin"].id
    db.session.commit()  # and hold no transaction (on SQLite: no write lock) while the browser posts
    happened, settled = today() - timedelta(days=5), today() - timedelta(days=2)
    sign_in(page, "unit_admin")
    page.wait_for_selector("[data-testid=home-unit_admin]")
    page.goto(f"/admin/units/{village_id}")
    page.get_by_test_id("incidents").click()
    page.wait_for_selector("[data-testid=incidents]")
    assert page.get_by_test_id("no-incidents").is_visible()
    assert fits_the_screen(page)

    page.get_by_test_id("record").click()
    page.locator("#kind").select_option("dispute")
    page.locator("#occurred_on").fill(happened.isoformat())
    page.locator("#summary").fill("两户因宅基地边界发生争执")
    page.locator("#status").select_option("resolved")
    page.locator("#resolved_on").fill((happened - timedelta(days=1)).isoformat())  # before it happened
    page.get_by_test_id("save-incident").click()
    assert page.locator("#resolved_on-help.field-error").is_visible()
    assert page.locator("#summary").input_value() == "两户因宅基地边界发生争执", "what was typed stays"
    assert page.locator("#kind").input_value() == "dispute"
    assert fits_the_screen(page)
    screenshot(page, "incident-form-refused")

    page.locator("#status").select_option("open")
    page.locator("#resolved_on").fill("")
    page.get_by_test_id("save-incident").click()
    page.wait_for_selector("[data-testid=resolve-form]")
    assert page.get_by_test_id("status").get_attribute("data-status") == "open"
    assert page.get_by_test_id("summary").inner_text() == "两户因宅基地边界发生争执"
    assert page.get_by_test_id("resolve").bounding_box()["height"] >= 44, "touch targets are large"
    assert fits_the_screen(page)

    page.locator("#resolved_on").fill(settled.isoformat())
    page.locator("#resolution").fill("村调委会调解，双方签订协议")
    page.get_by_test_id("resolve").click()
    page.wait_for_selector("[data-testid=resolution]")
    assert page.get_by_test_id("status").get_attribute("data-status") == "resolved"
    assert page.get_by_test_id("resolved-on").inner_text() == settled.isoformat()
    assert fits_the_screen(page)
    screenshot(page, "incident-resolved")
    db.session.expire_all()
    incident = db.session.scalar(select(Incident))
    assert (incident.kind, incident.status, incident.resolved_on, incident.recorded_by_id) == (
        "dispute",
        "resolved",
        settled,
        admin_id,
    )
    db.session.commit()

    page.get_by_role("link", name="山中村").first.click()
    page.wait_for_selector("[data-testid=incidents]")
    assert page.get_by_test_id("rate-dispute-value").inner_text() == "100.00 %"
    assert page.get_by_test_id("standard").get_attribute("data-met") == "yes"
    assert page.locator(f"[data-testid=incident-{incident.id}]").is_visible()
    assert fits_the_screen(page)
    screenshot(page, "incident-list")

    page.get_by_test_id("filters").click()  # folded away until wanted
    page.locator("#status").select_option("open")
    page.get_by_test_id("filter").click()
    page.wait_for_selector("[data-testid=no-incidents]")
    assert page.get_by_test_id("filters").is_visible() and page.locator("#status").input_value() == "open"
    assert fits_the_screen(page)
    screenshot(page, "incident-list-filtered")
