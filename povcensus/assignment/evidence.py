"""Checking evidence photos (说明佐证) by their bytes, never by their name (pure).

Invariants: a file is accepted only if its first bytes are those of a JPEG, PNG or WebP
image and it is at most :data:`MAX_BYTES` long; the content type stored is the one the
bytes show, not the one the client claimed; the digest is SHA-256 of the exact bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 6
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


@dataclass(frozen=True)
class CheckedPhoto:
    name: str
    data: bytes
    content_type: str
    extension: str
    sha256: str


class PhotoRejectedError(Exception):
    def __init__(self, problem: str, name: str) -> None:
        super().__init__(f"{problem}: {name}")
        self.problem = problem  # "type" or "size"
        self.name = name


def image_type(data: bytes) -> tuple[str, str] | None:
    """Return (content type, extension) of a JPEG, PNG or WebP image, else None."""
    for signature, content_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def check_photo(name: str, data: bytes) -> CheckedPhoto:
    """Return the checked photo or raise :class:`PhotoRejectedError`."""
    if len(data) > MAX_BYTES:
        raise PhotoRejectedError("size", name)
    kind = image_type(data)
    if kind is None:
        raise PhotoRejectedError("type", name)
    return CheckedPhoto(
        name=name,
        data=data,
        content_type=kind[0],
        extension=kind[1],
        sha256=hashlib.sha256(data).hexdigest(),
    )
