"""The Prefect flows under Prefect's test harness: they really run, and the same inputs give the same tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bisa_sdg.validation.schema import ValidationFailed
from bisa_sdg.warehouse import database as wh
from tests.conftest import sample_config

pytestmark = pytest.mark.slow


def digests(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: wh.table_digest(con, f"curated.{table}") for table in wh.curated_tables(con)}


def test_two_runs_on_the_same_inputs_give_identical_curated_tables(prefect_harness, sample_project):
    from flows.pipeline import run_pipeline

    first = run_pipeline(sample_config(sample_project, "first"))
    second = run_pipeline(sample_config(sample_project, "second"))
    assert first["status"] == second["status"] == "completed"
    assert first["run_id"] != second["run_id"]
    a, b = (
        digests(sample_project / "first/bisa_sdg.duckdb"),
        digests(sample_project / "second/bisa_sdg.duckdb"),
    )
    assert set(a) >= {"indicator_values", "population", "areas"}
    assert a == b
    assert (sample_project / "first/reports/run_summary.json").exists()


def test_a_validation_error_fails_the_flow_and_is_logged(prefect_harness, sample_project):
    from bisa_sdg.run.runlog import last_runs
    from flows.pipeline import run_pipeline

    area = sample_project / "data/raw/statbel_area/bnosac_BE_ADMIN_MUNTY_attributes_all589.csv"
    text = area.read_text(encoding="utf-8")
    area.write_text(text.replace("\n21016,", "\n2101X,", 1), encoding="utf-8")
    config = sample_config(sample_project, "broken")
    with pytest.raises(ValidationFailed, match="refnis_format"):
        run_pipeline(config)
    assert not config.warehouse.exists()
    runs, issues = last_runs(config.warehouse)
    assert runs.iloc[0]["status"] == "failed"
    assert {"refnis_format", "all_region_areas_present"} <= set(issues["rule"])


def test_subflows_record_the_ingested_frames_without_copying_them(monkeypatch):
    """Prefect records a subflow's parameters as JSON; the frames must not be deep-copied for it (a dataclass
    would be, by dataclasses.asdict: 0.06-0.3 s per subflow) and are recorded as a placeholder."""
    import pandas as pd

    from bisa_sdg.run.steps import Ingested
    from flows.pipeline import build_flow, validate_flow

    copies: list[int] = []
    monkeypatch.setattr(
        pd.DataFrame, "__deepcopy__", lambda self, memo=None: copies.append(len(self)) or self
    )
    ingested = Ingested(frames={"statbel_area": pd.DataFrame({"refnis": ["21001"] * 3})}, file_hashes={})
    for subflow in (validate_flow, build_flow):
        assert subflow.serialize_parameters({"ingested": ingested})["ingested"] == "<Ingested>"
    assert copies == []
