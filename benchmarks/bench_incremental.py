"""First run vs rerun: what the incremental cache saves.

    .venv/bin/python benchmarks/bench_incremental.py [--no-cli] [--keep]

Works on a frozen copy of the code and data in a temporary folder (so that edits made meanwhile in the working
tree cannot change the cache keys half-way), and measures, under one Prefect test harness (in-process):

1. cold       — empty warehouse folder: every source read, validated, built, published;
2. unchanged  — the same inputs again: everything hashed, nothing read, warehouse left as it is;
3. one file   — one raw file changed (a road-victims row removed): that source read again, the rest from the
                cache, validation and build redone;
4. full       — ``full_refresh``: every cache ignored;

and then, unless --no-cli, the same cold/unchanged pair as a statistician sees it: ``bisa-sdg run`` in a new
process each time (import + Prefect's ephemeral server start + run). Prints one table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from pathlib import Path
from prefect.testing.utilities import prefect_test_harness
from bisa_sdg.run.steps import PipelineConfig
from flows.pipeline import run_pipeline

work = Path(sys.argv[1])
def config(**kw):
    return PipelineConfig(raw_dir=work / "data/raw", warehouse=work / "data/curated/bisa_sdg.duckdb",
                          reports_dir=work / "reports", profile_path=work / "config/profiles/brussels.yaml",
                          schemas_dir=work / "schemas", **kw)
def measure(name, **kw):
    started = time.perf_counter()
    summary = run_pipeline(config(**kw))
    wall = time.perf_counter() - started
    stages = summary["stages"]
    per_source = [s for s in stages if s["stage"] == "ingest" and s["prefect_name"] != "ingest-brussels"]
    print(json.dumps({"scenario": name, "wall": wall, "stages": stages,
                      "sources": len(per_source), "cached_sources": sum(s["cached"] for s in per_source)}),
          flush=True)
with prefect_test_harness(server_startup_timeout=300):
    measure("cold (in-process)")
    measure("unchanged (in-process)")
    victims = next((work / "data/raw/statbel_road_victims").glob("*.csv"))
    lines = victims.read_text(encoding="utf-8").splitlines(keepends=True)
    victims.write_text("".join(lines[:-1]), encoding="utf-8")
    measure("one file changed (in-process)")
    measure("full refresh (in-process)", full_refresh=True)
"""


def snapshot(target: Path) -> None:
    for folder in ("src", "flows", "config", "schemas"):
        shutil.copytree(ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "raw", target / "data" / "raw")
    if (ROOT / "data" / "reference").is_dir():
        shutil.copytree(ROOT / "data" / "reference", target / "data" / "reference")


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(work / "src"), str(work)]),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    return env


def cli_run(work: Path, warehouse: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bisa_sdg.cli", "run", "--raw-dir", "data/raw", "--warehouse", str(warehouse),
         "--reports-dir", "reports_cli", "--profile", "config/profiles/brussels.yaml", "--schemas-dir", "schemas"],
        cwd=work, env=environment(work), capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bisa-sdg run failed:\n{done.stderr[-3000:]}")
    summary = json.loads((work / "reports_cli" / "run_summary.json").read_text(encoding="utf-8"))
    per_source = [
        s for s in summary["stages"] if s["stage"] == "ingest" and s["prefect_name"] != "ingest-brussels"
    ]
    return {"wall": wall, "stages": summary["stages"], "sources": len(per_source),
            "cached_sources": sum(s["cached"] for s in per_source)}  # fmt: skip


def row(result: dict) -> str:
    by_stage: dict[str, float] = {}
    for stage in result["stages"]:
        if stage["stage"] == "ingest" and stage["prefect_name"] != "ingest-brussels":
            continue  # per-source records; 'ingest-brussels' is the stage's wall time
        by_stage[stage["stage"]] = by_stage.get(stage["stage"], 0.0) + stage["seconds"]
    cells = [
        f"{by_stage[s]:7.2f}" if s in by_stage else "      -"
        for s in ("ingest", "validate", "build", "publish")
    ]
    check = next((s for s in result["stages"] if s["stage"] == "check"), None)
    note = (
        "nothing read (unchanged)"
        if check
        else f"{result['cached_sources']}/{result['sources']} sources cached"
    )
    return f"{result['scenario']:<34} {result['wall']:8.1f} {' '.join(cells)}   {note}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-cli", action="store_true", help="skip the two `bisa-sdg run` processes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bisa_sdg_bench_"))
    try:
        snapshot(work)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(work)], env=environment(work), capture_output=True, text=True,
            timeout=1800, check=False,
        )  # fmt: skip
        results = [json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")]
        if child.returncode != 0 or len(results) != 4:
            raise SystemExit(f"benchmark run failed:\n{child.stderr[-4000:]}")
        if not args.no_cli:
            cli_warehouse = work / "cli" / "bisa_sdg.duckdb"
            results.append({"scenario": "cold (bisa-sdg run)", **cli_run(work, cli_warehouse)})
            results.append({"scenario": "unchanged (bisa-sdg run)", **cli_run(work, cli_warehouse)})
        print(f"incremental runs on {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
        print(
            f"{'scenario':<34} {'wall s':>8} {'ingest':>7} {'valid.':>7} {'build':>7} {'publish':>7}   cache"
        )
        for result in results:
            print(row(result))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
