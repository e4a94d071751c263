"""The FastAPI service, its settings and storage."""
