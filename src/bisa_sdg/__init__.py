"""bisa-sdg: SDG 11 indicators for a city-region, computed in DuckDB, orchestrated by Prefect."""

__version__ = "0.1.0"
