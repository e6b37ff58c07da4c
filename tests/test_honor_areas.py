"""The township and county honor-roll pages: figures hand-computed on a small tree, the same number of
queries whatever the number of units, the public pages (no login, cacheable), their links up and down
the tree, and what an unknown or a village code does."""

from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from moral_bank.core.db import db
from moral_bank.core.time import today
from moral_bank.honors import areas
from moral_bank.honors import service as honors

from . import factories


def months_ago(n: int) -> str:
    """The month n months before this one (1 = last month)."""
    year, month = divmod(today().year * 12 + today().month - 1 - n, 12)
    return f"{year:04d}-{month + 1:02d}"


def star(unit, category, household, period, actor):
    return honors.nominate(unit, category, household, period, "表现突出", actor)


@pytest.fixture
def tree(world):
    """County C: township T1 holds V1 (H1, H2) and the school S1; T2 holds V2 (H3) and V3 (H5, H6, H7).
    Last month's approved stars: V1 two (H1 three-zero, H2 filial; H2's honest star removed, H2's
    neighbours star revoked), V2 none (H3's star only proposed; it has an older approved one), V3 one.
    H1 holds ten different stars within the year: the only ten-star household. Another county's
    village with a star of last month must not count."""
    admin = world.users["county_admin"]
    defaults = honors.ensure_defaults(world.county)
    own = honors.add_category(
        world.village, {"code": "culture", "name": "文化活动之星", "rule": "nomination", "per_unit": 1}, admin
    )
    by_code = {c.code: c for c in defaults}
    last = months_ago(1)
    for n, category in enumerate([*defaults, own]):  # H1: ten stars, one a month, three-zero last month
        honors.approve(star(world.village, category, world.h1, months_ago(n + 1), admin), admin)
    honors.approve(star(world.village, by_code["filial"], world.h2, last, admin), admin)
    honors.remove(star(world.village, by_code["honest"], world.h2, last, admin), admin)
    revoked = honors.approve(star(world.village, by_code["neighbours"], world.h2, last, admin), admin)
    honors.revoke(revoked, "复核不实", admin)
    star(world.other_village, by_code["three-zero"], world.other_h, last, admin)  # proposed only
    honors.approve(star(world.other_village, by_code["tidy"], world.other_h, months_ago(2), admin), admin)
    v3 = factories.unit("V3", "village", world.other_township, "罗家村")
    h5, _h6, _h7 = (
        factories.household(v3, code, head) for code, head in (("H5", "罗大"), ("H6", "罗二"), ("H7", "罗三"))
    )
    honors.approve(star(v3, by_code["filial"], h5, last, admin), admin)
    far = factories.unit("C2", "county", name="隰县")
    far_village = factories.unit("V9", "village", factories.unit("T9", "township", far), "远村")
    far_admin = factories.user("far_admin", "county_admin", far)
    far_star = honors.ensure_defaults(far)[0]
    honors.approve(
        star(far_village, far_star, factories.household(far_village, "H9", "周九"), last, far_admin), far_admin
    )
    db.session.commit()
    return SimpleNamespace(world=world, v3=v3, last=last)


def figures(f: areas.Figures) -> tuple:
    return f.units, f.households, f.stars, f.ten_star, f.published, f.plaque_rate, f.plaque_met


def test_the_county_figures_equal_the_hand_counts(world, tree):
    roll = areas.area_roll(world.county)
    assert roll.period == tree.last and roll.target == 20
    assert [u.code for u in roll.trail] == []
    assert [(g.head.code, [r.unit.code for r in g.rows]) for g in roll.groups] == [("T1", ["V1"]), ("T2", ["V2", "V3"])]
    rows = {r.unit.code: figures(r.figures) for g in roll.groups for r in g.rows}
    assert rows == {
        "V1": (1, 2, 2, 1, 1, Decimal("50.00"), True),
        "V2": (1, 1, 0, 0, 0, Decimal("0.00"), False),
        "V3": (1, 3, 1, 0, 1, Decimal("0.00"), False),
    }
    assert [figures(g.total) for g in roll.groups] == [
        (1, 2, 2, 1, 1, Decimal("50.00"), True),
        (2, 4, 1, 0, 1, Decimal("0.00"), False),
    ]
    assert figures(roll.total) == (3, 6, 3, 1, 2, Decimal("16.67"), False)  # 1 of 6


def test_a_township_lists_its_own_villages_under_its_county(world, tree):
    roll = areas.area_roll(world.other_township)
    assert [u.code for u in roll.trail] == ["C"]
    assert [(g.head.code, [r.unit.code for r in g.rows]) for g in roll.groups] == [("T2", ["V2", "V3"])]
    assert figures(roll.total) == (2, 4, 1, 0, 1, Decimal("0.00"), False)
    assert [u.code for u in areas.trail(tree.v3)] == ["C", "T2"]


def test_villages_directly_under_the_county_come_last_in_their_own_group(world, tree):
    factories.unit("V0", "community", world.county, "城关社区")
    roll = areas.area_roll(world.county)
    assert [(g.head.code, [r.unit.code for r in g.rows]) for g in roll.groups][-1] == ("C", ["V0"])
    assert roll.total.units == 4 and roll.groups[-1].total.plaque_rate is None  # no households: no rate


@pytest.mark.parametrize(
    ("part", "whole", "shown", "met"),
    [
        (1, 3, "33.33", True),
        (2, 3, "66.67", True),
        (1, 5, "20.00", True),
        (1, 800, "0.13", False),  # 0.125: half up
        (5997, 30000, "19.99", False),
        (5999, 30000, "20.00", True),  # 19.997 % shows as 20.00 %: the target as shown is met
        (0, 4, "0.00", False),
    ],
)
def test_the_plaque_rate_has_two_decimals_and_agrees_with_the_target(part, whole, shown, met):
    f = areas.Figures(20, households=whole, ten_star=part)
    assert (str(f.plaque_rate), f.plaque_met) == (shown, met)
    assert areas.percent(3, 0) is None


def test_the_query_count_does_not_grow_with_the_units(world, tree):
    """Four queries for the county (its units, then households, stars and ten-star households per unit),
    and still four after a township of four more villages."""

    def queries() -> int:
        assert world.county.path  # loaded before counting
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            areas.area_roll(world.county)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return sum(1 for statement in seen if statement.lstrip().upper().startswith("SELECT"))

    before = queries()
    t3 = factories.unit("T3", "township", world.county)
    filial = next(c for c in honors.categories_for(world.village) if c.code == "filial")
    for n in range(4):
        village = factories.unit(f"V3{n}", "village", t3)
        h = factories.household(village, f"H3{n}", "孙")
        honors.approve(star(village, filial, h, tree.last, world.users["county_admin"]), world.users["county_admin"])
    db.session.commit()
    assert queries() == before == 4
    assert areas.area_roll(world.county).total.units == 7


# --- the pages -------------------------------------------------------------------------------


class Marked(HTMLParser):
    """The text and the attributes of every element with a data-testid."""

    def __init__(self, html: str):
        super().__init__()
        self.text: dict[str, str] = {}
        self.attrs: dict[str, dict] = {}
        self._open: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if "data-testid" in found:
            self._open.append((tag, found["data-testid"]))
            self.text[found["data-testid"]] = ""
            self.attrs[found["data-testid"]] = found

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        for _tag, testid in self._open:
            self.text[testid] += data


def test_the_county_page_needs_no_login_and_shows_the_figures(client, world, tree):
    page = client.get("/roll/area/C")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=300"
    ids = Marked(page.get_data(as_text=True))
    totals = [ids.text[f"total-{k}"].strip() for k in ("units", "stars", "ten-star", "published")]
    assert totals == ["3", "3", "1", "2"]
    assert "16.67%" in ids.text["total-plaque"]
    assert [ids.text[f"stars-{c}"] for c in ("V1", "V2", "V3")] == ["2", "0", "1"]
    assert [ids.text[f"ten-star-{c}"] for c in ("V1", "V2", "V3")] == ["1", "0", "0"]
    assert [ids.text[f"households-{c}"] for c in ("V1", "V2", "V3")] == ["2", "1", "3"]
    assert "50.00%" in ids.text["plaque-V1"] and "0.00%" in ids.text["plaque-V3"]
    assert [ids.attrs[f"plaque-{c}"]["data-target"] for c in ("V1", "V2", "V3")] == ["met", "short", "short"]
    assert [ids.attrs[f"status-{c}"]["data-status"] for c in ("V1", "V2", "V3")] == ["published", "due", "published"]
    assert {"subtotal-T1", "subtotal-T2", "group-T1", "group-T2"} <= set(ids.text)
    assert "row-V9" not in ids.text  # another county's village
    assert "row-S1" not in ids.text  # a school names no stars
    # A published roll links to that month's roll, whose stars are the ones counted; a unit not yet
    # published links to its page.
    assert ids.attrs["link-V1"]["href"] == f"/roll/V1?period={tree.last}"
    assert ids.attrs["link-V2"]["href"] == "/roll/V2"
    unit_page = client.get(ids.attrs["link-V1"]["href"]).get_data(as_text=True)
    stars_shown = unit_page.split('data-testid="public-ten-star"')[0].count('class="initial"')
    assert stars_shown == 2  # the two stars counted for V1
    assert 'href="/roll/area/T1"' in page.get_data(as_text=True)


def test_the_links_go_up_and_down_the_tree(client, world, tree):
    township = Marked(client.get("/roll/area/T2").get_data(as_text=True))
    assert set(township.text) >= {"row-V2", "row-V3"} and "row-V1" not in township.text
    assert "subtotal-T2" not in township.text  # one township: its totals are at the top
    assert township.text["total-stars"] == "1"
    unit_page = client.get("/roll/V3").get_data(as_text=True)
    assert 'href="/roll/area/C"' in unit_page and 'href="/roll/area/T2"' in unit_page
    assert 'data-testid="trail"' in client.get("/roll/area/T1").get_data(as_text=True)


def test_unknown_village_and_school_codes(client, world, tree):
    assert client.get("/roll/area/NOPE").status_code == 404
    for odd in ("x" * 300, "%E7%8E%8B", "C%27%20OR%201=1"):  # too long, 王, quoting
        assert client.get(f"/roll/area/{odd}").status_code == 404
    # A NUL in the address: PostgreSQL cannot even look it up, so it is refused before (was a 500 there).
    assert client.get("/roll/area/%00").status_code == 400 and client.get("/roll/%00").status_code == 400
    assert client.get("/roll/area/S1").status_code == 404  # a school has no honor roll
    to_unit = client.get("/roll/area/V1")
    assert to_unit.status_code == 302 and to_unit.headers["Location"] == "/roll/V1"
    to_area = client.get("/roll/T1")
    assert to_area.status_code == 302 and to_area.headers["Location"] == "/roll/area/T1"


def test_a_county_with_no_stars_yet(client, world):
    page = client.get("/roll/area/C")
    ids = Marked(page.get_data(as_text=True))
    assert page.status_code == 200
    assert [ids.text[f"total-{k}"] for k in ("units", "stars", "published")] == ["2", "0", "0"]
    assert "row-V1" in ids.text and "row-V2" in ids.text
