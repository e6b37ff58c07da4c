"""The wish list (心愿单): names grouped however they are typed, one open request per household and item,
the daily limit, withdrawing, and the shop stocking or declining a group, which tells exactly the
households still waiting; the pages and the API, and who may use them."""

from datetime import timedelta

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from moral_bank.auth import service as auth
from moral_bank.core.db import db, utcnow
from moral_bank.core.errors import Conflict, DomainError, FieldErrors, NotAllowed
from moral_bank.shop import service as shop
from moral_bank.shop import wishes
from moral_bank.shop.models import Shop, Wish

from . import factories


@pytest.fixture
def w(world):
    """The village's shop (soap on sale), a township shop of the other township, and a resident login
    for H2 and for the other township's household."""
    world.shop = shop.create_shop(world.village, "山中村积分超市", [], world.users["county_admin"])
    world.soap = shop.add_item(world.shop, "肥皂", 5, 10, 2, world.users["clerk"])
    world.far_shop = shop.create_shop(world.other_village, "黑龙关村积分超市", [], world.users["county_admin"])
    world.far_clerk = factories.user("far_clerk", "clerk", world.other_village)
    world.h2_resident = factories.user("h2_resident", "resident", world.village, world.h2.members[0])
    world.far_resident = factories.user("far_resident", "resident", world.other_village, world.other_h.members[0])
    db.session.commit()
    return world


def ask(w, name, household=None, note="", at=None):
    household = household or w.h1
    actor = {w.h1.id: w.users["resident"], w.h2.id: w.h2_resident, w.other_h.id: w.far_resident}[household.id]
    return wishes.ask(at or w.shop, household, name, note, actor)


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        (" 酱油 ", "酱油"),
        ("Soy   Sauce", "soy sauce"),
        ("ＯＫ绷", "ok绷"),  # full-width letters
        ("老抽\u3000酱油", "老抽 酱油"),  # an ideographic space
        ("\t", ""),
        (None, ""),
    ],
)
def test_names_are_normalised_for_grouping(typed, key):
    assert wishes.normalise(typed) == key


def test_requests_for_one_item_are_grouped_however_typed(w):
    ask(w, "酱油", note="要海天的")
    ask(w, " 酱油 ", household=w.h2)
    ask(w, "Soy Sauce")
    ask(w, "soy  SAUCE", household=w.h2)
    groups = {g.key: g for g in wishes.open_groups(w.shop)}
    assert {k: (g.name, g.count) for k, g in groups.items()} == {"酱油": ("酱油", 2), "soy sauce": ("Soy Sauce", 2)}
    assert groups["酱油"].notes == ["要海天的"]
    assert [g.key for g in wishes.open_groups(w.shop)] == ["soy sauce", "酱油"]  # the latest asked first
    assert wishes.open_count(w.shop) == 2 and wishes.most_wished(w.shop)[0][1] == 2


def test_a_household_asks_once_per_item_until_the_shop_answers(w):
    ask(w, "酱油")
    with pytest.raises(Conflict) as err:
        ask(w, "  酱油")
    assert err.value.message == _(
        "You have already asked %(shop)s for %(name)s; it will let you know.", shop="山中村积分超市", name="酱油"
    )
    ask(w, "酱油", at=w.far_shop, household=w.other_h)  # another household at another shop: its own
    assert db.session.scalar(select(func.count(Wish.id))) == 2


def test_the_open_request_is_unique_in_the_database_too(w):
    ask(w, "酱油")
    db.session.add(Wish(shop_id=w.shop.id, household_id=w.h1.id, name="酱油", key="酱油", asked_on=utcnow().date()))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_an_item_on_sale_is_shown_with_its_price_instead(w):
    with pytest.raises(Conflict) as err:
        ask(w, " 肥皂")
    assert err.value.message == _(
        "%(shop)s already sells %(name)s, for %(n)s points.", shop="山中村积分超市", name="肥皂", n=5
    )
    shop.move_stock(w.soap, "stocktake", 0, "盘点", w.users["clerk"])
    with pytest.raises(Conflict) as err:
        ask(w, "肥皂")
    assert "%(shop)s" not in err.value.message and err.value.message == _(
        "%(shop)s already sells %(name)s, for %(n)s points; it is sold out just now.",
        shop="山中村积分超市",
        name="肥皂",
        n=5,
    )
    shop.update_item(w.soap, {"active": False}, w.users["clerk"])
    assert ask(w, "肥皂").status == "open"  # no longer sold: it may be wished for


def test_fields_are_checked(w):
    with pytest.raises(FieldErrors) as err:
        ask(w, "  ", note="x" * 201)
    assert set(err.value.fields) == {"name", "note"}
    with pytest.raises(FieldErrors):
        ask(w, "酱" * 101)
    assert ask(w, "酱" * 100).name == "酱" * 100


def test_a_household_asks_only_shops_that_serve_it(w):
    with pytest.raises(NotAllowed):
        ask(w, "酱油", at=w.far_shop)
    with pytest.raises(NotAllowed):  # H1's resident cannot ask in H2's name
        wishes.ask(w.shop, w.h2, "酱油", "", w.users["resident"])
    with pytest.raises(NotAllowed):
        wishes.ask(w.shop, w.h1, "酱油", "", w.users["clerk"])


def test_the_daily_limit_counts_withdrawn_requests(w):
    for n in range(wishes.WISHES_PER_DAY):
        made = ask(w, f"物品{n}")
    wishes.withdraw(made, w.users["resident"])
    with pytest.raises(Conflict) as err:
        ask(w, "再来一个")
    assert err.value.message == _(
        "Your household has asked for %(n)s items today, the most a day. Please try again tomorrow.",
        n=wishes.WISHES_PER_DAY,
    )
    assert ask(w, "再来一个", household=w.h2).status == "open"  # another household: its own limit


def test_withdraw_an_open_request_only(w):
    made = ask(w, "酱油")
    with pytest.raises(NotAllowed):
        wishes.withdraw(made, w.h2_resident)
    assert wishes.withdraw(made, w.users["resident"]).status == "withdrawn"
    assert wishes.withdraw(made, w.users["resident"]).status == "withdrawn"  # twice: no harm
    assert ask(w, "酱油").status == "open"  # and it may be asked for again
    answered = ask(w, "醋")
    wishes.stocked(w.shop, "醋", w.users["clerk"])
    with pytest.raises(Conflict):
        wishes.withdraw(answered, w.users["resident"])


# --- the shop's answer ----------------------------------------------------------------------


def test_stocked_tells_exactly_the_households_still_waiting(w):
    mine = ask(w, "酱油")
    gone = ask(w, "酱油 ", household=w.h2)
    other_item = ask(w, "醋")
    wishes.withdraw(gone, w.h2_resident)
    elsewhere = ask(w, "酱油", household=w.other_h, at=w.far_shop)
    assert wishes.news_for(w.h1) == []

    assert wishes.stocked(w.shop, " 酱油", w.users["clerk"]) == 1
    db.session.expire_all()
    assert (mine.status, gone.status, other_item.status, elsewhere.status) == ("stocked", "withdrawn", "open", "open")
    assert mine.closed_by_id == w.users["clerk"].id and mine.closed_at is not None
    assert wishes.news_for(w.h1) == [mine] and wishes.news_for(w.h2) == [] and wishes.news_for(w.other_h) == []
    assert [g.key for g in wishes.open_groups(w.shop)] == ["醋"]
    with pytest.raises(Conflict):  # answered already
        wishes.stocked(w.shop, "酱油", w.users["clerk"])


def test_stocked_links_the_item_on_sale(w):
    first = ask(w, "酱油")
    sauce = shop.add_item(w.shop, "酱油", 8, 20, 2, w.users["clerk"])
    wishes.stocked(w.shop, "酱油", w.users["clerk"])
    assert first.item_id == sauce.id
    second = ask(w, "醋")
    far_item = shop.add_item(w.far_shop, "醋", 3, 5, 1, w.far_clerk)
    with pytest.raises(DomainError) as err:
        wishes.stocked(w.shop, "醋", w.users["clerk"], far_item.id)
    assert err.value.field == "item_id"
    wishes.stocked(w.shop, "醋", w.users["clerk"], sauce.id)  # the clerk's choice
    assert second.item_id == sauce.id


def test_only_the_shops_staff_answer(w):
    ask(w, "酱油")
    for outsider in (w.far_clerk, w.users["scorer"], w.users["resident"]):
        with pytest.raises(NotAllowed):
            wishes.stocked(w.shop, "酱油", outsider)
        with pytest.raises(NotAllowed):
            wishes.declined(w.shop, "酱油", "不卖", outsider)
    assert wishes.stocked(w.shop, "酱油", w.users["unit_admin"]) == 1


def test_declined_needs_a_reason_tells_it_and_holds_for_a_month(w):
    mine = ask(w, "香烟")
    theirs = ask(w, "香烟", household=w.h2)
    with pytest.raises(DomainError) as err:
        wishes.declined(w.shop, "香烟", "  ", w.users["clerk"])
    assert err.value.field == "reason"
    assert wishes.declined(w.shop, "香烟", "积分超市不售烟酒", w.users["clerk"]) == 2
    assert (mine.status, mine.reason, theirs.status) == ("declined", "积分超市不售烟酒", "declined")
    with pytest.raises(Conflict) as refused:
        ask(w, "香烟")
    assert "积分超市不售烟酒" in refused.value.message
    mine.closed_at = theirs.closed_at = utcnow() - timedelta(days=wishes.DECLINED_DAYS + 1)
    assert ask(w, "香烟").status == "open"


def test_the_answer_is_new_until_a_resident_of_the_household_looks(w):
    made = ask(w, "酱油")
    wishes.stocked(w.shop, "酱油", w.users["clerk"])
    assert wishes.mark_seen(w.h1, w.users["unit_admin"]) == 0  # staff looking do not count
    assert made.seen_at is None
    assert wishes.mark_seen(w.h1, w.users["resident"]) == 1
    db.session.expire_all()
    assert made.seen_at is not None
    assert wishes.news_for(w.h1) == [made]  # still shown for a while, not as new
    made.closed_at = made.seen_at = utcnow() - timedelta(days=wishes.NEWS_DAYS + 1)
    assert wishes.news_for(w.h1) == []


# --- pages ------------------------------------------------------------------------------------


def test_the_resident_asks_the_clerk_stocks_and_the_home_page_says_so(w, login_as):
    resident = login_as("resident")
    page = resident.get(f"/households/{w.h1.id}/wishes")
    assert page.status_code == 200 and 'data-testid="send-wish"' in page.get_data(as_text=True)
    response = resident.post(
        f"/households/{w.h1.id}/wishes", data={"shop": str(w.shop.id), "name": " 酱油 ", "note": "要生抽"}
    )
    assert response.status_code == 302
    again = resident.post(f"/households/{w.h1.id}/wishes", data={"shop": str(w.shop.id), "name": "酱油"})
    assert again.status_code == 422
    assert _(
        "You have already asked %(shop)s for %(name)s; it will let you know.", shop="山中村积分超市", name="酱油"
    ) in again.get_data(as_text=True)
    on_sale = resident.post(f"/households/{w.h1.id}/wishes", data={"shop": str(w.shop.id), "name": "肥皂"})
    assert on_sale.status_code == 422
    assert _(
        "%(shop)s already sells %(name)s, for %(n)s points.", shop="山中村积分超市", name="肥皂", n=5
    ) in on_sale.get_data(as_text=True)

    clerk = login_as("clerk")
    listed = clerk.get(f"/shops/{w.shop.id}/wishes").get_data(as_text=True)
    assert "酱油" in listed and "要生抽" in listed and _("%(n)s households", n=1) in listed
    assert 'data-testid="shop-wishes"' in clerk.get(f"/shops/{w.shop.id}").get_data(as_text=True)
    assert clerk.post(f"/shops/{w.shop.id}/wishes/stocked", data={"key": "酱油", "item_id": ""}).status_code == 302
    assert db.session.scalar(select(Wish.status)) == "stocked"

    home = resident.get("/").get_data(as_text=True)
    told = _("%(shop)s now sells %(name)s, which you asked for.", shop="山中村积分超市", name="酱油")
    assert told in home and 'data-testid="unread"' in home
    assert resident.get(f"/households/{w.h1.id}/wishes").status_code == 200  # the resident looks
    home = resident.get("/").get_data(as_text=True)
    assert told in home and 'data-testid="unread"' not in home


def test_a_declined_request_shows_its_reason(w, login_as):
    ask(w, "香烟")
    db.session.commit()
    clerk = login_as("clerk")
    assert clerk.post(f"/shops/{w.shop.id}/wishes/declined", data={"key": "香烟", "reason": ""}).status_code == 302
    assert db.session.scalar(select(Wish.status)) == "open"  # no reason, nothing done
    clerk.post(f"/shops/{w.shop.id}/wishes/declined", data={"key": "香烟", "reason": "不售烟酒"})
    home = login_as("resident").get("/").get_data(as_text=True)
    assert (
        _("%(shop)s will not stock %(name)s: %(reason)s", shop="山中村积分超市", name="香烟", reason="不售烟酒") in home
    )


def test_the_resident_withdraws_on_the_page(w, login_as):
    made = ask(w, "酱油")
    db.session.commit()
    resident = login_as("resident")
    assert f'data-testid="withdraw-wish-{made.id}"' in resident.get(f"/households/{w.h1.id}/wishes").get_data(
        as_text=True
    )
    assert resident.post(f"/wishes/{made.id}/withdraw").status_code == 302
    assert db.session.get(Wish, made.id).status == "withdrawn"


def test_pages_refuse_other_shops_households_and_changed_ids(w, login_as):
    mine = ask(w, "酱油")
    theirs = ask(w, "醋", household=w.h2)
    far = ask(w, "盐", household=w.other_h, at=w.far_shop)
    db.session.commit()
    resident = login_as("resident")
    assert resident.post(f"/wishes/{theirs.id}/withdraw").status_code == 403
    assert resident.post(f"/wishes/{far.id}/withdraw").status_code == 403
    assert (
        resident.post(f"/households/{w.h2.id}/wishes", data={"shop": str(w.shop.id), "name": "糖"}).status_code == 403
    )
    assert resident.get(f"/households/{w.h2.id}/wishes").status_code == 403
    refused = resident.post(f"/households/{w.h1.id}/wishes", data={"shop": str(w.far_shop.id), "name": "糖"})
    assert refused.status_code == 422
    assert _("This shop does not serve your village.") in refused.get_data(as_text=True)
    assert resident.get(f"/shops/{w.shop.id}/wishes").status_code == 403

    db.session.expire_all()
    assert (mine.status, theirs.status, far.status) == ("open", "open", "open")


def test_another_shops_clerk_is_refused(app, w):
    ask(w, "酱油")
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "far_clerk", "password": factories.PASSWORD})
    assert client.get(f"/shops/{w.shop.id}/wishes").status_code == 403
    assert client.post(f"/shops/{w.shop.id}/wishes/stocked", data={"key": "酱油"}).status_code == 403
    assert client.post(f"/shops/{w.shop.id}/wishes/declined", data={"key": "酱油", "reason": "x"}).status_code == 403
    assert db.session.scalar(select(Wish.status)) == "open"


def test_the_catalog_shows_the_most_wished_and_invites_residents(w, login_as, client):
    ask(w, "酱油")
    ask(w, "酱油", household=w.h2)
    ask(w, "醋")
    db.session.commit()
    public = client.get(f"/shops/{w.shop.id}/catalog").get_data(as_text=True)
    assert 'data-testid="most-wished"' in public and public.index("酱油") < public.index("醋")
    assert 'data-testid="ask-wish"' not in public
    assert 'data-testid="ask-wish"' in login_as("resident").get(f"/shops/{w.shop.id}/catalog").get_data(as_text=True)


def test_adding_a_wished_item_reminds_the_clerk(w, login_as):
    ask(w, "酱油")
    db.session.commit()
    page = login_as("clerk").post(
        f"/shops/{w.shop.id}", data={"name": "酱油", "price": "8", "stock": "10"}, follow_redirects=True
    )
    assert _("%(n)s households asked for %(name)s: tell them on the wish list.", n=1, name="酱油") in page.get_data(
        as_text=True
    )


# --- API --------------------------------------------------------------------------------------


def bearer(user) -> dict:
    raw, _token = auth.issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_asks_lists_grouped_and_stocks(w, client):
    resident, clerk = bearer(w.users["resident"]), bearer(w.users["clerk"])
    made = client.post(f"/api/v1/shops/{w.shop.id}/wishes", json={"name": "酱油", "note": "生抽"}, headers=resident)
    assert made.status_code == 201 and made.json["status"] == "open" and made.json["key"] == "酱油"
    again = client.post(f"/api/v1/shops/{w.shop.id}/wishes", json={"name": "酱油 "}, headers=resident)
    assert again.status_code == 409
    h2 = bearer(w.h2_resident)
    assert client.post(f"/api/v1/shops/{w.shop.id}/wishes", json={"name": " 酱油"}, headers=h2).status_code == 201
    assert client.post(f"/api/v1/shops/{w.shop.id}/wishes", json={"name": ""}, headers=h2).status_code == 422
    far = client.post(f"/api/v1/shops/{w.far_shop.id}/wishes", json={"name": "酱油"}, headers=resident)
    assert far.status_code == 403
    assert client.post("/api/v1/shops/99999/wishes", json={"name": "x"}, headers=resident).status_code == 404

    listed = client.get(f"/api/v1/shops/{w.shop.id}/wishes", headers=clerk)
    assert listed.status_code == 200
    assert [(g["key"], g["households"], g["notes"]) for g in listed.json["items"]] == [("酱油", 2, ["生抽"])]
    assert client.get(f"/api/v1/shops/{w.shop.id}/wishes", headers=resident).status_code == 403
    assert client.get(f"/api/v1/shops/{w.shop.id}/wishes", headers=bearer(w.far_clerk)).status_code == 403

    told = client.post(f"/api/v1/shops/{w.shop.id}/wishes/stocked", json={"key": "酱油"}, headers=clerk)
    assert told.status_code == 200 and told.json["households"] == 2
    assert client.post(
        f"/api/v1/shops/{w.shop.id}/wishes/stocked", json={"key": "酱油"}, headers=clerk
    ).status_code == (409)
    mine = client.get(f"/api/v1/households/{w.h1.id}/wishes", headers=resident).json["items"]
    assert [(x["name"], x["status"], x["seen"]) for x in mine] == [("酱油", "stocked", False)]
    assert client.get(f"/api/v1/households/{w.h2.id}/wishes", headers=resident).status_code == 403


def test_the_api_declines_with_a_reason(w, client):
    ask(w, "香烟")
    clerk = bearer(w.users["clerk"])
    url = f"/api/v1/shops/{w.shop.id}/wishes/declined"
    assert client.post(url, json={"key": "香烟"}, headers=clerk).status_code == 422
    assert client.post(url, json={"key": "香烟", "reason": "不售"}, headers=clerk).json["households"] == 1
    assert client.post(url, json={"key": "香烟", "reason": "不售"}, headers=bearer(w.far_clerk)).status_code == 403


def test_bad_form_input_is_refused_on_the_form(w, login_as):
    resident = login_as("resident")
    url = f"/households/{w.h1.id}/wishes"
    for data in (
        {"shop": "abc", "name": "糖"},
        {"shop": "99999", "name": "糖"},
        {"shop": str(w.shop.id), "name": "糖" * 101},
        {"shop": str(w.shop.id), "name": "糖", "note": "长" * 201},
        {"shop": str(w.shop.id), "name": " "},
    ):
        assert resident.post(url, data=data).status_code == 422, data
    ask(w, "酱油")
    db.session.commit()
    clerk = login_as("clerk")
    for data in ({"key": "酱油", "item_id": "abc"}, {"key": "酱油", "item_id": "99999"}, {"key": "", "item_id": ""}):
        assert clerk.post(f"/shops/{w.shop.id}/wishes/stocked", data=data).status_code == 302
    assert db.session.scalar(select(func.count(Wish.id)).where(Wish.status == "open")) == 1


def test_the_demo_shop_has_open_wishes(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    village_shop = db.session.scalar(select(Shop).where(Shop.name == "山中村积分超市"))
    groups = {g.name: g.count for g in wishes.open_groups(village_shop)}
    assert groups == {"挂面": 3, "老花镜": 1}
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # twice: nothing more
    assert wishes.open_count(village_shop) == 2 and sum(g.count for g in wishes.open_groups(village_shop)) == 4
