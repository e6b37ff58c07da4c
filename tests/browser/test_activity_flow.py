"""Real browser at 360 px: a resident signs their household up for a volunteer activity on the phone; at
the event the organizer's phone shows the rotating check-in QR, and the resident's phone camera (Chromium's
fake camera playing a video of the QR the service signs for this 30-second window) reads it in the in-app
scanner, opens the check-in page, and one tap checks the household in."""

from datetime import timedelta

import pytest

from moral_bank.activities import attendance
from moral_bank.activities import service as activities
from moral_bank.activities.models import Activity
from moral_bank.core.db import db, utcnow
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.scoring import deeds

from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def test_a_resident_signs_up_then_checks_in_by_scanning_the_rotating_qr(
    page, camera_page, browser, world, live_server, app
):
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    start = utcnow() + timedelta(days=2)
    fields = {
        "title": "清扫村道",
        "place": "村委会门口",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 5,
        "points": 5,
        "category": "hygiene",
    }
    activity_id = activities.post(world.village, fields, world.users["unit_admin"]).id
    db.session.commit()  # and hold no transaction: on SQLite it would keep the server from writing

    # Before the day: the resident signs up on the phone, from the home page.
    sign_in(page, "resident")
    page.get_by_test_id("home-activities").get_by_role("link", name="清扫村道").click()
    assert page.get_by_test_id("places-left").is_visible()
    page.get_by_test_id("member-name").fill("王小军")
    assert fits_the_screen(page)
    page.get_by_test_id("sign-up").click()
    status = page.get_by_test_id("signup-status")
    assert "王小军" in status.inner_text() and "status-signed_up" in status.get_attribute("class")
    assert page.get_by_test_id("cancel-signup").is_visible()
    screenshot(page, "activity-signed-up-phone")

    # At the event: the organizer's phone shows the check-in QR, renewed every 30 seconds.
    activity = db.session.get(Activity, activity_id)
    assert activity.signed_up == 1
    activity.starts_at = utcnow() - timedelta(minutes=5)
    activity.ends_at = utcnow() + timedelta(hours=2)
    activity.signup_deadline = activity.starts_at
    db.session.commit()
    organizer = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server).new_page()
    sign_in(organizer, "unit_admin")
    organizer.goto(f"/activities/{activity_id}/qr")
    qr = organizer.get_by_test_id("checkin-qr")
    organizer.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=qr.element_handle())
    assert fits_the_screen(organizer)
    screenshot(organizer, "activity-check-in-qr-phone")
    organizer.context.close()

    # The resident's camera films the QR signed for this window; the scanner opens its check-in page.
    with app.test_request_context(base_url=live_server):
        url = attendance.checkin_url(db.session.get(Activity, activity_id))
    db.session.commit()
    phone = camera_page(url, PHONE)
    sign_in(phone, "resident")
    phone.get_by_test_id("activity-scan-link").click()
    phone.get_by_test_id("scan-start").click()
    phone.wait_for_url(f"**/activities/{activity_id}/check-in?t=*")
    assert fits_the_screen(phone)
    phone.get_by_test_id("check-in").click()
    phone.wait_for_url(f"**/activities/{activity_id}")
    status = phone.get_by_test_id("signup-status")
    assert "status-attended" in status.get_attribute("class")
    assert phone.locator(".flash-success").is_visible()
    screenshot(phone, "activity-checked-in-phone")

    db.session.expire_all()
    signup = activities.signup_of(db.session.get(Activity, activity_id), world.h1)
    assert (signup.status, signup.check_in_method) == ("attended", "qr")
    db.session.commit()
