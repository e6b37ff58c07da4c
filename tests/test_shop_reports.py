"""Shop reports: a shop's month by day and by item, a unit's points issued / redeemed / outstanding,
their CSV and XLSX downloads, and who may see them. Every expected figure is worked out by hand from
the history built in `history` (dates in Asia/Shanghai; UTC + 8, no daylight saving)."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import or_, select, update

from moral_bank.core.db import db
from moral_bank.core.errors import DomainError
from moral_bank.households.models import Household
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Entry, Transfer
from moral_bank.shop import reports
from moral_bank.shop import service as shops
from moral_bank.shop.models import Redemption, Shop, StockMovement
from moral_bank.units.models import Unit

from . import factories
from .factories import award


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def backdate(transfer: Transfer, moment: datetime) -> None:
    """Tests only: pretend a transfer was posted at `moment`."""
    db.session.execute(update(Entry).where(Entry.transfer_id == transfer.id).values(created_at=moment))
    db.session.execute(update(Transfer).where(Transfer.id == transfer.id).values(created_at=moment))


def backdate_redemption(r: Redemption, moment: datetime) -> None:
    """The redemption, its debit, its stock movements and (if voided) the void, ten minutes later."""
    voided = r.voided_at is not None
    db.session.execute(
        update(Redemption)
        .where(Redemption.id == r.id)
        .values(created_at=moment, voided_at=moment + timedelta(minutes=10) if voided else None)
    )
    db.session.execute(update(StockMovement).where(StockMovement.redemption_id == r.id).values(created_at=moment))
    backdate(r.transfer, moment)
    undo = db.session.scalar(select(Transfer).where(Transfer.reverses_id == r.transfer_id))
    if undo is not None:
        backdate(undo, moment + timedelta(minutes=10))


@dataclass
class History:
    world: factories.World
    community: Unit
    h4: Household
    h5: Household
    shop: Shop
    other_shop: Shop


@pytest.fixture
def history(world) -> History:
    """V1 (H1, H2, and H5 who came in November) and community V3 (H4) under township T1; V1's shop
    also serves V3. In local time:

    Sep 15 H1 +50; Sep 20 H4 +40.
    Oct 1 00:30  H4 buys soap×4 = 20                 (2026-09-30T16:30Z: October locally)
    Oct 2 03:00  H1 +300, H2 +200, H2 +30
    Oct 5 10:00  H1 buys soap×2 + rice×1 = 60
    Oct 5 11:00  H2 buys oil×1 = 85, voided at 11:10
    Oct 10       H1 −10 (a deduction);  Oct 12  H2's +30 corrected (−30)
    Oct 31 23:30 H1 buys soap×3 = 15;   Oct 31 23:59  H1 +4
    Nov 1 01:00  H2 buys rice×2 = 100;  H1 +7        (2026-10-31T17:00Z: November locally)
    """
    w = world
    admin, clerk = w.users["township_admin"], w.users["clerk"]
    community = factories.unit("V3", "community", w.township, "城关社区")
    h4 = factories.household(community, "H4", "赵桂花", [])
    shop = shops.create_shop(w.village, "山中村积分超市", ["V3"], admin)
    soap = shops.add_item(shop, "肥皂", 5, 100, actor=clerk)
    rice = shops.add_item(shop, "大米", 50, 20, actor=clerk)
    oil = shops.add_item(shop, "食用油", 85, 10, actor=clerk)
    other_shop = shops.create_shop(w.other_village, "黑龙关村积分超市", [], w.users["county_admin"])
    issuance = ledger.issuance_account(w.village)

    backdate(award(w.h1, 50, "sep-h1"), utc(2026, 9, 15, 2))
    backdate(award(h4, 40, "sep-h4"), utc(2026, 9, 20, 2))
    for h, points, key in ((w.h1, 300, "oct-h1"), (w.h2, 200, "oct-h2"), (w.h2, 30, "oct-h2-extra")):
        backdate(award(h, points, key), utc(2026, 10, 1, 19))
    backdate(award(w.h1, 4, "oct-h1-late"), utc(2026, 10, 31, 15, 59))
    backdate(award(w.h1, 7, "nov-h1"), utc(2026, 10, 31, 17))
    deduction = ledger.transfer(w.h1.account, issuance, 10, "deduction", idempotency_key="oct-h1-deduction")
    backdate(deduction, utc(2026, 10, 10, 2))
    corrected = ledger.reverse(ledger.by_key("oct-h2-extra"), admin, "复核后撤销")
    backdate(corrected, utc(2026, 10, 12, 2))

    def buy(h, lines, key):
        return shops.redeem(shop, h, [{"item_id": i.id, "qty": q} for i, q in lines], key, clerk)[0]

    r5 = buy(h4, [(soap, 4)], "report-r5")
    r1 = buy(w.h1, [(soap, 2), (rice, 1)], "report-r1")
    r2 = buy(w.h2, [(oil, 1)], "report-r2")
    shops.void(r2, "拿错了", clerk)
    r3 = buy(w.h1, [(soap, 3)], "report-r3")
    r4 = buy(w.h2, [(rice, 2)], "report-r4")
    for r, moment in (
        (r5, utc(2026, 9, 30, 16, 30)),
        (r1, utc(2026, 10, 5, 2)),
        (r2, utc(2026, 10, 5, 3)),
        (r3, utc(2026, 10, 31, 15, 30)),
        (r4, utc(2026, 10, 31, 17)),
    ):
        backdate_redemption(r, moment)
    # H1, H2 and H4 were registered in September; H5 joins now (November), with no points.
    db.session.execute(
        update(Household)
        .where(or_(Household.unit_id == community.id, Household.unit_id == w.village.id))
        .values(created_at=utc(2026, 9, 1))
    )
    h5 = factories.household(w.village, "H5", "孙志刚", [])
    db.session.commit()
    db.session.expire_all()
    return History(w, community, h4, h5, shop, other_shop)


# --- a shop's month ----------------------------------------------------------------------------


def figures(day_row) -> tuple:
    return (day_row.day, day_row.redemptions, day_row.voided, day_row.points, day_row.items)


def test_a_shop_month_day_by_day_leaves_the_voided_redemption_out(history):
    october = reports.shop_days(history.shop, "2026-10")
    assert [figures(d) for d in october.days] == [
        (date(2026, 10, 1), 1, 0, 20, 4),  # H4's soap at 00:30 local, still 30 September in UTC
        (date(2026, 10, 5), 1, 1, 60, 3),  # the oil (85) was voided: not redeemed, not out
        (date(2026, 10, 31), 1, 0, 15, 3),
    ]
    total = october.total
    assert (total.redemptions, total.voided, total.points, total.items) == (3, 1, 95, 10)


def test_the_month_turns_at_local_midnight(history, app, monkeypatch):
    """2026-10-31T17:00Z is 1 November 01:00 in Shanghai: November's, not October's."""
    november = reports.shop_days(history.shop, "2026-11")
    assert [figures(d) for d in november.days] == [(date(2026, 11, 1), 1, 0, 100, 2)]
    assert reports.shop_days(history.shop, "2026-09").days == []
    # In a deployment on UTC the same moments fall on other days and months.
    monkeypatch.setitem(app.config, "TIMEZONE", "UTC")
    assert [figures(d) for d in reports.shop_days(history.shop, "2026-10").days] == [
        (date(2026, 10, 5), 1, 1, 60, 3),
        (date(2026, 10, 31), 2, 0, 115, 5),
    ]
    assert [figures(d) for d in reports.shop_days(history.shop, "2026-09").days] == [(date(2026, 9, 30), 1, 0, 20, 4)]


def test_items_of_a_month_most_points_first(history):
    october = reports.shop_items(history.shop, *reports.month_range("2026-10"))
    assert [(i.name, i.qty, i.points) for i in october] == [("大米", 1, 50), ("肥皂", 9, 45)]
    november = reports.shop_items(history.shop, *reports.month_range("2026-11"))
    assert [(i.name, i.qty, i.points) for i in november] == [("大米", 2, 100)]
    assert reports.shop_items(history.other_shop, *reports.month_range("2026-10")) == []


def test_month_range_is_local(app):
    assert reports.month_range("2026-10") == (utc(2026, 9, 30, 16), utc(2026, 10, 31, 16))
    assert reports.month_range("2026-01") == (utc(2025, 12, 31, 16), utc(2026, 1, 31, 16))


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-10", "", None, "2026-10x", "0000-01", "1999-12", "2999-01"])
def test_a_bad_month_is_refused(app, month):
    with pytest.raises(DomainError) as refused:
        reports.month_range(month)
    assert refused.value.field == "month" and refused.value.status == 422


# --- a unit's points ---------------------------------------------------------------------------


def by_code(report) -> dict:
    return {r.code: (r.households, r.issued, r.redeemed, r.outstanding) for r in report.rows}


def test_points_issued_redeemed_and_outstanding_per_unit(history):
    october = reports.unit_points(history.world.township, "2026-10")
    assert by_code(october) == {
        # H1 300 − 10 + 4 and H2 200 + 30 − 30 issued; H1 60 + 15 redeemed (H2's 85 voided);
        # at the end: H1 50 + 294 − 75 = 269, H2 200. H5 came in November.
        "V1": (2, 494, 75, 469),
        # H4 redeemed at V1's shop: it counts where the household lives.
        "V3": (1, 0, 20, 20),
    }
    t = october.total
    assert (t.households, t.issued, t.redeemed, t.outstanding) == (3, 494, 95, 489)
    # The shop's own report agrees on the points redeemed.
    assert reports.shop_days(history.shop, "2026-10").total.points == t.redeemed


def test_points_of_the_months_around(history):
    w = history.world
    assert by_code(reports.unit_points(w.township, "2026-09")) == {"V1": (2, 50, 0, 50), "V3": (1, 40, 0, 40)}
    november = reports.unit_points(w.township, "2026-11")
    assert by_code(november) == {"V1": (3, 7, 100, 376), "V3": (1, 0, 0, 20)}
    # At the end of this month, outstanding is what the households hold now.
    db.session.expire_all()
    held = sum(h.account.balance for h in (w.h1, w.h2, history.h5))
    assert november.rows[0].outstanding == held == 376


def test_a_village_is_one_row_and_the_county_counts_every_village(history):
    w = history.world
    (row,) = reports.unit_points(w.village, "2026-10").rows
    assert (row.code, row.households, row.issued, row.redeemed, row.outstanding) == ("V1", 2, 494, 75, 469)
    county = reports.unit_points(w.county, "2026-10")
    assert by_code(county) == {"V1": (2, 494, 75, 469), "V2": (0, 0, 0, 0), "V3": (1, 0, 20, 20)}
    assert county.total.outstanding == 489
    assert reports.unit_points(w.school, "2026-10").rows == []


# --- pages and downloads -----------------------------------------------------------------------


def sign_in(app, username: str, lang: str = "en"):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302
    client.post("/language", data={"locale": lang})
    return client


def test_the_clerk_sees_the_shop_report(app, history):
    clerk = sign_in(app, "clerk")
    page = clerk.get(f"/shops/{history.shop.id}/report?month=2026-10")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="total-points">95<' in html and 'data-testid="total-voided">1<' in html
    assert 'data-testid="day-2026-10-05"' in html and "食用油" not in html  # the voided oil is not listed
    assert "大米" in html and "肥皂" in html
    # This month, by default (the history has nothing in it).
    assert clerk.get(f"/shops/{history.shop.id}/report").status_code == 200


def test_the_shop_report_downloads_as_csv_and_xlsx(app, history):
    clerk = sign_in(app, "clerk")
    url = f"/shops/{history.shop.id}/report?month=2026-10&format="
    response = clerk.get(url + "csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert f'filename="shop-{history.shop.id}-2026-10.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["Date", "Redemptions", "Voided", "Points redeemed", "Items out"],
        ["2026-10-01", "1", "0", "20", "4"],
        ["2026-10-05", "1", "1", "60", "3"],
        ["2026-10-31", "1", "0", "15", "3"],
        ["Total", "3", "1", "95", "10"],
    ]
    response = clerk.get(url + "xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Date", "Redemptions", "Voided", "Points redeemed", "Items out"),
        ("2026-10-01", 1, 0, 20, 4),
        ("2026-10-05", 1, 1, 60, 3),
        ("2026-10-31", 1, 0, 15, 3),
        ("Total", 3, 1, 95, 10),
    ]


def test_points_report_page_and_downloads(app, history):
    admin = sign_in(app, "township_admin")
    url = f"/units/{history.world.township.id}/points-report?month=2026-10"
    html = admin.get(url).get_data(as_text=True)
    assert 'data-testid="total-issued">494<' in html and 'data-testid="total-outstanding">489<' in html
    assert 'data-testid="unit-V3"' in html
    rows = list(csv.reader(io.StringIO(admin.get(url + "&format=csv").get_data().decode("utf-8-sig"))))
    assert rows == [
        ["Code", "Unit", "Households", "Points issued", "Points redeemed", "Points outstanding"],
        ["V1", "山中村", "2", "494", "75", "469"],
        ["V3", "城关社区", "1", "0", "20", "20"],
        ["", "Total", "3", "494", "95", "489"],
    ]
    response = admin.get(url + "&format=xlsx")
    assert response.headers["Content-Disposition"] == 'attachment; filename="points-T1-2026-10.xlsx"'
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert list(sheet.iter_rows(values_only=True))[1:] == [
        ("V1", "山中村", 2, 494, 75, 469),
        ("V3", "城关社区", 1, 0, 20, 20),
        (None, "Total", 3, 494, 95, 489),
    ]


def test_export_headers_follow_the_language(app, history):
    admin = sign_in(app, "unit_admin", lang="zh_Hans")
    body = admin.get(f"/units/{history.world.village.id}/points-report?month=2026-10&format=csv").get_data()
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("编码,")  # "Code", from the catalog


def test_who_may_see_the_reports(app, history):
    w = history.world
    far_admin = factories.user("far_admin", "unit_admin", w.other_village)
    far_clerk = factories.user("far_clerk", "clerk", w.other_village)
    db.session.commit()
    shop_url = f"/shops/{history.shop.id}/report?month=2026-10"
    points_url = f"/units/{w.village.id}/points-report?month=2026-10"
    for username, shop_status, points_status in (
        ("clerk", 200, 403),
        ("unit_admin", 200, 200),
        ("township_admin", 200, 200),
        ("county_admin", 200, 200),
        ("scorer", 403, 403),
        ("resident", 403, 403),
        (far_admin.username, 403, 403),
        (far_clerk.username, 403, 403),
    ):
        client = sign_in(app, username)
        assert client.get(shop_url).status_code == shop_status, username
        assert client.get(shop_url + "&format=csv").status_code == shop_status, username
        assert client.get(points_url).status_code == points_status, username
        assert client.get(points_url + "&format=xlsx").status_code == points_status, username
    # A village's admin does not see the township's figures; the other village's clerk sees its shop.
    assert sign_in(app, "unit_admin").get(f"/units/{w.township.id}/points-report").status_code == 403
    assert sign_in(app, "far_clerk").get(f"/shops/{history.other_shop.id}/report").status_code == 200
    anonymous = app.test_client()
    for url in (shop_url, points_url):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("month=2026-13", "The month must look like 2026-10."),
        ("month=abc", "The month must look like 2026-10."),
        ("month=0000-01", "Choose a month from 2000-01 to this month."),
        ("month=2999-01", "Choose a month from 2000-01 to this month."),
        ("format=pdf", "The format must be csv or xlsx."),
        ("month=2026-10&format=CSV", "The format must be csv or xlsx."),
    ],
)
def test_a_bad_month_or_format_is_a_clear_422(app, history, query, message):
    admin = sign_in(app, "county_admin")
    for url in (f"/shops/{history.shop.id}/report", f"/units/{history.world.village.id}/points-report"):
        response = admin.get(f"{url}?{query}")
        assert response.status_code == 422, (url, query)
        assert message in response.get_data(as_text=True)


def test_an_unknown_shop_or_unit_is_a_404(app, history):
    admin = sign_in(app, "county_admin")
    assert admin.get("/shops/999999/report").status_code == 404
    assert admin.get("/units/999999/points-report").status_code == 404
