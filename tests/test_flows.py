"""The Prefect flows under Prefect's test harness: they really run, and the same inputs give the same tables."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from bisa_sdg.validation.schema import ValidationFailed
from bisa_sdg.warehouse import database as wh
from tests.conftest import sample_config
from tests.prod_support import Workspace

pytestmark = pytest.mark.slow


def digests(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: wh.table_digest(con, f"curated.{table}") for table in wh.curated_tables(con)}


def test_two_runs_on_the_same_inputs_give_identical_curated_tables(
    prefect_harness, good_publication, sample_project
):
    """The first run is the session's last good publication (the flow on another copy of the same sample)."""
    from flows.pipeline import run_pipeline

    first = json.loads((good_publication / "reports/run_summary.json").read_text(encoding="utf-8"))
    second = run_pipeline(sample_config(sample_project, "second"))
    assert first["status"] == second["status"] == "completed"
    assert first["run_id"] != second["run_id"]
    a, b = digests(Workspace(good_publication).warehouse), digests(sample_project / "second/bisa_sdg.duckdb")
    assert set(a) >= {"indicator_values", "population", "areas"}
    assert a == b
    assert (sample_project / "second/reports/run_summary.json").exists()


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


def test_a_run_is_one_flow_of_tasks(prefect_harness, good_publication):
    """Each subflow cost a flow run's API calls and showed nothing a task does not: a run is one flow run (here
    the session's last good publication, whose Prefect flow run its run log names)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with duckdb.connect(str(Workspace(good_publication).run_log), read_only=True) as con:
        ((status, label),) = con.execute("select status, prefect_flow_run from runs").fetchall()
    flow_run_id = label.rsplit("(", 1)[1].rstrip(")")
    with get_client(sync_client=True) as client:
        flow_names = {flow.id: flow.name for flow in client.read_flows()}
        run = client.read_flow_run(flow_run_id)
        runs = [r for r in client.read_flow_runs() if r.name.startswith("bisa-sdg-bisa_sdg.duckdb-")]
        only_this_run = FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        tasks = {task.name.split("-")[0] for task in client.read_task_runs(flow_run_filter=only_this_run)}
    assert not {"ingest", "validate", "build", "publish"} & set(flow_names.values())
    assert run.id in {r.id for r in runs} and {flow_names[r.flow_id] for r in runs} == {"bisa-sdg"}
    assert status == "completed"
    assert {"ingest", "validate", "build", "publish", "outputs"} <= tasks
