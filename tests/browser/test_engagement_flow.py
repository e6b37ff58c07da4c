"""Real browser at 360 px: a unit admin posts an announcement; the resident finds it marked new on the
home page, opens it and has it read aloud (speechSynthesis stubbed: headless Chromium has no voices);
the passbook reads out its balance; the door plate's page fits the phone."""

import pytest

from moral_bank.cards import service as cards
from moral_bank.core.db import db
from moral_bank.engagement import doorplate

from ..factories import award
from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser

# A stand-in for the browser's speech synthesis that records what it was asked to say.
SPEECH_STUB = """
window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; this.voice = null; };
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  speaking: false,
  getVoices: function () { return %s; },
  speak: function (u) { window.__spoken.push({text: u.text, lang: u.lang}); },
  cancel: function () {},
  addEventListener: function () {}
}});
"""
VOICES = '[{lang: "zh-CN", name: "Mandarin"}, {lang: "zh_TW", name: "Taiwanese"}, {lang: "en-US", name: "English"}]'


def test_an_announcement_is_posted_found_unread_and_read_aloud(page, world):
    award(world.h1, 42, "browser-speak", memo="调解纠纷")
    village_id, household_id = world.village.id, world.h1.id
    db.session.commit()  # no transaction left open here while the server writes
    page.add_init_script(SPEECH_STUB % VOICES)

    sign_in(page, "unit_admin")
    page.goto(f"/units/{village_id}/announcements")
    page.get_by_test_id("title").fill("本周六停水")
    page.get_by_test_id("body").fill("周六上午八点到十二点停水，请提前储水。")
    page.get_by_test_id("pinned").check()
    assert fits_the_screen(page)
    page.get_by_test_id("post-announcement").click()
    page.wait_for_selector("[data-testid=announcement]")
    assert "本周六停水" in page.get_by_test_id("announcement").inner_text()
    page.get_by_test_id("logout").click()

    sign_in(page, "resident")
    item = page.locator("[data-testid=announcements] li").first
    assert "本周六停水" in item.inner_text() and item.get_by_test_id("unread").is_visible()
    assert fits_the_screen(page)
    screenshot(page, "announcement-home-unread")

    # The home page reads out the balance and the latest entries.
    page.get_by_test_id("read-balance").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken[-1]["lang"] == "zh-CN" and "42" in spoken[-1]["text"] and "调解纠纷" in spoken[-1]["text"]

    item.locator("a").click()
    page.wait_for_selector("[data-testid=announcement]")
    button = page.get_by_test_id("read-aloud")
    assert button.is_visible()
    button.click()
    assert page.evaluate("window.__spoken")[-1] == {
        "text": "本周六停水\n周六上午八点到十二点停水，请提前储水。",
        "lang": "zh-CN",
    }
    assert fits_the_screen(page)
    screenshot(page, "announcement-read-aloud")

    page.goto("/")
    assert page.get_by_test_id("unread").count() == 0  # opened: no longer new

    # In traditional Chinese the passbook asks for a Taiwanese voice.
    page.get_by_role("button", name="繁體中文").click()
    page.wait_for_selector("html[lang=zh-Hant]")
    page.goto(f"/households/{household_id}/passbook")
    page.get_by_test_id("read-passbook").click()
    spoken = page.evaluate("window.__spoken")[-1]
    assert spoken["lang"] == "zh-TW" and "42" in spoken["text"]


def test_no_voice_no_button(page, world):
    page.add_init_script(SPEECH_STUB % "[]")
    db.session.commit()
    sign_in(page, "resident")
    page.wait_for_selector("[data-testid=home-resident]")
    assert page.get_by_test_id("read-balance").is_hidden()


def test_the_door_plate_page_fits_the_phone(page, world, live_server, app):
    award(world.h1, 30, "browser-plate")
    db.session.commit()
    with app.test_request_context(base_url=live_server):
        path = "/d/" + doorplate.token_of(world.h1.id, cards.current(world.h1).version)
    db.session.commit()
    page.goto(path)
    assert "王*保" in page.get_by_test_id("plate-name").inner_text()
    assert page.get_by_test_id("plate-earned").inner_text() == "30"
    assert page.get_by_test_id("plate-rank").inner_text() == "1"
    assert fits_the_screen(page)
    screenshot(page, "door-plate-page")
