"""The words of the outputs: labels (templates/labels.yaml) and the titles of indicators and series in each
language, read from the warehouse's registry, the labels and the UN lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from bisa_sdg.parsing import load_yaml
from bisa_sdg.publish.charts import Texts
from bisa_sdg.publish.snapshot import Snapshot, as_records


@cache
def load_labels() -> dict[str, Any]:
    """The labels dictionary (templates/labels.yaml)."""
    text = (resources.files("bisa_sdg.publish") / "templates" / "labels.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


def humanise(code: str) -> str:
    """'BUILTUP_AREA_PER_CAPITA' -> 'Builtup area per capita': a fallback for a code without a label."""
    words = code.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:] if words else code


def as_texts(value: Any, languages: Sequence[str]) -> Texts | None:
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(languages, value.strip())
    if isinstance(value, Mapping):
        found = {lang: str(value[lang]).strip() for lang in languages if value.get(lang)}
        if found:
            fallback = found.get("en") or next(iter(found.values()))
            return {lang: found.get(lang, fallback) for lang in languages}
    return None


def load_series_names(path: Path | None) -> dict[str, str]:
    """UN series code -> English name from the CL_SERIES list (data/reference/sdmx), when it is there."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError):
        return {}
    if not {"series_code", "series_name"} <= set(table.columns):
        return {}
    return dict(zip(table["series_code"].str.strip(), table["series_name"].str.strip(), strict=True))


@dataclass(frozen=True)
class Titles:
    """Indicator and series titles; first found wins: the registry (meta.indicator_registry), labels.yaml,
    the UN lists, the code. Also the registry's digits per series and its notes for readers."""

    languages: tuple[str, ...]
    own_indicators: Mapping[str, Texts]
    own_series: Mapping[str, Texts]
    default_indicators: Mapping[str, Any]
    default_series: Mapping[str, Any]
    un_indicators: Mapping[str, str]
    un_series: Mapping[str, str]
    descriptions: Mapping[str, str] = field(default_factory=dict)  # registry series descriptions (English)
    decimals: Mapping[str, int] = field(default_factory=dict)  # registry: digits shown per series
    notes: Mapping[str, Texts] = field(default_factory=dict)  # registry: a note for readers per indicator

    @classmethod
    def load(
        cls, snapshot: Snapshot, languages: Sequence[str], *, series_names_path: Path | None = None
    ) -> Titles:
        labels = load_labels()
        registry = as_records(snapshot.extra.get("indicator_registry"))
        own_indicators: dict[str, Texts] = {}
        notes: dict[str, Texts] = {}
        for rec in registry:
            text = as_texts({k: rec.get(f"title_{k}") for k in languages if rec.get(f"title_{k}")}, languages)
            if text:
                own_indicators[str(rec["indicator_id"])] = text
            note = as_texts(
                {k: rec.get(f"reader_note_{k}") for k in languages if rec.get(f"reader_note_{k}")}, languages
            )
            if note:
                notes[str(rec["indicator_id"])] = note
        un_indicators: dict[str, str] = {}
        for rec in as_records(snapshot.extra.get("sdg_indicators")):
            un_indicators[str(rec["indicator_id"])] = str(rec.get("description") or "")
        un_series = load_series_names(series_names_path)
        for rec in as_records(snapshot.extra.get("sdg_series")):
            un_series[str(rec["series_code"])] = str(rec.get("description") or "")
        descriptions: dict[str, str] = {}
        decimals: dict[str, int] = {}
        for rec in as_records(snapshot.extra.get("indicator_registry_series")):
            code = str(rec["series"])
            if isinstance(rec.get("description"), str) and rec["description"].strip():
                descriptions[code] = rec["description"].strip()
            if rec.get("decimals") is not None:
                decimals[code] = int(rec["decimals"])
            if rec.get("in_dsd") and code not in un_series:
                un_series[code] = str(rec.get("description") or code)
        return cls(
            tuple(languages),
            own_indicators,
            {},
            labels.get("indicator_titles", {}),
            labels.get("series_titles", {}),
            un_indicators,
            un_series,
            descriptions,
            decimals,
            notes,
        )

    def indicator(self, indicator_id: str) -> Texts:
        return (
            self.own_indicators.get(indicator_id)
            or as_texts(self.default_indicators.get(indicator_id), self.languages)
            or dict.fromkeys(self.languages, self.un_indicators.get(indicator_id, indicator_id))
        )

    def series(self, code: str) -> Texts:
        described = self.descriptions.get(code, "").split(";")[0].strip()
        return (
            self.own_series.get(code)
            or as_texts(self.default_series.get(code), self.languages)
            or dict.fromkeys(
                self.languages,
                self.un_series.get(code) or (described[:1].upper() + described[1:]) or humanise(code),
            )
        )

    def is_un(self, code: str) -> bool:
        """In the UN series lists (CL_SERIES copy, UN API list): a series a UN submission can carry."""
        return code in self.un_series
