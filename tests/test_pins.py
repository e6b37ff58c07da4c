"""Residents sign in with a mobile number and a PIN; five wrong PINs lock the login until the admin lifts it."""

import pytest

from moral_bank.auth import pins
from moral_bank.core.db import db
from moral_bank.core.errors import FieldErrors, NotAllowed

from .conftest import make_app


@pytest.fixture
def pinned(world):
    member = world.h2.members[0]  # 张建国, the head of H2
    user = pins.set_pin(member, "139-0357-0001", "2468", world.users["unit_admin"])
    db.session.commit()
    world.pin_user, world.pin_member = user, member
    return world


def test_the_admin_sets_a_phone_and_pin_and_the_resident_signs_in(pinned, client):
    assert pinned.pin_user.phone == "13903570001" and "resident" in pinned.pin_user.role_names
    assert pins.sign_in("+86 139 0357 0001", "2468") is pinned.pin_user
    response = client.post("/resident/login", data={"phone": "13903570001", "pin": "2468"})
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "张建国" in home
    assert client.get(f"/households/{pinned.h2.id}/passbook").status_code == 200
    assert client.get(f"/households/{pinned.h1.id}/passbook").status_code == 403


def test_bad_phone_and_pin_are_named(world):
    with pytest.raises(FieldErrors) as err:
        pins.set_pin(world.h2.members[0], "12", "12ab", world.users["unit_admin"])
    assert set(err.value.fields) == {"phone", "pin"}
    with pytest.raises(NotAllowed):
        pins.set_pin(world.h2.members[0], "13903570001", "2468", world.users["scorer"])


def test_five_wrong_pins_lock_until_the_admin_lifts_it(pinned, client, login_as):
    client.post("/language", data={"locale": "en"})
    for n in range(5):
        wrong = client.post("/resident/login", data={"phone": "13903570001", "pin": "0000"})
        assert wrong.status_code == 422 and "not correct" in wrong.get_data(as_text=True), n
    locked = client.post("/resident/login", data={"phone": "13903570001", "pin": "2468"})
    assert locked.status_code == 422 and "locked" in locked.get_data(as_text=True)
    db.session.refresh(pinned.pin_user)
    assert pinned.pin_user.pin_locked_at is not None
    admin = login_as("unit_admin")
    page = admin.get(f"/households/{pinned.h2.id}").get_data(as_text=True)
    assert f'data-testid="locked-{pinned.pin_member.id}"' in page
    admin.post(f"/households/{pinned.h2.id}/members/{pinned.pin_member.id}/unlock")
    assert client.post("/resident/login", data={"phone": "13903570001", "pin": "2468"}).status_code == 302


def test_a_right_pin_resets_the_count(pinned):
    for _i in range(4):
        assert pins.sign_in("13903570001", "1111") is None
    assert pins.sign_in("13903570001", "2468") is pinned.pin_user
    assert pins.sign_in("13903570001", "1111") is None
    assert pinned.pin_user.pin_failures == 1 and pinned.pin_user.pin_locked_at is None


def test_an_unknown_phone_gets_the_same_answer(world, client):
    client.post("/language", data={"locale": "en"})
    response = client.post("/resident/login", data={"phone": "13900009999", "pin": "2468"})
    assert response.status_code == 422 and "phone number or PIN is not correct" in response.get_data(as_text=True)


def test_the_resident_changes_the_pin(pinned, client):
    client.post("/resident/login", data={"phone": "13903570001", "pin": "2468"})
    client.post("/language", data={"locale": "en"})
    wrong = client.post("/account/pin", data={"current_pin": "0000", "new_pin": "135790"})
    assert wrong.status_code == 422 and "current PIN is not correct" in wrong.get_data(as_text=True)
    short = client.post("/account/pin", data={"current_pin": "2468", "new_pin": "12"})
    assert short.status_code == 422 and "4 to 6 digits" in short.get_data(as_text=True)
    assert client.post("/account/pin", data={"current_pin": "2468", "new_pin": "135790"}).status_code == 302
    assert pins.sign_in("13903570001", "135790") is not None


def test_sign_in_attempts_are_rate_limited_per_phone(pinned, db_url, tmp_path):
    limited = make_app(db_url, str(tmp_path), RATELIMIT_ENABLED=True, PIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [
        client.post(
            "/resident/login", data={"phone": "13903570001", "pin": "9999"}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        ).status_code
        for n in range(5)
    ]
    assert codes[:3] == [422, 422, 422] and codes[3:] == [429, 429]
