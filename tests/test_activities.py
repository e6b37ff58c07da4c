"""Volunteer activities (志愿活动): posting, sign-up within capacity and the deadline, cancelling, who may
see and join, the rotating check-in QR, the organizer's card and list check-in, and closing into deeds
that reach the passbook only after the notice period; no-shows get nothing and are recorded."""

from datetime import timedelta

import pytest
from flask_babel import gettext as _
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from moral_bank.activities import attendance, service
from moral_bank.activities.models import Activity, Signup
from moral_bank.cards import service as cards
from moral_bank.core.db import db, utcnow
from moral_bank.core.errors import Conflict, DomainError, FieldErrors, NotAllowed
from moral_bank.core.time import zone
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.scoring import deeds
from moral_bank.scoring.models import Deed

from . import factories
from .factories import balance, publish_and_post

EN = {"Accept-Language": "en"}


@pytest.fixture
def village(world):
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    db.session.commit()
    return world


def fields(**changes) -> dict:
    start = utcnow() + timedelta(days=2)
    return {
        "title": "清扫村道",
        "description": "带好扫帚",
        "place": "村委会门口",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "capacity": 10,
        "points": 5,
        "category": "hygiene",
        **changes,
    }


def post(w, unit=None, **changes) -> Activity:
    return service.post(unit or w.village, fields(**changes), w.users["unit_admin" if unit is None else "county_admin"])


def under_way(activity: Activity) -> Activity:
    """Started ten minutes ago (sign-up closed at the start)."""
    activity.starts_at = utcnow() - timedelta(minutes=10)
    activity.ends_at = utcnow() + timedelta(hours=2)
    activity.signup_deadline = activity.starts_at
    db.session.flush()
    return activity


def far_resident(w):
    user = factories.user("far_resident", "resident", w.other_village, w.other_h.members[0])
    db.session.commit()
    return user


# --- posting ----------------------------------------------------------------------------------


def test_every_bad_field_is_named_at_once(village):
    start = utcnow() + timedelta(days=1)
    bad = fields(
        title=" ",
        place="x" * 121,
        ends_at=(start - timedelta(hours=1)).isoformat(),
        starts_at=start.isoformat(),
        signup_deadline=(start + timedelta(hours=1)).isoformat(),
        capacity=0,
        points=1001,
        category="nope",
    )
    with pytest.raises(FieldErrors) as err:
        service.post(village.village, bad, village.users["unit_admin"])
    assert set(err.value.fields) == {"title", "place", "ends_at", "signup_deadline", "capacity", "category", "points"}
    with pytest.raises(FieldErrors) as err:
        post(village, points=9)  # 环境卫生 allows 8 a deed
    assert set(err.value.fields) == {"points"}
    with pytest.raises(FieldErrors) as err:
        post(village, starts_at="2020-01-01T09:00", ends_at="2020-01-01T11:00")
    assert set(err.value.fields) == {"starts_at"}
    with pytest.raises(FieldErrors) as err:  # a village lists no served units
        post(village, served=["V2"])
    assert set(err.value.fields) == {"served"}


def test_a_unit_admin_posts_only_on_their_unit(village):
    with pytest.raises(NotAllowed):
        service.post(village.other_village, fields(), village.users["unit_admin"])
    activity = post(village)
    assert (activity.signed_up, activity.places_left, activity.status) == (0, 10, "open")
    assert activity.signup_deadline == activity.starts_at  # the default deadline


# --- sign-up, capacity, deadline, cancelling --------------------------------------------------


def test_signing_up_takes_a_place_once_and_cancelling_before_the_deadline_frees_it(village):
    activity = post(village)
    resident = village.users["resident"]
    signup, created = service.sign_up(activity, village.h1, resident, "王小军")
    assert created and signup.member_name == "王小军" and activity.signed_up == 1
    again, created = service.sign_up(activity, village.h1, resident)
    assert not created and again.id == signup.id and activity.signed_up == 1
    service.cancel(activity, village.h1, resident)
    db.session.commit()
    assert activity.signed_up == 0 and service.signup_of(activity, village.h1) is None
    service.sign_up(activity, village.h1, resident)  # the place can be taken again
    assert activity.signed_up == 1


def test_cancelling_after_the_deadline_is_refused(village):
    activity = post(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    activity.signup_deadline = utcnow() - timedelta(minutes=1)
    with pytest.raises(Conflict) as err:
        service.cancel(activity, village.h1, village.users["resident"])
    assert "deadline" in err.value.message or "截止" in err.value.message
    assert activity.signed_up == 1


def test_signing_up_after_the_deadline_or_when_full_is_refused_with_a_clear_message(village, login_as):
    activity = post(village, capacity=1)
    service.sign_up(activity, village.h2, village.users["unit_admin"])  # the organizer adds H2
    assert activity.signed_up == 1
    with pytest.raises(Conflict) as err:
        service.sign_up(activity, village.h1, village.users["resident"])
    assert err.value.message == _("Sorry, this activity is full.")
    db.session.rollback()
    activity = post(village, capacity=5)
    activity.signup_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = login_as("resident")
    client.post("/language", data={"locale": "en"})
    response = client.post(f"/activities/{activity.id}/sign-up", follow_redirects=True)
    assert "The sign-up deadline has passed." in response.get_data(as_text=True)
    assert activity.signed_up == 0


def test_the_database_refuses_a_counter_over_capacity(village):
    from sqlalchemy.exc import IntegrityError

    activity = post(village, capacity=1)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(Activity.__table__.update().where(Activity.id == activity.id).values(signed_up=2))
        db.session.flush()
    db.session.rollback()


# --- who may see and join ---------------------------------------------------------------------


def test_another_units_resident_cannot_see_or_join(village, login_as, app):
    activity = post(village)
    far = far_resident(village)
    with pytest.raises(NotAllowed):
        service.sign_up(activity, village.other_h, far)
    with pytest.raises(NotAllowed):  # nor sign up someone else's household
        service.sign_up(activity, village.h2, village.users["resident"])
    assert not service.may_see(far, activity) and service.may_see(village.users["resident"], activity)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "far_resident", "password": factories.PASSWORD})
    assert client.get(f"/activities/{activity.id}").status_code == 403
    assert client.post(f"/activities/{activity.id}/sign-up").status_code == 403
    token = attendance.checkin_token(activity)
    assert client.get(f"/activities/{activity.id}/check-in?t={token}").status_code == 403
    assert activity.signed_up == 0
    # Nor is it on their home page.
    assert "清扫村道" not in client.get("/").get_data(as_text=True)
    assert "清扫村道" in login_as("resident").get("/").get_data(as_text=True)


def test_a_township_activity_reaches_the_listed_villages_only(village):
    sibling = factories.unit("V3", "village", village.township, "西坡村")
    h = factories.household(sibling, "H9", "赵大山", [])
    sibling_resident = factories.user("sibling", "resident", sibling, h.members[0])
    township_admin = village.users["township_admin"]
    activity = service.post(village.township, fields(served=["V1"]), township_admin)
    assert [u.code for u in activity.served] == ["V1"]
    service.sign_up(activity, village.h1, village.users["resident"])
    with pytest.raises(NotAllowed):
        service.sign_up(activity, h, sibling_resident)
    assert not service.may_see(sibling_resident, activity)
    assert [a.id for a in service.open_for(village.village)] == [activity.id]
    assert service.open_for(sibling) == []
    everyone = service.post(village.township, fields(title="植树"), township_admin)
    assert [a.id for a in service.open_for(sibling)] == [everyone.id]
    with pytest.raises(NotAllowed):  # a village's admin does not run the township's activity
        service.sign_up(activity, village.h2, village.users["unit_admin"])


# --- the rotating check-in QR -----------------------------------------------------------------


def test_a_check_in_token_works_in_its_window_and_the_next_only(village, app):
    activity = post(village)
    other = post(village, title="敬老院慰问")
    now = utcnow()
    with app.test_request_context():
        attendance.read_token(activity, attendance.checkin_token(activity, now), now)
        attendance.read_token(activity, attendance.checkin_token(activity, now - timedelta(seconds=30)), now)
        refusals = {
            "older": attendance.checkin_token(activity, now - timedelta(seconds=60)),
            "other activity": attendance.checkin_token(other, now),
            "other signer": URLSafeSerializer("another-key", salt="activity-check-in").dumps(
                [activity.id, attendance.window(now)]
            ),
            "garbage": "not-a-token",
        }
        for what, token in refusals.items():
            with pytest.raises(Conflict):
                attendance.read_token(activity, token, now)
            assert what
        with pytest.raises(DomainError):
            attendance.read_token(activity, "", now)


def test_a_resident_checks_in_with_the_qr_once(village, login_as, app):
    activity = post(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    under_way(activity)
    db.session.commit()
    with app.test_request_context():
        url = attendance.checkin_url(activity)
    path = url.split("://", 1)[1].split("/", 1)[1]
    client = login_as("resident")
    client.post("/language", data={"locale": "en"})
    page = client.get("/" + path)
    assert page.status_code == 200 and 'data-testid="check-in"' in page.get_data(as_text=True)
    token = path.split("t=", 1)[1]
    done = client.post(f"/activities/{activity.id}/check-in", data={"t": token}, follow_redirects=True)
    assert "You are checked in." in done.get_data(as_text=True)
    again = client.post(f"/activities/{activity.id}/check-in", data={"t": token}, follow_redirects=True)
    assert "You were checked in already." in again.get_data(as_text=True)
    signup = service.signup_of(activity, village.h1)
    assert signup.status == "attended" and signup.check_in_method == "qr"
    assert attendance.check_in(activity, village.h1, village.users["unit_admin"], "list")[1] is False
    assert service.attended_count(activity) == 1


def test_an_expired_or_foreign_code_is_refused_on_the_page(village, login_as, app):
    activity = post(village)
    other = post(village, title="敬老院慰问")
    service.sign_up(activity, village.h1, village.users["resident"])
    under_way(activity)
    under_way(other)
    db.session.commit()
    with app.test_request_context():
        old = attendance.checkin_token(activity, utcnow() - timedelta(seconds=90))
        foreign = attendance.checkin_token(other)
    client = login_as("resident")
    client.post("/language", data={"locale": "en"})
    for token, says in ((old, "has expired"), (foreign, "for another activity")):
        response = client.post(f"/activities/{activity.id}/check-in", data={"t": token})
        assert response.status_code == 422 and says in response.get_data(as_text=True)
    assert service.signup_of(activity, village.h1).status == "signed_up"


def test_a_resident_without_a_sign_up_is_sent_to_the_organizer_who_may_add_a_walk_in(village, app):
    activity = post(village, capacity=1)
    under_way(activity)
    with app.test_request_context():
        token = attendance.checkin_token(activity)
    with pytest.raises(Conflict) as err:
        attendance.check_in_by_token(activity, token, village.users["resident"])
    assert err.value.message == _("Your household has not signed up for this activity. Please see the organizer.")
    admin = village.users["unit_admin"]
    signup, now = attendance.check_in(activity, village.h1, admin, "card")
    assert now and signup.walk_in and signup.status == "attended" and activity.signed_up == 1
    with pytest.raises(Conflict):  # full: no more walk-ins
        attendance.check_in(activity, village.h2, admin, "list")
    with pytest.raises(NotAllowed):  # the household of another township is out of reach
        attendance.check_in(activity, village.other_h, village.users["county_admin"], "card")


def test_check_in_opens_an_hour_before_the_start(village, app):
    activity = post(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    with app.test_request_context():
        token = attendance.checkin_token(activity)
    with pytest.raises(Conflict):
        attendance.check_in_by_token(activity, token, village.users["resident"])
    activity.starts_at = utcnow() + timedelta(minutes=50)
    activity.ends_at = activity.starts_at + timedelta(hours=1)
    assert attendance.check_in_by_token(activity, token, village.users["resident"])[1]


def test_the_organizer_checks_in_by_card_code_and_from_the_list(village, login_as):
    activity = post(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    service.sign_up(activity, village.h2, village.users["unit_admin"])
    under_way(activity)
    code = cards.current(village.h1).short_code
    db.session.commit()
    admin = login_as("unit_admin")
    admin.post("/language", data={"locale": "en"})
    page = admin.post(f"/activities/{activity.id}/check-ins", data={"code": code}, follow_redirects=True)
    assert "王四保 checked in." in page.get_data(as_text=True)
    page = admin.post(
        f"/activities/{activity.id}/check-ins", data={"household_id": str(village.h2.id)}, follow_redirects=True
    )
    assert "张建国 checked in." in page.get_data(as_text=True)
    bad = admin.post(f"/activities/{activity.id}/check-ins", data={"code": "ZZZZZZZZ"})
    assert bad.status_code == 422
    methods = {s.household_id: s.check_in_method for s in service.signups(activity)}
    assert methods == {village.h1.id: "card", village.h2.id: "list"}


# --- closing into deeds -----------------------------------------------------------------------


def test_closing_records_deeds_once_that_post_only_after_the_notice(village):
    activity = post(village, points=6)
    admin = village.users["unit_admin"]
    service.sign_up(activity, village.h1, village.users["resident"])
    service.sign_up(activity, village.h2, admin)
    with pytest.raises(Conflict):  # not started yet
        attendance.close(activity, admin)
    under_way(activity)
    attendance.check_in(activity, village.h1, admin, "list")
    closed = attendance.close(activity, admin)
    db.session.commit()
    assert closed.deeds_created == 1 and activity.status == "closed"
    assert [s.household_id for s in closed.attended] == [village.h1.id]
    assert [s.household_id for s in closed.no_show] == [village.h2.id]
    again = attendance.close(activity, admin)
    assert again.deeds_created == 0 and db.session.scalar(select(func.count(Deed.id))) == 1
    deed = service.signup_of(activity, village.h1).deed
    assert (deed.status, deed.points, deed.category.code) == ("approved", 6, "hygiene")
    assert deed.happened_on.isoformat() == attendance.to_local(activity.starts_at).date().isoformat()
    assert service.signup_of(activity, village.h2).deed_id is None
    assert balance(village.h1) == 0  # approved is not posted: the notice board comes first
    assert publish_and_post(village) == 1
    db.session.commit()
    assert balance(village.h1) == 6 and balance(village.h2) == 0
    assert service.signup_of(activity, village.h1).deed.status == "posted"
    with pytest.raises(Conflict):  # closed: no more check-ins
        attendance.check_in(activity, village.h2, admin, "list")


def test_the_organizer_confirms_a_different_list_when_closing(village):
    activity = post(village)
    admin = village.users["unit_admin"]
    service.sign_up(activity, village.h1, village.users["resident"])
    service.sign_up(activity, village.h2, admin)
    under_way(activity)
    attendance.check_in(activity, village.h1, admin, "list")
    with pytest.raises(DomainError):  # not signed up
        attendance.close(activity, admin, [village.other_h.id])
    with pytest.raises(DomainError):
        attendance.close(activity, admin, "all")
    assert activity.status == "open"
    closed = attendance.close(activity, admin, [village.h2.id])
    assert [s.household_id for s in closed.attended] == [village.h2.id]
    assert [s.household_id for s in closed.no_show] == [village.h1.id]
    assert service.signup_of(activity, village.h2).check_in_method == "close"


def test_only_the_organizer_closes(village):
    activity = under_way(post(village))
    with pytest.raises(NotAllowed):
        attendance.close(activity, village.users["scorer"])
    with pytest.raises(NotAllowed):
        attendance.close(activity, village.users["resident"])


# --- pages ------------------------------------------------------------------------------------


def test_the_organizer_posts_on_the_page_and_bad_input_is_shown_on_the_form(village, login_as):
    admin = login_as("unit_admin")
    admin.post("/language", data={"locale": "en"})
    url = f"/units/{village.village.id}/activities"
    assert admin.get(url).status_code == 200
    bad = admin.post(url, data={"title": "", "capacity": "abc", "category": "hygiene", "points": "5"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "This field is required." in text and "A whole number from 1 to 1000." in text
    start = (utcnow() + timedelta(days=3)).astimezone(zone()).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=3, hours=2)).astimezone(zone()).strftime("%Y-%m-%dT%H:%M")
    good = {"title": "清扫村道", "place": "村委会", "starts_at": start, "ends_at": end, "capacity": "8"}
    response = admin.post(url, data={**good, "category": "hygiene", "points": "5"})
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert (activity.capacity, activity.points, activity.unit_id) == (8, 5, village.village.id)
    assert activity.starts_at.astimezone(zone()).strftime("%Y-%m-%dT%H:%M") == start
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "清扫村道" in page and "0 of 8 places taken" in page


def test_the_resident_signs_up_and_cancels_on_the_phone_page(village, login_as):
    activity = post(village, capacity=3)
    db.session.commit()
    client = login_as("resident")
    client.post("/language", data={"locale": "en"})
    home = client.get("/").get_data(as_text=True)
    assert f"/activities/{activity.id}" in home and "清扫村道" in home
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert 'data-testid="sign-up"' in page and "3 of 3 places left" in page
    page = client.post(f"/activities/{activity.id}/sign-up", data={"member_name": "王小军"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "You are signed up." in text and "2 of 3 places left" in text and 'data-testid="cancel-signup"' in text
    page = client.post(f"/activities/{activity.id}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "Sign-up cancelled." in page and "3 of 3 places left" in page
    assert activity.signed_up == 0


def test_the_organizer_adds_a_household_and_closes_on_the_page(village, login_as):
    activity = post(village)
    db.session.commit()
    admin = login_as("unit_admin")
    admin.post("/language", data={"locale": "en"})
    response = admin.post(f"/activities/{activity.id}/households", data={"household": "H2"})
    assert response.status_code == 302
    assert admin.post(f"/activities/{activity.id}/households", data={"household": "NOPE"}).status_code == 422
    under_way(activity)
    db.session.commit()
    page = admin.post(
        f"/activities/{activity.id}/close", data={"attended": [str(village.h2.id)]}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Closed: 1 came, 0 did not." in page
    assert service.signup_of(activity, village.h2).deed.status == "approved"


def test_the_qr_page_and_its_picture_are_the_organizers(village, login_as, app):
    activity = post(village)
    db.session.commit()
    admin = login_as("unit_admin")
    assert 'data-testid="checkin-closed"' in admin.get(f"/activities/{activity.id}/qr").get_data(as_text=True)
    assert admin.get(f"/activities/{activity.id}/qr.svg").status_code == 404  # check-in not open yet
    under_way(activity)
    db.session.commit()
    page = admin.get(f"/activities/{activity.id}/qr").get_data(as_text=True)
    assert "data-checkin-qr" in page and "checkin-qr.js" in page and "<script>" not in page
    svg = admin.get(f"/activities/{activity.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert svg.headers["Cache-Control"] == "no-store"
    assert login_as("resident").get(f"/activities/{activity.id}/qr.svg").status_code == 403


def test_the_scanner_page_opens_the_check_in_page_it_reads(village, login_as):
    activity = post(village)
    db.session.commit()
    client = login_as("resident")
    assert client.get("/activities/scan").status_code == 200
    url = f"https://portal.example/activities/{activity.id}/check-in?t=abc.DEF-_1"
    response = client.get("/activities/scan", query_string={"code": url})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/activities/{activity.id}/check-in?t=abc.DEF-_1")
    assert client.get("/activities/scan", query_string={"code": "https://evil.example/x"}).status_code == 422


def test_the_public_list_needs_no_login(village, client):
    coming = post(village)
    past = under_way(post(village, title="敬老院慰问"))
    attendance.close(past, village.users["unit_admin"])
    db.session.commit()
    page = client.get(f"/volunteer/{village.village.code}", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "清扫村道" in text and "敬老院慰问" in text
    assert f'href="/activities/{coming.id}"' not in text  # no links to pages that need a login
    assert client.get("/volunteer/NOPE").status_code == 404
    assert "清扫村道" not in client.get(f"/volunteer/{village.other_village.code}").get_data(as_text=True)


def test_signups_are_unique_per_household(village):
    from sqlalchemy.exc import IntegrityError

    activity = post(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(Signup(activity_id=activity.id, household_id=village.h1.id))
        db.session.flush()
    db.session.rollback()


def test_the_demo_has_an_open_activity_with_sign_ups_and_a_closed_one_with_attendance(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    listed = db.session.scalars(select(Activity).order_by(Activity.id)).all()
    assert [(a.status, a.signed_up) for a in listed] == [("open", 4), ("closed", 5)]
    closed = attendance.signups(listed[1])
    assert sorted(s.status for s in closed) == ["attended"] * 4 + ["no_show"]
    assert all(s.deed.status == "approved" for s in closed if s.status == "attended")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # twice: nothing new
    assert db.session.scalar(select(func.count(Activity.id))) == 2
