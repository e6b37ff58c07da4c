"""The unit tree: the add/edit forms, the list, file import (web and CLI) and export."""

import csv
import html
import io
import re

import pytest
from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text

from moral_bank.core.db import db
from moral_bank.core.tabular import Table
from moral_bank.ledger.models import Account
from moral_bank.units import service
from moral_bank.units.models import Unit

HEADER = ("code", "name", "kind", "parent_code")


# --- helpers ------------------------------------------------------------------


def english(client):
    """Pin the page language, so the messages asserted below do not depend on the catalogs."""
    assert client.post("/language", data={"locale": "en"}).status_code == 302
    return client


@pytest.fixture
def signed_in(login_as):
    return lambda role: english(login_as(role))


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_file(fmt: str, rows, header=HEADER) -> tuple[str, bytes]:
    if fmt == "xlsx":
        return "units.xlsx", xlsx_bytes(rows, header)
    return "units.csv", csv_bytes(rows, header)


def upload(client, url: str, filename: str, data: bytes):
    return client.post(url, data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def in_english(errors) -> list[tuple[int, str]]:
    return [(line, msgid % values if values else msgid) for line, msgid, values in errors]


def translated(errors) -> list[tuple[int, str]]:
    """As the command line prints them (the default locale, outside any request)."""
    return [(line, gettext(msgid, **values)) for line, msgid, values in errors]


def bad_rows(response) -> list[tuple[int, str]]:
    """The (line, problem) rows of an import preview."""
    body = response.get_data(as_text=True)
    found = re.findall(r'<tr class="bad-row"><td>(\d+)</td><td>(.*?)</td></tr>', body)
    return [(int(line), html.unescape(message)) for line, message in found]


def confirm_token(response) -> str:
    match = re.search(r'<input[^>]*name="token"[^>]*value="([0-9a-f]{32})"', response.get_data(as_text=True))
    assert match, "the preview offers no confirm button"
    return match.group(1)


def field_value(response, name: str) -> str | None:
    """What a re-rendered form shows in a text input or a select."""
    body = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', body)
    if tag:
        value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
        return html.unescape(value.group(1)) if value else ""
    select_ = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', body, re.S)
    if select_:
        chosen = re.search(r'<option selected value="([^"]*)"', select_.group(1))
        return chosen.group(1) if chosen else None
    return None


def listed_codes(response) -> list[str]:
    return re.findall(r"<td><code>([^<]*)</code></td>", response.get_data(as_text=True))


def tree() -> dict[str, tuple[str, str, str]]:
    """code → (name, kind, parent code) for every unit."""
    parent = db.aliased(Unit)
    rows = db.session.execute(
        select(Unit.code, Unit.name, Unit.kind, parent.code).outerjoin(parent, Unit.parent_id == parent.id)
    )
    return {code: (name, kind, parent_code or "") for code, name, kind, parent_code in rows}


def assert_paths_consistent() -> None:
    """Every unit's path is its parent's path plus its own id (what subtree checks rely on)."""
    db.session.expire_all()
    for unit in db.session.scalars(select(Unit)):
        expected = (unit.parent.path if unit.parent else "/") + f"{unit.id}/"
        assert unit.path == expected, unit


def issuance_units() -> set[str]:
    return set(
        db.session.scalars(
            select(Unit.code).join(Account, Account.unit_id == Unit.id).where(Account.kind == "issuance")
        )
    )


def unit_count() -> int:
    return db.session.scalar(select(func.count(Unit.id)))


def by_code(code: str) -> Unit | None:
    db.session.expire_all()
    return service.by_code(code)


def empty_database() -> None:
    """Delete every row: the 'fresh installation' an export is loaded into."""
    db.session.rollback()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    db.session.expire_all()


def new_unit_form(code="V9", name="新村", kind="village", parent_code="T1") -> dict:
    return {"code": code, "name": name, "kind": kind, "parent_code": parent_code}


# --- the add form ------------------------------------------------------------


@pytest.mark.parametrize("role", ["county_admin", "township_admin"])
def test_area_admin_adds_a_village_through_the_form(signed_in, world, role):
    client = signed_in(role)
    response = client.post("/admin/units/new", data=new_unit_form())
    unit = by_code("V9")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/units/{unit.id}")
    assert (unit.name, unit.kind, unit.parent.code) == ("新村", "village", "T1")
    assert unit.path == f"{world.township.path}{unit.id}/"
    assert world.township.contains(unit) and not world.other_township.contains(unit)
    account = db.session.scalar(select(Account).where(Account.unit_id == unit.id))
    assert (account.kind, account.balance) == ("issuance", 0)
    detail = page_text(client.get(response.headers["Location"]))
    assert "The unit 新村 was added." in detail
    assert "新村" in detail and "V9" in detail


def test_a_school_gets_no_issuance_account(signed_in, world):
    response = signed_in("county_admin").post("/admin/units/new", data=new_unit_form("SC9", "二中", "school", "C"))
    assert response.status_code == 302
    unit = by_code("SC9")
    assert unit.parent.code == "C" and unit.path == f"{world.county.path}{unit.id}/"
    assert "SC9" not in issuance_units()


def test_the_add_form_is_prefilled_with_the_parent(signed_in, world):
    response = signed_in("county_admin").get("/admin/units/new?parent=T2")
    assert response.status_code == 200
    assert field_value(response, "parent_code") == "T2"


@pytest.mark.parametrize(
    ("kind", "parent_code", "message"),
    [
        ("county", "C", "A county has no parent."),
        ("township", "", "Only a county may have no parent."),
        ("township", "T1", "A township must belong to a county."),
        ("village", "V1", "A unit must belong to a township or a county."),
        ("hospital", "S1", "A unit must belong to a township or a county."),
        ("village", "", "Only a county may have no parent."),
        ("village", "NOPE", "No unit has the code NOPE."),
    ],
)
def test_the_parent_rules_are_enforced_on_the_form(signed_in, world, kind, parent_code, message):
    before = unit_count()
    response = signed_in("county_admin").post("/admin/units/new", data=new_unit_form("X9", "某单位", kind, parent_code))
    assert response.status_code == 422
    assert message in page_text(response)
    assert field_value(response, "parent_code") == parent_code
    assert field_value(response, "kind") == kind
    assert unit_count() == before and by_code("X9") is None


@pytest.mark.parametrize(
    ("kind", "parent_code"),
    [("township", "C"), ("village", "T1"), ("community", "T2"), ("market", "T1"), ("hospital", "C"), ("airport", "C")],
)
def test_the_parent_rules_allow(signed_in, world, kind, parent_code):
    response = signed_in("county_admin").post("/admin/units/new", data=new_unit_form("X9", "某单位", kind, parent_code))
    assert response.status_code == 302
    unit = by_code("X9")
    assert (unit.kind, unit.parent.code) == (kind, parent_code)


def test_only_the_command_line_may_add_a_county(signed_in, world, app):
    response = signed_in("county_admin").post("/admin/units/new", data=new_unit_form("C2", "隰县", "county", ""))
    assert response.status_code in (403, 422)
    assert "You may not add units here." in page_text(response)
    assert by_code("C2") is None
    county = service.create_unit("C2", "隰县", "county", None)  # no actor: the command line
    assert county.parent is None and county.path == f"/{county.id}/"


def test_a_duplicate_code_is_refused_and_what_was_typed_is_kept(signed_in, world):
    before = unit_count()
    response = signed_in("county_admin").post(
        "/admin/units/new", data=new_unit_form("V1", "另一个村", "community", "T2")
    )
    assert response.status_code == 422
    assert "The code V1 is already used." in page_text(response)
    assert field_value(response, "code") == "V1"
    assert field_value(response, "name") == "另一个村"
    assert field_value(response, "kind") == "community"
    assert field_value(response, "parent_code") == "T2"
    assert unit_count() == before
    assert by_code("V1").name == "山中村"


@pytest.mark.parametrize("code", ["V 9", "村9", "V9!", "a/b"])
def test_a_code_with_bad_characters_is_refused(signed_in, world, code):
    response = signed_in("county_admin").post("/admin/units/new", data=new_unit_form(code=code))
    assert response.status_code == 422
    assert "The code must be 1–32 letters, digits, '-', '_' or '.'." in page_text(response)
    assert field_value(response, "code") == code
    assert field_value(response, "name") == "新村"
    assert by_code(code) is None


def test_missing_fields_are_reported(signed_in, world):
    response = signed_in("county_admin").post("/admin/units/new", data=new_unit_form(code="", name=""))
    assert response.status_code == 422
    assert page_text(response).count('class="field-error"') == 2
    assert field_value(response, "parent_code") == "T1"


def test_a_township_admin_cannot_add_under_another_township(signed_in, world):
    before = unit_count()
    response = signed_in("township_admin").post("/admin/units/new", data=new_unit_form(parent_code="T2"))
    assert response.status_code in (403, 422)
    assert "You may not add units here." in page_text(response)
    assert by_code("V9") is None and unit_count() == before


def test_a_township_admin_cannot_add_a_township(signed_in, world):
    response = signed_in("township_admin").post("/admin/units/new", data=new_unit_form("T9", "新镇", "township", "C"))
    assert response.status_code in (403, 422)
    assert by_code("T9") is None


@pytest.mark.parametrize("role", ["unit_admin", "scorer", "resident"])
def test_other_roles_cannot_open_the_add_form(signed_in, world, role):
    client = signed_in(role)
    assert client.get("/admin/units/new").status_code == 403
    assert client.post("/admin/units/new", data=new_unit_form()).status_code == 403
    assert by_code("V9") is None


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.post("/admin/units/new", data=new_unit_form())
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert by_code("V9") is None


# --- editing -------------------------------------------------------------------


def test_edit_a_unit(signed_in, world):
    client = signed_in("county_admin")
    form = client.get(f"/admin/units/{world.school.id}/edit")
    assert field_value(form, "name") == "中心学校" and field_value(form, "kind") == "school"
    response = client.post(f"/admin/units/{world.school.id}/edit", data={"name": "克城中学", "kind": "institution"})
    assert response.status_code == 302
    school = by_code("S1")
    assert (school.name, school.kind, school.code, school.parent.code) == ("克城中学", "institution", "S1", "T1")
    assert "克城中学" in page_text(client.get(response.headers["Location"]))


def test_a_unit_turned_into_a_village_gets_an_issuance_account(signed_in, world):
    assert "S1" not in issuance_units()
    response = signed_in("county_admin").post(
        f"/admin/units/{world.school.id}/edit", data={"name": "中心村", "kind": "village"}
    )
    assert response.status_code == 302
    assert "S1" in issuance_units()


def test_a_township_cannot_change_its_kind(signed_in, world):
    response = signed_in("county_admin").post(
        f"/admin/units/{world.township.id}/edit", data={"name": "新名字", "kind": "village"}
    )
    assert response.status_code == 422
    assert "A county or township cannot change its kind." in page_text(response)
    assert field_value(response, "name") == "新名字"
    assert by_code("T1").kind == "township" and by_code("T1").name == "克城镇"


def test_a_village_with_households_must_stay_one(signed_in, world):
    response = signed_in("county_admin").post(
        f"/admin/units/{world.village.id}/edit", data={"name": "山中学校", "kind": "school"}
    )
    assert response.status_code == 422
    assert "This unit has households, so it must stay a village or community." in page_text(response)
    assert field_value(response, "name") == "山中学校"
    assert by_code("V1").kind == "village" and by_code("V1").name == "山中村"
    # a village may become a community, the moral bank keeps running
    response = signed_in("county_admin").post(
        f"/admin/units/{world.village.id}/edit", data={"name": "山中社区", "kind": "community"}
    )
    assert response.status_code == 302
    assert by_code("V1").kind == "community"


def test_an_empty_name_is_refused_on_edit(signed_in, world):
    response = signed_in("county_admin").post(
        f"/admin/units/{world.village.id}/edit", data={"name": "", "kind": "village"}
    )
    assert response.status_code == 422
    assert by_code("V1").name == "山中村"


def test_a_unit_admin_edits_only_their_own_unit(signed_in, world):
    client = signed_in("unit_admin")
    response = client.post(f"/admin/units/{world.village.id}/edit", data={"name": "山中新村", "kind": "village"})
    assert response.status_code == 302
    assert by_code("V1").name == "山中新村"
    for unit in (world.other_village, world.township, world.school):
        assert client.get(f"/admin/units/{unit.id}/edit").status_code == 403
        assert client.post(f"/admin/units/{unit.id}/edit", data={"name": "x", "kind": unit.kind}).status_code == 403
        assert client.get(f"/admin/units/{unit.id}").status_code == 403
    assert by_code("V2").name == "黑龙关村"


# --- the list ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("county_admin", {"C", "T1", "V1", "S1", "T2", "V2"}),
        ("township_admin", {"T1", "V1", "S1"}),
        ("unit_admin", {"V1"}),
    ],
)
def test_admins_see_only_their_subtree_in_the_list(signed_in, world, role, visible):
    response = signed_in(role).get("/admin/units/")
    assert response.status_code == 200
    assert set(listed_codes(response)) == visible


def test_the_list_is_searchable(signed_in, world):
    client = signed_in("county_admin")
    assert set(listed_codes(client.get("/admin/units/?q=黑龙关"))) == {"T2", "V2"}
    assert set(listed_codes(client.get("/admin/units/?q=S1"))) == {"S1"}
    assert "No units found." in page_text(client.get("/admin/units/?q=nothing-like-this"))


def test_search_does_not_leak_units_outside_the_subtree(signed_in, world):
    assert listed_codes(signed_in("township_admin").get("/admin/units/?q=黑龙关")) == []


@pytest.mark.parametrize("role", ["scorer", "clerk", "resident"])
def test_non_admins_cannot_list_units(signed_in, world, role):
    assert signed_in(role).get("/admin/units/").status_code == 403


# --- import through the web page -------------------------------------------------

BAD_ROWS = [
    ("V10", "好村", "village", "T1"),  # line 2: good, but must not be imported
    ("X1", "农场", "farm", "T1"),  # 3
    ("V11", "无主村", "village", "NOPE"),  # 4
    (),  # 5: a blank line is skipped but still counted
    ("V10", "又一个", "village", "T1"),  # 6
    ("V1", "山中村", "village", "T1"),  # 7
    ("V 12!", "坏码村", "village", "T1"),  # 8
    ("T9", "村下镇", "township", "V10"),  # 9
]
# (line, message id, its values): web pages are pinned to English, the command line
# speaks the deployment's default language, so its expectations go through gettext.
BAD_ROW_ERRORS = [
    (3, "Unknown kind: %(kind)s.", {"kind": "farm"}),
    (4, "The parent code %(code)s is not known.", {"code": "NOPE"}),
    (6, "The code %(code)s appears twice in the file (line %(other)s).", {"code": "V10", "other": 2}),
    (7, "The code %(code)s is already used.", {"code": "V1"}),
    (8, "The code must be 1–32 letters, digits, '-', '_' or '.'.", {}),
    (9, "A township must belong to a county.", {}),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_bad_rows_lists_each_and_imports_nothing(signed_in, world, fmt):
    before = tree()
    client = signed_in("county_admin")
    response = upload(client, "/admin/units/import", *make_file(fmt, BAD_ROWS))
    assert response.status_code == 422
    assert bad_rows(response) == in_english(BAD_ROW_ERRORS)
    assert "6 problems found. Nothing was imported" in page_text(response)
    assert 'data-testid="confirm-import"' not in response.get_data(as_text=True)
    assert tree() == before


def test_the_import_page_opens(signed_in, world):
    response = signed_in("county_admin").get("/admin/units/import")
    assert response.status_code == 200
    assert "code,name,kind,parent_code" in page_text(response)


GOOD_ROWS = [
    ("V30", "新田村", "village", "T3"),  # the child before its parent: order must not matter
    ("T3", "新田镇", "township", "C"),
    ("CM3", "新田社区", "community", "T3"),
    ("M3", "新田集市", "market", "T3"),
    ("H30", "县医院", "hospital", "C"),
    ("V31", "后山村", "village", "T1"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_file_is_previewed_then_imported_on_confirm(signed_in, world, fmt):
    client = signed_in("county_admin")
    before = tree()
    preview = upload(client, "/admin/units/import", *make_file(fmt, GOOD_ROWS))
    assert preview.status_code == 200
    assert "All 6 rows are good." in page_text(preview)
    assert bad_rows(preview) == []
    assert "新田社区" in page_text(preview)
    assert tree() == before  # the preview saves nothing

    response = client.post("/admin/units/import", data={"token": confirm_token(preview)})
    assert response.status_code == 302
    assert "Imported 6 rows." in page_text(client.get(response.headers["Location"]))
    after = tree()
    assert {c: v for c, v in after.items() if c not in before} == {
        code: (name, kind, parent) for code, name, kind, parent in GOOD_ROWS
    }
    assert_paths_consistent()
    t3, v30 = by_code("T3"), by_code("V30")
    assert t3.contains(v30) and world.county.contains(t3) and not world.township.contains(v30)
    assert world.township.contains(by_code("V31"))
    assert service.subtree_counts(t3) == {"village": 1, "community": 1, "market": 1}
    assert issuance_units() == {"V1", "V2", "V30", "CM3", "V31"}
    balances = db.session.scalars(select(Account.balance).join(Unit).where(Unit.code.in_(["V30", "CM3", "V31"])))
    assert list(balances) == [0, 0, 0]


def test_imported_units_respect_the_subtree_of_their_admins(signed_in, world):
    client = signed_in("county_admin")
    preview = upload(client, "/admin/units/import", *make_file("csv", GOOD_ROWS))
    client.post("/admin/units/import", data={"token": confirm_token(preview)})
    township_admin = signed_in("township_admin")
    assert set(listed_codes(township_admin.get("/admin/units/"))) == {"T1", "V1", "S1", "V31"}
    assert township_admin.get(f"/admin/units/{by_code('V31').id}").status_code == 200
    assert township_admin.get(f"/admin/units/{by_code('V30').id}").status_code == 403


def test_a_confirm_token_imports_once(signed_in, world):
    client = signed_in("county_admin")
    preview = upload(client, "/admin/units/import", *make_file("csv", GOOD_ROWS))
    token = confirm_token(preview)
    assert client.post("/admin/units/import", data={"token": token}).status_code == 302
    count = unit_count()
    again = client.post("/admin/units/import", data={"token": token})
    assert again.status_code == 422
    assert "This upload has expired. Please upload the file again." in page_text(again)
    assert unit_count() == count


def test_a_confirm_token_belongs_to_whoever_uploaded(signed_in, world):
    preview = upload(signed_in("county_admin"), "/admin/units/import", *make_file("csv", GOOD_ROWS))
    stranger = signed_in("township_admin")
    response = stranger.post("/admin/units/import", data={"token": confirm_token(preview)})
    assert response.status_code == 422
    assert "This upload has expired" in page_text(response)
    assert by_code("T3") is None


def test_rows_that_became_bad_after_the_preview_import_nothing(signed_in, world):
    client = signed_in("county_admin")
    preview = upload(client, "/admin/units/import", *make_file("csv", GOOD_ROWS))
    service.create_unit("V31", "抢先村", "village", world.township)  # someone else took a code meanwhile
    db.session.commit()
    count = unit_count()
    response = client.post("/admin/units/import", data={"token": confirm_token(preview)})
    assert response.status_code == 422
    assert "The file has errors; nothing was imported." in page_text(response)
    assert unit_count() == count and by_code("T3") is None


def test_a_township_admin_imports_only_under_their_township(signed_in, world):
    rows = [
        ("V40", "甲村", "village", "T1"),
        ("V41", "乙村", "village", "T2"),
        ("T4", "新镇", "township", "C"),
        ("V42", "丙村", "village", "T4"),
        ("C4", "新县", "county", ""),
    ]
    response = upload(signed_in("township_admin"), "/admin/units/import", *make_file("csv", rows))
    assert response.status_code == 422
    assert bad_rows(response) == [
        (3, "You may not add units under T2."),
        (4, "You may not add units under C."),
        (6, "You may not add units here."),
    ]
    assert by_code("V40") is None


def test_a_gb18030_csv_is_read(signed_in, world):
    data = csv_bytes([("T5", "黑龙关镇东", "township", "C"), ("V50", "蒲城村", "village", "T5")], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # so the test really exercises the fallback
    client = signed_in("county_admin")
    preview = upload(client, "/admin/units/import", "units.csv", data)
    assert "All 2 rows are good." in page_text(preview)
    assert "蒲城村" in page_text(preview)
    assert client.post("/admin/units/import", data={"token": confirm_token(preview)}).status_code == 302
    assert by_code("V50").name == "蒲城村" and by_code("T5").name == "黑龙关镇东"


def test_a_csv_with_a_byte_order_mark_and_reordered_capitalised_columns_is_read(signed_in, world):
    header = ("Parent_Code", "Kind", "Name", "Code")
    rows = [("T1", "village", "红旗村", "V60")]
    data = csv_bytes(rows, header=header, encoding="utf-8-sig")
    client = signed_in("county_admin")
    preview = upload(client, "/admin/units/import", "UNITS.CSV", data)
    assert "All 1 rows are good." in page_text(preview)
    client.post("/admin/units/import", data={"token": confirm_token(preview)})
    assert tree()["V60"] == ("红旗村", "village", "T1")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_columns_are_named(signed_in, world, fmt):
    filename, data = make_file(fmt, [("V70", "某村", "village")], header=("code", "name", "kind"))
    response = upload(signed_in("county_admin"), "/admin/units/import", filename, data)
    assert response.status_code == 422
    assert "The first row must name the columns code,name,kind,parent_code; missing: parent_code." in page_text(
        response
    )
    assert by_code("V70") is None


def test_a_file_with_only_a_header_is_refused(signed_in, world):
    response = upload(signed_in("county_admin"), "/admin/units/import", "units.csv", csv_bytes([]))
    assert response.status_code == 422
    assert "The file has no rows below the header." in page_text(response)


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("units.txt", b"code,name,kind,parent_code\n", "Please upload a .csv or .xlsx file."),
        ("units.xlsx", b"not a workbook", "The XLSX file could not be opened."),
        ("units.csv", b"\xff\xfe\x00\x81\x00", "The file is not readable text."),
    ],
)
def test_unreadable_files_are_refused(signed_in, world, filename, data, message):
    response = upload(signed_in("county_admin"), "/admin/units/import", filename, data)
    assert response.status_code == 422
    assert message in page_text(response)


def test_posting_no_file_asks_for_one(signed_in, world):
    response = signed_in("county_admin").post("/admin/units/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Please choose a file." in page_text(response)


@pytest.mark.parametrize("role", ["unit_admin", "scorer"])
def test_only_area_admins_import_units(signed_in, world, role):
    response = upload(signed_in(role), "/admin/units/import", *make_file("csv", GOOD_ROWS))
    assert response.status_code == 403
    assert by_code("T3") is None


# --- export and round trip -------------------------------------------------------


def test_export_csv_has_a_byte_order_mark_and_the_subtree(signed_in, world):
    response = signed_in("township_admin").get(f"/admin/units/{world.township.id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="units-T1.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(HEADER)
    assert rows[1] == ["T1", "克城镇", "township", "C"]  # the root comes first
    assert sorted(rows[1:]) == [
        ["S1", "中心学校", "school", "T1"],
        ["T1", "克城镇", "township", "C"],
        ["V1", "山中村", "village", "T1"],
    ]


def test_export_outside_the_subtree_is_forbidden(signed_in, world):
    client = signed_in("township_admin")
    assert client.get(f"/admin/units/{world.other_township.id}/export.csv").status_code == 403
    assert client.get(f"/admin/units/{world.county.id}/export.xlsx").status_code == 403
    assert client.get(f"/admin/units/{world.township.id}/export.pdf").status_code == 404


def test_export_xlsx_is_a_workbook_with_the_rows(signed_in, world):
    response = signed_in("county_admin").get(f"/admin/units/{world.county.id}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = [tuple(c or "" for c in row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert {r[0]: r[1:] for r in rows[1:]} == tree()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_tree(signed_in, world, runner, tmp_path, fmt):
    client = signed_in("county_admin")
    # a deeper, wider tree than the world, with names that need quoting
    for code, name, kind, parent in [
        ("T3", "新田镇, 东", "township", "C"),
        ("V30", '新"田"村', "village", "T3"),
        ("CM3", "新田社区", "community", "T3"),
        ("K3", "幼儿园", "kindergarten", "T3"),
    ]:
        assert client.post("/admin/units/new", data=new_unit_form(code, name, kind, parent)).status_code == 302
    original = tree()
    exported = client.get(f"/admin/units/{world.county.id}/export.{fmt}").get_data()

    empty_database()
    assert unit_count() == 0
    path = tmp_path / f"units.{fmt}"
    path.write_bytes(exported)
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert gettext("Imported %(n)s rows.", n=len(original)) in result.output
    assert tree() == original
    assert_paths_consistent()
    assert issuance_units() == {"V1", "V2", "V30", "CM3"}
    assert by_code("T3").contains(by_code("V30")) and not by_code("T1").contains(by_code("V30"))


# --- the command line --------------------------------------------------------------


def test_cli_imports_a_whole_tree(app, runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(
        csv_bytes([("C", "蒲县", "county", ""), ("V1", "山中村", "village", "T1"), ("T1", "克城镇", "township", "C")])
    )
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert gettext("Imported %(n)s rows.", n=3) in result.output
    assert tree() == {"C": ("蒲县", "county", ""), "T1": ("克城镇", "township", "C"), "V1": ("山中村", "village", "T1")}
    assert_paths_consistent()
    assert issuance_units() == {"V1"}


def test_cli_imports_xlsx(app, runner, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [("C", "蒲县", "county", None), ("T1", "克城镇", "township", "C"), (1001, "数字码村", "village", "T1")]
        )
    )
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    # Excel keeps a code typed as a number as a number; it must come back as "1001", not "1001.0"
    assert tree()["1001"] == ("数字码村", "village", "T1")


def test_cli_reports_bad_lines_and_imports_nothing(world, runner, tmp_path):
    before = tree()
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(BAD_ROWS))
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code != 0
    for line, message in translated(BAD_ROW_ERRORS):
        assert gettext("line %(line)s: %(message)s", line=line, message=message) in result.output
    assert gettext("line %(line)s: %(message)s", line=2, message="") not in result.output
    assert (
        gettext("%(n)s problems found. Nothing was imported; correct the file and upload it again.", n=6)
        in result.output
    )
    assert tree() == before


def test_cli_refuses_a_missing_file(app, runner, tmp_path):
    result = runner.invoke(args=["import-units", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0
    assert gettext("No such file: %(path)s", path="") in result.output
    assert unit_count() == 0


def test_cli_names_missing_columns(app, runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes([("C", "蒲县")], header=("code", "name")))
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code != 0
    expected = gettext(
        "The first row must name the columns %(columns)s; missing: %(missing)s.",
        columns="code,name,kind,parent_code",
        missing="kind,parent_code",
    )
    assert expected in result.output
    assert unit_count() == 0


# --- the services directly -----------------------------------------------------------


def test_import_units_refuses_an_unvalidated_bad_table(world):
    table = Table(rows=[{"_line": 2, "code": "V1", "name": "x", "kind": "village", "parent_code": "T1"}])
    with pytest.raises(service.DomainError):
        service.import_units(table)
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.name == "x")) == 0


def test_paths_of_a_three_level_import_match_ids(app):
    rows = [
        {"_line": i + 2, "code": c, "name": c, "kind": k, "parent_code": p}
        for i, (c, k, p) in enumerate([("V", "village", "T"), ("T", "township", "C"), ("C", "county", "")])
    ]
    assert service.import_units(service.validate_import(Table(rows=rows))) == 3
    db.session.commit()
    assert_paths_consistent()
    ids = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    assert by_code("V").path == f"/{ids['C']}/{ids['T']}/{ids['V']}/"
    assert db.session.execute(text("SELECT count(*) FROM unit WHERE path = ''")).scalar() == 0
