"""Getting raw files: HTTP with retries, the immutable landing zone, the online refresh, safe archives."""
