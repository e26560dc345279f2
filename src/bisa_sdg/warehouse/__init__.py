"""The DuckDB warehouse: loading, the SQL and Python models, meta tables, atomic publication."""
