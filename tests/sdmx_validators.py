"""The SDMX validators the receivers run, called on a data file and the structure message shipped with it.

sdmxthon (MeaningfulData) has a structural validation of its own (codes SS01–SS11: missing components,
codes outside their codelist, facets such as maxLength, duplicate keys…); every finding counts, warnings too.

pysdmx (BIS) 1.21 reads and XSD-validates both messages and attaches the structure to the data set
(``get_datasets``), but has no data-against-structure check of its own: the data set's values are checked here
against the Schema pysdmx built from the structure message — required components present in every row,
coded values in the enumeration pysdmx parsed, text within its maxLength, measures numeric.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def sdmxthon_findings(data: Path, structure: Path) -> list[dict]:
    """Every finding of sdmxthon's structural validation (rows left out, they repeat the data)."""
    from sdmxthon.api.api import get_datasets

    dataset = get_datasets(str(data), str(structure), validate=True)
    if dataset.structure is None:
        return [{"Code": "structure", "Message": f"{structure} does not define the data's structure"}]
    # sdmxthon 2.6.11 expects pandas 2: under pandas 3, an observation without an optional attribute
    # (COMMENT_OBS of a row with no note) reaches its maxLength check as a float NaN and len() fails. Object
    # columns give it the pandas 2 behaviour it was written for ('nan' text, skipped); no value changes.
    dataset.data = dataset.data.astype(object)
    return [{k: v for k, v in f.items() if k != "Rows"} for f in dataset.structural_validation()]


def pysdmx_findings(data: Path, structure: Path) -> list[str]:
    """The data set read by pysdmx, checked against the Schema pysdmx built from the structure message."""
    from pysdmx.io import get_datasets
    from pysdmx.model import Role

    [dataset] = get_datasets(str(data), str(structure), validate=True)
    schema, frame = dataset.structure, dataset.data
    findings: list[str] = []
    for component in schema.components:
        if component.id not in frame.columns:
            if component.required:
                findings.append(f"{component.id}: required, missing from the data")
            continue
        cells = frame[component.id]
        filled = cells[cells.notna() & (cells.astype(str).str.strip() != "")].astype(str)
        if component.required and len(filled) < len(cells):
            findings.append(f"{component.id}: required, empty in {len(cells) - len(filled)} row(s)")
        if component.enumeration is not None:
            codes = {code.id for code in component.enumeration.codes}
            unknown = sorted(set(filled) - codes)
            if unknown:
                findings.append(f"{component.id}: not in {component.enumeration.short_urn}: {unknown[:5]}")
        facets = component.facets
        if facets is not None and facets.max_length is not None:
            limit = int(facets.max_length)  # pysdmx keeps the facet as the text of the XML attribute
            too_long = [v for v in filled if len(v) > limit]
            if too_long:
                findings.append(
                    f"{component.id}: {len(too_long)} value(s) over maxLength {facets.max_length}"
                )
        if component.role == Role.MEASURE and pd.to_numeric(filled, errors="coerce").isna().any():
            findings.append(f"{component.id}: non-numeric measure values")
    return findings
