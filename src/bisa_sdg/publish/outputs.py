"""Every reporting output of a published warehouse, written all-or-nothing into ``reports/``.

``write_outputs`` reads the warehouse once, read-only (:mod:`bisa_sdg.publish.snapshot`), writes SDMX, the
extracts, the Open SDG files and the HTML report into a temporary folder inside ``reports_dir``, and only
when all of them succeeded moves them into place. A failure (a refused SDMX check, a full disk) leaves the
outputs of the previous run as they were. Other files of ``reports_dir`` (run_summary.json) are not touched.

Layout: ``index.html``, ``sdmx/``, ``extracts/``, ``opensdg/`` and ``outputs.json`` (what was written, from
which run and release, with sha256). ``outputs.json`` lists every file of the folder, ``run_summary.json``
included: the run rewrites that one after the outputs, and ``record_in_manifest`` then refreshes its entry.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bisa_sdg.config.catalog import sha256_of
from bisa_sdg.config.settings import cache_dir
from bisa_sdg.publish.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from bisa_sdg.config.profile import RegionProfile
    from bisa_sdg.config.settings import PipelineConfig

log = logging.getLogger(__name__)

REPORT_NAME = "index.html"
OUTPUTS_MANIFEST = "outputs.json"
# What write_outputs owns inside reports_dir; everything else there is left alone.
OWNED = ("sdmx", "extracts", "opensdg", "vlr", REPORT_NAME, OUTPUTS_MANIFEST)
REFERENCE = Path("data/reference/sdmx")
RUN_SUMMARY = "run_summary.json"  # not an output: the run writes it after them (pipeline.write_run_summary)


@dataclass(frozen=True)
class OutputSettings:
    """Reference and configuration files the outputs read. Relative paths are relative to the working
    directory, like :class:`bisa_sdg.config.settings.PipelineConfig`'s (run from the repository root)."""

    dsd_path: Path = REFERENCE / "SDG_DSD_global_IAEG-SDGs_from_brockfanning_2021-07.xml"
    constraints_path: Path = REFERENCE / "sdmx_global_content_constraints_from_open-sdg_sdg-build.csv"
    series_names_path: Path = REFERENCE / "dsd_CL_SERIES_2023-02-06_from_worldbank_sdg-metadata-convert.csv"
    ref_area_map_path: Path = Path("config/sdmx_ref_area.csv")
    sender_id: str = "BISA"
    default_language: str | None = None  # the report's language before the reader picks one (default: fr)
    dsd_cache_dir: Path | None = None  # keeps the parsed DSD between runs (the pipeline's cache folder)
    timings: dict[str, float] = field(default_factory=dict, compare=False)  # filled in: seconds per step


def settings_for(config: PipelineConfig, profile: RegionProfile | None = None) -> OutputSettings:
    """Settings that follow a pipeline configuration: the REF_AREA map in the config folder that holds its
    profile (so another region's project finds its own); a profile that names its own REF_AREA map
    (``sdmx_ref_area``) uses that one. Titles, notes and outlines come from the warehouse itself."""
    config_dir = config.profile_path.parent.parent
    ref_area_map = profile.sdmx_ref_area_path if profile is not None else None
    return OutputSettings(
        ref_area_map_path=ref_area_map or config_dir / "sdmx_ref_area.csv",
        dsd_cache_dir=cache_dir(config.warehouse),
    )


def outputs_run_id(reports_dir: Path) -> str | None:
    """The run whose warehouse the current outputs were written from (None when there are none)."""
    try:
        return json.loads((reports_dir / OUTPUTS_MANIFEST).read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError):
        return None


class OutputError(RuntimeError):
    """An output could not be written; the previous outputs are intact."""


def sdmx_vintage(snapshot: Snapshot, vintage: str | None) -> tuple[str, datetime | None]:
    """SDMX header vintage and Prepared time: the release date, or UNRELEASED-<run_id> and the run start."""
    if vintage:
        return vintage, None
    return f"UNRELEASED-{snapshot.run.run_id}", snapshot.run.started


def submission_rows(snapshot: Snapshot) -> pd.DataFrame:
    """The rows an SDMX file may carry: those of the areas the figures are published for (curated.areas).

    National context rows (the country's own figures, quoted beside the region's) are not the region's
    production: they are set aside here, and write_sdmx sets aside non-UN series and synthetic inputs.
    """
    values = snapshot.indicator_values
    own = values["ref_area"].astype(str).isin(set(snapshot.areas["ref_area"].astype(str)))
    if not own.all():
        log.info("SDMX: %d row(s) of areas outside curated.areas set aside (context)", int((~own).sum()))
    return values[own]


def _write_sdmx(
    snapshot: Snapshot, out_dir: Path, vintage: str | None, settings: OutputSettings
) -> list[Path]:
    from bisa_sdg.publish import sdmx  # imports sdmx1 (~2 s): only when there is something to write

    header_vintage, prepared = sdmx_vintage(snapshot, vintage)
    return sdmx.write_sdmx(
        submission_rows(snapshot),
        out_dir,
        vintage=header_vintage,
        dsd_path=settings.dsd_path,
        constraints_path=settings.constraints_path,
        ref_area_map_path=settings.ref_area_map_path,
        sender_id=settings.sender_id,
        prepared=prepared,
        dsd_cache_dir=settings.dsd_cache_dir,
    )


def _install(staging: Path, reports_dir: Path) -> None:
    """Move each finished output over the old one: files by os.replace, folders by two renames."""
    token = staging.name.lstrip(".")
    # outputs.json last: it says which run the folder holds, so it must not be ahead of the files.
    names = sorted((p.name for p in staging.iterdir()), key=lambda n: (n == OUTPUTS_MANIFEST, n))
    for name in names:
        new, final = staging / name, reports_dir / name
        if new.is_dir():
            old = reports_dir / f".{name}.old-{token}"
            if final.exists():
                os.rename(final, old)
            os.rename(new, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(new, final)


def _timed(timings: dict[str, float], name: str, started: float) -> float:
    now = time.perf_counter()
    timings[name] = round(now - started, 3)
    return now


def write_outputs(
    warehouse: Path,
    reports_dir: Path,
    *,
    vintage: str | None = None,
    settings: OutputSettings | None = None,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write every output of ``warehouse`` into ``reports_dir``; returns the paths written (final places).

    ``vintage`` is the release date (YYYY-MM-DD) when called by ``bisa-sdg release``; without it the outputs
    say 'unreleased run <run_id>'. ``settings.timings`` receives the seconds each step took.
    """
    settings = settings or OutputSettings()
    timings = settings.timings
    started = t = time.perf_counter()
    # Imported here: a run that finds its outputs up to date asks only outputs_run_id, and the writers pull in
    # openpyxl, Jinja and the report's modules (~0.3 s, timed as 'import').
    from bisa_sdg.publish import extracts, opensdg, report, vlr
    from bisa_sdg.publish import titles as titles_module

    t = _timed(timings, "import", t)
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    snapshot = read_snapshot(Path(warehouse))
    t = _timed(timings, "read_warehouse", t)
    staging = Path(tempfile.mkdtemp(prefix=".outputs-", dir=reports_dir))
    try:
        written: list[Path] = []
        (
            staging / "sdmx"
        ).mkdir()  # even when empty: stale files of an earlier run must not stay beside these
        try:
            written += _write_sdmx(snapshot, staging / "sdmx", vintage, settings)
        except Exception as exc:
            raise OutputError(f"SDMX output refused, nothing was replaced in {reports_dir}:\n{exc}") from exc
        t = _timed(timings, "sdmx", t)
        written += extracts.write_extracts(snapshot, staging / "extracts", vintage=vintage)
        t = _timed(timings, "extracts", t)
        labels = titles_module.load_labels()
        languages = list(labels["languages"])
        titles = titles_module.Titles.load(snapshot, languages, series_names_path=settings.series_names_path)
        written += opensdg.write_opensdg(snapshot, staging / "opensdg", vintage=vintage, titles=titles)
        t = _timed(timings, "opensdg", t)
        annex = vlr.annex_frames(snapshot, titles, labels, languages)
        written += vlr.write_vlr(staging / vlr.VLR_DIR, annex)
        t = _timed(timings, "vlr", t)
        written.append(
            report.render_report(
                snapshot,
                staging / REPORT_NAME,
                vintage=vintage,
                series_names_path=settings.series_names_path,
                generated_at=generated_at,
                default_language=settings.default_language,
                titles=titles,
                linked_files=[p.relative_to(staging).as_posix() for p in written] + [OUTPUTS_MANIFEST],
                annex=annex,
            )
        )
        t = _timed(timings, "report", t)
        manifest = _manifest(snapshot, staging, written, vintage, generated_at)
        summary = reports_dir / RUN_SUMMARY  # the previous run's, until this run rewrites it
        if summary.is_file():
            manifest["files"][RUN_SUMMARY] = _entry(summary)
        (staging / OUTPUTS_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _install(staging, reports_dir)
        _timed(timings, "install", t)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    timings["total"] = round(time.perf_counter() - started, 3)
    log.info("outputs written to %s in %.2f s (%s)", reports_dir, timings["total"], timings)
    final = [reports_dir / p.relative_to(staging) for p in written] + [reports_dir / OUTPUTS_MANIFEST]
    return final


def _manifest(
    snapshot: Snapshot, staging: Path, written: list[Path], vintage: str | None, generated_at: datetime | None
) -> dict[str, Any]:
    return {
        "release": vintage,
        "label": snapshot.label(vintage),
        "run_id": snapshot.run.run_id,
        "code_version": snapshot.run.code_version,
        "generated_at": (generated_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "files": {str(p.relative_to(staging)): _entry(p) for p in sorted(written)},
    }


def _entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_of(path), "bytes": path.stat().st_size}


def record_in_manifest(reports_dir: Path, name: str) -> None:
    """Refresh the entry of ``name`` (a file written beside the outputs, such as run_summary.json) in
    outputs.json, so the manifest keeps describing every file of the folder. No manifest yet (no outputs
    written so far), nothing to update."""
    manifest_path = Path(reports_dir) / OUTPUTS_MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    files = {**manifest.get("files", {}), name: _entry(Path(reports_dir) / name)}
    manifest["files"] = dict(sorted(files.items()))
    tmp = manifest_path.with_name(f".{OUTPUTS_MANIFEST}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(manifest_path)
