"""Region profiles: the region, its areas and labels are configuration, so another observatory can run the pipeline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

AREA_CODE_PATTERN = re.compile(r"^[0-9A-Za-z_]{1,16}$")


class ProfileError(ValueError):
    """A region profile that the pipeline cannot use."""


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

    @property
    def area_codes(self) -> tuple[str, ...]:
        """The region first, then its municipalities."""
        return (self.region_code, *self.municipalities)


def load_profile(path: Path) -> RegionProfile:
    """Read and check a profile file; codes are checked because they end up as SQL parameters and file names."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
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
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ProfileError(f"{path}: missing or malformed key {exc}") from exc
    bad = [code for code in profile.area_codes if not AREA_CODE_PATTERN.match(code)]
    if bad:
        raise ProfileError(f"{path}: area codes must match {AREA_CODE_PATTERN.pattern}: {bad}")
    if len(set(profile.municipalities)) != len(profile.municipalities):
        raise ProfileError(f"{path}: a municipality is listed twice")
    return profile
