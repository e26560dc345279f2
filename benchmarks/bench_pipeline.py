"""Benchmark `bisa-sdg run` on the shipped sample against an empty Prefect flow with as many tasks.

Run on purpose (not part of the test suite):
    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 3] [--work-repeat 7]

Each measurement runs in a fresh process, in a temporary copy of the project, and reports wall time and the peak
resident memory of that process tree (the Prefect ephemeral API server is a child process and is included):
  pipeline work   the pipeline's own steps (ingest, validate, build, publish) called directly, no Prefect;
                  printed with the package import and the steps themselves (the goal's "own work") apart,
                  and the steps of a second run in that same, now warm, process;
  bisa-sdg run    the CLI as a statistician types it (Prefect flows, ephemeral server);
  empty flow      a Prefect flow with the same number of flows and tasks doing nothing.
Goals (issue 2): the pipeline steps < 2 s; bisa-sdg run within 1.5× the empty flow; peak memory < 600 MB.
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

PURE_WORK = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from bisa_sdg.run import steps as p
imported = time.perf_counter()
steps, warm = {}, {}
p.build_and_publish(p.PipelineConfig(), timings=steps)
p.build_and_publish(p.PipelineConfig(), timings=warm)  # the same again, every module and cache now warm
print(json.dumps({"imports": imported - started, "steps": steps, "warm": warm}))
"""

EMPTY_FLOW = """
import os, sys
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
from prefect import flow, task
n_sources = int(sys.argv[1])

@task
def nothing(i=0):
    return i

@flow(name="ingest")
def ingest():
    return [f.result() for f in [nothing.submit(i) for i in range(n_sources)]]

@flow(name="validate")
def validate():
    return nothing()

@flow(name="build")
def build():
    return nothing()

@flow(name="publish")
def publish():
    return nothing()

@flow(name="bisa-sdg")
def parent():
    ingest(); validate(); build(); publish()

parent()
"""


def project_copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="bisa-sdg-bench-"))
    for part in ("data/raw", "data/reference", "schemas", "config"):
        if (ROOT / part).exists():
            shutil.copytree(ROOT / part, target / part)
    return target


def measure(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MB) of one fresh process tree."""
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        f"r = subprocess.run({command!r}, cwd={str(cwd)!r}, capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(wall, peak, r.returncode)\n"
        "sys.stderr.write(r.stdout[-2000:] + r.stderr[-2000:] if r.returncode else r.stdout[-500:])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    wall, peak, code = result.stdout.split()
    if code != "0":
        raise SystemExit(f"{command} failed:\n{result.stderr}")
    return float(wall), float(peak), result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each Prefect case")
    parser.add_argument(
        "--work-repeat", type=int, default=7, help="runs of the (cheap, noisier) pipeline-work case"
    )
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    bin_dir = Path(sys.executable).parent
    from bisa_sdg.config.catalog import load_catalog

    n_sources = len(load_catalog(ROOT / "data/raw/catalog.yaml").sources)
    cases = {
        "pipeline work, run twice (no Prefect)": [sys.executable, "-c", PURE_WORK],
        "bisa-sdg run": [str(bin_dir / "bisa-sdg"), "run"],
        f"empty Prefect flow ({n_sources + 3} tasks, 5 flows)": [
            sys.executable,
            "-c",
            EMPTY_FLOW,
            str(n_sources),
        ],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    in_process: list[dict] = []
    for run in range(max(args.repeat, args.work_repeat)):
        for name, command in cases.items():
            if run >= (args.work_repeat if name.startswith("pipeline work") else args.repeat):
                continue
            project = project_copy()
            try:
                wall, peak, out = measure(command, project)
            finally:
                shutil.rmtree(project, ignore_errors=True)
            results[name].append((wall, peak))
            if name.startswith("pipeline work"):
                in_process.append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"bisa-sdg benchmark — {n_sources} sources, {args.repeat} runs of each Prefect case and "
        f"{args.work_repeat} of the pipeline work, median shown; "
        f"{os.cpu_count()} cores, python {sys.version.split()[0]}"
    )
    print(f"{'case':<42} {'wall s':>8} {'peak MB':>8}")
    medians = {}
    for name, values in results.items():
        wall = statistics.median(v[0] for v in values)
        peak = max(v[1] for v in values)
        medians[name] = wall
        print(f"{name:<42} {wall:>8.2f} {peak:>8.0f}")
    steps = {
        name: statistics.median(run["steps"][name] for run in in_process) for name in in_process[0]["steps"]
    }
    imports = statistics.median(run["imports"] for run in in_process)
    works = [sum(run["steps"].values()) for run in in_process]
    warms = [sum(run["warm"].values()) for run in in_process]
    print(f"{'  of which importing the package':<42} {imports:>8.2f}")
    print(
        f"{'  of which the pipeline steps (goal < 2 s)':<42} {statistics.median(works):>8.2f}   "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in steps.items())
        + f"; runs {min(works):.2f}–{max(works):.2f}"
    )
    # The spread shows how far the machine's noise moves one figure (on a shared 2-core machine: ±0.3 s).
    print(
        f"{'  the same steps again in that warm process':<42} {statistics.median(warms):>8.2f}   "
        f"runs {min(warms):.2f}–{max(warms):.2f}"
    )
    run, empty = medians["bisa-sdg run"], next(v for k, v in medians.items() if k.startswith("empty"))
    print(f"bisa-sdg run / empty flow = {run / empty:.2f}× (goal ≤ 1.5×)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"benchmark took {time.perf_counter() - start:.0f} s")
