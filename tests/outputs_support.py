"""A real warehouse for the output tests, built once per test session with the pipeline's own functions.

No Prefect: ingest → validate → build → publish are called directly (as flows/pipeline.py does), in a temporary
copy of the project, so the outputs are tested on what the pipeline really publishes.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from bisa_sdg.publish.outputs import OutputSettings
from bisa_sdg.run import steps as p
from tests.conftest import ROOT, copy_sample

_BUILT: dict[str, Path] = {}
_BUILD_TIMINGS: dict[str, float] = {}


@contextmanager
def working_directory(path: Path):
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def build_sample_warehouse(root: Path) -> Path:
    """Build and publish the shipped sample's warehouse under ``root`` (first call only; then reused).

    The project copy is ``warehouse.parents[2]``; the build's step timings are :func:`sample_build_timings`.
    """
    if "path" in _BUILT:
        return _BUILT["path"]
    started = time.perf_counter()
    project = copy_sample(root / "project")
    with working_directory(project):
        config = p.PipelineConfig(warehouse=Path("data/curated/bisa_sdg.duckdb"), reports_dir=Path("reports"))
        p.build_and_publish(config, timings=_BUILD_TIMINGS)
    _BUILT["path"] = project / "data" / "curated" / "bisa_sdg.duckdb"
    print(f"\nsample warehouse built in {time.perf_counter() - started:.1f} s")
    return _BUILT["path"]


def sample_build_timings() -> dict[str, float]:
    """The seconds of each step of the sample's build (after :func:`build_sample_warehouse`)."""
    assert "path" in _BUILT, "build_sample_warehouse first"
    return dict(_BUILD_TIMINGS)


def settings(**overrides) -> OutputSettings:
    """Output settings anchored on the repository (tests may run from any directory)."""
    reference = ROOT / "data" / "reference" / "sdmx"
    values = {
        "dsd_path": reference / "SDG_DSD_global_IAEG-SDGs_from_brockfanning_2021-07.xml",
        "constraints_path": reference / "sdmx_global_content_constraints_from_open-sdg_sdg-build.csv",
        "series_names_path": reference / "dsd_CL_SERIES_2023-02-06_from_worldbank_sdg-metadata-convert.csv",
        "ref_area_map_path": ROOT / "config" / "sdmx_ref_area.csv",
    }
    values.update(overrides)
    return OutputSettings(**values)


# ----------------------------------------------------------------------------------------- hand-made warehouse

RUN_ID = "20250101T000000Z-handmade"
MUNICIPALITIES = {
    "21001": ("Anderlecht", "Anderlecht"),
    "21004": ("Bruxelles", "Brussel"),
    "21009": ("Ixelles", "Elsene"),
}


def value_row(**overrides) -> dict:
    """One curated.indicator_values row with every contract column."""
    from bisa_sdg.contract import BREAKDOWN_COLUMNS, INDICATOR_VALUE_COLUMNS

    row = {
        "indicator_id": "11.6.2",
        "series": "EN_ATM_PM25",
        "ref_area": "04000",
        "time_period": 2020,
        "obs_value": 10.0,
        "unit_measure": "GPERM3",
        "unit_mult": 0,
        "obs_status": "A",
        "nature": "C",
        "freq": "A",
        "reporting_type": "N",
        **dict.fromkeys(BREAKDOWN_COLUMNS, "_T"),
        "source": "air_src",
        "synthetic": False,
        "comment": "population-weighted station means",
    }
    row.update(overrides)
    return {column: row[column] for column in INDICATOR_VALUE_COLUMNS}


def handmade_rows() -> list[dict]:
    """PM2.5 for the region over three years (one estimated), three municipalities, a breakdown by sex, the
    country beside the region, and a synthetic EU series: every case the outputs must handle."""
    rows = [
        value_row(
            time_period=y, obs_value=v, nature="E" if y == 2021 else "C", obs_status="E" if y == 2021 else "A"
        )
        for y, v in ((2019, 13.1), (2020, 11.4), (2021, 10.05))
    ]
    rows += [
        value_row(ref_area=code, time_period=2021, obs_value=9.5 + i, comment=f"stations of {code}")
        for i, code in enumerate(MUNICIPALITIES)
    ]
    rows += [value_row(ref_area="056", time_period=y, obs_value=v) for y, v in ((2019, 12.0), (2020, 10.2))]
    rows += [
        value_row(
            indicator_id="11.2.1",
            series="SP_TRN_PUBL",
            unit_measure="PT",
            obs_value=93.0 + d,
            sex=s,
            source="stops_src",
            comment="500 m / 1 km walking distance (Euclidean proxy)",
            nature="E",
        )
        for s, d in (("_T", 0.0), ("F", 0.5), ("M", -0.5))
    ]
    rows.append(
        value_row(
            indicator_id="sdg_11_40",
            series="ROAD_DEATHS_RATE",
            unit_measure="PER_100000_POP",
            obs_value=1.3,
            source="fake_src",
            synthetic=True,
            comment="SYNTHETIC INPUT — not an official figure; invented",
        )
    )
    return rows


def _areas_frame():
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "ref_area": "04000",
                "level": "region",
                "parent_area": "056",
                "name_fr": "Région de test",
                "name_nl": "Testgewest",
                "name_en": "Test Region",
                "area_km2": 10.0,
            }
        ]
        + [
            {
                "ref_area": c,
                "level": "municipality",
                "parent_area": "04000",
                "name_fr": fr,
                "name_nl": nl,
                "name_en": fr,
                "area_km2": 1.0,
            }
            for c, (fr, nl) in MUNICIPALITIES.items()
        ]
    )


def _sources_frame():
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "source_id": "air_src",
                "title": "Air quality stations",
                "publisher": "Air agency",
                "licence": "CC BY",
                "url": "https://example.org/air",
                "retrieved": "2024-01-02",
                "cadence": "yearly",
                "synthetic": False,
                "caveats": "",
            },
            {
                "source_id": "stops_src",
                "title": "Stops",
                "publisher": "Transport",
                "licence": "CC0",
                "url": "https://example.org/stops",
                "retrieved": "2024-02-03",
                "cadence": "yearly",
                "synthetic": False,
                "caveats": "Euclidean distance",
            },
            {
                "source_id": "fake_src",
                "title": "Invented road deaths",
                "publisher": "nobody",
                "licence": "none",
                "url": "",
                "retrieved": "2024-03-04",
                "cadence": "never",
                "synthetic": True,
                "caveats": "invented",
            },
        ]
    )


def _meta_and_audit_tables() -> dict:
    import pandas as pd

    files = pd.DataFrame(
        [
            {
                "source_id": "air_src",
                "path": "air/a.csv",
                "sha256_catalog": "ab" * 32,
                "sha256_read": "ab" * 32,
                "note": "",
            }
        ]
    )
    runs = pd.DataFrame(
        [
            {
                "run_id": RUN_ID,
                "started_at": "2025-01-01T00:00:00+00:00",
                "finished_at": None,
                "status": "running",
                "profile": "test",
                "code_version": "0.1.0+test",
                "online": False,
                "inputs": '{"air/a.csv": "' + "ab" * 32 + '"}',
                "steps": "[]",
                "error": None,
            }
        ]
    )
    return {"meta.source_files": files, "audit.runs": runs}


def report_tables() -> dict:
    """What the report reads beside the values: the spread of PM2.5, the outlines, the registry's digits."""
    import pandas as pd

    tables = {}
    tables["curated.equity"] = pd.DataFrame(
        [
            # PM2.5 in 2021 (handmade_rows): 9.5, 10.5, 11.5 µg/m³ in 21001, 21004, 21009; less is better,
            # so the worst-off is 21009 (Ixelles) at 11.5, 1.45 above the region's 10.05; 11.5 / 9.5 = 1.21.
            {
                "series": "EN_ATM_PM25",
                "time_period": 2021,
                "direction": "decrease",
                "worst_area": "21009",
                "worst_value": 11.5,
                "worst_gap_to_region": 1.45,
                "max_min_ratio": 11.5 / 9.5,
                "cv": 0.0777,
            }
        ]
    )
    tables["curated.area_outlines"] = pd.DataFrame(
        [
            {
                "ref_area": code,
                "cell_size_m": 100.0,
                "n_cells": 4,
                "rings": json.dumps(
                    [[[i * 200, 0], [i * 200 + 200, 0], [i * 200 + 200, 200], [i * 200, 200]]]
                ),
            }
            for i, code in enumerate(MUNICIPALITIES)
        ]
    )
    tables["meta.indicator_registry_series"] = pd.DataFrame(
        [
            {
                "indicator_id": "11.6.2",
                "series": "EN_ATM_PM25",
                "in_dsd": True,
                "description": "PM2.5",
                "decimals": 1,
            }
        ]
    )
    return tables


def make_warehouse(path: Path, *, progress: bool = True, national_table: bool = False) -> Path:
    """A small published-warehouse look-alike with the tables the outputs read (and their COMMENTs)."""
    import duckdb
    import pandas as pd

    from bisa_sdg.contract import INDICATOR_VALUE_COLUMNS

    values = pd.DataFrame(handmade_rows(), columns=list(INDICATOR_VALUE_COLUMNS))
    tables = {
        "curated.indicator_values": values,
        "curated.areas": _areas_frame(),
        "meta.sources": _sources_frame(),
        **_meta_and_audit_tables(),
        **report_tables(),
    }
    if progress:
        tables.update(assessment_tables())
    if national_table:
        tables["curated.national_context"] = pd.DataFrame(
            [{"series": "SP_TRN_PUBL", "ref_area": "056", "time_period": 2021, "obs_value": 80.0}]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        for schema in ("curated", "meta", "audit"):
            con.execute(f"create schema {schema}")
        for name, frame in tables.items():
            con.register("_frame", frame)
            con.execute(f"create table {name} as select * from _frame")  # noqa: S608 - fixed test names
            con.unregister("_frame")
            if name.startswith("curated."):
                con.execute(f"comment on table {name} is 'Table {name} for tests'")
                for column in frame.columns:
                    con.execute(f"comment on column {name}.{column} is 'Column {column} of {name}'")
        con.execute("alter table curated.indicator_values alter time_period type integer")
    return path


def assessment_tables() -> dict:
    """curated.progress (two targets of PM2.5, the headline rows and another method) and the scorecard."""
    import pandas as pd

    def row(target: str, agenda: str, method: str, category: str, light: str | None, **extra) -> dict:
        return {
            "indicator_id": "11.6.2",
            "series": "EN_ATM_PM25",
            "ref_area": "04000",
            "target_id": target,
            "agenda": agenda,
            "method": method,
            "category": category,
            "light": light,
            "headline": method == "unsd-2023",
            "assessed": light is not None,
            "base_year": 2019,
            "latest_year": 2021,
            "target_value": 5.0,
            "target_year": 2030,
            "probability_target_met": None,
            "verdict_stable": None,
            "reason_code": None,
            **extra,
        }

    progress = pd.DataFrame(
        [
            row(
                "who_aqg2021_pm25_annual",
                "who",
                "unsd-2023",
                "regression",
                "no_progress_or_worse",
                probability_target_met=0.03,
                verdict_stable=True,
            ),
            row("who_aqg2021_pm25_annual", "who", "eurostat", "on_track", "on_track"),
            row(
                "eu_aaqd2024_pm25_annual",
                "eu_law",
                "unsd-2023",
                "insufficient_data",
                None,
                reason_code="no_data",
            ),
        ]
    )
    return {"curated.progress": progress, "curated.agenda_scorecard": _scorecard()}


def _scorecard():
    """The two agendas of the progress rows above: WHO (one target, regressing, robust), the Green Deal (one
    target without data)."""
    import pandas as pd

    counts = dict.fromkeys(
        (
            "n_target_met",
            "n_on_track",
            "n_moderate_progress",
            "n_marginal_progress",
            "n_stagnation",
            "n_regression",
            "n_numeric_not_assessable",
            "n_direction_progress",
            "n_direction_limited",
            "n_direction_deterioration",
            "n_direction_not_assessable",
            "n_robust",
        ),
        0,
    )
    scorecard = pd.DataFrame(
        [
            {
                "agenda_group": "who",
                "agenda_group_label": "WHO guidelines",
                "ref_area": "04000",
                "n_targets": 1,
                **counts,
                "n_regression": 1,
                "n_robust": 1,
            },
            {
                "agenda_group": "green_deal",
                "agenda_group_label": "European Green Deal",
                "ref_area": "04000",
                "n_targets": 1,
                **counts,
                "n_numeric_not_assessable": 1,
            },
        ]
    )
    return scorecard
