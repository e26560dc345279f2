"""be.STAT (Statbel's dissemination database): download saved views as JSON or CSV into the landing zone.

A be.STAT *view* is a saved query over a Statbel datasource; ``GET <base>/views/<id>/result/<FORMAT>`` returns
its result (FORMAT one of JSON, CSV, XML, XLS, HTML, PDF). The three views below are the public ones the
project's research found for land use (cadastre), age structure and households.

UNVERIFIED — response layout. No stored repository holds a full be.STAT response for these views. The JSON form
implemented here is the *documented-by-use* one: independent consumers read ``.facts[]`` of the response and
take fields by their column label (e.g. ``.facts[] | select(.Product == ...)``, ``facts,6,<label>``, a Java
model with ``Jaar``/``Maand`` fields). So a JSON response must be an object whose ``facts`` is a list of flat
objects (label -> value); any other top-level key is kept in the landed file but not interpreted. The labels
are the view's own, in the view's language, and are not checked. The CSV form is checked only for a header row.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bisa_sdg.acquire.http import DEFAULT_TIMEOUT, FetchError, fetch, make_session, redact_url
from bisa_sdg.acquire.landing import LandedFile, conditional_headers_for, land, latest_entry

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

SOURCE_ID = "bestat_views"
DEFAULT_BASE_URL = "https://bestat.statbel.fgov.be/bestat/api"
ENV_BESTAT_URL = "BISA_SDG_BESTAT_URL"
FORMATS = {"JSON": "json", "CSV": "csv"}


@dataclass(frozen=True)
class View:
    key: str
    view_id: str
    title: str

    def filename(self, fmt: str = "JSON") -> str:
        return f"bestat_{self.key}_{self.view_id}.{FORMATS[_checked_format(fmt)]}"


# View ids from the project's research notes (public be.STAT views used by an open downloader).
VIEWS: dict[str, View] = {
    "land_use_cadastre": View(
        "land_use_cadastre", "b7c7f4b0-d476-4446-8c91-ba0112ea3ac0", "Land use by cadastral nature"
    ),
    "age_structure": View("age_structure", "08f8d45a-9053-44b6-b34d-29a0e98f1e5a", "Population by age"),
    "households": View("households", "a4ee6bce-4315-4fb8-bc5c-0f1fd64d010c", "Private households"),
}


class BestatError(RuntimeError):
    """A be.STAT response that is not the documented form; the message names the url or file."""


def _checked_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {fmt!r}")
    return fmt


def base_url_from_env() -> str:
    return (os.environ.get(ENV_BESTAT_URL, "").strip() or DEFAULT_BASE_URL).rstrip("/")


def view_url(view: View, fmt: str = "JSON", base_url: str | None = None) -> str:
    base = (base_url or base_url_from_env()).rstrip("/")
    return f"{base}/views/{view.view_id}/result/{_checked_format(fmt)}"


def parse_view_json(content: bytes | None, where: str) -> list[dict[str, Any]]:
    """The ``facts`` list of a JSON view result (UNVERIFIED form, see the module docstring)."""
    if not content:
        raise BestatError(f"empty response body from {where}")
    try:
        payload = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        snippet = content[:80].decode("utf-8", "replace")
        raise BestatError(f"malformed JSON from {where}: {exc} (starts with {snippet!r})") from exc
    facts = payload.get("facts") if isinstance(payload, dict) else None
    if not isinstance(facts, list) or not all(isinstance(f, dict) for f in facts):
        raise BestatError(f"expected a JSON object with a 'facts' list of objects from {where}")
    return facts


def check_view_csv(content: bytes | None, where: str) -> list[str]:
    """The header of a CSV view result; refuses an empty body, HTML, or a single-column 'table'."""
    if not content:
        raise BestatError(f"empty response body from {where}")
    text = content.decode("utf-8-sig", errors="replace")
    first = text.lstrip()[:1]
    if first == "<":
        raise BestatError(f"expected CSV from {where}, got markup (starts with {text[:60]!r})")
    header_line = text.splitlines()[0] if text.splitlines() else ""
    for sep in (",", ";", "\t", "|"):
        header = next(csv.reader(io.StringIO(header_line), delimiter=sep), [])
        if len(header) >= 2:
            return [h.strip() for h in header]
    raise BestatError(f"expected a CSV header with at least two columns from {where}")


def fetch_view(
    raw_dir: Path,
    key: str,
    *,
    fmt: str = "JSON",
    session: requests.Session | None = None,
    base_url: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    retrieved_at: datetime | None = None,
) -> LandedFile:
    """Download one view's result and land it as a vintage of ``bestat_views`` (conditional GET, no overwrite).

    A 304 or identical bytes land nothing and return the newest vintage (``new`` False); a body that is not the
    documented form raises :class:`BestatError` and lands nothing.
    """
    if key not in VIEWS:
        raise ValueError(f"unknown be.STAT view {key!r}; choose one of {sorted(VIEWS)}")
    view = VIEWS[key]
    url = view_url(view, fmt, base_url)
    session = session or make_session()
    conditional = conditional_headers_for(raw_dir, SOURCE_ID, url)
    result = fetch(
        session, url, timeout=timeout, retries=retries, conditional=conditional or None, sleep=sleep
    )
    if result.not_modified:
        entry = latest_entry(raw_dir, SOURCE_ID, url=url)
        if entry is None:
            raise BestatError(f"304 Not Modified from {redact_url(url)} but nothing landed for it")
        return LandedFile(Path(raw_dir) / SOURCE_ID / entry.path, entry, new=False)
    if fmt == "JSON":
        parse_view_json(result.content, result.url)
    else:
        check_view_csv(result.content, result.url)
    assert result.content is not None  # both checks refuse an empty body
    return land(
        raw_dir,
        SOURCE_ID,
        view.filename(fmt),
        result.content,
        url=url,
        retrieved_at=retrieved_at,
        etag=result.etag,
        last_modified=result.last_modified,
    )


LONG_COLUMNS = ("view_key", "view_id", "record", "field", "value")


def facts_to_long(facts: list[dict[str, Any]], view: View, relative: str) -> pd.DataFrame:
    """One row per fact × field, values as text: no assumption about the (unverified) labels of a view.

    ``record`` and ``_line`` are the fact's position in the ``facts`` list (1-based); nested values are kept as
    JSON text, null as missing.
    """
    rows = []
    for position, fact in enumerate(facts, start=1):
        for label, value in fact.items():
            if value is None:
                text = None
            elif isinstance(value, dict | list):
                text = json.dumps(value, ensure_ascii=False, sort_keys=True)
            else:
                text = str(value)
            rows.append(
                {
                    "_file": relative,
                    "_line": position,
                    "view_key": view.key,
                    "view_id": view.view_id,
                    "record": position,
                    "field": str(label),
                    "value": text,
                }
            )
    return pd.DataFrame(rows, columns=["_file", "_line", *LONG_COLUMNS])


class RefreshError(RuntimeError):
    """Some views could not be refreshed; the message says which, why, and what did land."""


def refresh_views(
    raw_dir: Path,
    keys: list[str] | None = None,
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Land the JSON result of every view; all views are tried, failures are raised together at the end."""
    session = session or make_session()
    done: list[str] = []
    failed: list[str] = []
    keys = list(keys or VIEWS)
    for position, key in enumerate(keys):
        try:
            landed = fetch_view(
                raw_dir,
                key,
                session=session,
                base_url=base_url,
                timeout=timeout,
                retries=retries,
                sleep=sleep,
            )
        except Exception as exc:  # one view failing must not stop the others; reported below
            failed.append(f"{key}: {type(exc).__name__}: {exc}")
            if isinstance(exc, FetchError) and exc.status is None:  # unreachable: the others would only wait
                if keys[position + 1 :]:
                    failed.append(f"not tried: {', '.join(keys[position + 1 :])}")
                break
        else:
            state = "landed new vintage" if landed.new else "unchanged since vintage"
            done.append(f"{key} {state} {landed.vintage}")
    if failed:
        raise RefreshError("; ".join(failed) + f" (other views: {'; '.join(done) or 'none'})")
    return f"{SOURCE_ID}: " + "; ".join(done)
