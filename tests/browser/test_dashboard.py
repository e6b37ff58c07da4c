"""Real browser: the county dashboard on a desktop and on a 360 px phone: the charts are drawn, the
figures show in the tables, the colour grid's cells lead to their scores, and nothing breaks the CSP;
and the county's score rules changed from its dashboard on a phone."""

import pytest

from .. import factories
from ..test_dashboards import OCT, county  # noqa: F401  (fixture)
from .conftest import refused_form, screenshot
from .test_sign_in_flow import fits_the_screen

pytestmark = pytest.mark.browser

DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
  return inked > 500;  // axes, labels and lines, not a blank canvas
}"""


def _county_admin(context, live_server):
    """A page signed in as the county admin, and the list its console errors go to."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not refused_form(msg) else None)
    page.goto("/login")
    page.get_by_label("用户名").fill("county")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{live_server}/")
    return page, errors


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1280, 900), ("phone", 360, 740)])
def test_the_county_dashboard(browser, live_server, county, name, width, height):  # noqa: F811
    _c, _t1, _t2, units = county
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", base_url=live_server)
    page, errors = _county_admin(context, live_server)
    try:
        page.get_by_test_id("dashboard-link").click()
        page.wait_for_url("**/dashboard/C")
        page.select_option("#period", OCT)
        page.get_by_test_id("period-form").get_by_role("button").click()
        page.wait_for_url(f"**/dashboard/C?period={OCT}*")

        for chart in ("chart-compliance", "chart-incidents", "chart-problems"):
            page.get_by_test_id(chart).scroll_into_view_if_needed()
            page.wait_for_function(DRAWN, arg=chart, timeout=10_000)
        # With the charts drawn the same figures fold away in a table, still there for screen readers.
        assert page.locator("details.figures").evaluate("d => !d.open")
        assert page.get_by_test_id("trend-2026-10-rate").text_content().strip() == "77.78 %"

        assert page.get_by_test_id("overall-rate").inner_text() == "77.78 %"
        assert page.get_by_test_id("group-others-rate").inner_text() == "66.67 %"
        assert page.get_by_test_id("township-T1-warning").get_attribute("data-warning") == "red"
        assert page.get_by_test_id("score-S1").inner_text() == "73.33"
        assert fits_the_screen(page)
        screenshot(page, f"county-dashboard-{name}")

        cell = page.get_by_test_id("cell-V1")
        assert cell.get_attribute("data-colour") == "red" and cell.get_attribute("title").startswith("V1村")
        cell.click()
        page.wait_for_url(f"**/governance/units/{units['V1'].id}/score?month={OCT}")
        assert "V1村" in page.locator("h1").inner_text()
    finally:
        context.close()
    assert not errors, f"errors in the browser console: {errors}"


def test_the_county_changes_its_score_rules_on_a_phone(browser, live_server, county):  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=live_server)
    page, errors = _county_admin(context, live_server)
    try:
        page.goto("/dashboard/C")
        page.get_by_test_id("rules-link").click()
        page.wait_for_url("**/governance/counties/*/settings")
        # Weights that do not add up are refused, with the sum, and nothing is saved.
        page.get_by_label("三零", exact=True).fill("50")
        page.get_by_test_id("save-settings").click()
        assert "加起来是 110" in page.get_by_role("alert").first.inner_text()
        assert fits_the_screen(page)
        screenshot(page, "score-rules-phone")
        page.get_by_label("参与度", exact=True).fill("10")
        page.get_by_test_id("save-settings").click()
        page.wait_for_url("**/governance/counties/*/settings")
        assert "已保存" in page.get_by_role("status").first.inner_text()
        assert page.get_by_label("三零", exact=True).input_value() == "50"
        assert page.get_by_label("参与度", exact=True).input_value() == "10"
    finally:
        context.close()
    assert not errors, f"errors in the browser console: {errors}"
