"""Admins reset passwords and switch logins off, but only for logins they could have created."""

from sqlalchemy import select

from moral_bank.auth import service as auth
from moral_bank.auth.models import ApiToken, RoleAssignment, User
from moral_bank.core.db import db

from . import factories


def can_log_in(app, username: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"username": username, "password": password})
    return response.status_code == 302


def test_unit_admin_resets_a_scorers_password(app, world, login_as):
    scorer = world.users["scorer"]
    page = login_as("unit_admin").get(f"/admin/users/{scorer.id}").get_data(as_text=True)
    assert "<title>scorer · " in page
    assert page.count('data-testid="toggle-active"') == 1
    response = login_as("unit_admin").post(
        f"/admin/users/{scorer.id}/password", data={"new_password": "new village pass"}
    )
    assert response.status_code == 302
    assert can_log_in(app, "scorer", "new village pass")
    assert not can_log_in(app, "scorer", factories.PASSWORD)


def test_a_too_short_password_is_refused_on_the_form(app, world, login_as):
    scorer = world.users["scorer"]
    c = login_as("unit_admin")
    c.post("/language", data={"locale": "en"})
    response = c.post(f"/admin/users/{scorer.id}/password", data={"new_password": "short"})
    assert response.status_code == 422
    assert "Between 8 and 128 characters." in response.get_data(as_text=True)
    assert can_log_in(app, "scorer", factories.PASSWORD)


def test_village_admin_cannot_take_over_a_township_admin_who_also_scores_there(app, world, login_as):
    township_admin = world.users["township_admin"]
    db.session.add(RoleAssignment(user=township_admin, role="scorer", unit=world.village))
    db.session.commit()
    c = login_as("unit_admin")
    page = c.get(f"/admin/users/{township_admin.id}").get_data(as_text=True)
    assert "toggle-active" not in page  # the controls are not even offered
    response = c.post(f"/admin/users/{township_admin.id}/password", data={"new_password": "taken over!"})
    assert response.status_code == 403
    assert c.post(f"/admin/users/{township_admin.id}/active").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, township_admin.id).active
    assert can_log_in(app, "township_admin", factories.PASSWORD)


def test_switching_a_login_off_stops_sign_in_and_its_tokens(app, world, login_as):
    clerk = world.users["clerk"]
    raw, _token = auth.issue_token(clerk)
    db.session.commit()
    c = login_as("unit_admin")
    assert c.post(f"/admin/users/{clerk.id}/active").status_code == 302
    assert not can_log_in(app, "clerk", factories.PASSWORD)
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == clerk.id)) is None
    assert c.post(f"/admin/users/{clerk.id}/active").status_code == 302
    assert can_log_in(app, "clerk", factories.PASSWORD)


def test_nobody_switches_their_own_login_off(app, world, login_as):
    admin = world.users["county_admin"]
    c = login_as("county_admin")
    assert c.post(f"/admin/users/{admin.id}/active").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, admin.id).active


def test_the_service_refuses_a_take_over_too(world):
    import pytest

    from moral_bank.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        auth.reset_password(world.users["county_admin"], "new password!", actor=world.users["unit_admin"])
    with pytest.raises(NotAllowed):
        auth.set_active(world.users["township_admin"], False, actor=world.users["unit_admin"])
