"""The ``bisa-sdg`` command: run the pipeline, look at past runs."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bisa_sdg.config.profile import ProfileError, list_profiles, resolve_profile
from bisa_sdg.run.steps import PipelineConfig

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
        profile_path=resolve_profile(args.profile),
        schemas_dir=Path(args.schemas_dir),
        online=bool(getattr(args, "online", False)),
        full_refresh=bool(getattr(args, "full_refresh", False)),
    )


def _add_paths(parser: argparse.ArgumentParser) -> None:
    defaults = PipelineConfig()
    parser.add_argument("--raw-dir", default=str(defaults.raw_dir), help="landing zone with catalog.yaml")
    parser.add_argument("--warehouse", default=str(defaults.warehouse), help="DuckDB file to publish")
    parser.add_argument(
        "--reports-dir", default=str(defaults.reports_dir), help="folder for reports and exports"
    )
    parser.add_argument(
        "--profile",
        default=str(defaults.profile_path),
        help="region profile: a name (config/profiles/NAME.yaml; see `bisa-sdg profiles`) or a path",
    )
    parser.add_argument(
        "--schemas-dir", default=str(defaults.schemas_dir), help="folder of the source schemas"
    )


def cmd_run(args: argparse.Namespace) -> int:
    from bisa_sdg.config.catalog import CatalogError
    from bisa_sdg.config.profile import ProfileError
    from bisa_sdg.run.housekeeping import explain_failure, file_identity
    from bisa_sdg.run.runlog import RunLocked
    from bisa_sdg.validation.schema import ValidationFailed
    from flows.pipeline import run_pipeline

    try:
        config = _config(args)
    except ProfileError as exc:  # recorded too: a scheduled run with a bad --profile must show in `status`
        from bisa_sdg.run.runlog import record_early_failure

        record_early_failure(Path(args.warehouse), str(args.profile), f"ProfileError: {exc}")
        raise
    from flows.ephemeral import server_dies_with_this_process

    server_dies_with_this_process()  # a run killed with SIGKILL does not leave Prefect's server running
    started = time.perf_counter()
    before = file_identity(config.warehouse)
    try:
        summary = run_pipeline(config)
    except BaseException as exc:
        known = (ValidationFailed, RunLocked, CatalogError, ProfileError, FileNotFoundError)
        detail = str(exc) if isinstance(exc, known) else explain_failure(exc)
        if file_identity(config.warehouse) != before:  # the swap happened before the failure
            print(
                f"\nbisa-sdg: run failed AFTER publishing — {config.warehouse} was replaced by this run, but the "
                f"outputs in {config.reports_dir} may still be those of the previous run (run log status "
                "'outputs-failed'); the next run writes them again.\n"
                f"{detail}",
                file=sys.stderr,
            )
        else:
            print(
                f"\nbisa-sdg: run failed — nothing was published; {config.warehouse} is unchanged.\n{detail}",
                file=sys.stderr,
            )
        if not isinstance(exc, Exception):  # Ctrl-C, a termination signal: end as the signal asked
            raise
        return 1
    print(f"\nbisa-sdg run {summary['run_id']} completed in {time.perf_counter() - started:.1f} s")
    print(f"  warehouse  {summary['warehouse']}")
    for table, rows in summary["curated_tables"].items():
        print(f"    {table:<32} {rows:>8} rows")
    print(f"  validation {summary['validation_issues']} issue(s), {summary['validation_errors']} error(s)")
    for warning in summary["warnings"]:
        print(f"  warning    {warning}")
    for stage in summary.get("stages", []):
        if stage["stage"] == "ingest" and "files" in stage and stage["cached"]:
            continue  # one line per source only for the sources read again
        cached = "cached" if stage["cached"] else ""
        print(f"  step       {stage['prefect_name']:<40} {stage['seconds']:>7.2f} s  {cached}")
    print(f"  run log    {summary['run_log']}")
    print(f"  summary    {Path(summary['reports_dir']) / 'run_summary.json'}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from bisa_sdg.run.runlog import effective_status, last_runs, run_in_progress
    from bisa_sdg.validation.schema import describe_issue

    runs, issues = last_runs(Path(args.warehouse), limit=args.limit)
    if runs.empty:
        print(f"no runs recorded for {args.warehouse}")
        return 0
    in_progress = run_in_progress(Path(args.warehouse))
    for run in runs.to_dict("records"):
        run["status"] = effective_status(run["status"], in_progress)
        print(f"{run['started_at']}  {run['status']:<10} {run['run_id']}  profile={run['profile']}")
        if run["status"] == "interrupted":
            print(
                "    the process stopped before recording the end of this run (killed?); the next run "
                "removes any half-built file it left"
            )
        if run["status"] != "completed" and run.get("error"):
            print("    " + str(run["error"]).splitlines()[0])
        for issue in issues[issues["run_id"] == run["run_id"]].head(10).to_dict("records"):
            print("    - " + describe_issue(issue))
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from bisa_sdg.publish import release as rel
    from bisa_sdg.publish.outputs import OutputError

    releases_dir = Path(args.releases_dir)
    try:
        if args.list:
            found = rel.list_releases(releases_dir)
            if not found:
                print(f"no releases in {releases_dir}")
            for item in found:
                print(
                    f"{item['vintage']}  created {item['created_at']}  run {item['run_id']}  "
                    f"{item['files']} files  {item['path']}"
                )
            return 0
        if args.verify:
            result = rel.verify_release(releases_dir, args.verify)
            print(result.describe())
            return 0 if result.ok else 1
        if args.open:
            print(rel.open_release(releases_dir, args.open))
            return 0
        started = time.perf_counter()
        folder = rel.create_release(Path(args.warehouse), releases_dir, vintage=args.vintage)
    except (rel.ReleaseError, OutputError, FileNotFoundError) as exc:
        print(f"bisa-sdg release: {exc}", file=sys.stderr)
        return 1
    print(f"release {folder.name} frozen in {folder} ({time.perf_counter() - started:.1f} s)")
    print(f"  check it with: bisa-sdg release --releases-dir {releases_dir} --verify {folder.name}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.deployments import describe, serve_all

    config = _config(args)
    print(describe(config))
    if args.dry_run:
        return 0
    serve_all(config, limit=args.limit)
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    for name in list_profiles(Path(args.profiles_dir)):
        print(name)
    return 0


def cmd_run_regions(args: argparse.Namespace) -> int:
    from flows.multi_region import RegionsFailed, run_regions_on_dask

    started = time.perf_counter()
    try:
        results = run_regions_on_dask(
            args.profiles,
            Path(args.out_dir),
            base=PipelineConfig(raw_dir=Path(args.raw_dir), schemas_dir=Path(args.schemas_dir)),
            address=args.dask_address,
            n_workers=args.workers,
        )
    except RegionsFailed as exc:
        print(f"bisa-sdg run-regions: {exc}", file=sys.stderr)
        return 1
    print(f"{len(results)} region(s) built in {time.perf_counter() - started:.1f} s")
    for name, result in results.items():
        print(f"  {name:<16} {result['status']:<10} {result['warehouse']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bisa-sdg", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the whole pipeline (Prefect, ephemeral mode unless configured)"
    )
    _add_paths(run)
    run.add_argument("--online", action="store_true", help="refresh sources from their publishers first")
    run.add_argument(
        "--full-refresh", action="store_true", help="ignore cached steps: reread, revalidate and rebuild all"
    )
    run.set_defaults(handler=cmd_run)
    serve = commands.add_parser(
        "serve", help="serve the scheduled deployments (needs a Prefect server: see README, PREFECT_API_URL)"
    )
    _add_paths(serve)
    serve.add_argument(
        "--dry-run", action="store_true", help="print the deployments and schedules, then exit"
    )
    serve.add_argument("--limit", type=int, default=1, help="flow runs at once (default 1)")
    serve.set_defaults(handler=cmd_serve)
    profiles = commands.add_parser("profiles", help="the region profiles, one name a line")
    profiles.add_argument("--profiles-dir", default=str(Path("config/profiles")), help="folder of profiles")
    profiles.set_defaults(handler=cmd_profiles)
    regions = commands.add_parser(
        "run-regions", help="build several regions at once, one Dask task each (see README, Many regions)"
    )
    regions.add_argument("profiles", nargs="+", help="profile names or paths")
    regions.add_argument("--out-dir", required=True, help="one folder per region is written here")
    regions.add_argument(
        "--dask-address",
        default=None,
        help="scheduler of a Dask cluster (default: $BISA_DASK_ADDRESS, else local)",
    )
    regions.add_argument("--workers", type=int, default=2, help="local cluster: worker processes (default 2)")
    regions.add_argument(
        "--raw-dir", default=str(PipelineConfig().raw_dir), help="landing zone with catalog.yaml"
    )
    regions.add_argument("--schemas-dir", default=str(PipelineConfig().schemas_dir), help="source schemas")
    regions.set_defaults(handler=cmd_run_regions)
    status = commands.add_parser("status", help="the last runs and what failed")
    status.add_argument("--warehouse", default=str(PipelineConfig().warehouse))
    status.add_argument("--limit", type=int, default=5)
    status.set_defaults(handler=cmd_status)
    release = commands.add_parser(
        "release", help="freeze a dated, immutable release (warehouse copy, every export, manifest)"
    )
    release.add_argument("--vintage", help="release date YYYY-MM-DD (default: today)")
    release.add_argument("--releases-dir", default="releases", help="folder of the releases")
    release.add_argument("--warehouse", default=str(PipelineConfig().warehouse), help="published warehouse")
    action = release.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list the releases")
    action.add_argument("--verify", metavar="VINTAGE", help="recompute the hashes of a release")
    action.add_argument("--open", metavar="VINTAGE", help="print the path of a release's warehouse copy")
    release.set_defaults(handler=cmd_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ProfileError as exc:  # an unknown profile name, before anything runs
        print(f"bisa-sdg: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
