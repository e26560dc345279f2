"""The answer first: each agenda's targets counted in five classes, a sentence per agenda, one verdict per series.

Everything here is read from curated.agenda_scorecard and curated.progress (the counts are never recomputed,
only grouped) and turned into words through labels.yaml, so the page says the same in French, Dutch and
English without parsing the English sentences the warehouse keeps for analysts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Texts = Mapping[str, str]

# The five classes of the scorecard bar, best to worst, and the agenda_scorecard columns each one adds up.
# Commitments without a number are classed by the trend rule of the UNSD 2020-22 chart: "moving the desired
# way" (substantial or fair progress, one count in the table) reads as on track; "limited or no progress" runs
# below zero, so it joins stalled or worse (the three-level light of bisa_sdg.progress.verdicts does the same).
CLASSES: dict[str, tuple[str, ...]] = {
    "met": ("n_target_met",),
    "on_track": ("n_on_track", "n_direction_progress"),
    "too_slow": ("n_moderate_progress", "n_marginal_progress"),
    "stalled": ("n_stagnation", "n_regression", "n_direction_limited", "n_direction_deterioration"),
    "no_data": ("n_numeric_not_assessable", "n_direction_not_assessable"),
}


@dataclass
class AgendaCard:
    code: str
    name: Texts
    total: int
    counts: dict[str, int]
    sentence: Texts
    robust: int = 0
    segments: list[dict[str, Any]] = field(default_factory=list)  # class, count, share (%) for the bar


def _count(rec: Mapping[str, Any], columns: Sequence[str]) -> int:
    return sum(int(rec[c]) for c in columns if c in rec and pd.notna(rec[c]))


def _sentence(card: AgendaCard, labels: Mapping[str, Any], languages: Sequence[str]) -> Texts:
    """'17 targets: 1 on track, 16 without enough data.' in each language, classes best to worst."""
    words = labels["scorecard"]
    out = {}
    for lang in languages:
        unit = words["target_one" if card.total == 1 else "target_many"][lang]
        if card.counts["no_data"] == card.total:
            out[lang] = words["none_assessable"][lang].format(n=card.total, unit=unit)
            continue
        parts = [
            f"{n} {words[f'class_{name}_one' if n == 1 and f'class_{name}_one' in words else f'class_{name}'][lang].lower()}"
            for name, n in card.counts.items()
            if n
        ]
        out[lang] = f"{card.total} {unit}{words['colon'][lang]} {', '.join(parts)}."
        if card.robust:
            out[lang] += " " + words["robust_count"][lang].format(n=card.robust)
    return out


def agenda_cards(
    scorecard: pd.DataFrame | None, region: str, labels: Mapping[str, Any], languages: Sequence[str]
) -> list[AgendaCard]:
    """The region's rows of curated.agenda_scorecard, in its order, as five counts and a sentence each."""
    if scorecard is None or scorecard.empty:
        return []
    rows = scorecard[scorecard["ref_area"].astype(str) == region] if "ref_area" in scorecard else scorecard
    names = labels.get("agenda_groups", {})
    cards = []
    for rec in rows.to_dict("records"):
        code = str(rec["agenda_group"])
        counts = {name: _count(rec, columns) for name, columns in CLASSES.items()}
        total = int(rec["n_targets"])
        card = AgendaCard(
            code=code,
            name=names.get(code) or dict.fromkeys(languages, str(rec.get("agenda_group_label") or code)),
            total=total,
            counts=counts,
            sentence={},
            robust=_count(rec, ("n_robust",)),
        )
        card.sentence = _sentence(card, labels, languages)
        card.segments = [
            {"name": name, "count": n, "share": round(100 * n / total, 2)}
            for name, n in counts.items()
            if n and total
        ]
        cards.append(card)
    return cards


# ------------------------------------------------------------------------------------------ series verdicts

# Which light a class shows (curated.progress has a light column; these are its values plus "no verdict").
TONES = {"on_track": "good", "some_progress": "weak", "no_progress_or_worse": "bad"}


@dataclass
class Verdict:
    target: str
    agenda: str
    method: str
    category: str
    tone: str
    probability: float | None
    stable: bool | None
    reason_code: str
    target_value: float | None
    target_year: int | None
    years: str
    others: list[Verdict] = field(default_factory=list)


def _verdict(rec: Mapping[str, Any]) -> Verdict:
    light = rec.get("light")
    years = [rec.get(k) for k in ("base_year", "latest_year") if rec.get(k) is not None]
    probability = rec.get("probability_target_met")
    return Verdict(
        target=str(rec.get("target_id") or ""),
        agenda=str(rec.get("agenda") or ""),
        method=str(rec.get("method") or ""),
        category=str(rec.get("category") or ""),
        tone=TONES.get(str(light), "none") if light else _fallback_tone(rec),
        probability=float(probability) if probability is not None else None,
        stable=bool(rec["verdict_stable"]) if rec.get("verdict_stable") is not None else None,
        reason_code=str(rec.get("reason_code") or "") if not rec.get("assessed") else "",
        target_value=float(rec["target_value"]) if rec.get("target_value") is not None else None,
        target_year=int(rec["target_year"]) if rec.get("target_year") is not None else None,
        years="–".join(str(int(y)) for y in years),
    )


def _fallback_tone(rec: Mapping[str, Any]) -> str:
    """Tables built before the light column: target met / on track is good, anything assessed else neutral."""
    if not rec.get("assessed"):
        return "none"
    return "good" if rec.get("category") in ("target_met", "on_track", "target_achieved") else "none"


def series_verdicts(progress: Sequence[Mapping[str, Any]], series: str, region: str) -> list[Verdict]:
    """One verdict per target of the series for the region (its headline row), the other methods beside it;
    targets with a verdict first, then by agenda and target id."""
    rows = [r for r in progress if str(r.get("series")) == series and str(r.get("ref_area")) == region]
    by_target: dict[str, list[Mapping[str, Any]]] = {}
    for rec in rows:
        by_target.setdefault(str(rec.get("target_id") or ""), []).append(rec)
    verdicts = []
    for records in by_target.values():
        head = next((r for r in records if r.get("headline")), records[0])
        verdict = _verdict(head)
        verdict.others = [_verdict(r) for r in records if r is not head]
        verdicts.append(verdict)
    return sorted(verdicts, key=lambda v: (v.tone == "none", v.agenda, v.target))
