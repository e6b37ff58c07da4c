"""The JSON API under /api/v1: tokens, bearer auth, households, entries, errors and the OpenAPI document."""

import re
from datetime import datetime, timedelta

import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import validate as validate_schema
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select

from moral_bank.auth import service as auth
from moral_bank.auth.models import ApiToken
from moral_bank.core.db import db, utcnow
from moral_bank.ledger import service as ledger

from . import factories

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


# --- helpers ------------------------------------------------------------------


def token_for(client, username: str) -> str:
    response = client.post("/api/v1/tokens", json={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["token"]


@pytest.fixture
def bearer(client, world):
    """bearer("scorer") → request headers carrying a fresh token of that role's user."""
    return lambda role: {"Authorization": "Bearer " + token_for(client, world.users[role].username)}


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


# --- tokens -------------------------------------------------------------------


def test_token_for_right_password(client, world):
    before = utcnow()
    response = client.post("/api/v1/tokens", json={"username": "scorer", "password": factories.PASSWORD})
    assert response.status_code == 201
    body = response.json
    assert body["token_type"] == "Bearer"
    assert len(body["token"]) >= 32
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.tzinfo is not None
    hours = client.application.config["API_TOKEN_HOURS"]
    assert before + timedelta(hours=hours) - timedelta(minutes=1) <= expires <= utcnow() + timedelta(hours=hours)
    # Only a hash is stored: a stolen database does not hand out working tokens.
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert len(stored) == 1 and stored[0] != body["token"]


def test_token_wrong_password_is_401_json(client, world):
    response = client.post("/api/v1/tokens", json={"username": "scorer", "password": "wrong password"})
    assert_json_error(response, 401)
    assert "token" not in response.json
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_token_unknown_user_is_401_json(client, world):
    response = client.post("/api/v1/tokens", json={"username": "nobody", "password": factories.PASSWORD})
    assert_json_error(response, 401)


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, {"username", "password"}),
        ({"username": "scorer"}, {"password"}),
        ({"password": factories.PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": 5, "password": ["x"]}, {"username", "password"}),
    ],
)
def test_token_missing_fields_is_400_with_fields(client, world, body, missing):
    error = assert_json_error(client.post("/api/v1/tokens", json=body), 400)
    assert set(error["fields"]) == missing
    assert all(messages and all(isinstance(m, str) for m in messages) for messages in error["fields"].values())


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("username=scorer&password=x", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ('["scorer", "password"]', "application/json"),
    ],
)
def test_token_non_json_body_is_400_json(client, world, data, content_type):
    error = assert_json_error(client.post("/api/v1/tokens", data=data, content_type=content_type), 400)
    assert "fields" not in error or error["fields"]


# --- bearer authentication ----------------------------------------------------


def test_bearer_token_authenticates_me_with_roles(client, world, bearer):
    response = client.get("/api/v1/me", headers=bearer("scorer"))
    assert response.status_code == 200
    body = response.json
    assert body["username"] == "scorer"
    assert body["id"] == world.users["scorer"].id
    assert body["roles"] == [{"role": "scorer", "unit": {"code": "V1", "name": "山中村"}}]
    assert body["household_id"] is None
    # A program with a token gets no session cookie, and the answer is not to be cached.
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"


def test_me_of_resident_names_the_household(client, world, bearer):
    body = client.get("/api/v1/me", headers=bearer("resident")).json
    assert body["household_id"] == world.h1.id
    assert [r["role"] for r in body["roles"]] == ["resident"]


def test_me_lists_every_role(client, world):
    user = factories.user("multi")
    auth.grant_role(user, "township_admin", world.township)
    auth.grant_role(user, "clerk", world.other_village)
    db.session.commit()
    body = client.get("/api/v1/me", headers={"Authorization": "Bearer " + token_for(client, "multi")}).json
    assert sorted((r["role"], r["unit"]["code"]) for r in body["roles"]) == [("clerk", "V2"), ("township_admin", "T1")]


def test_no_token_is_401_json(client, world):
    assert_json_error(client.get("/api/v1/me"), 401)


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic c2NvcmVyOng=", "bearer"])
def test_bad_authorization_header_is_401(client, world, header):
    assert_json_error(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_expired_token_is_401(client, world, bearer):
    headers = bearer("scorer")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = db.session.scalar(select(ApiToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_json_error(client.get("/api/v1/me", headers=headers), 401)


def test_token_of_deactivated_user_is_401(client, world, bearer):
    headers = bearer("scorer")
    world.users["scorer"].active = False
    db.session.commit()
    assert_json_error(client.get("/api/v1/me", headers=headers), 401)


def test_deactivated_user_gets_no_token(client, world):
    world.users["scorer"].active = False
    db.session.commit()
    response = client.post("/api/v1/tokens", json={"username": "scorer", "password": factories.PASSWORD})
    assert_json_error(response, 401)


def test_browser_session_cookie_does_not_authenticate_the_api(app, world):
    browser = app.test_client()
    login = browser.post("/login", data={"username": "unit_admin", "password": factories.PASSWORD})
    assert login.status_code == 302
    assert browser.get("/account/password").status_code == 200  # the cookie does sign in the HTML pages
    assert_json_error(browser.get("/api/v1/me"), 401)
    assert_json_error(browser.get(f"/api/v1/households?unit={world.village.code}"), 401)
    assert_json_error(browser.get(f"/api/v1/households/{world.h1.id}"), 401)


def test_token_does_not_authenticate_html_pages(client, world, bearer):
    response = client.get("/account/password", headers=bearer("unit_admin"))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- households -----------------------------------------------------------------


def test_households_of_a_unit_paginated_with_balances(client, world, bearer):
    factories.award(world.h1, 30, "api-1")
    factories.award(world.h2, 7, "api-2")
    db.session.commit()
    headers = bearer("scorer")
    first = client.get("/api/v1/households?unit=V1&per_page=1", headers=headers)
    assert first.status_code == 200
    assert {k: first.json[k] for k in ("page", "per_page", "total", "pages")} == {
        "page": 1,
        "per_page": 1,
        "total": 2,
        "pages": 2,
    }
    second = client.get("/api/v1/households?unit=V1&per_page=1&page=2", headers=headers).json
    assert second["page"] == 2
    items = first.json["items"] + second["items"]
    assert [(h["code"], h["head_name"], h["balance"]) for h in items] == [("H1", "王四保", 30), ("H2", "张建国", 7)]
    assert items[0] == {
        "id": world.h1.id,
        "code": "H1",
        "unit": {"code": "V1", "name": "山中村"},
        "head_name": "王四保",
        "balance": 30,
    }
    everything = client.get("/api/v1/households?unit=V1", headers=headers).json
    assert everything["total"] == 2 and len(everything["items"]) == 2 and everything["pages"] == 1


def test_households_page_past_the_end_is_empty(client, world, bearer):
    body = client.get("/api/v1/households?unit=V1&page=9", headers=bearer("scorer")).json
    assert body["items"] == [] and body["total"] == 2 and body["page"] == 9


def test_households_of_a_village_for_the_township_admin(client, world, bearer):
    body = client.get("/api/v1/households?unit=V1", headers=bearer("township_admin")).json
    assert [h["code"] for h in body["items"]] == ["H1", "H2"]


@pytest.mark.parametrize("query", ["", "?unit=", "?unit=%20%20", "?page=1"])
def test_households_without_unit_is_400_with_field(client, world, bearer, query):
    error = assert_json_error(client.get("/api/v1/households" + query, headers=bearer("scorer")), 400)
    assert list(error["fields"]) == ["unit"]
    assert error["fields"]["unit"]


def test_households_of_unknown_unit_is_404_json(client, world, bearer):
    error = assert_json_error(client.get("/api/v1/households?unit=NOPE", headers=bearer("county_admin")), 404)
    assert "NOPE" in error["message"]
    assert "unit" in error["fields"]


@pytest.mark.parametrize("role", ["scorer", "clerk", "unit_admin", "township_admin"])
def test_households_of_another_village_is_403_json(client, world, bearer, role):
    response = client.get("/api/v1/households?unit=V2", headers=bearer(role))
    assert_json_error(response, 403)
    assert "H3" not in response.get_data(as_text=True)


def test_households_list_is_not_for_residents(client, world, bearer):
    assert_json_error(client.get("/api/v1/households?unit=V1", headers=bearer("resident")), 403)


def test_county_admin_lists_any_village(client, world, bearer):
    body = client.get("/api/v1/households?unit=V2", headers=bearer("county_admin")).json
    assert [h["code"] for h in body["items"]] == ["H3"]


@pytest.mark.parametrize("role", ["scorer", "clerk", "unit_admin", "township_admin", "county_admin"])
def test_household_detail_for_staff(client, world, bearer, role):
    factories.award(world.h2, 12, "api-detail")
    db.session.commit()
    response = client.get(f"/api/v1/households/{world.h2.id}", headers=bearer(role))
    assert response.status_code == 200
    assert response.json == {
        "id": world.h2.id,
        "code": "H2",
        "unit": {"code": "V1", "name": "山中村"},
        "head_name": "张建国",
        "balance": 12,
    }


def test_resident_sees_own_household_only(client, world, bearer):
    headers = bearer("resident")
    own = client.get(f"/api/v1/households/{world.h1.id}", headers=headers)
    assert own.status_code == 200 and own.json["code"] == "H1" and own.json["balance"] == 0
    for other in (world.h2, world.other_h):
        assert_json_error(client.get(f"/api/v1/households/{other.id}", headers=headers), 403)
        assert_json_error(client.get(f"/api/v1/households/{other.id}/entries", headers=headers), 403)


@pytest.mark.parametrize("role", ["scorer", "unit_admin", "township_admin"])
def test_household_of_another_township_is_403(client, world, bearer, role):
    assert_json_error(client.get(f"/api/v1/households/{world.other_h.id}", headers=bearer(role)), 403)


def test_unknown_household_is_404_json(client, world, bearer):
    headers = bearer("county_admin")
    assert_json_error(client.get("/api/v1/households/999999", headers=headers), 404)
    assert_json_error(client.get("/api/v1/households/999999/entries", headers=headers), 404)


def test_entries_newest_first_and_paginated(client, world, bearer):
    factories.award(world.h1, 10, "api-e1", memo="调解邻里纠纷")
    factories.award(world.h1, 5, "api-e2", memo="护林防火巡山")
    factories.award(world.h2, 99, "api-e3", memo="not this household")
    db.session.commit()
    headers = bearer("resident")
    body = client.get(f"/api/v1/households/{world.h1.id}/entries", headers=headers).json
    assert body["total"] == 2 and body["pages"] == 1
    assert [(e["amount"], e["memo"], e["kind"]) for e in body["items"]] == [
        (5, "护林防火巡山", "deed"),
        (10, "调解邻里纠纷", "deed"),
    ]
    newest, oldest = body["items"]
    assert newest["id"] > oldest["id"] and newest["transfer_id"] > oldest["transfer_id"]
    assert datetime.fromisoformat(newest["created_at"]) >= datetime.fromisoformat(oldest["created_at"])
    page2 = client.get(f"/api/v1/households/{world.h1.id}/entries?per_page=1&page=2", headers=headers).json
    assert (page2["page"], page2["per_page"], page2["total"], page2["pages"]) == (2, 1, 2, 2)
    assert [e["amount"] for e in page2["items"]] == [10]


def test_entries_show_deductions_as_negative(client, world, bearer):
    factories.award(world.h1, 20, "api-d1")
    ledger.transfer(world.h1.account, ledger.issuance_account(world.village), 3, "deduction", idempotency_key="api-d2")
    db.session.commit()
    body = client.get(f"/api/v1/households/{world.h1.id}/entries", headers=bearer("scorer")).json
    assert [(e["amount"], e["kind"]) for e in body["items"]] == [(-3, "deduction"), (20, "deed")]
    detail = client.get(f"/api/v1/households/{world.h1.id}", headers=bearer("scorer")).json
    assert detail["balance"] == 17


# --- errors are JSON -------------------------------------------------------------


def test_unknown_api_path_is_404_json_not_html(client, world, bearer):
    for headers in ({}, bearer("scorer")):
        response = client.get("/api/v1/no-such-thing", headers=headers)
        assert_json_error(response, 404)
        assert "<html" not in response.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/tokens", 405),
        ("delete", "/api/v1/me", 405),
        ("get", "/api/v1/nope", 404),
        ("post", "/api/v1/tokens", 400),
        ("get", "/api/v1/me", 401),
        ("get", "/api/v1/households?unit=V1", 401),
        ("get", "/api/v1/households/1", 401),
        ("get", "/api/v1/households/1/entries", 401),
        ("get", "/api/v1/households/not-a-number", 404),
    ],
)
def test_every_api_error_is_json_with_a_message(client, world, method, path, status):
    response = getattr(client, method)(path)
    assert_json_error(response, status)


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("resident", "/api/v1/households?unit=V1", 403),
        ("scorer", "/api/v1/households?unit=V2", 403),
        ("scorer", "/api/v1/households", 400),
        ("scorer", "/api/v1/households?unit=XX", 404),
        ("scorer", "/api/v1/households/0", 404),
    ],
)
def test_every_signed_in_api_error_is_json_with_a_message(client, world, bearer, role, path, status):
    assert_json_error(client.get(path, headers=bearer(role)), status)


# --- OpenAPI ----------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.json
    assert document["openapi"].startswith("3.")
    validate_spec(document)  # raises on an invalid document


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def _documented(document: dict) -> set[tuple[str, str]]:
    return {(path, m) for path, item in document["paths"].items() for m in item if m in HTTP_METHODS}


def test_openapi_documents_exactly_the_api_routes(app, client):
    routes = _api_routes(app)
    assert ("/households/{household_id}/entries", "get") in routes  # the conversion works
    assert len(routes) >= 6
    assert _documented(client.get("/api/v1/openapi.json").json) == routes


def test_openapi_route_check_notices_an_undocumented_endpoint(app, client):
    # The comparison above is not vacuous: one more route would break it.
    document = client.get("/api/v1/openapi.json").json
    routes = _api_routes(app) | {("/not-a-route/{id}", "post")}
    assert _documented(document) != routes


def _matches(document: dict, body, schema: dict) -> None:
    validate_schema(body, {**schema, "components": document["components"]}, cls=OAS30Validator)


def _response_schema(document: dict, path: str, status: str = "200") -> dict:
    return document["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


def test_real_responses_match_the_documented_schemas(client, world, bearer):
    factories.award(world.h1, 8, "api-schema")
    db.session.commit()
    document = client.get("/api/v1/openapi.json").json
    headers = bearer("scorer")
    household_schema = document["components"]["schemas"]["Household"]
    assert set(household_schema["required"]) == {"id", "code", "unit", "head_name", "balance"}

    detail = client.get(f"/api/v1/households/{world.h1.id}", headers=headers).json
    assert set(household_schema["required"]) <= set(detail)
    _matches(document, detail, _response_schema(document, "/households/{household_id}"))

    page = client.get("/api/v1/households?unit=V1", headers=headers).json
    page_schema = _response_schema(document, "/households")
    assert set(page_schema["required"]) == {"items", "page", "per_page", "total", "pages"}
    assert set(page_schema["required"]) <= set(page)
    _matches(document, page, page_schema)
    for item in page["items"]:
        assert set(household_schema["required"]) <= set(item)

    entries = client.get(f"/api/v1/households/{world.h1.id}/entries", headers=headers).json
    _matches(document, entries, _response_schema(document, "/households/{household_id}/entries"))
    _matches(document, client.get("/api/v1/me", headers=headers).json, _response_schema(document, "/me"))
    _matches(document, client.get("/api/v1/me", headers=bearer("resident")).json, _response_schema(document, "/me"))

    error = client.get("/api/v1/households?unit=NOPE", headers=headers).json
    _matches(document, error, _response_schema(document, "/households", "404"))
    token = client.post("/api/v1/tokens", json={"username": "scorer", "password": factories.PASSWORD}).json
    schema = document["paths"]["/tokens"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    _matches(document, token, schema)


def test_schema_check_rejects_a_household_without_balance(client):
    # The schema comparison above can fail: a household missing a required field does not match.
    document = client.get("/api/v1/openapi.json").json
    incomplete = {"id": 1, "code": "H1", "unit": {"code": "V1", "name": "x"}, "head_name": "x"}
    with pytest.raises(ValidationError):
        _matches(document, incomplete, {"$ref": "#/components/schemas/Household"})
    with pytest.raises(ValidationError):
        _matches(document, {"items": [], "page": 1}, _response_schema(document, "/households"))
