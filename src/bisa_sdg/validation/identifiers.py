"""SQL identifiers that come from file names or configuration (schema, table and column names).

Why here: the DuckDB validation engine and the warehouse both put such names into SQL text, and values never
are (they are bound parameters); the check sits in the lower of the two stages so that neither imports upward.
"""

from __future__ import annotations

import re

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def checked_identifier(name: str) -> str:
    """Identifiers that come from file names or configuration must be plain names before they reach SQL."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not an allowed SQL identifier (pattern {IDENTIFIER.pattern})")
    return name
