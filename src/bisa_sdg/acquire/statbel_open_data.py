"""Statbel open-data files: URL patterns, download into the landing zone, safe unzip, pure parsers.

Why a connector of its own: Statbel publishes each year of a table as one zip holding one delimited text file
(``TF_SOC_POP_STRUCT_<year>.zip``, ``TF_ACCIDENTS_VICTIMS_<year>.zip``). A refresh downloads that zip with the
retrying :func:`bisa_sdg.acquire.http.fetch` (timeouts, retries, If-None-Match / If-Modified-Since from the last landing),
unpacks it with :func:`bisa_sdg.acquire.safe_archive.extract_zip` (no traversal, no symlink, no bomb), checks the member
is the documented layout, and only then lands both the zip (the publisher's exact bytes) and its member (what
the readers parse) as one dated vintage (:mod:`bisa_sdg.acquire.landing`). Nothing is landed from a response that fails
any of these steps, so an error page or a changed layout never becomes a vintage.

What is known of the real layouts (docs/sources/statbel_open_data_layouts.md): pipe-separated, header in the
first line, CRLF line endings in recent years, a UTF-8 BOM on some files and Latin-1 on older ones; third-party
scripts read the 2020 population file with ';' — so the parser sniffs the separator from the header and the
encoding from the bytes instead of assuming them.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bisa_sdg.acquire.http import DEFAULT_TIMEOUT, FetchError, fetch, make_session, redact_url
from bisa_sdg.acquire.landing import (
    LandedFile,
    ManifestEntry,
    conditional_headers_for,
    land,
    latest_entry,
    read_manifest,
    sha256_file,
    validate_filename,
)
from bisa_sdg.acquire.safe_archive import extract_zip
from bisa_sdg.parsing import map_distinct, normalise_refnis

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://statbel.fgov.be/sites/default/files/files/opendata"
ENV_STATBEL_URL = "BISA_SDG_STATBEL_URL"  # e.g. a mirror, or a test server on 127.0.0.1
SEPARATORS = ("|", ";", "\t", ",")


class StatbelError(RuntimeError):
    """A Statbel file that is not what the publisher documents; the message names the url or file."""


@dataclass(frozen=True)
class Dataset:
    """One yearly Statbel open-data table: where its zip lives and what its text file must contain."""

    key: str
    source_id: str  # landing zone and catalog id
    folder: str  # path below the base url, percent-encoded exactly as Statbel's links are
    stem: str  # file name without extension; {year} is replaced
    required: tuple[tuple[str, ...], ...]  # each inner tuple: alternative names of one required column

    def name(self, year: int) -> str:
        return self.stem.format(year=_checked_year(year))

    def member_pattern(self) -> re.Pattern[str]:
        """Landed member file names of this table: '<stem>.txt' or '.csv', the year captured."""
        prefix = re.escape(self.stem.split("{year}")[0])
        return re.compile(rf"^{prefix}(\d{{4}})\.(?:txt|csv)$", re.IGNORECASE)


# URL patterns as data. Paths as published on statbel.fgov.be (seen in several independent downloaders).
DATASETS: dict[str, Dataset] = {
    "pop_struct": Dataset(
        key="pop_struct",
        source_id="statbel_population",
        folder=(
            "bevolking%20naar%20woonplaats%2C%20nationaliteit%20burgelijke%20staat%20%2C"
            "%20leeftijd%20en%20geslacht"
        ),
        stem="TF_SOC_POP_STRUCT_{year}",
        required=(("CD_REFNIS", "CD_MUNTY_REFNIS"), ("MS_POPULATION",)),
    ),
    "road_victims": Dataset(
        key="road_victims",
        source_id="statbel_road_victims",
        folder="Verkeersslachtoffers",
        stem="TF_ACCIDENTS_VICTIMS_{year}",
        required=tuple(
            (name,)
            for name in (
                "DT_DAY",
                "CD_MUNTY_REFNIS",
                "CD_RGN_REFNIS",
                "CD_SEX",
                "CD_AGE_CLS",
                "CD_ROAD_USER_TYPE",
                "MS_VICT",
                "MS_VIC_OK",
                "MS_SLY_INJ",
                "MS_SERLY_INJ",
                "MS_DEAD_30_DAYS",
            )
        ),
    ),
}


def _checked_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise ValueError(f"year must be an integer between 1990 and 2100, got {year!r}")
    return year


def base_url_from_env() -> str:
    """The configured base url (``BISA_SDG_STATBEL_URL``), else Statbel's own."""
    return (os.environ.get(ENV_STATBEL_URL, "").strip() or DEFAULT_BASE_URL).rstrip("/")


def dataset_url(dataset: Dataset, year: int, base_url: str | None = None) -> str:
    """The zip's url for one year: ``<base>/<folder>/<stem>.zip``."""
    base = (base_url or base_url_from_env()).rstrip("/")
    return f"{base}/{dataset.folder}/{dataset.name(year)}.zip"


# ----------------------------------------------------------------------------------------------------------
# Pure parsing


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (BOM dropped), else Windows-1252, else Latin-1.

    Statbel's files have come in all three over the years; the fallback is only taken when the bytes are not
    valid UTF-8, which Latin-1 text with accented names never is.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_separator(header: str, expected: Iterable[str], where: str) -> str:
    """The separator that splits the header into names containing one of ``expected``."""
    wanted = set(expected)
    for sep in SEPARATORS:
        if wanted & {name.strip() for name in header.split(sep)}:
            return sep
    raise StatbelError(
        f"{where}: the first line names none of {sorted(wanted)} with any of the separators "
        f"{SEPARATORS!r} (starts with {header[:80]!r}); not a Statbel open-data table"
    )


def read_table(text: str, where: str, required: Iterable[Iterable[str]]) -> pd.DataFrame:
    """Every cell as text, with ``_line`` (header = line 1); the separator is sniffed from the header.

    Raises :class:`StatbelError` when a required column (one of its alternative names) is missing or a row has
    fewer fields than the header (a truncated download).
    """
    required = [tuple(alternatives) for alternatives in required]
    text = text.lstrip("\ufeff")
    end = text.find("\n")
    header = (text if end < 0 else text[:end]).rstrip("\r")
    sep = sniff_separator(header, [name for alts in required for name in alts], where)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise StatbelError(f"{where}: not a well-formed {sep!r}-separated table ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if text and not text.endswith(("\n", "\r")):  # a download cut off mid-row ends in a short last row
        last = text[text.rfind("\n") + 1 :]
        if len(last.split(sep)) < len(frame.columns):
            raise StatbelError(
                f"{where}: line {len(frame) + 1} has fewer fields than the header and the file does not end "
                "with a newline (truncated?)"
            )
    missing = [alts for alts in required if not any(a in frame.columns for a in alts)]
    if missing:
        names = ", ".join(" or ".join(alts) for alts in missing)
        raise StatbelError(f"{where}: column(s) {names} missing; the header is {list(frame.columns)}")
    frame.insert(0, "_line", range(2, len(frame) + 2))
    short = frame[frame.isna().any(axis=1)]
    if not short.empty:  # keep_default_na=False: an empty cell is '', a missing field is NaN
        lines = ", ".join(str(n) for n in short["_line"].head(5))
        raise StatbelError(f"{where}: line(s) {lines} have fewer fields than the header (truncated?)")
    return frame


def _column(frame: pd.DataFrame, *names: str) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def parse_pop_struct(text: str, year: int | None = None, where: str = "TF_SOC_POP_STRUCT") -> pd.DataFrame:
    """Population per municipality from a TF_SOC_POP_STRUCT text: MS_POPULATION summed over sex, age,
    nationality and civil status.

    Returns one row per REFNIS code, sorted, with ``refnis`` (five digits), ``name_nl``, ``name_fr``,
    ``region_refnis``, ``region_label`` (French region name), ``year``, ``population`` (int), plus ``rows``
    (detail rows summed) and ``first_line`` (first line of the municipality in the file, for error reports).
    ``year`` comes from the argument (the file name's year) or a ``CD_YEAR`` column; both must agree.
    Newer files name the municipality CD_REFNIS / TX_DESCR_*, older ones CD_MUNTY_REFNIS / TX_MUNTY_DESCR_*.
    """
    table = read_table(text, where, DATASETS["pop_struct"].required)
    refnis_col = _column(table, "CD_REFNIS", "CD_MUNTY_REFNIS")
    assert refnis_col is not None  # read_table checked it
    counts = table["MS_POPULATION"].str.strip()
    bad = table[~counts.str.fullmatch(r"\d+")]
    if not bad.empty:
        first = bad.iloc[0]
        raise StatbelError(
            f"{where}: line {first['_line']}: MS_POPULATION {first['MS_POPULATION']!r} is not a whole count"
        )
    year = _year_of(table, year, where)
    nl = _column(table, "TX_DESCR_NL", "TX_MUNTY_DESCR_NL")
    fr = _column(table, "TX_DESCR_FR", "TX_MUNTY_DESCR_FR")
    rgn = _column(table, "CD_RGN_REFNIS")
    rgn_fr = _column(table, "TX_RGN_DESCR_FR")
    detail = pd.DataFrame(
        {
            "refnis": map_distinct(table[refnis_col], normalise_refnis),
            "name_nl": table[nl].str.strip() if nl else "",
            "name_fr": table[fr].str.strip() if fr else "",
            "region_refnis": map_distinct(table[rgn], normalise_refnis) if rgn else "",
            "region_label": table[rgn_fr].str.strip() if rgn_fr else "",
            "population": counts.astype("int64"),
            "_line": table["_line"],
        }
    )
    grouped = detail.groupby("refnis", sort=True)
    result = grouped.agg(
        name_nl=("name_nl", "first"),
        name_fr=("name_fr", "first"),
        region_refnis=("region_refnis", "first"),
        region_label=("region_label", "first"),
        population=("population", "sum"),
        rows=("population", "size"),
        first_line=("_line", "min"),
    ).reset_index()
    result.insert(5, "year", year)
    return result


def _year_of(table: pd.DataFrame, year: int | None, where: str) -> int:
    if "CD_YEAR" in table.columns:
        years = set(table["CD_YEAR"].str.strip())
        if len(years) != 1 or not next(iter(years)).isdigit():
            raise StatbelError(f"{where}: CD_YEAR holds {sorted(years)[:5]}, expected one year")
        in_file = int(next(iter(years)))
        if year is not None and in_file != year:
            raise StatbelError(f"{where}: CD_YEAR is {in_file} but the file is for {year}")
        return in_file
    if year is None:
        raise StatbelError(f"{where}: no CD_YEAR column and no year given (it comes from the file name)")
    return _checked_year(year)


# ----------------------------------------------------------------------------------------------------------
# Download and landing


@dataclass(frozen=True)
class YearLanding:
    """What a yearly refresh left in the landing zone: the zip and its member (both of one vintage if new)."""

    year: int
    archive: LandedFile
    member: LandedFile

    @property
    def new(self) -> bool:
        return self.archive.new or self.member.new

    @property
    def vintage(self) -> str:
        return self.member.vintage


def _single_member(content: bytes, url: str) -> tuple[str, bytes]:
    """The one regular file inside the zip, extracted with the safe extractor (refuses the whole archive on
    traversal, symlinks, duplicates or bombs)."""
    with tempfile.TemporaryDirectory(prefix="bisa-statbel-") as tmp:
        archive = Path(tmp) / "download.zip"
        archive.write_bytes(content)
        try:
            written = extract_zip(archive, Path(tmp) / "out")
        except ValueError as exc:  # UnsafeArchiveError, or not a zip at all
            raise StatbelError(f"{redact_url(url)}: archive refused: {exc}") from exc
        if len(written) != 1:
            names = sorted(p.relative_to(Path(tmp) / "out").as_posix() for p in written)
            raise StatbelError(f"{redact_url(url)}: expected one file in the zip, found {names}")
        return written[0].name, written[0].read_bytes()


def _member_filename(dataset: Dataset, year: int, member: str) -> str:
    """The member's own name when it is the documented '<stem>.txt/.csv', else '<stem>.txt'."""
    if dataset.member_pattern().fullmatch(member) and member.upper().startswith(dataset.name(year).upper()):
        try:
            return validate_filename(member)
        except ValueError:
            pass
    return f"{dataset.name(year)}.txt"


def check_member(dataset: Dataset, year: int, content: bytes, where: str) -> None:
    """Refuse a member that is not the documented layout, before anything is landed."""
    text, _encoding = decode_text(content)
    if dataset.key == "pop_struct":
        parse_pop_struct(text, year, where)
    else:
        read_table(text, where, dataset.required)


def newest_member(raw_dir: Path, dataset: Dataset, year: int) -> ManifestEntry | None:
    """The newest landed member file of one year (None if that year was never landed)."""
    pattern = dataset.member_pattern()
    candidates = [
        e
        for e in read_manifest(raw_dir, dataset.source_id)
        if (m := pattern.fullmatch(e.filename)) and int(m.group(1)) == year
    ]
    return max(candidates, key=lambda e: e.vintage, default=None)


def fetch_year(
    raw_dir: Path,
    dataset: Dataset,
    year: int,
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    retrieved_at: datetime | None = None,
) -> YearLanding:
    """Download one year's zip, check it, and land the zip and its member as a new vintage.

    Sends If-None-Match / If-Modified-Since from the last landing of the same url; a 304 or identical bytes
    land nothing and return the newest existing vintage (``new`` False). Never overwrites a vintage.
    Raises :class:`bisa_sdg.acquire.http.FetchError` (HTTP, network) or :class:`StatbelError` (payload) and then
    lands nothing.
    """
    raw_dir = Path(raw_dir)
    url = dataset_url(dataset, year, base_url)
    session = session or make_session()
    conditional = conditional_headers_for(raw_dir, dataset.source_id, url)
    result = fetch(
        session, url, timeout=timeout, retries=retries, conditional=conditional or None, sleep=sleep
    )
    if result.not_modified:
        archive_entry = latest_entry(raw_dir, dataset.source_id, url=url)
        member_entry = newest_member(raw_dir, dataset, year)
        if archive_entry is None or member_entry is None:
            raise StatbelError(f"304 Not Modified from {redact_url(url)} but nothing landed for it")
        log.info("%s not modified since vintage %s", redact_url(url), archive_entry.vintage)
        base = raw_dir / dataset.source_id
        return YearLanding(
            year,
            LandedFile(base / archive_entry.path, archive_entry, new=False),
            LandedFile(base / member_entry.path, member_entry, new=False),
        )
    if not result.content:
        raise StatbelError(f"empty response body from {result.url}")
    member_name, member_bytes = _single_member(result.content, url)
    check_member(dataset, year, member_bytes, f"{result.url} ({member_name})")

    when = retrieved_at or datetime.now(UTC)
    archive = land(
        raw_dir,
        dataset.source_id,
        f"{dataset.name(year)}.zip",
        result.content,
        url=url,
        retrieved_at=when,
        etag=result.etag,
        last_modified=result.last_modified,
    )
    member = land(
        raw_dir,
        dataset.source_id,
        _member_filename(dataset, year, member_name),
        member_bytes,
        url=f"{url}#{member_name}",  # which member of which download the file is
        retrieved_at=when,
    )
    return YearLanding(year, archive, member)


def fetch_population_year(raw_dir: Path, year: int, **options: Any) -> YearLanding:
    """TF_SOC_POP_STRUCT_<year>: population on 1 January by municipality, sex, age, nationality, civil status.

    ``options`` are those of :func:`fetch_year` (session, base_url, timeout, retries, sleep, retrieved_at).
    """
    return fetch_year(raw_dir, DATASETS["pop_struct"], year, **options)


def fetch_road_victims_year(raw_dir: Path, year: int, **options: Any) -> YearLanding:
    """TF_ACCIDENTS_VICTIMS_<year>: road-accident victims of the whole country, one row per victim group."""
    return fetch_year(raw_dir, DATASETS["road_victims"], year, **options)


# ----------------------------------------------------------------------------------------------------------
# Reading landed vintages


@dataclass(frozen=True)
class LandedMember:
    """A landed member file a reader will parse: its year, absolute path and path relative to the raw folder."""

    year: int
    path: Path
    relative: str
    entry: ManifestEntry


def landed_members(raw_dir: Path, dataset: Dataset) -> list[LandedMember]:
    """The newest landed member of every year, oldest year first; a file that no longer matches its manifest
    sha256 is an error (vintages are immutable), never silently read."""
    raw_dir = Path(raw_dir)
    pattern = dataset.member_pattern()
    newest: dict[int, ManifestEntry] = {}
    for entry in read_manifest(raw_dir, dataset.source_id):
        match = pattern.fullmatch(entry.filename)
        if match is None:
            continue
        year = int(match.group(1))
        if year not in newest or entry.vintage > newest[year].vintage:
            newest[year] = entry
    members = []
    for year, entry in sorted(newest.items()):
        path = raw_dir / dataset.source_id / entry.path
        relative = f"{dataset.source_id}/{entry.path}"
        if not path.is_file():
            raise StatbelError(f"{relative}: listed in the manifest but missing")
        actual = sha256_file(path)
        if actual != entry.sha256:
            raise StatbelError(f"{relative}: sha256 {actual} differs from the manifest's {entry.sha256}")
        members.append(LandedMember(year, path, relative, entry))
    return members


def read_landed_table(member: LandedMember, dataset: Dataset) -> pd.DataFrame:
    """A landed member as text cells with ``_file`` and ``_line``, in whatever encoding and separator it has."""
    text, _encoding = decode_text(member.path.read_bytes())
    frame = read_table(text, member.relative, dataset.required)
    frame.insert(0, "_file", member.relative)
    return frame


# ----------------------------------------------------------------------------------------------------------
# Refresh of a catalog source (called by bisa_sdg.acquire.online)

_NOT_FOUND = 404


class RefreshError(RuntimeError):
    """Some years of a source could not be refreshed; the message says which, why, and what did land."""


def refresh_years(source_extra: dict[str, object], today: date) -> list[int]:
    """The years ``--online`` asks for: ``refresh_from_year`` of the catalog entry up to this year."""
    first = source_extra.get("refresh_from_year", today.year)
    if isinstance(first, bool) or not isinstance(first, int):
        raise ValueError(f"refresh_from_year must be a year, got {first!r}")
    return list(range(_checked_year(first), today.year + 1))


def refresh_dataset(
    raw_dir: Path,
    dataset: Dataset,
    years: Iterable[int],
    *,
    today: date,
    session: requests.Session | None = None,
    base_url: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Refresh every year; a 404 for this year or last year means 'not published yet', not a failure.

    Every year is tried even when an earlier one fails, and what landed stays landed; any failure is raised at
    the end as one :class:`RefreshError`, so the run records a single warning for the source.
    """
    session = session or make_session()
    done: list[str] = []
    failed: dict[str, list[str]] = {}  # error -> years, so one cause over many years reads as one line
    years = list(years)
    for position, year in enumerate(years):
        try:
            landed = fetch_year(
                raw_dir,
                dataset,
                year,
                session=session,
                base_url=base_url,
                timeout=timeout,
                retries=retries,
                sleep=sleep,
            )
        except FetchError as exc:
            if exc.status == _NOT_FOUND and year >= today.year - 1:
                done.append(f"{year} not published yet")
                continue
            failed.setdefault(f"{exc.last_error} after {exc.attempts} attempt(s)", []).append(str(year))
            if exc.status is None:  # unreachable or timing out: asking for the other years would only wait
                skipped = years[position + 1 :]
                if skipped:
                    failed.setdefault("not tried", []).extend(map(str, skipped))
                break
        except Exception as exc:  # one odd year must not stop the others; reported below
            failed.setdefault(f"{type(exc).__name__}: {exc}", []).append(str(year))
        else:
            state = "landed new vintage" if landed.new else "unchanged since vintage"
            done.append(f"{year} {state} {landed.vintage}")
    summary = f"{dataset.source_id}: " + "; ".join(done or ["nothing landed"])
    if failed:
        causes = "; ".join(f"{', '.join(ys)}: {cause}" for cause, ys in failed.items())
        raise RefreshError(f"{causes} (other years: {'; '.join(done) or 'none'})")
    return summary
