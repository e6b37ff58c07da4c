"""The desktop grid: a unit's households × items, saved in one submit, all cells checked first."""

import pytest

from moral_bank.core.db import db
from moral_bank.scoring import grid, review, sheets
from moral_bank.scoring import service as scoring

from .factories import household
from .test_rating_sheets import FULL
from .test_scoring_setup import demo_items

MONTH = "2026-10"


@pytest.fixture
def rubric(world):
    scoring.new_rubric_version(world.county, demo_items())
    db.session.commit()
    return world


def cells(household_id: int, scores: dict) -> dict:
    return {f"c-{household_id}-{code}": str(points) for code, points in scores.items()}


def test_saving_and_submitting_many_rows_at_once(rubric):
    admin = rubric.users["unit_admin"]
    g = grid.load(admin, rubric.village, MONTH)
    assert [h.code for h, _s in g.rows] == ["H1", "H2"]
    typed = {rubric.h1.id: {k: str(v) for k, v in FULL.items()}, rubric.h2.id: {"xiao-elders": "3"}}
    assert grid.save(g, typed, admin, submit=False) == 2
    assert sheets.sheet_for(rubric.h2, MONTH).total == 3
    g = grid.load(admin, rubric.village, MONTH)
    assert g.value(rubric.h2.id, "xiao-elders") == "3"
    # Submitting: H1 is complete; H2 is missing items, so nothing is saved and H2's blanks are named.
    with pytest.raises(grid.GridErrors) as err:
        grid.save(g, typed, admin, submit=True)
    assert (rubric.h2.id, "mei-clean") in err.value.cells and not any(h == rubric.h1.id for h, _c in err.value.cells)
    assert sheets.sheet_for(rubric.h1, MONTH).status == "draft"
    assert grid.save(g, {rubric.h1.id: typed[rubric.h1.id]}, admin, submit=True) == 1
    assert sheets.sheet_for(rubric.h1, MONTH).status == "submitted"


def test_every_bad_cell_is_named_and_nothing_is_saved(rubric):
    admin = rubric.users["unit_admin"]
    g = grid.load(admin, rubric.village, MONTH)
    typed = {
        rubric.h1.id: {"xiao-elders": "11", "xiao-children": "五", "shan-neighbours": "-1", "xin-honest": "4"},
        rubric.h2.id: {"xiao-elders": "10"},
    }
    with pytest.raises(grid.GridErrors) as err:
        grid.save(g, typed, admin, submit=False)
    assert set(err.value.cells) == {
        (rubric.h1.id, "xiao-elders"),
        (rubric.h1.id, "xiao-children"),
        (rubric.h1.id, "shan-neighbours"),
    }
    assert sheets.sheet_for(rubric.h2, MONTH) is None


def test_a_scorer_sees_and_saves_only_assigned_households(rubric):
    scorer = rubric.users["scorer"]
    scoring.assign(rubric.village, scorer, ["H1"])
    g = grid.load(scorer, rubric.village, MONTH)
    assert [h.code for h, _s in g.rows] == ["H1"]
    with pytest.raises(grid.GridErrors) as err:
        grid.save(g, {rubric.h2.id: {"xiao-elders": "3"}}, scorer, submit=False)
    assert (rubric.h2.id, "") in err.value.cells


def test_a_submitted_row_cannot_be_changed_from_the_grid(rubric):
    admin = rubric.users["unit_admin"]
    sheet, _ = sheets.save_sheet(rubric.h1, MONTH, FULL, "", admin, submit=True)
    review.review(sheet, True, "", admin)
    g = grid.load(admin, rubric.village, MONTH)
    with pytest.raises(grid.GridErrors):
        grid.save(g, {rubric.h1.id: {"xiao-elders": "1"}}, admin, submit=False)
    # Sent back unchanged (as a browser would not, the inputs are disabled) it is simply left alone.
    unchanged = {k: str(v) for k, v in FULL.items()}
    assert grid.save(g, {rubric.h1.id: unchanged}, admin, submit=False) == 0


def test_the_grid_page_keeps_typed_values_and_marks_bad_cells(rubric, login_as):
    admin = login_as("unit_admin")
    admin.post("/language", data={"locale": "en"})
    url = f"/scoring/units/{rubric.village.id}/grid?month={MONTH}"
    assert "H2" in admin.get(url).get_data(as_text=True)
    bad = admin.post(url, data={**cells(rubric.h1.id, {**FULL, "xiao-elders": "99"}), "action": "draft"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert f'name="c-{rubric.h1.id}-xiao-elders" value="99"' in page, "the bad value stays"
    assert f'name="c-{rubric.h1.id}-xiao-children" value="5"' in page, "and so do the good ones"
    assert f'href="#c-{rubric.h1.id}-xiao-elders"' in page and 'aria-invalid="true"' in page
    assert "1 cells need correcting" in page
    assert sheets.sheet_for(rubric.h1, MONTH) is None
    ok = admin.post(url, data={**cells(rubric.h1.id, FULL), "action": "submit"})
    assert ok.status_code == 302
    assert "1 sheets submitted" in admin.get(ok.headers["Location"]).get_data(as_text=True)
    assert sheets.sheet_for(rubric.h1, MONTH).status == "submitted"


def test_five_hundred_households_in_one_post(rubric, login_as):
    for i in range(498):
        household(rubric.village, f"G{i:03d}", "赵大", [])
    db.session.commit()
    admin = login_as("unit_admin")
    g = grid.load(rubric.users["unit_admin"], rubric.village, MONTH)
    assert len(g.rows) == 500
    form = {"action": "submit"}
    for h, _s in g.rows:
        form.update(cells(h.id, FULL))
    response = admin.post(f"/scoring/units/{rubric.village.id}/grid?month={MONTH}", data=form)
    assert response.status_code == 302
    statuses = {sheets.sheet_for(h, MONTH).status for h, _s in g.rows}
    assert statuses == {"submitted"}
