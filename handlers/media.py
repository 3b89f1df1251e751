"""Photos from citizens: checked by their content (not their name), stored once, with a thumbnail.

A platform may send anything under a photo's name.  Pillow decodes the header to learn the real
format and size; only JPEG, PNG, WebP and GIF within the pixel cap pass, so a file that is not an
image, or a decompression bomb, is refused before it reaches staff.  The thumbnail is re-encoded
JPEG, which also drops metadata such as GPS coordinates the citizen may not mean to share.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from storage.media import MediaStore

__all__ = ["MediaRejected", "StoredPhoto", "MAX_PHOTO_BYTES", "store_photo"]

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMB_SIZE = (320, 320)
_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp"),
            "GIF": ("image/gif", ".gif")}


class MediaRejected(ValueError):
    """Not an image we accept (wrong content, too big, broken)."""


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    key: str
    thumb_key: str
    mime: str
    size: int
    width: int
    height: int


def store_photo(store: MediaStore, data: bytes) -> StoredPhoto:
    """Validate, store the original and a thumbnail; blocking (call it in a worker thread)."""
    if len(data) > MAX_PHOTO_BYTES:
        raise MediaRejected(f"photo of {len(data)} bytes is over {MAX_PHOTO_BYTES}")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in _FORMATS:
                raise MediaRejected(f"{image.format or 'unknown'} is not an accepted image type")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise MediaRejected(f"{width}x{height} is too many pixels")
            mime, suffix = _FORMATS[image.format]
            image.thumbnail(THUMB_SIZE)
            thumb = io.BytesIO()
            image.convert("RGB").save(thumb, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise MediaRejected(f"not a readable image: {type(exc).__name__}") from exc
    key = store.put(data, suffix)
    thumb_key = store.put(thumb.getvalue(), ".jpg")
    return StoredPhoto(key, thumb_key, mime, len(data), width, height)
