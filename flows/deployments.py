"""Deployments: when the pipeline runs in production, derived from each source's publication cadence.

``bisa-sdg serve`` builds one deployment per distinct schedule and serves them all from one long-lived process
(``prefect.serve``): that process polls the Prefect API for scheduled runs and executes them as subprocesses.

Why ``serve`` and not a ``prefect.yaml`` with a work pool and a worker: the pipeline runs on one machine next
to its data (data/raw, the warehouse); there is no container image or remote infrastructure to choose, so a
work pool would only add a second process to babysit. And the schedules are *derived* from the catalog's
``cadence`` field, so they change with the catalog in the same review; a ``prefect.yaml`` would repeat them by
hand. Moving to a work pool later is ``scheduled_run.deploy(...)`` with the same :func:`build_deployments`.

Schedules (timezone Europe/Brussels, 06:00 so a run is done before the working day; days chosen so that no two
deployments ever fire on the same day, and ``serve(limit=1)`` runs one at a time anyway):

* ``refresh-monthly`` — sources whose cadence says monthly (the UN SDG API metadata: UNSD releases quarterly, a
  monthly check catches a release within a month), 3rd of every month, online refresh on;
* ``refresh-yearly-spring`` — yearly sources published in spring (Statbel population on 1 January), 15 April;
* ``refresh-yearly`` — the other yearly sources, 15 October (after the year's federal/regional releases);
* ``full-rebuild-yearly`` — everything rebuilt from scratch ignoring every cache, 2 January, so an input whose
  cadence is irregular or 'on boundary changes' (picked up by whichever run comes next) and any cache
  problem are flushed at least once a year.

Runs are incremental: a scheduled run whose sources did not change rereads nothing and leaves the published
warehouse as it is (see :mod:`bisa_sdg.run.incremental`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow

from bisa_sdg.config.catalog import Catalog, Source
from bisa_sdg.run.steps import PipelineConfig, load_configuration

TIMEZONE = "Europe/Brussels"
FLOW_NAME = "bisa-sdg-scheduled"


@dataclass(frozen=True)
class Plan:
    """One deployment: a name, a cron schedule, the sources it is for and whether caches are ignored."""

    name: str
    cron: str
    sources: tuple[str, ...]
    cadences: tuple[str, ...]
    online: bool = True
    full_refresh: bool = False

    @property
    def description(self) -> str:
        what = "; ".join(f"{s}: {c}" for s, c in zip(self.sources, self.cadences, strict=True))
        kind = "full rebuild ignoring every cache" if self.full_refresh else "incremental run"
        return f"{kind} at cron '{self.cron}' ({TIMEZONE}) for {what}"


# (name suffix, cron) per cadence kind; days differ so that no two schedules fire on the same day.
SCHEDULES = {
    "monthly": ("refresh-monthly", "0 6 3 * *"),
    "quarterly": ("refresh-quarterly", "0 6 5 1,4,7,10 *"),
    "yearly-spring": ("refresh-yearly-spring", "0 6 15 4 *"),
    "yearly": ("refresh-yearly", "0 6 15 10 *"),
}
FULL_REBUILD = ("full-rebuild-yearly", "0 6 2 1 *")


def cadence_kind(cadence: str) -> str | None:
    """Map a catalog ``cadence`` text to a schedule kind; None for irregular or event-driven sources."""
    text = cadence.lower()
    if re.search(r"\bmonthly\b", text):
        return "monthly"
    if re.search(r"\bquarterly\b", text):
        return "quarterly"
    if re.search(r"\b(yearly|annual|annually)\b", text):
        return "yearly-spring" if re.search(r"\bspring\b", text) else "yearly"
    return None


def profile_catalog(config: PipelineConfig) -> Catalog:
    """The sources the configured region profile reads: another region's schedules follow its own sources."""
    return load_configuration(config)[0]


def plans(catalog: Catalog) -> list[Plan]:
    """One plan per schedule kind that some source needs, plus the yearly full rebuild of everything."""
    groups: dict[str, list[Source]] = defaultdict(list)
    for source in catalog.sources:
        kind = cadence_kind(source.cadence)
        if kind is not None:
            groups[kind].append(source)
    out = [
        Plan(
            name=SCHEDULES[kind][0],
            cron=SCHEDULES[kind][1],
            sources=tuple(s.id for s in sources),
            cadences=tuple(s.cadence for s in sources),
        )
        for kind, sources in groups.items()
    ]
    out.append(
        Plan(
            name=FULL_REBUILD[0],
            cron=FULL_REBUILD[1],
            sources=tuple(s.id for s in catalog.sources),
            cadences=tuple(s.cadence for s in catalog.sources),
            full_refresh=True,
        )
    )
    return sorted(out, key=lambda plan: plan.name)


@flow(name=FLOW_NAME, flow_run_name="{deployment_name}", log_prints=True)
def scheduled_run(
    raw_dir: str = "data/raw",
    warehouse: str = "data/curated/bisa_sdg.duckdb",
    reports_dir: str = "reports",
    profile: str = "config/profiles/brussels.yaml",
    schemas_dir: str = "schemas",
    online: bool = True,
    full_refresh: bool = False,
    deployment_name: str = "manual",
) -> dict[str, Any]:
    """A pipeline run with plain (JSON) parameters, as a deployment needs them."""
    from flows.pipeline import run_pipeline

    config = PipelineConfig(
        raw_dir=Path(raw_dir),
        warehouse=Path(warehouse),
        reports_dir=Path(reports_dir),
        profile_path=Path(profile),
        schemas_dir=Path(schemas_dir),
        online=online,
        full_refresh=full_refresh,
    )
    return run_pipeline(config)


def build_deployments(config: PipelineConfig, catalog: Catalog | None = None) -> list[Any]:
    """RunnerDeployments for :func:`prefect.serve`; paths are made absolute so the serving cwd does not matter."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    catalog = catalog or profile_catalog(config)
    base = {
        "raw_dir": str(Path(config.raw_dir).resolve()),
        "warehouse": str(Path(config.warehouse).resolve()),
        "reports_dir": str(Path(config.reports_dir).resolve()),
        "profile": str(Path(config.profile_path).resolve()),
        "schemas_dir": str(Path(config.schemas_dir).resolve()),
    }
    return [
        scheduled_run.to_deployment(
            name=plan.name,
            schedules=[Cron(plan.cron, timezone=TIMEZONE)],
            parameters={
                **base,
                "online": plan.online,
                "full_refresh": plan.full_refresh,
                "deployment_name": plan.name,
            },
            tags=["bisa-sdg", *plan.sources],
            description=plan.description,
            entrypoint_type=EntrypointType.MODULE_PATH,  # 'flows.deployments.scheduled_run': any cwd works
        )
        for plan in plans(catalog)
    ]


def next_runs(cron: str, count: int = 3, after: datetime | None = None) -> list[datetime]:
    """The next run times of a schedule in Europe/Brussels, computed as Prefect's scheduler computes them."""
    from prefect.server.schemas.schedules import CronSchedule

    schedule = CronSchedule(cron=cron, timezone=TIMEZONE)
    start = after or datetime.now(ZoneInfo(TIMEZONE))
    return [
        date.astimezone(ZoneInfo(TIMEZONE))
        for date in schedule._get_dates_generator(n=count, start=start)  # the synchronous core of get_dates
    ]


def describe(config: PipelineConfig, catalog: Catalog | None = None, after: datetime | None = None) -> str:
    """The deployments, their schedules and next three runs as text (``bisa-sdg serve --dry-run``)."""
    catalog = catalog or profile_catalog(config)
    lines = []
    for plan in plans(catalog):
        lines.append(
            f"{FLOW_NAME}/{plan.name}  cron '{plan.cron}' {TIMEZONE}  full_refresh={plan.full_refresh}  "
            f"online={'yes' if plan.online else 'no'}"
        )
        dates = ", ".join(f"{date:%a %Y-%m-%d %H:%M %Z}" for date in next_runs(plan.cron, after=after))
        lines.append(f"    next runs: {dates}")
        for source, cadence in zip(plan.sources, plan.cadences, strict=True):
            lines.append(f"    {source:<32} {cadence}")
    unscheduled = [s for s in catalog.sources if cadence_kind(s.cadence) is None]
    if unscheduled:
        lines.append("irregular sources (read by every run; rebuilt at least by full-rebuild-yearly):")
        lines += [f"    {s.id:<32} {s.cadence}" for s in unscheduled]
    return "\n".join(lines)


def serve_all(config: PipelineConfig, limit: int = 1) -> None:
    """Serve every deployment until interrupted (Ctrl-C pauses their schedules)."""
    from prefect import serve

    serve(*build_deployments(config), limit=limit)
