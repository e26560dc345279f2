"""Paths named by configuration (catalog, profile, drop folders), resolved and kept inside their folder.

Why: a relative path with no '..' can still leave its folder through a symbolic link, and a file read from
outside the raw, schemas or config folder escapes the review those folders get (a lax schema, a file nobody
catalogued). Every such path is resolved — links followed — and must land inside the resolved folder.
"""

from __future__ import annotations

from pathlib import Path


class OutsideFolderError(ValueError):
    """A configured path that leads outside the folder it must stay in."""


def confined(folder: Path, relative: str | Path, what: str) -> Path:
    """``folder / relative`` with links resolved; raises :class:`OutsideFolderError` when it leaves ``folder``.

    ``what`` names the setting in the message (e.g. "catalog.yaml: source x: file"). A path that does not
    exist yet resolves as far as it can, so a missing file still gets its own 'missing' error later.
    """
    root = Path(folder).resolve()
    text = str(relative)
    path = (root / text).resolve()
    if Path(text).is_absolute() or not path.is_relative_to(root):
        raise OutsideFolderError(
            f"{what} {text!r} leads to {path}, outside {root}: configured files must stay in their folder "
            "(copy the file in rather than linking to it)"
        )
    return path
