"""Photos of sheets and deeds: checked, re-encoded without EXIF, shown only to who may see the household."""

import io

import pytest
from flask_babel import gettext as _
from PIL import Image

from moral_bank.core import photos
from moral_bank.core.db import db
from moral_bank.core.errors import DomainError
from moral_bank.core.time import month_of, today
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.scoring import deeds, sheets
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Deed

from .factories import PASSWORD, user
from .test_rating_sheets import FULL
from .test_scoring_setup import demo_items


def picture(fmt: str = "JPEG", size=(40, 30), exif: bool = False, mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, "red" if mode == "RGB" else (255, 0, 0, 128))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x0112] = 6  # orientation: rotate 90° to show
        data[0x010F] = "PhoneMaker"
        data[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS
        image.save(out, fmt, exif=data)
    else:
        image.save(out, fmt)
    return out.getvalue()


def test_a_phone_photo_is_turned_upright_and_loses_its_metadata(app):
    photo = photos.store(picture(exif=True, size=(40, 30)))
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG" and stored.size == (30, 40)  # rotated as the phone meant
    assert not stored.getexif() and "exif" not in stored.info
    assert len(photo.token) >= 40 and photo.content_type == "image/jpeg"


def test_large_photos_are_shrunk_and_png_webp_accepted(app):
    big = photos.store(picture(size=(4000, 3000)))
    assert (big.width, big.height) == (1600, 1200)
    assert photos.store(picture("PNG", mode="RGBA")).width == 40
    assert photos.store(picture("WEBP")).width == 40


UNREADABLE = "This file is not a photo we can read. Please send a JPEG, PNG or WebP."


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The photo is empty."),
        (b"not an image at all", UNREADABLE),
        (picture("GIF"), "Please send a JPEG, PNG or WebP photo."),
    ],
)
def test_what_is_not_an_accepted_photo_is_refused(app, raw, message):
    with pytest.raises(DomainError) as err:
        photos.store(raw)
    assert (err.value.field, err.value.message) == ("photo", _(message))


def test_too_large_a_file_is_refused(app):
    app.config["PHOTO_MAX_BYTES"] = 1000
    try:
        with pytest.raises(DomainError):
            photos.store(picture(size=(400, 400)))
    finally:
        app.config["PHOTO_MAX_BYTES"] = 10_000_000


@pytest.fixture
def photographed(world, login_as):
    scoring.new_rubric_version(world.county, demo_items())
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    db.session.commit()
    scorer = login_as("scorer")
    form = {f"item_{code}": str(points) for code, points in FULL.items()}
    response = scorer.post(
        f"/scoring/households/{world.h1.id}/sheet",
        data={**form, "action": "draft", "photo": (io.BytesIO(picture(exif=True)), "IMG_0001.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    world.sheet = sheets.sheet_for(world.h1, month_of())
    return world


def test_a_scorer_attaches_a_photo_and_only_those_who_may_see_the_household_see_it(photographed, login_as, app):
    url = f"/scoring/photos/{photographed.sheet.photo.token}"
    seen = login_as("scorer").get(url)
    assert seen.status_code == 200 and seen.mimetype == "image/jpeg"
    assert b"PhoneMaker" not in seen.get_data()
    assert login_as("resident").get(url).status_code == 200  # the household's own resident
    assert login_as("unit_admin").get(url).status_code == 200
    outsider = user("outsider", "unit_admin", photographed.other_village)
    db.session.commit()
    client = app.test_client()
    assert client.get(url).status_code == 302  # not signed in: to the sign-in page
    client.post("/login", data={"username": outsider.username, "password": PASSWORD})
    assert client.get(url).status_code == 403
    assert client.get("/scoring/photos/nope").status_code == 404
    page = login_as("scorer").get(f"/scoring/households/{photographed.h1.id}/sheet").get_data(as_text=True)
    assert 'data-testid="sheet-photo"' in page


def test_a_bad_photo_is_explained_and_what_was_typed_stays(photographed, login_as):
    scorer = login_as("scorer")
    scorer.post("/language", data={"locale": "en"})
    form = {f"item_{code}": str(points) for code, points in FULL.items()}
    response = scorer.post(
        f"/scoring/households/{photographed.h1.id}/sheet",
        data={**form, "item_xiao-elders": "7", "action": "draft", "photo": (io.BytesIO(b"GIF89a-no"), "x.gif")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "not a photo we can read" in page and 'value="7"' in page
    db.session.expire_all()
    assert sheets.sheet_for(photographed.h1, month_of()).scores[0].points == FULL["xiao-elders"]


def test_a_deed_with_a_photo(photographed, login_as):
    scorer = login_as("scorer")
    response = scorer.post(
        f"/scoring/households/{photographed.h1.id}/deeds/new",
        data={
            "category": "hygiene",
            "points": "5",
            "reason": "清理河道垃圾",
            "happened_on": today().isoformat(),
            "client_key": "deed-photo-0001",
            "photo": (io.BytesIO(picture("PNG")), "river.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    deed = db.session.scalar(db.select(Deed))
    assert deed.photo is not None and deed.photo.width == 40
    assert login_as("unit_admin").get(f"/scoring/photos/{deed.photo.token}").status_code == 200
