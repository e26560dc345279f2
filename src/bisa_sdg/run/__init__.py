"""One pipeline run: its steps, incremental keys, the run log, housekeeping, the signed result cache."""
