"""Photos attached to sheets and deeds: checked, re-encoded (which drops EXIF and GPS), kept in the
database under an unguessable token, and shown only to someone allowed to see the record."""

import io
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import LargeBinary, String, select
from sqlalchemy.orm import Mapped, deferred, mapped_column

from .db import UTCDateTime, db, utcnow
from .errors import DomainError

ACCEPTED = {"JPEG", "PNG", "WEBP"}
# A file's name must say what it is: a photo named .exe or .gif, or a PNG named .jpg, is refused.
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "jfif": "JPEG", "png": "PNG", "webp": "WEBP"}
LONGEST_SIDE = 1600
# Decompression bombs: refuse anything with more pixels than a 50-megapixel camera makes.
Image.MAX_IMAGE_PIXELS = 50_000_000


class Photo(db.Model):
    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True, default=lambda: secrets.token_urlsafe(32))
    content_type: Mapped[str] = mapped_column(String(30), default="image/jpeg")
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def store(raw: bytes, actor=None, field: str = "photo", filename: str | None = None) -> Photo:
    """Check an uploaded image and keep a re-encoded JPEG of it (at most 1600 px on its longest side).

    With a `filename`, its extension must be .jpg/.jpeg/.png/.webp and match what the file is."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    extension = filename.rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    if filename is not None and extension not in EXTENSIONS:
        raise DomainError(
            _("%(name)s: only files ending in .jpg, .jpeg, .png or .webp are accepted.", name=filename[-60:]),
            field=field,
        )
    if not raw:
        raise DomainError(_("The photo is empty."), field=field)
    if len(raw) > limit:
        raise DomainError(_("The photo is too large: at most %(mb)s MB.", mb=limit // 1_000_000), field=field)
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in ACCEPTED:
                raise DomainError(_("Please send a JPEG, PNG or WebP photo."), field=field)
            if filename is not None and EXTENSIONS[extension] != image.format:
                raise DomainError(
                    _(
                        "%(name)s: the name does not match the picture inside; please send it as taken.",
                        name=filename[-60:],
                    ),
                    field=field,
                )
            image.load()
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise DomainError(
            _("This file is not a photo we can read. Please send a JPEG, PNG or WebP."), field=field
        ) from None
    picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=82, optimize=True)  # no exif= argument: nothing of the original's metadata
    data = out.getvalue()
    photo = Photo(width=picture.width, height=picture.height, size=len(data), data=data)
    photo.uploaded_by_id = getattr(actor, "id", None)
    db.session.add(photo)
    db.session.flush()
    return photo


def by_token(token: str) -> Photo | None:
    if not isinstance(token, str) or len(token) > 43:
        return None
    return db.session.scalar(select(Photo).where(Photo.token == token))
