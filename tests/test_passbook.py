"""The passbook: months newest first, each entry explained, a 12-month chart, pages of 12 months,
and a resident sees only their own household (pages and API)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from moral_bank.core.db import db
from moral_bank.core.time import month_of
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Entry, Transfer
from moral_bank.passbook import service as passbook
from moral_bank.scoring import notices
from moral_bank.scoring.models import CATEGORY_LABELS

from .factories import award
from .test_notices import FULL_TOTAL, end_period, reviewed  # noqa: F401  (fixture)
from .test_scoring_setup import bearer


def backdate(transfer: Transfer, moment: datetime) -> None:
    """Tests only: pretend a transfer was posted at `moment` (history from years ago)."""
    db.session.execute(update(Entry).where(Entry.transfer_id == transfer.id).values(created_at=moment))
    db.session.execute(update(Transfer).where(Transfer.id == transfer.id).values(created_at=moment))


@pytest.fixture
def posted(reviewed):  # noqa: F811
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    end_period(notice)
    notices.post(notice, reviewed.users["unit_admin"])
    line = next(ln for ln in notice.lines if ln.sheet_id and ln.household_id == reviewed.h2.id)
    notices.correct(line, 60, "卫生整洁一项多记20分", reviewed.users["unit_admin"])
    db.session.commit()
    return reviewed


def test_each_entry_is_explained(posted):
    page = passbook.page_of(posted.h1)
    assert page.balance == FULL_TOTAL + 15
    (month,) = page.months
    assert month.month == month_of() and (month.earned, month.spent) == (FULL_TOTAL + 20, 5)
    lines = {line.kind: line for line in month.lines}
    rating = lines["rating"]
    assert posted.month in rating.label and dict(rating.breakdown)[str(CATEGORY_LABELS["xiao"])] == 14
    assert (lines["deed"].label, lines["deed"].detail) == ("矛盾调解", "事由")
    assert lines["deduction"].points == -5
    corrected = passbook.page_of(posted.h2).months[0].lines
    assert [(line.kind, line.points, line.detail) for line in corrected[:2]] == [
        ("reversal", -FULL_TOTAL, "卫生整洁一项多记20分"),
        ("rating", 60, "卫生整洁一项多记20分"),
    ]


def test_ten_years_of_history_come_a_year_at_a_time(world):
    now = datetime.now(UTC)
    for n in range(120):
        t = award(world.h1, n + 1, f"old-{n}")
        backdate(t, now - timedelta(days=30.4 * n + 1))
    db.session.commit()
    first = passbook.page_of(world.h1)
    assert first.has_older and 11 <= len(first.months) <= 12
    assert first.months[0].month >= first.months[-1].month
    last = passbook.page_of(world.h1, 10)
    assert not last.has_older and last.months
    pages = [passbook.page_of(world.h1, n) for n in range(1, 11)]
    shown = sum(line.points for p in pages for m in p.months for line in m.lines)
    assert shown == sum(range(1, 121)) == ledger.household_account(world.h1.id).balance
    assert len(first.chart) == 12 and first.chart[-1][0] == month_of()


def test_the_passbook_page_and_a_resident_who_changes_the_id(posted, login_as):
    resident = login_as("resident")  # of H1
    page = resident.get(f"/households/{posted.h1.id}/passbook")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "矛盾调解" in text and f"{FULL_TOTAL + 15}" in text and 'data-testid="chart"' in text
    assert resident.get(f"/households/{posted.h2.id}/passbook").status_code == 403
    assert resident.get(f"/households/{posted.h2.id}").status_code == 403
    token = bearer(posted.users["resident"])
    assert resident.get(f"/api/v1/households/{posted.h2.id}/passbook", headers=token).status_code == 403
    assert resident.get(f"/api/v1/households/{posted.h2.id}/entries", headers=token).status_code == 403
    assert resident.get(f"/api/v1/households/{posted.h2.id}", headers=token).status_code == 403
    assert resident.get(f"/api/v1/households/{posted.other_h.id}/passbook", headers=token).status_code == 403


def test_the_passbook_api(posted, client):
    token = bearer(posted.users["resident"])
    body = client.get(f"/api/v1/households/{posted.h1.id}/passbook", headers=token).json
    assert body["balance"] == FULL_TOTAL + 15 and body["month"] == month_of()
    assert sorted(e["points"] for e in body["entries"]) == sorted([FULL_TOTAL, 20, -5])
    rating = next(e for e in body["entries"] if e["kind"] == "rating")
    assert sum(b["points"] for b in rating["breakdown"]) == FULL_TOTAL
    empty = client.get(f"/api/v1/households/{posted.h1.id}/passbook?month=2020-01", headers=token).json
    assert empty["entries"] == [] and empty["earned"] == 0
    bad = client.get(f"/api/v1/households/{posted.h1.id}/passbook?month=2026-13", headers=token)
    assert bad.status_code == 422 and "month" in bad.json["error"]["fields"]
