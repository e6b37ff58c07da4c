"""The resident's live phone QR: two minutes, one use, their own household only."""

import time

import pytest

from moral_bank.cards import service as cards
from moral_bank.core.db import db

from .test_scoring_setup import bearer


def test_a_phone_qr_resolves_once(world):
    found = cards.resolve(cards.phone_token(world.h1))
    assert found.household.id == world.h1.id and found.card is None
    cards.consume(found)
    db.session.commit()
    with pytest.raises(cards.CardRefused) as err:
        cards.resolve(cards.phone_token(world.h1)[:-2] + "xx")
    assert err.value.field == "code"
    again = cards.phone_token(world.h1)
    first = cards.resolve(again)
    cards.consume(first)
    with pytest.raises(cards.CardRefused):
        cards.resolve(again)  # used
    with pytest.raises(cards.CardRefused):
        cards.consume(first)  # and a second checkout with the same resolved code is refused too


def test_a_phone_qr_expires(world, app):
    app.config["PHONE_QR_SECONDS"] = 1
    try:
        token = cards.phone_token(world.h1)
        assert cards.resolve(token).household.id == world.h1.id
        time.sleep(2.1)
        with pytest.raises(cards.CardRefused):
            cards.resolve(token)
    finally:
        app.config["PHONE_QR_SECONDS"] = 120


def test_the_resident_page_renews_itself_and_the_shop_api_knows_it(world, login_as, client):
    resident = login_as("resident")
    page = resident.get(f"/households/{world.h1.id}/phone-qr")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'http-equiv="refresh" content="100"' in text and "<svg" in text
    assert resident.get(f"/households/{world.h2.id}/phone-qr").status_code == 403
    assert login_as("unit_admin").get(f"/households/{world.h1.id}/phone-qr").status_code == 403
    token = cards.phone_token(world.h1)
    db.session.commit()
    answer = client.get("/api/v1/cards/resolve", query_string={"code": token}, headers=bearer(world.users["clerk"]))
    assert answer.status_code == 200 and answer.json["card"] == {"kind": "phone"}
