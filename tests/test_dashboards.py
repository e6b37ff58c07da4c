"""The township and county dashboards and the public summary, on a small tree whose every figure is
worked out by hand below."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from moral_bank.core.db import db
from moral_bank.governance import areas, dashboard, ranking, scores
from moral_bank.governance import service as governance
from moral_bank.governance.models import Incident, UnitScoreYear
from moral_bank.units.models import Unit

from . import factories

OCT = "2026-10"


@pytest.fixture(autouse=True)
def november_2026(monkeypatch):
    """The dashboards' "this month" is November 2026, so a year's figures do not change as time passes
    (2026 so far: January to November)."""
    monkeypatch.setattr(dashboard, "month_of", lambda: "2026-11")


@pytest.fixture
def county(app):
    """County C › T1 (villages V1 V2 V3, community M1, school S1, enterprise E1) and T2 (villages V4 V5,
    hospital H1), with these incidents:

    - V1: an accident on 2026-10-08, open               → breaks October
    - V2: a petition escalated on 2026-03-02, open      → breaks March
    - V3: a hazard (open) and a dispute resolved in the unit, both in October: break nothing
    - S1: a case on 2026-10-20, resolved on 2026-11-05  → breaks October
    - V5: a petition settled in the unit in October     → breaks nothing
    - H1: an accident on 2025-12-15, resolved the same day → breaks December 2025
    """
    c = factories.unit("C", "county", name="蒲县")
    t1 = factories.unit("T1", "township", c, "克城镇")
    t2 = factories.unit("T2", "township", c, "黑龙关镇")
    units = {code: factories.unit(code, kind, t1, f"{code}村") for code, kind in _T1}
    units |= {code: factories.unit(code, kind, t2, f"{code}村") for code, kind in _T2}
    admin = factories.user("county", "county_admin", c)
    factories.user("township", "township_admin", t1)
    factories.user("village", "unit_admin", units["V1"])
    db.session.flush()

    def incident(code, kind, day, subkind="", **more):
        fields = {"kind": kind, "subkind": subkind, "occurred_on": day, "summary": f"{code}的{kind}摘要", **more}
        return governance.record(units[code], fields, admin)

    incident("V1", "accident", date(2026, 10, 8), "public_safety")
    incident("V2", "petition", date(2026, 3, 2), escalated=True)
    incident("V3", "hazard", date(2026, 10, 9))
    incident("V3", "dispute", date(2026, 10, 10), status="resolved", resolved_on=date(2026, 10, 11), resolution="调解")
    incident("S1", "case", date(2026, 10, 20), "criminal", status="resolved", resolved_on=date(2026, 11, 5))
    incident("V5", "petition", date(2026, 10, 3), status="resolved", resolved_on=date(2026, 10, 3), resolution="村里")
    incident(
        "H1", "accident", date(2025, 12, 15), "production_safety", status="resolved", resolved_on=date(2025, 12, 15)
    )
    db.session.commit()
    return c, t1, t2, units


_T1 = (
    ("V1", "village"),
    ("V2", "village"),
    ("V3", "village"),
    ("M1", "community"),
    ("S1", "school"),
    ("E1", "enterprise"),
)
_T2 = (("V4", "village"), ("V5", "village"), ("H1", "hospital"))


def by_testid(page: str, name: str) -> str:
    """The text inside the element with data-testid=`name` (up to its first child tag)."""
    found = re.search(rf'data-testid="{re.escape(name)}"[^>]*>([^<]*)', page)
    assert found, f"no data-testid={name}"
    return found.group(1).strip()


def attribute(page: str, name: str, attr: str) -> str:
    found = re.search(rf'data-testid="{re.escape(name)}"[^>]*\b{attr}="([^"]*)"', page)
    assert found, f"no data-testid={name} with {attr}"
    return found.group(1)


def period(text: str) -> dashboard.Period:
    return dashboard.parse_period(text)


# --- the figures ------------------------------------------------------------------------------


def test_october_in_the_county_by_kind_group_and_township(county):
    c, t1, t2, _units = county
    d = dashboard.build(c, period(OCT), 12)
    # Villages and communities: V1..V5 and M1 = 6, V1 broke October → 5/6 = 83.33 % ≥ 80: no warning.
    assert d.groups["villages"].as_json() == {
        "units": 6,
        "compliant": 5,
        "rate": 83.33,
        "target": 80,
        "warning": "none",
    }
    # Others: S1, E1, H1 = 3, S1 broke October → 2/3 = 66.67 %, 23.33 short of 90: red.
    assert d.groups["others"].as_json() == {"units": 3, "compliant": 2, "rate": 66.67, "target": 90, "warning": "red"}
    assert d.overall.as_json() == {"units": 9, "compliant": 7, "rate": 77.78}
    assert (d.kinds["village"].units, d.kinds["village"].compliant, d.kinds["school"].compliant) == (5, 4, 0)
    assert d.warning == "red"
    # The same figures as the compliance of the API.
    assert areas.compliance(c, d.period.first, d.period.last).as_json()["groups"] == {
        g: r.as_json() for g, r in d.groups.items()
    }
    # T1: villages 3/4 = 75.00 %, exactly 5 short of 80: yellow (blue is less than 5 short); others 1/2 = 50 %: red.
    # T2: everything compliant in October. T2 ranks first on its villages' rate.
    first, second = d.townships
    assert (first.code, first.rank, second.code, second.rank) == ("T2", 1, "T1", 2)
    assert second.groups["villages"].as_json() == {
        "units": 4,
        "compliant": 3,
        "rate": 75.0,
        "target": 80,
        "warning": "yellow",
    }
    assert (second.groups["others"].rate, second.groups["others"].warning, second.warning) == (
        Decimal("50.00"),
        "red",
        "red",
    )
    assert (first.overall.rate, first.warning) == (Decimal("100.00"), "none")
    assert d.direct is None  # no unit sits directly under the county


def test_a_year_is_compliant_only_when_every_month_is(county):
    c, t1, *_ = county
    d = dashboard.build(t1, period("2026"), 12)
    # V1 (October) and V2 (March) are out for 2026: 2/4 = 50 %, 30 short: red.
    assert (d.groups["villages"].compliant, d.groups["villages"].rate, d.groups["villages"].warning) == (
        2,
        Decimal("50.00"),
        "red",
    )
    assert d.townships == [] and d.period.months == tuple(f"2026-{m:02d}" for m in range(1, 12))


def test_incidents_by_kind_found_and_resolved_by_the_end_of_the_period(county):
    c, *_ = county
    october = {r.kind: (r.found, r.resolved, r.rate) for r in dashboard.build(c, period(OCT), 12).incidents}
    # The case of October was resolved on 5 November: not yet resolved at October's end.
    assert october == {
        "petition": (1, 1, Decimal("100.00")),
        "accident": (1, 0, Decimal("0.00")),
        "case": (1, 0, Decimal("0.00")),
        "dispute": (1, 1, Decimal("100.00")),
        "hazard": (1, 0, Decimal("0.00")),
    }
    year = dashboard.build(c, period("2026"), 12)
    assert {r.kind: (r.found, r.resolved) for r in year.incidents}["case"] == (1, 1)
    # 2026: six incidents (H1's was in 2025), three resolved by the year's end: 50.00 %.
    total = year.incidents_total
    assert (total.found, total.resolved, total.rate) == (6, 3, Decimal("50.00"))


def test_the_trend_month_by_month(county):
    c, *_ = county
    d = dashboard.build(c, period(OCT), 12)
    assert [t.month for t in d.trend] == [f"2025-{m}" for m in ("11", "12")] + [f"2026-{m:02d}" for m in range(1, 11)]
    by_month = {t.month: t for t in d.trend}
    # 9 units throughout: December 2025 lost H1 (8/9 = 88.89 %), March V2, October V1 and S1 (7/9 = 77.78 %).
    assert [str(by_month[m].overall.rate) for m in ("2025-11", "2025-12", "2026-03", "2026-10")] == [
        "100.00",
        "88.89",
        "88.89",
        "77.78",
    ]
    assert by_month["2025-12"].groups["others"].rate == Decimal("66.67")  # 2 of 3 others
    assert by_month["2026-10"].overall.rate == d.overall.rate  # the month's point is the month's figure
    assert (
        by_month["2026-10"].incidents_total,
        by_month["2026-03"].incidents,
        by_month["2025-12"].incidents_total,
    ) == (
        5,
        {"petition": 1, "accident": 0, "case": 0, "dispute": 0, "hazard": 0},
        1,
    )
    longer = dashboard.build(c, period(OCT), 24)
    assert (longer.trend[0].month, len(longer.trend)) == ("2024-11", 24)


def test_units_ranked_by_score_of_the_month_with_shared_ranks(county):
    c, *_ = county
    d = dashboard.build(c, period(OCT), 12)
    # Nobody rated and no stars, so: a village with three zeros and no dispute 40 + 10 = 50; V1 (two
    # zeros) 26.67 + 10 = 36.67; an institution with no incident (40 + 10) × 2 = 100; S1 (two zeros)
    # (26.67 + 10) × 2 = 73.33. Equal scores share a rank; then by code.
    assert [(r.rank, r.code, str(r.score), r.colour) for r in d.top] == [
        (1, "E1", "100.00", "green"),
        (1, "H1", "100.00", "green"),
        (3, "S1", "73.33", "yellow"),
        (4, "M1", "50.00", "red"),
        (4, "V2", "50.00", "red"),
        (4, "V3", "50.00", "red"),
        (4, "V4", "50.00", "red"),
        (4, "V5", "50.00", "red"),
        (9, "V1", "36.67", "red"),
    ]
    assert (d.ranked, d.unscored, d.missing, d.bottom) == (9, 0, 0, [])  # the month's scores were computed


def test_a_year_ranks_by_the_mean_of_its_months(county):
    c, *_ = county
    year = period("2026")
    by_code = {r.code: r for r in ranking.rank(c, year.months, fill=True).rows()}
    # The same from the year's sums, which scores.compute keeps with every score it writes.
    assert ranking.rank(c, year.months, year="2026").rows() == list(by_code.values())
    # S1: October 73.33, the ten other months 100 → 1073.33 / 11 = 97.575… → 97.58.
    # V1 and V2: one month at 36.67, ten at 50 → 536.67 / 11 = 48.788… → 48.79, rank 8 together.
    assert (by_code["S1"].score, by_code["S1"].months, by_code["S1"].colour) == (Decimal("97.58"), 11, "green")
    assert (by_code["V1"].score, by_code["V2"].score) == (Decimal("48.79"), Decimal("48.79"))
    assert (by_code["V1"].rank, by_code["V2"].rank) == (8, 8)
    assert ranking.mean_cents(53667, 11) == 4879 and ranking.mean_cents(5, 2) == 3  # 2.5 hundredths → 3


def test_the_year_sums_follow_every_score_written(county):
    c, _t1, _t2, units = county
    ranking.rank(c, period("2026").months, fill=True)  # computes every month of 2026 so far
    db.session.commit()

    def year_sum(code: str) -> tuple[int, int]:
        found = db.session.execute(
            select(UnitScoreYear.total_cents, UnitScoreYear.months).where(
                UnitScoreYear.unit_id == units[code].id, UnitScoreYear.year == "2026"
            )
        ).one()
        return tuple(found)

    assert year_sum("V4") == (11 * 5000, 11)  # three zeros and no dispute all year: 50.00 a month
    # An escalated petition in V4's June: the month drops to 36.67 (two zeros) when the record commits.
    governance.record(
        units["V4"], {"kind": "petition", "occurred_on": date(2026, 6, 1), "escalated": True, "summary": "上访"}, None
    )
    db.session.commit()
    assert year_sum("V4") == (10 * 5000 + 3667, 11)
    assert ranking.rank(c, period("2026").months, year="2026").rows() == ranking.rank(c, period("2026").months).rows()


def test_top_and_bottom_of_a_long_ranking(county, monkeypatch):
    c, *_ = county
    monkeypatch.setattr(dashboard, "TOP", 3)
    d = dashboard.build(c, period(OCT), 12)
    assert [r.code for r in d.top] == ["E1", "H1", "S1"]
    assert [r.code for r in d.bottom] == ["V4", "V5", "V1"]


def test_the_colour_grid_by_township(county):
    c, t1, *_ = county
    d = dashboard.build(c, period(OCT), 12)
    grid = {g.code: g for g in d.grid}
    assert list(grid) == ["T1", "T2"]
    assert dict(grid["T1"].colours) == {"red": 4, "yellow": 1, "green": 1}
    assert [(cell.code, cell.colour) for cell in grid["T2"].cells] == [("H1", "green"), ("V4", "red"), ("V5", "red")]


def test_a_big_area_shows_colour_counts_without_cells_and_leaves_many_missing_scores(county, monkeypatch):
    c, *_ = county
    monkeypatch.setattr(ranking, "GRID_LIMIT", 5)
    monkeypatch.setattr(ranking, "FILL_LIMIT", 10)  # 9 units × 11 months are too many to compute now
    d = dashboard.build(c, period("2026"), 12)
    # Recording an incident scored its unit's month: V1, V2, V3, S1 and V5 have one month of 2026 each.
    assert all(g.cells is None for g in d.grid) and sum(g.colours["none"] for g in d.grid) == 4
    assert (d.ranked, d.unscored, d.missing) == (5, 4, 9 * 11 - 5)


# --- the pages --------------------------------------------------------------------------------


def _login(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": factories.PASSWORD}).status_code == 302
    return client


def test_the_county_dashboard_page(app, county):
    page = _login(app, "county").get(f"/dashboard/C?period={OCT}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert by_testid(html, "overall-rate") == "77.78 %"
    assert by_testid(html, "group-villages-rate") == "83.33 %" and by_testid(html, "group-others-rate") == "66.67 %"
    assert attribute(html, "group-others-warning", "data-warning") == "red"
    assert attribute(html, "township-T2", "data-rank") == "1" and attribute(html, "township-T1", "data-rank") == "2"
    assert attribute(html, "township-T1-warning", "data-warning") == "red"
    assert by_testid(html, "score-S1") == "73.33" and attribute(html, "rank-V1", "data-rank") == "9"
    assert attribute(html, "cell-V1", "data-colour") == "red" and 'title="V1村' in html
    # A cell and a ranked score open that unit's score of the period, explained line by line.
    v1 = db.session.scalar(select(Unit.id).where(Unit.code == "V1"))
    assert (
        attribute(html, "cell-V1", "href")
        == attribute(html, "score-V1", "href")
        == f"/governance/units/{v1}/score?month={OCT}"
    )
    explained = _login(app, "county").get(attribute(html, "cell-V1", "href")).get_data(as_text=True)
    assert "V1村" in explained and OCT in explained
    assert by_testid(html, "trend-2026-10-rate") == "77.78 %" and by_testid(html, "trend-2026-10-incidents") == "5"
    # The charts' figures ride along as JSON (no inline script under the CSP).
    assert '<script type="application/json" id="dashboard-data">' in html and "<script>" not in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_a_bad_period_or_trend_is_refused_with_a_message(app, county):
    client = _login(app, "county")
    client.post("/language", data={"locale": "en"})
    for query in ("period=2099", "period=2026-13", "period=1999", "period=26", "months=7", "months=x"):
        response = client.get(f"/dashboard/C?{query}")
        assert response.status_code == 422, query
        text = response.get_data(as_text=True)
        assert "Choose a year (YYYY) or a month (YYYY-MM)" in text or "The trend covers 12 or 24 months." in text


def test_who_may_open_a_dashboard(app, county):
    anonymous = app.test_client()
    assert anonymous.get("/dashboard/T1").status_code == 302  # to sign in
    village = _login(app, "village")
    assert village.get("/dashboard/T1").status_code == 403
    township = _login(app, "township")
    assert township.get("/dashboard/T1").status_code == 200
    assert township.get("/dashboard/T2").status_code == 403
    assert township.get("/dashboard/C").status_code == 403
    assert township.get("/dashboard/T2/units.csv").status_code == 403
    county_admin = _login(app, "county")
    assert county_admin.get("/dashboard/T2").status_code == 200
    assert county_admin.get("/dashboard/V1").status_code == 404  # a village has no dashboard
    assert county_admin.get("/dashboard/T1/townships.csv").status_code == 404  # a township has no townships


def test_the_township_dashboard_has_its_units_but_no_townships(app, county):
    html = _login(app, "township").get(f"/dashboard/T1?period={OCT}").get_data(as_text=True)
    assert by_testid(html, "group-villages-rate") == "75.00 %"
    assert attribute(html, "group-villages-warning", "data-warning") == "yellow"
    assert 'data-testid="townships"' not in html and 'data-testid="cell-V4"' not in html
    assert attribute(html, "cell-S1", "data-colour") == "yellow"


def test_the_rankings_download_as_csv_and_xlsx(app, county):
    client = _login(app, "county")
    response = client.get(f"/dashboard/C/units.csv?period={OCT}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # utf-8-sig, so Excel keeps the Chinese
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 9
    assert [(r[0], r[1], r[6]) for r in rows[1:4]] == [
        ("1", "E1", "100.00"),
        ("1", "H1", "100.00"),
        ("3", "S1", "73.33"),
    ]
    assert rows[-1][:2] == ["9", "V1"] and rows[-1][4] == "克城镇"
    book = load_workbook(io.BytesIO(client.get(f"/dashboard/C/units.xlsx?period={OCT}").data))
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert [(r[0], r[1]) for r in sheet[1:]] == [(int(r[0]), r[1]) for r in rows[1:]]
    townships = list(
        csv.reader(io.StringIO(client.get(f"/dashboard/C/townships.csv?period={OCT}").data.decode("utf-8-sig")))
    )
    # Rank, code, name, then per group units, compliant, rate, target, warning; then all units.
    assert townships[1][:8] == ["1", "T2", "黑龙关镇", "2", "2", "100.00", "80", townships[1][7]]
    assert townships[2][:6] == ["2", "T1", "克城镇", "4", "3", "75.00"]
    assert townships[2][-4:-1] == ["6", "4", "66.67"]


def test_the_public_summary_needs_no_login_and_names_no_incident_nor_unit(app, county):
    response = app.test_client().get(f"/summary/C?period={OCT}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    html = response.get_data(as_text=True)
    assert by_testid(html, "overall-rate") == "77.78 %"
    assert attribute(html, "township-T1-warning", "data-warning") == "red"
    assert by_testid(html, "incidents-total").startswith("") and "摘要" not in html  # no incident's summary
    assert "V1村" not in html and 'data-testid="ranking"' not in html and 'data-testid="grid"' not in html
    assert app.test_client().get("/summary/V1").status_code == 404


def test_recording_an_incident_changes_the_cached_dashboard(app, county):
    c, t1, _t2, units = county
    client = _login(app, "township")
    for _first_and_cached in range(2):  # the first opening computes the missing scores of October
        html = client.get(f"/dashboard/T1?period={OCT}").get_data(as_text=True)
        assert by_testid(html, "group-villages-rate") == "75.00 %"
    # Written behind the services' back: the dashboard keeps showing what it built before (cached)…
    db.session.execute(
        insert(Incident),
        [{"unit_id": units["M1"].id, "kind": "case", "occurred_on": date(2026, 10, 2), "summary": "x"}],
    )
    db.session.commit()
    assert (
        by_testid(client.get(f"/dashboard/T1?period={OCT}").get_data(as_text=True), "group-villages-rate") == "75.00 %"
    )
    # … until an incident is recorded: V2 and M1 are out now, 1 of 4 compliant.
    fields = {"kind": "accident", "subkind": "public_safety", "occurred_on": "2026-10-05", "summary": "y"}
    governance.record(units["V2"], fields, None)
    db.session.commit()
    html = client.get(f"/dashboard/T1?period={OCT}").get_data(as_text=True)
    assert by_testid(html, "group-villages-rate") == "25.00 %"
    assert attribute(html, "cell-V2", "data-colour") == "red" and by_testid(html, "score-V2") == "36.67"


def test_the_data_version_changes_after_a_commit_that_changed_incidents_not_before_nor_on_rollback(county):
    _c, _t1, _t2, units = county
    fields = {"kind": "hazard", "occurred_on": "2026-10-05", "summary": "z"}
    before = scores.data_version()
    governance.record(units["V4"], fields, None)
    assert scores.data_version() == before  # a dashboard built now still shows the committed rows
    db.session.rollback()
    assert scores.data_version() == before
    governance.record(units["V4"], fields, None)
    db.session.commit()
    assert scores.data_version() != before


def test_resolving_an_incident_shows_on_the_dashboard(app, county):
    _c, _t1, _t2, units = county
    client = _login(app, "township")
    for _first_and_cached in range(2):
        html = client.get(f"/dashboard/T1?period={OCT}").get_data(as_text=True)
    assert by_testid(html, "period") == OCT
    accident = db.session.scalar(
        select(Incident).where(Incident.kind == "accident", Incident.unit_id == units["V1"].id)
    )
    governance.resolve(accident, date(2026, 10, 9), "已处理", None)
    db.session.commit()
    html = client.get(f"/dashboard/T1?period={OCT}").get_data(as_text=True)
    assert re.search(
        r'data-testid="incidents-accident"><td>[^<]*</td><td class="num">1</td><td class="num">1</td>', html
    )
    assert by_testid(client.get("/dashboard/T1").get_data(as_text=True), "period") == "2026"  # this year by default
