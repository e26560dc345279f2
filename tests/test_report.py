"""The HTML report: self-contained, trilingual, honest about provenance; loaded in a real headless browser."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from bisa_sdg.publish.report import load_labels, render_report
from bisa_sdg.publish.snapshot import read_snapshot
from tests.outputs_support import RUN_ID, build_sample_warehouse, make_warehouse, settings, write_geojson

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WINDOW = (1280, 2400)


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("report")
    warehouse = build_sample_warehouse(tmp_path_factory.mktemp("sample"))
    options = settings()
    path = render_report(
        read_snapshot(warehouse),
        root / "index.html",
        indicators_path=options.indicators_path,
        series_names_path=options.series_names_path,
    )
    return warehouse, path


@pytest.fixture(scope="module")
def handmade_report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("handmade")
    warehouse = make_warehouse(root / "w.duckdb", progress=True, national_table=True)
    boundaries = write_geojson(root / "boundaries" / "municipalities.geojson").parent
    return render_report(
        read_snapshot(warehouse),
        root / "index.html",
        vintage="2025-06-30",
        boundaries_dir=boundaries,
        series_names_path=settings().series_names_path,
    )


def test_labels_have_every_language() -> None:
    labels = load_labels()
    languages = set(labels["languages"])
    assert languages == {"fr", "nl", "en"}
    for group in ("ui", "units", "nature", "progress_methods", "progress_categories", "indicator_titles"):
        for key, texts in labels[group].items():
            assert set(texts) == languages and all(str(t).strip() for t in texts.values()), f"{group}.{key}"


def test_report_is_one_self_contained_file(sample_report) -> None:
    warehouse, path = sample_report
    html = path.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"<(script|img|iframe|link|source|video|audio)\b[^>]*\b(src|href)=", html, re.I)
    assert not re.search(r"url\(|@import", html)  # no fetch from CSS either
    assert "<svg" in html and "<script>" in html
    snapshot = read_snapshot(warehouse)
    for indicator_id in snapshot.indicator_values["indicator_id"].unique():
        assert f">{indicator_id}<" in html
    assert f"unreleased run {snapshot.run.run_id}" in html  # the title names what the report is
    assert 'data-l="fr"' in html and 'data-l="nl"' in html and 'data-l="en"' in html


def test_handmade_report_shows_national_values_progress_map_and_caveats(handmade_report) -> None:
    html = handmade_report.read_text(encoding="utf-8")
    assert "<title>Test Region — SDG 11 — release 2025-06-30</title>" in html
    assert 'name="bisa-sdg-release" content="2025-06-30"' in html and 'class="release released"' in html
    assert "release unreleased" not in html and load_labels()["ui"]["unreleased"]["en"] not in html
    labels = load_labels()
    assert labels["ui"]["national"]["en"] in html  # Belgium beside the region (dashed line + table column)
    assert 'stroke-dasharray="5 4"' in html
    assert 'class="chart map"' in html  # the choropleth from the GeoJSON
    for code in ("regression", "on_track"):
        assert labels["progress_categories"][code]["nl"] in html
    assert labels["progress_methods"]["unsd-2023"]["fr"] in html
    assert "who_aqg2021_pm25_annual" in html
    assert labels["ui"]["synthetic_warning"]["en"] in html  # invented inputs are flagged in plain words
    assert labels["ui"]["estimate_warning"]["en"] in html  # estimates and proxies too
    assert "Euclidean distance" in html  # the source's caveat
    assert labels["ui"]["breakdowns_note"]["en"] in html and "sex" in html  # 11.2.1 has a breakdown by sex
    assert "Ixelles" in html and "Elsene" in html  # municipality names in both languages


def test_report_without_optional_tables_says_so(tmp_path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb", progress=False)
    html = render_report(read_snapshot(warehouse), tmp_path / "index.html").read_text(encoding="utf-8")
    assert load_labels()["ui"]["no_progress"]["en"] in html
    assert f"unreleased run {RUN_ID}" in html or RUN_ID in html


# ----------------------------------------------------------------------------------------- headless browser


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def png_pixels(path: Path) -> tuple[int, int, Counter[bytes]]:
    """Width, height and how many pixels have each RGB colour, from an 8-bit RGB or RGBA PNG (what Chromium
    writes): the IDAT stream is inflated and each row's filter (PNG spec, section 9) undone."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
    channels = 3 if colour_type == 2 else 4
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    previous, counts = bytearray(stride), Counter()
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + a) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + b) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        counts.update(bytes(row[i : i + 3]) for i in range(0, stride, channels))
        previous = row
    return width, height, counts


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
def test_report_loads_without_errors_in_a_headless_browser(handmade_report, tmp_path) -> None:
    shot = tmp_path / "report.png"
    result = chromium(
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        f"--screenshot={shot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        handmade_report.resolve().as_uri() + "#lang=nl",
        profile=tmp_path / "profile",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Uncaught" not in result.stderr, result.stderr[-2000:]  # no JavaScript error on the console
    assert 'data-ready="true"' in result.stdout  # the script ran to its end
    assert re.search(r'<html[^>]*data-lang="nl"', result.stdout)  # the language switch read the address
    assert ">10,1<" in result.stdout and ">10.1<" not in result.stdout  # numbers re-formatted for Dutch

    assert shot.is_file(), result.stderr[-2000:]
    width, height, pixels = png_pixels(shot)
    assert (width, height) == WINDOW
    # The stylesheet was applied and the page painted (templates/report.css): the page's background --bg #f4f6f9,
    # and the masthead's 6 px bottom border in SDG 11 orange --sdg11 #fd9d24 across the window (6 × 1280 px).
    assert pixels[bytes.fromhex("f4f6f9")] > 0, pixels.most_common(5)
    assert pixels[bytes.fromhex("fd9d24")] >= 6 * WINDOW[0], pixels.most_common(5)
    assert shot.stat().st_size > 40_000
