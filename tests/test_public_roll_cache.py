"""The public roll is cached per unit, period and language (honors/page_cache.py) and changes at once
after a star is approved or revoked, the black list changes, or the unit's score changes."""

from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.governance.models import UnitScore
from moral_bank.honors import page_cache
from moral_bank.honors import service as honors
from moral_bank.honors.models import Honor, StarCategory
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Deed

from .test_honors import last_month, rated  # noqa: F401  (the fixture)
from .test_red_black_list import deducted  # noqa: F401  (the fixture)


def page(client, lang: str = "zh-CN") -> str:
    response = client.get("/roll/V1", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def three_zero_star(world) -> Honor:
    category = db.session.scalar(select(StarCategory).where(StarCategory.code == "three-zero"))
    return db.session.scalar(select(Honor).where(Honor.household_id == world.h1.id, Honor.category_id == category.id))


def test_a_star_shows_at_once_when_approved_and_goes_when_revoked(client, world, rated):  # noqa: F811
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    db.session.commit()
    assert "三零创建之星" not in page(client)  # cached now, without the star
    version = page_cache.data_version()
    honors.approve(three_zero_star(world), admin)
    db.session.commit()
    assert page_cache.data_version() != version
    assert "三零创建之星" in page(client)
    honors.revoke(three_zero_star(world), "复核不实", admin)
    db.session.commit()
    assert "三零创建之星" not in page(client)


def test_the_cached_page_is_served_until_something_changes(client, world, rated):  # noqa: F811
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    honors.approve(three_zero_star(world), admin)
    db.session.commit()
    first = page(client)
    # A change the page would show, made behind the app's back (no commit through the session's events):
    # the cached page is served as it was.
    with db.engine.begin() as conn:
        conn.execute(Honor.__table__.update().values(status="revoked"))
    assert page(client) == first


def test_the_page_is_rebuilt_when_the_month_turns(client, world, rated, monkeypatch):  # noqa: F811
    """Without a period the page shows the latest roll and last month's black list and score: a new month
    must not be served the old month's page, even when no data changed."""
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    honors.approve(three_zero_star(world), admin)
    db.session.commit()
    assert "三零创建之星" in page(client)
    with db.engine.begin() as conn:  # behind the app's back, as above
        conn.execute(Honor.__table__.update().values(status="revoked"))
    assert "三零创建之星" in page(client)
    monkeypatch.setattr(page_cache, "month_of", lambda: "2099-01")
    assert "三零创建之星" not in page(client)


def test_each_language_has_its_own_page(client, world, rated):  # noqa: F811
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    honors.approve(three_zero_star(world), admin)
    db.session.commit()
    chinese, english, traditional = page(client, "zh-CN"), page(client, "en"), page(client, "zh-TW")
    assert "三零创建之星" in chinese and "Three-Zero Star" in english and "三零創建之星" in traditional


def test_the_black_list_shows_once_the_unit_turns_it_on(client, world, deducted):  # noqa: F811
    before = page(client)
    assert 'data-testid="public-black-list"' not in before
    scoring.update_settings(world.village, {"black_list_public": True})
    db.session.commit()
    shown = page(client)
    assert 'data-testid="public-black-list"' in shown
    deed = db.session.scalars(select(Deed)).first()
    assert deed is not None


def test_a_new_score_shows_at_once(client, world, rated):  # noqa: F811
    from moral_bank.governance import service as governance

    first = page(client)
    score = governance.last_month_score(world.village)
    assert f"{score.score:.2f}" in first
    db.session.commit()
    stored = db.session.scalar(
        select(UnitScore).where(UnitScore.unit_id == world.village.id, UnitScore.month == score.month)
    )
    if stored is None:
        from moral_bank.governance import scores

        scores.compute(score.month, unit_ids=[world.village.id])
        db.session.commit()
        stored = db.session.scalar(
            select(UnitScore).where(UnitScore.unit_id == world.village.id, UnitScore.month == score.month)
        )
    stored.score = 12.34
    db.session.commit()
    assert "12.34" in page(client)
