"""One schema language (schemas/*.yaml), two engines: pandera for frames, DuckDB for big inputs."""
