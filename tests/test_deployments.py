"""Scheduling: deployments derived from the catalog, served against a REAL Prefect server on 127.0.0.1.

The integration test starts ``prefect server start`` (temporary PREFECT_HOME), serves the deployments with
``bisa-sdg serve``, triggers one with ``run_deployment`` on a copy of the project and waits for it to complete.
Everything it starts is killed at the end, whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bisa_sdg.config.catalog import load_catalog
from flows import deployments as dep
from tests.conftest import ROOT
from tests.prod_support import free_port, sha256

CATALOG = load_catalog(ROOT / "data" / "raw" / "catalog.yaml")


@pytest.mark.parametrize(
    ("cadence", "kind"),
    [
        ("monthly check (UNSD releases quarterly)", "monthly"),
        ("yearly (Statbel publishes the population on 1 January each spring)", "yearly-spring"),
        ("yearly", "yearly"),
        ("annual", "yearly"),
        ("quarterly (UN database releases)", "quarterly"),
        ("irregular (GTFS updated with each timetable)", None),
        ("on boundary changes (municipal mergers)", None),
    ],
)
def test_cadence_kinds(cadence, kind):
    assert dep.cadence_kind(cadence) == kind


def test_plans_follow_the_catalog():
    plans = {plan.name: plan for plan in dep.plans(CATALOG)}
    assert "unsd_sdg_api" in plans["refresh-monthly"].sources
    assert plans["refresh-monthly"].cron == "0 6 3 * *"
    assert plans["refresh-yearly-spring"].sources == ("statbel_population",)
    assert plans["refresh-yearly-spring"].cron == "0 6 15 4 *"  # mid-April, after Statbel's spring release
    rebuild = plans["full-rebuild-yearly"]
    assert rebuild.full_refresh and set(rebuild.sources) == {s.id for s in CATALOG.sources}
    days = [tuple(plan.cron.split()[2:4]) for plan in plans.values()]
    assert len(days) == len(set(days))  # no two deployments on the same day


def test_deployments_carry_absolute_paths_schedules_and_tags(tmp_path):
    from bisa_sdg.run.steps import PipelineConfig

    deployments = dep.build_deployments(PipelineConfig(warehouse=Path("data/curated/x.duckdb")), CATALOG)
    by_name = {d.name: d for d in deployments}
    monthly = by_name["refresh-monthly"]
    assert Path(monthly.parameters["warehouse"]).is_absolute()
    assert monthly.parameters["online"] is True and monthly.parameters["full_refresh"] is False
    assert "unsd_sdg_api" in monthly.tags
    (schedule,) = monthly.schedules
    assert schedule.schedule.cron == "0 6 3 * *" and schedule.schedule.timezone == dep.TIMEZONE
    assert by_name["full-rebuild-yearly"].parameters["full_refresh"] is True


def test_serve_dry_run_prints_the_schedules(capsys):
    from bisa_sdg.cli import main

    assert main(["serve", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "bisa-sdg-scheduled/refresh-monthly  cron '0 6 3 * *' Europe/Brussels" in out
    assert "statbel_population" in out and "irregular sources" in out


def test_another_region_is_scheduled_on_its_own_sources(capsys):
    from bisa_sdg.cli import main

    assert main(["serve", "--dry-run", "--profile", "wallonia"]) == 0
    out = capsys.readouterr().out
    # config/profiles/wallonia.yaml lists six sources; Brussels-only ones (STIB stops, the Brussels
    # population series) must not be refreshed for Wallonia
    assert "statbel_population" in out and "fpb_indicators_waste_by_region" in out
    assert "stib_stops" not in out and "published_population_region" not in out


# --- a real server ------------------------------------------------------------------------------------------


def _start(args: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_healthy(url: str, server: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"prefect server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"prefect server not healthy in time:\n{log.read_text()[-3000:]}")


# How long to keep waiting for the server, the deployment and the run before calling it a hang. Not a performance
# limit (the run's cost is measured in benchmarks/): the test checks states, and this only bounds a stuck wait.
WAIT_S = 600.0


@pytest.mark.slow
def test_a_served_deployment_runs_to_completion_on_a_real_server(good_publication, tmp_path):
    """On a copy of the published project (so the run is short: nothing changed), through the real API."""
    project = tmp_path / "project"
    shutil.copytree(good_publication, project, symlinks=True)
    warehouse = project / "data/curated/bisa_sdg.duckdb"
    before = sha256(warehouse)
    deadline = time.monotonic() + WAIT_S
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(tmp_path / "prefect_home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    prefect = str(Path(sys.executable).with_name("prefect"))
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    server = _start(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, server_log, tmp_path
    )
    served = None
    try:
        _wait_healthy(api, server, server_log, deadline)
        client_env = env | {"PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
        served = _start(
            [sys.executable, "-m", "bisa_sdg.cli", "serve", "--raw-dir", "data/raw",
             "--warehouse", "data/curated/bisa_sdg.duckdb", "--reports-dir", "reports",
             "--profile", "config/profiles/brussels.yaml", "--schemas-dir", "schemas"],
            client_env, serve_log, project,
        )  # fmt: skip
        flow_run = _run_deployment(api, deadline, served, serve_log)
        assert flow_run.state is not None and flow_run.state.is_completed(), (
            f"{flow_run.state}\n{serve_log.read_text()[-4000:]}"
        )
        summary = json.loads((project / "reports/run_summary.json").read_text(encoding="utf-8"))
        assert summary["status"] == "completed" and summary["run_id"]
        # Usually nothing changed since the session's publication and the warehouse is left as it is; in a
        # working tree being edited meanwhile the run rebuilds. Either way a complete warehouse is published.
        if any(s["stage"] == "check" and s["cached"] for s in summary["stages"]):
            assert sha256(warehouse) == before
        assert summary["warehouse"] == str(warehouse.resolve()) and warehouse.stat().st_size > 0
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
    assert server.poll() is not None and (served is None or served.poll() is not None)


def _run_deployment(api: str, deadline: float, served, serve_log: Path):
    """Wait for `bisa-sdg serve` to register the deployment, then run it with offline parameters."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    name = f"{dep.FLOW_NAME}/refresh-monthly"
    with temporary_settings(updates={PREFECT_API_URL: api}):
        with get_client(sync_client=True) as client:
            while True:
                if served.poll() is not None:
                    raise AssertionError(f"bisa-sdg serve exited:\n{serve_log.read_text()[-3000:]}")
                try:
                    client.read_deployment_by_name(name)
                    break
                except Exception as exc:
                    if time.monotonic() > deadline:
                        log = serve_log.read_text()[-3000:]
                        raise AssertionError(f"deployment never registered:\n{log}") from exc
                    time.sleep(0.5)
        return run_deployment(
            name,
            parameters={"online": False},  # the scheduled run's paths, offline: no network in tests
            timeout=max(5.0, deadline - time.monotonic()),
            poll_interval=1,
            as_subflow=False,
        )


def test_next_runs_are_in_brussels_time_across_the_change_to_summer_time():
    """Worked out by hand: 3 March 2027 is a Wednesday (1 January 2027 is a Friday, + 61 days); EU summer time
    starts on the last Sunday of March, 28 March 2027, so April and May runs are at 06:00 CEST (UTC+2)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    after = datetime(2027, 3, 1, tzinfo=ZoneInfo("Europe/Brussels"))
    runs = dep.next_runs("0 6 3 * *", after=after)
    assert [f"{d:%a %Y-%m-%d %H:%M %Z}" for d in runs] == [
        "Wed 2027-03-03 06:00 CET",
        "Sat 2027-04-03 06:00 CEST",
        "Mon 2027-05-03 06:00 CEST",
    ]
    assert [d.utcoffset().total_seconds() / 3600 for d in runs] == [1, 2, 2]


def test_serve_dry_run_shows_the_next_runs_and_whether_they_go_online(capsys):
    from bisa_sdg.cli import main

    assert main(["serve", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    monthly = lines.index(next(line for line in lines if "/refresh-monthly " in line))
    assert lines[monthly].endswith("online=yes")
    assert lines[monthly + 1].startswith("    next runs: ") and lines[monthly + 1].count(" 06:00 ") == 3
