"""Prefect result storage that signs what it writes and refuses to hand back what it did not sign.

The signing is :mod:`bisa_sdg.acquire.cache_signing`; this is only the adapter Prefect calls. A refused entry reads as
missing: Prefect's cache lookup then treats it as a miss, the task runs and its result overwrites the entry.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path

from prefect.filesystems import LocalFileSystem

from bisa_sdg.acquire.cache_signing import UnsignedEntryError, load_key, sign, verify

log = logging.getLogger(__name__)


class SignedLocalFileSystem(LocalFileSystem):
    """A local folder of HMAC-signed entries (never saved as a server-side block)."""

    _block_type_name = "bisa-sdg signed local file system"

    def read_path(self, path: str, _sync: bool | None = None) -> bytes:  # Prefect passes _sync
        data = self._resolve_path(path).read_bytes()
        try:
            return verify(data, load_key(), f"{self.basepath}/{path}")
        except UnsignedEntryError as exc:
            log.warning("%s", exc)
            raise

    async def aread_path(self, path: str) -> bytes:
        return self.read_path(path)

    def write_path(self, path: str, content: bytes, _sync: bool | None = None) -> str:
        target = self._resolve_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(sign(content, load_key()))
        temporary.replace(target)
        return str(target)

    async def awrite_path(self, path: str, content: bytes) -> str:
        return self.write_path(path, content)


@functools.lru_cache(maxsize=16)
def signed_storage(folder: Path) -> SignedLocalFileSystem:
    """The storage block of a cache folder, saved once per process: Prefect takes only saved blocks.

    The block holds nothing secret (the folder); one document per folder, named after its path's digest.
    """
    block = SignedLocalFileSystem(basepath=str(folder))
    block.save(f"bisa-sdg-cache-{hashlib.sha256(str(folder).encode()).hexdigest()[:16]}", overwrite=True)
    return block
