"""Scale on one machine: the pipeline's validate + compute on SYNTHETIC hourly PM2.5, against the DuckDB floor.

Run on purpose (not part of the test suite; heavy at 1e7 and above):

    .venv/bin/python benchmarks/bench_scale.py                      # 1e5, 1e6, 1e7 rows
    .venv/bin/python benchmarks/bench_scale.py --sizes 1e5,1e6       # quick
    .venv/bin/python benchmarks/bench_scale.py --huge                # adds 9e7 rows (≈ 1 000 stations × 10 years)

Inputs come from benchmarks/generate_synthetic.py (invented values, marked synthetic) in a temporary folder
(``--workdir`` to keep and reuse them). Each measurement runs in a fresh process so its peak resident memory
(ru_maxrss, imports included) is its own:

  floor     DuckDB scans the Parquet file and computes the bare aggregate (mean per station and year);
  pipeline  bisa_sdg.validation.duckdb_engine validates the hourly file, the stations and the population grid against
            benchmarks/schemas/*.yaml (every rule, streaming over Parquet), then the pipeline's SQL computes the
            annual station means (≥ 90 % data capture) and the population-weighted regional mean (the method of
            core.ind_11_6_2: station → area mean, weighted by the area's population from the grid);
  pandera   pandas reads the hourly file and pandera validates it (only up to --pandera-max rows).

Goals (issue 7): validation of 1e7 rows within 3× the floor, time linear in the rows, memory bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

COMPUTE_SQL = """
with station_years as (
    select station_code, time_period, avg(pm25_ugm3) as mean_ugm3, count(pm25_ugm3) as valid_hours
    from read_parquet(?)
    group by station_code, time_period
),
annual as (
    -- AAQD-style data capture: at least 90 % of the hours of the year hold a valid value
    select * from station_years
    where valid_hours >= 0.9 * case
        when (time_period % 4 = 0 and time_period % 100 <> 0) or time_period % 400 = 0 then 8784 else 8760 end
),
stations as (select station_code, ref_area, station_type from read_parquet(?)),
municipal as (
    select stations.ref_area, annual.time_period, avg(annual.mean_ugm3) as mean_ugm3, count(*) as stations
    from annual join stations using (station_code)
    where stations.station_type <> 'traffic'
    group by stations.ref_area, annual.time_period
),
population as (select ref_area, sum(population) as population from read_parquet(?) group by ref_area),
region as (
    select
        municipal.time_period,
        sum(municipal.mean_ugm3 * population.population) / sum(population.population) as pw_mean_ugm3,
        sum(population.population) / (select sum(population) from population) as covered_share,
        count(*) as areas
    from municipal join population using (ref_area)
    group by municipal.time_period
)
select
    (select count(*) from annual) as station_years,
    (select count(*) from region) as region_years,
    (select round(avg(pw_mean_ugm3), 2) from region) as mean_of_pw_means
"""
FLOOR_SQL = """
select station_code, time_period, avg(pm25_ugm3) as mean_ugm3
from read_parquet(?)
group by station_code, time_period
"""


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _connect(threads: int, memory_limit: str, temp_dir: str):
    import duckdb

    con = duckdb.connect()
    con.execute(f"set threads = {int(threads)}")
    con.execute("set memory_limit = ?", [memory_limit])
    con.execute("set temp_directory = ?", [temp_dir])
    con.execute("set preserve_insertion_order = false")
    return con


def _warm(con, path: str) -> None:
    """Read the file's footer and pages once before timing, in every kind alike (a cold first read is the
    disk's cost, not the method's)."""
    con.execute("select count(*), max(pm25_ugm3) from read_parquet(?)", [path]).fetchall()


def measure(kind: str, data: Path, threads: int, memory_limit: str) -> dict[str, object]:
    """One measurement, in this (fresh) process."""
    hourly = str(data / "synthetic_pm25_hourly.parquet")
    stations = str(data / "synthetic_aq_stations.parquet")
    grid = str(data / "synthetic_population_grid.parquet")
    temp_dir = str(data / "duckdb_tmp")
    if kind == "floor":
        con = _connect(threads, memory_limit, temp_dir)
        _warm(con, hourly)
        imported = _peak_mb()
        started = time.perf_counter()
        rows = len(con.execute(FLOOR_SQL, [hourly]).fetchall())
        return {
            "seconds": time.perf_counter() - started,
            "result_rows": rows,
            "peak_mb": _peak_mb(),
            "import_mb": imported,
        }
    from bisa_sdg.config.profile import load_profile
    from bisa_sdg.validation.schema import load_schema

    profile = load_profile(data / "synthetic_profile.yaml")
    schemas = {
        name: load_schema(ROOT / "schemas" / f"{name}.yaml")
        for name in ("synthetic_pm25_hourly", "synthetic_aq_stations", "synthetic_population_grid")
    }
    if kind == "pipeline":
        from bisa_sdg.validation.duckdb_engine import validate_sql

        con = _connect(threads, memory_limit, temp_dir)
        _warm(con, hourly)
        imported = _peak_mb()
        started = time.perf_counter()
        issues = len(validate_sql(hourly, schemas["synthetic_pm25_hourly"], profile, con=con).issues)
        hourly_done = time.perf_counter()
        for name, path in (("synthetic_aq_stations", stations), ("synthetic_population_grid", grid)):
            issues += len(validate_sql(path, schemas[name], profile, con=con).issues)
        validated = time.perf_counter()
        station_years, region_years, mean = con.execute(COMPUTE_SQL, [hourly, stations, grid]).fetchall()[0]
        done = time.perf_counter()
        return {
            "validate": validated - started,
            "validate_hourly": hourly_done - started,
            "compute": done - validated,
            "issues": issues,
            "station_years": station_years,
            "region_years": region_years,
            "mean_pw": mean,
            "peak_mb": _peak_mb(),
            "import_mb": imported,
        }
    if kind == "pandera":
        import pandas as pd

        from bisa_sdg.validation.schema import validate_frame

        imported = _peak_mb()
        started = time.perf_counter()
        frame = pd.read_parquet(hourly)
        frame["_file"], frame["_line"] = "synthetic_pm25_hourly.parquet", range(2, len(frame) + 2)
        issues = len(validate_frame(frame, schemas["synthetic_pm25_hourly"], profile))
        return {
            "seconds": time.perf_counter() - started,
            "issues": issues,
            "peak_mb": _peak_mb(),
            "import_mb": imported,
        }
    raise ValueError(kind)


def best_of(repeat: int, kind: str, data: Path, threads: int, memory_limit: str) -> dict[str, object]:
    """The fastest of ``repeat`` fresh-process runs (the machine is shared: the minimum is the least disturbed);
    peak memory is the largest seen."""
    runs = [run_child(kind, data, threads, memory_limit) for _ in range(repeat)]
    best = dict(
        min(
            runs,
            key=lambda r: (
                float(r.get("seconds", 0)) + float(r.get("validate", 0)) + float(r.get("compute", 0))
            ),
        )
    )
    best["peak_mb"] = max(float(r["peak_mb"]) for r in runs)
    return best


def run_child(kind: str, data: Path, threads: int, memory_limit: str) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            kind,
            "--data",
            str(data),
            "--threads",
            str(threads),
            "--memory-limit",
            memory_limit,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{kind} on {data} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1e5,1e6,1e7", help="comma-separated row counts")
    parser.add_argument(
        "--huge", action="store_true", help="add 9e7 rows (several minutes, ~1.5 GB of Parquet)"
    )
    parser.add_argument("--pandera-max", type=float, default=1e6, help="largest size pandera is timed on")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement up to 1e7 rows (best kept)"
    )
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit (it spills beyond)")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep generated inputs here (default: temp)"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.data, args.threads, args.memory_limit), default=float))
        return

    from generate_synthetic import generate

    sizes = [int(float(s)) for s in args.sizes.split(",")] + ([90_000_000] if args.huge else [])
    with tempfile.TemporaryDirectory(prefix="bisa-synthetic-") as tmp:
        workdir = args.workdir or Path(tmp)
        header = (
            f"{'rows':>11} {'stations':>8} {'floor s':>7} {'valid. s':>9} {'×floor':>6} {'all v s':>8} "
            f"{'compute s':>9} {'v+c s':>6} {'×floor':>6} {'Mrows/s':>7} {'peak MB':>7} {'floor MB':>8} "
            f"{'pandera s':>9} {'pandera MB':>10}"
        )
        print(
            f"SYNTHETIC inputs in {workdir}; DuckDB threads={args.threads}, memory_limit={args.memory_limit}; "
            f"best of {args.repeat} fresh processes up to 1e7 rows; load average {os.getloadavg()[0]:.1f}"
        )
        print(header)
        for size in sizes:
            data = workdir / f"rows_{size}"
            manifest_path = data / "manifest.json"
            if manifest_path.exists() and json.loads(manifest_path.read_text())["requested_rows"] == size:
                manifest = json.loads(manifest_path.read_text())
            else:
                manifest = generate(data, size)
            rows = int(manifest["hourly_rows"])
            repeat = args.repeat if size <= 10_000_000 else 1
            floor = best_of(repeat, "floor", data, args.threads, args.memory_limit)
            pipe = best_of(repeat, "pipeline", data, args.threads, args.memory_limit)
            pandera = (
                run_child("pandera", data, args.threads, args.memory_limit)
                if size <= args.pandera_max
                else None
            )
            total = pipe["validate"] + pipe["compute"]
            f = floor["seconds"]
            print(
                f"{rows:>11,} {manifest['stations']:>8} {f:>7.2f} {pipe['validate_hourly']:>9.2f} "
                f"{pipe['validate_hourly'] / f:>6.1f} {pipe['validate']:>8.2f} {pipe['compute']:>9.2f} "
                f"{total:>6.2f} {total / f:>6.1f} {rows / total / 1e6:>7.2f} {pipe['peak_mb']:>7.0f} "
                f"{floor['peak_mb']:>8.0f} "
                + (
                    f"{pandera['seconds']:>9.2f} {pandera['peak_mb']:>10.0f}"
                    if pandera
                    else f"{'—':>9} {'—':>10}"
                ),
                flush=True,
            )
            if pipe["issues"]:
                print(f"  note: the synthetic inputs gave {pipe['issues']} validation issue(s)")
        print(
            "valid. s = validating the hourly file (every rule of benchmarks/schemas/synthetic_pm25_hourly.yaml);\n"
            "all v s = that plus the stations and the population grid; compute = annual station means and the\n"
            "population-weighted mean; ×floor = against the floor (DuckDB: mean per station and year, same file);\n"
            "peak MB = the process's maximum resident set, imports included (the pipeline also imports pandas\n"
            "and pandera; the floor only duckdb)."
        )


if __name__ == "__main__":
    main()
