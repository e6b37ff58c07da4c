"""The volunteer activity API: every endpoint, its refusals as JSON with a message, and answers that match
the OpenAPI document."""

from datetime import timedelta

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import validate as validate_schema

from moral_bank.activities import attendance, service
from moral_bank.activities.models import Activity
from moral_bank.cards import service as cards
from moral_bank.core.db import db, utcnow

from .test_activities import fields, under_way, village  # noqa: F401  (the fixture)
from .test_api import assert_json_error, token_for

EN = {"Accept-Language": "en"}


@pytest.fixture
def api(client, village):  # noqa: F811
    """api(role) → headers with a bearer token of that role's user (answers in English)."""
    tokens = {}

    def headers(role: str) -> dict:
        if role not in tokens:
            tokens[role] = token_for(client, village.users[role].username)
        return {"Authorization": "Bearer " + tokens[role], **EN}

    return headers


def _matches(client, body, path: str, method: str, status: str) -> None:
    document = client.get("/api/v1/openapi.json").json
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    validate_schema(body, {**schema, "components": document["components"]}, cls=OAS30Validator)


def _activity(village, **changes) -> Activity:  # noqa: F811
    made = service.post(village.village, fields(**changes), village.users["unit_admin"])
    db.session.commit()
    return made


def test_posting_an_activity(client, village, api):  # noqa: F811
    url = f"/api/v1/units/{village.village.code}/activities"
    response = client.post(url, json=fields(), headers=api("unit_admin"))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["capacity"], body["signed_up"], body["places_left"], body["status"]) == (10, 0, 10, "open")
    assert body["category"]["code"] == "hygiene"
    _matches(client, body, "/units/{code}/activities", "post", "201")
    bad = client.post(url, json=fields(capacity="many", title=""), headers=api("unit_admin"))
    error = assert_json_error(bad, 422)
    assert set(error["fields"]) == {"capacity", "title"}
    assert error["fields"]["title"] == ["This field is required."]
    assert_json_error(client.post(url, data="not json", headers=api("unit_admin")), 422)
    assert_json_error(client.post(url, json=fields(), headers=api("resident")), 403)
    assert_json_error(client.post(url, json=fields()), 401)
    assert_json_error(client.post("/api/v1/units/NOPE/activities", json=fields(), headers=api("unit_admin")), 404)
    other = f"/api/v1/units/{village.other_village.code}/activities"
    assert_json_error(client.post(other, json=fields(), headers=api("unit_admin")), 403)


def test_a_township_posts_for_listed_villages(client, village, api):  # noqa: F811
    url = f"/api/v1/units/{village.township.code}/activities"
    response = client.post(url, json=fields(served=["V1"]), headers=api("township_admin"))
    assert response.status_code == 201 and response.json["served"] == ["V1"]
    error = assert_json_error(client.post(url, json=fields(served=["V2"]), headers=api("township_admin")), 422)
    assert "served" in error["fields"]


def test_listing_a_units_activities_marks_the_residents_own_sign_up(client, village, api):  # noqa: F811
    activity = _activity(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    db.session.commit()
    url = f"/api/v1/units/{village.village.code}/activities"
    public = client.get(url)
    assert public.status_code == 200 and [a["id"] for a in public.json["items"]] == [activity.id]
    assert "my_signup" not in public.json["items"][0]
    mine = client.get(url, headers=api("resident")).json["items"][0]
    assert mine["my_signup"]["status"] == "signed_up" and mine["places_left"] == 9
    _matches(client, client.get(url, headers=api("resident")).json, "/units/{code}/activities", "get", "200")
    assert client.get(f"/api/v1/units/{village.other_village.code}/activities").json["items"] == []
    assert_json_error(client.get("/api/v1/units/NOPE/activities"), 404)


def test_signing_up_and_cancelling(client, village, api):  # noqa: F811
    activity = _activity(village, capacity=1)
    url = f"/api/v1/activities/{activity.id}/signups"
    response = client.post(url, json={"member_name": "王小军"}, headers=api("resident"))
    assert response.status_code == 201, response.json
    assert response.json["signup"]["member_name"] == "王小军" and response.json["activity"]["places_left"] == 0
    _matches(client, response.json, "/activities/{activity_id}/signups", "post", "201")
    assert client.post(url, headers=api("resident")).status_code == 200  # again: the same sign-up
    full = assert_json_error(client.post(url, json={"household_id": village.h2.id}, headers=api("unit_admin")), 409)
    assert full["message"] == "Sorry, this activity is full."
    assert_json_error(client.post(url, json={"household_id": village.h2.id}, headers=api("resident")), 403)
    assert_json_error(client.post(url, json={"household_id": "H2"}, headers=api("unit_admin")), 422)
    assert_json_error(client.post(url, json={"household_id": 999999}, headers=api("unit_admin")), 404)
    assert_json_error(client.post(url, json={}, headers=api("unit_admin")), 422)  # whose household?
    assert_json_error(client.post("/api/v1/activities/999999/signups", headers=api("resident")), 404)
    assert_json_error(client.post(url, headers=api("scorer")), 403)

    cancel = f"/api/v1/activities/{activity.id}/signups/me"
    response = client.delete(cancel, headers=api("resident"))
    assert response.status_code == 200 and response.json["places_left"] == 1 and response.json["my_signup"] is None
    _matches(client, response.json, "/activities/{activity_id}/signups/me", "delete", "200")
    assert_json_error(client.delete(cancel, headers=api("resident")), 409)  # nothing to cancel
    assert_json_error(client.delete(cancel, headers=api("unit_admin")), 403)
    client.post(url, headers=api("resident"))
    db.session.get(Activity, activity.id).signup_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = assert_json_error(client.delete(cancel, headers=api("resident")), 409)
    assert "deadline has passed" in late["message"]


def test_checking_in_by_token_card_and_list(client, village, api, app):  # noqa: F811
    activity = _activity(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    url = f"/api/v1/activities/{activity.id}/checkins"
    early = assert_json_error(client.post(url, json={"household_id": village.h1.id}, headers=api("unit_admin")), 409)
    assert early["message"] == "Check-in opens an hour before the start."
    under_way(db.session.get(Activity, activity.id))
    code = cards.current(village.h2).short_code
    db.session.commit()
    with app.test_request_context():
        token = attendance.checkin_token(activity)
        old = attendance.checkin_token(activity, utcnow() - timedelta(seconds=75))
    expired = assert_json_error(client.post(url, json={"token": old}, headers=api("resident")), 409)
    assert expired["fields"] == {"token": [expired["message"]]} and "expired" in expired["message"]
    response = client.post(url, json={"token": token}, headers=api("resident"))
    assert response.status_code == 201 and response.json["status"] == "attended"
    _matches(client, response.json, "/activities/{activity_id}/checkins", "post", "201")
    assert client.post(url, json={"token": token}, headers=api("resident")).status_code == 200  # counts once
    walk_in = client.post(url, json={"card": code}, headers=api("unit_admin"))
    assert walk_in.status_code == 201 and walk_in.json["walk_in"] is True
    assert client.post(url, json={"household_id": village.h2.id}, headers=api("unit_admin")).status_code == 200
    assert_json_error(client.post(url, json={"card": "ZZZZZZZZ"}, headers=api("unit_admin")), 409)
    assert_json_error(client.post(url, json={"card": ""}, headers=api("unit_admin")), 422)
    assert_json_error(client.post(url, json={"household_id": village.h2.id}, headers=api("resident")), 422)
    assert_json_error(client.post(url, json={"token": token}, headers=api("scorer")), 403)
    assert_json_error(client.post(url, json=[1], headers=api("resident")), 422)
    assert db.session.get(Activity, activity.id).signed_up == 2


def test_closing_confirms_attendance_once(client, village, api):  # noqa: F811
    activity = _activity(village)
    service.sign_up(activity, village.h1, village.users["resident"])
    service.sign_up(activity, village.h2, village.users["unit_admin"])
    db.session.commit()
    url = f"/api/v1/activities/{activity.id}/close"
    assert_json_error(client.post(url, headers=api("unit_admin")), 409)  # not started
    under_way(db.session.get(Activity, activity.id))
    db.session.commit()
    assert_json_error(client.post(url, json={"attended": "all"}, headers=api("unit_admin")), 422)
    assert_json_error(client.post(url, json={"attended": [village.other_h.id]}, headers=api("unit_admin")), 422)
    assert_json_error(client.post(url, headers=api("scorer")), 403)
    assert_json_error(client.post(url, headers=api("resident")), 403)
    response = client.post(url, json={"attended": [village.h1.id]}, headers=api("unit_admin"))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["attended"], body["no_show"], body["deeds_created"]) == ([village.h1.id], [village.h2.id], 1)
    assert body["activity"]["status"] == "closed"
    _matches(client, body, "/activities/{activity_id}/close", "post", "200")
    again = client.post(url, headers=api("unit_admin")).json
    assert (again["attended"], again["no_show"], again["deeds_created"]) == ([village.h1.id], [village.h2.id], 0)
    assert_json_error(client.post("/api/v1/activities/999999/close", headers=api("unit_admin")), 404)


def test_another_townships_admin_and_resident_are_refused(client, village, api):  # noqa: F811
    activity = _activity(village)
    under_way(db.session.get(Activity, activity.id))
    db.session.commit()
    from . import factories

    factories.user("far_admin", "unit_admin", village.other_village)
    factories.user("far_resident", "resident", village.other_village, village.other_h.members[0])
    db.session.commit()
    far_admin = {"Authorization": "Bearer " + token_for(client, "far_admin"), **EN}
    far_resident = {"Authorization": "Bearer " + token_for(client, "far_resident"), **EN}
    base = f"/api/v1/activities/{activity.id}"
    for method, path, headers in (
        ("post", "/signups", far_resident),
        ("post", "/signups", far_admin),
        ("delete", "/signups/me", far_resident),
        ("post", "/checkins", far_resident),
        ("post", "/checkins", far_admin),
        ("post", "/close", far_admin),
    ):
        assert_json_error(client.open(base + path, method=method.upper(), json={}, headers=headers), 403)
