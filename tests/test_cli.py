"""Commands: create-user, seed-demo and verify-ledger (via app.test_cli_runner())."""

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from moral_bank import demo
from moral_bank.auth.models import RoleAssignment, User
from moral_bank.claims.models import Claim
from moral_bank.core.db import db
from moral_bank.honors.models import Honor, StarCategory
from moral_bank.households.models import Household
from moral_bank.ledger.models import Account
from moral_bank.scoring import notices
from moral_bank.scoring.models import Notice, RatingSheet

from . import factories

NEW_PASSWORD = "village secret 9"


def users_named(username: str) -> list[User]:
    return list(db.session.scalars(select(User).where(User.username == username)))


def roles_of(username: str) -> set[tuple[str, str]]:
    (user,) = users_named(username)
    return {(a.role, a.unit.code) for a in user.roles}


def can_log_in(app, username: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"username": username, "password": password})
    return response.status_code == 302


def LEDGER_OK() -> str:  # noqa: N802  (reads like the constant message it is)
    return _("Ledger OK: every balance equals the sum of its entries, and all entries sum to zero.")


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


# --- create-user --------------------------------------------------------------------


def test_create_user_who_can_log_in(app, runner, world):
    result = runner.invoke(
        args=["create-user", "lihua", "--password", NEW_PASSWORD, "--role", "scorer", "--unit", "V1"]
    )
    assert result.exit_code == 0, result.output
    assert _("Created %(user)s: %(role)s on %(unit)s.", user="lihua", role="scorer", unit="V1") in result.output
    assert roles_of("lihua") == {("scorer", "V1")}
    assert can_log_in(app, "lihua", NEW_PASSWORD)
    assert not can_log_in(app, "lihua", "wrong password")


def test_create_user_again_adds_the_role(app, runner, world):
    runner.invoke(args=["create-user", "lihua", "--password", NEW_PASSWORD, "--role", "scorer", "--unit", "V1"])
    result = runner.invoke(
        args=["create-user", "lihua", "--password", "ignored password", "--role", "clerk", "--unit", "V2"]
    )
    assert result.exit_code == 0, result.output
    assert _("Updated %(user)s: %(role)s on %(unit)s.", user="lihua", role="clerk", unit="V2") in result.output
    assert roles_of("lihua") == {("scorer", "V1"), ("clerk", "V2")}
    assert len(users_named("lihua")) == 1
    # The password of an existing login is left alone.
    assert can_log_in(app, "lihua", NEW_PASSWORD)
    assert not can_log_in(app, "lihua", "ignored password")


def test_create_user_with_the_same_role_twice_changes_nothing(runner, world):
    args = ["create-user", "lihua", "--password", NEW_PASSWORD, "--role", "scorer", "--unit", "V1"]
    runner.invoke(args=args)
    assert runner.invoke(args=args).exit_code == 0
    assert db.session.scalar(select(func.count(RoleAssignment.id)).join(User).where(User.username == "lihua")) == 1


def test_create_user_adds_a_role_to_a_world_user(runner, world):
    result = runner.invoke(args=["create-user", "scorer", "--role", "scorer", "--unit", "V2"])
    assert result.exit_code == 0, result.output
    assert roles_of("scorer") == {("scorer", "V1"), ("scorer", "V2")}


def test_create_resident_linked_to_the_household_head(app, runner, world):
    resident = ["--role", "resident", "--unit", "V1", "--household", "H2"]
    result = runner.invoke(args=["create-user", "zhang", "--password", NEW_PASSWORD, *resident])
    assert result.exit_code == 0, result.output
    (user,) = users_named("zhang")
    assert user.member is not None and user.member.is_head
    assert user.member.household_id == world.h2.id and user.member.name == "张建国"
    assert roles_of("zhang") == {("resident", "V1")}
    # The resident sees that household through the API.
    token = app.test_client().post("/api/v1/tokens", json={"username": "zhang", "password": NEW_PASSWORD}).json
    me = app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer " + token["token"]}).json
    assert me["household_id"] == world.h2.id


@pytest.mark.parametrize(
    ("args", "message", "params"),
    [
        (["--password", NEW_PASSWORD, "--unit", "NOPE"], "No unit has the code %(code)s.", {"code": "NOPE"}),
        (["--password", "short7", "--unit", "V1"], "The password must have at least %(n)s characters.", {"n": 8}),
        (
            ["--password", NEW_PASSWORD, "--unit", "V1", "--role", "resident"],
            "No household in this unit has the code %(code)s.",
            {"code": "-"},
        ),
        (
            ["--password", NEW_PASSWORD, "--unit", "V1", "--role", "resident", "--household", "H3"],
            "No household in this unit has the code %(code)s.",
            {"code": "H3"},
        ),
        (
            ["--password", NEW_PASSWORD, "--unit", "V1", "--role", "township_admin"],
            "This role belongs on a county or township.",
            {},
        ),
        (["--unit", "V1"], "--password is needed for a new user.", {}),
    ],
)
def test_create_user_refusals_create_nothing(runner, world, args, message, params):
    if "--role" not in args:
        args = [*args, "--role", "scorer"]
    before = row_counts()
    result = runner.invoke(args=["create-user", "newbie", *args])
    assert result.exit_code == 1
    # The service's message, in the default language like every message outside a request.
    expected = message if params is None else _(message, **params)
    assert result.output == f"Error: {expected}\n"
    assert users_named("newbie") == []
    assert row_counts() == before


def test_create_user_with_an_unknown_role(runner, world):
    before = row_counts()
    result = runner.invoke(
        args=["create-user", "newbie", "--password", NEW_PASSWORD, "--role", "mayor", "--unit", "V1"]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output and "'mayor'" in result.output
    assert "scorer" in result.output  # the valid choices are listed
    assert row_counts() == before


def test_refused_role_on_existing_user_keeps_what_they_had(runner, world):
    result = runner.invoke(args=["create-user", "scorer", "--role", "resident", "--unit", "V1", "--household", "X"])
    assert result.exit_code == 1
    assert roles_of("scorer") == {("scorer", "V1")}


# --- seed-demo ------------------------------------------------------------------------


def test_seed_demo_prints_the_logins_that_work(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for username, role, unit_code, _household, _name in demo.LOGINS:
        line = next(line for line in result.output.splitlines() if line.split()[:1] == [username])
        assert demo.PASSWORD in line and role in line and unit_code in line
    assert can_log_in(app, "wangsibao", demo.PASSWORD)
    assert can_log_in(app, "county", demo.PASSWORD)


def test_seed_demo_twice_is_idempotent(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = row_counts()
    assert first["unit"] == len(demo.UNITS)
    assert first["household"] == 40
    assert first["user_account"] == len(demo.LOGINS)
    # Last month's sheets and deeds, posted, and one correction (a reversal and a new entry);
    # three redemptions at the shop, one of them voided; a bonus for each approved star.
    assert first["transfer"] == 20 + len(demo.LAST_MONTH_DEEDS) + 2 + 3 + 1 + len(star_bonuses())
    assert len(star_bonuses()) >= 10 + 3  # the ten-star household's ten, and last month's roll
    assert (first["shop"], first["redemption"], first["shop_item"]) == (2, 3, len(demo.SHOP_ITEMS))
    assert (first["notice"], first["objection"]) == (2, 1)
    assert db.session.scalars(select(Claim.status)).all() == ["pending"]  # one self-report to review
    second_run = runner.invoke(args=["seed-demo"])
    assert second_run.exit_code == 0, second_run.output
    assert row_counts() == first


def star_bonuses() -> list[tuple[str, int]]:
    """(household code, bonus) of every approved star."""
    return db.session.execute(
        select(Household.code, StarCategory.bonus)
        .join(Honor, Honor.household_id == Household.id)
        .join(StarCategory, StarCategory.id == Honor.category_id)
        .where(Honor.status == "approved", StarCategory.bonus > 0)
    ).all()


def test_seed_demo_balances(runner):
    """Last month's sheet plus its deeds: SZ001 +20 +15, SZ002 −5, SZ003 +50; this month is not posted yet.
    At the shop SZ001 spent 2 soap + 1 soy sauce (22), SZ003 a bag of rice (50); SZ005's purchase was voided."""
    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])
    balances = dict(
        db.session.execute(
            select(Household.code, Account.balance)
            .join(Account, Account.household_id == Household.id)
            .where(Household.code.in_(["SZ001", "SZ002", "SZ003", "SZ005"]))
        ).all()
    )
    totals = {f"SZ{n + 1:03d}": sum(demo.demo_scores(n).values()) for n in range(5)}
    for code, bonus in star_bonuses():
        if code in totals:
            totals[code] += bonus
    assert balances == {
        "SZ001": totals["SZ001"] + 35 - 22,
        "SZ002": totals["SZ002"] - 5,
        "SZ003": totals["SZ003"] + 50 - 50,
        "SZ005": totals["SZ005"],
    }


def test_seed_demo_has_sheets_in_every_state_and_a_batch_on_notice_with_an_objection(runner):
    runner.invoke(args=["seed-demo"])
    statuses = dict(db.session.execute(select(RatingSheet.status, func.count()).group_by(RatingSheet.status)).all())
    assert set(statuses) == {"draft", "submitted", "returned", "approved", "on_notice", "posted"}
    notice = db.session.scalar(select(Notice).where(Notice.status == "on_notice"))
    assert notices.running(notice) and len(notices.open_objections(notice)) == 1


# --- verify-ledger ------------------------------------------------------------------------


def test_verify_ledger_on_an_empty_ledger(runner, world):
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
    assert LEDGER_OK() in result.output


def test_verify_ledger_on_a_clean_ledger(runner, world):
    factories.award(world.h1, 30, "cli-1")
    factories.award(world.h2, 12, "cli-2")
    db.session.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
    assert LEDGER_OK() in result.output


def test_verify_ledger_after_the_demo(runner):
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
