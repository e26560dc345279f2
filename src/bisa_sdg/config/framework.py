"""The UN-Habitat Global Urban Monitoring Framework (UMF) matrix and the mapping of the registry onto it.

Why a data file: which indicator answers which cell of the UMF is a judgement a statistician edits and cites,
so it lives in config/framework_map.csv (read here, checked, loaded as meta.framework_map); the code only
knows the shape of the matrix. Source of the matrix: docs/sources/umf.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.parsing import read_config_csv

# 5 domains x 4 objectives (EDA Journal vol 15 no 3 p 12; UN-Habitat, UMF endorsed by UNSC 53, March 2022).
UMF_DOMAINS: tuple[str, ...] = (
    "society",
    "economy",
    "environment",
    "culture",
    "governance and implementation",
)
UMF_OBJECTIVES: tuple[str, ...] = ("safe", "inclusive", "resilient", "sustainable")
UMF_OBJECTIVE_LABELS: dict[str, str] = {"safe": "safe and peaceful"}
FRAMEWORK_MAP_COLUMNS: tuple[str, ...] = (
    "framework",
    "domain",
    "objective",
    "indicator_id",
    "series",
    "verified",
    "link_source",
    "note",
)
VERIFIED: tuple[str, ...] = ("yes", "UNVERIFIED")


def umf_cells() -> pd.DataFrame:
    """The 20 cells of the UMF matrix, in reading order."""
    return pd.DataFrame(
        [
            {
                "cell_id": f"umf:{domain}:{objective}",
                "domain": domain,
                "objective": UMF_OBJECTIVE_LABELS.get(objective, objective),
                "objective_code": objective,
                "position": i * len(UMF_OBJECTIVES) + j + 1,
            }
            for i, domain in enumerate(UMF_DOMAINS)
            for j, objective in enumerate(UMF_OBJECTIVES)
        ]
    )


def load_framework_map(path: Path) -> pd.DataFrame:
    """Read config/framework_map.csv; one ValueError lists every bad row (spreadsheet row numbers)."""
    path = Path(path)
    raw = read_config_csv(path, FRAMEWORK_MAP_COLUMNS)
    problems: list[str] = []
    for i, rec in enumerate(raw.to_dict("records")):
        where = f"{path}: row {i + 2} ({rec['domain']}/{rec['objective']}/{rec['series']})"
        if rec["framework"] != "umf":
            problems.append(f"{where}: framework must be 'umf' (NUA links live in config/targets.csv)")
        if rec["domain"] not in UMF_DOMAINS or rec["objective"] not in UMF_OBJECTIVES:
            problems.append(
                f"{where}: domain must be one of {list(UMF_DOMAINS)}, objective one of {list(UMF_OBJECTIVES)}"
            )
        if rec["verified"] not in VERIFIED:
            problems.append(f"{where}: verified must be one of {list(VERIFIED)}")
        if not rec["indicator_id"] or not rec["series"] or not rec["link_source"]:
            problems.append(f"{where}: indicator_id, series and link_source are required")
    duplicated = raw.duplicated(["domain", "objective", "series"], keep=False)
    if duplicated.any():
        problems.append(f"{path}: links listed twice: {sorted(set(raw.loc[duplicated, 'series']))}")
    if problems:
        raise ValueError(f"{len(problems)} problem(s) in the framework map:\n" + "\n".join(problems))
    out = raw.copy()
    out["cell_id"] = "umf:" + out["domain"] + ":" + out["objective"]
    return out
