"""Self-reports (积分申报): a resident's report reaches the passbook only through review and the notice
period; rejected ones never; two-step review; withdraw; the daily limit; duplicates; photos; who may see."""

import io
from datetime import timedelta

import pytest
from flask_babel import gettext as _
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import validate as validate_schema
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import stream_encode_multipart

from moral_bank.auth import service as auth
from moral_bank.claims import service as claims
from moral_bank.claims.models import Claim
from moral_bank.core.db import db
from moral_bank.core.errors import Conflict, DomainError, FieldErrors, NotAllowed
from moral_bank.core.photos import Photo
from moral_bank.core.time import month_of, today
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.ledger.models import Transfer
from moral_bank.scoring import deeds, notices
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Deed

from . import factories
from .factories import balance, publish_and_post


@pytest.fixture
def village(world):
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    db.session.commit()
    return world


def jpeg(size=(40, 30), gps: bool = False, fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", size, "green")
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (36.0, 24.0, 0.0), 3: "E", 4: (111.0, 5.0, 0.0)}
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def fields(**changes) -> dict:
    return {"category": "neighbours", "date": today().isoformat(), "text": "帮邻居收玉米", **changes}


def report(w, **changes) -> Claim:
    return claims.report(w.h1, fields(**changes), [], w.users["resident"])


# --- the path to the passbook -------------------------------------------------------------


def test_an_approved_report_reaches_the_passbook_only_after_review_and_notice(village):
    claim = report(village, witness="李大妈")
    db.session.commit()
    assert claim.status == "pending" and balance(village.h1) == 0
    claims.decide(claim, True, "", village.users["unit_admin"], 8)
    db.session.commit()
    assert claim.status == "approved" and claim.deed.status == "approved" and claim.deed.points == 8
    assert balance(village.h1) == 0  # approved is not posted: the notice board comes first
    assert db.session.scalar(select(func.count(Transfer.id))) == 0
    assert publish_and_post(village) == 1
    db.session.commit()
    assert balance(village.h1) == 8
    assert claim.deed.status == "posted"


def test_a_scorers_approval_makes_a_deed_the_unit_admin_still_reviews(village):
    claim = report(village)
    claims.decide(claim, True, "", village.users["scorer"])
    assert claim.status == "approved" and claim.deed.status == "submitted"
    assert claim.deed.points == 10  # the category's limit when no points are given
    with pytest.raises(Conflict):  # nothing approved to publish yet
        notices.publish(village.village, month_of(), village.users["unit_admin"])
    assert balance(village.h1) == 0


def test_a_rejected_report_never_reaches_the_passbook_and_carries_its_reason(village, login_as):
    claim = report(village)
    with pytest.raises(DomainError) as err:  # a reason is needed
        claims.decide(claim, False, " ", village.users["scorer"])
    assert (err.value.field, err.value.message) == (
        "comment",
        _("Please tell the household why it is not approved."),
    )
    claims.decide(claim, False, "当天不在村里，请补充证人", village.users["scorer"])
    db.session.commit()
    assert claim.status == "rejected" and claim.deed_id is None
    assert db.session.scalar(select(func.count(Deed.id))) == 0
    with pytest.raises(Conflict):
        claims.decide(claim, True, "", village.users["unit_admin"])
    page = login_as("resident").get(f"/households/{village.h1.id}/claims").get_data(as_text=True)
    assert "当天不在村里，请补充证人" in page
    assert balance(village.h1) == 0


# --- two-step review ------------------------------------------------------------------------


def test_two_step_review_needs_the_scorer_then_the_unit_admin(village):
    scoring.update_settings(village.village, {"claims_two_step": True})
    claim = report(village)
    admin, scorer = village.users["unit_admin"], village.users["scorer"]
    with pytest.raises(Conflict) as err:
        claims.decide(claim, True, "", admin)
    assert err.value.message == _("Two-step review: the household's scorer checks this report first.")
    claims.decide(claim, True, "", scorer)
    assert claim.status == "checked" and claim.deed_id is None
    with pytest.raises(Conflict):  # the scorer's step is done
        claims.decide(claim, True, "", scorer)
    claims.decide(claim, True, "", admin, 6)
    assert claim.status == "approved" and claim.deed.status == "approved" and claim.deed.points == 6
    assert publish_and_post(village) == 1
    assert balance(village.h1) == 6


def test_two_step_the_unit_admin_may_still_reject_at_either_step(village):
    scoring.update_settings(village.village, {"claims_two_step": True})
    claim = report(village)
    claims.decide(claim, True, "", village.users["scorer"])
    claims.decide(claim, False, "照片看不出是哪一户", village.users["unit_admin"])
    assert claim.status == "rejected" and claim.deed_id is None


def test_the_settings_page_turns_two_step_review_on(village, login_as):
    admin = login_as("unit_admin")
    url = f"/scoring/units/{village.village.id}/settings"
    base = {"notice_days": "3", "name_privacy": "masked", "pin_threshold": "200", "black_list_threshold": "10"}
    bad = admin.post(url, data={**base, "claims_per_day": "0", "claims_two_step": "on"})
    assert bad.status_code == 422
    assert _("The self-reports a household may send a day: a whole number from 1 to 20.") in bad.get_data(as_text=True)
    assert scoring.settings_for(village.village).claims_two_step is False
    ok = admin.post(url, data={**base, "claims_per_day": "5", "claims_two_step": "on"})
    assert ok.status_code == 302
    settings = scoring.settings_for(village.village)
    assert (settings.claims_two_step, settings.claims_per_day) == (True, 5)


# --- withdraw, limit, duplicates, fields -----------------------------------------------------


def test_a_resident_withdraws_before_review_but_not_after(village, login_as):
    first, second = report(village), report(village, category="hygiene")
    db.session.commit()
    client = login_as("resident")
    assert client.post(f"/claims/{first.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert db.session.get(Claim, first.id).status == "withdrawn"
    claims.decide(db.session.get(Claim, second.id), True, "", village.users["unit_admin"])
    db.session.commit()
    with pytest.raises(Conflict):
        claims.withdraw(db.session.get(Claim, second.id), village.users["resident"])
    # a withdrawn report is out of the reviewers' queue
    assert first.id not in {c.id for c in claims.queue(village.users["unit_admin"], village.village)}


def test_the_daily_limit_stops_a_flood_and_counts_withdrawn_reports(village):
    scoring.update_settings(village.village, {"claims_per_day": 2})
    claims.withdraw(report(village), village.users["resident"])
    report(village, category="hygiene")
    with pytest.raises(Conflict) as err:
        report(village, category="culture")
    assert err.value.message == _(
        "Your household has sent %(n)s reports today, the most a day. Please try again tomorrow.", n=2
    )
    assert db.session.scalar(select(func.count(Claim.id))) == 2


def test_the_default_daily_limit_is_three(village, login_as):
    for n in range(3):
        report(village, text=f"第{n}件")
    db.session.commit()
    response = login_as("resident").post(
        f"/households/{village.h1.id}/claims/new",
        data={"category": "hygiene", "happened_on": today().isoformat(), "text": "第四件"},
    )
    assert response.status_code == 422
    limit = _("Your household has sent %(n)s reports today, the most a day. Please try again tomorrow.", n=3)
    assert limit in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Claim.id))) == 3


def test_a_duplicate_is_flagged_to_the_reviewer_not_refused(village, login_as):
    scoring.update_settings(village.village, {"claims_per_day": 5})
    first = report(village)
    second = report(village)  # same household, category and date
    other_day = report(village, date=(today() - timedelta(days=2)).isoformat())
    db.session.commit()
    assert claims.duplicates([first, second, other_day]) == {first.id, second.id}
    page = login_as("unit_admin").get(f"/units/{village.village.id}/claims").get_data(as_text=True)
    assert page.count('data-testid="duplicate"') == 2
    # a deed of the same day and kind counts too
    deeds.record_deed(village.h1, "culture", 5, "排练", today().isoformat(), actor=village.users["scorer"])
    third = report(village, category="culture")
    assert third.id in claims.duplicates([third])


def test_every_bad_field_is_named_at_once(village):
    member_of_other = village.other_h.members[0].id
    with pytest.raises(FieldErrors) as err:
        report(
            village,
            category="litter",
            date=(today() + timedelta(days=1)).isoformat(),
            text=" ",
            member_id=member_of_other,
            witness="x" * 51,
        )
    assert set(err.value.fields) == {"category", "date", "text", "member_id", "witness"}
    with pytest.raises(FieldErrors) as err:
        report(village, date=(today() - timedelta(days=31)).isoformat())
    assert err.value.fields["date"] == _("The date must be within the past %(n)s days, not in the future.", n=30)
    assert report(village, date=(today() - timedelta(days=30)).isoformat()).status == "pending"


# --- photos ------------------------------------------------------------------------------------


def post_claim(client, files, **data):
    body = {"category": "neighbours", "date": today().isoformat(), "text": "扶老人过马路", **data}
    body = MultiDict([*body.items(), *(("photos", FileStorage(io.BytesIO(raw), filename=name)) for name, raw in files)])
    # Encoded in memory: the test client spools a large body to a temporary file it never closes.
    stream, _length, boundary = stream_encode_multipart(body, use_tempfile=False)
    return client.post(
        "/api/v1/claims",
        data=stream.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=client.environ_base_headers,
    )


@pytest.fixture
def resident_api(app, village):
    raw, _t = auth.issue_token(village.users["resident"])
    db.session.commit()
    client = app.test_client()
    client.environ_base_headers = {"Authorization": f"Bearer {raw}"}
    return client


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        (
            "notes.jpg",
            b"just some text, not a picture",
            ("This file is not a photo we can read. Please send a JPEG, PNG or WebP.", {}),
        ),
        (
            "photo.exe",
            "JPEG",
            ("%(name)s: only files ending in .jpg, .jpeg, .png or .webp are accepted.", {"name": "photo.exe"}),
        ),
        (
            "photo.png",
            "JPEG",
            ("%(name)s: the name does not match the picture inside; please send it as taken.", {"name": "photo.png"}),
        ),
        ("big.jpg", "BIG", ("The photo is too large: at most %(mb)s MB.", {"mb": 10})),
    ],
)
def test_bad_photos_are_refused_with_a_clear_message(app, resident_api, name, raw, says):
    if raw == "JPEG":
        raw = jpeg()
    elif raw == "BIG":
        raw = jpeg() + b"\0" * app.config["PHOTO_MAX_BYTES"]
    response = post_claim(resident_api, [(name, raw)])
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["fields"]["photos"] == [_(says[0], **says[1])]
    assert db.session.scalar(select(func.count(Claim.id))) == 0
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_photos_are_stored_without_their_location_and_shown_to_the_household_only(village, resident_api, login_as):
    raw = jpeg(gps=True)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the upload does carry a location
    response = post_claim(resident_api, [("a.jpg", raw), ("b.PNG", jpeg(fmt="PNG")), ("c.webp", jpeg(fmt="WEBP"))])
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.json
    assert body["status"] == "pending" and len(body["photos"]) == 3
    claim = db.session.get(Claim, body["id"])
    stored = Image.open(io.BytesIO(claim.photos[0].photo.data))
    assert not stored.getexif() and "exif" not in stored.info
    assert b"PhoneMaker" not in claim.photos[0].photo.data
    assert login_as("resident").get(body["photos"][0]).status_code == 200
    assert login_as("scorer").get(body["photos"][0]).status_code == 200
    outsider = factories.user("v2_resident", "resident", village.other_village, village.other_h.members[0])
    db.session.commit()
    client = village_client(resident_api.application, outsider.username)
    assert client.get(body["photos"][0]).status_code == 403


def village_client(app, username):
    client = app.test_client()
    client.post("/login", data={"username": username, "password": factories.PASSWORD})
    return client


def test_at_most_six_photos(resident_api):
    response = post_claim(resident_api, [(f"{n}.jpg", jpeg()) for n in range(7)])
    assert response.status_code == 422
    assert response.json["error"]["fields"]["photos"] == [_("At most %(n)s photos.", n=6)]


# --- who may see and review ------------------------------------------------------------------


def test_a_resident_cannot_read_or_review_another_households_reports(app, village):
    mine = report(village)
    other_resident = factories.user("h2_resident", "resident", village.village)
    h2_claim = Claim(
        household=village.h2,
        unit_id=village.village.id,
        category=mine.category,
        happened_on=today(),
        text="别人家的事",
        witness="",
        reported_on=today(),
    )
    db.session.add(h2_claim)
    db.session.commit()
    raw, _t = auth.issue_token(village.users["resident"])
    db.session.commit()
    api = {"Authorization": f"Bearer {raw}"}
    web = village_client(app, "resident")
    client = app.test_client()
    assert client.get(f"/api/v1/households/{village.h2.id}/claims", headers=api).status_code == 403
    assert client.get(f"/api/v1/households/{village.h1.id}/claims", headers=api).json["items"][0]["id"] == mine.id
    review = client.post(f"/api/v1/claims/{h2_claim.id}/review", json={"approve": True}, headers=api)
    assert review.status_code == 403
    assert client.post(f"/api/v1/claims/{mine.id}/review", json={"approve": True}, headers=api).status_code == 403
    post_for_h2 = client.post("/api/v1/claims", data={**fields(), "household_id": str(village.h2.id)}, headers=api)
    assert post_for_h2.status_code == 403
    for url in (f"/households/{village.h2.id}/claims", f"/households/{village.h2.id}/claims/new"):
        assert web.get(url).status_code == 403, url
    assert web.post(f"/claims/{h2_claim.id}/withdraw").status_code == 403
    assert web.post(f"/claims/{h2_claim.id}/review", data={"decision": "approve"}).status_code == 403
    assert web.get(f"/units/{village.village.id}/claims").status_code == 403
    db.session.expire_all()
    assert db.session.get(Claim, h2_claim.id).status == "pending"
    assert other_resident.member is None  # a resident login without a household reports nothing
    with pytest.raises(NotAllowed):
        claims.report(village.h2, fields(), [], other_resident)


def test_a_scorer_reviews_only_the_households_assigned_to_them(village):
    h2_claim = Claim(
        household=village.h2,
        unit_id=village.village.id,
        category=report(village).category,
        happened_on=today(),
        text="x",
        witness="",
        reported_on=today(),
    )
    db.session.add(h2_claim)
    db.session.flush()
    with pytest.raises(NotAllowed):
        claims.decide(h2_claim, True, "", village.users["scorer"])
    assert h2_claim.id not in {c.id for c in claims.queue(village.users["scorer"], village.village)}
    assert h2_claim.id in {c.id for c in claims.queue(village.users["unit_admin"], village.village)}


# --- the pages and the API, end to end ---------------------------------------------------------


def test_the_resident_reports_on_the_phone_page_and_the_scorer_approves_on_the_queue(village, login_as):
    resident = login_as("resident")
    page = resident.get(f"/households/{village.h1.id}/claims/new")
    assert page.status_code == 200 and "邻里互助" in page.get_data(as_text=True)
    assert "乱堆乱放" not in page.get_data(as_text=True)  # deductions are not for self-reports
    sent = resident.post(
        f"/households/{village.h1.id}/claims/new",
        data={
            "category": "neighbours",
            "happened_on": today().isoformat(),
            "text": "帮五保户挑水",
            "witness": "张建国",
            "member_id": str(village.h1.members[1].id),
            "photos": (io.BytesIO(jpeg()), "water.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    claim = db.session.scalar(select(Claim))
    assert claim.member_id == village.h1.members[1].id and len(claim.photos) == 1
    scorer = login_as("scorer")
    queue = scorer.get(f"/units/{village.village.id}/claims").get_data(as_text=True)
    assert "帮五保户挑水" in queue and "张建国" in queue
    assert scorer.post(f"/claims/{claim.id}/review", data={"decision": "approve", "points": "7"}).status_code == 302
    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    assert claim.status == "approved" and claim.deed.points == 7 and claim.deed.photo_id is not None
    listing = resident.get(f"/households/{village.h1.id}/claims").get_data(as_text=True)
    assert 'data-testid="claim-status"' in listing and f"withdraw-{claim.id}" not in listing


def test_the_api_reports_lists_and_reviews(village, resident_api, app):
    created = post_claim(resident_api, [], witness="李秀英")
    assert created.status_code == 201
    claim_id = created.json["id"]
    document = resident_api.get("/api/v1/openapi.json").json
    schema = {**document["components"]["schemas"]["Claim"], "components": document["components"]}
    validate_schema(created.json, schema, cls=OAS30Validator)
    listed = resident_api.get(
        f"/api/v1/households/{village.h1.id}/claims", headers=resident_api.environ_base_headers
    ).json["items"]
    assert [c["id"] for c in listed] == [claim_id] and listed[0]["witness"] == "李秀英"
    raw, _t = auth.issue_token(village.users["unit_admin"])
    db.session.commit()
    admin = {"Authorization": f"Bearer {raw}"}
    client = app.test_client()
    bad = client.post(f"/api/v1/claims/{claim_id}/review", json={"approve": "yes"}, headers=admin)
    assert bad.status_code == 422
    too_many = client.post(f"/api/v1/claims/{claim_id}/review", json={"approve": True, "points": 11}, headers=admin)
    assert too_many.status_code == 422
    assert too_many.json["error"]["message"] == _("Points: a whole number from 1 to %(max)s.", max=10)
    done = client.post(f"/api/v1/claims/{claim_id}/review", json={"approve": True, "comment": "好"}, headers=admin)
    assert done.status_code == 200 and done.json["status"] == "approved" and done.json["deed_id"]
    again = client.post(f"/api/v1/claims/{claim_id}/review", json={"approve": True}, headers=admin)
    assert again.status_code == 409
    assert client.post("/api/v1/claims/999999/review", json={"approve": True}, headers=admin).status_code == 404
