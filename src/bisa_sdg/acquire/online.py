"""``bisa-sdg run --online``: refresh the sources that can be downloaded, falling back to the last good snapshot.

A refresh lands new bytes as an immutable vintage (:mod:`bisa_sdg.acquire.landing`); the readers then read the newest
vintage. When a publisher is unreachable, slow, or answers with something that is not the documented payload,
nothing is landed, the run goes on with the newest vintage already landed (or the snapshot shipped in
``data/raw``) and the run records a warning saying so. Offline runs never call this module.

Downloaders: the UN SDG API (``unsd_sdg_api``), Statbel's yearly open-data files (``statbel_population``:
TF_SOC_POP_STRUCT_<year>, ``statbel_road_victims``: TF_ACCIDENTS_VICTIMS_<year>, see
:mod:`bisa_sdg.acquire.statbel_open_data`) and be.STAT views (``bestat_views``, :mod:`bisa_sdg.acquire.bestat_api`);
sources without one are read as they are. Configuration (environment):

* ``BISA_SDG_UNSD_API_URL`` — base url of the UN SDG API (default the UN's), e.g. a mirror or a test server;
* ``BISA_SDG_UNSD_API_TOKEN`` — optional bearer token for a gateway in front of such a mirror. It is sent as
  an ``Authorization`` header and never written to a log, an error message or the run log;
* ``BISA_SDG_STATBEL_URL`` / ``BISA_SDG_BESTAT_URL`` — base urls of Statbel's open-data files and of the be.STAT
  API (default Statbel's own), e.g. a mirror or a test server;
* ``BISA_SDG_ONLINE_SOURCES`` — comma-separated ids of the sources to refresh (default: every source with a
  downloader), e.g. ``unsd_sdg_api`` when only the UN release is wanted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from bisa_sdg.acquire import bestat_api, statbel_open_data, unsd_api
from bisa_sdg.acquire.http import make_session, redact_text, redact_url
from bisa_sdg.acquire.landing import latest_entry
from bisa_sdg.config.catalog import Catalog, Source

log = logging.getLogger(__name__)

ENV_UNSD_URL = "BISA_SDG_UNSD_API_URL"
ENV_UNSD_TOKEN = "BISA_SDG_UNSD_API_TOKEN"
ENV_ONLINE_SOURCES = "BISA_SDG_ONLINE_SOURCES"
DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT: tuple[float, float] = (5, 30)

Refresher = Callable[[Path, Source], str]


def unsd_client(
    retries: int | None = None, timeout: tuple[float, float] | None = None
) -> unsd_api.UNSDGClient:
    """A UN SDG API client for the configured base url (and token, if any)."""
    session = make_session()
    token = os.environ.get(ENV_UNSD_TOKEN, "").strip()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    base = urlsplit(os.environ.get(ENV_UNSD_URL, "").strip() or unsd_api.DEFAULT_BASE_URL)
    if base.query:  # e.g. a mirror's '?api_key=...': sent with every request, never part of a logged path
        session.params = dict(parse_qsl(base.query, keep_blank_values=True))
    return unsd_api.UNSDGClient(
        base_url=urlunsplit(base._replace(query="", fragment="")),
        session=session,
        timeout=timeout or DEFAULT_TIMEOUT,
        retries=DEFAULT_RETRIES if retries is None else retries,
    )


def refresh_unsd_indicator_list(raw_dir: Path, source: Source) -> str:
    landed = unsd_api.fetch_to_landing(raw_dir, unsd_client(), "indicator_list", source_id=source.id)
    if landed.new:
        return f"{source.id}: landed new vintage {landed.vintage} ({landed.entry.bytes} bytes)"
    return f"{source.id}: unchanged since vintage {landed.vintage}"


def statbel_refresher(key: str) -> Refresher:
    """Statbel's yearly files of one table, from the catalog's ``refresh_from_year`` to this year."""

    def refresh(raw_dir: Path, source: Source) -> str:
        dataset = statbel_open_data.DATASETS[key]
        today = datetime.now(UTC).date()
        return statbel_open_data.refresh_dataset(
            raw_dir,
            dataset,
            statbel_open_data.refresh_years(source.extra, today),
            today=today,
            session=make_session(),
            timeout=DEFAULT_TIMEOUT,
            retries=DEFAULT_RETRIES,
        )

    return refresh


def refresh_bestat_views(raw_dir: Path, source: Source) -> str:
    return bestat_api.refresh_views(
        raw_dir, session=make_session(), timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES
    )


REFRESHERS: dict[str, Refresher] = {
    "unsd_sdg_api": refresh_unsd_indicator_list,
    "statbel_population": statbel_refresher("pop_struct"),
    "statbel_road_victims": statbel_refresher("road_victims"),
    "bestat_views": refresh_bestat_views,
}
# The base url a warning names, per source (redacted before use).
REFRESH_BASES: dict[str, Callable[[], str]] = {
    "unsd_sdg_api": lambda: os.environ.get(ENV_UNSD_URL, "") or unsd_api.DEFAULT_BASE_URL,
    "statbel_population": statbel_open_data.base_url_from_env,
    "statbel_road_victims": statbel_open_data.base_url_from_env,
    "bestat_views": bestat_api.base_url_from_env,
}


def selected_sources() -> set[str] | None:
    """The ids in ``BISA_SDG_ONLINE_SOURCES``; None (every source with a downloader) when it is unset or empty."""
    ids = {part.strip() for part in os.environ.get(ENV_ONLINE_SOURCES, "").split(",") if part.strip()}
    return ids or None


def last_good_snapshot(raw_dir: Path, source: Source) -> str:
    """What the run will read instead: the newest landed vintage, else the files shipped with the catalog."""
    try:
        entry = latest_entry(raw_dir, source.id)
    except Exception:  # an unreadable manifest is reported by the reader itself
        entry = None
    if entry is not None:
        return f"landed vintage {entry.vintage} ({source.id}/{entry.path})"
    if not source.files:
        return "state: none (no vintage landed yet, the source is read empty)"
    return "snapshot " + ", ".join(item.path for item in source.files)


def refresh_all(raw_dir: Path, catalog: Catalog) -> list[str]:
    """Refresh every source that has a downloader; return one warning per source that could not be refreshed.

    Never raises for a publisher's failure (HTTP errors, timeouts, malformed payloads, endless paging): the run
    must still publish from the last good snapshot. The warnings are redacted (no token, no password).
    """
    raw_dir = Path(raw_dir)
    warnings: list[str] = []
    wanted = selected_sources()
    for source in catalog.sources:
        refresher = REFRESHERS.get(source.id)
        if refresher is None or (wanted is not None and source.id not in wanted):
            continue
        try:
            log.info(refresher(raw_dir, source))
        except Exception as exc:  # any failure of a publisher falls back to the last snapshot
            base = redact_url(REFRESH_BASES.get(source.id, REFRESH_BASES["unsd_sdg_api"])())
            token = os.environ.get(ENV_UNSD_TOKEN, "").strip()
            warnings.append(
                redact_text(
                    f"{source.id}: online refresh from {base} failed ({type(exc).__name__}: {exc}); "
                    f"using the last good {last_good_snapshot(raw_dir, source)}",
                    [token] if len(token) >= 4 else [],
                )
            )
    for warning in warnings:
        log.warning(warning)
    return warnings
