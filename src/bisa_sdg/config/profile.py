"""Region profiles: the region, its areas and labels are configuration, so another observatory can run the pipeline."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bisa_sdg.config.paths import OutsideFolderError, confined

# Defined in the light settings module (the quick commands use them without loading pandas); named here too.
from bisa_sdg.config.settings import (  # noqa: F401
    PROFILE_NAME_PATTERN,
    PROFILES_DIR,
    ProfileError,
    list_profiles,
    resolve_profile,
)
from bisa_sdg.parsing import load_yaml

AREA_CODE_PATTERN = re.compile(r"^[0-9A-Za-z_]{1,16}$")


@dataclass(frozen=True)
class RegionProfile:
    id: str
    region_code: str
    region_nuts: str
    region_names: dict[str, str]
    country_code: str
    country_m49: str
    country_names: dict[str, str]
    languages: tuple[str, ...]
    municipalities: tuple[str, ...]
    region_labels: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    # Catalog source ids that apply to this region; None = every source of the catalog.
    sources: tuple[str, ...] | None = None
    # The source the municipal sum is checked against (schema rule region_total_matches); None = no published
    # regional total in the data, so the region total is the sum of its municipalities, unchecked.
    region_total_reference: str | None = None
    # Files relative to the config folder (the folder that holds profiles/), kept as written so a copied
    # project gives the same cache keys.
    targets_file: str | None = None
    targets_applies_to: tuple[str, ...] | None = None  # targets.csv applies_to codes that bind this region
    sdmx_ref_area_file: str | None = None
    area_code_changes: AreaCodeChanges | None = None

    @property
    def area_codes(self) -> tuple[str, ...]:
        """The region first, then its municipalities."""
        return (self.region_code, *self.municipalities)

    @property
    def config_dir(self) -> Path:
        """The config folder the profile's files are relative to (config/ for config/profiles/x.yaml)."""
        return self.path.resolve().parent.parent if self.path else Path("config")

    @property
    def targets_path(self) -> Path | None:
        return self.config_dir / self.targets_file if self.targets_file else None

    @property
    def sdmx_ref_area_path(self) -> Path | None:
        return self.config_dir / self.sdmx_ref_area_file if self.sdmx_ref_area_file else None

    def uses(self, source_id: str) -> bool:
        """Whether a catalog source applies to this region."""
        return self.sources is None or source_id in self.sources


@dataclass(frozen=True)
class AreaCodeChanges:
    """Municipal codes a publisher renumbered (same territory, new code), so older files join the profile.

    ``codes`` maps the old code to the profile's code; rows of ``columns`` (source id -> code column) whose
    period is before ``from_year`` (or that have no period column) are recoded at ingest, and the code as
    published is kept in ``<column>_raw``. Mergers (several old codes, one new) are refused: their figures
    would need a territorial correspondence, not a renaming.
    """

    from_year: int
    codes: dict[str, str]
    columns: dict[str, str]
    note: str = ""


def load_profile(path: Path) -> RegionProfile:
    """Read and check a profile file; codes are checked because they end up as SQL parameters and file names."""
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot read region profile: {exc}") from exc
    if not isinstance(doc, dict):
        raise ProfileError(f"{path}: a region profile must be a mapping")
    try:
        region = doc["region"]
        country = doc["country"]
        profile = RegionProfile(
            id=str(doc["id"]),
            region_code=str(region["code"]),
            region_nuts=str(region.get("nuts", "")),
            region_names={str(k): str(v) for k, v in region["names"].items()},
            country_code=str(country["code"]),
            country_m49=str(country["m49"]),
            country_names={str(k): str(v) for k, v in country.get("names", {}).items()},
            languages=tuple(str(lang) for lang in doc.get("languages", ["en"])),
            municipalities=tuple(str(code) for code in doc["municipalities"]),
            region_labels={str(k): str(v) for k, v in (doc.get("region_labels") or {}).items()},
            path=path,
            **_optional_keys(doc, path),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ProfileError(f"{path}: missing or malformed key {exc}") from exc
    bad = [code for code in profile.area_codes if not AREA_CODE_PATTERN.match(code)]
    if bad:
        raise ProfileError(f"{path}: area codes must match {AREA_CODE_PATTERN.pattern}: {bad}")
    if len(set(profile.municipalities)) != len(profile.municipalities):
        raise ProfileError(f"{path}: a municipality is listed twice")
    _check_optional_keys(profile, path)
    return profile


def _optional_keys(doc: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """sources, region_total, targets, sdmx_ref_area and area_code_changes; absent keys keep the defaults."""
    out: dict[str, Any] = {}
    sources = doc.get("sources", "all")
    if sources != "all":
        if not isinstance(sources, list):
            raise ProfileError(f"{path}: sources must be 'all' or a list of catalog source ids")
        out["sources"] = tuple(str(s) for s in sources)
    if "region_total" in doc:
        reference = (doc["region_total"] or {}).get("reference")
        out["region_total_reference"] = None if reference is None else str(reference)
    targets = doc.get("targets")
    if targets:
        out["targets_file"] = str(targets["file"])
        if targets.get("applies_to") is not None:
            out["targets_applies_to"] = tuple(str(code) for code in targets["applies_to"])
    if doc.get("sdmx_ref_area"):
        out["sdmx_ref_area_file"] = str(doc["sdmx_ref_area"])
    changes = doc.get("area_code_changes")
    if changes:
        out["area_code_changes"] = AreaCodeChanges(
            from_year=int(changes["from_year"]),
            codes={str(k): str(v) for k, v in changes["codes"].items()},
            columns={str(k): str(v) for k, v in changes["columns"].items()},
            note=str(changes.get("note", "")),
        )
    return out


def _check_optional_keys(profile: RegionProfile, path: Path) -> None:
    if profile.sources is not None and len(set(profile.sources)) != len(profile.sources):
        raise ProfileError(f"{path}: a source is listed twice under sources")
    reference = profile.region_total_reference
    if reference is not None and not profile.uses(reference):
        raise ProfileError(
            f"{path}: region_total.reference {reference!r} is not one of the profile's sources; "
            "a region total can only be checked against a source the region uses"
        )
    for name in (profile.targets_file, profile.sdmx_ref_area_file):
        if name is not None and (name.startswith("/") or ".." in Path(name).parts):
            raise ProfileError(f"{path}: {name!r} must be a path inside the config folder")
        if name is not None:
            try:
                confined(profile.config_dir, name, f"{path}: file")
            except OutsideFolderError as exc:  # a link out of the config folder
                raise ProfileError(str(exc)) from exc
    changes = profile.area_code_changes
    if changes is None:
        return
    bad = [c for pair in changes.codes.items() for c in pair if not AREA_CODE_PATTERN.match(c)]
    if bad:
        raise ProfileError(f"{path}: area_code_changes: codes must match {AREA_CODE_PATTERN.pattern}: {bad}")
    targets = list(changes.codes.values())
    merged = sorted({code for code in targets if targets.count(code) > 1})
    if merged:
        raise ProfileError(
            f"{path}: area_code_changes maps several old codes to {merged}: that is a merger, not a renumbering; "
            "its figures need a territorial correspondence the pipeline does not apply"
        )
    unknown = sorted(set(targets) - set(profile.municipalities))
    if unknown:
        raise ProfileError(f"{path}: area_code_changes maps to codes that are not municipalities: {unknown}")
    reused = sorted(set(changes.codes) & set(profile.municipalities))
    if reused:
        raise ProfileError(f"{path}: area_code_changes: old codes still used by a municipality: {reused}")
