"""The immutable landing zone: vintages, manifest, deduplication, path safety, atomic writes."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bisa_sdg.acquire import landing
from bisa_sdg.acquire.landing import (
    LandingError,
    conditional_headers_for,
    land,
    latest_vintage_file,
    read_manifest,
)

FIXTURES = Path(__file__).parent / "fixtures" / "unsd_api"
SOURCE = "unsd_sdg_api"
NAME = "sdgapi_v1_Indicator_List.json"
URL = "https://unstats.un.org/sdgapi/v1/sdg/Indicator/List"
T0 = datetime(2025, 3, 1, 8, 30, 0, tzinfo=UTC)

# Two real recorded responses stand in for two releases of the same file.
CONTENT_A = (FIXTURES / "sdgapi_v1_Indicator_List_goal11_release2022Q1G03.json").read_bytes()
CONTENT_B = (FIXTURES / "sdgapi_v1_Indicator_List_release2022Q1G03_all.json").read_bytes()


def manifest_lines(raw: Path) -> list[dict]:
    text = (raw / SOURCE / "manifest.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_two_different_contents_make_two_vintages(tmp_path: Path) -> None:
    first = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0, etag='"a"')
    second = land(
        tmp_path,
        SOURCE,
        NAME,
        CONTENT_B,
        url=URL,
        retrieved_at=T0 + timedelta(days=1),
        last_modified="Sun, 02 Mar 2025 08:30:00 GMT",
    )

    assert first.new and second.new
    assert first.path == tmp_path / SOURCE / "vintages" / "20250301T083000Z" / NAME
    assert second.path == tmp_path / SOURCE / "vintages" / "20250302T083000Z" / NAME
    assert first.path.read_bytes() == CONTENT_A
    assert second.path.read_bytes() == CONTENT_B

    lines = manifest_lines(tmp_path)
    assert len(lines) == 2
    assert [line["sha256"] for line in lines] == [
        hashlib.sha256(CONTENT_A).hexdigest(),
        hashlib.sha256(CONTENT_B).hexdigest(),
    ]
    assert [line["bytes"] for line in lines] == [len(CONTENT_A), len(CONTENT_B)]
    assert lines[0]["path"] == f"vintages/20250301T083000Z/{NAME}"
    assert lines[0]["retrieved_at"] == "2025-03-01T08:30:00Z"
    assert (lines[0]["etag"], lines[0]["last_modified"]) == ('"a"', None)
    assert (lines[1]["etag"], lines[1]["last_modified"]) == (None, "Sun, 02 Mar 2025 08:30:00 GMT")
    assert all(line["url"] == URL for line in lines)

    entries = read_manifest(tmp_path, SOURCE)
    assert [e.sha256 for e in entries] == [line["sha256"] for line in lines]
    assert latest_vintage_file(tmp_path, SOURCE, NAME) == second.path


def test_identical_content_lands_no_new_vintage(tmp_path: Path) -> None:
    first = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    again = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0 + timedelta(hours=1))

    assert not again.new
    assert again.path == first.path
    assert again.entry == first.entry
    assert len(manifest_lines(tmp_path)) == 1
    assert [p.name for p in (tmp_path / SOURCE / "vintages").iterdir()] == ["20250301T083000Z"]


def test_content_going_back_to_an_older_version_is_a_new_vintage(tmp_path: Path) -> None:
    """Only the newest vintage is the comparison point: A, B, A is three real states of the source."""
    land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    land(tmp_path, SOURCE, NAME, CONTENT_B, url=URL, retrieved_at=T0 + timedelta(days=1))
    third = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0 + timedelta(days=2))
    assert third.new
    assert len(manifest_lines(tmp_path)) == 3


def test_existing_vintage_file_is_never_overwritten(tmp_path: Path) -> None:
    first = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    with pytest.raises(LandingError, match="overwrite"):
        land(tmp_path, SOURCE, NAME, CONTENT_B, url=URL, retrieved_at=T0)
    assert first.path.read_bytes() == CONTENT_A
    assert len(manifest_lines(tmp_path)) == 1


def test_other_files_can_share_a_vintage(tmp_path: Path) -> None:
    land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    other = land(tmp_path, SOURCE, "sdgapi_v1_GeoArea_List.json", b"[]", url=URL + "x", retrieved_at=T0)
    assert other.new
    assert other.path.parent.name == "20250301T083000Z"


def test_retrieved_at_is_stored_in_utc(tmp_path: Path) -> None:
    brussels_summer = timezone(timedelta(hours=2))
    landed = land(
        tmp_path,
        SOURCE,
        NAME,
        CONTENT_A,
        url=URL,
        retrieved_at=datetime(2025, 7, 1, 10, 0, tzinfo=brussels_summer),
    )
    assert landed.vintage == "20250701T080000Z"
    assert landed.entry.retrieved_at == "2025-07-01T08:00:00Z"
    with pytest.raises(ValueError, match="timezone"):
        land(tmp_path, SOURCE, NAME, CONTENT_B, url=URL, retrieved_at=datetime(2025, 7, 2, 10, 0))


@pytest.mark.parametrize(
    "filename",
    ["../escape.json", "..", "a/b.json", "a\\b.json", "/etc/passwd", ".hidden", "", "x..json", "name\n.json"],
)
def test_traversal_filenames_rejected(tmp_path: Path, filename: str) -> None:
    with pytest.raises(ValueError, match="filename"):
        land(tmp_path / "raw", SOURCE, filename, b"x", url=URL, retrieved_at=T0)
    assert all_files(tmp_path) == []


@pytest.mark.parametrize("source_id", ["../up", "a/b", "/abs", "..", "Upper", "", "x" * 65, "a b"])
def test_bad_source_ids_rejected(tmp_path: Path, source_id: str) -> None:
    with pytest.raises(ValueError, match="source_id"):
        land(tmp_path / "raw", source_id, NAME, b"x", url=URL, retrieved_at=T0)
    with pytest.raises(ValueError, match="source_id"):
        read_manifest(tmp_path / "raw", source_id)
    assert all_files(tmp_path) == []


def test_no_temp_file_left_and_file_read_only(tmp_path: Path) -> None:
    landed = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    assert list(landed.path.parent.iterdir()) == [landed.path]
    assert stat.S_IMODE(landed.path.stat().st_mode) == 0o444
    assert all_files(tmp_path) == sorted([landed.path, tmp_path / SOURCE / "manifest.jsonl"])


def test_failed_rename_leaves_no_temp_file_and_no_manifest_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(landing.os, "replace", broken_replace)
    with pytest.raises(OSError, match="simulated"):
        land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    vintage_dir = tmp_path / SOURCE / "vintages" / "20250301T083000Z"
    assert list(vintage_dir.iterdir()) == []  # neither the temp file nor a partial target
    assert not (tmp_path / SOURCE / "manifest.jsonl").exists()


def test_tampered_vintage_is_detected(tmp_path: Path) -> None:
    landed = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    landed.path.chmod(0o644)
    landed.path.write_bytes(CONTENT_A + b" ")
    with pytest.raises(LandingError, match="changed after landing"):
        land(tmp_path, SOURCE, NAME, CONTENT_B, url=URL, retrieved_at=T0 + timedelta(days=1))


def test_missing_vintage_file_is_an_error(tmp_path: Path) -> None:
    landed = land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    landed.path.unlink()
    with pytest.raises(LandingError, match="missing"):
        latest_vintage_file(tmp_path, SOURCE, NAME)


def test_secrets_in_url_are_not_written_to_the_manifest(tmp_path: Path) -> None:
    land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL + "?token=T0PSECRET&page=1", retrieved_at=T0)
    text = (tmp_path / SOURCE / "manifest.jsonl").read_text(encoding="utf-8")
    assert "T0PSECRET" not in text
    assert manifest_lines(tmp_path)[0]["url"] == URL + "?token=REDACTED&page=1"


def test_conditional_headers_come_from_the_newest_landing_of_the_url(tmp_path: Path) -> None:
    assert conditional_headers_for(tmp_path, SOURCE, URL) == {}
    land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0, etag='"v1"')
    land(
        tmp_path,
        SOURCE,
        NAME,
        CONTENT_B,
        url=URL,
        retrieved_at=T0 + timedelta(days=1),
        etag='"v2"',
        last_modified="Sun, 02 Mar 2025 08:30:00 GMT",
    )
    assert conditional_headers_for(tmp_path, SOURCE, URL) == {
        "If-None-Match": '"v2"',
        "If-Modified-Since": "Sun, 02 Mar 2025 08:30:00 GMT",
    }
    assert conditional_headers_for(tmp_path, SOURCE, URL + "?other=1") == {}


def test_latest_vintage_file_none_when_never_landed(tmp_path: Path) -> None:
    assert latest_vintage_file(tmp_path, SOURCE, NAME) is None
    assert read_manifest(tmp_path, SOURCE) == []


def test_corrupt_manifest_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    land(tmp_path, SOURCE, NAME, CONTENT_A, url=URL, retrieved_at=T0)
    with (tmp_path / SOURCE / "manifest.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(LandingError, match=r"manifest\.jsonl:2"):
        read_manifest(tmp_path, SOURCE)
