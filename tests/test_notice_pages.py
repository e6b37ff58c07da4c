"""The notice board pages: the public board and objection form, and the unit admin's publish/resolve/post pages."""

from moral_bank.core.db import db
from moral_bank.ledger import service as ledger
from moral_bank.scoring import notices
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Notice, Objection

from .test_notices import FULL_TOTAL, end_period, reviewed  # noqa: F401  (fixture)


def english(client):
    client.post("/language", data={"locale": "en"})
    return client


def test_the_public_board_masks_names_and_takes_an_objection(reviewed, client):  # noqa: F811
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    db.session.commit()
    english(client)
    page = client.get("/notice-board/V1").get_data(as_text=True)
    assert "王*保" in page and "张*国" in page and "王四保" not in page
    assert notices.ends_text(notice) in page and "矛盾调解" in page
    line = next(line for line in notice.lines if line.household_id == reviewed.h2.id)

    form_url = f"/notice-board/V1/lines/{line.id}/objection"
    assert "张*国" in client.get(form_url).get_data(as_text=True)
    bad = client.post(form_url, data={"name": "李大妈", "phone": "call me", "reason": ""})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "phone number" in text and "This field is required." in text and 'value="李大妈"' in text

    sent = client.post(form_url, data={"name": "李大妈", "phone": "13900001111", "reason": "没见他家打扫"})
    assert sent.status_code == 302
    receipt = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Awaiting a decision" in receipt and "没见他家打扫" in receipt
    objection = db.session.scalar(db.select(Objection))
    assert (objection.name, objection.phone, objection.line_id) == ("李大妈", "13900001111", line.id)

    # The admin rejects it; the objector's page shows the reason.
    notices.resolve(objection, False, "已入户核实，卫生达标", reviewed.users["unit_admin"])
    db.session.commit()
    later = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Rejected" in later and "已入户核实，卫生达标" in later
    assert client.get("/objections/not-a-real-token").status_code == 404


def test_full_names_when_the_unit_shows_them(reviewed, client):  # noqa: F811
    scoring.update_settings(reviewed.village, {"name_privacy": "full"})
    notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    assert "王四保" in client.get("/notice-board/V1").get_data(as_text=True)


def test_a_signed_in_resident_finds_the_form_filled_in(reviewed, login_as):  # noqa: F811
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    resident = login_as("resident")
    page = resident.get(f"/notice-board/V1/lines/{notice.lines[0].id}/objection").get_data(as_text=True)
    assert 'value="王四保"' in page and 'value="13900000000"' in page


def test_after_the_period_the_form_is_closed(reviewed, client):  # noqa: F811
    notice = notices.publish(reviewed.village, reviewed.month, reviewed.users["unit_admin"])
    end_period(notice)
    english(client)
    assert "object-" not in client.get("/notice-board/V1").get_data(as_text=True)
    url = f"/notice-board/V1/lines/{notice.lines[0].id}/objection"
    assert "closed" in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"name": "李", "phone": "13900001111", "reason": "不对"})
    assert refused.status_code == 422 and "ended" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(Objection)) is None


def test_admin_publishes_resolves_and_posts_from_the_pages(reviewed, login_as):  # noqa: F811
    admin = english(login_as("unit_admin"))
    page = admin.get(f"/scoring/units/{reviewed.village.id}/notices").get_data(as_text=True)
    assert f"{reviewed.month}: 4 approved" in page
    bad = admin.post(f"/scoring/units/{reviewed.village.id}/notices", data={"month": "1999-99"})
    assert bad.status_code == 422 and "2026-10" in bad.get_data(as_text=True)
    published = admin.post(f"/scoring/units/{reviewed.village.id}/notices", data={"month": reviewed.month})
    assert published.status_code == 302
    notice = db.session.scalar(db.select(Notice))
    objection = notices.object_to(notice, notice.lines[0].id, "张三", "13900001111", "分数太高")
    detail = admin.get(f"/scoring/notices/{notice.id}").get_data(as_text=True)
    assert "runs until" in detail and "分数太高" in detail and "post-notice" not in detail

    no_reason = admin.post(f"/scoring/objections/{objection.id}/resolve", data={"decision": "reject"})
    assert no_reason.status_code == 302 and objection.status == "open"
    assert "reason for rejecting" in admin.get(no_reason.headers["Location"]).get_data(as_text=True)
    admin.post(f"/scoring/objections/{objection.id}/resolve", data={"decision": "uphold", "resolution": "改"})
    assert objection.status == "upheld" and objection.line.status == "withdrawn"

    end_period(notice)
    detail = admin.get(f"/scoring/notices/{notice.id}").get_data(as_text=True)
    assert "post-notice" in detail
    admin.post(f"/scoring/notices/{notice.id}/post")
    assert notice.status == "posted"
    h1_sheet_withdrawn = objection.line.household_id == reviewed.h1.id
    expected_h1 = (20 - 5) if h1_sheet_withdrawn else FULL_TOTAL + 15
    assert ledger.current_balance(reviewed.h1.account.id) == expected_h1
    assert "3 lines posted" in admin.get(f"/scoring/notices/{notice.id}").get_data(as_text=True)
