"""The notice board: publish reviewed lines, objections while the period runs, and posting once."""

from datetime import timedelta

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from moral_bank.core.db import db, utcnow
from moral_bank.core.errors import Conflict, DomainError, FieldErrors, NotAllowed
from moral_bank.core.time import month_of
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Transfer
from moral_bank.scoring import deeds, notices, review, sheets
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Notice, NoticeLine

from .factories import award, user
from .test_deeds import day
from .test_rating_sheets import FULL
from .test_scoring_setup import demo_items

FULL_TOTAL = sum(FULL.values())


@pytest.fixture
def reviewed(world):
    """H1 has an approved sheet (FULL) and approved deeds: +20 mediation, -5 litter; H2 an approved sheet."""
    scoring.new_rubric_version(world.county, demo_items())
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    admin = world.users["unit_admin"]
    month = month_of()
    for h in (world.h1, world.h2):
        sheet, _ = sheets.save_sheet(h, month, FULL, "", admin, submit=True)
        review.review(sheet, True, "", admin)
    for code, points in (("mediation", 20), ("litter", 5)):
        deed, _ = deeds.record_deed(world.h1, code, points, "事由", day(), actor=admin)
        review.review(deed, True, "", admin)
    db.session.commit()
    world.month = month
    return world


def end_period(notice: Notice) -> None:
    notice.ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def balance(h) -> int:
    return ledger.current_balance(h.account.id)


def test_publishing_lists_every_approved_line_for_the_notice_period(reviewed):
    scoring.update_settings(reviewed.village, {"notice_days": 5})
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    assert sorted(line.points for line in notice.lines) == sorted([FULL_TOTAL, FULL_TOTAL, 20, -5])
    assert timedelta(days=5) == notice.ends_at - notice.published_at
    assert {line.source.status for line in notice.lines} == {"on_notice"}
    with pytest.raises(Conflict):  # nothing approved is left to publish
        notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])


def test_only_a_unit_admin_publishes_and_posts(reviewed):
    with pytest.raises(NotAllowed):
        notices.publish(reviewed.village, reviewed.month, reviewed.users["scorer"])
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    end_period(notice)
    with pytest.raises(NotAllowed):
        notices.post(notice, reviewed.users["scorer"])
    with pytest.raises(NotAllowed):
        notices.post(notice, user("other_admin", "unit_admin", reviewed.other_village))


def test_posting_waits_for_the_end_of_the_period(reviewed):
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    with pytest.raises(Conflict) as err:
        notices.post(notice, reviewed.users["unit_admin"])
    assert err.value.message == _(
        "The notice period runs until %(end)s; it can be posted after that.", end=notices.ends_text(notice)
    )
    assert balance(reviewed.h1) == 0
    end_period(notice)
    assert notices.post(notice, reviewed.users["unit_admin"]) == 4
    db.session.commit()
    assert balance(reviewed.h1) == FULL_TOTAL + 20 - 5
    assert balance(reviewed.h2) == FULL_TOTAL
    assert notice.status == "posted" and {line.source.status for line in notice.lines} == {"posted"}
    keys = set(db.session.scalars(select(Transfer.idempotency_key)))
    assert {f"sheet:{line.sheet_id}" for line in notice.lines if line.sheet_id} <= keys
    # Posting again, or the notice's lines again, posts nothing more.
    assert notices.post(notice, reviewed.users["unit_admin"]) == 0
    assert db.session.scalar(select(func.count(Transfer.id))) == 4


def test_a_zero_day_notice_posts_at_once(reviewed):
    scoring.update_settings(reviewed.village, {"notice_days": 0})
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    assert notices.why_not_postable(notice) is None
    notices.post(notice, reviewed.users["unit_admin"])
    assert balance(reviewed.h2) == FULL_TOTAL


def test_a_deduction_takes_no_more_than_the_balance(reviewed):
    """Balances never go negative: a deduction larger than the passbook takes what is there."""
    admin = reviewed.users["unit_admin"]
    deed, _ = deeds.record_deed(reviewed.h2, "quarrel", 30, "打架", day(), actor=admin)
    review.review(deed, True, "", admin)
    # H2's month: only the 30-point deduction (its sheet is returned), with 12 points in the passbook.
    award(reviewed.h2, 12, "earlier")
    sheet = sheets.sheet_for(reviewed.h2, reviewed.month)
    sheet.status = "returned"
    notice = notices.publish(reviewed.village, reviewed.month, admin)
    end_period(notice)
    notices.post(notice, admin)
    line = next(line for line in notice.lines if line.deed_id == deed.id)
    assert (line.points, line.posted_points) == (-30, -12)
    assert balance(reviewed.h2) == 0
    # H1's deduction came after its award in the same batch, so it was covered in full.
    assert balance(reviewed.h1) == FULL_TOTAL + 20 - 5


def test_objection_validation_names_each_field(reviewed):
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    with pytest.raises(FieldErrors) as err:
        notices.object_to(notice, 999999, " ", "call me", "")
    assert set(err.value.fields) == {"line_id", "name", "phone", "reason"}


def test_an_upheld_objection_sends_the_line_back_and_the_rest_posts(reviewed):
    admin, scorer = reviewed.users["unit_admin"], reviewed.users["scorer"]
    notice = notices.publish(reviewed.village, reviewed.month, admin)
    line = next(line for line in notice.lines if line.household_id == reviewed.h2.id)
    objection = notices.object_to(notice, line.id, "李大妈", "139 0000 1111", "他家上月没打扫卫生")
    end_period(notice)
    with pytest.raises(Conflict) as err:
        notices.post(notice, admin)
    assert err.value.message == _("%(n)s objection(s) are still open; resolve them first.", n=1)
    with pytest.raises(NotAllowed):
        notices.resolve(objection, True, "", scorer)
    notices.resolve(objection, True, "", admin)
    sheet = line.sheet
    assert (line.status, sheet.status) == ("withdrawn", "returned")
    assert "他家上月没打扫卫生" in sheet.review_comment
    assert notices.post(notice, admin) == 3
    assert balance(reviewed.h2) == 0
    # The scorer corrects, the admin approves, and it goes on a new notice.
    scoring.assign(reviewed.village, scorer, ["H2"])
    sheets.save_sheet(reviewed.h2, reviewed.month, {**FULL, "mei-clean": 0}, "", scorer, submit=True)
    review.review(sheet, True, "", admin)
    again = notices.publish(reviewed.village, reviewed.month, admin)
    assert [line.sheet_id for line in again.lines] == [sheet.id]
    end_period(again)
    notices.post(again, admin)
    assert balance(reviewed.h2) == sheet.total < FULL_TOTAL


def test_a_rejected_objection_needs_a_reason_and_then_posting_goes_ahead(reviewed):
    admin = reviewed.users["unit_admin"]
    notice = notices.publish(reviewed.village, reviewed.month, admin)
    objection = notices.object_to(notice, notice.lines[0].id, "张三", "13900001111", "分数太高")
    with pytest.raises(DomainError) as err:
        notices.resolve(objection, False, " ", admin)
    assert err.value.field == "resolution"
    notices.resolve(objection, False, "评分员已入户核实", admin)
    notices.resolve(objection, False, "评分员已入户核实", admin)  # a retry
    with pytest.raises(Conflict):
        notices.resolve(objection, True, "", admin)
    assert objection.status == "rejected" and objection.resolution == "评分员已入户核实"
    end_period(notice)
    assert notices.post(notice, admin) == 4


def test_objections_close_with_the_period(reviewed):
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    end_period(notice)
    with pytest.raises(Conflict):
        notices.object_to(notice, notice.lines[0].id, "张三", "13900001111", "分数太高")


def test_names_are_masked_unless_the_unit_shows_them_in_full(reviewed):
    assert notices.shown_name(reviewed.village, "王四保") == "王*保"
    scoring.update_settings(reviewed.village, {"name_privacy": "full"})
    assert notices.shown_name(reviewed.village, "王四保") == "王四保"


# --- close-month ----------------------------------------------------------------------


def test_close_month_posts_due_notices_once_and_reports_the_others(reviewed, runner):
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    db.session.commit()
    waiting = runner.invoke(args=["close-month", "--unit", reviewed.village.code, "--month", reviewed.month])
    assert waiting.exit_code == 1
    assert _("%(n)s notice(s) could not be posted yet.", n=1) in waiting.output
    end_period(notice)
    first = runner.invoke(args=["close-month", "--unit", reviewed.village.code, "--month", reviewed.month])
    assert first.exit_code == 0, first.output
    label = _("Notice %(id)s (%(unit)s, %(month)s)", id=notice.id, unit="V1", month=reviewed.month)
    assert _("%(notice)s: %(n)s lines posted.", notice=label, n=4) in first.output
    again = runner.invoke(args=["close-month"])
    assert again.exit_code == 0 and label not in again.output
    assert balance(reviewed.h1) == FULL_TOTAL + 15
    assert db.session.scalar(select(func.count(NoticeLine.id)).where(NoticeLine.status == "posted")) == 4


def test_close_month_refuses_an_unknown_unit_or_bad_month(runner, world):
    assert (
        _("No unit has the code %(code)s.", code="NOPE") in runner.invoke(args=["close-month", "--unit", "NOPE"]).output
    )
    bad_month = runner.invoke(args=["close-month", "--month", "October"])
    assert bad_month.exit_code == 1 and _("The month must look like 2026-10.") in bad_month.output


# --- corrections after posting ---------------------------------------------------------


@pytest.fixture
def posted(reviewed):
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    end_period(notice)
    notices.post(notice, reviewed.users["unit_admin"])
    db.session.commit()
    reviewed.notice = notice
    reviewed.line = lambda h, kind="sheet": next(
        ln for ln in notice.lines if ln.household_id == h.id and (ln.sheet_id if kind == "sheet" else ln.deed_id)
    )
    return reviewed


def test_a_correction_reverses_and_posts_anew_with_the_reason(posted):
    admin = posted.users["unit_admin"]
    line = posted.line(posted.h2)
    notices.correct(line, 60, "卫生整洁一项多记了20分", admin)
    assert balance(posted.h2) == 60 and line.posted_points == 60
    entries = db.session.scalars(ledger.entries_for(posted.h2.account.id)).all()
    assert [(e.amount, e.transfer.kind, e.transfer.memo) for e in entries] == [
        (-FULL_TOTAL, "reversal", "卫生整洁一项多记了20分"),
        (60, "rating", "卫生整洁一项多记了20分"),
        (FULL_TOTAL, "rating", posted.month),
    ]
    notices.correct(line, 70, "复核后再改", admin)  # a second correction reverses the first one's entry
    assert balance(posted.h2) == 70 and [c.new_points for c in line.corrections] == [60, 70]


def test_a_deduction_is_corrected_within_its_sign(posted):
    admin = posted.users["unit_admin"]
    line = next(ln for ln in posted.notice.lines if ln.points < 0)
    with pytest.raises(FieldErrors) as err:
        notices.correct(line, 3, "", admin)
    assert set(err.value.fields) == {"points", "reason"}
    notices.correct(line, -2, "柴草已清理，减轻扣分", admin)
    assert balance(posted.h1) == FULL_TOTAL + 20 - 2


def test_corrections_that_cannot_be_done_change_nothing(posted, reviewed):
    admin = posted.users["unit_admin"]
    line = posted.line(posted.h2)
    with pytest.raises(DomainError):
        notices.correct(line, FULL_TOTAL, "同分", admin)
    with pytest.raises(NotAllowed):
        notices.correct(line, 10, "理由", posted.users["scorer"])
    # H2 spends almost everything; taking back 80 to post 10 would overdraw.
    shop = ledger.open_shop_account(posted.village, "积分超市")
    ledger.transfer(posted.h2.account, shop, FULL_TOTAL - 5, "redemption", idempotency_key="spend")
    db.session.commit()
    with pytest.raises(Conflict):
        notices.correct(line, 10, "多记了", admin)
    db.session.rollback()
    assert balance(posted.h2) == 5 and line.posted_points == FULL_TOTAL and not line.corrections


def test_the_admin_corrects_from_the_notice_page(posted, login_as):
    admin = login_as("unit_admin")
    admin.post("/language", data={"locale": "en"})
    line = posted.line(posted.h2)
    bad = admin.post(f"/scoring/notice-lines/{line.id}/correct", data={"points": "abc", "reason": "x"})
    assert "whole number" in admin.get(bad.headers["Location"]).get_data(as_text=True)
    ok = admin.post(f"/scoring/notice-lines/{line.id}/correct", data={"points": "50", "reason": "复核"})
    page = admin.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Corrected 80 → 50: 复核" in page
    passbook = admin.get(f"/households/{posted.h2.id}").get_data(as_text=True)
    assert "Correction: 复核" in passbook and balance(posted.h2) == 50  # label and memo
