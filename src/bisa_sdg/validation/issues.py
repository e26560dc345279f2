"""How a validation issue reads to a statistician; light (no pandas), so ``bisa-sdg status`` starts at once."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any


def describe_issue(issue: Mapping[str, Any]) -> str:
    """One line a statistician can act on: file, row, column, rule, value and what the rule means."""
    where = str(issue["file"] or issue["source"])
    with contextlib.suppress(KeyError, TypeError, ValueError):  # no row: None, NaN or pandas' NA
        where += f", row {int(issue['row'])}"
    column = f", column {issue['column']}" if issue.get("column") else ""
    value = f" — value {issue['value']!r}" if issue.get("value") not in (None, "") else ""
    return f"{where}{column}: rule '{issue['rule']}' failed{value}: {issue['message']}"
