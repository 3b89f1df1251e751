"""Citizens' photos: accepted by content, stored once by hash, privately, with a thumbnail."""
from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

from handlers.media import MAX_PHOTO_BYTES, MediaRejected, store_photo
from storage.media import LocalMediaStore, MediaKeyError


def picture(fmt: str = "JPEG", size: tuple[int, int] = (1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt, mime", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"),
                                       ("GIF", "image/gif")])
def test_photos_are_stored_once_with_a_small_thumbnail(tmp_path: Path, fmt: str, mime: str) -> None:
    store = LocalMediaStore(tmp_path / "media")
    data = picture(fmt)
    first, again = store_photo(store, data), store_photo(store, data)
    assert first == again and first.mime == mime and (first.width, first.height) == (1200, 800)
    assert store.get(first.key) == data
    with Image.open(io.BytesIO(store.get(first.thumb_key))) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
    files = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert len(files) == 2
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in files)


@pytest.mark.parametrize("data", [
    b"<html><script>alert(1)</script></html>",      # a page named photo.jpg
    b"%PDF-1.7\n" + b"0" * 100,
    picture("JPEG")[:200],                           # cut off mid-download
    picture("BMP", (10, 10)),                        # an image, but not a type we show
])
def test_what_is_not_an_accepted_image_is_refused_by_its_content(tmp_path: Path, data: bytes) -> None:
    store = LocalMediaStore(tmp_path / "media")
    with pytest.raises(MediaRejected):
        store_photo(store, data)
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


def test_oversized_photos_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaRejected):
        store_photo(LocalMediaStore(tmp_path), b"\xff\xd8" + b"0" * MAX_PHOTO_BYTES)


@pytest.mark.parametrize("key", ["../../etc/passwd", "abc", "0" * 64 + "/x", ""])
def test_keys_cannot_reach_outside_the_store(tmp_path: Path, key: str) -> None:
    store = LocalMediaStore(tmp_path)
    with pytest.raises(MediaKeyError):
        store.get(key)
    assert store.exists(key) is False
