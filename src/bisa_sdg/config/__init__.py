"""Configuration a statistician reads and edits: the catalog, the region profile, targets, the UMF map."""
