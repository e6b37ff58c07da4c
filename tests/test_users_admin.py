"""The users admin pages (/admin/users…): logins and roles, each admin within their own subtree."""

import re

import pytest
from sqlalchemy import func, select

from moral_bank.auth.models import RoleAssignment, User
from moral_bank.core.audit import AuditLog
from moral_bank.core.db import db

from . import factories

NEW_PASSWORD = "village secret 9"


# --- helpers ------------------------------------------------------------------


@pytest.fixture
def admin(login_as):
    """admin("unit_admin") → a client signed in with that role, pages in English."""

    def sign_in(role: str):
        client = login_as(role)
        assert client.post("/language", data={"locale": "en"}).status_code == 302
        return client

    return sign_in


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def find_user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def roles_of(user_id: int) -> set[tuple[str, str]]:
    db.session.expire_all()
    return {(a.role, a.unit.code) for a in db.session.get(User, user_id).roles}


def assignment(user: User, role: str) -> RoleAssignment:
    return next(a for a in user.roles if a.role == role)


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<small id="{field_id}-help" class="field-error" role="alert">(.*?)</small>', page, re.S)
    assert match, f"no error shown under {field_id}"
    return match.group(1)


def new_login(client, role: str, unit_code: str, username: str = "newbie", household_code: str = ""):
    data = {
        "username": username,
        "display_name": "新 用户",
        "password": NEW_PASSWORD,
        "role": role,
        "unit_code": unit_code,
        "household_code": household_code,
    }
    return client.post("/admin/users/new", data=data)


def role_options(page: str) -> list[str]:
    select_html = re.search(r'<select [^>]*name="role".*?</select>', page, re.S).group(0)
    return re.findall(r'<option [^>]*value="([^"]+)"', select_html)


# --- who may open the pages --------------------------------------------------------


@pytest.mark.parametrize("role", ["scorer", "clerk", "resident"])
def test_users_pages_are_for_admins_only(login_as, world, role):
    client = login_as(role)
    assert client.get("/admin/users/").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    assert new_login(client, "scorer", "V1").status_code == 403
    assert client.get(f"/admin/users/{world.users['clerk'].id}").status_code == 403
    assert find_user("newbie") is None


def test_users_pages_need_sign_in(client, world):
    response = client.get("/admin/users/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unit_admin_sees_only_users_of_the_village(admin, world):
    page = admin("unit_admin").get("/admin/users/").get_data(as_text=True)
    listed = set(re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', page))
    assert listed == {"unit_admin", "scorer", "clerk", "resident"}


def test_township_admin_sees_users_of_the_township(admin, world):
    factories.user("far_scorer", "scorer", world.other_village)
    db.session.commit()
    page = admin("township_admin").get("/admin/users/").get_data(as_text=True)
    listed = set(re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', page))
    assert listed == {"township_admin", "unit_admin", "scorer", "clerk", "resident"}


def test_role_choices_are_what_the_admin_may_grant(admin, world):
    assert role_options(admin("unit_admin").get("/admin/users/new").get_data(as_text=True)) == [
        "scorer",
        "clerk",
        "resident",
    ]
    assert role_options(admin("township_admin").get("/admin/users/new").get_data(as_text=True)) == [
        "unit_admin",
        "scorer",
        "clerk",
        "resident",
    ]


# --- creating logins ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "household_code"), [("scorer", ""), ("clerk", ""), ("resident", "H2")])
def test_unit_admin_creates_a_login_in_the_village(app, admin, world, role, household_code):
    client = admin("unit_admin")
    response = new_login(client, role, "V1", household_code=household_code)
    assert response.status_code == 302
    user = find_user("newbie")
    assert user is not None and user.display_name == "新 用户"
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert roles_of(user.id) == {(role, "V1")}
    if role == "resident":
        assert user.member.household_id == world.h2.id and user.member.is_head
    assert "The login newbie was created." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert app.test_client().post("/login", data={"username": "newbie", "password": NEW_PASSWORD}).status_code == 302
    grants = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.grant_role")).all()
    assert [(g.user_id, g.object_id, g.details["role"]) for g in grants] == [
        (world.users["unit_admin"].id, user.id, role)
    ]


def test_unit_admin_cannot_create_a_unit_admin(admin, world):
    before = user_count()
    response = new_login(admin("unit_admin"), "unit_admin", "V1")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "role")
    assert find_user("newbie") is None and user_count() == before


def test_unit_admin_cannot_create_a_login_in_another_village(admin, world):
    before = user_count()
    response = new_login(admin("unit_admin"), "scorer", "V2")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "role") == "You may not grant this role on this unit."
    assert re.search(r'<input [^>]*name="username"[^>]*value="newbie"', page)  # what was typed stays
    assert re.search(r'<input [^>]*name="unit_code"[^>]*value="V2"', page)
    assert find_user("newbie") is None and user_count() == before


def test_unit_admin_cannot_create_a_login_on_the_township(admin, world):
    response = new_login(admin("unit_admin"), "scorer", "T1")
    assert response.status_code == 422
    assert find_user("newbie") is None


@pytest.mark.parametrize(
    ("role", "unit_code", "household_code", "field", "message"),
    [
        ("scorer", "NOPE", "", "unit_code", "No unit has the code NOPE."),
        ("resident", "V1", "", "household_code", "No household in this unit has the code -."),
        ("resident", "V1", "H3", "household_code", "No household in this unit has the code H3."),
    ],
)
def test_create_login_with_bad_codes_shows_error_on_the_form(
    admin, world, role, unit_code, household_code, field, message
):
    before = user_count()
    response = new_login(admin("unit_admin"), role, unit_code, household_code=household_code)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field) == message
    assert find_user("newbie") is None and user_count() == before


def test_create_login_with_a_taken_user_name(admin, world):
    before = user_count()
    response = new_login(admin("unit_admin"), "scorer", "V1", username="clerk")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "username") == "The user name clerk is taken."
    assert user_count() == before
    assert roles_of(world.users["clerk"].id) == {("clerk", "V1")}


def test_township_admin_grants_unit_admin_within_the_township(admin, world):
    client = admin("township_admin")
    assert new_login(client, "unit_admin", "V1").status_code == 302
    assert roles_of(find_user("newbie").id) == {("unit_admin", "V1")}
    # … and on an existing login of the township.
    scorer = world.users["scorer"]
    response = client.post(f"/admin/users/{scorer.id}/roles", data={"role": "unit_admin", "unit_code": "S1"})
    assert response.status_code == 302
    assert roles_of(scorer.id) == {("scorer", "V1"), ("unit_admin", "S1")}


def test_township_admin_cannot_grant_in_another_township(admin, world):
    client = admin("township_admin")
    response = new_login(client, "unit_admin", "V2")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "role") == "You may not grant this role on this unit."
    assert find_user("newbie") is None
    response = client.post(f"/admin/users/{world.users['scorer'].id}/roles", data={"role": "scorer", "unit_code": "V2"})
    assert response.status_code == 422
    assert roles_of(world.users["scorer"].id) == {("scorer", "V1")}


def test_township_admin_cannot_create_a_township_admin(admin, world):
    response = new_login(admin("township_admin"), "township_admin", "T1")
    assert response.status_code == 422
    assert find_user("newbie") is None


def test_unit_admin_adds_a_role_to_a_village_user(admin, world):
    client = admin("unit_admin")
    scorer = world.users["scorer"]
    response = client.post(f"/admin/users/{scorer.id}/roles", data={"role": "clerk", "unit_code": "V1"})
    assert response.status_code == 302
    assert roles_of(scorer.id) == {("scorer", "V1"), ("clerk", "V1")}
    refused = client.post(f"/admin/users/{scorer.id}/roles", data={"role": "unit_admin", "unit_code": "V1"})
    assert refused.status_code == 422
    assert roles_of(scorer.id) == {("scorer", "V1"), ("clerk", "V1")}


# --- removing roles ------------------------------------------------------------------------


def test_unit_admin_removes_a_role(admin, world):
    client = admin("unit_admin")
    clerk = world.users["clerk"]
    factories_role = RoleAssignment(user=clerk, role="scorer", unit=world.village)
    db.session.add(factories_role)
    db.session.commit()
    response = client.post(f"/admin/users/{clerk.id}/roles/{assignment(clerk, 'clerk').id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{clerk.id}"
    assert roles_of(clerk.id) == {("scorer", "V1")}
    assert "Saved." in client.get(response.headers["Location"]).get_data(as_text=True)
    revoked = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.revoke_role")).all()
    assert [(r.user_id, r.object_id, r.details["role"]) for r in revoked] == [
        (world.users["unit_admin"].id, clerk.id, "clerk")
    ]


def test_removing_the_last_role_takes_the_user_out_of_the_admins_reach(admin, world):
    client = admin("unit_admin")
    clerk = world.users["clerk"]
    assert client.post(f"/admin/users/{clerk.id}/roles/{assignment(clerk, 'clerk').id}/delete").status_code == 302
    assert roles_of(clerk.id) == set()
    assert client.get(f"/admin/users/{clerk.id}").status_code == 403


def test_removing_a_resident_role_unlinks_the_household(admin, world):
    client = admin("unit_admin")
    resident = world.users["resident"]
    response = client.post(f"/admin/users/{resident.id}/roles/{assignment(resident, 'resident').id}/delete")
    assert response.status_code == 302
    assert find_user("resident").member_id is None


def test_cannot_remove_own_role(admin, world):
    client = admin("county_admin")
    me = world.users["county_admin"]
    response = client.post(f"/admin/users/{me.id}/roles/{assignment(me, 'county_admin').id}/delete")
    assert response.status_code == 302
    assert "You cannot remove your own role." in client.get(f"/admin/users/{me.id}").get_data(as_text=True)
    assert roles_of(me.id) == {("county_admin", "C")}


def test_unit_admin_cannot_remove_own_role(admin, world):
    client = admin("unit_admin")
    me = world.users["unit_admin"]
    response = client.post(f"/admin/users/{me.id}/roles/{assignment(me, 'unit_admin').id}/delete")
    assert response.status_code == 302
    assert 'class="flash flash-error"' in client.get(f"/admin/users/{me.id}").get_data(as_text=True)
    assert roles_of(me.id) == {("unit_admin", "V1")}


def test_cannot_remove_a_role_outside_the_subtree_of_a_visible_user(admin, world):
    # This scorer also works in the other township: the village admin sees them but may not
    # touch the other township's role.
    scorer = world.users["scorer"]
    db.session.add(RoleAssignment(user=scorer, role="clerk", unit=world.other_village))
    db.session.commit()
    client = admin("unit_admin")
    assert client.get(f"/admin/users/{scorer.id}").status_code == 200
    response = client.post(f"/admin/users/{scorer.id}/roles/{assignment(scorer, 'clerk').id}/delete")
    assert response.status_code == 302
    assert "You may not remove this role." in client.get(f"/admin/users/{scorer.id}").get_data(as_text=True)
    assert roles_of(scorer.id) == {("scorer", "V1"), ("clerk", "V2")}


def test_role_of_another_user_in_the_url_is_refused(admin, world):
    client = admin("unit_admin")
    scorer, clerk = world.users["scorer"], world.users["clerk"]
    response = client.post(f"/admin/users/{scorer.id}/roles/{assignment(clerk, 'clerk').id}/delete")
    assert response.status_code == 400
    assert roles_of(clerk.id) == {("clerk", "V1")}


def test_remove_role_needs_post(admin, world):
    clerk = world.users["clerk"]
    response = admin("unit_admin").get(f"/admin/users/{clerk.id}/roles/{assignment(clerk, 'clerk').id}/delete")
    assert response.status_code == 405
    assert roles_of(clerk.id) == {("clerk", "V1")}


# --- users outside the admin's subtree --------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("unit_admin", "county_admin"),
        ("unit_admin", "township_admin"),
        ("township_admin", "county_admin"),
        ("unit_admin", "far_scorer"),
        ("township_admin", "far_scorer"),
    ],
)
def test_admin_cannot_see_or_manage_a_user_outside_their_subtree(admin, world, actor, target):
    if target == "far_scorer":
        factories.user("far_scorer", "scorer", world.other_village)
        db.session.commit()
    user = find_user(target)
    (only_role,) = user.roles
    before = roles_of(user.id)
    client = admin(actor)
    assert client.get(f"/admin/users/{user.id}").status_code == 403
    assert client.post(f"/admin/users/{user.id}/roles", data={"role": "scorer", "unit_code": "V1"}).status_code == 403
    assert client.post(f"/admin/users/{user.id}/roles/{only_role.id}/delete").status_code == 403
    assert roles_of(user.id) == before
    assert f'href="/admin/users/{user.id}"' not in client.get("/admin/users/").get_data(as_text=True)


def test_unknown_user_is_404(admin, world):
    assert admin("county_admin").get("/admin/users/999999").status_code == 404


def test_county_admin_manages_everyone(admin, world):
    factories.user("far_scorer", "scorer", world.other_village)
    db.session.commit()
    client = admin("county_admin")
    for username in ("township_admin", "far_scorer", "resident"):
        assert client.get(f"/admin/users/{find_user(username).id}").status_code == 200
    assert new_login(client, "township_admin", "T2").status_code == 302
    assert roles_of(find_user("newbie").id) == {("township_admin", "T2")}
