"""The three-zero ledger's pages: the list of an area or a unit (filters, counts, resolution rates,
paging), recording and resolving, import (web and command line) and export."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import func, select

from moral_bank.core.db import db
from moral_bank.core.time import today
from moral_bank.governance import service as governance
from moral_bank.governance.models import Incident, UnitScore

from . import factories
from .test_units import bad_rows, confirm_token, csv_bytes, english, field_value, page_text, upload, xlsx_bytes

COLUMNS = ("unit_code", "kind", "subkind", "date", "summary", "status", "resolved_on", "escalated")


@pytest.fixture
def signed_in(login_as):
    return lambda role: english(login_as(role))


def record(unit, kind, day, subkind="", status="open", resolved_on=None, escalated=False, summary=None, by=None):
    return governance.record(
        unit,
        {
            "kind": kind,
            "subkind": subkind,
            "occurred_on": day,
            "summary": summary or f"{kind} {day.isoformat()}",
            "status": status,
            "resolved_on": resolved_on,
            "escalated": escalated,
        },
        by,
    )


def incidents() -> list[tuple]:
    """(unit code, kind, subkind, date, summary, status, resolved on, escalated) of every incident."""
    rows = db.session.scalars(select(Incident).order_by(Incident.id))
    return [
        (i.unit.code, i.kind, i.subkind, i.occurred_on, i.summary, i.status, i.resolved_on, i.escalated) for i in rows
    ]


def count() -> int:
    return db.session.scalar(select(func.count(Incident.id)))


def listed(response) -> list[tuple[str, str]]:
    """(kind, status) of every incident row of a list page, top to bottom."""
    return re.findall(r'data-kind="(\w+)" data-status="(\w+)"', response.get_data(as_text=True))


def shown(response, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert match, f"no {name} on the page"
    return match.group(1).strip()


def invalid(response) -> set[str]:
    """The names of the form fields shown with an error."""
    body = response.get_data(as_text=True)
    tags = re.findall(r"<(?:input|select|textarea)[^>]*>", body)
    return {re.search(r'name="([^"]+)"', t).group(1) for t in tags if 'aria-invalid="true"' in t}


# --- recording and resolving ---------------------------------------------------------------------


def test_a_township_admin_records_an_escalated_petition_and_the_month_breaks(signed_in, world):
    client = signed_in("township_admin")
    form = client.get(f"/incidents/units/{world.village.id}/new")
    assert form.status_code == 200
    assert field_value(form, "occurred_on") == today().isoformat()  # today, ready to change
    day = today() - timedelta(days=3)
    response = client.post(
        f"/incidents/units/{world.village.id}/new",
        data={"kind": "petition", "occurred_on": day.isoformat(), "summary": "到县里上访", "escalated": "y"},
    )
    assert response.status_code == 302
    assert incidents() == [("V1", "petition", "", day, "到县里上访", "open", None, True)]
    page = client.get(response.headers["Location"])
    assert shown(page, "status") == "Open" and shown(page, "recorded-by").startswith("township_admin")
    assert shown(page, "escalated") == "Yes"
    client.post("/language", data={"locale": "zh_Hans"})
    assert shown(client.get(response.headers["Location"]), "status") == "未化解"  # not 打开, the button's word
    score = db.session.scalar(
        select(UnitScore).where(UnitScore.unit_id == world.village.id, UnitScore.month == day.strftime("%Y-%m"))
    )
    assert (score.month, score.petitions_escalated, score.compliant) == (day.strftime("%Y-%m"), 1, False)


def test_an_accident_is_recorded_with_its_subkind_already_resolved(signed_in, world):
    client = signed_in("unit_admin")
    response = client.post(
        f"/incidents/units/{world.village.id}/new",
        data={
            "kind": "accident/production_safety",
            "occurred_on": "2026-03-02",
            "summary": "砖厂工人受伤",
            "status": "resolved",
            "resolved_on": "2026-03-05",
            "resolution": "送医，赔偿到位",
        },
    )
    assert response.status_code == 302
    assert incidents() == [
        ("V1", "accident", "production_safety", date(2026, 3, 2), "砖厂工人受伤", "resolved", date(2026, 3, 5), False)
    ]
    page = client.get(response.headers["Location"])
    assert shown(page, "resolution") == "送医，赔偿到位"
    assert 'data-testid="resolve-form"' not in page.get_data(as_text=True)  # nothing left to resolve


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({"kind": "theft"}, {"kind"}),
        ({"kind": "accident"}, {"kind"}),  # an accident is public- or production-safety
        ({"kind": "petition/public_safety"}, {"kind"}),
        ({"kind": "accident", "occurred_on": "2026-02-30"}, {"kind", "occurred_on"}),  # every problem at once
        ({"occurred_on": "TOMORROW"}, {"occurred_on"}),
        ({"occurred_on": "1999-12-31"}, {"occurred_on"}),
        ({"occurred_on": "26/03/2026"}, {"occurred_on"}),
        ({"status": "resolved", "resolved_on": "2026-03-01", "resolution": "调解"}, {"resolved_on"}),
        ({"status": "resolved", "resolved_on": ""}, {"resolved_on"}),
        ({"status": "closed"}, {"status"}),
        ({"summary": ""}, {"summary"}),
        ({"summary": "长" * 501}, {"summary"}),
    ],
)
def test_a_bad_incident_is_refused_on_the_form_which_keeps_what_was_typed(signed_in, world, changes, bad):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    data = {"kind": "dispute", "occurred_on": "2026-03-10", "summary": "宅基地纠纷", **changes}
    data = {k: tomorrow if v == "TOMORROW" else v for k, v in data.items()}
    response = signed_in("township_admin").post(f"/incidents/units/{world.village.id}/new", data=data)
    assert response.status_code == 422
    assert invalid(response) == bad
    assert field_value(response, "occurred_on") == data["occurred_on"]
    assert data["summary"][:500] in page_text(response)
    assert count() == 0


def test_a_future_date_says_why(signed_in, world):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = signed_in("township_admin").post(
        f"/incidents/units/{world.village.id}/new", data={"kind": "hazard", "occurred_on": tomorrow, "summary": "危房"}
    )
    assert "The date must lie between 2000-01-01 and today." in page_text(response)


def test_incidents_are_recorded_for_units_not_for_a_township(signed_in, world):
    client = signed_in("township_admin")
    assert client.get(f"/incidents/units/{world.township.id}/new").status_code == 422
    response = client.post(
        f"/incidents/units/{world.township.id}/new",
        data={"kind": "hazard", "occurred_on": "2026-03-10", "summary": "危桥"},
    )
    assert response.status_code == 422 and count() == 0
    assert 'data-testid="record"' not in client.get(f"/incidents/units/{world.township.id}").get_data(as_text=True)
    # a school is a unit like a village
    response = client.post(
        f"/incidents/units/{world.school.id}/new",
        data={"kind": "hazard", "occurred_on": "2026-03-10", "summary": "危墙"},
    )
    assert response.status_code == 302


def test_resolving_on_the_incident_page(signed_in, world):
    dispute = record(world.village, "dispute", date(2026, 3, 10), summary="地界纠纷")
    client = signed_in("township_admin")
    url = f"/incidents/{dispute.id}"
    assert 'data-testid="resolve-form"' in client.get(url).get_data(as_text=True)

    too_early = client.post(url, data={"resolved_on": "2026-03-09", "resolution": "村委调解"})
    assert too_early.status_code == 422 and invalid(too_early) == {"resolved_on"}
    assert "It cannot be resolved before it happened." in page_text(too_early)
    assert field_value(too_early, "resolved_on") == "2026-03-09" and "村委调解" in page_text(too_early)
    no_how = client.post(url, data={"resolved_on": "2026-03-12", "resolution": " "})
    assert no_how.status_code == 422 and invalid(no_how) == {"resolution"}
    assert incidents()[0][5:7] == ("open", None)

    done = client.post(url, data={"resolved_on": "2026-03-12", "resolution": "村委调解，双方签字"})
    assert done.status_code == 302
    assert incidents()[0][5:7] == ("resolved", date(2026, 3, 12))
    page = client.get(url)
    assert shown(page, "status") == "Resolved" and shown(page, "resolution") == "村委调解，双方签字"
    again = client.post(url, data={"resolved_on": "2026-03-13", "resolution": "再次"})
    assert again.status_code == 422 and "This incident is resolved already." in page_text(again)
    score = db.session.scalar(
        select(UnitScore).where(UnitScore.unit_id == world.village.id, UnitScore.month == "2026-03")
    )
    assert (score.disputes, score.disputes_resolved) == (1, 1)


# --- the list ------------------------------------------------------------------------------------


@pytest.fixture
def ledger(world):
    """March and April 2026 in township T1 (village V1, school S1), and one in the other township."""
    v1, s1 = world.village, world.school
    for n in range(8):  # March: 8 disputes in V1, 7 resolved
        record(v1, "dispute", date(2026, 3, 1 + n), status="resolved" if n else "open", resolved_on=date(2026, 3, 20))
    record(v1, "dispute", date(2026, 4, 2), status="resolved", resolved_on=date(2026, 4, 3))  # April: 1 more, resolved
    record(s1, "hazard", date(2026, 3, 3), summary="教学楼外墙开裂")
    record(s1, "hazard", date(2026, 4, 3), status="resolved", resolved_on=date(2026, 4, 9))
    record(s1, "hazard", date(2026, 4, 4))
    record(v1, "case", date(2026, 4, 5), subkind="public_order")
    record(world.other_village, "accident", date(2026, 3, 6), subkind="public_safety", summary="黑龙关车祸")
    db.session.commit()
    return world


def test_the_townships_list_counts_every_kind_and_the_resolution_rates(signed_in, ledger):
    response = signed_in("township_admin").get(f"/incidents/units/{ledger.township.id}")
    assert response.status_code == 200
    counts = {
        kind: tuple(int(shown(response, f"count-{kind}-{part}").split()[0]) for part in ("total", "open", "resolved"))
        for kind in ("petition", "accident", "case", "dispute", "hazard")
    }
    # The other township's accident is not T1's.
    assert counts == {
        "petition": (0, 0, 0),
        "accident": (0, 0, 0),
        "case": (1, 1, 0),
        "dispute": (9, 1, 8),
        "hazard": (3, 2, 1),
    }
    assert shown(response, "rate-hazard-value") == "33.33 %"  # 1 of 3
    assert shown(response, "rate-dispute-value") == "88.89 %"  # 8 of 9: short of the 90 % standard
    assert 'data-testid="standard" data-met="no"' in response.get_data(as_text=True)
    # The unit column names each incident's unit; newest first.
    assert re.findall(r'data-testid="unit">([^<]*)<', response.get_data(as_text=True))[:3] == [
        "山中村",
        "中心学校",
        "中心学校",
    ]
    assert len(listed(response)) == 13 and "黑龙关车祸" not in page_text(response)


def test_the_month_range_narrows_the_list_the_counts_and_the_rates(signed_in, ledger):
    client = signed_in("township_admin")
    april = client.get(f"/incidents/units/{ledger.township.id}", query_string={"from_month": "2026-04"})
    assert shown(april, "rate-dispute-value") == "100.00 %"
    assert 'data-testid="standard" data-met="yes"' in april.get_data(as_text=True)
    assert shown(april, "rate-hazard-value") == "50.00 %"
    assert len(listed(april)) == 4
    march = client.get(
        f"/incidents/units/{ledger.village.id}", query_string={"from_month": "2026-03", "to_month": "2026-03"}
    )
    assert shown(march, "rate-dispute-value") == "87.50 %"  # 7 of 8
    assert shown(march, "rate-hazard-value") == "none recorded"  # the school's are not the village's
    assert listed(march) == [("dispute", "resolved")] * 7 + [("dispute", "open")]
    assert 'data-testid="unit"' not in march.get_data(as_text=True)  # one unit: no unit column


def test_kind_and_status_filter_the_list_and_page_it(signed_in, ledger):
    client = signed_in("county_admin")
    url = f"/incidents/units/{ledger.county.id}"
    assert listed(client.get(url, query_string={"kind": "hazard", "status": "open"})) == [("hazard", "open")] * 2
    assert listed(client.get(url, query_string={"kind": "accident"})) == [("accident", "open")]
    first = client.get(url, query_string={"kind": "dispute", "per_page": 5})
    second = client.get(url, query_string={"kind": "dispute", "per_page": 5, "page": 2})
    assert len(listed(first)) == 5 and len(listed(second)) == 4
    # the pager and the downloads keep the filter and the page size, not a bad filter
    pager = re.search(r'<nav class="pager".*?</nav>', first.get_data(as_text=True), re.S).group(0)
    assert "kind=dispute" in pager and "per_page=5" in pager
    bad = client.get(url, query_string={"kind": "dispute", "status": "lost", "to_month": "2026-13"})
    csv_link = re.search(r'href="([^"]*export.csv[^"]*)"', bad.get_data(as_text=True)).group(1)
    assert "kind=dispute" in csv_link and "status" not in csv_link and "to_month" not in csv_link


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ({"from_month": "2026-13"}, {"from_month"}),
        ({"to_month": "3000-01"}, {"to_month"}),
        ({"from_month": "2026-04", "to_month": "2026-03"}, {"to_month"}),
        ({"kind": "theft"}, {"kind"}),
        ({"status": "lost"}, {"status"}),
    ],
)
def test_a_bad_filter_is_named_and_left_out(signed_in, ledger, query, bad):
    response = signed_in("township_admin").get(f"/incidents/units/{ledger.township.id}", query_string=query)
    assert response.status_code == 200
    assert invalid(response) == bad
    # everything, unfiltered, except by a good first month
    assert len(listed(response)) == (4 if query.get("from_month") == "2026-04" else 13)


# --- export --------------------------------------------------------------------------------------


def test_the_export_has_the_import_columns_the_unit_name_and_who_recorded_it(signed_in, ledger):
    client = signed_in("township_admin")
    record(ledger.school, "hazard", date(2026, 4, 20), summary='围墙, "危险"', by=ledger.users["unit_admin"])
    response = client.get(f"/incidents/units/{ledger.township.id}/export.csv", query_string={"kind": "hazard"})
    assert response.status_code == 200
    assert 'filename="incidents-T1.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [*COLUMNS, "unit_name", "recorded_by"]
    assert rows[1:] == [
        ["S1", "hazard", "", "2026-04-20", '围墙, "危险"', "open", "", "no", "中心学校", "unit_admin"],
        ["S1", "hazard", "", "2026-04-04", "hazard 2026-04-04", "open", "", "no", "中心学校", ""],
        ["S1", "hazard", "", "2026-04-03", "hazard 2026-04-03", "resolved", "2026-04-09", "no", "中心学校", ""],
        ["S1", "hazard", "", "2026-03-03", "教学楼外墙开裂", "open", "", "no", "中心学校", ""],
    ]
    xlsx = client.get(f"/incidents/units/{ledger.village.id}/export.xlsx", query_string={"kind": "case"})
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).worksheets[0]
    assert [tuple(c or "" for c in r) for r in sheet.iter_rows(values_only=True)][1:] == [
        ("V1", "case", "public_order", "2026-04-05", "case 2026-04-05", "open", "", "no", "山中村", "")
    ]
    assert client.get(f"/incidents/units/{ledger.village.id}/export.pdf").status_code == 404


def test_an_export_imports_again_elsewhere(signed_in, ledger, runner, tmp_path):
    """The export's first eight columns are an import file: into an empty ledger, the same incidents."""
    exported = signed_in("county_admin").get(f"/incidents/units/{ledger.county.id}/export.xlsx").get_data()
    before = sorted(incidents())
    db.session.execute(Incident.__table__.delete())
    db.session.commit()
    path = tmp_path / "incidents.xlsx"
    path.write_bytes(exported)
    result = runner.invoke(args=["import-incidents", str(path)])
    assert result.exit_code == 0, result.output
    assert sorted(incidents()) == before


# --- import --------------------------------------------------------------------------------------

GOOD = [
    ("V1", "petition", "", "2026-05-03", "到镇上访", "open", "", "是"),
    ("V1", "dispute", "", "2026-05-04", "邻里纠纷", "resolved", "2026-05-06", "no"),
    ("S1", "accident", "production_safety", "2026-06-01", "实验室烫伤", "open", "", ""),
    ("S1", "Hazard", "", "2026-06-02", "电线老化", "RESOLVED", "2026-06-02", "0"),
]


def test_a_good_file_is_previewed_then_imported_and_the_months_scored(signed_in, world):
    client = signed_in("township_admin")
    preview = upload(client, "/incidents/import", "incidents.csv", csv_bytes(GOOD, COLUMNS))
    assert preview.status_code == 200
    assert 'data-testid="import-ok"' in preview.get_data(as_text=True) and count() == 0
    response = client.post("/incidents/import", data={"token": confirm_token(preview)})
    assert response.status_code == 302
    assert incidents() == [
        ("V1", "petition", "", date(2026, 5, 3), "到镇上访", "open", None, True),
        ("V1", "dispute", "", date(2026, 5, 4), "邻里纠纷", "resolved", date(2026, 5, 6), False),
        ("S1", "accident", "production_safety", date(2026, 6, 1), "实验室烫伤", "open", None, False),
        ("S1", "hazard", "", date(2026, 6, 2), "电线老化", "resolved", date(2026, 6, 2), False),
    ]
    assert set(db.session.scalars(select(Incident.recorded_by_id))) == {world.users["township_admin"].id}
    scored = {
        (s.unit.code, s.month): (s.petitions_escalated, s.accidents, s.disputes_resolved, s.compliant)
        # (this month's rows come from the households the fixture made)
        for s in db.session.scalars(select(UnitScore).where(UnitScore.month.in_(("2026-05", "2026-06"))))
    }
    assert scored == {("V1", "2026-05"): (1, 0, 1, False), ("S1", "2026-06"): (0, 1, 0, False)}
    # The list the import returns to shows them.
    assert len(listed(client.get(response.headers["Location"]))) == 4


def test_an_xlsx_file_imports_too(signed_in, world):
    client = signed_in("unit_admin")
    rows = [("V1", "case", "criminal", "2026-05-03", "盗窃", "open", None, 1)]  # Excel keeps 1 as a number
    preview = upload(client, "/incidents/import", "incidents.xlsx", xlsx_bytes(rows, COLUMNS))
    assert preview.status_code == 200, bad_rows(preview)
    client.post("/incidents/import", data={"token": confirm_token(preview)})
    assert incidents() == [("V1", "case", "criminal", date(2026, 5, 3), "盗窃", "open", None, True)]


def bad_file(world) -> list[tuple]:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    return [
        ("V1", "dispute", "", "2026-05-04", "好的一行", "open", "", "no"),  # 2: good
        ("NOPE", "hazard", "", "2026-05-04", "无此单位", "open", "", ""),  # 3
        ("V1", "fire", "", "2026-05-04", "未知种类", "open", "", ""),  # 4
        ("V1", "accident", "", tomorrow, "", "open", "", ""),  # 5: no subkind, a future date, no summary
        ("V1", "dispute", "", "2026-05-04", "先解决后发生", "resolved", "2026-05-01", ""),  # 6
        ("V2", "hazard", "", "2026-05-04", "别的乡镇", "open", "", ""),  # 7: not the township admin's
        ("T1", "hazard", "", "2026-05-04", "乡镇本身", "open", "", ""),  # 8
        ("V1", "petition", "", "2026/05/04", "日期格式", "open", "", "maybe"),  # 9
        ("V1", "hazard", "", "2026-05-04", "未解决却有解决日", "open", "2026-05-05", ""),  # 10
        ("V1", "case", "theft", "2026-05-04", "子类不对", "pending", "", ""),  # 11
    ]


BAD_COLUMNS = {  # line → the columns named in its problems, in the file's order
    3: ["unit_code"],
    4: ["kind"],
    5: ["subkind", "date", "summary"],
    6: ["resolved_on"],
    7: ["unit_code"],
    8: ["unit_code"],
    9: ["date", "escalated"],
    10: ["resolved_on"],
    11: ["subkind", "status"],
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_bad_rows_lists_every_problem_by_line_and_column_and_imports_nothing(signed_in, world, fmt):
    make = csv_bytes if fmt == "csv" else xlsx_bytes
    response = upload(
        signed_in("township_admin"), "/incidents/import", f"incidents.{fmt}", make(bad_file(world), COLUMNS)
    )
    assert response.status_code == 422
    found: dict[int, list[str]] = {}
    for line, message in bad_rows(response):
        found.setdefault(line, []).append(message.split(":")[0])
    assert found == BAD_COLUMNS
    problems = bad_rows(response)
    assert (7, "unit_code: You may not record incidents in V2.") in problems
    assert (6, "resolved_on: It cannot be resolved before it happened.") in problems
    assert (5, "date: The date must lie between 2000-01-01 and today.") in problems
    assert (10, "resolved_on: A resolution date needs the status resolved.") in problems
    assert "13 problems found. Nothing was imported" in page_text(response)
    assert 'data-testid="confirm-import"' not in response.get_data(as_text=True)
    assert count() == 0


def test_a_file_imported_once_is_not_imported_twice(signed_in, world):
    client = signed_in("county_admin")
    data = csv_bytes(GOOD, COLUMNS)
    client.post("/incidents/import", data={"token": confirm_token(upload(client, "/incidents/import", "a.csv", data))})
    again = upload(client, "/incidents/import", "a.csv", data)
    assert again.status_code == 422
    assert [line for line, _m in bad_rows(again)] == [2, 3, 4, 5]
    assert count() == 4


def test_a_unit_admin_imports_only_into_their_unit(signed_in, world):
    rows = [GOOD[0], ("S1", "hazard", "", "2026-05-04", "学校", "open", "", "")]
    response = upload(signed_in("unit_admin"), "/incidents/import", "a.csv", csv_bytes(rows, COLUMNS))
    assert bad_rows(response) == [(3, "unit_code: You may not record incidents in S1.")]


def test_rows_that_turn_bad_after_the_preview_import_nothing(signed_in, world):
    client = signed_in("township_admin")
    preview = upload(client, "/incidents/import", "a.csv", csv_bytes(GOOD, COLUMNS))
    record(
        world.village, "dispute", date(2026, 5, 4), status="resolved", resolved_on=date(2026, 5, 6), summary="邻里纠纷"
    )
    db.session.commit()
    response = client.post("/incidents/import", data={"token": confirm_token(preview)})
    assert response.status_code == 422
    assert "The file has errors; nothing was imported." in page_text(response)
    assert count() == 1


def test_a_file_without_the_columns_is_refused(signed_in, world):
    response = upload(
        signed_in("township_admin"), "/incidents/import", "a.csv", csv_bytes([("V1", "hazard")], ("unit_code", "kind"))
    )
    assert response.status_code == 422
    assert "missing: subkind,date,summary,status,resolved_on,escalated." in page_text(response)


# --- who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["scorer", "clerk", "resident", "other_township_admin"])
def test_only_the_units_admins_reach_its_incidents(app, world, role):
    if role == "other_township_admin":
        factories.user("other_township_admin", "township_admin", world.other_township)
        db.session.commit()
        user = "other_township_admin"
    else:
        user = world.users[role].username
    incident = record(world.village, "hazard", date(2026, 3, 3))
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": user, "password": factories.PASSWORD})
    for method, url in [
        ("GET", f"/incidents/units/{world.village.id}"),
        ("GET", f"/incidents/units/{world.township.id}"),
        ("GET", f"/incidents/units/{world.village.id}/new"),
        ("POST", f"/incidents/units/{world.village.id}/new"),
        ("GET", f"/incidents/{incident.id}"),
        ("POST", f"/incidents/{incident.id}"),
        ("GET", f"/incidents/units/{world.village.id}/export.csv"),
    ]:
        data = {
            "kind": "hazard",
            "occurred_on": "2026-03-04",
            "summary": "x",
            "resolved_on": "2026-03-05",
            "resolution": "y",
        }
        assert client.open(url, method=method, data=data).status_code == 403, (role, method, url)
    if role == "other_township_admin":  # their own import page, but not into T1's units
        response = upload(english(client), "/incidents/import", "a.csv", csv_bytes([GOOD[0]], COLUMNS))
        assert bad_rows(response) == [(2, "unit_code: You may not record incidents in V1.")]
    else:
        assert upload(client, "/incidents/import", "a.csv", csv_bytes([GOOD[0]], COLUMNS)).status_code == 403
    assert count() == 1 and incidents()[0][5] == "open"


# --- the command line --------------------------------------------------------------------------------


def test_cli_imports_a_file_and_prints_counts_and_time(world, runner, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_bytes(csv_bytes(GOOD, COLUMNS))
    result = runner.invoke(args=["import-incidents", str(path)])
    assert result.exit_code == 0, result.output
    assert "petition: 1" in result.output and "hazard: 1" in result.output
    assert re.search(gettext("Imported %(n)s rows in %(seconds)s s.", n=4, seconds=r"[0-9.]+"), result.output)
    assert count() == 4
    assert db.session.scalar(select(func.count(UnitScore.id)).where(UnitScore.month.in_(("2026-05", "2026-06")))) == 2


def test_cli_refuses_a_file_with_any_bad_row_listing_every_problem(world, runner, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_bytes(csv_bytes(bad_file(world), COLUMNS))
    result = runner.invoke(args=["import-incidents", str(path)])
    assert result.exit_code != 0
    # The command line may import anywhere: V2 is fine there; the other 12 problems are listed.
    assert "V2" not in result.output
    for line, columns in BAD_COLUMNS.items():
        for column in columns if line != 7 else []:
            named = gettext("%(column)s: %(problem)s", column=column, problem="").strip()
            assert re.search(rf"\b{line}\b.*{re.escape(named)}", result.output), (line, column)
    assert (
        gettext("%(n)s problems found. Nothing was imported; correct the file and upload it again.", n=12)
        in result.output
    )
    assert count() == 0
