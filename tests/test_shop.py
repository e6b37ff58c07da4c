"""The points shop: items and stock, checkout once per key, never more than the balance or the stock,
the PIN above the threshold, void on the same day, and the clerk's pages."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from moral_bank.auth import pins
from moral_bank.cards import service as cards
from moral_bank.core.audit import AuditLog
from moral_bank.core.db import db
from moral_bank.core.errors import DomainError, IdempotencyMismatch, InsufficientBalance, NotAllowed
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Transfer
from moral_bank.scoring import service as scoring
from moral_bank.shop import service as shop
from moral_bank.shop.models import Item, Redemption, StockMovement

from . import factories


@pytest.fixture
def store(world):
    """The village shop with soap (5), oil (85) and rice (50); H1 holds 100 points."""
    clerk = world.users["clerk"]
    s = shop.create_shop(world.village, "山中村积分超市", [], world.users["unit_admin"])
    soap = shop.add_item(s, "肥皂", 5, 20, 3, clerk)
    oil = shop.add_item(s, "食用油5L", 85, 2, 1, clerk)
    rice = shop.add_item(s, "大米", 50, 10, 2, clerk)
    factories.award(world.h1, 100, "fund-h1")
    db.session.commit()
    return s, soap, oil, rice


def _balance(h) -> int:
    return ledger.current_balance(h.account.id)


def _stock(item) -> int:
    return db.session.scalar(select(Item.stock).where(Item.id == item.id).execution_options(populate_existing=True))


# --- service ---------------------------------------------------------------------------------


def test_opening_stock_is_a_restock_movement(world, store):
    _s, soap, _oil, _rice = store
    moves = db.session.scalars(select(StockMovement).where(StockMovement.item_id == soap.id)).all()
    assert [(m.kind, m.delta, m.stock_after) for m in moves] == [("restock", 20, 20)]


def test_redeem_debits_once_moves_stock_and_credits_the_shop(world, store):
    s, soap, _oil, rice = store
    lines = [{"item_id": soap.id, "qty": 2}, {"item_id": rice.id, "qty": 1}, {"item_id": soap.id, "qty": 1}]
    r, created = shop.redeem(s, world.h1, lines, "key-0001-abc", world.users["clerk"])
    db.session.commit()
    assert created and r.total == 3 * 5 + 50 == 65
    assert r.balance_after == 35 == _balance(world.h1)
    assert ledger.current_balance(s.account_id) == 65
    assert _stock(soap) == 17 and _stock(rice) == 9
    assert [(line.name, line.qty, line.price) for line in r.lines] == [("肥皂", 3, 5), ("大米", 1, 50)]
    t = db.session.get(Transfer, r.transfer_id)
    assert (t.kind, t.points, t.from_account_id, t.to_account_id) == (
        "redemption",
        65,
        world.h1.account.id,
        s.account_id,
    )
    assert "肥皂×3" in t.memo and r.receipt_no == f"{s.id:03d}-{r.id:07d}"

    again, created = shop.redeem(s, world.h1, lines, "key-0001-abc", world.users["clerk"])
    db.session.commit()
    assert not created and again.id == r.id
    assert _balance(world.h1) == 35 and _stock(soap) == 17
    assert db.session.scalar(select(func.count(Redemption.id))) == 1


def test_same_key_for_another_cart_is_refused(world, store):
    s, soap, _oil, _rice = store
    shop.redeem(s, world.h1, [{"item_id": soap.id, "qty": 1}], "key-0002-abc", world.users["clerk"])
    with pytest.raises(IdempotencyMismatch):
        shop.redeem(s, world.h1, [{"item_id": soap.id, "qty": 2}], "key-0002-abc", world.users["clerk"])


def test_not_enough_points_changes_nothing(world, store):
    s, soap, _oil, rice = store
    scoring.update_settings(world.village, {"pin_threshold": 1000})
    with pytest.raises(InsufficientBalance, match="100"):
        shop.redeem(
            s,
            world.h1,
            [{"item_id": rice.id, "qty": 2}, {"item_id": soap.id, "qty": 1}],
            "key-0003-a",
            world.users["clerk"],
        )
    db.session.rollback()
    with pytest.raises(NotAllowed):  # and no clerk: refused before anything else
        shop.redeem(s, world.h1, [{"item_id": soap.id, "qty": 1}], "key-0003-b", None)
    assert _balance(world.h1) == 100 and _stock(rice) == 10 and _stock(soap) == 20
    assert db.session.scalar(select(func.count(Redemption.id))) == 0


def test_not_enough_stock_changes_nothing(world, store):
    s, soap, oil, _rice = store
    factories.award(world.h1, 1000, "more")
    scoring.update_settings(world.village, {"pin_threshold": 10_000})
    db.session.commit()
    with pytest.raises(shop.InsufficientStock, match="2"):
        shop.redeem(
            s,
            world.h1,
            [{"item_id": soap.id, "qty": 1}, {"item_id": oil.id, "qty": 3}],
            "key-0004",
            world.users["clerk"],
        )
    db.session.rollback()
    assert _balance(world.h1) == 1100 and _stock(soap) == 20 and _stock(oil) == 2


@pytest.mark.parametrize(
    "lines",
    [[], "x", [{"item_id": "1", "qty": 1}], [{"item_id": 1, "qty": 0}], [{"item_id": 1, "qty": 1000}], [{"qty": 1}]],
)
def test_bad_lines_are_refused(world, store, lines):
    s, *_items = store
    with pytest.raises(DomainError):
        shop.redeem(s, world.h1, lines, "key-0005-x", world.users["clerk"])


def test_an_item_of_another_shop_or_off_sale_is_refused(world, store):
    s, soap, _oil, _rice = store
    other = shop.create_shop(world.village, "二号店", [], world.users["unit_admin"])
    foreign = shop.add_item(other, "牙膏", 5, 10, 1, world.users["clerk"])
    with pytest.raises(DomainError, match=str(foreign.id)):
        shop.redeem(s, world.h1, [{"item_id": foreign.id, "qty": 1}], "key-0006-x", world.users["clerk"])
    shop.update_item(soap, {"active": False}, world.users["clerk"])
    with pytest.raises(DomainError, match="肥皂"):
        shop.redeem(s, world.h1, [{"item_id": soap.id, "qty": 1}], "key-0006-y", world.users["clerk"])


def test_a_shop_serves_its_subtree_and_the_listed_units(world, store):
    s, soap, *_ = store
    factories.award(world.other_h, 50, "fund-other")
    with pytest.raises(DomainError, match=world.other_village.name):
        shop.redeem(s, world.other_h, [{"item_id": soap.id, "qty": 1}], "key-0007-x", world.users["clerk"])
    township_shop = shop.create_shop(world.township, "镇积分超市", ["V2"], world.users["county_admin"])
    assert shop.serves(township_shop, world.h1) and shop.serves(township_shop, world.other_h)
    assert not shop.serves(s, world.other_h)


def test_the_pin_is_asked_above_the_threshold_and_wrong_tries_lock(world, store):
    s, _soap, oil, _rice = store
    clerk = world.users["clerk"]
    one_oil = [{"item_id": oil.id, "qty": 1}]
    scoring.update_settings(world.village, {"pin_threshold": 80})
    # The resident login of H1 has no PIN yet.
    with pytest.raises(shop.PinNeeded, match="还没有 PIN"):
        shop.redeem(s, world.h1, one_oil, "key-pin-0001", clerk)
    pins.set_pin(world.h1.members[0], "13900001234", "2468", world.users["unit_admin"])
    with pytest.raises(shop.PinNeeded):
        shop.redeem(s, world.h1, one_oil, "key-pin-0002", clerk)
    for n in range(pins.MAX_FAILURES):
        with pytest.raises(shop.WrongPin):
            shop.redeem(s, world.h1, one_oil, f"key-pin-1{n:03d}", clerk, pin="1111")
        db.session.commit()  # as the views do: the wrong try is counted
    with pytest.raises(shop.PinNeeded, match="锁定"):
        shop.redeem(s, world.h1, one_oil, "key-pin-0003", clerk, pin="2468")
    pins.unlock(world.h1.members[0], world.users["unit_admin"])
    r, _ = shop.redeem(s, world.h1, one_oil, "key-pin-0004", clerk, pin="2468")
    assert r.total == 85
    # At or below the threshold, no PIN is asked.
    factories.award(world.h1, 100, "more")
    r2, _ = shop.redeem(s, world.h1, [{"item_id": store[3].id, "qty": 1}], "key-pin-0005", clerk)
    assert r2.total == 50


def test_void_restocks_and_reverses_once_and_only_the_same_day(world, store):
    s, soap, _oil, _rice = store
    clerk = world.users["clerk"]
    r, _ = shop.redeem(s, world.h1, [{"item_id": soap.id, "qty": 4}], "key-void-001", clerk)
    db.session.commit()
    with pytest.raises(DomainError):
        shop.void(r, "  ", clerk)
    shop.void(r, "顾客退货", clerk)
    db.session.commit()
    assert _balance(world.h1) == 100 and _stock(soap) == 20 and ledger.current_balance(s.account_id) == 0
    void_t = db.session.scalar(select(Transfer).where(Transfer.reverses_id == r.transfer_id))
    assert (void_t.kind, void_t.memo) == ("void", "顾客退货")
    with pytest.raises(shop.AlreadyVoided):
        shop.void(r, "again", clerk)
    db.session.rollback()

    old, _ = shop.redeem(s, world.h1, [{"item_id": soap.id, "qty": 1}], "key-void-002", clerk)
    db.session.execute(
        update(Redemption).where(Redemption.id == old.id).values(created_at=old.created_at - timedelta(days=1))
    )
    db.session.commit()
    db.session.expire_all()
    assert not shop.can_void(old)
    with pytest.raises(DomainError, match="当天"):
        shop.void(old, "too late", clerk)


def test_restock_and_stock_take(world, store):
    _s, soap, *_ = store
    clerk = world.users["clerk"]
    assert shop.move_stock(soap, "restock", "10", "", clerk).stock_after == 30
    with pytest.raises(DomainError) as missing_reason:
        shop.move_stock(soap, "stocktake", 28, "", clerk)
    assert missing_reason.value.fields.keys() == {"reason"}
    m = shop.move_stock(soap, "stocktake", 28, "两块受潮", clerk)
    assert (m.delta, m.stock_after, m.reason) == (-2, 28, "两块受潮")
    assert shop.move_stock(soap, "stocktake", 28, "复核", clerk) is None
    for bad in (0, -1, "x", True, 10**7):
        with pytest.raises(DomainError):
            shop.move_stock(soap, "restock", bad, "", clerk)
    assert soap.is_low is False and _stock(soap) == 28
    assert [i.name for i in shop.low_stock(store[0])] == []
    shop.move_stock(soap, "stocktake", 3, "清点", clerk)
    assert [i.name for i in shop.low_stock(store[0])] == ["肥皂"]


def test_a_phone_qr_opens_one_cart(world, store, app):
    s, *_ = store
    with app.test_request_context():
        token = cards.phone_token(world.h1)
        cart, household = shop.open_cart(s, token, world.users["clerk"])
        db.session.commit()
        assert household.id == world.h1.id and cart.via == "phone"
        with pytest.raises(cards.CardRefused, match="用过"):
            shop.open_cart(s, token, world.users["clerk"])


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def clerk_api(client, world):
    response = client.post("/api/v1/tokens", json={"username": "clerk", "password": factories.PASSWORD})
    return {"Authorization": "Bearer " + response.json["token"]}


def test_api_checkout_with_ids_out_of_range_is_refused_cleanly(client, world, clerk_api):
    """Ids no database column holds (beyond 64 bits) are answered as unknown, not with a server error."""
    s = shop.create_shop(world.village, "超市", [], world.users["unit_admin"])
    soap = shop.add_item(s, "肥皂", 5, 20, 3, world.users["clerk"])
    factories.award(world.h1, 50, "fund")
    code = cards.current(world.h1).short_code
    shop_id, soap_id = s.id, soap.id
    db.session.commit()
    headers = {**clerk_api, "Idempotency-Key": "huge-ids-0001"}
    huge = 10**30
    body = {"card": code, "shop_id": shop_id, "lines": [{"item_id": huge, "qty": 1}, {"item_id": soap_id, "qty": 1}]}
    bad_item = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert bad_item.status_code == 422 and "lines.0.item_id" in bad_item.json["error"]["fields"]
    bad_shop = client.post("/api/v1/redemptions", json={**body, "shop_id": huge}, headers=headers)
    assert bad_shop.status_code == 404
    assert ledger.household_account(world.h1.id).balance == 50
    assert client.get(f"/api/v1/redemptions/{huge}", headers=clerk_api).status_code == 404


def test_a_refused_api_checkout_writes_nothing_and_leaves_the_phone_qr_unused(client, world, store, clerk_api):
    """On PostgreSQL the API's checkout is one all-or-nothing statement in autocommit: a refusal must
    leave no row behind (no redemption, no audit, no stock or balance move, the phone QR still good)."""
    s, soap, oil, _rice = store
    scoring.update_settings(world.village, {"pin_threshold": 10_000})
    token = cards.phone_token(world.h1)
    shop_id, soap_id, oil_id = s.id, soap.id, oil.id
    db.session.commit()

    def checkout(lines, key):
        body = {"card": token, "shop_id": shop_id, "lines": lines}
        return client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": key})

    too_dear = checkout([{"item_id": oil_id, "qty": 2}], "refused-0001")  # 170 points of the 100
    assert too_dear.status_code == 409 and "100" in too_dear.json["error"]["message"], too_dear.json
    factories.award(world.h1, 1000, "more")
    db.session.commit()
    short = checkout([{"item_id": soap_id, "qty": 1}, {"item_id": oil_id, "qty": 3}], "refused-0002")  # 2 oil left
    assert short.status_code == 409 and f"item_{oil_id}" in short.json["error"]["fields"], short.json
    assert db.session.scalar(select(func.count(Redemption.id))) == 0
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "shop.redeem")) == 0
    assert _balance(world.h1) == 1100 and _stock(soap) == 20 and _stock(oil) == 2
    done = checkout([{"item_id": soap_id, "qty": 1}, {"item_id": oil_id, "qty": 1}], "refused-0003")
    assert done.status_code == 201 and done.json["balance_after"] == 1010, done.json
    again = checkout([{"item_id": soap_id, "qty": 1}], "refused-0004")
    assert again.status_code == 409 and "用过" in again.json["error"]["message"], again.json
    assert _balance(world.h1) == 1010 and _stock(soap) == 19 and _stock(oil) == 1


def test_api_shop_items_stock_and_checkout(client, world, clerk_api):
    admin = client.post("/api/v1/tokens", json={"username": "unit_admin", "password": factories.PASSWORD}).json
    admin_h = {"Authorization": "Bearer " + admin["token"]}
    made = client.post("/api/v1/shops", json={"unit": "V1", "name": "村超市", "served": []}, headers=admin_h)
    assert made.status_code == 201, made.json
    shop_id = made.json["id"]
    assert client.post("/api/v1/shops", json={"unit": "V1", "name": "x"}, headers=clerk_api).status_code == 403
    item = client.post(
        f"/api/v1/shops/{shop_id}/items", json={"name": "肥皂", "price": 5, "stock": 3}, headers=clerk_api
    )
    assert item.status_code == 201 and item.json["stock"] == 3
    bad = client.post(f"/api/v1/shops/{shop_id}/items", json={"name": "", "price": 0}, headers=clerk_api)
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"name", "price"}
    item_id = item.json["id"]
    restock = client.post(
        f"/api/v1/shops/{shop_id}/items/{item_id}/stock", json={"kind": "restock", "qty": 7}, headers=clerk_api
    )
    assert restock.status_code == 201 and restock.json["item"]["stock"] == 10
    factories.award(world.h1, 12, "fund")
    card = cards.current(world.h1)
    body = {"card": card.short_code, "shop_id": shop_id, "lines": [{"item_id": item_id, "qty": 2}]}
    first = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-key-0001"})
    assert first.status_code == 201, first.json
    assert (first.json["total"], first.json["balance_after"]) == (10, 2)
    replay = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-key-0001"})
    assert replay.status_code == 200 and replay.json["id"] == first.json["id"]
    short = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-key-0002"})
    assert short.status_code == 409 and "2" in short.json["error"]["message"]
    no_key = client.post("/api/v1/redemptions", json=body, headers=clerk_api)
    assert no_key.status_code == 422
    voided = client.post(f"/api/v1/redemptions/{first.json['id']}/void", json={"reason": "退货"}, headers=clerk_api)
    assert voided.status_code == 200 and voided.json["voided"] is True
    twice = client.post(f"/api/v1/redemptions/{first.json['id']}/void", json={"reason": "退货"}, headers=clerk_api)
    assert twice.status_code == 409
    assert _balance(world.h1) == 12


def test_api_refuses_a_replaced_card_and_a_used_phone_qr(client, world, clerk_api, store, app):
    s, soap, *_ = store
    old = cards.current(world.h1)
    cards.reissue(world.h1)
    body = {"card": old.short_code, "shop_id": s.id, "lines": [{"item_id": soap.id, "qty": 1}]}
    refused = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-rev-0001"})
    assert refused.status_code == 409 and "换发" in refused.json["error"]["message"]
    with app.test_request_context():
        phone = cards.phone_token(world.h1)
    body["card"] = phone
    ok = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-phone-001"})
    assert ok.status_code == 201
    # A retry of that request still gets its receipt; a new checkout with the same QR is refused.
    retry = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-phone-001"})
    assert retry.status_code == 200 and retry.json["id"] == ok.json["id"]
    used = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-phone-002"})
    assert used.status_code == 409 and "用过" in used.json["error"]["message"]
    assert _balance(world.h1) == 95


def test_api_refuses_an_expired_phone_qr(client, world, clerk_api, store, app):
    s, soap, *_ = store
    with app.test_request_context():
        phone = cards.phone_token(world.h1)
    app.config["PHONE_QR_SECONDS"] = -1
    try:
        body = {"card": phone, "shop_id": s.id, "lines": [{"item_id": soap.id, "qty": 1}]}
        r = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-exp-0001"})
    finally:
        app.config["PHONE_QR_SECONDS"] = 120
    assert r.status_code == 409 and "过期" in r.json["error"]["message"]


def test_api_pin_threshold(client, world, clerk_api, store):
    s, _soap, oil, _rice = store
    pins.set_pin(world.h1.members[0], "13900001234", "2468", world.users["unit_admin"])
    body = {"card": cards.current(world.h1).short_code, "shop_id": s.id, "lines": [{"item_id": oil.id, "qty": 1}]}
    db.session.commit()
    scoring.update_settings(world.village, {"pin_threshold": 50})
    no_pin = client.post("/api/v1/redemptions", json=body, headers={**clerk_api, "Idempotency-Key": "api-pin-0001"})
    assert no_pin.status_code == 403 and "pin" in no_pin.json["error"]["fields"]
    wrong = client.post(
        "/api/v1/redemptions", json={**body, "pin": "0000"}, headers={**clerk_api, "Idempotency-Key": "api-pin-0002"}
    )
    assert wrong.status_code == 403
    assert world.h1.members[0] and pins.login_of(world.h1.members[0]).pin_failures == 1
    right = client.post(
        "/api/v1/redemptions", json={**body, "pin": "2468"}, headers={**clerk_api, "Idempotency-Key": "api-pin-0003"}
    )
    assert right.status_code == 201 and right.json["balance_after"] == 15


# --- pages -----------------------------------------------------------------------------------


def test_checkout_pages_scan_cart_receipt_void(login_as, world, store):
    s, soap, _oil, rice = store
    clerk = login_as("clerk")
    code = cards.current(world.h1).short_code
    page = clerk.get(f"/shops/{s.id}/checkout")
    assert page.status_code == 200 and "jsQR.js" in page.get_data(as_text=True)
    bad = clerk.post(f"/shops/{s.id}/checkout", data={"code": "ABCD2345"})
    assert bad.status_code == 409 and "ABCD2345" in bad.get_data(as_text=True)
    opened = clerk.post(f"/shops/{s.id}/checkout", data={"code": code.lower()[:4] + " " + code.lower()[4:]})
    assert opened.status_code == 302
    cart_url = opened.headers["Location"]
    cart = clerk.get(cart_url).get_data(as_text=True)
    assert world.h1.head_name in cart and "肥皂" in cart and ">100<" in cart
    # A typo keeps what was typed.
    typo = clerk.post(cart_url, data={f"qty_{soap.id}": "2x", f"qty_{rice.id}": "1"})
    assert typo.status_code == 422 and 'value="2x"' in typo.get_data(as_text=True)
    done = clerk.post(cart_url, data={f"qty_{soap.id}": "2", f"qty_{rice.id}": "1"})
    assert done.status_code == 302 and "/redemptions/" in done.headers["Location"]
    # A double tap (the same cart posted again) lands on the same receipt and redeems nothing more.
    again = clerk.post(cart_url, data={f"qty_{soap.id}": "2", f"qty_{rice.id}": "1"})
    assert again.headers["Location"] == done.headers["Location"]
    receipt = clerk.get(done.headers["Location"]).get_data(as_text=True)
    assert "60" in receipt and 'data-testid="receipt-balance">40<' in receipt
    assert _balance(world.h1) == 40
    thermal = clerk.get(done.headers["Location"] + "?layout=58mm").get_data(as_text=True)
    assert "receipt thermal" in thermal
    voided = clerk.post(done.headers["Location"] + "/void", data={"reason": "拿错了"})
    assert voided.status_code == 302
    assert "拿错了" in clerk.get(done.headers["Location"]).get_data(as_text=True)
    assert _balance(world.h1) == 100 and _stock(soap) == 20


def test_cart_refusals_keep_the_cart(login_as, world, store):
    s, soap, oil, _rice = store
    clerk = login_as("clerk")
    opened = clerk.post(f"/shops/{s.id}/checkout", data={"code": cards.current(world.h1).short_code})
    cart_url = opened.headers["Location"]
    short = clerk.post(cart_url, data={f"qty_{oil.id}": "2", f"qty_{soap.id}": "1"})
    body = short.get_data(as_text=True)
    assert short.status_code == 409  # 175 points: under the PIN threshold, over the balance
    assert 'value="2"' in body and 'value="1"' in body
    empty = clerk.post(cart_url, data={})
    assert empty.status_code == 422 and "购物单是空的" in empty.get_data(as_text=True)
    tampered = clerk.get(cart_url[:-3] + "abc", follow_redirects=True)
    assert "重新扫卡" in tampered.get_data(as_text=True)


def test_shop_admin_pages_and_public_catalog(login_as, client, world, store):
    s, soap, *_ = store
    admin = login_as("unit_admin")
    assert "山中村积分超市" in admin.get("/shops").get_data(as_text=True)
    created = admin.post("/shops", data={"unit": world.village.id, "name": "二号店", "served": ""})
    assert created.status_code == 302
    dup = admin.post("/shops", data={"unit": world.village.id, "name": "二号店", "served": ""})
    assert dup.status_code == 422
    added = admin.post(f"/shops/{s.id}", data={"name": "牙膏", "price": "5", "stock": "12", "low_stock": ""})
    assert added.status_code == 302
    bad = admin.post(f"/shops/{s.id}", data={"name": "洗衣粉", "price": "abc", "stock": "-1"})
    assert bad.status_code == 422 and 'value="洗衣粉"' in bad.get_data(as_text=True)
    stocked = admin.post(f"/shops/{s.id}/items/{soap.id}/stock", data={"kind": "stocktake", "qty": "18", "reason": ""})
    assert stocked.status_code == 422 and 'value="18"' in stocked.get_data(as_text=True)
    admin.post(f"/shops/{s.id}/items/{soap.id}/stock", data={"kind": "stocktake", "qty": "2", "reason": "盘点"})
    page = admin.get(f"/shops/{s.id}").get_data(as_text=True)
    assert 'data-testid="low-stock"' in page and "肥皂" in page
    catalog = client.get(f"/shops/{s.id}/catalog")
    assert catalog.status_code == 200 and "牙膏" in catalog.get_data(as_text=True)
    assert catalog.headers["Cache-Control"] == "public, max-age=60"


def test_another_village_clerk_cannot_use_the_shop(app, client, world, store):
    s, *_ = store
    other_clerk = factories.user("clerk2", "clerk", world.other_village)
    db.session.commit()
    c = app.test_client()
    c.post("/login", data={"username": other_clerk.username, "password": factories.PASSWORD})
    assert c.get(f"/shops/{s.id}/checkout").status_code == 403
    assert c.get(f"/shops/{s.id}").status_code == 403


def test_the_passbook_shows_each_redemption_with_its_items_and_each_void_with_its_reason(login_as, world, store):
    s, soap, _oil, rice = store
    clerk = world.users["clerk"]
    kept, _ = shop.redeem(
        s, world.h1, [{"item_id": soap.id, "qty": 2}, {"item_id": rice.id, "qty": 1}], "pb-key-0001", clerk
    )
    undone, _ = shop.redeem(s, world.h1, [{"item_id": soap.id, "qty": 1}], "pb-key-0002", clerk)
    shop.void(undone, "拿错了", clerk)
    db.session.commit()
    resident = login_as("resident")
    resident.post("/language", data={"locale": "en"})
    page = resident.get(f"/households/{world.h1.id}/passbook").get_data(as_text=True)
    assert "Redeemed at 山中村积分超市" in page
    assert f"肥皂×2、大米×1 · receipt {kept.receipt_no}" in page
    assert f"拿错了 · receipt {undone.receipt_no}" in page and "Voided redemption" in page
    assert 'data-testid="balance">40<' in page


def test_the_cart_page_asks_for_the_pin_above_the_unit_threshold(login_as, world, store):
    s, _soap, oil, _rice = store
    pins.set_pin(world.h1.members[0], "13900001234", "2468", world.users["unit_admin"])
    admin = login_as("unit_admin")
    saved = admin.post(
        f"/scoring/units/{world.village.id}/settings",
        data={"notice_days": "3", "name_privacy": "masked", "pin_threshold": "80"},
    )
    assert saved.status_code == 302 and scoring.settings_for(world.village).pin_threshold == 80
    bad = admin.post(
        f"/scoring/units/{world.village.id}/settings",
        data={"notice_days": "3", "name_privacy": "masked", "pin_threshold": "-5"},
    )
    assert bad.status_code == 422 and 'value="-5"' in bad.get_data(as_text=True)
    clerk = login_as("clerk")
    cart_url = clerk.post(f"/shops/{s.id}/checkout", data={"code": cards.current(world.h1).short_code}).headers[
        "Location"
    ]
    page = clerk.get(cart_url).get_data(as_text=True)
    assert 'data-threshold="80"' in page
    no_pin = clerk.post(cart_url, data={f"qty_{oil.id}": "1"})
    assert no_pin.status_code == 403 and 'value="1"' in no_pin.get_data(as_text=True)
    wrong = clerk.post(cart_url, data={f"qty_{oil.id}": "1", "pin": "1111"})
    assert wrong.status_code == 403
    assert pins.login_of(world.h1.members[0]).pin_failures == 1  # counted, though the checkout was refused
    right = clerk.post(cart_url, data={f"qty_{oil.id}": "1", "pin": "2468"})
    assert right.status_code == 302 and _balance(world.h1) == 15
