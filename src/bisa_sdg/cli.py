"""The ``bisa-sdg`` command: run the pipeline, look at past runs."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bisa_sdg.pipeline import PipelineConfig

# Quiet, local-first Prefect defaults; a statistician's own settings (environment or profile) win.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_UI_ENABLED", "false")
# The ephemeral API server starts in ~10 s on an idle machine; give a busy one room before giving up.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _config(args: argparse.Namespace) -> PipelineConfig:
    return PipelineConfig(
        raw_dir=Path(args.raw_dir),
        warehouse=Path(args.warehouse),
        reports_dir=Path(args.reports_dir),
        profile_path=Path(args.profile),
        schemas_dir=Path(args.schemas_dir),
        online=bool(getattr(args, "online", False)),
    )


def _add_paths(parser: argparse.ArgumentParser) -> None:
    defaults = PipelineConfig()
    parser.add_argument("--raw-dir", default=str(defaults.raw_dir), help="landing zone with catalog.yaml")
    parser.add_argument("--warehouse", default=str(defaults.warehouse), help="DuckDB file to publish")
    parser.add_argument(
        "--reports-dir", default=str(defaults.reports_dir), help="folder for reports and exports"
    )
    parser.add_argument("--profile", default=str(defaults.profile_path), help="region profile (YAML)")
    parser.add_argument(
        "--schemas-dir", default=str(defaults.schemas_dir), help="folder of the source schemas"
    )


def cmd_run(args: argparse.Namespace) -> int:
    from bisa_sdg.catalog import CatalogError
    from bisa_sdg.profile import ProfileError
    from bisa_sdg.runlog import RunLocked
    from bisa_sdg.validation import ValidationFailed
    from flows.pipeline import run_pipeline

    config = _config(args)
    started = time.perf_counter()
    try:
        summary = run_pipeline(config)
    except (ValidationFailed, RunLocked, CatalogError, ProfileError, FileNotFoundError) as exc:
        print(
            f"\nbisa-sdg: run failed — nothing was published; {config.warehouse} is unchanged.\n{exc}",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:
        print(
            f"\nbisa-sdg: run failed — nothing was published; {config.warehouse} is unchanged.\n"
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    print(f"\nbisa-sdg run {summary['run_id']} completed in {time.perf_counter() - started:.1f} s")
    print(f"  warehouse  {summary['warehouse']}")
    for table, rows in summary["curated_tables"].items():
        print(f"    {table:<32} {rows:>8} rows")
    print(f"  validation {summary['validation_issues']} issue(s), {summary['validation_errors']} error(s)")
    for warning in summary["warnings"]:
        print(f"  warning    {warning}")
    print(f"  run log    {summary['run_log']}")
    print(f"  summary    {Path(summary['reports_dir']) / 'run_summary.json'}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from bisa_sdg.runlog import last_runs
    from bisa_sdg.validation import describe_issue

    runs, issues = last_runs(Path(args.warehouse), limit=args.limit)
    if runs.empty:
        print(f"no runs recorded for {args.warehouse}")
        return 0
    for run in runs.to_dict("records"):
        print(f"{run['started_at']}  {run['status']:<10} {run['run_id']}  profile={run['profile']}")
        if run["status"] != "completed" and run.get("error"):
            print("    " + str(run["error"]).splitlines()[0])
        for issue in issues[issues["run_id"] == run["run_id"]].head(10).to_dict("records"):
            print("    - " + describe_issue(issue))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bisa-sdg", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the whole pipeline (Prefect, ephemeral mode unless configured)"
    )
    _add_paths(run)
    run.add_argument("--online", action="store_true", help="refresh sources from their publishers first")
    run.set_defaults(handler=cmd_run)
    status = commands.add_parser("status", help="the last runs and what failed")
    status.add_argument("--warehouse", default=str(PipelineConfig().warehouse))
    status.add_argument("--limit", type=int, default=5)
    status.set_defaults(handler=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
