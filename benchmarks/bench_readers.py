"""What reading one source costs: the 19 municipalities' polygons gridded at 100 m (statbel_boundaries).

Run on purpose (not part of the test suite), from the repository root:
    .venv/bin/python benchmarks/bench_readers.py

Prints the seconds of each of five reads in one process (the first is cold: imports, projection set-up). The
tests check what the reader produces (tests/test_geo.py), never how fast: a loaded machine must not fail them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.sources import read_source

ROOT = Path(__file__).resolve().parents[1]


def main(runs: int = 5) -> None:
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        frame = read_source(catalog.get("statbel_boundaries"), ROOT / "data/raw", profile)
        seconds.append(round(time.perf_counter() - started, 3))
    print(json.dumps({"source": "statbel_boundaries", "cells": len(frame), "seconds": seconds}))


if __name__ == "__main__":
    main()
