"""What writing the warehouse in DuckDB 1.1's storage format costs: build time and file size.

Run on purpose (not part of the test suite), from the repository root:
    .venv/bin/python benchmarks/bench_storage_version.py v1.1.0 /tmp/bench/v11.duckdb
    .venv/bin/python benchmarks/bench_storage_version.py default /tmp/bench/default.duckdb

Builds and publishes the shipped sample three times in one process with ``warehouse.STORAGE_VERSION`` set to
the given version (``default``: the writer's own, newest format) and prints the build and publish seconds and the
published file's size of each run. The first run of a process is cold (imports, caches); compare the others.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bisa_sdg.run import steps as p
from bisa_sdg.warehouse import database as wh


def main(version: str, out: Path, runs: int = 3) -> None:
    if version == "default":
        wh.build_config = lambda: {"fsync_mode": "NONE"}
    else:
        wh.STORAGE_VERSION = version
    results = []
    for _ in range(runs):
        timings: dict[str, float] = {}
        p.build_and_publish(p.PipelineConfig(warehouse=out), timings=timings)
        results.append(
            {
                "build_s": round(timings["build"], 3),
                "publish_s": round(timings["publish"], 3),
                "bytes": out.stat().st_size,
            }
        )
    print(version, json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
