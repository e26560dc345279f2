"""UN SDG API (UNSD Global SDG Indicators Database): client, landing and pure parsers.

The client only GETs JSON; parsing into frames is pure so it can run on the shipped offline snapshot
(``data/raw/unsd_sdg_api/``) as well as on a fresh download. Field names and types follow the recorded real
responses in ``tests/fixtures/unsd_api/``: ``value`` is a string, ``timePeriodStart`` a float, ``tier`` and
``geoAreaCode`` are strings, and ``goal``/``target``/``indicator`` of a Series/Data record are lists.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bisa_sdg.acquire.http import FetchResult, fetch, make_session, prepared_url, redact_url
from bisa_sdg.acquire.landing import LandedFile, conditional_headers_for, land, latest_entry

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

SOURCE_ID = "unsd_sdg_api"
DEFAULT_BASE_URL = "https://unstats.un.org/sdgapi"
API_PREFIX = "/v1/sdg/"

Params = Sequence[tuple[str, str | int]]


class UNSDApiError(RuntimeError):
    """Base class for UN SDG API problems that retrying the same request will not fix."""


class MalformedPayloadError(UNSDApiError):
    """A response or file that is not the JSON shape the API documents; the message names the url or path."""


class PagingError(UNSDApiError):
    """Series/Data paging that does not terminate or returns the same page again."""


@dataclass(frozen=True)
class Endpoint:
    """A list endpoint that can be landed as one file."""

    path: str
    params: tuple[tuple[str, str], ...]
    filename: str


# What ``fetch_to_landing`` can land; file names follow the shipped snapshot's 'sdgapi_v1_<Path>' pattern.
LANDABLE: dict[str, Endpoint] = {
    "goal_list": Endpoint("Goal/List", (("includechildren", "false"),), "sdgapi_v1_Goal_List.json"),
    "target_list": Endpoint("Target/List", (("includechildren", "false"),), "sdgapi_v1_Target_List.json"),
    "indicator_list": Endpoint("Indicator/List", (), "sdgapi_v1_Indicator_List.json"),
    "series_list": Endpoint("Series/List", (("allreleases", "false"),), "sdgapi_v1_Series_List.json"),
    "geoarea_list": Endpoint("GeoArea/List", (), "sdgapi_v1_GeoArea_List.json"),
}


def parse_json(content: bytes | None, where: str) -> Any:
    """Decode JSON, naming the url or file in the error so a broken download is easy to locate."""
    if not content:
        raise MalformedPayloadError(f"empty response body from {where}")
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        snippet = content[:80].decode("utf-8", "replace")
        raise MalformedPayloadError(f"malformed JSON from {where}: {exc} (starts with {snippet!r})") from exc


def _record_list(payload: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise MalformedPayloadError(
            f"expected a JSON list of objects from {where}, got {type(payload).__name__}"
        )
    return payload


def _page_records(payload: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise MalformedPayloadError(f"expected a Series/Data page object with a 'data' list from {where}")
    return _record_list(payload["data"], where)


def _page_digest(records: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()


class UNSDGClient:
    """GETs from the UN SDG API with the retrying :func:`bisa_sdg.acquire.http.fetch`."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = (5, 30),
        page_size: int = 500,
        max_pages: int = 200,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        if page_size < 1 or max_pages < 1:
            raise ValueError(f"page_size and max_pages must be >= 1, got {page_size}, {max_pages}")
        self.base_url = base_url.rstrip("/")
        self.session = session or make_session()
        self.timeout = timeout
        self.page_size = page_size
        self.max_pages = max_pages
        self.sleep = sleep
        self.retries = retries
        self.backoff = backoff

    def url_for(self, path: str, params: Params | Mapping[str, str | int] | None = None) -> str:
        """Full url with an encoded query, so the same string is requested, logged and recorded."""
        return prepared_url(self.base_url + API_PREFIX + path.lstrip("/"), params)

    def fetch(self, url: str, *, conditional: Mapping[str, str] | None = None) -> FetchResult:
        return fetch(
            self.session,
            url,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self.backoff,
            conditional=conditional,
            sleep=self.sleep,
        )

    def get_json(self, path: str, params: Params | Mapping[str, str | int] | None = None) -> Any:
        url = self.url_for(path, params)
        result = self.fetch(url)
        return parse_json(result.content, result.url)

    def _get_list(self, path: str, params: Params | None = None) -> list[dict[str, Any]]:
        url = self.url_for(path, params)
        result = self.fetch(url)
        return _record_list(parse_json(result.content, result.url), result.url)

    def goal_list(self) -> list[dict[str, Any]]:
        return self._get_list("Goal/List", (("includechildren", "false"),))

    def target_list(self, include_children: bool = False) -> list[dict[str, Any]]:
        return self._get_list("Target/List", (("includechildren", "true" if include_children else "false"),))

    def indicator_list(self) -> list[dict[str, Any]]:
        return self._get_list("Indicator/List")

    def series_list(self) -> list[dict[str, Any]]:
        return self._get_list("Series/List", (("allreleases", "false"),))

    def geoarea_list(self) -> list[dict[str, Any]]:
        return self._get_list("GeoArea/List")

    def series_data(
        self, series_code: str, area_codes: Iterable[str | int] = (), page_size: int | None = None
    ) -> list[dict[str, Any]]:
        """All Series/Data records of a series, page by page.

        ``totalPages`` is not trusted (UNSD may omit it or get it wrong): paging continues while a page is
        full and stops on an empty or short page. A page identical to an earlier one, or still-full pages
        after ``max_pages``, raise :class:`PagingError` instead of looping or silently dropping records.
        """
        if not isinstance(series_code, str) or not series_code.strip():
            raise ValueError(f"series_code must be a non-empty string, got {series_code!r}")
        size = page_size if page_size is not None else self.page_size
        if size < 1:
            raise ValueError(f"page_size must be >= 1, got {size}")
        areas = [("areaCode", str(a)) for a in area_codes]
        records: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        total_elements: Any = None
        pages = 0
        for page in range(1, self.max_pages + 1):
            url = self.url_for(
                "Series/Data", [("seriesCode", series_code), *areas, ("page", page), ("pageSize", size)]
            )
            result = self.fetch(url)
            payload = parse_json(result.content, result.url)
            data = _page_records(payload, result.url)
            pages = page
            if not data:
                break
            digest = _page_digest(data)
            if digest in seen:
                raise PagingError(
                    f"{result.url}: page {page} is identical to page {seen[digest]} ({len(data)} records); "
                    "the server ignores the page parameter, stopping instead of looping"
                )
            seen[digest] = page
            records.extend(data)
            total_elements = payload.get("totalElements", total_elements)
            # A server may cap pageSize; its reported 'size' then defines what a full page is.
            reported = payload.get("size")
            full = reported if isinstance(reported, int) and 0 < reported < size else size
            if len(data) < full:
                break
        else:
            raise PagingError(
                f"Series/Data {series_code!r} still returned full pages after max_pages={self.max_pages} "
                f"({len(records)} records, last url {result.url}); paging never ends"
            )
        if isinstance(total_elements, int) and total_elements != len(records):
            log.warning(
                "Series/Data %s: got %d records in %d page(s) but the server reported totalElements=%d",
                series_code,
                len(records),
                pages,
                total_elements,
            )
        return records


# ----------------------------------------------------------------------------------------------------------
# Landing


def fetch_to_landing(
    raw_dir: Path,
    client: UNSDGClient,
    what: str = "indicator_list",
    *,
    source_id: str = SOURCE_ID,
    retrieved_at: datetime | None = None,
) -> LandedFile:
    """Download one list endpoint into the landing zone, sending the last ETag/Last-Modified.

    A 304 or identical bytes land nothing and return the newest existing vintage with ``new=False``.
    The body must be a JSON list of objects before it is landed: an HTML error page never becomes a vintage.
    """
    if what not in LANDABLE:
        raise ValueError(f"unknown endpoint {what!r}; choose one of {sorted(LANDABLE)}")
    endpoint = LANDABLE[what]
    url = client.url_for(endpoint.path, endpoint.params)
    conditional = conditional_headers_for(raw_dir, source_id, url)
    result = client.fetch(url, conditional=conditional or None)
    if result.not_modified:
        entry = latest_entry(raw_dir, source_id, url=url)
        if entry is None:  # cannot happen unless the manifest changed between the two calls
            raise UNSDApiError(f"304 Not Modified from {redact_url(url)} but nothing landed for it")
        log.info("%s not modified since vintage %s", redact_url(url), entry.vintage)
        return LandedFile(Path(raw_dir) / source_id / entry.path, entry, new=False)
    _record_list(parse_json(result.content, result.url), result.url)
    assert result.content is not None  # parse_json rejects an empty body
    return land(
        raw_dir,
        source_id,
        endpoint.filename,
        result.content,
        url=url,
        retrieved_at=retrieved_at,
        etag=result.etag,
        last_modified=result.last_modified,
    )


# ----------------------------------------------------------------------------------------------------------
# Pure parsers


def read_indicator_list(path: Path) -> list[dict[str, Any]]:
    """Read a landed or shipped Indicator/List JSON file (a list of indicator objects)."""
    path = Path(path)
    records = _record_list(parse_json(path.read_bytes(), str(path)), str(path))
    for i, rec in enumerate(records):
        missing = {"goal", "target", "code"} - rec.keys()
        if missing:
            raise MalformedPayloadError(f"{path}: indicator #{i} lacks {sorted(missing)}")
    return records


def _check_same(kind: str, key: str, kept: dict[str, Any], new: dict[str, Any]) -> None:
    """Repeated keys are fine only when they carry the same facts; a conflict must not be deduped away."""
    if kept != new:
        raise ValueError(f"Indicator/List: {kind} {key!r} appears with conflicting fields: {kept} vs {new}")


def indicator_list_to_frames(records: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Framework tables from Indicator/List, deduplicated on their keys, in the API's (framework) order.

    Returns goals(goal_code), targets(target_code, goal_code),
    indicators(indicator_id, target_code, goal_code, tier, description),
    series(series_code, indicator_id, description, release) and indicator_series(indicator_id, series_code).
    A series can serve several indicators (e.g. VC_DSR_MISS: 1.5.1, 11.5.1, 13.1.1): ``series.indicator_id``
    is the first indicator it is listed under; ``indicator_series`` keeps every link. Targets without an
    indicator (11.c in 2022) do not appear, since Indicator/List only lists targets through their indicators.
    """
    goals: dict[str, dict[str, Any]] = {}
    targets: dict[str, dict[str, Any]] = {}
    indicators: dict[str, dict[str, Any]] = {}
    series: dict[str, dict[str, Any]] = {}
    series_facts: dict[str, dict[str, Any]] = {}
    links: dict[tuple[str, str], None] = {}

    for rec in records:
        goal, target, code = str(rec["goal"]), str(rec["target"]), str(rec["code"])
        if not target.startswith(goal + ".") or not code.startswith(target + "."):
            raise ValueError(
                f"Indicator/List: indicator {code!r} / target {target!r} / goal {goal!r} disagree"
            )
        goals.setdefault(goal, {"goal_code": goal})
        target_row = {"target_code": target, "goal_code": goal}
        _check_same("target", target, targets.setdefault(target, target_row), target_row)
        tier = rec.get("tier")
        ind_row = {
            "indicator_id": code,
            "target_code": target,
            "goal_code": goal,
            "tier": None if tier is None else str(tier),
            "description": rec.get("description"),
        }
        _check_same("indicator", code, indicators.setdefault(code, ind_row), ind_row)
        for s in rec.get("series") or []:
            s_code = str(s["code"])
            facts = {"description": s.get("description"), "release": s.get("release")}
            _check_same("series", s_code, series_facts.setdefault(s_code, facts), facts)
            series.setdefault(s_code, {"series_code": s_code, "indicator_id": code, **facts})
            links[(code, s_code)] = None

    def frame(rows: Iterable[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(list(rows), columns=columns)

    return {
        "goals": frame(goals.values(), ["goal_code"]),
        "targets": frame(targets.values(), ["target_code", "goal_code"]),
        "indicators": frame(
            indicators.values(), ["indicator_id", "target_code", "goal_code", "tier", "description"]
        ),
        "series": frame(series.values(), ["series_code", "indicator_id", "description", "release"]),
        "indicator_series": frame(
            ({"indicator_id": i, "series_code": s} for i, s in links), ["indicator_id", "series_code"]
        ),
    }


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

SERIES_DATA_COLUMNS: tuple[str, ...] = (
    "series_code",
    "series_description",
    "goal_codes",  # ';'-joined, the API gives lists
    "target_codes",
    "indicator_ids",
    "geo_area_code",  # M49 as a string, as the API gives it ('56' = Belgium)
    "geo_area_name",
    "time_period_start",  # the API's float
    "year",  # integer year from time_period_start
    "value",  # float, None when value_raw is not a finite number
    "value_raw",  # the API's string, untouched ('5.52', 'NaN', '<5', '>95')
    "value_type",
    "time_detail",
    "time_coverage",
    "upper_bound",
    "lower_bound",
    "base_period",
    "source",
    "footnotes",  # ' | '-joined
    "geo_info_url",
)


def parse_value(raw: Any) -> float | None:
    """A finite float from the API's value string; None for 'NaN', '<5', '1,234', '' and the like."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = str(raw).strip()
        if not _NUMBER.fullmatch(text):
            return None
        number = float(text)
    return number if math.isfinite(number) else None


def _year(time_period_start: Any, rec: Mapping[str, Any]) -> int | None:
    if time_period_start is None:
        return None
    number = float(time_period_start)
    if not number.is_integer():
        raise ValueError(
            f"Series/Data {rec.get('series')} / area {rec.get('geoAreaCode')}: "
            f"timePeriodStart {time_period_start!r} is not a whole year"
        )
    return int(number)


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _joined(values: Any, sep: str = ";") -> str | None:
    if values is None:
        return None
    if isinstance(values, list | tuple):
        return sep.join(str(v) for v in values)
    return str(values)


def series_data_to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Flatten Series/Data records: typed value and year, one ``attr_*`` / ``dim_*`` column per API code list.

    Attribute and dimension values stay API codes (e.g. 'PERCENT', 'BOTHSEX'); mapping to SDMX codes is the
    job of the code lists in the page header or Series/{code}/Dimensions.
    """
    extra: dict[str, str] = {}  # column -> API id, to catch two ids that collapse to one column name
    rows: list[dict[str, Any]] = []
    for rec in records:
        row: dict[str, Any] = {
            "series_code": rec.get("series"),
            "series_description": rec.get("seriesDescription"),
            "goal_codes": _joined(rec.get("goal")),
            "target_codes": _joined(rec.get("target")),
            "indicator_ids": _joined(rec.get("indicator")),
            "geo_area_code": None if rec.get("geoAreaCode") is None else str(rec["geoAreaCode"]),
            "geo_area_name": rec.get("geoAreaName"),
            "time_period_start": rec.get("timePeriodStart"),
            "year": _year(rec.get("timePeriodStart"), rec),
            "value": parse_value(rec.get("value")),
            "value_raw": None if rec.get("value") is None else str(rec["value"]),
            "value_type": rec.get("valueType"),
            "time_detail": rec.get("time_detail"),
            "time_coverage": rec.get("timeCoverage"),
            "upper_bound": parse_value(rec.get("upperBound")),
            "lower_bound": parse_value(rec.get("lowerBound")),
            "base_period": rec.get("basePeriod"),
            "source": rec.get("source"),
            "footnotes": _joined(rec.get("footnotes"), " | "),
            "geo_info_url": rec.get("geoInfoUrl"),
        }
        for prefix, key in (("attr_", "attributes"), ("dim_", "dimensions")):
            for api_id, code in (rec.get(key) or {}).items():
                column = prefix + _snake(api_id)
                if extra.setdefault(column, api_id) != api_id:
                    raise ValueError(f"{key} {api_id!r} and {extra[column]!r} both map to column {column!r}")
                row[column] = code
        rows.append(row)

    frame = pd.DataFrame(rows, columns=[*SERIES_DATA_COLUMNS, *extra])
    frame["time_period_start"] = pd.to_numeric(frame["time_period_start"]).astype("float64")
    frame["year"] = frame["year"].astype("Int64")
    for column in ("value", "upper_bound", "lower_bound"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame
