"""The three-zero ledger and the self-governance score, with every figure computed by hand."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.core.errors import DomainError
from moral_bank.governance import areas, scores
from moral_bank.governance import service as governance
from moral_bank.governance.models import GovernanceSettings, UnitScore
from moral_bank.honors.models import Honor, StarCategory
from moral_bank.scoring.models import RatingSheet, Rubric, RubricItem, ScoringMonth

from . import factories

MONTH = "2026-10"
DAY = date(2026, 10, 12)


@pytest.fixture
def tree(app):
    """County C › township T › villages V1 (10 households), V2 (2 households) and school S1."""
    county = factories.unit("C", "county")
    township = factories.unit("T", "township", county)
    v1 = factories.unit("V1", "village", township)
    v2 = factories.unit("V2", "village", township)
    school = factories.unit("S1", "school", township)
    households = [factories.household(v1, f"H{n}", f"王{n}") for n in range(10)]
    factories.household(v2, "H20", "李二")
    factories.household(v2, "H21", "李三")
    admin = factories.user("township", "township_admin", township)
    db.session.flush()
    return county, township, v1, v2, school, households, admin


def _incident(unit, admin, kind, subkind="", day=DAY, **more):
    return governance.record(
        unit, {"kind": kind, "subkind": subkind, "occurred_on": day, "summary": f"{kind} 一件", **more}, admin
    )


def _sheets(v1, households, totals):
    """Reviewed rating sheets of MONTH for the first len(totals) households, rubric maximum 50."""
    rubric = Rubric(unit_id=v1.id, version=1)
    rubric.items = [
        RubricItem(code="a", category="xiao", name="孝老爱亲", max_points=30),
        RubricItem(code="b", category="mei", name="卫生整洁", max_points=20),
    ]
    db.session.add(rubric)
    db.session.flush()
    month = ScoringMonth(unit_id=v1.id, month=MONTH, rubric_id=rubric.id)
    db.session.add(month)
    db.session.flush()
    for h, total in zip(households, totals, strict=False):
        db.session.add(
            RatingSheet(
                household_id=h.id, unit_id=v1.id, month=MONTH, scoring_month_id=month.id, status="posted", total=total
            )
        )
    # A draft does not count.
    db.session.add(
        RatingSheet(
            household_id=households[-1].id,
            unit_id=v1.id,
            month=MONTH,
            scoring_month_id=month.id,
            status="draft",
            total=50,
        )
    )
    db.session.flush()


def _star(unit, household, county, period_end=date(2026, 10, 31), status="approved"):
    category = db.session.scalar(select(StarCategory).where(StarCategory.code == "t"))
    if category is None:
        category = StarCategory(unit_id=county.id, code="t", name="测试之星")
        db.session.add(category)
        db.session.flush()
    db.session.add(
        Honor(
            category_id=category.id,
            unit_id=unit.id,
            household_id=household.id,
            period=period_end.strftime("%Y-%m"),
            period_end=period_end,
            status=status,
        )
    )
    db.session.flush()


def test_a_village_score_line_by_line(tree):
    county, _t, v1, _v2, _s, households, admin = tree
    # Participation 8 of 10 rated; their sheets total 320 of 8 × 50 → virtue 320 / 8 / 50 = 0.8.
    _sheets(v1, households, [40] * 8)
    # One accident: two zeros of three. Two disputes, one resolved in the unit.
    _incident(v1, admin, "accident", "public_safety")
    _incident(v1, admin, "dispute", status="resolved", resolved_on=DAY, resolution="调解成功")
    _incident(v1, admin, "dispute")
    # A petition settled in the unit and a hazard do not break anything.
    _incident(v1, admin, "petition", status="resolved", resolved_on=DAY, resolution="村里解决")
    _incident(v1, admin, "hazard")
    # One star in the month (10 households: 1 × 50 / 10 ≥ 1 → capped at 1); a revoked one does not count.
    _star(v1, households[0], county)
    _star(v1, households[1], county, status="revoked")
    db.session.commit()  # the touched month is computed at the commit

    s = db.session.scalar(select(UnitScore).where(UnitScore.unit_id == v1.id, UnitScore.month == MONTH))
    assert (s.petitions_escalated, s.accidents, s.cases, s.compliant) == (0, 1, 0, False)
    assert (s.households, s.rated, s.points_total, s.rubric_max, s.stars) == (10, 8, 320, 50, 1)
    assert (s.disputes, s.disputes_resolved) == (2, 1)
    # 40 × 2/3 = 26.67; 20 × 8/10 = 16; 20 × 0.8 = 16; 10 × 1 = 10; 10 × 1/2 = 5.
    assert (s.zeros_points, s.participation_points, s.virtue_points, s.honor_points, s.dispute_points) == (
        26.67,
        16.0,
        16.0,
        10.0,
        5.0,
    )
    assert s.score == 73.67 and s.colour == "yellow"


def test_an_escalated_petition_or_a_case_breaks_the_month_and_no_disputes_count_as_resolved(tree):
    _c, _t, _v1, v2, _s, _h, admin = tree
    _incident(v2, admin, "petition", escalated=True)
    _incident(v2, admin, "case", "criminal", day=date(2026, 9, 30))  # the month before
    db.session.commit()
    october = scores.score_of(v2, MONTH)
    assert (october.petitions_escalated, october.cases, october.compliant) == (1, 0, False)
    # Nobody rated, no stars: 40 × 2/3 + 0 + 0 + 0 + 10 (no disputes) = 36.67, red.
    assert october.score == 36.67 and october.colour == "red"
    september = scores.score_of(v2, "2026-09")
    assert (september.cases, september.compliant, september.score) == (1, False, 36.67)


def test_a_school_is_scored_on_the_zeros_and_disputes_rescaled_to_100(tree):
    _c, _t, _v1, _v2, school, _h, admin = tree
    assert scores.score_of(school, MONTH).score == 100.0
    _incident(school, admin, "accident", "production_safety")
    _incident(school, admin, "dispute")
    db.session.commit()
    s = scores.score_of(school, MONTH)
    # (40 × 2/3 + 10 × 0) × 100/50 = 53.33.
    assert (s.zeros_points, s.dispute_points, s.score, s.colour) == (53.33, 0.0, 53.33, "red")


def test_the_county_sets_the_weights_and_bands(tree):
    county, _t, v1, *_ = tree
    db.session.add(
        GovernanceSettings(
            county_id=county.id,
            weight_zeros=60,
            weight_participation=10,
            weight_virtue=10,
            weight_honors=10,
            weight_disputes=10,
            green=95,
            blue=85,
            yellow=75,
            orange=65,
        )
    )
    db.session.flush()
    s = scores.score_of(v1, MONTH)
    # Three zeros 60, nobody rated, no stars, no disputes 10: 70 → orange under these bands.
    assert (s.score, s.colour) == (70.0, "orange")


def test_resolving_a_dispute_recomputes_the_score(tree):
    _c, _t, _v1, v2, _s, _h, admin = tree
    dispute = _incident(v2, admin, "dispute")
    db.session.commit()
    assert scores.score_of(v2, MONTH).dispute_points == 0.0
    governance.resolve(dispute, DAY, "调解成功", admin)
    db.session.commit()
    db.session.expire_all()
    assert scores.score_of(v2, MONTH).dispute_points == 10.0


def test_bad_incidents_are_refused_field_by_field(tree):
    _c, township, v1, *_rest, admin = tree
    with pytest.raises(DomainError) as refused:
        governance.record(
            v1,
            {"kind": "accident", "subkind": "x", "occurred_on": "2099-01-01", "summary": "", "escalated": "yes"},
            admin,
        )
    assert set(refused.value.fields) == {"subkind", "occurred_on", "summary", "escalated"}
    with pytest.raises(DomainError):
        governance.record(township, {"kind": "hazard", "occurred_on": DAY, "summary": "x"}, admin)
    with pytest.raises(DomainError) as early:
        governance.record(
            v1,
            {"kind": "dispute", "occurred_on": DAY, "summary": "x", "status": "resolved", "resolved_on": "2026-10-01"},
            admin,
        )
    assert list(early.value.fields) == ["resolved_on"]


def test_area_compliance_rates_per_kind_group_and_the_warning(tree):
    _c, township, v1, v2, school, _h, admin = tree
    factories.unit("V3", "village", township)
    factories.unit("E1", "enterprise", township)
    _incident(v1, admin, "accident", "public_safety")
    _incident(v2, admin, "hazard")  # does not break anything
    _incident(school, admin, "case", "public_order", day=date(2026, 3, 2))
    db.session.commit()
    october = areas.compliance(township, *areas.period_range(month=MONTH))
    # Villages: V1 broken, V2 and V3 compliant → 2/3 = 66.67 %, 13.33 points short of 80 → orange.
    assert october.groups["villages"].as_json() == {
        "units": 3,
        "compliant": 2,
        "rate": 66.67,
        "target": 80,
        "warning": "orange",
    }
    # The school's case was in March: in October both others are compliant (2/2 = 100 %).
    assert october.groups["others"].as_json()["rate"] == 100.0
    assert october.overall.as_json() == {"units": 5, "compliant": 4, "rate": 80.0}
    year = areas.compliance(township, *areas.period_range(year=2026))
    # Over the year the school is out too: others 1/2 = 50 %, 40 points short of 90 → red.
    assert year.groups["others"].as_json() == {"units": 2, "compliant": 1, "rate": 50.0, "target": 90, "warning": "red"}
    assert year.warning == "red" and year.kinds["school"].compliant == 0


def test_percentages_agree_with_their_counts():
    assert areas.percent(54_612, 56_353) == Decimal("96.91")
    assert areas.percent(1, 3) == Decimal("33.33") and areas.percent(2, 3) == Decimal("66.67")
    assert areas.percent(1, 8) == Decimal("12.50") and areas.percent(0, 0) is None


@pytest.mark.parametrize(
    ("rate", "warning"),
    [("80", "none"), ("75.01", "blue"), ("75", "yellow"), ("70.01", "yellow"), ("70", "orange"), ("60", "red")],
)
def test_warning_bands_by_shortfall(app, rate, warning):
    assert areas.warning_of(Decimal(rate), 80, scores.settings_of(0)) == warning


# --- API -------------------------------------------------------------------------------------


def _token(client, username: str) -> dict:
    response = client.post("/api/v1/tokens", json={"username": username, "password": factories.PASSWORD})
    return {"Authorization": "Bearer " + response.json["token"]}


def test_api_records_an_incident_and_answers_the_score_and_compliance(client, tree):
    _c, township, v1, _v2, _s, _h, _admin = tree
    headers = _token(client, "township")
    made = client.post(
        "/api/v1/incidents",
        json={"unit": "V1", "kind": "case", "subkind": "criminal", "occurred_on": "2026-10-03", "summary": "盗窃"},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    assert (made.json["unit"], made.json["kind"], made.json["status"]) == ("V1", "case", "open")
    score = client.get("/api/v1/units/V1/score?month=2026-10")
    assert score.status_code == 200
    assert score.json["three_zero"] == {"petition": True, "accident": True, "case": False, "compliant": False}
    assert score.json["components"]["participation"] == {"rated": 0, "households": 10, "points": 0.0}
    # 40 × 2/3 + 10 (no disputes) = 36.67.
    assert (score.json["score"], score.json["colour"]) == (36.67, "red")
    compliance = client.get("/api/v1/areas/T/compliance?month=2026-10").json
    assert compliance["groups"]["villages"] == {
        "units": 2,
        "compliant": 1,
        "rate": 50.0,
        "target": 80,
        "warning": "red",
    }
    assert compliance["overall"] == {"units": 3, "compliant": 2, "rate": 66.67}
    assert client.get("/api/v1/areas/T/compliance?year=2026").json["overall"]["compliant"] == 2


def test_api_refuses_bad_incidents_and_periods_clearly(client, tree):
    headers = _token(client, "township")
    bad = client.post("/api/v1/incidents", json={"unit": "V1", "kind": "fire", "summary": ""}, headers=headers)
    assert bad.status_code == 422 and {"kind", "occurred_on", "summary"} <= set(bad.json["error"]["fields"])
    assert client.post("/api/v1/incidents", json={"unit": "NOPE", "kind": "hazard"}, headers=headers).status_code == 404
    assert client.get("/api/v1/units/V1/score?month=2026-13").status_code == 422
    assert client.get("/api/v1/units/T/score").status_code == 404  # a township has no score of its own
    assert client.get("/api/v1/areas/V1/compliance").status_code == 404
    assert client.get("/api/v1/areas/T/compliance?year=20x6").status_code == 422
    outsider = factories.user(
        "far",
        "unit_admin",
        factories.unit("V9", "village", factories.unit("T9", "township", factories.unit("C9", "county"))),
    )
    db.session.commit()
    refused = client.post(
        "/api/v1/incidents",
        json={"unit": "V1", "kind": "hazard", "occurred_on": "2026-10-01", "summary": "x"},
        headers=_token(client, outsider.username),
    )
    assert refused.status_code == 403


# --- the score follows its inputs ---------------------------------------------------------------


def test_approving_and_revoking_a_star_and_reviewing_a_sheet_recompute_the_score(tree):
    from moral_bank.honors import service as honors
    from moral_bank.scoring import review

    county, _t, v1, _v2, _s, households, _admin = tree
    village_admin = factories.user("vadmin", "unit_admin", v1)
    _sheets(v1, households, [])
    sheet = db.session.scalar(select(RatingSheet).where(RatingSheet.unit_id == v1.id))
    sheet.status = "submitted"
    _star(v1, households[0], county, status="proposed")
    honor = db.session.scalar(select(Honor).where(Honor.unit_id == v1.id))
    db.session.commit()
    before = scores.score_of(v1, MONTH)
    assert (before.stars, before.rated) == (0, 0)

    honors.approve(honor, village_admin)
    review.review(sheet, True, "", village_admin)
    db.session.commit()
    db.session.expire_all()
    after = scores.score_of(v1, MONTH)
    # One star for 10 households: 10 × min(1, 50/10) = 10; one of 10 rated: 20 × 1/10 = 2.
    assert (after.stars, after.honor_points, after.rated, after.participation_points) == (1, 10.0, 1, 2.0)

    honors.revoke(honor, "弄错了", village_admin)
    db.session.commit()
    db.session.expire_all()
    assert scores.score_of(v1, MONTH).stars == 0


def test_a_rolled_back_change_recomputes_nothing(tree):
    _c, _t, _v1, v2, _s, _h, admin = tree
    db.session.commit()
    _incident(v2, admin, "accident", "public_safety")
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(UnitScore).where(UnitScore.unit_id == v2.id, UnitScore.month == MONTH)) is None


# --- the score page and the CLI ----------------------------------------------------------------


def _signed_in(app, username: str):
    c = app.test_client()
    assert c.post("/login", data={"username": username, "password": factories.PASSWORD}).status_code == 302
    return c


def test_the_score_page_explains_each_line(app, tree):
    county, _t, v1, _v2, _s, households, admin = tree
    _sheets(v1, households, [40] * 8)
    _incident(v1, admin, "accident", "public_safety")
    _star(v1, households[0], county)
    db.session.commit()
    page = _signed_in(app, "township").get(f"/governance/units/{v1.id}/score?month={MONTH}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "73.67" not in text  # no disputes here: 26.67 + 16 + 16 + 10 + 10
    assert "78.67" in text and "8/10" in text and "16.00" in text and "26.67" in text
    assert "colour-badge colour-yellow" in text
    village_admin = factories.user("vadmin2", "unit_admin", factories.unit("V8", "village", _t))
    db.session.commit()
    assert _signed_in(app, village_admin.username).get(f"/governance/units/{v1.id}/score").status_code == 403


def test_compute_scores_cli(app, tree):
    _c, _t, v1, _v2, _s, _h, admin = tree
    _incident(v1, admin, "case", "public_order")
    db.session.commit()
    db.session.execute(UnitScore.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["compute-scores", "--month", MONTH, "--area", "T"])
    assert result.exit_code == 0, result.output
    assert "3" in result.output  # V1, V2 and the school
    assert db.session.scalar(select(UnitScore.compliant).where(UnitScore.unit_id == v1.id)) is False
    bad = app.test_cli_runner().invoke(args=["compute-scores", "--month", "2026-13"])
    assert bad.exit_code != 0


def test_the_public_roll_shows_last_months_three_zero_status_and_score(client, tree):
    _c, _t, _v1, v2, _s, _h, admin = tree
    from moral_bank.core.time import today

    last = today().replace(day=1)  # the deployment's today, as the page's
    _incident(v2, admin, "accident", "public_safety", day=date.fromordinal(last.toordinal() - 1))
    db.session.commit()
    db.session.execute(UnitScore.__table__.delete())  # not stored yet: the page computes it and stores nothing
    db.session.commit()
    page = client.get("/roll/V2")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="public-score"' in text
    # 40 × 2/3 + 10 = 36.67, red, not compliant.
    assert "36.67" in text and "colour-red" in text and "❌" in text
    assert db.session.scalar(select(UnitScore.id)) is None
