"""Cached task results carry a keyed digest (HMAC-SHA256), so only what this pipeline wrote is ever unpickled.

Why: cached ingest and validation results are pickles under ``<warehouse folder>/.prefect-cache``, and reading a
pickle runs whatever code it names. Whoever can write beside the warehouse could plant one. Each entry is
written as a header line, the HMAC of the content, and the content; an entry whose HMAC does not verify with the
key is never deserialised (the step runs again and overwrites it).

The key lives outside the warehouse folder — ``~/.config/bisa-sdg/cache.key`` or the file named by
``BISA_SDG_CACHE_KEY_FILE`` — readable by its owner only, created on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE_ENV = "BISA_SDG_CACHE_KEY_FILE"
HEADER = b"bisa-sdg cached result, hmac-sha256\n"
_DIGEST_HEX = 64


class UnsignedEntryError(ValueError):
    """A cache entry that this pipeline did not write (no header, or a digest that does not verify)."""


def key_file() -> Path:
    """Where the key is kept: $BISA_SDG_CACHE_KEY_FILE, else ~/.config/bisa-sdg/cache.key."""
    configured = os.environ.get(KEY_FILE_ENV)
    return Path(configured) if configured else Path.home() / ".config" / "bisa-sdg" / "cache.key"


def load_key(path: Path | None = None) -> bytes:
    """The key, created (32 random bytes, mode 0600) if absent; a key others can read or write is refused."""
    path = Path(path or key_file())
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another run created it meanwhile
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_hex(32).encode())
    mode = path.stat().st_mode
    if mode & 0o077:
        raise PermissionError(
            f"{path}: the cache key must be readable by its owner only (mode {oct(mode & 0o777)}); "
            f"run `chmod 600 {path}`"
        )
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise PermissionError(f"{path}: the cache key is too short; delete the file to have a new one made")
    return key


def sign(content: bytes, key: bytes) -> bytes:
    """The entry as stored: header, hex digest, newline, content."""
    return HEADER + hmac.new(key, content, hashlib.sha256).hexdigest().encode() + b"\n" + content


def verify(data: bytes, key: bytes, where: str) -> bytes:
    """The content of a stored entry, or :class:`UnsignedEntryError` naming ``where``."""
    start = len(HEADER)
    if not data.startswith(HEADER) or data[start + _DIGEST_HEX : start + _DIGEST_HEX + 1] != b"\n":
        raise UnsignedEntryError(f"{where}: not a signed bisa-sdg cache entry; ignored")
    digest, content = data[start : start + _DIGEST_HEX], data[start + _DIGEST_HEX + 1 :]
    expected = hmac.new(key, content, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(digest, expected):
        raise UnsignedEntryError(f"{where}: the cache entry's digest does not verify; ignored")
    return content
