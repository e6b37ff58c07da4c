"""Real browser, 360 px: a villager objects to a line on the public notice board; the unit admin
rejects it with a reason, which the villager then reads; after the period the admin posts."""

import pytest

from moral_bank.core.db import db
from moral_bank.ledger import service as ledger
from moral_bank.scoring import notices

from ..test_notices import FULL_TOTAL, end_period, reviewed  # noqa: F401  (fixture)
from .conftest import screenshot
from .test_sign_in_flow import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_an_objection_from_the_public_board_to_posting(page, reviewed):  # noqa: F811
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    line_id = next(line.id for line in notice.lines if line.household_id == reviewed.h2.id)
    notice_id = notice.id
    db.session.commit()  # and hold no transaction: on SQLite it would keep the server from writing

    page.goto("/notice-board/V1")
    assert "张*国" in page.content() and "张建国" not in page.content()
    assert fits_the_screen(page)
    screenshot(page, "notice-board")
    page.get_by_test_id(f"object-{line_id}").click()
    page.get_by_label("您的姓名").fill("李大妈")
    page.get_by_label("您的电话").fill("12")
    page.get_by_label("哪里不对？").fill("他家上月没打扫卫生")
    page.get_by_test_id("send-objection").click()
    assert page.get_by_role("alert").first.is_visible()
    assert page.get_by_label("哪里不对？").input_value() == "他家上月没打扫卫生", "what was typed stays"
    page.get_by_label("您的电话").fill("13900001111")
    page.get_by_test_id("send-objection").click()
    assert page.get_by_test_id("objection-status").inner_text() == "待处理"
    receipt_url = page.url
    assert fits_the_screen(page)
    screenshot(page, "notice-objection-receipt")

    admin = page.context.browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=page.url.split("/objections")[0]
    ).new_page()
    sign_in(admin, "unit_admin")
    admin.goto(f"/scoring/notices/{notice_id}")
    assert "他家上月没打扫卫生" in admin.content()
    objection_id = notices.open_objections(notice)[0].id
    db.session.commit()
    admin.locator(f"#resolution-{objection_id}").fill("评分员已入户核实，卫生达标")
    admin.get_by_test_id(f"reject-{objection_id}").click()
    assert "异议已驳回" in admin.content()
    screenshot(admin, "notice-admin")

    page.goto(receipt_url)
    assert page.get_by_test_id("objection-status").inner_text() == "已驳回"
    assert "评分员已入户核实，卫生达标" in page.get_by_test_id("objection-resolution").inner_text()

    end_period(notice)
    admin.reload()
    admin.get_by_test_id("post-notice").click()
    assert admin.get_by_test_id("notice-status").inner_text() == "已入账"
    db.session.expire_all()
    assert ledger.current_balance(reviewed.h2.account.id) == FULL_TOTAL
    db.session.commit()
    admin.context.close()
