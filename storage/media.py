"""Blobs (citizens' photos) stored once by content hash, behind one small interface.

The database keeps only the key; the bytes live in a `MediaStore`.  The embedded default writes
files under var/media/ (directories 0700, files 0600); at scale an S3-compatible store implements
the same three methods.  Calls are blocking file I/O: async callers use `asyncio.to_thread`.
"""
from __future__ import annotations

import hashlib
import os
import re
from abc import ABC, abstractmethod
from pathlib import Path

__all__ = ["MediaStore", "LocalMediaStore", "MediaKeyError"]

_KEY = re.compile(r"^[0-9a-f]{64}(?:\.[a-z0-9]{1,8})?$")


class MediaKeyError(KeyError):
    """No blob under that key (or the key is not one of ours)."""


class MediaStore(ABC):
    @abstractmethod
    def put(self, data: bytes, suffix: str = "") -> str:
        """Store bytes; the key is their SHA-256 (plus suffix), so the same photo is stored once."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes under `key`; MediaKeyError when absent."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @staticmethod
    def key_for(data: bytes, suffix: str = "") -> str:
        return hashlib.sha256(data).hexdigest() + suffix


class LocalMediaStore(MediaStore):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise MediaKeyError(key)
        return self.root / key[:2] / key

    def put(self, data: bytes, suffix: str = "") -> str:
        key = self.key_for(data, suffix)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.replace(path)   # atomic: a reader never sees half a photo
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise MediaKeyError(key) from exc

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except MediaKeyError:
            return False
