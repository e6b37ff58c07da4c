"""Households and members: forms, list, who sees what, file import (web and CLI) and export."""

import csv
import io
import re

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import func, select

from moral_bank.auth.models import User
from moral_bank.core.db import db
from moral_bank.households.models import Household, Member
from moral_bank.ledger.models import Account
from moral_bank.units.models import Unit

from . import factories
from .test_units import (
    bad_rows,
    confirm_token,
    csv_bytes,
    empty_database,
    english,
    field_value,
    in_english,
    listed_codes,
    page_text,
    translated,
    upload,
    xlsx_bytes,
)

HEADER = ("unit_code", "household_code", "head_name", "members", "address", "phone")


@pytest.fixture
def signed_in(login_as):
    return lambda role: english(login_as(role))


def make_file(fmt: str, rows, header=HEADER) -> tuple[str, bytes]:
    if fmt == "xlsx":
        return "households.xlsx", xlsx_bytes(rows, header)
    return "households.csv", csv_bytes(rows, header)


def find(unit_code: str, code: str) -> Household | None:
    db.session.expire_all()
    return db.session.scalar(select(Household).join(Unit).where(Unit.code == unit_code, Household.code == code))


def members_of(household: Household) -> list[tuple[str, bool]]:
    return [(m.name, m.is_head) for m in household.members]


def snapshot() -> dict[tuple[str, str], tuple]:
    """(unit code, household code) → (head, [(member, is head)], address, phone, account balance)."""
    db.session.expire_all()
    out = {}
    for household, unit_code in db.session.execute(select(Household, Unit.code).join(Unit)):
        account = db.session.scalar(select(Account).where(Account.household_id == household.id))
        assert account.kind == "household" and account.unit_id == household.unit_id
        out[(unit_code, household.code)] = (
            household.head_name,
            members_of(household),
            household.address,
            household.phone,
            account.balance,
        )
    return out


def household_count() -> int:
    return db.session.scalar(select(func.count(Household.id)))


def household_form(
    code="H9", head_name="赵大", members="赵二;赵三；赵四", address="3号", phone="13800000001", grid_cell="第2网格"
) -> dict:
    return {
        "code": code,
        "head_name": head_name,
        "members": members,
        "address": address,
        "phone": phone,
        "grid_cell": grid_cell,
    }


def member_names(response) -> list[str]:
    """The member list on a household page."""
    body = response.get_data(as_text=True)
    section = body.split("Members</h2>", 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", name).strip() for name in re.findall(r"<li[^>]*>([^<]*)", section)]


# --- the add form ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["county_admin", "township_admin", "unit_admin"])
def test_admins_add_a_household_through_the_form(signed_in, world, role):
    client = signed_in(role)
    response = client.post(f"/units/{world.village.id}/households/new", data=household_form())
    assert response.status_code == 302
    household = find("V1", "H9")
    assert response.headers["Location"].endswith(f"/households/{household.id}")
    assert members_of(household) == [("赵大", True), ("赵二", False), ("赵三", False), ("赵四", False)]
    assert (household.address, household.phone, household.grid_cell) == ("3号", "13800000001", "第2网格")
    account = db.session.scalar(select(Account).where(Account.household_id == household.id))
    assert (account.kind, account.balance, account.unit_id, account.name) == ("household", 0, world.village.id, "赵大")
    page = client.get(response.headers["Location"])
    assert "The household of 赵大 was added." in page_text(page)
    assert re.search(r'data-testid="balance">0<', page.get_data(as_text=True))
    assert member_names(page) == ["赵大 (head)", "赵二", "赵三", "赵四"]


def test_the_head_is_not_listed_twice_and_blank_names_are_dropped(signed_in, world):
    response = signed_in("unit_admin").post(
        f"/units/{world.village.id}/households/new", data=household_form(members=" 赵二 ；赵大;; ；")
    )
    assert response.status_code == 302
    assert members_of(find("V1", "H9")) == [("赵大", True), ("赵二", False)]


def test_a_household_of_one(signed_in, world):
    response = signed_in("unit_admin").post(
        f"/units/{world.village.id}/households/new", data=household_form(members="", address="", phone="", grid_cell="")
    )
    assert response.status_code == 302
    household = find("V1", "H9")
    assert members_of(household) == [("赵大", True)]
    assert (household.address, household.phone) == ("", "")


@pytest.mark.parametrize("phone", ["call me", "12", "+86 138-0000-0001x", "--13800000001"])
def test_a_bad_phone_is_refused_and_what_was_typed_is_kept(signed_in, world, phone):
    form = household_form(phone=phone)
    response = signed_in("unit_admin").post(f"/units/{world.village.id}/households/new", data=form)
    assert response.status_code == 422
    assert "The phone number may hold only digits, spaces, '-' and a leading '+'." in page_text(response)
    for name, value in form.items():
        assert field_value(response, name) == value, name
    assert find("V1", "H9") is None


@pytest.mark.parametrize("phone", ["+86 138 0000 0001", "0357-5521234", "13800000001"])
def test_usual_phone_numbers_are_accepted(signed_in, world, phone):
    response = signed_in("unit_admin").post(
        f"/units/{world.village.id}/households/new", data=household_form(phone=phone)
    )
    assert response.status_code == 302
    assert find("V1", "H9").phone == phone


def test_a_duplicate_code_in_the_unit_is_refused_and_what_was_typed_is_kept(signed_in, world):
    before = household_count()
    form = household_form(code="H1", head_name="冒名", members="甲；乙")
    response = signed_in("unit_admin").post(f"/units/{world.village.id}/households/new", data=form)
    assert response.status_code == 422
    assert "The household code H1 is already used in this unit." in page_text(response)
    for name, value in form.items():
        assert field_value(response, name) == value, name
    assert household_count() == before
    assert find("V1", "H1").head_name == "王四保"


def test_the_same_code_may_be_used_in_another_village(signed_in, world):
    response = signed_in("county_admin").post(
        f"/units/{world.other_village.id}/households/new", data=household_form(code="H1")
    )
    assert response.status_code == 302
    assert find("V2", "H1").head_name == "赵大"
    assert find("V1", "H1").head_name == "王四保"


def test_a_code_with_bad_characters_is_refused(signed_in, world):
    response = signed_in("unit_admin").post(
        f"/units/{world.village.id}/households/new", data=household_form(code="H 9")
    )
    assert response.status_code == 422
    assert "The household code must be 1–32 letters, digits, '-', '_' or '.'." in page_text(response)
    assert field_value(response, "code") == "H 9"
    assert find("V1", "H 9") is None


@pytest.mark.parametrize("unit", ["school", "township", "county"])
def test_a_household_outside_a_village_or_community_is_refused(signed_in, world, unit):
    before = household_count()
    response = signed_in("county_admin").post(f"/units/{getattr(world, unit).id}/households/new", data=household_form())
    assert response.status_code == 422
    assert "Households belong to a village or community." in page_text(response)
    assert field_value(response, "head_name") == "赵大"
    assert household_count() == before


def test_a_community_takes_households(signed_in, world):
    client = signed_in("county_admin")
    client.post("/admin/units/new", data={"code": "CM1", "name": "城东社区", "kind": "community", "parent_code": "T1"})
    community = db.session.scalar(select(Unit).where(Unit.code == "CM1"))
    assert client.post(f"/units/{community.id}/households/new", data=household_form()).status_code == 302
    assert find("CM1", "H9") is not None


@pytest.mark.parametrize(("role", "status"), [("unit_admin", 403), ("scorer", 403), ("resident", 403)])
def test_households_cannot_be_added_by_the_wrong_people(signed_in, world, role, status):
    client = signed_in(role)
    unit = world.other_village if role == "unit_admin" else world.village
    assert client.post(f"/units/{unit.id}/households/new", data=household_form()).status_code == status
    assert household_count() == 3


# --- members ------------------------------------------------------------------------


def test_add_a_member(signed_in, world):
    client = signed_in("unit_admin")
    response = client.post(f"/households/{world.h1.id}/members", data={"name": " 王小红 "})
    assert response.status_code == 302
    assert members_of(find("V1", "H1"))[-1] == ("王小红", False)
    assert "王小红" in member_names(client.get(f"/households/{world.h1.id}"))


def test_an_empty_member_name_is_refused(signed_in, world):
    client = signed_in("unit_admin")
    response = client.post(f"/households/{world.h1.id}/members", data={"name": "  "}, follow_redirects=True)
    assert "The member&#39;s name is required" in response.get_data(as_text=True)
    assert len(find("V1", "H1").members) == 3


def test_remove_a_member(signed_in, world):
    client = signed_in("unit_admin")
    son_id = next(m.id for m in world.h1.members if m.name == "王小军")
    response = client.post(f"/households/{world.h1.id}/members/{son_id}/delete")
    assert response.status_code == 302
    assert members_of(find("V1", "H1")) == [("王四保", True), ("李秀英", False)]
    assert db.session.get(Member, son_id) is None


def test_the_head_cannot_be_removed(signed_in, world):
    head = world.h1.members[0]
    response = signed_in("unit_admin").post(
        f"/households/{world.h1.id}/members/{head.id}/delete", follow_redirects=True
    )
    assert "The head of household cannot be removed; change the head first." in page_text(response)
    assert members_of(find("V1", "H1"))[0] == ("王四保", True)
    assert len(find("V1", "H1").members) == 3


def test_a_member_with_a_login_cannot_be_removed(signed_in, world):
    wife = next(m for m in world.h1.members if m.name == "李秀英")
    factories.user("wife", "resident", world.village, wife)
    db.session.commit()
    response = signed_in("unit_admin").post(
        f"/households/{world.h1.id}/members/{wife.id}/delete", follow_redirects=True
    )
    assert "This member has a login; remove the resident role first." in page_text(response)
    assert db.session.get(Member, wife.id) is not None


def test_a_member_is_removed_only_through_their_own_household(signed_in, world):
    son = next(m for m in world.h1.members if m.name == "王小军")
    response = signed_in("unit_admin").post(f"/households/{world.h2.id}/members/{son.id}/delete", follow_redirects=True)
    assert "The form expired. Please try again." in page_text(response)
    assert db.session.get(Member, son.id) is not None


def test_members_of_another_village_are_out_of_reach(signed_in, world):
    client = signed_in("unit_admin")
    head = world.other_h.members[0]
    assert client.post(f"/households/{world.other_h.id}/members", data={"name": "外人"}).status_code == 403
    assert client.post(f"/households/{world.other_h.id}/members/{head.id}/delete").status_code == 403
    assert members_of(find("V2", "H3")) == [("刘玉兰", True)]


def test_a_scorer_cannot_change_members(signed_in, world):
    client = signed_in("scorer")
    son = next(m for m in world.h1.members if m.name == "王小军")
    assert client.post(f"/households/{world.h1.id}/members", data={"name": "外人"}).status_code == 403
    assert client.post(f"/households/{world.h1.id}/members/{son.id}/delete").status_code == 403
    assert len(find("V1", "H1").members) == 3


# --- editing ----------------------------------------------------------------------------


def test_edit_a_household(signed_in, world):
    client = signed_in("unit_admin")
    form = client.get(f"/households/{world.h1.id}/edit")
    assert field_value(form, "head_name") == "王四保" and field_value(form, "phone") == "13900000000"
    response = client.post(
        f"/households/{world.h1.id}/edit",
        data={"head_name": "王四宝", "address": "2号", "phone": "13911112222", "grid_cell": "第3网格"},
    )
    assert response.status_code == 302
    household = find("V1", "H1")
    assert (household.head_name, household.address, household.phone, household.grid_cell) == (
        "王四宝",
        "2号",
        "13911112222",
        "第3网格",
    )
    assert members_of(household) == [("王四宝", True), ("王小军", False), ("李秀英", False)]
    assert household.account.name == "王四宝"
    assert "Household of 王四宝" in page_text(client.get(response.headers["Location"]))


def test_a_bad_edit_is_refused_and_what_was_typed_is_kept(signed_in, world):
    data = {"head_name": "王四宝", "address": "2号", "phone": "not a phone", "grid_cell": "第3网格"}
    response = signed_in("unit_admin").post(f"/households/{world.h1.id}/edit", data=data)
    assert response.status_code == 422
    assert "The phone number may hold only digits" in page_text(response)
    for name, value in data.items():
        assert field_value(response, name) == value, name
    household = find("V1", "H1")
    assert (household.head_name, household.phone, household.address) == ("王四保", "13900000000", "1号")


def test_the_head_name_is_required_on_edit(signed_in, world):
    response = signed_in("unit_admin").post(
        f"/households/{world.h1.id}/edit", data={"head_name": "", "address": "", "phone": "", "grid_cell": ""}
    )
    assert response.status_code == 422
    assert find("V1", "H1").head_name == "王四保"


def test_households_of_another_village_cannot_be_edited(signed_in, world):
    client = signed_in("unit_admin")
    assert client.get(f"/households/{world.other_h.id}/edit").status_code == 403
    data = {"head_name": "改名", "address": "", "phone": "", "grid_cell": ""}
    assert client.post(f"/households/{world.other_h.id}/edit", data=data).status_code == 403
    assert signed_in("scorer").post(f"/households/{world.h1.id}/edit", data=data).status_code == 403
    assert find("V2", "H3").head_name == "刘玉兰" and find("V1", "H1").head_name == "王四保"


# --- list, search and who sees what ---------------------------------------------------


def test_the_list_shows_the_village_households_with_balances(signed_in, world):
    factories.award(world.h1, 15, "deed-1")
    db.session.commit()
    response = signed_in("unit_admin").get(f"/units/{world.village.id}/households")
    assert response.status_code == 200
    assert listed_codes(response) == ["H1", "H2"]
    body = response.get_data(as_text=True)
    assert re.search(r"王四保</a></td>\s*<td class=\"points\">15</td>", body)
    assert re.search(r"张建国</a></td>\s*<td class=\"points\">0</td>", body)
    assert "2 households" in page_text(response)


def test_the_list_is_searchable_by_name_code_and_phone(signed_in, world):
    factories.household(world.village, "X7", "李明", [])
    db.session.scalar(select(Household).where(Household.code == "X7")).phone = "13711112222"
    db.session.commit()
    client = signed_in("unit_admin")
    url = f"/units/{world.village.id}/households"
    assert listed_codes(client.get(url + "?q=张")) == ["H2"]
    assert listed_codes(client.get(url + "?q=h2")) == ["H2"]  # codes match whatever the case
    assert listed_codes(client.get(url + "?q=1111")) == ["X7"]
    assert listed_codes(client.get(url + "?q=139")) == ["H1", "H2"]
    assert listed_codes(client.get(url + "?q=刘玉兰")) == []  # lives in V2
    assert "No households found." in page_text(client.get(url + "?q=nobody"))


def test_a_scorer_sees_their_village_only(signed_in, world):
    client = signed_in("scorer")
    assert listed_codes(client.get(f"/units/{world.village.id}/households")) == ["H1", "H2"]
    assert client.get(f"/households/{world.h2.id}").status_code == 200
    assert client.get(f"/units/{world.other_village.id}/households").status_code == 403
    assert client.get(f"/households/{world.other_h.id}").status_code == 403


def test_a_resident_sees_only_their_own_household(signed_in, world):
    client = signed_in("resident")
    page = client.get(f"/households/{world.h1.id}")
    assert page.status_code == 200
    assert "王小军" in member_names(page)
    assert client.get(f"/households/{world.h2.id}").status_code == 403
    assert client.get(f"/households/{world.other_h.id}").status_code == 403
    assert client.get(f"/units/{world.village.id}/households").status_code == 403


def test_a_township_admin_sees_villages_of_their_township_only(signed_in, world):
    client = signed_in("township_admin")
    assert client.get(f"/households/{world.h1.id}").status_code == 200
    assert client.get(f"/households/{world.other_h.id}").status_code == 403
    assert client.get(f"/units/{world.other_village.id}/households/export.csv").status_code == 403


# --- import through the web page ---------------------------------------------------------

BAD_ROWS = [
    ("V1", "H10", "赵大", "赵二;赵三", "3号", "13800000001"),  # line 2: good, but must not be imported
    ("NOPE", "H11", "钱二", "", "", ""),  # 3
    ("S1", "H12", "孙三", "", "", ""),  # 4
    ("V1", "H10", "李四", "", "", ""),  # 5
    ("V1", "H1", "王四保", "", "", ""),  # 6
    ("V1", "H13", "周五", "", "", "abc"),  # 7
    ("V2", "H14", "吴六", "", "", ""),  # 8: outside the township admin's township
    ("V1", "H 15", "郑七", "", "", ""),  # 9
    ("V1", "H16", "", "", "", ""),  # 10
]
BAD_ROW_ERRORS = [  # (line, message id, its values), as in test_units
    (3, "No unit has the code %(code)s.", {"code": "NOPE"}),
    (4, "Households belong to a village or community.", {}),
    (5, "The household %(code)s appears twice in the file (line %(other)s).", {"code": "H10", "other": 2}),
    (6, "The household code %(code)s is already used in this unit.", {"code": "H1"}),
    (7, "The phone number may hold only digits, spaces, '-' and a leading '+'.", {}),
    (8, "You may not add households to %(code)s.", {"code": "V2"}),
    (9, "The household code must be 1–32 letters, digits, '-', '_' or '.'.", {}),
    (10, "The head of household's name is required (at most 50 characters).", {}),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_bad_rows_lists_each_and_imports_nothing(signed_in, world, fmt):
    before = snapshot()
    response = upload(signed_in("township_admin"), "/households/import", *make_file(fmt, BAD_ROWS))
    assert response.status_code == 422
    assert bad_rows(response) == in_english(BAD_ROW_ERRORS)
    assert "8 problems found. Nothing was imported" in page_text(response)
    assert 'data-testid="confirm-import"' not in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_unit_admin_imports_only_into_their_unit(signed_in, world):
    rows = [("V1", "H20", "甲", "", "", ""), ("V2", "H21", "乙", "", "", "")]
    response = upload(signed_in("unit_admin"), "/households/import", *make_file("csv", rows))
    assert bad_rows(response) == [(3, "You may not add households to V2.")]
    assert find("V1", "H20") is None


GOOD_ROWS = [
    ("V1", "H20", "赵大", "赵二;赵三；赵四", "3号", "13800000001"),
    ("V2", "H1", "钱大", "", "黑龙关1号", ""),  # H1 is taken in V1, not in V2
    ("V1", "H21", "孙大", "孙大；孙二", "", "+86 138 0000 0002"),
]
GOOD_RESULT = {
    ("V1", "H20"): (
        "赵大",
        [("赵大", True), ("赵二", False), ("赵三", False), ("赵四", False)],
        "3号",
        "13800000001",
        0,
    ),
    ("V2", "H1"): ("钱大", [("钱大", True)], "黑龙关1号", "", 0),
    ("V1", "H21"): ("孙大", [("孙大", True), ("孙二", False)], "", "+86 138 0000 0002", 0),
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_file_is_previewed_then_imported_on_confirm(signed_in, world, fmt):
    client = signed_in("county_admin")
    before = snapshot()
    preview = upload(client, "/households/import", *make_file(fmt, GOOD_ROWS))
    assert preview.status_code == 200
    assert "All 3 rows are good." in page_text(preview)
    assert snapshot() == before  # the preview saves nothing

    response = client.post("/households/import", data={"token": confirm_token(preview)})
    assert response.status_code == 302
    assert "Imported 3 rows." in page_text(client.get(response.headers["Location"]))
    after = snapshot()
    assert {k: v for k, v in after.items() if k not in before} == GOOD_RESULT
    assert listed_codes(client.get(f"/units/{world.village.id}/households")) == ["H1", "H2", "H20", "H21"]
    # an imported household is a household like any other
    assert client.post(f"/households/{find('V1', 'H20').id}/members", data={"name": "赵五"}).status_code == 302
    assert members_of(find("V1", "H20"))[-1] == ("赵五", False)


def test_a_gb18030_household_csv_is_read(signed_in, world):
    client = signed_in("unit_admin")
    data = csv_bytes([("V1", "H30", "蒲玉兰", "蒲小花；蒲小草", "山中村3号", "")], HEADER, encoding="gb18030")
    preview = upload(client, "/households/import", "households.csv", data)
    assert "All 1 rows are good." in page_text(preview)
    client.post("/households/import", data={"token": confirm_token(preview)})
    assert snapshot()[("V1", "H30")] == (
        "蒲玉兰",
        [("蒲玉兰", True), ("蒲小花", False), ("蒲小草", False)],
        "山中村3号",
        "",
        0,
    )


def test_missing_household_columns_are_named(signed_in, world):
    header = ("unit_code", "household_code", "head_name")
    response = upload(signed_in("unit_admin"), "/households/import", *make_file("csv", [("V1", "H40", "甲")], header))
    assert response.status_code == 422
    assert "missing: members,address,phone." in page_text(response)
    assert find("V1", "H40") is None


def test_households_that_appeared_after_the_preview_import_nothing(signed_in, world):
    client = signed_in("county_admin")
    preview = upload(client, "/households/import", *make_file("csv", GOOD_ROWS))
    factories.household(world.village, "H21", "抢先")
    db.session.commit()
    count = household_count()
    response = client.post("/households/import", data={"token": confirm_token(preview)})
    assert response.status_code == 422
    assert "The file has errors; nothing was imported." in page_text(response)
    assert household_count() == count


@pytest.mark.parametrize("role", ["scorer", "clerk", "resident"])
def test_only_admins_import_households(signed_in, world, role):
    response = upload(signed_in(role), "/households/import", *make_file("csv", GOOD_ROWS))
    assert response.status_code == 403
    assert household_count() == 3


# --- export and round trip -------------------------------------------------------------


def test_export_csv_has_a_byte_order_mark_and_the_households(signed_in, world):
    response = signed_in("county_admin").get(f"/units/{world.county.id}/households/export.csv")
    assert response.status_code == 200
    assert 'filename="households-C.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        list(HEADER),
        ["V1", "H1", "王四保", "王小军;李秀英", "1号", "13900000000"],
        ["V1", "H2", "张建国", "", "1号", "13900000000"],
        ["V2", "H3", "刘玉兰", "", "1号", "13900000000"],
    ]


def test_export_xlsx_of_a_village(signed_in, world):
    response = signed_in("unit_admin").get(f"/units/{world.village.id}/households/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.get_data())).worksheets[0].iter_rows(values_only=True))
    assert [tuple(c or "" for c in row) for row in rows] == [
        HEADER,
        ("V1", "H1", "王四保", "王小军;李秀英", "1号", "13900000000"),
        ("V1", "H2", "张建国", "", "1号", "13900000000"),
    ]
    assert signed_in("unit_admin").get(f"/units/{world.other_village.id}/households/export.xlsx").status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_households(signed_in, world, runner, tmp_path, fmt):
    client = signed_in("county_admin")
    client.post(
        f"/units/{world.village.id}/households/new",
        data=household_form(code="H9", members="赵二;赵三", address='=HYPERLINK("http://x") 村东', phone="+86 138"),
    )
    original = snapshot()
    units_file, households_file = tmp_path / f"units.{fmt}", tmp_path / f"households.{fmt}"
    units_file.write_bytes(client.get(f"/admin/units/{world.county.id}/export.{fmt}").get_data())
    households_file.write_bytes(client.get(f"/units/{world.county.id}/households/export.{fmt}").get_data())
    # What a spreadsheet would run as a formula is kept as text in the file.
    if fmt == "csv":
        cells = [c for row in csv.reader(io.StringIO(households_file.read_text("utf-8-sig"))) for c in row]
        assert "'+86 138" in cells and '\'=HYPERLINK("http://x") 村东' in cells
    else:
        sheet = load_workbook(households_file).worksheets[0]
        address = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK"))
        assert address.data_type == "s"

    empty_database()
    assert household_count() == 0
    assert runner.invoke(args=["import-units", str(units_file)]).exit_code == 0
    result = runner.invoke(args=["import-households", str(households_file)])
    assert result.exit_code == 0, result.output
    assert gettext("Imported %(n)s rows.", n=4) in result.output
    assert snapshot() == original


# --- the command line -------------------------------------------------------------------


def test_cli_imports_households(world, runner, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS, HEADER))
    result = runner.invoke(args=["import-households", str(path)])
    assert result.exit_code == 0, result.output
    assert gettext("Imported %(n)s rows.", n=3) in result.output
    after = snapshot()
    assert {k: after[k] for k in GOOD_RESULT} == GOOD_RESULT


def test_cli_imports_households_from_xlsx_with_numeric_cells(world, runner, tmp_path):
    path = tmp_path / "households.xlsx"
    path.write_bytes(xlsx_bytes([("V1", 1001, "冯大", None, None, 13800000009)], HEADER))
    result = runner.invoke(args=["import-households", str(path)])
    assert result.exit_code == 0, result.output
    assert snapshot()[("V1", "1001")] == ("冯大", [("冯大", True)], "", "13800000009", 0)


def test_cli_reports_bad_lines_and_imports_nothing(world, runner, tmp_path):
    before = snapshot()
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes(BAD_ROWS, HEADER))
    result = runner.invoke(args=["import-households", str(path)])
    assert result.exit_code != 0
    # the command line has no admin scope: V2 is fine there, every other bad line is reported
    for line, message in translated(BAD_ROW_ERRORS):
        if line != 8:
            assert gettext("line %(line)s: %(message)s", line=line, message=message) in result.output
    assert gettext("line %(line)s: %(message)s", line=2, message="") not in result.output
    assert gettext("line %(line)s: %(message)s", line=8, message="") not in result.output
    assert (
        gettext("%(n)s problems found. Nothing was imported; correct the file and upload it again.", n=7)
        in result.output
    )
    assert snapshot() == before


def test_cli_refuses_a_missing_file(world, runner, tmp_path):
    result = runner.invoke(args=["import-households", str(tmp_path / "nope.xlsx")])
    assert result.exit_code != 0
    assert gettext("No such file: %(path)s", path="") in result.output
    assert household_count() == 3


def test_cli_refuses_a_file_without_the_header(world, runner, tmp_path):
    path = tmp_path / "households.csv"
    path.write_text("V1,H50,甲,,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-households", str(path)])
    assert result.exit_code != 0
    expected = gettext(
        "The first row must name the columns %(columns)s; missing: %(missing)s.",
        columns=",".join(HEADER),
        missing=",".join(HEADER),
    )
    assert expected in result.output
    assert household_count() == 3


def test_resident_logins_survive_an_import(world, runner, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS, HEADER))
    assert runner.invoke(args=["import-households", str(path)]).exit_code == 0
    resident = db.session.scalar(select(User).where(User.username == "resident"))
    assert resident.member.household.code == "H1"
