"""The notice-board API: publish, list, object, resolve, post."""

from moral_bank.core.db import db
from moral_bank.scoring.models import Notice

from .test_notices import FULL_TOTAL, end_period, reviewed  # noqa: F401  (fixture)
from .test_scoring_setup import bearer


def test_publish_object_resolve_and_post_through_the_api(reviewed, client):  # noqa: F811
    admin = bearer(reviewed.users["unit_admin"])
    refused = client.post("/api/v1/units/V1/notices", json={"month": "2026-13"}, headers=admin)
    assert refused.status_code == 422 and "month" in refused.json["error"]["fields"]
    published = client.post("/api/v1/units/V1/notices", json={"month": reviewed.month}, headers=admin)
    assert published.status_code == 201
    body = published.json
    assert body["status"] == "on_notice" and body["lines"]["listed"] == {"lines": 4, "points": 2 * FULL_TOTAL + 15}
    assert body["ends_at"] > body["published_at"]
    again = client.post("/api/v1/units/V1/notices", json={"month": reviewed.month}, headers=admin)
    assert again.status_code == 409

    line = next(i for i in body["items"] if i["household_id"] == reviewed.h2.id)
    objection = client.post(
        f"/api/v1/notices/{body['id']}/objections",
        json={"line_id": line["id"], "name": "李大妈", "phone": "13900001111", "reason": "没见他家打扫"},
    )
    assert objection.status_code == 201 and objection.json["status"] == "open"
    bad = client.post(f"/api/v1/notices/{body['id']}/objections", json={"line_id": line["id"], "phone": "x"})
    assert bad.status_code == 422 and {"name", "phone", "reason"} <= set(bad.json["error"]["fields"])

    end_period(db.session.get(Notice, body["id"]))
    blocked = client.post(f"/api/v1/notices/{body['id']}/post", headers=admin)
    assert blocked.status_code == 409 and "1" in blocked.json["error"]["message"]
    scorer = bearer(reviewed.users["scorer"])
    assert client.post(f"/api/v1/objections/{objection.json['id']}/resolve", json={}, headers=scorer).status_code == 403
    no_reason = client.post(f"/api/v1/objections/{objection.json['id']}/resolve", json={"upheld": False}, headers=admin)
    assert no_reason.status_code == 422 and "resolution" in no_reason.json["error"]["fields"]
    resolved = client.post(
        f"/api/v1/objections/{objection.json['id']}/resolve",
        json={"upheld": False, "resolution": "已核实，评分属实"},
        headers=admin,
    )
    assert resolved.json["status"] == "rejected" and resolved.json["resolution"] == "已核实，评分属实"

    posted = client.post(f"/api/v1/notices/{body['id']}/post", headers=admin)
    assert posted.status_code == 200 and posted.json["posted_now"] == 4 and posted.json["status"] == "posted"
    assert client.post(f"/api/v1/notices/{body['id']}/post", headers=admin).json["posted_now"] == 0
    entries = client.get(f"/api/v1/households/{reviewed.h1.id}/entries", headers=admin).json
    assert sorted(e["amount"] for e in entries["items"]) == sorted([FULL_TOTAL, 20, -5])

    listing = client.get("/api/v1/units/V1/notices", headers=scorer)
    assert [n["status"] for n in listing.json["items"]] == ["posted"]
    detail = client.get(f"/api/v1/notices/{body['id']}", headers=scorer).json
    assert {i["status"] for i in detail["items"]} == {"posted"}


def test_objections_after_the_period_are_refused(reviewed, client):  # noqa: F811
    admin = bearer(reviewed.users["unit_admin"])
    body = client.post("/api/v1/units/V1/notices", json={"month": reviewed.month}, headers=admin).json
    end_period(db.session.get(Notice, body["id"]))
    late = client.post(
        f"/api/v1/notices/{body['id']}/objections",
        json={"line_id": body["items"][0]["id"], "name": "李", "phone": "13900001111", "reason": "不对"},
    )
    assert late.status_code == 409
