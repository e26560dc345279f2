"""The ``bisa-sdg`` command: run the pipeline, look at past runs.

Quick commands (``status``, ``profiles``, ``--help``) import neither Prefect nor pandas; ``run`` checks its
arguments, paths, permissions and the run lock before Prefect is imported (bisa_sdg.run.preflight).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from bisa_sdg.config.settings import (
    PipelineConfig,
    ProfileError,
    dask_address,
    list_profiles,
    resolve_profile,
)

# Quiet, local-first Prefect defaults; a statistician's own settings (environment or profile) win.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_UI_ENABLED", "false")
# The ephemeral API server starts in ~10 s on an idle machine; give a busy one room before giving up.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

EXIT_USAGE = 2  # a mistake in how the command was asked for (argparse uses 2 as well)


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
    """Check everything a user can get wrong, take the run lock, and only then start Prefect."""
    from bisa_sdg.run.preflight import UsageError, check_run
    from bisa_sdg.run.runlog import RunLocked, exclusive_run, record_early_failure

    try:
        config = _config(args)
    except ProfileError as exc:  # recorded too: a scheduled run with a bad --profile must show in `status`
        record_early_failure(Path(args.warehouse), str(args.profile), f"ProfileError: {exc}")
        raise UsageError(f"{exc}; pass --profile with one of them or a profile file's path") from exc
    check_run(config)
    try:
        with exclusive_run(config.warehouse):
            return _run_holding_the_lock(config, args)
    except RunLocked as exc:
        raise UsageError(f"{exc}; nothing was published") from exc


def _run_holding_the_lock(config: PipelineConfig, args: argparse.Namespace) -> int:
    from flows.ephemeral import start_server_early

    live = _live_display(args)
    live.stage(
        "prefect"
    )  # the flow's first step ends it: until then, Prefect is starting (its server, the run)
    early_server = start_server_early()  # first: it takes seconds to answer, the work below needs none of it
    from bisa_sdg.config.catalog import CatalogError
    from bisa_sdg.run import incremental, steps
    from bisa_sdg.run.housekeeping import file_identity
    from bisa_sdg.run.runlog import record_early_failure

    started = time.perf_counter()
    before = file_identity(config.warehouse)
    try:  # the catalog and the profile's content, before the flow: a failed run, recorded as such
        catalog, _ = steps.load_configuration(config)
    except (CatalogError, ProfileError) as exc:
        live.close()
        record_early_failure(config.warehouse, Path(config.profile_path).stem, f"{type(exc).__name__}: {exc}")
        print(
            f"bisa-sdg: run failed — nothing was published; {config.warehouse} is unchanged.\n{exc}",
            file=sys.stderr,
        )
        return 1
    steps.import_step_modules(catalog)  # while the server starts, not inside the flow's tasks
    incremental.read_imported_code()  # the code digests of the run's keys, likewise
    from flows.ephemeral import prefect_api
    from flows.pipeline import run_pipeline

    with prefect_api(early_server):
        try:
            summary = run_pipeline(config)
        except BaseException as exc:
            live.close()
            return _report_failure(exc, config, before, verbose=args.verbose)
    live.close()
    _print_summary(summary, time.perf_counter() - started, verbose=args.verbose)
    return 0


def _live_display(args: argparse.Namespace) -> Any:
    """At a terminal (and without -v): live progress, and only Prefect's warnings on the console (the API and
    the run log keep every line). Elsewhere, the plain log."""
    from bisa_sdg.run import display

    if args.verbose or not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        return display.current()
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    display.use(display.LiveDisplay())
    return display.current()


def _report_failure(exc: BaseException, config: PipelineConfig, before: Any, verbose: bool) -> int:
    """One message saying what happened and whether the published warehouse changed; the exit code."""
    from bisa_sdg.config.catalog import CatalogError
    from bisa_sdg.run.housekeeping import explain_failure, file_identity
    from bisa_sdg.run.interrupt import signal_of
    from bisa_sdg.run.runlog import RunLocked
    from bisa_sdg.validation.schema import ValidationFailed

    replaced = file_identity(config.warehouse) != before
    stopped_by = signal_of(exc)
    if stopped_by:
        from flows.pipeline import mark_cancelled

        mark_cancelled(exc)
        changed = (
            f"{config.warehouse} WAS replaced by this run (the outputs in {config.reports_dir} may be the previous "
            "run's: the next run writes them again)"
            if replaced
            else f"nothing was published, {config.warehouse} is unchanged"
        )
        print(f"\nbisa-sdg: run stopped by {stopped_by.name}: {changed}", file=sys.stderr)
        _traceback_if(verbose, exc)
        return 128 + stopped_by.value
    known = (ValidationFailed, RunLocked, CatalogError, ProfileError, FileNotFoundError)
    detail = str(exc) if isinstance(exc, known) else explain_failure(exc)
    if replaced:  # the swap happened before the failure
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
    _traceback_if(verbose, exc)
    return 1


def _traceback_if(verbose: bool, exc: BaseException) -> None:
    if verbose:
        import traceback

        traceback.print_exception(exc)


def _print_summary(summary: dict[str, Any], seconds: float, verbose: bool) -> None:
    """What the run produced, each output once, and each warning once."""
    print(f"\nbisa-sdg run {summary['run_id']} completed in {seconds:.1f} s")
    print(f"  warehouse  {summary['warehouse']}")
    for table, rows in summary["curated_tables"].items():
        print(f"    {table:<32} {rows:>8} rows")
    errors = summary["validation_errors"]
    print(
        f"  validation {'passed' if not errors else 'FAILED'}: {summary['validation_issues']} issue(s), "
        f"{errors} error(s)"
    )
    for line in _output_lines(Path(summary["reports_dir"]), summary["run_id"]):
        print(f"  {line}")
    for warning in dict.fromkeys(summary["warnings"]):  # once each, in order
        print(f"  warning    {warning}")
    if verbose:
        for stage in summary.get("stages", []):
            cached = "cached" if stage["cached"] else ""
            print(f"  step       {stage['prefect_name']:<40} {stage['seconds']:>7.2f} s  {cached}")
        for step in summary.get("steps", []):
            print(f"  model      {step['model']:<40} {step['rows']:>8} rows {step['seconds']:>7.3f} s")
    print(f"  run log    {summary['run_log']}")
    print(f"  summary    {Path(summary['reports_dir']) / 'run_summary.json'}")


def _output_lines(reports_dir: Path, run_id: str) -> list[str]:
    """Every output, grouped (report, SDMX, Open SDG, extracts, ...), and the release state, from outputs.json.

    Read from the manifest the outputs step writes, so the list is what is on disk, not what was meant to be.
    """
    import json

    manifest_path = reports_dir / "outputs.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [f"output     none written in {reports_dir} (no outputs.json)"]
    groups: dict[str, list[str]] = {}
    for name in manifest.get("files") or {}:
        if name == "run_summary.json":  # not an output: printed on its own line below
            continue
        folder, _, rest = name.partition("/")
        groups.setdefault(folder if rest else name, []).append(name)
    lines = []
    for group, names in groups.items():
        where = reports_dir / group
        shown = f"{where}/  ({len(names)} files)" if len(names) > 1 or "/" in names[0] else str(where)
        lines.append(f"output     {shown}")
    fresh = manifest.get("run_id") == run_id
    release = manifest.get("release")
    lines.append(
        f"release    {'release ' + release if release else 'not released'}"
        f" ({manifest.get('label') or 'unlabelled'}"
        + ("" if fresh else "; written by an earlier run, this run changed nothing they show")
        + ")"
    )
    return lines


def cmd_status(args: argparse.Namespace) -> int:
    from bisa_sdg.run.runlog import INTERRUPTED, effective_status, recent_runs, run_in_progress
    from bisa_sdg.validation.issues import describe_issue

    runs = recent_runs(Path(args.warehouse), limit=args.limit)
    if not runs:
        print(f"no runs recorded for {args.warehouse}")
        return 0
    in_progress = run_in_progress(Path(args.warehouse))
    for run in runs:
        recorded = run["status"]
        run["status"] = effective_status(recorded, in_progress)
        print(f"{run['started_at']}  {run['status']:<10} {run['run_id']}  profile={run['profile']}")
        if run["status"] == INTERRUPTED and recorded != INTERRUPTED:
            print(
                "    the process stopped before recording the end of this run (killed?); the next run "
                "removes any half-built file it left"
            )
        if run["status"] != "completed" and run.get("error"):
            print("    " + str(run["error"]).splitlines()[0])
        for issue in run["issues"][:10]:
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
            address=args.dask_address or dask_address(),
            n_workers=args.workers,
        )
    except RegionsFailed as exc:
        print(f"bisa-sdg run-regions: {exc}", file=sys.stderr)
        return 1
    print(f"{len(results)} region(s) built in {time.perf_counter() - started:.1f} s")
    for name, result in results.items():
        print(f"  {name:<16} {result['status']:<10} {result['warehouse']}")
    return 0


class _HELP_FORMAT(argparse.ArgumentDefaultsHelpFormatter):
    """Help that shows each option's default (not for flags, nor for options with no default)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _default_help_format(commands: Any) -> None:
    """Every subcommand's help shows its defaults too."""
    original = commands.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.setdefault("formatter_class", _HELP_FORMAT)
        return original(name, **kwargs)

    commands.add_parser = add_parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bisa-sdg", description=__doc__.splitlines()[0], formatter_class=_HELP_FORMAT
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="per-step and per-model lines; tracebacks of failures"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _default_help_format(commands)
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
    serve.add_argument("--limit", type=int, default=1, help="flow runs at once")
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
        help="scheduler of a Dask cluster (default: $BISA_SDG_DASK_ADDRESS, else a local cluster)",
    )
    regions.add_argument("--workers", type=int, default=2, help="local cluster: worker processes")
    regions.add_argument(
        "--raw-dir", default=str(PipelineConfig().raw_dir), help="landing zone with catalog.yaml"
    )
    regions.add_argument("--schemas-dir", default=str(PipelineConfig().schemas_dir), help="source schemas")
    regions.set_defaults(handler=cmd_run_regions)
    status = commands.add_parser("status", help="the last runs and what failed")
    status.add_argument("--warehouse", default=str(PipelineConfig().warehouse), help="published warehouse")
    status.add_argument("--limit", type=int, default=5, help="runs shown")
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
    from bisa_sdg.run.interrupt import Interrupted, signals_interrupt
    from bisa_sdg.run.preflight import UsageError

    args = build_parser().parse_args(argv)
    try:
        with signals_interrupt():
            return int(args.handler(args))
    except (UsageError, ProfileError) as exc:  # a mistake in the command: the fix, no traceback
        print(f"bisa-sdg: {exc}", file=sys.stderr)
        _traceback_if(args.verbose, exc)
        return EXIT_USAGE
    except Interrupted as exc:  # before the run started, or in a quick command
        print(f"bisa-sdg: stopped by {exc.signal_name}; nothing was published", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
