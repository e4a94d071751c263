"""Notes: ingest (classify and store), read one, list with filters."""
