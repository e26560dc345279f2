"""What Prefect costs a run: `bisa-sdg run` paired with an empty one-flow Prefect run of as many tasks.

Run on purpose (not part of the test suite):
    .venv/bin/python benchmarks/bench_pipeline.py [--pairs 3]

One driver process runs every case as a fresh child process (so every measurement is in this one process tree,
each child's Prefect ephemeral server included), in a temporary copy of the project with no warehouse yet:
  bisa-sdg run    the CLI as a statistician types it (one Prefect flow of tasks, ephemeral server);
  empty flow      one Prefect flow with as many tasks (one per source, submitted side by side, then validate,
                  build, publish and outputs one after the other), each doing nothing;
  steps outside   the same steps (ingest, validate, build, publish, outputs) called directly, no Prefect;
  empty flow, server first   (for reference, not the goal's baseline) the empty flow with Prefect's server started
                  before Prefect is imported, as `bisa-sdg run` starts it (flows/ephemeral.py): how much of the
                  run's time is its own work once the server's start is overlapped.
The two Prefect cases alternate, and which one goes first alternates too, so load from other users of a shared
machine falls on both sides alike; the ratio of each pair is reported, and their median.
Goals (issue #17): bisa-sdg run ≤ 1.25× the empty flow; the steps inside Prefect ≤ 1.5× the same steps outside.
The last line sets the run's time beyond its steps' own work beside the empty flow's: what orchestration costs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("ingest", "validate", "build", "publish", "outputs")

STEPS_OUTSIDE = """
import json, time
from bisa_sdg.config.profile import load_profile
from bisa_sdg.publish.outputs import settings_for, write_outputs
from bisa_sdg.run import steps as p
config, timings = p.PipelineConfig(), {}
p.build_and_publish(config, timings=timings)
started = time.perf_counter()
write_outputs(config.warehouse, config.reports_dir, settings=settings_for(config, load_profile(config.profile_path)))
timings["outputs"] = time.perf_counter() - started
print(json.dumps(timings))
"""

EMPTY_FLOW = """
import os, sys
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_UI_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
first = len(sys.argv) > 2  # the server started before Prefect is imported, as bisa-sdg run does
if first:
    from flows.ephemeral import EarlyServer

    early = EarlyServer()
from prefect import flow, task
n_sources = int(sys.argv[1])

@task
def nothing(i=0):
    return i

@flow(name="bisa-sdg")
def one_flow():
    [f.result() for f in [nothing.submit(i) for i in range(n_sources)]]
    for step in range(4):  # validate, build, publish, outputs
        nothing(step)

if first:
    from flows.ephemeral import prefect_api

    with prefect_api(early):
        one_flow()
else:
    one_flow()
"""


def project_copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="bisa-sdg-bench-"))
    for part in ("data/raw", "data/reference", "schemas", "config"):
        if (ROOT / part).exists():
            shutil.copytree(ROOT / part, target / part)
    return target


def measure(command: list[str], cwd: Path) -> tuple[float, str]:
    """Wall seconds of one fresh child process (and of its own children), and its output."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{command} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return wall, done.stdout


def steps_inside(project: Path) -> dict[str, float]:
    """The seconds of each step as the run recorded them (its Prefect tasks, API calls included)."""
    summary = json.loads((project / "reports" / "run_summary.json").read_text(encoding="utf-8"))
    per_step = {
        s["stage"]: s["seconds"] for s in summary["stages"] if s["stage"] in STEPS and "files" not in s
    }
    return {step: per_step[step] for step in STEPS}


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="pairs of bisa-sdg run and the empty flow")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from bisa_sdg.config.catalog import load_catalog

    n_sources = len(load_catalog(ROOT / "data/raw/catalog.yaml").sources)
    cases = {
        "bisa-sdg run": [str(Path(sys.executable).parent / "bisa-sdg"), "run"],
        f"empty flow ({n_sources + 4} tasks, 1 flow)": [sys.executable, "-c", EMPTY_FLOW, str(n_sources)],
    }
    reference = {"empty flow, server first": [sys.executable, "-c", EMPTY_FLOW, str(n_sources), "first"]}
    print(f"load average at start: {load()}; {os.cpu_count()} cores, python {sys.version.split()[0]}")
    walls: dict[str, list[float]] = {name: [] for name in {**cases, **reference}}
    inside: list[dict[str, float]] = []
    outside: list[dict[str, float]] = []
    ratios: list[float] = []
    for pair in range(args.pairs):
        order = list(cases) if pair % 2 == 0 else list(reversed(cases))
        for name in order:
            project = project_copy()
            try:
                wall, _ = measure(cases[name], project)
                if name == "bisa-sdg run":
                    inside.append(steps_inside(project))
            finally:
                shutil.rmtree(project, ignore_errors=True)
            walls[name].append(wall)
        for name, command in reference.items():
            project = project_copy()
            try:
                walls[name].append(measure(command, project)[0])
            finally:
                shutil.rmtree(project, ignore_errors=True)
        project = project_copy()
        try:
            outside.append(
                json.loads(measure([sys.executable, "-c", STEPS_OUTSIDE], project)[1].splitlines()[-1])
            )
        finally:
            shutil.rmtree(project, ignore_errors=True)
        run, empty = (walls[name][-1] for name in cases)
        ratios.append(run / empty)
        print(
            f"pair {pair + 1}: bisa-sdg run {run:.2f} s, empty flow {empty:.2f} s, {run / empty:.2f}×  (load {load()})"
        )
    print(f"{'case':<36} {'median s':>9}   runs")
    for name, values in walls.items():
        print(f"{name:<36} {statistics.median(values):>9.2f}   " + ", ".join(f"{v:.2f}" for v in values))
    print(f"bisa-sdg run / empty flow: median of the pairs {statistics.median(ratios):.2f}× (goal ≤ 1.25×)")
    first = statistics.median(walls["empty flow, server first"])
    print(
        f"bisa-sdg run / empty flow with its server started first (reference): "
        f"{statistics.median(walls['bisa-sdg run']) / first:.2f}×"
    )
    for label, runs in (("steps inside Prefect", inside), ("steps outside Prefect", outside)):
        medians = {step: statistics.median(run[step] for run in runs) for step in STEPS}
        total = statistics.median(sum(run[step] for step in STEPS) for run in runs)
        print(f"{label:<36} {total:>9.2f}   " + ", ".join(f"{s} {v:.2f}" for s, v in medians.items()))
    inside_total = statistics.median(sum(run[s] for s in STEPS) for run in inside)
    outside_total = statistics.median(sum(run[s] for s in STEPS) for run in outside)
    print(f"steps inside / outside Prefect: {inside_total / outside_total:.2f}× (goal ≤ 1.5×)")
    # What the run costs beyond its steps' own work, against what an empty flow costs: orchestration alone.
    beyond = statistics.median(walls["bisa-sdg run"]) - outside_total
    empty = statistics.median(next(v for k, v in walls.items() if k.startswith("empty")))
    print(f"bisa-sdg run minus its steps' own work: {beyond:.2f} s, against the empty flow's {empty:.2f} s")
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"benchmark took {time.perf_counter() - start:.0f} s")
