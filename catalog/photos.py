"""Profile photos: validated by content with Pillow, re-encoded to fixed sizes without EXIF.

Refused uploads raise ValidationError before anything is written anywhere.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE_PX = 8000
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
LARGE_PX = 600
THUMB_PX = 160


@dataclass(frozen=True)
class ProcessedPhoto:
    large: ContentFile
    thumb: ContentFile
    original: ContentFile
    extension: str
    digest: str


def _square(image: Image.Image, size: int) -> ContentFile:
    fitted = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image from pixels only: no EXIF, GPS or other metadata survives.
    fitted.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue())


def photo_process(upload) -> ProcessedPhoto:
    """Checks size, type (by content), dimensions and integrity; returns the files to store."""
    if upload.size > MAX_BYTES:
        raise ValidationError(f"That photo is {upload.size / 1024 / 1024:.1f} MB; the limit is 5 MB.")
    data = upload.read()
    if len(data) > MAX_BYTES:
        raise ValidationError("That photo is larger than 5 MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
    except Image.DecompressionBombError:
        raise ValidationError(f"That image has far too many pixels; the limit is {MAX_SIDE_PX} on each side.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError("That file is not a JPG, PNG or WebP image.") from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError("Upload a JPG, PNG or WebP image.")
    if width > MAX_SIDE_PX or height > MAX_SIDE_PX or width * height > MAX_PIXELS:
        raise ValidationError(f"That image is {width}×{height} pixels; the limit is {MAX_SIDE_PX} on each side.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError("That image is damaged or incomplete. Please try another file.") from None
    return ProcessedPhoto(
        large=_square(image, LARGE_PX),
        thumb=_square(image, THUMB_PX),
        original=ContentFile(data),
        extension=ALLOWED_FORMATS[image_format],
        digest=hashlib.sha256(data).hexdigest(),
    )


# The profile's photo fields and the name each file gets after the photo's stem.
PHOTO_FIELDS = (
    ("photo", "{stem}.jpg"),
    ("photo_thumb", "{stem}-thumb.jpg"),
    ("photo_original", "{stem}-original.{ext}"),
)


def photo_store(*, stem: str, processed: ProcessedPhoto) -> dict[str, str]:
    """Writes the three files (public sizes, private original) under new names and returns
    {field: stored name}. If any write fails, the ones already written are removed."""
    from catalog.models import InstructorProfile

    contents = {"photo": processed.large, "photo_thumb": processed.thumb, "photo_original": processed.original}
    written: dict[str, str] = {}
    try:
        for attr, pattern in PHOTO_FIELDS:
            field = InstructorProfile._meta.get_field(attr)
            name = field.generate_filename(None, pattern.format(stem=stem, ext=processed.extension))
            written[attr] = field.storage.save(name, contents[attr], max_length=field.max_length)
    except BaseException:
        photo_delete_files(written)
        raise
    return written


def photo_delete_files(files: dict[str, str]) -> None:
    """Removes photo files ({field: name}) from their fields' storages, except a file another
    profile still uses (the demo instructors share a few generated portraits)."""
    from django.db.models import Q

    from catalog.models import InstructorProfile

    if not files:
        return
    names = list(files.values())
    in_use = InstructorProfile.objects.filter(
        Q(photo__in=names) | Q(photo_thumb__in=names) | Q(photo_original__in=names)
    ).values_list("photo", "photo_thumb", "photo_original")
    still_used = {name for row in in_use for name in row}
    for attr, name in files.items():
        if not name or name in still_used:
            continue
        storage = InstructorProfile._meta.get_field(attr).storage
        if storage.exists(name):
            storage.delete(name)
